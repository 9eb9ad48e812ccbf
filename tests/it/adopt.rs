//! Session files the tool did not write: a seed-era tree imported whole, and a file dropped into
//! `active/` adopted by the next command (issue 12, "Adoption").

use std::path::{Path, PathBuf};

use crate::common::Env;

const SEED: &str = include_str!("../data/seed/seed-session-example.md");

/// The seed's example with another id, shortname, status and title.
fn variant(id: &str, shortname: &str, status: &str, title: &str) -> String {
    SEED.replace("019abc12-3456-7def-8901-234567890abc", id)
        .replace(
            "shortname: fix-sweep-bug",
            &format!("shortname: {shortname}"),
        )
        .replace("status: active", &format!("status: {status}"))
        .replace(
            "# Session: Fix Sweep Trigger Bug",
            &format!("# Session: {title}"),
        )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A `.sessions/` tree as the seed's system left it: three sessions (one archived), journals
/// keyed by the file names' 6-hex suffix, entries named by time with colons, no frontmatter.
fn seed_tree(root: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    let files: [(&str, String); 3] = [
        ("active/fix-sweep-bug-abc123.md", SEED.to_string()),
        (
            "active/tune-fees-def456.md",
            variant(
                "019abc12-3456-7def-8901-2345678def45",
                "tune-fees",
                "paused",
                "Tune Fee Estimation",
            ),
        ),
        (
            "archive/implement-rbf-0a1b2c.md",
            variant(
                "019abc12-3456-7def-8901-23456780a1b2",
                "implement-rbf",
                "completed",
                "Implement RBF",
            ),
        ),
    ];
    for (rel, text) in files {
        write(&root.join(rel), &text);
    }
    texts.push("Fix Sweep Trigger Bug".into());
    texts.push("Tune Fee Estimation".into());
    texts.push("Implement RBF".into());
    let entries = [
        (
            "journal/abc123/progress.md",
            "# fix-sweep-bug quick context\nmutex half done\n",
        ),
        (
            "journal/abc123/entries/2025-01-15T10:00:00.md",
            "Reproduced the race with -count=50.\n",
        ),
        (
            "journal/abc123/entries/2025-01-15T11:30:00.md",
            "Decision: lock before check.\nBecause it is the smallest change.\n",
        ),
        (
            "journal/def456/entries/2025-01-16T09:00:00.md",
            "Fee estimator reads stale mempool data.\n",
        ),
        (
            "journal/0a1b2c/entries/2025-01-10T08:15:00.md",
            "RBF shipped behind a flag.\n",
        ),
    ];
    for (rel, text) in entries {
        write(&root.join(rel), text);
        texts.push(text.lines().next().unwrap().to_string());
    }
    texts
}

fn listing(env: &Env, repo: &Path) -> String {
    env.git(repo, &["ls-tree", "-r", "--name-only", "refs/sessions"])
}

#[test]
fn a_seed_era_tree_is_imported_in_one_commit_and_nothing_is_lost() {
    let env = Env::new();
    let repo = env.repo("r");
    let old = env.path("old-project/.sessions");
    let texts = seed_tree(&old);
    let before: Vec<(PathBuf, Vec<u8>)> = walk(&old);
    let out = env.gs(&repo, &["import", old.to_str().unwrap()]);
    assert!(
        out.contains("Imported 3 sessions and 4 journal entries"),
        "{out}"
    );
    assert_eq!(env.count(&repo), 1, "one commit");
    let tree = listing(&env, &repo);
    assert!(tree.contains("active/fix-sweep-bug-67890abc.md"), "{tree}");
    assert!(tree.contains("active/tune-fees-678def45.md"), "{tree}");
    assert!(tree.contains("archive/implement-rbf-6780a1b2.md"), "{tree}");
    assert!(tree.contains("journal/67/67890abc/progress.md"), "{tree}");
    assert!(
        tree.contains("journal/67/67890abc/entries/2025-01-15T10-00-00.000Z-note-"),
        "{tree}"
    );
    for text in &texts {
        let grep = std::process::Command::new("git")
            .current_dir(&repo)
            .args(["grep", "-F", "-q", text, "refs/sessions"])
            .status()
            .unwrap();
        assert!(grep.success(), "'{text}' is not in refs/sessions");
    }
    // The seed's example came in byte for byte.
    let stored = env.git(
        &repo,
        &["show", "refs/sessions:active/fix-sweep-bug-67890abc.md"],
    );
    assert_eq!(stored, SEED);
    // Nothing in the source was changed or deleted.
    assert_eq!(walk(&old), before);
    // And it is a journal like any other: listed, viewable, loggable.
    let list = env.gs(&repo, &["list", "--all"]);
    assert!(
        list.contains("fix-sweep-bug") && list.contains("implement-rbf"),
        "{list}"
    );
    env.gs(&repo, &["doctor"]);
    // Importing it again finds everything in the journal already: nothing is committed.
    let again = env.gs(&repo, &["import", old.to_str().unwrap()]);
    assert!(
        again.contains("3 sessions were in the journal already"),
        "{again}"
    );
    assert_eq!(env.count(&repo), 1);
    // The same id with other content is refused whole.
    let edited = env.path("edited/.sessions");
    write(
        &edited.join("active/fix-sweep-bug-abc123.md"),
        &SEED.replace("Fixing race condition", "Fixed race condition"),
    );
    let err = env.fails(&repo, &["import", edited.to_str().unwrap()], 2);
    assert!(err.contains("already the session"), "{err}");
    assert_eq!(env.count(&repo), 1);
}

#[test]
fn a_seed_file_dropped_into_active_is_adopted_by_list() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "mine", "--goal", "g"]);
    let before = env.count(&repo);
    write(&repo.join(".sessions/active/fix-sweep-bug-abc123.md"), SEED);
    let out = env.run(&repo, &["list", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("fix-sweep-bug"), "{stdout}");
    assert!(
        stderr.contains("adopted .sessions/active/fix-sweep-bug-abc123.md"),
        "{stderr}"
    );
    assert_eq!(env.count(&repo), before + 1, "adopted in one commit");
    assert!(
        !repo
            .join(".sessions/active/fix-sweep-bug-abc123.md")
            .exists()
    );
    let stored = env.git(
        &repo,
        &["show", "refs/sessions:active/fix-sweep-bug-67890abc.md"],
    );
    assert_eq!(stored, SEED);
    // Nothing more to adopt: the next list commits nothing.
    env.gs(&repo, &["list", "--all"]);
    assert_eq!(env.count(&repo), before + 1);
}

#[test]
fn a_file_without_an_id_gets_one_and_a_colliding_id_is_refused() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "mine", "--goal", "g"]);
    let no_id = SEED.replace("id: 019abc12-3456-7def-8901-234567890abc\n", "");
    write(&repo.join(".sessions/active/no-id.md"), &no_id);
    let out = env.run(&repo, &["list", "--all"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("gave it the id"), "{stderr}");
    let tree = listing(&env, &repo);
    let adopted = tree
        .lines()
        .find(|l| l.starts_with("active/fix-sweep-bug-"))
        .unwrap_or_else(|| panic!("{tree}"))
        .to_string();
    let text = env.git(&repo, &["show", &format!("refs/sessions:{adopted}")]);
    let id_line = text.lines().nth(1).unwrap();
    assert!(id_line.starts_with("id: "), "{text}");
    assert!(
        adopted.contains(&id_line[id_line.len() - 8..]),
        "{adopted} {id_line}"
    );
    // A second file with that session's short id but another id: refused, nothing committed.
    let count = env.count(&repo);
    let clash = SEED.replace(
        "id: 019abc12-3456-7def-8901-234567890abc",
        &format!(
            "id: 00000000-0000-7000-8000-0000{}",
            &id_line[id_line.len() - 8..]
        ),
    );
    write(&repo.join(".sessions/active/clash.md"), &clash);
    let out = env.run(&repo, &["list", "--all"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not adopted") && stderr.contains("short id"),
        "{stderr}"
    );
    assert_eq!(env.count(&repo), count);
    assert!(
        repo.join(".sessions/active/clash.md").exists(),
        "left for the user"
    );
}

fn walk(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_old_tree_copied_into_sessions_keeps_its_journals_whatever_runs_first() {
    for first in ["list", "import"] {
        let env = Env::new();
        let repo = env.repo("r");
        let texts = seed_tree(&repo.join(".sessions"));
        let out = env.run(&repo, &[first]);
        assert!(
            out.status.success(),
            "{first}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if first == "list" {
            env.gs(&repo, &["import"]);
        }
        let tree = listing(&env, &repo);
        assert_eq!(
            tree.lines().filter(|l| l.contains("/entries/")).count(),
            4,
            "{first}: {tree}"
        );
        assert!(!tree.contains(':'), "{first}: names with colons: {tree}");
        for text in &texts {
            let grep = std::process::Command::new("git")
                .current_dir(&repo)
                .args(["grep", "-F", "-q", text, "refs/sessions"])
                .status()
                .unwrap();
            assert!(grep.success(), "{first}: '{text}' is not in refs/sessions");
        }
        let doctor = env.gs(&repo, &["doctor"]);
        assert!(doctor.contains("No problems"), "{first}: {doctor}");
    }
}

#[test]
fn two_files_of_one_session_are_never_both_adopted() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "mine", "--goal", "g"]);
    write(&repo.join(".sessions/active/fix-sweep-bug-abc123.md"), SEED);
    write(
        &repo.join(".sessions/active/dup-one-abc999.md"),
        &SEED.replace("shortname: fix-sweep-bug", "shortname: dup-one"),
    );
    let out = env.run(&repo, &["list", "--all"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not adopted") && stderr.contains("same session"),
        "{stderr}"
    );
    let tree = listing(&env, &repo);
    assert_eq!(
        tree.lines().filter(|l| l.contains("67890abc.md")).count(),
        1,
        "{tree}"
    );
    // import refuses such a tree whole, naming both files.
    let old = env.path("old/.sessions");
    write(&old.join("active/fix-sweep-bug-abc123.md"), SEED);
    write(
        &old.join("active/dup-one-abc999.md"),
        &SEED.replace("shortname: fix-sweep-bug", "shortname: dup-one"),
    );
    let other = env.repo("other");
    let err = env.fails(&other, &["import", old.to_str().unwrap()], 2);
    assert!(err.contains("abc123") && err.contains("abc999"), "{err}");
    assert_eq!(
        env.git(&other, &["for-each-ref", "refs/sessions"]),
        "",
        "nothing committed"
    );
}

#[test]
fn import_never_follows_a_linked_directory() {
    let env = Env::new();
    let repo = env.repo("r");
    let secret = env.path("secret");
    write(
        &secret.join("evil-aaaaaaaa.md"),
        &variant(
            "019abc12-3456-7def-8901-23456aaaaaaa",
            "evil",
            "active",
            "SECRET-VIA-LINK",
        ),
    );
    let old = env.path("old/.sessions");
    write(
        &old.join("archive/implement-rbf-0a1b2c.md"),
        &variant(
            "019abc12-3456-7def-8901-23456780a1b2",
            "implement-rbf",
            "completed",
            "Implement RBF",
        ),
    );
    std::os::unix::fs::symlink(&secret, old.join("active")).unwrap();
    let out = env.run(&repo, &["import", old.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    let grep = std::process::Command::new("git")
        .current_dir(&repo)
        .args(["grep", "-q", "SECRET", "refs/sessions"])
        .status()
        .unwrap();
    assert!(!grep.success(), "a file behind a link was imported");
}

#[test]
fn the_tldr_status_lines_follow_done_and_step() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "mine", "--goal", "g"]);
    write(&repo.join(".sessions/active/fix-sweep-bug-abc123.md"), SEED);
    env.gs(&repo, &["list", "--all"]);
    env.gs(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--done", "Implement fix"],
    );
    let text =
        std::fs::read_to_string(repo.join(".sessions/active/fix-sweep-bug-67890abc.md")).unwrap();
    assert!(text.contains("**Progress**: 4/5 steps complete"), "{text}");
    assert!(
        text.contains("**Current**: Add regression test (step 5)"),
        "{text}"
    );
}

#[test]
fn progress_and_decisions_written_one_level_down_are_read_and_edited_in_place() {
    let env = Env::new();
    let repo = env.repo("r");
    let demoted = SEED
        .replace("## Progress\n", "### Progress\n")
        .replace("## Decisions\n", "### Decisions\n");
    write(
        &repo.join(".sessions/active/fix-sweep-bug-abc123.md"),
        &demoted,
    );
    env.gs(&repo, &["list", "--all"]);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "fix-sweep-bug", "--json"])).unwrap();
    assert_eq!(view["current"], "Implement fix");
    assert_eq!(view["progress"]["completed"].as_array().unwrap().len(), 3);
    assert_eq!(view["decisions"][0]["title"], "Lock-first approach");
    env.gs(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--done", "Implement fix"],
    );
    env.gs(
        &repo,
        &[
            "log",
            "-s",
            "fix-sweep-bug",
            "--decision",
            "Second",
            "--rationale",
            "r",
        ],
    );
    let text =
        std::fs::read_to_string(repo.join(".sessions/active/fix-sweep-bug-67890abc.md")).unwrap();
    assert!(text.contains("### 2. Second"), "{text}");
    assert_eq!(text.matches("### Completed").count(), 1, "{text}");
    assert!(text.contains("- [x] Implement fix"), "{text}");
    assert!(
        text.contains("- [ ] Add regression test <- CURRENT"),
        "{text}"
    );
}

#[test]
fn an_objective_written_as_a_heading_leaves_the_other_labels_readable() {
    let env = Env::new();
    let repo = env.repo("r");
    let text = SEED.replace(
        "## Context\n**Objective**: Fix race condition causing intermittent sweep failures\n",
        "## Objective:\nFix race condition causing intermittent sweep failures\n",
    );
    write(
        &repo.join(".sessions/active/fix-sweep-bug-abc123.md"),
        &text,
    );
    env.gs(&repo, &["list", "--all"]);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "fix-sweep-bug", "--json"])).unwrap();
    assert_eq!(
        view["objective"],
        "Fix race condition causing intermittent sweep failures"
    );
    assert_eq!(view["key_files"].as_array().unwrap().len(), 2);
    assert_eq!(view["key_context"].as_array().unwrap().len(), 3);
    env.gs(&repo, &["log", "-s", "fix-sweep-bug", "--context", "c1"]);
    let after =
        std::fs::read_to_string(repo.join(".sessions/active/fix-sweep-bug-67890abc.md")).unwrap();
    assert!(
        after.contains("`go test -v -run TestSweepTrigger ./itest`\n- c1\n"),
        "{after}"
    );
    assert!(!after.contains("### Key Context"), "{after}");
}

#[test]
fn hand_written_bulleted_blockers_go_by_their_place_and_can_be_resolved() {
    let env = Env::new();
    let repo = env.repo("r");
    let text = SEED.replace(
        "## Blockers\n- None currently\n",
        "## Blockers\n- Waiting on API docs\n- CI is flaky\n",
    );
    write(
        &repo.join(".sessions/active/fix-sweep-bug-abc123.md"),
        &text,
    );
    env.gs(&repo, &["list", "--all"]);
    env.gs(&repo, &["log", "-s", "fix-sweep-bug", "--unblock", "2"]);
    env.gs(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--blocker", "new-one"],
    );
    env.gs(&repo, &["log", "-s", "fix-sweep-bug", "--unblock", "1"]);
    let after =
        std::fs::read_to_string(repo.join(".sessions/active/fix-sweep-bug-67890abc.md")).unwrap();
    assert!(
        after.contains("- [x] Waiting on API docs (resolved"),
        "{after}"
    );
    assert!(after.contains("- [x] CI is flaky (resolved"), "{after}");
    assert!(after.contains("3. [ ] new-one"), "{after}");
    assert!(after.contains("**Blocker**: new-one"), "{after}");
}

/// Set a directory's modification time (what a file created, removed or renamed in it moves).
fn set_mtime(dir: &Path, t: std::time::SystemTime) {
    std::fs::File::open(dir)
        .unwrap()
        .set_times(std::fs::FileTimes::new().set_modified(t))
        .unwrap();
}

#[test]
fn archive_is_listed_again_only_when_it_changed_and_a_file_dropped_there_is_adopted() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "done", "--goal", "g"]);
    env.gs(&repo, &["close", "--complete"]);
    env.gs(&repo, &["init", "--name", "mine", "--goal", "g"]);
    let archive = repo.join(".sessions/archive");
    let scanned = repo.join(".git/git-session/scanned");
    let now = std::time::SystemTime::now();
    // A directory changed "now" (or stamped ahead of the clock) is not vouched for: a name added
    // within the same clock tick would leave its time as it was.
    set_mtime(&archive, now + std::time::Duration::from_secs(60));
    env.gs(&repo, &["log", "--progress", "one"]);
    let state = std::fs::read_to_string(&scanned).unwrap_or_default();
    assert!(!state.contains("archive\t"), "{state}");
    // Unchanged for a while: the scan that found nothing is remembered.
    set_mtime(&archive, now - std::time::Duration::from_secs(60));
    env.gs(&repo, &["log", "--progress", "two"]);
    let state = std::fs::read_to_string(&scanned).expect("the scan is remembered");
    assert!(state.starts_with("archive\t"), "{state}");
    // A file dropped there moves the directory's time, so the next command still adopts it.
    write(
        &archive.join("implement-rbf-0a1b2c.md"),
        &variant(
            "019abc12-3456-7def-8901-23456780a1b2",
            "implement-rbf",
            "completed",
            "Implement RBF",
        ),
    );
    env.gs(&repo, &["log", "--progress", "three"]);
    let tree = listing(&env, &repo);
    assert!(tree.contains("archive/implement-rbf-6780a1b2.md"), "{tree}");
    assert!(!archive.join("implement-rbf-0a1b2c.md").exists());
    // A file system that does not move the time (here: the time put back by hand) hides a
    // dropped file from the scan; doctor --repair lists everything again and adopts it.
    set_mtime(&archive, now - std::time::Duration::from_secs(120));
    env.gs(&repo, &["log", "--progress", "four"]);
    write(
        &archive.join("other-0a1b2d.md"),
        &variant(
            "019abc12-3456-7def-8901-23456780a1b3",
            "other",
            "completed",
            "Other",
        ),
    );
    set_mtime(&archive, now - std::time::Duration::from_secs(120));
    env.gs(&repo, &["doctor", "--repair"]);
    let tree = listing(&env, &repo);
    assert!(tree.contains("archive/other-6780a1b3.md"), "{tree}");
}
