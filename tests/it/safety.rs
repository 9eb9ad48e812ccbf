//! Nothing lost: crashes in the write path, unparsable hand edits meeting changes from elsewhere,
//! a deleted ref. Each test is named after what broke before it was fixed.

use std::fs;

use crate::common::Env;

fn view(env: &Env, dir: &std::path::Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&env.gs(dir, &["view", name, "--json"])).unwrap()
}

#[test]
fn crash_after_the_ref_moved_with_a_hand_edit_present_loses_neither() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &["init", "--name", "crash", "--goal", "G", "--step", "s"],
    );
    let path = env.active_file(&repo);
    let edited = fs::read_to_string(&path).unwrap().replace(
        "- [ ] s <- CURRENT\n",
        "- [ ] s <- CURRENT\n  - hand-written note\n",
    );
    fs::write(&path, &edited).unwrap();
    let out = env
        .cmd(&repo)
        .env("GIT_SESSION_FAILPOINT", "after-cas")
        .args(["log", "--progress", "logged then crashed"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failpoint aborts");
    // The ref has the change; the mirror was never updated. The next command finishes the job.
    let v = view(&env, &repo, "crash");
    let notes = v["progress"]["in_progress"][0]["notes"].as_array().unwrap();
    let notes: Vec<&str> = notes.iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(notes, ["hand-written note", "logged then crashed"]);
    assert_eq!(env.gs(&repo, &["doctor"]).trim(), "No problems found.");
}

#[test]
fn crash_after_the_ref_moved_then_another_hand_edit_keeps_all_three() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "crash2", "--goal", "G"]);
    let out = env
        .cmd(&repo)
        .env("GIT_SESSION_FAILPOINT", "after-cas")
        .args(["log", "--discovery", "committed"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let path = env.active_file(&repo);
    let edited = fs::read_to_string(&path).unwrap().replace(
        "## Next Steps\n",
        "## Next Steps\n\n- typed after the crash\n",
    );
    fs::write(&path, &edited).unwrap();
    env.gs(&repo, &["log", "--context", "next command"]);
    let v = view(&env, &repo, "crash2");
    assert_eq!(v["discoveries"][0]["text"], "committed");
    assert_eq!(v["next_steps"][0], "typed after the crash");
    assert_eq!(v["key_context"][0], "next command");
}

#[test]
fn an_unparsable_hand_edit_survives_a_close_in_another_worktree_and_merges_once_fixed() {
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    env.gs(&repo, &["init", "--name", "demo", "--goal", "G"]);
    env.gs(&wt, &["list"]);
    let path = env.active_file(&repo);
    let good = fs::read_to_string(&path).unwrap();
    // Frontmatter that is not YAML: a renamed heading no longer breaks a file (issue 12).
    let broken = good
        .replacen("\ncompaction_count: 0\n", "\ncompaction_count: [0\n", 1)
        .replace("## Next Steps\n", "## Next Steps\n- my precious note\n");
    fs::write(&path, &broken).unwrap();
    env.gs(&wt, &["log", "-s", "demo", "--discovery", "from wt"]);
    env.gs(&wt, &["close", "--complete", "-s", "demo"]);
    let out = env.run(&repo, &["list", "--all"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not parse"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        broken,
        "our copy is kept as it is"
    );
    // Fixed by hand: the next command merges it with what the other worktree did.
    fs::write(
        &path,
        broken.replacen("compaction_count: [0", "compaction_count: 0", 1),
    )
    .unwrap();
    env.gs(&repo, &["init", "--name", "other", "--goal", "H"]);
    let v = view(&env, &repo, "demo");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["next_steps"][0], "my precious note");
    assert_eq!(v["discoveries"][0]["text"], "from wt");
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert_eq!(
        tree.lines().filter(|l| l.contains("demo-")).count(),
        1,
        "one file for the session: {tree}"
    );
    assert!(tree.lines().any(|l| l.starts_with("archive/demo-")));
    assert!(!path.exists() && !repo.join(format!("{}.theirs", path.display())).exists());
}

#[test]
fn a_deleted_ref_stops_commands_and_doctor_repair_brings_it_back() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "a", "--goal", "G"]);
    env.gs(&repo, &["log", "--discovery", "keep me"]);
    env.gs(&repo, &["close", "--complete"]);
    env.gs(&repo, &["init", "--name", "b", "--goal", "H"]);
    let files = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    env.git(&repo, &["update-ref", "-d", "refs/sessions"]);
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(err.contains("doctor --repair"), "{err}");
    env.gs(&repo, &["doctor", "--repair"]);
    assert_eq!(
        env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]),
        files
    );
    env.gs(&repo, &["log", "--progress", "x"]);
}

#[test]
fn a_conflict_in_the_mirror_is_recorded_in_the_journal() {
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    env.gs(&repo, &["init", "--name", "tl", "--goal", "G"]);
    env.gs(&wt, &["list"]);
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("(Read This First)\nG\n\n"));
    fs::write(
        &path,
        text.replacen(
            "(Read This First)\nG\n\n",
            "(Read This First)\nHand summary here\n\n",
            1,
        ),
    )
    .unwrap();
    env.gs(
        &wt,
        &[
            "checkpoint",
            "-s",
            "tl",
            "--summary",
            "Summary from the other worktree",
        ],
    );
    env.gs(&repo, &["log", "--next", "n"]);
    let v = view(&env, &repo, "tl");
    let tldr = v["tldr"].as_str().unwrap();
    assert!(
        tldr.contains("Hand summary here") && tldr.contains("Summary from the other worktree"),
        "{tldr}"
    );
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(tree.lines().any(|l| l.contains("-conflict-")), "{tree}");
}
