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

fn has_ref(env: &Env, dir: &Path, r: &str) -> bool {
    !env.git(dir, &["for-each-ref", r]).trim().is_empty()
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
