//! Session lifecycle: resume, pause, close, reopen, history, view --at, tasks, doctor.

use std::fs;

use crate::common::Env;

fn json(env: &Env, dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&env.gs(dir, args)).unwrap()
}

#[test]
fn pause_then_resume_round_trips_status_and_current_session() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init", "--name", "trip", "--goal", "G", "--step", "one", "--step", "two",
        ],
    );
    env.gs(&repo, &["log", "--progress", "halfway through one"]);
    env.gs(&repo, &["log", "--blocker", "waiting on review"]);
    env.gs(&repo, &["log", "--next", "ask Sam"]);
    env.gs(&repo, &["pause", "--note", "stopping for the day"]);
    assert_eq!(
        json(&env, &repo, &["view", "trip", "--json"])["status"],
        "paused"
    );
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(err.contains("no current session"), "{err}");
    let out = env.gs(&repo, &["resume"]);
    assert!(out.starts_with("# Resuming Session: trip ("), "{out}");
    let left_off =
        &out[out.find("## Where You Left Off").unwrap()..out.find("## Session file").unwrap()];
    assert!(
        left_off.contains("- Current step (1 of 2): one"),
        "{left_off}"
    );
    assert!(
        left_off.contains("- Last progress: halfway through one"),
        "{left_off}"
    );
    assert!(left_off.contains("1. waiting on review"), "{left_off}");
    assert!(left_off.contains("ask Sam"), "{left_off}");
    assert!(left_off.contains("HEAD is still there"), "{left_off}");
    assert!(
        out.contains("## Recent journal") && out.contains("pause: stopping for the day"),
        "{out}"
    );
    assert_eq!(json(&env, &repo, &["view", "--json"])["status"], "active");
    assert!(
        env.gs(&repo, &["view"])
            .contains("**Current**: one (step 1)"),
        "the TL;DR status line follows resume"
    );
    env.gs(&repo, &["log", "--progress", "back at it"]);
    let log = env.git(&repo, &["log", "--format=%s", "-3", "refs/sessions"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "log(trip): progress: back at it",
            "resume(trip): resumed (was paused)",
            "pause(trip): stopping for the day"
        ]
    );
}

/// Pausing a paused session committed again each time (a checkpoint and an entry with
/// nothing new): now it changes nothing and says so; with `--note` the note is recorded.
#[test]
fn pausing_a_paused_session_changes_nothing_unless_there_is_a_note() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "trip", "--goal", "G"]);
    env.gs(&repo, &["pause"]);
    let tip = env.git(&repo, &["rev-parse", "refs/sessions"]);
    let out = env.gs(&repo, &["pause", "-s", "trip"]);
    assert!(
        out.contains("trip is already paused; nothing changed"),
        "{out}"
    );
    let again = json(&env, &repo, &["pause", "-s", "trip", "--json"]);
    assert_eq!(
        (again["changed"].as_bool(), again["status"].as_str()),
        (Some(false), Some("paused"))
    );
    assert_eq!(
        env.git(&repo, &["rev-parse", "refs/sessions"]),
        tip,
        "no commit"
    );
    env.gs(
        &repo,
        &["pause", "-s", "trip", "--note", "still waiting on review"],
    );
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%s", "refs/sessions"])
            .trim(),
        "pause(trip): still waiting on review"
    );
}

#[test]
fn resume_without_a_name_picks_the_most_recently_updated_session() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "older", "--goal", "G"]);
    env.gs(&repo, &["init", "--name", "newer", "--goal", "H"]);
    env.gs(&repo, &["log", "-s", "older", "--progress", "touched last"]);
    // A new worktree has no current session; "older" was updated most recently.
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    let r = json(&env, &wt, &["resume", "--json"]);
    assert_eq!(r["session"]["shortname"], "older");
    assert_eq!(r["where_you_left_off"]["last_progress"], "touched last");
    assert_eq!(json(&env, &wt, &["view", "--json"])["shortname"], "older");
    assert_eq!(
        json(&env, &repo, &["view", "--json"])["shortname"],
        "newer",
        "the other worktree keeps its own"
    );
    let listed = env.gs(&repo, &["resume", "--list"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[test]
fn resume_reports_that_head_moved_since_the_session_last_saw_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "moving", "--goal", "G"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "a"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "b"]);
    let r = json(&env, &repo, &["resume", "--json"]);
    assert_eq!(r["where_you_left_off"]["head"]["moved"], true);
    assert_eq!(r["where_you_left_off"]["head"]["commits_since"], 2);
    let text = env.gs(&repo, &["resume"]);
    assert!(text.contains("(2 commits later)"), "{text}");
}

#[test]
fn close_complete_moves_the_file_counts_and_marks_tasks_byte_for_byte() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".tasks")).unwrap();
    let task = "---\nid: T-100\nshortname: sweeper\nstatus: in_progress   # set by hand\npriority: high\n---\n\n# Fix the sweeper\n\nBody *stays*.\n";
    let other = "---\nid: T-200\nstatus: open\n---\nother\n";
    fs::write(repo.join(".tasks/T-100.md"), task).unwrap();
    fs::write(repo.join(".tasks/T-200.md"), other).unwrap();
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "done-soon",
            "--goal",
            "G",
            "--task",
            "sweeper",
            "--step",
            "a",
            "--step",
            "b",
            "--step",
            "c",
        ],
    );
    env.gs(&repo, &["log", "--done", "a"]);
    env.gs(&repo, &["log", "--done", "b"]);
    env.gs(&repo, &["log", "--decision", "D1", "--rationale", "R"]);
    env.gs(&repo, &["log", "--discovery", "X"]);
    env.gs(&repo, &["log", "--discovery", "Y"]);
    let before = env.count(&repo);
    let s = json(&env, &repo, &["close", "--complete", "--json"]);
    assert_eq!(env.count(&repo), before + 1, "one commit");
    assert_eq!(s["status"], "completed");
    assert_eq!(s["steps_done"], 2);
    assert_eq!(s["steps_total"], 3);
    assert_eq!(s["decisions"], 1);
    assert_eq!(s["discoveries"], 2);
    assert_eq!(s["tasks"][0]["id"], "T-100");
    assert_eq!(s["tasks"][0]["result"], "marked completed");
    assert_eq!(
        fs::read_to_string(repo.join(".tasks/T-100.md")).unwrap(),
        task.replace("status: in_progress   # set by hand", "status: completed")
    );
    assert_eq!(
        fs::read_to_string(repo.join(".tasks/T-200.md")).unwrap(),
        other
    );
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(
        tree.lines().any(|l| l.starts_with("archive/done-soon-")),
        "{tree}"
    );
    assert!(!tree.lines().any(|l| l.starts_with("active/")), "{tree}");
    assert!(
        fs::read_dir(repo.join(".sessions/archive"))
            .unwrap()
            .count()
            == 1
    );
    assert!(
        !repo.join(".sessions/active").exists()
            || fs::read_dir(repo.join(".sessions/active")).unwrap().count() == 0
    );
    assert_eq!(env.gs(&repo, &["list", "--json"]).trim(), "[]");
    assert_eq!(
        json(&env, &repo, &["list", "--archived", "--json"])[0]["status"],
        "completed"
    );
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(err.contains("no current session"), "{err}");
    let err = env.fails(
        &repo,
        &["close", "--abandon", "--reason", "r", "-s", "done-soon"],
        1,
    );
    assert!(err.contains("already completed"), "{err}");
}

#[test]
fn close_prints_a_human_summary() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".tasks")).unwrap();
    fs::write(
        repo.join(".tasks/T-7.md"),
        "---\nid: T-7\nstatus: open\n---\n",
    )
    .unwrap();
    env.gs(
        &repo,
        &[
            "init", "--name", "sum", "--goal", "G", "--task", "T-7", "--step", "a", "--step", "b",
            "--step", "c",
        ],
    );
    // Started 1 day, 2 hours and 3.5 minutes ago, by hand: the next command commits it.
    let path = env.active_file(&repo);
    let started = chrono::Utc::now() - chrono::Duration::seconds(26 * 3600 + 3 * 60 + 30);
    let text = fs::read_to_string(&path).unwrap();
    let created = text
        .lines()
        .find(|l| l.starts_with("created_at: "))
        .unwrap()
        .to_string();
    fs::write(
        &path,
        text.replace(
            &created,
            &format!("created_at: {}", started.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
        ),
    )
    .unwrap();
    env.gs(&repo, &["log", "--done", "a"]);
    env.gs(&repo, &["log", "--decision", "D1", "--rationale", "R"]);
    env.gs(&repo, &["log", "--decision", "D2", "--rationale", "R"]);
    for d in ["X", "Y", "Z"] {
        env.gs(&repo, &["log", "--discovery", d]);
    }
    // Two compactions that happened: PostCompact counts them (PreCompact alone is an attempt).
    for n in 0..2 {
        for (kind, event) in [
            ("pre-compact", "PreCompact"),
            ("post-compact", "PostCompact"),
        ] {
            let out = env
                .cmd(&repo)
                .args(["hook", kind])
                .write_stdin(format!(
                    r#"{{"session_id":"c1","cwd":{:?},"hook_event_name":"{event}","trigger":"auto","prompt_id":"p{n}"}}"#,
                    repo.to_str().unwrap()
                ))
                .output()
                .unwrap();
            assert!(out.status.success());
        }
    }
    let short = path
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .strip_prefix("sum-")
        .unwrap()
        .to_string();
    let out = env.gs(
        &repo,
        &["close", "--abandon", "--reason", "superseded by #42"],
    );
    // The seed's completion summary (issue 12), for an abandoned session.
    let file = format!(".sessions/archive/sum-{short}.md");
    assert_eq!(
        out,
        format!(
            "⏹ Session Abandoned: sum ({short})\n   Reason: superseded by #42\n   Duration: 1 day 2h\n   Compactions: 2\n   Progress: 1/3 steps\n\n   ## Summary\n   G\n\n   ## Decisions Made\n   2 decisions recorded\n\n   ## Discoveries\n   3 discoveries logged\n\n   Linked task T-7: linked\n\n   File: {file}\n"
        )
    );
    assert!(repo.join(&file).exists());
}

#[test]
fn abandon_without_a_reason_is_a_usage_error_and_changes_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "keep", "--goal", "G"]);
    let before = env.count(&repo);
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    env.fails(&repo, &["close", "--abandon"], 2);
    env.fails(&repo, &["close"], 2);
    env.fails(
        &repo,
        &["close", "--complete", "--abandon", "--reason", "x"],
        2,
    );
    assert_eq!(env.count(&repo), before);
    assert_eq!(fs::read_to_string(env.active_file(&repo)).unwrap(), file);
    assert_eq!(json(&env, &repo, &["view", "--json"])["status"], "active");
}

#[test]
fn an_archived_session_needs_reopen_to_resume() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "old-one", "--goal", "G"]);
    env.gs(&repo, &["log", "--discovery", "kept across close"]);
    env.gs(&repo, &["close", "--complete"]);
    let before = env.count(&repo);
    let err = env.fails(&repo, &["resume", "old-one"], 1);
    assert!(err.contains("--reopen"), "{err}");
    assert_eq!(env.count(&repo), before);
    let out = env.gs(&repo, &["resume", "old-one", "--reopen"]);
    assert!(out.contains("kept across close"), "{out}");
    let v = json(&env, &repo, &["view", "--json"]);
    assert_eq!(v["status"], "active");
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(
        tree.lines().any(|l| l.starts_with("active/old-one-")) && !tree.contains("archive/"),
        "{tree}"
    );
}

#[test]
fn history_lists_the_session_commits_newest_first() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "hist", "--goal", "G"]);
    env.gs(&repo, &["init", "--name", "noise", "--goal", "N"]);
    env.gs(&repo, &["log", "-s", "hist", "--discovery", "first"]);
    env.gs(&repo, &["log", "--discovery", "noise only"]);
    env.gs(
        &repo,
        &[
            "log",
            "-s",
            "hist",
            "--decision",
            "second",
            "--rationale",
            "r",
        ],
    );
    let h = json(&env, &repo, &["history", "hist", "--json"]);
    let subjects: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "log(hist): decision: second",
            "log(hist): discovery: first",
            "init(hist): G"
        ]
    );
    assert_eq!(h[0]["command"], "log");
    let text = env.gs(&repo, &["history", "hist"]);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.lines().next().unwrap().trim_start().starts_with("0 "),
        "{text}"
    );
}

#[test]
fn view_at_shows_the_session_as_it_was() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "then", "--goal", "G"]);
    env.gs(&repo, &["log", "--discovery", "early"]);
    let early_commit = env
        .git(&repo, &["rev-parse", "refs/sessions"])
        .trim()
        .to_string();
    env.gs(&repo, &["log", "--discovery", "late"]);
    env.gs(
        &repo,
        &["log", "--decision", "later still", "--rationale", "r"],
    );
    let now = json(&env, &repo, &["view", "--json"]);
    assert_eq!(now["discoveries"].as_array().unwrap().len(), 2);
    for rev in ["2", "HEAD~2", &early_commit[..10], early_commit.as_str()] {
        let then = json(&env, &repo, &["view", "--at", rev, "--json"]);
        let d: Vec<&str> = then["discoveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["text"].as_str().unwrap())
            .collect();
        assert_eq!(d, ["early"], "at {rev}");
        assert_eq!(then["decisions"].as_array().unwrap().len(), 0, "at {rev}");
    }
    let part = env.gs(&repo, &["view", "--at", "1", "--discoveries"]);
    assert!(
        part.contains("early") && part.contains("late") && !part.contains("## Decisions"),
        "{part}"
    );
    let err = env.fails(&repo, &["view", "--at", "99"], 2);
    assert!(err.contains("beyond"), "{err}");
    env.fails(&repo, &["view", "--at", "zzzz"], 2);
}

#[test]
fn doctor_finds_a_deleted_mirror_file_and_repair_restores_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "doc", "--goal", "G"]);
    env.gs(&repo, &["log", "--discovery", "precious"]);
    assert_eq!(env.gs(&repo, &["doctor"]).trim(), "No problems found.");
    let path = env.active_file(&repo);
    let content = fs::read_to_string(&path).unwrap();
    fs::remove_file(&path).unwrap();
    let out = env.run(&repo, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("missing from the mirror"), "{text}");
    let before = env.count(&repo);
    let fixed = env.gs(&repo, &["doctor", "--repair"]);
    assert!(
        fixed.contains("repaired: restored .sessions/active/doc-"),
        "{fixed}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), content);
    assert_eq!(env.count(&repo), before, "restoring writes no commit");
    assert_eq!(env.gs(&repo, &["doctor"]).trim(), "No problems found.");
}

#[test]
fn doctor_repair_commits_stray_edits_and_drops_a_dangling_pointer() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "a", "--goal", "G"]);
    env.gs(&repo, &["close", "--complete"]);
    env.gs(&repo, &["init", "--name", "b", "--goal", "H"]);
    // An archived file edited by hand (outside every command's scan) and a pointer to nowhere.
    let archived = fs::read_dir(repo.join(".sessions/archive"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let edited = fs::read_to_string(&archived)
        .unwrap()
        .replace("## Next Steps\n", "## Next Steps\n\n- follow up later\n");
    fs::write(&archived, &edited).unwrap();
    fs::write(
        repo.join(".git/git-session/current"),
        "01234567-89ab-7def-8123-456789abcdef\n",
    )
    .unwrap();
    let out = env.run(&repo, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("edited but not committed") && text.contains("does not exist"),
        "{text}"
    );
    let before = env.count(&repo);
    env.gs(&repo, &["doctor", "--repair"]);
    assert_eq!(env.count(&repo), before + 1);
    let name = archived.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        env.git(&repo, &["show", &format!("refs/sessions:archive/{name}")]),
        edited
    );
    assert!(!repo.join(".git/git-session/current").exists());
    assert_eq!(env.gs(&repo, &["doctor"]).trim(), "No problems found.");
}

#[test]
fn init_links_tasks_by_id_prefix_or_shortname_and_rejects_unknown_ones() {
    let env = Env::new();
    let repo = env.repo("r");
    let r = env.run(
        &repo,
        &["init", "--name", "free", "--goal", "G", "--task", "T-1"],
    );
    assert!(r.status.success());
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("no .tasks/ directory"),
        "a warning without .tasks/"
    );
    fs::create_dir_all(repo.join(".tasks")).unwrap();
    fs::write(
        repo.join(".tasks/a.md"),
        "---\nid: TASK-12345\nshortname: login\n---\n",
    )
    .unwrap();
    fs::write(repo.join(".tasks/b.md"), "---\nid: TASK-999\n---\n").unwrap();
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "linked",
            "--goal",
            "G",
            "--tasks",
            "login,TASK-9",
        ],
    );
    assert_eq!(
        json(&env, &repo, &["view", "--json"])["task_ids"],
        serde_json::json!(["TASK-12345", "TASK-999"])
    );
    let err = env.fails(
        &repo,
        &["init", "--name", "bad", "--goal", "G", "--task", "nope"],
        2,
    );
    assert!(err.contains("no task 'nope'"), "{err}");
}

/// `--json` on a command that writes prints one JSON document naming what it committed, for
/// programs (the global flag was accepted and ignored: text came out), with `--quiet` too;
/// without `--json` the line for people is unchanged.
#[test]
fn write_commands_answer_json_when_asked() {
    let env = Env::new();
    let repo = env.repo("r");
    let init = json(&env, &repo, &["init", "--name", "alpha", "--json"]);
    let short = init["short"].as_str().unwrap().to_string();
    assert_eq!(init["command"], "init");
    assert_eq!(init["session"], "alpha");
    assert_eq!(short.len(), 8);
    let id = init["id"].as_str().unwrap();
    assert!(id.ends_with(&short), "{id} {short}");
    let path = format!(".sessions/active/alpha-{short}.md");
    assert_eq!(init["path"], path.as_str());
    assert!(repo.join(&path).is_file());

    let log = json(
        &env,
        &repo,
        &["log", "--progress", "did a thing", "--json", "-q"],
    );
    assert_eq!(log["command"], "log");
    assert_eq!(log["kind"], "progress");
    assert_eq!(log["session"], "alpha");
    assert_eq!(log["path"], path.as_str());

    let checkpoint = json(&env, &repo, &["checkpoint", "--json"]);
    assert_eq!(checkpoint["command"], "checkpoint");
    assert_eq!(checkpoint["short"], short.as_str());

    let pause = json(&env, &repo, &["pause", "--json"]);
    assert_eq!(pause["command"], "pause");
    assert_eq!(pause["id"], id);
    assert_eq!(pause["status"], "paused");

    env.gs(&repo, &["resume", "alpha"]);
    let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
    env.gs(&repo, &["log", "--context", &format!("token={token}")]);
    let redact = json(&env, &repo, &["redact", &path, "--json"]);
    assert_eq!(redact["command"], "redact");
    assert_eq!(redact["path"], path.as_str());
    let commit = redact["commit"].as_str().unwrap();
    assert_eq!(
        env.git(&repo, &["rev-parse", "refs/sessions"]).trim(),
        commit
    );

    assert_eq!(
        env.gs(&repo, &["log", "--progress", "plain"]).trim(),
        "Logged progress to alpha"
    );
}

/// An answer that cannot be written (stdout on a full disk) is an error, not a silent exit 0:
/// the reader never got it. A write command says its change is committed; a broken pipe (the
/// reader stopped reading, `| head -1`) is the reader's choice and no error, as for git.
#[test]
fn an_answer_that_cannot_be_written_is_an_error_that_says_what_was_committed() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        eprintln!("lifecycle: /dev/full SKIPPED (not on this system)");
        return;
    }
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "alpha"]);
    let before = env.count(&repo);
    let out = env
        .std_cmd(&repo)
        .args(["log", "--progress", "written", "--json"])
        .stdout(fs::File::create(full).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("could not write to stdout") && err.contains("committed; nothing was lost"),
        "{err}"
    );
    assert_eq!(env.count(&repo), before + 1, "the entry was committed");

    let out = env
        .std_cmd(&repo)
        .args(["list", "--json"])
        .stdout(fs::File::create(full).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not write to stdout") && !err.contains("committed"),
        "{err}"
    );

    // A reader that goes away: no error line, the command's own exit status.
    let mut child = env
        .std_cmd(&repo)
        .args(["view", "alpha"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
