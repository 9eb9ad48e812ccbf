//! Acknowledged entries survive git's own ref maintenance (issue 13, item 5).
//!
//! Several `git session log` processes, in three worktrees, race with `git pack-refs --all` and
//! `git gc --auto` running in a loop; every `log` that exited 0 must be in the history and the
//! tree of `refs/sessions` afterwards. The default run is short (three rounds of 1.5 s); set
//! `GIT_SESSION_STRESS=1` for a long one (`GIT_SESSION_STRESS_ROUNDS` and
//! `GIT_SESSION_STRESS_SECS` tune it). Run with `--nocapture` to see the counts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::Env;

/// Worktrees, and writers spread over them.
const WORKTREES: usize = 3;
const WRITERS: usize = 3;

/// A full `gc` takes the machine for a while; pausing between runs keeps the writers and the
/// `pack-refs` loop busy, which is what the race needs.
const GC_PAUSE: Duration = Duration::from_millis(300);

/// How many rounds (each a fresh repository) and how long each round logs.
fn budget() -> (usize, Duration) {
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let long = std::env::var_os("GIT_SESSION_STRESS").is_some_and(|v| !v.is_empty() && v != "0");
    let (rounds, millis) = if long { (10, 20_000) } else { (3, 1_500) };
    let rounds = var("GIT_SESSION_STRESS_ROUNDS").unwrap_or(rounds) as usize;
    let millis = var("GIT_SESSION_STRESS_SECS").map_or(millis, |s| s * 1000);
    (rounds, Duration::from_millis(millis))
}

/// What one round saw.
#[derive(Default)]
struct Tally {
    processes: usize,
    acknowledged: usize,
    failed: usize,
    lost: Vec<String>,
    failures: Vec<String>,
}

/// `git` in `dir` with the environment the harness gives our binary (own HOME, identity).
fn git_cmd(env: &Env, dir: &Path) -> Command {
    let template = env.std_cmd(dir);
    let mut cmd = Command::new("git");
    cmd.current_dir(dir);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd
}

/// Run `git args` in `dir` without asserting success (maintenance may lose a lock race too).
fn git_quiet(env: &Env, dir: &Path, args: &[&str]) {
    let mut cmd = git_cmd(env, dir);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    let _ = cmd.status();
}

fn one_round(env: &Env, round: usize, logging: Duration) -> Tally {
    let main = env.repo(&format!("r{round}"));
    // gc --auto must actually run: a tiny threshold, and in the foreground so nothing outlives
    // the test.
    env.git(&main, &["config", "gc.auto", "20"]);
    env.git(&main, &["config", "gc.autoPackLimit", "2"]);
    env.git(&main, &["config", "gc.autoDetach", "false"]);
    env.gs(&main, &["init", "--name", "w0", "--goal", "stress"]);
    // Writers in one worktree serialise on its lock; the compare-and-swap races are between
    // worktrees, so there are several.
    let mut worktrees = vec![main.clone()];
    for w in 1..WORKTREES {
        let dir = env.path(&format!("r{round}-wt{w}"));
        env.git(
            &main,
            &["worktree", "add", "-q", "--detach", dir.to_str().unwrap()],
        );
        env.gs(
            &dir,
            &["init", "--name", &format!("w{w}"), "--goal", "stress"],
        );
        worktrees.push(dir);
    }
    env.git(&main, &["pack-refs", "--all"]);
    let writers: Vec<(String, PathBuf)> = (0..WRITERS)
        .map(|w| (format!("r{round}w{w}"), worktrees[w % WORKTREES].clone()))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Mutex::new(Tally::default());
    let acknowledged = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        // `pack-refs` and `gc --auto` loop on their own, so a slow repack does not slow the
        // pack-refs that the race needs.
        let maintenance: Vec<_> = [
            &["pack-refs", "--all"][..],
            &["gc", "--auto", "--quiet"][..],
        ]
        .into_iter()
        .map(|args| {
            let (stop, main) = (&stop, &main);
            s.spawn(move || {
                let mut loops = 0;
                while !stop.load(Ordering::Relaxed) {
                    git_quiet(env, main, args);
                    loops += 1;
                    if args[0] == "gc" {
                        std::thread::sleep(GC_PAUSE);
                    }
                }
                loops
            })
        })
        .collect();
        let deadline = Instant::now() + logging;
        for (tag, dir) in &writers {
            let (tally, acknowledged) = (&tally, &acknowledged);
            s.spawn(move || {
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let token = format!("{tag}n{n}x");
                    let out = env
                        .std_cmd(dir)
                        .args(["log", "--progress", &token])
                        .stdin(Stdio::null())
                        .output()
                        .expect("binary runs");
                    let mut t = tally.lock().unwrap();
                    t.processes += 1;
                    if out.status.success() {
                        t.acknowledged += 1;
                        acknowledged.lock().unwrap().push(token);
                    } else {
                        t.failed += 1;
                        t.failures
                            .push(String::from_utf8_lossy(&out.stderr).trim().to_string());
                    }
                }
            });
        }
        std::thread::sleep(logging);
        // The writers finish their last command; then maintenance stops.
        while Instant::now() < deadline + Duration::from_millis(50) {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        for m in maintenance {
            assert!(
                m.join().expect("maintenance thread") > 0,
                "maintenance never ran"
            );
        }
    });

    let subjects = env.git(&main, &["log", "--format=%s", "refs/sessions"]);
    let in_history: BTreeSet<&str> = subjects
        .lines()
        .filter_map(|s| s.rsplit(' ').next())
        .collect();
    let grep = env.git(
        &main,
        &[
            "grep",
            "-h",
            "-o",
            "-w",
            "-E",
            "r[0-9]+w[0-9]+n[0-9]+x",
            "refs/sessions",
        ],
    );
    let in_tree: BTreeSet<&str> = grep.lines().collect();
    let mut tally = tally.into_inner().unwrap();
    for token in acknowledged.into_inner().unwrap() {
        if !in_history.contains(token.as_str()) || !in_tree.contains(token.as_str()) {
            tally.lost.push(token);
        }
    }
    if !tally.lost.is_empty() {
        eprintln!(
            "round {round} lost {:?}; reflog (new, its parent, what):\n{}",
            tally.lost,
            env.git(
                &main,
                &[
                    "log",
                    "-g",
                    "-n",
                    "40",
                    "--format=%h %p %gs",
                    "refs/sessions"
                ]
            )
        );
    }
    env.fsck(&main);
    tally
}

#[test]
fn acknowledged_logs_survive_pack_refs_and_gc_auto_across_worktrees() {
    let (rounds, logging) = budget();
    let env = Env::new();
    let mut total = Tally::default();
    let mut lost_rounds = 0;
    for round in 0..rounds {
        let t = one_round(&env, round, logging);
        total.processes += t.processes;
        total.acknowledged += t.acknowledged;
        total.failed += t.failed;
        lost_rounds += usize::from(!t.lost.is_empty());
        total.lost.extend(t.lost);
        total.failures.extend(t.failures);
    }
    eprintln!(
        "stress: {rounds} runs of {:?}, {WRITERS} writers in {WORKTREES} worktrees, {} log processes, {} acknowledged, {} failed, {} lost (in {lost_rounds} runs)",
        logging,
        total.processes,
        total.acknowledged,
        total.failed,
        total.lost.len()
    );
    assert!(total.acknowledged > 0, "nothing was acknowledged");
    assert_eq!(
        total.lost,
        Vec::<String>::new(),
        "acknowledged entries missing from refs/sessions"
    );
    assert_eq!(
        total.failures,
        Vec::<String>::new(),
        "a log failed under maintenance"
    );
}

/// The race of the stress test made certain: `git pack-refs` moves the ref while a `log` waits
/// for the ref's lock, and rewrites `packed-refs` within one timestamp tick, as a coarse clock
/// or file system does. gix's cached `packed-refs` snapshot then still says the old tip.
#[test]
fn pack_refs_moving_the_ref_while_a_log_waits_for_its_lock_loses_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "s", "--goal", "race"]);
    env.git(&repo, &["pack-refs", "--all"]);
    let git_dir = repo.join(".git");
    let old = env
        .git(&repo, &["rev-parse", "refs/sessions"])
        .trim()
        .to_string();
    // Another writer's commit on the old tip, as another worktree would make it.
    let other = env
        .git(
            &repo,
            &[
                "commit-tree",
                "-p",
                &old,
                "-m",
                "log(s): progress: other",
                &format!("{old}^{{tree}}"),
            ],
        )
        .trim()
        .to_string();

    // Hold the ref's lock, as the other writer (or pack-refs pruning) does.
    let lock = git_dir.join("refs/sessions.lock");
    std::fs::write(&lock, "").unwrap();
    let child = env
        .std_cmd(&repo)
        .args(["log", "--progress", "mine"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it read the old tip and start waiting for the lock.
    std::thread::sleep(Duration::from_millis(1500));

    // What the other writer and pack-refs leave: the new tip in packed-refs, no loose ref, and
    // the lock released; packed-refs keeps its modification time (same tick).
    let packed = git_dir.join("packed-refs");
    let mtime = std::fs::metadata(&packed).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&packed).unwrap();
    let moved = text.replace(
        &format!("{old} refs/sessions"),
        &format!("{other} refs/sessions"),
    );
    assert_ne!(text, moved, "refs/sessions is packed");
    let tmp = git_dir.join("packed-refs.new");
    std::fs::write(&tmp, moved).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&tmp)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    std::fs::rename(&tmp, &packed).unwrap();
    std::fs::remove_file(&lock).unwrap();

    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ancestor = git_cmd(&env, &repo)
        .args(["merge-base", "--is-ancestor", &other, "refs/sessions"])
        .status()
        .unwrap();
    assert!(
        ancestor.success(),
        "the other writer's commit was overwritten"
    );
    let subjects = env.git(&repo, &["log", "--format=%s", "refs/sessions"]);
    assert!(subjects.contains("progress: mine"), "{subjects}");
}
