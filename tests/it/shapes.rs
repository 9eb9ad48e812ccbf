//! Repositories and remotes of every shape (issue 14): worktrees that lag, remotes with a
//! `sessions/…` branch, URLs instead of remote names, repositories nobody may write to.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

/// A bare remote and a seed repository that pushed `main` to it.
fn bare_remote(env: &Env) -> PathBuf {
    let remote = env.path("remote.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    let seed = env.repo("seed");
    env.git(
        &seed,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    env.git(&seed, &["push", "-q", "origin", "main"]);
    remote
}

fn clone(env: &Env, remote: &Path, name: &str) -> PathBuf {
    let dir = env.path(name);
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    dir
}

/// The commit `name` points at, if that exact ref exists (`^{tree}` peels it).
fn rev(env: &Env, dir: &Path, name: &str) -> Option<String> {
    let (refname, peel) = match name.split_once('^') {
        Some((r, p)) => (r, format!("^{p}")),
        None => (name, String::new()),
    };
    let out = env.git(dir, &["for-each-ref", "--format=%(refname)", refname]);
    out.lines().any(|l| l == refname).then(|| {
        env.git(dir, &["rev-parse", &format!("{refname}{peel}")])
            .trim()
            .to_string()
    })
}

/// Every file under `dir` with its bytes (directories as `None`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(p.clone(), None);
                todo.push(p);
            } else {
                out.insert(p.clone(), Some(fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn doctor_in_a_worktree_catches_up_with_another_worktrees_commit_first() {
    let env = Env::new();
    let a = env.repo("a");
    let b = env.path("b");
    env.git(&a, &["worktree", "add", "-q", b.to_str().unwrap()]);
    env.gs(&a, &["init", "--name", "lag", "--goal", "G"]);
    env.gs(&b, &["list"]);
    env.gs(&a, &["log", "--discovery", "made in a"]);
    let out = env.run(&b, &["doctor"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a lag any command repairs is not a fault: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let view = env.gs(&b, &["view", "lag"]);
    assert!(view.contains("made in a"), "{view}");
}

#[test]
fn a_remote_branch_under_sessions_does_not_collide_with_the_fetched_journal() {
    let env = Env::new();
    let remote = bare_remote(&env);
    let seed = env.path("seed");
    env.git(&seed, &["push", "-q", "origin", "main:sessions/feature"]);
    let a = clone(&env, &remote, "a");
    let b = clone(&env, &remote, "b");
    env.gs(&a, &["init", "--name", "shared", "--goal", "G"]);
    env.gs(&a, &["sync"]);
    let out = env.gs(&b, &["sync"]);
    assert!(out.contains("adopted") || out.is_empty(), "{out}");
    assert!(env.gs(&b, &["list"]).contains("shared"));
    env.gs(&b, &["log", "-s", "shared", "--discovery", "from b"]);
    env.gs(&b, &["sync"]);
    env.gs(&a, &["sync"]);
    // The user's own fetches keep working next to ours.
    env.git(&a, &["fetch", "-q", "origin"]);
    env.git(&b, &["fetch", "-q", "origin"]);
    assert!(rev(&env, &b, "refs/remotes/origin/sessions/feature").is_some());
    assert!(rev(&env, &a, "refs/git-session/remotes/origin/sessions").is_some());
    assert_eq!(rev(&env, &a, "refs/remotes/origin/sessions"), None);
    assert_eq!(
        rev(&env, &a, "refs/sessions^{tree}"),
        rev(&env, &b, "refs/sessions^{tree}")
    );
}

#[test]
fn a_journal_fetched_into_the_old_tracking_ref_is_merged_and_moved() {
    let env = Env::new();
    let remote = bare_remote(&env);
    let a = clone(&env, &remote, "a");
    let b = clone(&env, &remote, "b");
    env.gs(&a, &["init", "--name", "old", "--goal", "G"]);
    env.gs(&a, &["sync"]);
    env.git(
        &b,
        &[
            "fetch",
            "-q",
            "origin",
            "refs/git-session/sessions:refs/remotes/origin/sessions",
        ],
    );
    let fetched = rev(&env, &b, "refs/remotes/origin/sessions").expect("fetched");
    assert!(env.gs(&b, &["list"]).contains("old"));
    assert_eq!(rev(&env, &b, "refs/remotes/origin/sessions"), None);
    assert_eq!(
        rev(&env, &b, "refs/git-session/remotes/origin/sessions"),
        Some(fetched.clone())
    );
    // What was merged is remembered: no second merge, no new commit.
    let before = env.count(&b);
    env.gs(&b, &["list"]);
    assert_eq!(env.count(&b), before);
    let state = fs::read_to_string(b.join(".git/git-session/remotes")).unwrap();
    assert!(state.contains(&format!("origin {fetched}")), "{state}");
}

#[test]
fn sync_accepts_a_path_or_a_file_url_as_git_fetch_does() {
    let env = Env::new();
    let remote = bare_remote(&env);
    let a = env.repo("a");
    let b = env.repo("b");
    let url = format!("file://{}", remote.display());
    env.gs(&a, &["init", "--name", "byurl", "--goal", "G"]);
    env.gs(&a, &["sync", "../remote.git"]);
    env.gs(&b, &["sync", &url]);
    assert!(env.gs(&b, &["list"]).contains("byurl"));
    env.gs(&b, &["log", "-s", "byurl", "--discovery", "from b"]);
    env.gs(&b, &["sync", &url]);
    env.gs(&a, &["sync", remote.to_str().unwrap()]);
    assert!(env.gs(&a, &["view", "byurl"]).contains("from b"));
    assert_eq!(
        rev(&env, &a, "refs/sessions^{tree}"),
        rev(&env, &b, "refs/sessions^{tree}")
    );
    let urls = env.git(
        &a,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/git-session/urls/",
        ],
    );
    let hashes: std::collections::BTreeSet<&str> =
        urls.lines().filter_map(|l| l.split('/').nth(3)).collect();
    assert_eq!(hashes.len(), 1, "one tracking base per URL: {urls}");
    assert!(
        env.git(&a, &["remote"]).trim().is_empty(),
        "no remote added"
    );
}

#[test]
fn read_commands_write_nothing_when_the_mirror_is_up_to_date() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "ro", "--goal", "G"]);
    env.gs(&repo, &["list"]);
    let state = repo.join(".git/git-session");
    let _ = fs::remove_file(state.join("lock"));
    let before = (snapshot(&state), snapshot(&repo.join(".sessions")));
    for args in [
        &["list"][..],
        &["list", "--all"],
        &["view", "ro"],
        &["view"],
        &["history", "ro"],
        &["resume", "--list"],
    ] {
        env.gs(&repo, args);
    }
    let after = (snapshot(&state), snapshot(&repo.join(".sessions")));
    assert_eq!(
        before, after,
        "no lock, no state file, no mirror file written"
    );
}

#[test]
fn read_commands_work_where_the_lock_cannot_be_created() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let a = env.repo("a");
    let b = env.path("b");
    env.git(&a, &["worktree", "add", "-q", b.to_str().unwrap()]);
    env.gs(&a, &["init", "--name", "ro", "--goal", "G"]);
    env.gs(&a, &["list"]);
    let lock = a.join(".git/git-session/lock");
    let _ = fs::remove_file(&lock);
    // A directory cannot be opened for writing, not even by root.
    fs::create_dir(&lock).unwrap();
    fs::set_permissions(&lock, fs::Permissions::from_mode(0o555)).unwrap();
    for args in [
        &["list"][..],
        &["view", "ro"],
        &["history", "ro"],
        &["resume", "--list"],
    ] {
        env.gs(&a, args);
    }
    // Behind the ref (another worktree committed): still readable, with a warning.
    env.gs(&b, &["log", "-s", "ro", "--discovery", "from b"]);
    let out = env.run(&a, &["view", "ro"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning"), "{err}");
    fs::set_permissions(&lock, fs::Permissions::from_mode(0o755)).unwrap();
}
