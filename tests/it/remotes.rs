//! Remotes the way git talks to them (issue 14, items 5, 8, 9, 11): partial clones, the push
//! target git would choose, a server that declines, and a server that never answers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::Env;

/// A bare remote holding `main`, and the environment around it.
fn bare(env: &Env, name: &str) -> PathBuf {
    let remote = env.path(name);
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    remote
}

fn clone(env: &Env, url: &str, name: &str, extra: &[&str]) -> PathBuf {
    let dir = env.path(name);
    let mut args = vec!["clone", "-q"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[url, dir.to_str().unwrap()]);
    env.git(env.tmp.path(), &args);
    dir
}

/// A bare remote with `main` and a journal holding session `name`, pushed from clone `a`.
fn remote_with_journal(env: &Env, name: &str) -> (PathBuf, PathBuf) {
    let remote = bare(env, "remote.git");
    let seed = env.repo("seed");
    env.git(
        &seed,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    env.git(&seed, &["push", "-q", "origin", "main"]);
    let a = clone(env, remote.to_str().unwrap(), "a", &[]);
    env.gs(&a, &["init", "--name", name, "--goal", "G"]);
    env.gs(&a, &["sync"]);
    (remote, a)
}

fn has_ref(env: &Env, dir: &Path, r: &str) -> bool {
    !env.git(dir, &["for-each-ref", r]).trim().is_empty()
}

/// Item 5: a `--filter=blob:none` clone fetches the journal whole (`--no-filter`), so `sync`
/// adopts it and every command keeps working.
#[test]
fn a_partial_clone_syncs_the_whole_journal() {
    let env = Env::new();
    let (remote, _a) = remote_with_journal(&env, "shared");
    env.git(&remote, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", remote.display());
    let b = clone(&env, &url, "b", &["--filter=blob:none"]);
    let out = env.gs(&b, &["sync"]);
    assert!(out.contains("adopted"), "{out}");
    assert!(env.gs(&b, &["list"]).contains("shared"));
    env.gs(&b, &["doctor"]);
    env.gs(&b, &["sync"]);
}

/// Item 5, the other half: a journal whose blobs are missing (fetched by a plain filtered `git
/// fetch`) is never adopted: `refs/sessions` stays where it was and commands keep working.
#[test]
fn a_journal_with_missing_blobs_never_becomes_refs_sessions() {
    let env = Env::new();
    let (remote, _a) = remote_with_journal(&env, "shared");
    env.git(&remote, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", remote.display());
    let b = clone(&env, &url, "b", &["--filter=blob:none"]);
    env.gs(&b, &["init", "--name", "mine", "--goal", "G"]);
    let before = env.git(&b, &["rev-parse", "refs/sessions"]);
    // The old recipe's plain fetch, filtered as the clone is.
    env.git(
        &b,
        &[
            "fetch",
            "-q",
            "origin",
            "+refs/git-session/sessions:refs/git-session/remotes/origin/sessions",
        ],
    );
    let list = env.gs(&b, &["list"]);
    assert!(list.contains("mine"), "{list}");
    assert_eq!(env.git(&b, &["rev-parse", "refs/sessions"]), before);
    env.gs(&b, &["doctor"]);
}

/// Item 8: in a fork setup (the branch tracks `upstream`, `remote.pushDefault = origin`) the
/// journal is pushed where git pushes: to `origin`.
#[test]
fn the_journal_goes_where_git_pushes() {
    let env = Env::new();
    let upstream = bare(&env, "upstream.git");
    let fork = bare(&env, "fork.git");
    let seed = env.repo("seed");
    for (name, r) in [("upstream", &upstream), ("fork", &fork)] {
        env.git(&seed, &["remote", "add", name, r.to_str().unwrap()]);
        env.git(&seed, &["push", "-q", name, "main"]);
    }
    let dir = clone(
        &env,
        upstream.to_str().unwrap(),
        "work",
        &["-o", "upstream"],
    );
    env.git(&dir, &["remote", "add", "origin", fork.to_str().unwrap()]);
    env.git(&dir, &["config", "remote.pushDefault", "origin"]);
    env.gs(&dir, &["init", "--name", "forked", "--goal", "G"]);
    let out = env.gs(&dir, &["sync"]);
    assert!(out.contains("pushed to origin"), "{out}");
    assert!(has_ref(&env, &fork, "refs/git-session/sessions"));
    assert!(!has_ref(&env, &upstream, "refs/git-session/sessions"));

    // branch.<b>.pushRemote wins over remote.pushDefault.
    env.git(&dir, &["config", "branch.main.pushRemote", "upstream"]);
    let out = env.gs(&dir, &["sync"]);
    assert!(out.contains("pushed to upstream"), "{out}");
    assert!(has_ref(&env, &upstream, "refs/git-session/sessions"));
}

/// Item 9: a server whose `pre-receive` hook declines is asked once; its own reason is shown,
/// with the news that nothing was lost.
#[test]
fn a_declined_push_stops_at_once_with_the_servers_reason() {
    let env = Env::new();
    let remote = bare(&env, "remote.git");
    let seed = env.repo("seed");
    env.git(
        &seed,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    env.git(&seed, &["push", "-q", "origin", "main"]);
    let hook = remote.join("hooks/pre-receive");
    let count = env.path("hook-runs");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho run >> '{}'\necho 'journal pushes are closed today' >&2\nexit 1\n",
            count.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = clone(&env, remote.to_str().unwrap(), "a", &[]);
    env.gs(&dir, &["init", "--name", "declined", "--goal", "G"]);
    let err = env.fails(&dir, &["sync"], 1);
    assert!(err.contains("journal pushes are closed today"), "{err}");
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert!(err.contains("nothing was lost"), "{err}");
    assert!(!err.contains("kept moving"), "{err}");
    let runs = std::fs::read_to_string(&count).unwrap();
    assert_eq!(runs.lines().count(), 1, "asked once, not retried");
    assert!(env.gs(&dir, &["list"]).contains("declined"));
}

/// A fake ssh that never answers (`core.sshCommand`) for an `ssh://` remote; `secs`
/// marks its `sleep` so that a test can find what is left of it.
fn stalled_remote(env: &Env, dir: &Path, secs: u32) {
    env.git(
        dir,
        &["remote", "add", "origin", "ssh://stalled.invalid/x.git"],
    );
    env.git(
        dir,
        &["config", "core.sshCommand", &format!("sleep {secs} #")],
    );
}

/// The pids of processes whose command line contains `needle` (to check nothing is left).
fn procs_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmd).contains(needle) {
            found.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

/// Item 11: a stalled remote is bounded by `--timeout`: one clear line, the git child killed.
#[test]
fn a_stalled_remote_times_out_with_one_line() {
    let env = Env::new();
    let dir = env.repo("a");
    stalled_remote(&env, &dir, 617);
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let started = Instant::now();
    let mut child = env
        .std_cmd(&dir)
        .args(["sync", "--timeout", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
        panic!("sync --timeout 2 still running after 30 s");
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("no answer") && err.contains("2 s"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    let left = procs_with("sleep\x00617");
    assert!(left.is_empty(), "git children left running: {left:?}");
}

/// Item 11: while a sync waits on a stalled remote, no lock is held: another command in the same
/// worktree succeeds at once, and a killed sync leaves nothing locked.
#[test]
fn a_sync_waiting_on_the_network_holds_no_lock() {
    let env = Env::new();
    let dir = env.repo("a");
    stalled_remote(&env, &dir, 29);
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let mut sync = env
        .std_cmd(&dir)
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it reach the network.
    std::thread::sleep(Duration::from_millis(800));
    let started = Instant::now();
    let mut note = env
        .std_cmd(&dir)
        .args(["checkpoint", "--note", "while syncing"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while note.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let waited = note.try_wait().unwrap().is_none();
    if waited {
        note.kill().unwrap();
    }
    let out = note.wait_with_output().unwrap();
    let sync_ran = sync.try_wait().unwrap().is_none();
    sync.kill().unwrap();
    sync.wait().unwrap();
    assert!(sync_ran, "the sync did not wait on the stalled remote");
    assert!(!waited, "checkpoint waited on the sync's lock");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The killed sync left nothing locked.
    env.gs(&dir, &["checkpoint", "--note", "after the kill"]);
    let log = env.git(&dir, &["log", "--format=%s", "refs/sessions"]);
    assert!(log.contains("after the kill"), "{log}");
}

#[test]
fn remotes_named_x_and_x_slash_sessions_both_sync() {
    let env = crate::common::Env::new();
    let top = env.tmp.path();
    for name in ["r1.git", "r2.git"] {
        env.git(top, &["init", "-q", "--bare", name]);
    }
    let a = env.repo("a");
    env.gs(&a, &["init", "--name", "s", "--goal", "G"]);
    env.git(
        &a,
        &["remote", "add", "x", env.path("r1.git").to_str().unwrap()],
    );
    env.git(
        &a,
        &[
            "remote",
            "add",
            "x/sessions",
            env.path("r2.git").to_str().unwrap(),
        ],
    );
    env.gs(&a, &["sync", "x"]);
    env.gs(&a, &["sync", "x/sessions"]);
    // r2 gets a journal of its own from another clone.
    let b = env.path("b");
    env.git(
        top,
        &[
            "clone",
            "-q",
            env.path("r2.git").to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    env.gs(&b, &["init", "--name", "from-b", "--goal", "G"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync", "x/sessions"]);
    env.gs(&a, &["sync", "x"]);
    assert!(env.gs(&a, &["list", "--all"]).contains("from-b"));

    // A journal an older version fetched under the nested name is moved out of remote x's way.
    let tip = env.git(&a, &["rev-parse", "refs/sessions"]);
    env.git(
        &a,
        &["update-ref", "-d", "refs/git-session/remotes/x/sessions"],
    );
    env.git(
        &a,
        &[
            "update-ref",
            "refs/git-session/remotes/x/sessions/sessions",
            tip.trim(),
        ],
    );
    env.gs(&a, &["sync", "x"]);
    let nested = env.git(
        &a,
        &["for-each-ref", "refs/git-session/remotes/x/sessions/"],
    );
    assert!(nested.trim().is_empty(), "{nested}");
    assert!(
        !env.git(&a, &["rev-parse", "refs/git-session/remotes/x/sessions"])
            .is_empty()
    );
}
