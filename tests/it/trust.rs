//! Issue 13 in the worktree: links are never followed, a hand edit saved while a command runs is
//! kept, a saved change is reported as saved, one file per session, closed sessions stay closed,
//! worktrees syncing at once, and many notes.

use std::path::Path;

use crate::common::Env;

fn init(env: &Env, dir: &Path, name: &str) {
    env.gs(
        dir,
        &["init", "--name", name, "--goal", "g", "--step", "one"],
    );
}

/// Everything `refs/sessions` holds, as one text (every blob of the tip's tree).
fn journal_text(env: &Env, dir: &Path) -> String {
    let listing = env.git(dir, &["ls-tree", "-r", "refs/sessions"]);
    let mut all = String::new();
    for line in listing.lines() {
        let id = line.split_whitespace().nth(2).unwrap();
        all.push_str(&env.git(dir, &["cat-file", "-p", id]));
    }
    all
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_sessions_directory_that_is_a_link_is_refused_and_nothing_is_read_or_written_through_it() {
    let env = Env::new();
    let repo = env.repo("r");
    let secrets = env.path("ssh");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("id_ed25519"), "PRIVATE KEY 123\n").unwrap();
    std::os::unix::fs::symlink(&secrets, repo.join(".sessions")).unwrap();
    let out = env.run(&repo, &["init", "--name", "x", "--goal", "g"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let names: Vec<_> = std::fs::read_dir(&secrets)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        ["id_ed25519"],
        "nothing written into the link's target"
    );
    // Whatever was committed, the key is not in it.
    let refs = env.git(&repo, &["for-each-ref", "refs/sessions"]);
    if !refs.is_empty() {
        assert!(!journal_text(&env, &repo).contains("PRIVATE KEY"));
    }
}

#[test]
fn a_linked_note_or_notes_directory_is_not_read_into_the_journal() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let secret = env.path("id_ed25519");
    std::fs::write(&secret, "PRIVATE KEY 456\n").unwrap();
    let secrets = env.path("ssh");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("id_rsa"), "PRIVATE KEY 789\n").unwrap();
    std::os::unix::fs::symlink(&secret, repo.join(".sessions/notes.md")).unwrap();
    std::os::unix::fs::symlink(&secrets, repo.join(".sessions/keys")).unwrap();
    let out = env.run(&repo, &["log", "--progress", "still working"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("notes.md") && err.contains("symbolic link"),
        "{err}"
    );
    assert!(
        err.contains("keys") && err.contains("symbolic link"),
        "{err}"
    );
    let all = journal_text(&env, &repo);
    assert!(all.contains("still working"));
    assert!(!all.contains("PRIVATE KEY"), "a secret reached the journal");
    // doctor says so too, and --repair does not commit it either.
    env.run(&repo, &["doctor", "--repair"]);
    assert!(!journal_text(&env, &repo).contains("PRIVATE KEY"));
}

#[test]
fn a_refresh_never_writes_through_a_linked_directory() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    // Another worktree adds a note in notes/ to the journal.
    env.git(&repo, &["worktree", "add", "-q", "../w2"]);
    let w2 = env.path("w2");
    env.gs(&w2, &["list"]);
    std::fs::create_dir_all(w2.join(".sessions/notes")).unwrap();
    std::fs::write(w2.join(".sessions/notes/a.md"), "from w2\n").unwrap();
    env.gs(&w2, &["log", "-s", "x", "--progress", "with a note"]);
    // Here, notes/ is a link to a directory outside.
    let outside = env.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join(".sessions/notes")).unwrap();
    let out = env.run(&repo, &["list"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn a_hand_edit_saved_while_a_command_runs_is_kept() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let file = env.active_file(&repo);
    // The edit lands after the command read the file for its plan, before it recorded what the
    // mirror held: the window item 6 of issue 13 names.
    let out = env
        .cmd(&repo)
        .args([
            "log",
            "--decision",
            "Use a mutex",
            "--rationale",
            "simplest",
        ])
        .env("GIT_SESSION_FAILPOINT", "edit-after-plan")
        .env("GIT_SESSION_FAILPOINT_PATH", &file)
        .env(
            "GIT_SESSION_FAILPOINT_TEXT",
            "\nA line the user saved meanwhile.\n",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert!(
        on_disk.contains("A line the user saved meanwhile."),
        "{on_disk}"
    );
    assert!(on_disk.contains("Use a mutex"), "{on_disk}");
    // The next command commits it.
    env.gs(&repo, &["log", "--progress", "next"]);
    let all = journal_text(&env, &repo);
    assert!(all.contains("A line the user saved meanwhile."));
    assert!(all.contains("Use a mutex"));
}

#[test]
fn a_write_error_after_the_ref_moved_is_reported_as_saved() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let before = env.count(&repo);
    let out = env
        .cmd(&repo)
        .args(["log", "--progress", "saved despite the disk"])
        .env("GIT_SESSION_FAILPOINT", "error-finish")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("saved as") && err.contains("next"), "{err}");
    assert_eq!(env.count(&repo), before + 1, "exactly one commit");
    // The next command brings the mirror up to date; nothing is recorded twice.
    env.gs(&repo, &["list"]);
    let text = std::fs::read_to_string(env.active_file(&repo)).unwrap();
    assert_eq!(text.matches("saved despite the disk").count(), 1, "{text}");
    env.gs(&repo, &["doctor"]);
}

#[test]
fn a_session_file_renamed_by_hand_stays_one_session() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let old = env.active_file(&repo);
    let name = old.file_name().unwrap().to_str().unwrap().to_string();
    let renamed = repo
        .join(".sessions/active")
        .join(name.replacen("x-", "y-", 1));
    std::fs::rename(&old, &renamed).unwrap();
    let out = env.run(&repo, &["doctor", "--repair"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tree = env.git(
        &repo,
        &["ls-tree", "--name-only", "refs/sessions", "active/"],
    );
    assert_eq!(tree.lines().count(), 1, "one file per session: {tree}");
    assert!(tree.contains("y-"), "{tree}");
    assert!(String::from_utf8_lossy(&env.run(&repo, &["doctor"]).stdout).contains("No problems"));
}

#[test]
fn a_second_copy_of_a_session_file_is_not_committed() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let old = env.active_file(&repo);
    let name = old.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::copy(
        &old,
        repo.join(".sessions/active")
            .join(name.replacen("x-", "copy-", 1)),
    )
    .unwrap();
    let out = env.run(&repo, &["log", "--progress", "p"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("same session"), "{}", stderr(&out));
    let tree = env.git(
        &repo,
        &["ls-tree", "--name-only", "refs/sessions", "active/"],
    );
    assert_eq!(tree.lines().count(), 1, "{tree}");
}

#[test]
fn pause_refuses_a_closed_session() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    env.gs(&repo, &["close", "--complete"]);
    let err = env.fails(&repo, &["pause", "-s", "x"], 1);
    assert!(err.contains("already completed"), "{err}");
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(!tree.contains("active/"), "{tree}");
    let file = env.git(
        &repo,
        &[
            "show",
            &format!(
                "refs/sessions:{}",
                tree.lines().find(|l| l.starts_with("archive/")).unwrap()
            ),
        ],
    );
    assert!(file.contains("status: completed"), "{file}");
}

#[test]
fn two_worktrees_syncing_at_once_both_succeed() {
    let env = Env::new();
    let remote = env.path("remote.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    let repo = env.repo("r");
    env.git(
        &repo,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    init(&env, &repo, "x");
    env.gs(&repo, &["sync"]);
    env.git(&repo, &["worktree", "add", "-q", "../w2"]);
    let w2 = env.path("w2");
    env.gs(&w2, &["init", "--name", "y", "--goal", "g"]);
    let mut failures = Vec::new();
    for round in 0..6 {
        env.gs(&repo, &["log", "--progress", &format!("r{round}")]);
        env.gs(&w2, &["log", "--progress", &format!("w{round}")]);
        let a = env
            .std_cmd(&repo)
            .arg("sync")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let b = env
            .std_cmd(&w2)
            .arg("sync")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            if !out.status.success() {
                failures.push(stderr(&out));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    env.gs(&repo, &["sync"]);
    let remote_log = env.git(
        &repo,
        &[
            "log",
            "--format=%s",
            "refs/git-session/remotes/origin/sessions",
        ],
    );
    for round in 0..6 {
        assert!(
            remote_log.contains(&format!("progress: r{round}")),
            "{remote_log}"
        );
        assert!(
            remote_log.contains(&format!("progress: w{round}")),
            "{remote_log}"
        );
    }
}

#[test]
fn many_notes_are_all_committed_once() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "x");
    let notes = repo.join(".sessions/notes");
    std::fs::create_dir_all(&notes).unwrap();
    for i in 0..3000 {
        std::fs::write(notes.join(format!("n{i}.md")), format!("note {i}\n")).unwrap();
    }
    env.gs(&repo, &["log", "--progress", "with notes"]);
    let tree = env.git(
        &repo,
        &["ls-tree", "--name-only", "refs/sessions", "notes/"],
    );
    assert_eq!(tree.lines().count(), 3000);
    // Nothing changed: the next command commits no note again.
    env.gs(&repo, &["log", "--progress", "again"]);
    let changed = env.git(
        &repo,
        &["diff", "--name-only", "refs/sessions~1", "refs/sessions"],
    );
    assert!(!changed.contains("notes/"), "{changed}");
}

#[test]
fn a_session_file_renamed_to_any_name_is_found_and_repaired_as_one_session() {
    let env = Env::new();
    let repo = env.repo("r");
    init(&env, &repo, "a");
    init(&env, &repo, "b");
    let a = std::fs::read_dir(repo.join(".sessions/active"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("a-"))
        .unwrap();
    std::fs::rename(&a, repo.join(".sessions/active/renamed.md")).unwrap();
    // The session is still found by its name, and the log lands in it.
    env.gs(&repo, &["log", "-s", "a", "--progress", "after the rename"]);
    let tree = env.git(
        &repo,
        &["ls-tree", "--name-only", "refs/sessions", "active/"],
    );
    assert_eq!(tree.lines().count(), 2, "{tree}");
    assert!(!tree.contains("renamed.md"), "{tree}");
    let text = env.git(
        &repo,
        &[
            "show",
            &format!(
                "refs/sessions:active/{}",
                a.file_name().unwrap().to_str().unwrap()
            ),
        ],
    );
    assert!(text.contains("after the rename"), "{text}");
    // The same through doctor --repair.
    let a = repo.join(".sessions/active").join(a.file_name().unwrap());
    std::fs::rename(&a, repo.join(".sessions/active/again.md")).unwrap();
    env.gs(&repo, &["doctor", "--repair"]);
    let tree = env.git(
        &repo,
        &["ls-tree", "--name-only", "refs/sessions", "active/"],
    );
    assert_eq!(tree.lines().count(), 2, "{tree}");
    assert!(!tree.contains("again.md"), "{tree}");
    let doctor = env.gs(&repo, &["doctor"]);
    assert!(doctor.contains("No problems"), "{doctor}");
}

#[test]
fn close_never_writes_a_task_file_through_a_link() {
    let env = Env::new();
    let repo = env.repo("r");
    let outside = env.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("t1.md"), "---\nid: t1\nstatus: open\n---\n").unwrap();
    std::os::unix::fs::symlink(&outside, repo.join(".tasks")).unwrap();
    let out = env.run(
        &repo,
        &["init", "--name", "a", "--goal", "g", "--task", "t1"],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A task file that is a link inside a real .tasks/ is not one of the tasks.
    std::fs::remove_file(repo.join(".tasks")).unwrap();
    std::fs::create_dir_all(repo.join(".tasks")).unwrap();
    std::os::unix::fs::symlink(outside.join("t1.md"), repo.join(".tasks/t1.md")).unwrap();
    let out = env.run(
        &repo,
        &["init", "--name", "a", "--goal", "g", "--task", "t1"],
    );
    assert_ne!(
        out.status.code(),
        Some(0),
        "an unknown task with .tasks/ is an error"
    );
    env.gs(&repo, &["init", "--name", "a", "--goal", "g"]);
    env.gs(&repo, &["close", "--complete"]);
    let task = std::fs::read_to_string(outside.join("t1.md")).unwrap();
    assert!(task.contains("status: open"), "{task}");
}
