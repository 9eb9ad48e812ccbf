//! Remotes the way git talks to them (issue 14, items 5, 8, 9, 11): partial clones, the push
//! target git would choose, a server that declines, and a server that never answers.

use std::path::{Path, PathBuf};

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
