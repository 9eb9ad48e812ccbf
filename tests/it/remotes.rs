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
    // doctor names it (break-14 #2), and the next sync fetches it whole and merges it.
    let out = env.run(&b, &["doctor"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("lacks objects"),
        "{text}"
    );
    env.gs(&b, &["sync"]);
    assert!(env.gs(&b, &["list", "--all"]).contains("shared"));
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
            "#!/bin/sh\necho run >> '{}'\necho 'journal pushes are closed today' >&2\nfor i in $(seq 1 200); do echo \"detail line $i\" >&2; done\nexit 1\n",
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
    // A hook that prints 200 lines: the first few, and how many more there were.
    assert!(
        err.contains("detail line 7") && !err.contains("detail line 9"),
        "{err}"
    );
    assert!(err.contains("(193 more lines from the server)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let runs = std::fs::read_to_string(&count).unwrap();
    assert_eq!(runs.lines().count(), 1, "asked once, not retried");
    assert!(env.gs(&dir, &["list"]).contains("declined"));
}

/// A fake ssh that never answers (`core.sshCommand`) for an `ssh://` remote; `secs`
/// marks its `sleep` so that a test can find what is left of it.
pub(crate) fn stalled_remote(env: &Env, dir: &Path, secs: u32) {
    env.git(
        dir,
        &["remote", "add", "origin", "ssh://stalled.invalid/x.git"],
    );
    env.git(
        dir,
        &["config", "core.sshCommand", &format!("sleep {secs} #")],
    );
}

/// Whether `child` exits within `limit` (polled; the caller kills it if not).
fn exits_within(child: &mut std::process::Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// The pids of processes whose command line contains `needle` (to check nothing is left).
pub(crate) fn procs_with(needle: &str) -> Vec<String> {
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
    if !exits_within(&mut child, Duration::from_secs(30)) {
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
    // The kill is sent before sync exits; a loaded machine may take a moment to reap.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = procs_with("sleep\x00617");
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = procs_with("sleep\x00617");
    }
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
    let waited = !exits_within(&mut note, Duration::from_secs(10));
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

/// Break-14 #7: a remote argument that starts with '-' is refused before any git runs; git
/// would take `--upload-pack=<command>` as an option and run the command.
#[test]
fn a_remote_argument_starting_with_a_dash_is_refused() {
    let env = Env::new();
    let dir = env.repo("a");
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let pwned = env.path("pwned");
    let evil = format!("--upload-pack=touch {}", pwned.display());
    let err = env.fails(&dir, &["sync", "--", &evil], 2);
    assert!(err.contains("starts with '-'"), "{err}");
    let err = env.fails(&dir, &["sync", "--", "-h"], 2);
    assert!(err.contains("starts with '-'"), "{err}");
    assert!(!pwned.exists(), "git ran the command given as a remote");
}

/// Break-14 #4: the largest `--timeout` is no deadline, not a panic.
#[test]
fn the_largest_timeout_does_not_panic() {
    let env = Env::new();
    let remote = bare(&env, "r.git");
    let dir = env.repo("a");
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let out = env.gs(
        &dir,
        &[
            "sync",
            "--timeout",
            "18446744073709551615",
            remote.to_str().unwrap(),
        ],
    );
    assert!(out.contains("pushed"), "{out}");
}

/// Break-14 #5: a password in a URL is never printed: not in the success line, not in
/// `--json`, not in an error line (where git's own line has it removed already).
#[test]
fn a_password_in_a_url_is_never_printed() {
    let env = Env::new();
    let remote = bare(&env, "r.git");
    let dir = env.repo("a");
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let url = "https://alice:s3cr3tTOKEN@example.com/r.git";
    // An https URL that leads to the local remote, as a real server would.
    env.git(
        &dir,
        &[
            "config",
            &format!("url.{}.insteadOf", remote.display()),
            url,
        ],
    );
    let out = env.run(&dir, &["sync", url]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("https://alice@example.com/r.git"), "{text}");
    let out = env.run(&dir, &["--json", "sync", url]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    let err = env.fails(
        &dir,
        &[
            "sync",
            "--timeout",
            "5",
            "http://alice:s3cr3tTOKEN@127.0.0.1:9/r.git",
        ],
        1,
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    assert!(err.contains("http://alice@127.0.0.1:9/r.git"), "{err}");
    // git's own line for git:// shows the *decoded* password outside any URL ("unable to look
    // up alice:pa@ss@127.0.0.1"): removed there too, in either spelling.
    for json in [false, true] {
        let mut args = vec![];
        if json {
            args.push("--json");
        }
        args.extend([
            "sync",
            "--timeout",
            "5",
            "git://alice:pa%40ss@127.0.0.1:1/r.git",
        ]);
        let out = env.run(&dir, &args);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(
            !text.contains("pa@ss") && !text.contains("pa%40ss"),
            "{text}"
        );
    }
}

/// Break-14 #8: a `git clone --mirror` syncs: its `remote.origin.mirror` would refuse the
/// journal's refspec.
#[test]
fn a_mirror_clone_syncs() {
    let env = Env::new();
    let (remote, _a) = remote_with_journal(&env, "shared");
    let m = clone(&env, remote.to_str().unwrap(), "m.git", &["--mirror"]);
    let out = env.gs(&m, &["sync"]);
    assert!(out.contains("pushed"), "{out}");
    let refs = env.git(&m, &["for-each-ref", "--format=%(refname)"]);
    assert!(
        refs.contains("refs/git-session/remotes/origin/sessions"),
        "{refs}"
    );
}

/// Break-14 #10: a push that times out says the journal is merged locally (it is), not that
/// nothing was changed.
#[test]
fn a_push_timeout_says_the_journal_is_merged_locally() {
    let env = Env::new();
    let (remote, a) = remote_with_journal(&env, "shared");
    env.gs(&a, &["checkpoint", "--note", "local"]);
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nsleep 20\n").unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let err = env.fails(&a, &["sync", "--timeout", "2"], 1);
    assert!(err.contains("no answer within 2 s"), "{err}");
    assert!(err.contains("merged locally"), "{err}");
    assert!(!err.contains("nothing was changed"), "{err}");
}

/// Break-14 #3: `kill -9` of a sync waiting on a stalled server takes git and its helpers
/// (`git-remote-http`) with it.
#[test]
fn a_killed_sync_leaves_no_git_running() {
    let env = Env::new();
    let dir = env.repo("a");
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    for scheme in ["git", "http"] {
        let marker = format!("stalled-{scheme}-{}.git", std::process::id());
        let url = format!("{scheme}://127.0.0.1:{port}/{marker}");
        let mut sync = env
            .std_cmd(&dir)
            .args(["sync", "--timeout", "300", &url])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !procs_with(&marker).is_empty(),
            "{scheme}: git never started"
        );
        sync.kill().unwrap(); // SIGKILL
        sync.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        while !procs_with(&marker).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let left = procs_with(&marker);
        assert!(
            left.is_empty(),
            "{scheme}: left running after kill -9: {left:?}"
        );
    }
    // ssh, started by git: a fake one that never answers.
    stalled_remote(&env, &dir, 623);
    let mut sync = env
        .std_cmd(&dir)
        .args(["sync", "--timeout", "300"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!procs_with("sleep\x00623").is_empty(), "ssh: never started");
    sync.kill().unwrap();
    sync.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !procs_with("sleep\x00623").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = procs_with("sleep\x00623");
    assert!(left.is_empty(), "ssh: left running after kill -9: {left:?}");
}

/// Break-14 #16: a remote that hides its journal from fetch (`uploadpack.hideRefs`) but takes
/// pushes is said so at once, not retried as a lost race.
#[test]
fn a_journal_hidden_from_fetch_stops_at_once() {
    let env = Env::new();
    let (remote, _a) = remote_with_journal(&env, "shared");
    env.git(
        &remote,
        &["config", "uploadpack.hideRefs", "refs/git-session"],
    );
    let b = clone(&env, remote.to_str().unwrap(), "b", &[]);
    env.gs(&b, &["init", "--name", "b", "--goal", "G"]);
    let err = env.fails(&b, &["sync"], 1);
    assert!(err.contains("does not show its journal"), "{err}");
    assert!(!err.contains("kept moving"), "{err}");
}

/// Break-14 #2: in a partial clone, a plain (filtered) `git fetch` of the journal through the
/// docs' refspec leaves a tracking ref without blobs; `sync` recovers by itself.
#[test]
fn a_filtered_plain_fetch_of_the_journal_does_not_stick() {
    let env = Env::new();
    let (remote, a) = remote_with_journal(&env, "shared");
    env.git(&remote, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", remote.display());
    let pc = clone(&env, &url, "pc", &["--filter=blob:none"]);
    env.git(
        &pc,
        &[
            "config",
            "--add",
            "remote.origin.fetch",
            "+refs/git-session/sessions:refs/git-session/remotes/origin/sessions",
        ],
    );
    env.gs(&pc, &["sync"]);
    env.gs(&a, &["checkpoint", "--note", "new on a"]);
    env.gs(&a, &["sync"]);
    env.git(&pc, &["fetch", "-q", "origin"]);
    let out = env.run(&pc, &["doctor"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "doctor missed the incomplete journal: {text}"
    );
    assert!(text.contains("lacks objects"), "{text}");
    // It says what to run, and does not also call that "a hand fix".
    assert!(
        text.contains("run git session sync") && !text.contains("hand fix"),
        "{text}"
    );
    let out = env.gs(&pc, &["sync"]);
    assert!(out.contains("Synced"), "{out}");
    let log = env.git(&pc, &["log", "--format=%s", "refs/sessions"]);
    assert!(log.contains("new on a"), "{log}");
    env.gs(&pc, &["sync"]);
    env.gs(&pc, &["doctor"]);
}

/// `sync .`, `sync ''`, the worktree's own path or git dir, or the main worktree from a linked
/// one: git would fetch from and push to the repository itself. A repository kept inside the
/// worktree is another one, and syncs.
#[test]
fn sync_with_the_repository_itself_is_refused() {
    let env = crate::common::Env::new();
    let a = env.repo("a");
    env.gs(&a, &["init", "--name", "s", "--goal", "G"]);
    std::fs::create_dir(a.join("sub")).unwrap();
    let top = a.to_str().unwrap().to_string();
    let git_dir = a.join(".git").to_str().unwrap().to_string();
    let file_url = format!("file://{top}");
    for arg in [
        ".",
        "",
        "sub",
        top.as_str(),
        git_dir.as_str(),
        file_url.as_str(),
    ] {
        let err = env.fails(&a, &["sync", arg], 2);
        assert!(err.contains("is this repository itself"), "{arg:?}: {err}");
    }
    env.git(&a, &["worktree", "add", "-q", "../wt"]);
    let err = env.fails(&env.path("wt"), &["sync", &top], 2);
    assert!(err.contains("is this repository itself"), "{err}");
    let refs = env.git(
        &a,
        &["for-each-ref", "--format=%(refname)", "refs/git-session"],
    );
    assert!(
        refs.trim().is_empty(),
        "nothing was pushed to itself: {refs}"
    );
    // A bare repository kept inside the worktree is another repository.
    env.git(&a, &["init", "-q", "--bare", "inner.git"]);
    let out = env.gs(&a, &["sync", "inner.git"]);
    assert!(out.contains("Synced"), "{out}");
}

#[test]
fn a_remote_whose_name_is_no_ref_component_syncs() {
    // `remote."my remote".url` is valid git config, and git fetch/push accept the name; as a
    // ref component it is not ("invalid refspec"), so it is tracked by hash.
    let env = crate::common::Env::new();
    let top = env.tmp.path();
    env.git(top, &["init", "-q", "--bare", "r.git"]);
    let a = env.repo("a");
    env.gs(&a, &["init", "--name", "s", "--goal", "G"]);
    env.git(
        &a,
        &[
            "config",
            "remote.my remote.url",
            env.path("r.git").to_str().unwrap(),
        ],
    );
    let out = env.gs(&a, &["sync", "my remote"]);
    assert!(out.contains("Synced"), "{out}");
    let pushed = env.git(&env.path("r.git"), &["for-each-ref", "--format=%(refname)"]);
    assert!(pushed.contains("refs/git-session/sessions"), "{pushed}");
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

/// Break-14 #15: git runs without prompts (decision 60); an https/http remote that wants a
/// typed username says so and what to do, in one line.
#[test]
fn a_remote_that_wants_a_password_says_what_to_do() {
    use std::io::{Read, Write};
    let env = Env::new();
    let dir = env.repo("a");
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = c.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let url = format!("http://127.0.0.1:{port}/r.git");
    let out = env
        .cmd(&dir)
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .args(["sync", "--timeout", "10", &url])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("terminal prompts disabled"), "{err}");
    assert!(err.contains("credential.helper"), "{err}");
}
