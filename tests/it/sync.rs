//! Sharing between machines: a bare "remote" and several clones in temp dirs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

struct Net {
    env: Env,
    remote: PathBuf,
}

impl Net {
    fn new() -> Net {
        let env = Env::new();
        let remote = env.bare_remote();
        Net { env, remote }
    }

    fn clone(&self, name: &str) -> PathBuf {
        self.env.clone_of(&self.remote, name)
    }

    fn tree(&self, dir: &Path) -> String {
        self.env.journal_tree(dir)
    }

    /// Two clones that both hold session `name`, created on the first and synced to the second.
    fn shared(&self, name: &str) -> (PathBuf, PathBuf) {
        let (a, b) = (self.clone("a"), self.clone("b"));
        self.env.gs(&a, &["init", "--name", name, "--goal", "G"]);
        self.env.gs(&a, &["sync"]);
        self.env.gs(&b, &["sync"]);
        (a, b)
    }

    fn view(&self, dir: &Path, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.env.gs(dir, &["view", name, "--json"])).unwrap()
    }
}

#[test]
fn edits_of_every_kind_on_two_machines_merge_and_converge() {
    let net = Net::new();
    let env = &net.env;
    let a = net.clone("a");
    let b = net.clone("b");
    env.gs(
        &a,
        &[
            "init", "--name", "shared", "--goal", "Ship it", "--step", "one", "--step", "two",
            "--step", "three",
        ],
    );
    let out = env.gs(&a, &["sync"]);
    assert!(out.contains("pushed to origin"), "{out}");
    assert!(env.gs(&b, &["sync"]).contains("adopted"));
    env.gs(&b, &["resume", "shared"]);
    // Both sides change everything at once.
    env.gs(&a, &["log", "--decision", "From A", "--rationale", "ra"]);
    env.gs(&a, &["log", "--discovery", "A found"]);
    env.gs(&a, &["log", "--done", "one"]);
    env.gs(&a, &["log", "--next", "A next"]);
    env.gs(&a, &["log", "--blocker", "A blocked"]);
    env.gs(&a, &["log", "--file", "a.rs", "--why", "A file"]);
    env.gs(&b, &["log", "--decision", "From B", "--rationale", "rb"]);
    env.gs(&b, &["log", "--discovery", "B found"]);
    env.gs(&b, &["log", "--progress", "B note on one"]);
    env.gs(&b, &["log", "--step", "four"]);
    env.gs(&b, &["log", "--context", "B context"]);
    env.gs(&b, &["log", "--blocker", "B blocked"]);
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    assert_eq!(net.tree(&a), net.tree(&b), "converged");
    let v = net.view(&a, "shared");
    // Order follows whichever machine merged; what matters is that everything is there once.
    let texts = |k: &str, f: &str| -> Vec<String> {
        let mut t: Vec<String> = v[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[f].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(texts("decisions", "title"), ["From A", "From B"]);
    assert_eq!(texts("discoveries", "text"), ["A found", "B found"]);
    assert_eq!(texts("blockers", "text"), ["A blocked", "B blocked"]);
    let mut numbers: Vec<u64> = v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_u64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2], "renumbered, no duplicate");
    assert_eq!(v["next_steps"][0], "A next");
    assert_eq!(v["key_files"][0]["path"], "a.rs");
    assert_eq!(v["key_context"][0], "B context");
    assert_eq!(v["progress"]["completed"][0]["text"], "one");
    assert_eq!(v["progress"]["completed"][0]["notes"][0], "B note on one");
    assert_eq!(v["current"], "two");
    assert_eq!(
        v["progress"]["remaining"].as_array().unwrap().len(),
        2,
        "three and four"
    );
    // Every journal entry from both sides is there.
    let entries = env.git(
        &a,
        &["ls-tree", "-r", "--name-only", "refs/sessions", "journal/"],
    );
    assert_eq!(
        entries.lines().filter(|l| l.contains("/entries/")).count(),
        1 + 1 + 6 + 6
    );
    let merges = env.git(&a, &["rev-list", "--merges", "--count", "refs/sessions"]);
    assert_eq!(merges.trim(), "1");
    // Syncing again changes nothing.
    let before = env.count(&a);
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    assert_eq!(env.count(&a), before);
    assert_eq!(net.tree(&a), net.tree(&b));
    env.fsck(&a);
}

#[test]
fn a_tldr_edited_on_both_machines_keeps_both_and_records_the_conflict() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("tl");
    env.gs(
        &a,
        &["checkpoint", "-s", "tl", "--summary", "A thinks this"],
    );
    env.gs(
        &b,
        &["checkpoint", "-s", "tl", "--summary", "B thinks that"],
    );
    env.gs(&a, &["sync"]);
    let out = env.run(&b, &["sync"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("edited on both sides"));
    env.gs(&a, &["sync"]);
    let v = net.view(&a, "tl");
    let tldr = v["tldr"].as_str().unwrap();
    assert!(
        tldr.contains("A thinks this") && tldr.contains("B thinks that"),
        "{tldr}"
    );
    let tree = env.git(&a, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert_eq!(
        tree.lines().filter(|l| l.contains("-conflict-")).count(),
        1,
        "{tree}"
    );
    assert_eq!(net.tree(&a), net.tree(&b));
}

#[test]
/// Only a copy of a repository shares its clone id (`cp -r` copies `.git/config`), and only then
/// can another machine move the ref a push goes to: the push is rejected, fetched, merged and
/// pushed again (decision 128).
fn a_rejected_push_is_retried_after_fetching_and_merging_again() {
    let net = Net::new();
    let env = &net.env;
    let a = net.clone("a");
    let c = net.clone("c");
    env.gs(&a, &["init", "--name", "race", "--goal", "G"]);
    env.gs(&a, &["sync"]);
    env.gs(&c, &["sync"]);
    let id = env.git(&a, &["config", "session.cloneId"]);
    env.git(&c, &["config", "session.cloneId", id.trim()]);
    env.gs(&c, &["log", "-s", "race", "--discovery", "C was first"]);
    env.gs(&a, &["log", "--discovery", "A second"]);
    // Between A's fetch and A's push, C pushes (once): A's first push is rejected.
    let bin = env!("CARGO_BIN_EXE_git-session");
    let hook = a.join(".git/hooks/pre-push");
    env.write_executable(
        &hook,
        &format!(
            "#!/bin/sh\nd=$(git rev-parse --absolute-git-dir)\nif [ ! -e \"$d/raced\" ]; then touch \"$d/raced\"; (cd '{}' && unset GIT_DIR GIT_WORK_TREE && '{bin}' sync -q) >\"$d/race.log\" 2>&1; fi\nexit 0\n",
            c.display()
        ),
    );
    let report: serde_json::Value = serde_json::from_str(&env.gs(&a, &["sync", "--json"])).unwrap();
    assert_eq!(report["pushed"], true);
    assert_eq!(report["push_attempts"], 2, "{report}");
    env.gs(&c, &["sync"]);
    let v = net.view(&c, "race");
    let d: Vec<&str> = v["discoveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert!(
        d.contains(&"C was first") && d.contains(&"A second"),
        "{d:?}"
    );
    assert_eq!(net.tree(&a), net.tree(&c));
}

#[test]
fn plain_git_fetch_then_any_command_merges_and_plain_git_push_works() {
    let net = Net::new();
    let env = &net.env;
    let a = net.clone("a");
    let b = net.clone("b");
    env.gs(&a, &["init", "--name", "plain", "--goal", "G"]);
    // Plain git push of the journal.
    env.git(
        &a,
        &[
            "push",
            "-q",
            "origin",
            "refs/sessions:refs/git-session/sessions",
        ],
    );
    env.gs(&b, &["init", "--name", "bside", "--goal", "H"]);
    // Plain git fetch, then any command merges it in.
    env.git(
        &b,
        &[
            "fetch",
            "-q",
            "origin",
            "refs/git-session/sessions:refs/remotes/origin/sessions",
        ],
    );
    let list = env.gs(&b, &["list"]);
    assert!(list.contains("plain") && list.contains("bside"), "{list}");
    let parents = env.git(&b, &["log", "-1", "--format=%P", "refs/sessions"]);
    assert_eq!(
        parents.split_whitespace().count(),
        2,
        "a merge commit with both parents"
    );
    // Running commands again does not merge again.
    let before = env.count(&b);
    env.gs(&b, &["list"]);
    assert_eq!(env.count(&b), before);
}

#[test]
fn sync_picks_the_remote_as_git_would_and_says_when_there_is_none() {
    let env = Env::new();
    let lonely = env.repo("lonely");
    env.gs(&lonely, &["init", "--name", "x", "--goal", "G"]);
    let err = env.fails(&lonely, &["sync"], 1);
    assert!(err.contains("no remote"), "{err}");
    let remote = env.path("r.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    env.git(
        &lonely,
        &["remote", "add", "backup", remote.to_str().unwrap()],
    );
    let out = env.gs(&lonely, &["sync", "--no-push"]);
    assert!(
        out.contains("Synced with backup") && out.contains("not pushed"),
        "{out}"
    );
    let out = std::process::Command::new("git")
        .args(["ls-remote", remote.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "--no-push pushed nothing");
    env.gs(&lonely, &["sync"]);
    let out = std::process::Command::new("git")
        .args(["ls-remote", remote.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("refs/git-session/sessions"));
}

#[test]
fn a_session_archived_on_one_side_and_changed_on_the_other_keeps_both() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("arch");
    env.gs(&a, &["close", "--complete", "-s", "arch"]);
    env.gs(&b, &["log", "-s", "arch", "--discovery", "late finding"]);
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    assert_eq!(net.tree(&a), net.tree(&b));
    let v = net.view(&b, "arch");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["discoveries"][0]["text"], "late finding");
    let tree = env.git(&a, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert_eq!(
        tree.lines()
            .filter(|l| l.contains("arch-") && l.ends_with(".md") && !l.contains("journal"))
            .count(),
        1,
        "{tree}"
    );
    assert!(tree.lines().any(|l| l.starts_with("archive/arch-")));
}

#[test]
fn hand_edits_in_the_mirror_survive_a_sync() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("hand");
    env.gs(&b, &["log", "-s", "hand", "--discovery", "from b"]);
    env.gs(&b, &["sync"]);
    let path = env.active_file(&a);
    let text = fs::read_to_string(&path).unwrap().replace(
        "**Key Context** (survives compaction):\n",
        "**Key Context** (survives compaction):\n- unsaved hand edit in a\n",
    );
    fs::write(&path, &text).unwrap();
    env.gs(&a, &["sync"]);
    let on_disk = fs::read_to_string(&path).unwrap();
    assert!(
        on_disk.contains("unsaved hand edit in a") && on_disk.contains("from b"),
        "{on_disk}"
    );
}

#[test]
fn random_edit_sequences_on_two_machines_lose_nothing_and_converge() {
    // A seeded generator (no shrinking): each round both machines make random edits, then sync.
    let net = Net::new();
    let env = &net.env;
    let a = net.clone("a");
    let b = net.clone("b");
    env.gs(
        &a,
        &[
            "init", "--name", "rnd", "--goal", "G", "--step", "s0", "--step", "s1",
        ],
    );
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    env.gs(&b, &["resume", "rnd"]);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut expected: Vec<String> = Vec::new();
    for round in 0..4 {
        for (side, dir) in [("a", &a), ("b", &b)] {
            for i in 0..(1 + next() % 3) {
                let text = format!("{side}-{round}-{i}");
                let kind = ["--discovery", "--next", "--context", "--step", "--progress"]
                    [(next() % 5) as usize];
                env.gs(dir, &["log", kind, &text]);
                expected.push(text);
            }
        }
        env.gs(&a, &["sync"]);
        env.gs(&b, &["sync"]);
        env.gs(&a, &["sync"]);
        assert_eq!(net.tree(&a), net.tree(&b), "round {round}");
    }
    let file = fs::read_to_string(env.active_file(&a)).unwrap();
    for t in &expected {
        assert!(file.contains(t.as_str()), "lost {t}:\n{file}");
    }
}

#[test]
fn numbers_stay_unique_after_merges_in_rotation() {
    let net = Net::new();
    let env = &net.env;
    let a = net.clone("a");
    let c = net.clone("c");
    env.gs(&a, &["init", "--name", "num", "--goal", "G"]);
    env.gs(&a, &["sync"]);
    env.gs(&c, &["sync"]);
    env.gs(&c, &["log", "-s", "num", "--blocker", "bC1"]);
    env.gs(&c, &["sync"]);
    env.gs(&a, &["log", "--blocker", "bA1"]);
    env.gs(&a, &["sync"]);
    env.gs(&c, &["log", "-s", "num", "--blocker", "bC2"]);
    env.gs(&c, &["sync"]);
    env.gs(&a, &["sync"]);
    let v = net.view(&a, "num");
    let mut numbers: Vec<u64> = v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_u64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3], "{}", v["blockers"]);
    // --unblock resolves the blocker it names.
    let bc2 = v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["text"] == "bC2")
        .unwrap()["number"]
        .as_u64()
        .unwrap();
    env.gs(&a, &["log", "--unblock", &bc2.to_string()]);
    let v = net.view(&a, "num");
    let resolved: Vec<&str> = v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["resolved"] == true)
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(resolved, ["bC2"]);
}

#[test]
fn a_remote_branch_called_sessions_is_never_merged_into_the_journal() {
    let net = Net::new();
    let env = &net.env;
    let seed = env.path("seed");
    env.git(&seed, &["checkout", "-q", "-b", "sessions"]);
    fs::write(seed.join("app.rs"), "fn main() {}\n").unwrap();
    env.git(&seed, &["add", "app.rs"]);
    env.git(&seed, &["commit", "-q", "-m", "code"]);
    env.git(&seed, &["push", "-q", "origin", "sessions"]);
    let a = net.clone("a");
    let out = env.run(&a, &["init", "--name", "safe", "--goal", "G"]);
    assert!(
        out.status.success(),
        "a foreign branch does not block commands: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // git's `refs/remotes/origin/sessions` tracks that branch: it is git's, not a fetched
    // journal (those live under refs/git-session/remotes/), so nothing warns about it.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.gs(&a, &["sync"]);
    env.git(&a, &["fetch", "-q", "origin"]);
    let tree = env.git(&a, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(
        !tree.contains("app.rs") && !tree.contains("README"),
        "{tree}"
    );
}

#[test]
fn a_working_repository_as_remote_converges_both_ways() {
    let env = Env::new();
    let a = env.repo("a");
    let b = env.repo("b");
    env.git(&a, &["remote", "add", "peer", b.to_str().unwrap()]);
    env.gs(&b, &["init", "--name", "peer", "--goal", "G"]);
    env.gs(&a, &["sync", "peer"]);
    env.gs(&a, &["log", "-s", "peer", "--discovery", "from a"]);
    env.gs(&a, &["sync", "peer"]);
    env.gs(&b, &["log", "--discovery", "from b"]);
    env.gs(&a, &["sync", "peer"]);
    let va: serde_json::Value =
        serde_json::from_str(&env.gs(&a, &["view", "peer", "--json"])).unwrap();
    let vb: serde_json::Value =
        serde_json::from_str(&env.gs(&b, &["view", "peer", "--json"])).unwrap();
    for v in [&va, &vb] {
        let mut d: Vec<&str> = v["discoveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["text"].as_str().unwrap())
            .collect();
        d.sort();
        assert_eq!(d, ["from a", "from b"]);
    }
}

#[test]
fn the_same_entry_name_with_different_content_on_both_sides_is_kept_twice() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("ent");
    env.gs(&b, &["resume", "ent"]);
    // Both machines hand-write an entry under one (non-ASCII) name, with different content.
    let dir = env
        .git(
            &a,
            &["ls-tree", "-r", "--name-only", "refs/sessions", "journal/"],
        )
        .lines()
        .find_map(|l| l.strip_suffix("/progress.md"))
        .expect("a progress.md")
        .to_string();
    for (dir_path, text) in [(&a, "written on a"), (&b, "written on b")] {
        let entries = dir_path.join(".sessions").join(&dir).join("entries");
        fs::write(entries.join("é-note.md"), format!("---\nkind: note\nat: 2025-01-15T10:00:00.000Z\nsession: x\nauthor: x\nhost: x\n---\n\n{text}\n")).unwrap();
        env.gs(dir_path, &["log", "--next", text]);
    }
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    assert_eq!(net.tree(&a), net.tree(&b));
    let files = env.git(
        &a,
        &[
            "-c",
            "core.quotePath=false",
            "ls-tree",
            "-r",
            "--name-only",
            "refs/sessions",
            &format!("{dir}/entries/"),
        ],
    );
    let bodies: String = files
        .lines()
        .map(|p| env.git(&a, &["show", &format!("refs/sessions:{p}")]))
        .collect();
    assert!(
        bodies.contains("written on a") && bodies.contains("written on b"),
        "{files}"
    );
}

#[test]
fn a_close_after_a_pause_elsewhere_wins_even_if_the_paused_side_edits_later() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("late");
    env.gs(&b, &["pause", "-s", "late"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.gs(&a, &["close", "--complete", "-s", "late"]);
    env.gs(&a, &["sync"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.gs(&b, &["checkpoint", "-s", "late", "--note", "a late edit"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    assert_eq!(net.tree(&a), net.tree(&b));
    let v = net.view(&b, "late");
    assert_eq!(
        v["status"], "completed",
        "the later status change (close) wins"
    );
    let tree = env.git(&b, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(
        tree.lines().any(|l| l.starts_with("archive/late-"))
            && !tree.lines().any(|l| l.starts_with("active/")),
        "{tree}"
    );
}

/// Tried and Failed is a list section: what two machines learned did not work is merged by
/// union, each once, with no conflict recorded (issue 19).
#[test]
fn dead_ends_logged_on_two_machines_merge_by_union() {
    let net = Net::new();
    let env = &net.env;
    let (a, b) = net.shared("de");
    env.gs(
        &a,
        &[
            "log",
            "-s",
            "de",
            "--dead-end",
            "Per-key timers",
            "--why",
            "memory grows with key count",
        ],
    );
    env.gs(
        &b,
        &[
            "log",
            "-s",
            "de",
            "--dead-end",
            "Global mutex",
            "--why",
            "deadlocks with the chain watcher",
        ],
    );
    env.gs(&a, &["sync"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    for dir in [&a, &b] {
        let v = net.view(dir, "de");
        let mut texts: Vec<String> = v["dead_ends"]
            .as_array()
            .expect("dead_ends in view --json")
            .iter()
            .map(|d| d["text"].as_str().unwrap().to_string())
            .collect();
        texts.sort();
        assert_eq!(
            texts,
            [
                "Global mutex: deadlocks with the chain watcher",
                "Per-key timers: memory grows with key count"
            ]
        );
    }
    assert_eq!(net.tree(&a), net.tree(&b));
    let tree = env.git(&a, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(!tree.contains("-conflict-"), "{tree}");
    assert_eq!(tree.matches("-dead-end-").count(), 2, "{tree}");
}
