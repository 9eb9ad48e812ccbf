//! Bare repositories and worktrees with `extensions.worktreeConfig` (issue 14 item 6, decision
//! 36): a bare repository has no `.sessions/`, so it reads and syncs the journal on the ref and
//! refuses writes in one line; `core.bare` and the rest of `config.worktree` count as for git.

use std::path::{Path, PathBuf};

use crate::common::Env;

fn clone(env: &Env, from: &Path, name: &str, bare: bool) -> PathBuf {
    let dir = env.path(name);
    let mut args = vec!["clone", "-q"];
    if bare {
        args.push("--bare");
    }
    args.extend([from.to_str().unwrap(), dir.to_str().unwrap()]);
    env.git(env.tmp.path(), &args);
    dir
}

/// Any `.sessions` directory anywhere under the test's temp dir except in `except`.
fn mirrors_outside(env: &Env, except: &[&Path]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![env.tmp.path().to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if !p.is_dir() || p.is_symlink() {
                continue;
            }
            if p.file_name().is_some_and(|n| n == ".sessions") {
                if !except.iter().any(|x| p.parent() == Some(*x)) {
                    found.push(p.clone());
                }
                continue;
            }
            todo.push(p);
        }
    }
    found
}

#[test]
fn a_bare_repository_reads_and_syncs_the_journal_and_refuses_writes_in_one_line() {
    let env = Env::new();
    let remote = env.bare_remote();
    let a = clone(&env, &remote, "a", false);
    env.gs(&a, &["init", "--name", "shared", "--goal", "Ship it"]);
    env.gs(&a, &["log", "--discovery", "made in a"]);
    env.gs(&a, &["sync", "-q"]);

    // `git clone --bare`: sync brings the journal onto refs/sessions; the reads read it there.
    let b = clone(&env, &remote, "b.git", true);
    let out = env.gs(&b, &["sync"]);
    assert!(out.contains("adopted the remote journal"), "{out}");
    assert!(env.gs(&b, &["list"]).contains("shared"));
    let view = env.gs(&b, &["view", "shared"]);
    assert!(view.contains("made in a"), "{view}");
    assert!(
        env.gs(&b, &["view", "shared", "--discoveries"])
            .contains("made in a")
    );
    assert!(env.gs(&b, &["history", "shared"]).lines().count() >= 2);
    assert!(env.gs(&b, &["doctor"]).contains("No problems found"));
    assert!(
        env.gs(&b, &["doctor", "--repair"])
            .contains("No problems found")
    );
    assert_eq!(
        env.git(&b, &["rev-parse", "refs/sessions"]),
        env.git(&a, &["rev-parse", "refs/sessions"])
    );

    // What needs `.sessions/` is refused in one line, before anything is written.
    let before = env.git(&b, &["rev-parse", "refs/sessions"]);
    for args in [
        &["log", "-s", "shared", "--progress", "x"][..],
        &["init", "--goal", "G"],
        &["checkpoint", "-s", "shared"],
        &["close", "-s", "shared", "--complete"],
    ] {
        let err = env.fails(&b, args, 1);
        assert!(err.contains("is a bare repository"), "{args:?}: {err}");
        assert!(err.contains("git worktree add"), "{err}");
    }
    assert_eq!(env.git(&b, &["rev-parse", "refs/sessions"]), before);
    // An agent's hook in a bare repository stays silent.
    let event = serde_json::json!({"session_id": "c1", "cwd": b, "hook_event_name": "SessionStart", "source": "startup"});
    let out = env
        .cmd(&b)
        .args(["hook", "session-start"])
        .write_stdin(event.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert!(
        mirrors_outside(&env, &[&a]).is_empty(),
        "{:?}",
        mirrors_outside(&env, &[&a])
    );

    // Later work arrives by sync; the bare clone's sync pushes nothing new and loses nothing.
    env.gs(&a, &["log", "--decision", "later", "--rationale", "why"]);
    env.gs(&a, &["sync", "-q"]);
    assert!(env.gs(&b, &["sync"]).contains("fast-forwarded"));
    assert!(
        env.gs(&b, &["view", "shared", "--decisions"])
            .contains("later")
    );

    // The `git init --bare` server itself reads what was pushed to it.
    assert!(env.gs(&remote, &["list", "--all"]).contains("shared"));
    assert!(env.gs(&remote, &["view", "shared"]).contains("made in a"));
    assert!(mirrors_outside(&env, &[&a]).is_empty());
}

#[test]
fn worktree_config_decides_bareness_and_settings_per_worktree_as_for_git() {
    let env = Env::new();
    let remote = env.bare_remote();

    // A main worktree whose own config.worktree says core.bare = false, in a repository whose
    // common config says true: git works in it, and so do we.
    let m = clone(&env, &remote, "m", false);
    env.git(&m, &["config", "extensions.worktreeConfig", "true"]);
    env.git(&m, &["config", "core.bare", "true"]);
    env.git(&m, &["config", "--worktree", "core.bare", "false"]);
    assert_eq!(
        env.git(&m, &["rev-parse", "--is-bare-repository"]).trim(),
        "false"
    );
    env.gs(&m, &["init", "--name", "main-wt", "--goal", "G"]);
    assert!(m.join(".sessions/active").is_dir());

    // A linked worktree with its own identity and push remote in its config.worktree.
    let w = env.path("w");
    env.git(
        &m,
        &["worktree", "add", "-q", w.to_str().unwrap(), "-b", "w"],
    );
    let fork = env.path("fork.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", fork.to_str().unwrap()],
    );
    env.git(&w, &["remote", "add", "fork", fork.to_str().unwrap()]);
    env.git(
        &w,
        &["config", "--worktree", "user.name", "Worktree Person"],
    );
    env.git(&w, &["config", "--worktree", "remote.pushDefault", "fork"]);
    env.gs(&w, &["init", "--name", "linked-wt", "--goal", "G"]);
    assert_eq!(
        env.git(&w, &["log", "-1", "--format=%an", "refs/sessions"])
            .trim(),
        "Worktree Person"
    );
    assert!(env.gs(&w, &["sync"]).contains("pushed to fork"));
    let pushed = env.git(&fork, &["for-each-ref", "refs/git-session/"]);
    assert!(!pushed.is_empty(), "pushed to the worktree's pushDefault");
    assert!(
        env.git(&remote, &["for-each-ref", "refs/git-session/"])
            .is_empty()
    );
    // The main worktree keeps the common identity and sees both sessions.
    let list = env.gs(&m, &["list"]);
    assert!(
        list.contains("main-wt") && list.contains("linked-wt"),
        "{list}"
    );
    assert!(env.gs(&m, &["doctor"]).contains("No problems found"));

    // The other way round: config.worktree says core.bare = true, so git sees no worktree here
    // and neither do we: nothing is written beside the git dir.
    let n = env.repo("n");
    env.git(&n, &["config", "extensions.worktreeConfig", "true"]);
    env.git(&n, &["config", "--worktree", "core.bare", "true"]);
    assert_eq!(
        env.git(&n, &["rev-parse", "--is-bare-repository"]).trim(),
        "true"
    );
    let err = env.fails(&n, &["init", "--goal", "G"], 1);
    assert!(err.contains("is a bare repository"), "{err}");
    assert!(!n.join(".sessions").exists());
    env.gs(&n, &["list"]);
}

#[test]
fn a_bare_clone_with_linked_worktrees_writes_in_the_worktrees_and_reads_in_the_bare_dir() {
    let env = Env::new();
    let remote = env.bare_remote();
    // The "bare repository + worktrees" layout, with per-worktree config.
    let b = clone(&env, &remote, "proj.git", true);
    env.git(&b, &["config", "extensions.worktreeConfig", "true"]);
    let w = env.path("proj-main");
    env.git(&b, &["worktree", "add", "-q", w.to_str().unwrap(), "main"]);
    env.git(
        &w,
        &["config", "--worktree", "core.sparseCheckout", "false"],
    );
    env.gs(&w, &["init", "--name", "from-wt", "--goal", "G"]);
    env.gs(&w, &["log", "--discovery", "written in the worktree"]);
    assert!(w.join(".sessions/active").is_dir());
    // The bare git dir shares refs/sessions with its worktrees and reads it directly.
    assert!(env.gs(&b, &["list"]).contains("from-wt"));
    assert!(
        env.gs(&b, &["view", "from-wt"])
            .contains("written in the worktree")
    );
    assert!(env.gs(&b, &["doctor"]).contains("No problems found"));
    let err = env.fails(&b, &["log", "-s", "from-wt", "--progress", "x"], 1);
    assert!(err.contains("is a bare repository"), "{err}");
    // sync from the bare dir and from the worktree both reach the remote.
    assert!(env.gs(&b, &["sync"]).contains("pushed to origin"));
    env.gs(&w, &["log", "--progress", "more"]);
    assert!(env.gs(&w, &["sync"]).contains("pushed to origin"));
    assert_eq!(
        env.git(&remote, &["rev-parse", "refs/git-session/sessions"]),
        env.git(&w, &["rev-parse", "refs/sessions"])
    );
    assert!(mirrors_outside(&env, &[&w]).is_empty());
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn read_commands_and_doctor_write_nothing_in_an_empty_bare_repository() {
    let env = Env::new();
    let b = env.path("b.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", b.to_str().unwrap()],
    );
    let before = files(&b);
    for args in [&["list"][..], &["list", "--all"], &["history"], &["doctor"]] {
        let _ = env.run(&b, args);
        assert_eq!(before, files(&b), "{args:?} wrote in the bare repository");
    }
}

#[test]
fn a_read_only_bare_backup_shows_the_journal_pushed_to_it() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let remote = env.bare_remote();
    let a = clone(&env, &remote, "a", false);
    env.gs(&a, &["init", "--name", "shared", "--goal", "Ship it"]);
    env.gs(&a, &["log", "--discovery", "made in a"]);
    env.gs(&a, &["sync", "-q"]);
    // What machines push: refs/git-session/sessions, never merged into refs/sessions here.
    // The lock cannot be taken (a directory cannot be opened for writing, not even by root):
    // it stands for a backup mounted read-only.
    let lock = remote.join("git-session/lock");
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = files(&remote);
    let out = env.run(&remote, &["list", "--all"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("shared"),
        "{out:?}"
    );
    assert!(
        !err.contains(".sessions/"),
        "a bare repository has no .sessions/: {err}"
    );
    assert!(err.contains("refs/git-session/sessions"), "{err}");
    let view = env.gs(&remote, &["view", "shared"]);
    assert!(view.contains("made in a"), "{view}");
    assert!(!env.gs(&remote, &["history", "shared"]).trim().is_empty());
    let out = env.run(&remote, &["doctor"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !err.contains("error:"),
        "doctor without --repair only reads: {out:?}"
    );
    assert_eq!(before, files(&remote), "nothing written");
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A read-only bare backup whose `refs/sessions` is older than the journal pushed to it lists
/// the pushed journal, archived sessions included: the listing index is read from the journal
/// shown, not from `refs/sessions` (an archived session changed since would show its old line).
#[test]
fn a_read_only_bare_backup_lists_archived_sessions_as_the_newest_journal_has_them() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let remote = env.bare_remote();
    let a = clone(&env, &remote, "a", false);
    env.gs(&a, &["init", "--name", "gone", "--goal", "G"]);
    env.gs(&a, &["close", "--complete", "-q"]);
    env.gs(&a, &["sync", "-q"]);
    env.git(
        &remote,
        &["update-ref", "refs/sessions", "refs/git-session/sessions"],
    );
    env.gs(&a, &["resume", "gone", "--reopen", "-q"]);
    env.gs(&a, &["close", "--abandon", "--reason", "dropped", "-q"]);
    env.gs(&a, &["sync", "-q"]);
    let lock = remote.join("git-session/lock");
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = env.run(&remote, &["list", "--all", "--json"]);
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["shortname"], "gone", "{rows}");
    assert_eq!(rows[0]["status"], "abandoned", "{rows}");
}
