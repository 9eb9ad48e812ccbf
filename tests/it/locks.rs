//! Locks a killed process leaves behind end (issue 13, item 7): a stale `packed-refs.lock` or
//! `refs/sessions.lock` is removed with one warning naming it; a lock a live process keeps
//! writing is waited for, then reported by name.

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::common::Env;

/// A hang guard, not a speed requirement.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A lock file last written a minute ago, as a process killed while holding it leaves it.
fn plant_stale(path: &Path) {
    std::fs::write(path, "").unwrap();
    let past = SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(past)
        .unwrap();
}

/// Run `args` in `dir`, killing it if it outlives [`HANG_GUARD`]; returns (success, stderr).
fn run_guarded(env: &Env, dir: &Path, args: &[&str]) -> (bool, String) {
    let mut child = env
        .std_cmd(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("git-session {args:?} still running after {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn stale_packed_refs_and_ref_locks_are_removed_with_one_warning_each() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "s", "--goal", "locks"]);
    env.git(&repo, &["pack-refs", "--all"]);
    let git_dir = repo.join(".git");
    for lock in ["packed-refs.lock", "refs/sessions.lock"] {
        plant_stale(&git_dir.join(lock));
        let (ok, stderr) = run_guarded(&env, &repo, &["log", "--progress", lock]);
        assert!(ok, "{stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(lock)).collect();
        assert_eq!(lines.len(), 1, "one line naming {lock}: {stderr}");
        assert!(lines[0].starts_with("warning:"), "{stderr}");
        assert!(!git_dir.join(lock).exists(), "{lock} was removed");
    }
    // Both at once.
    plant_stale(&git_dir.join("packed-refs.lock"));
    plant_stale(&git_dir.join("refs/sessions.lock"));
    let (ok, stderr) = run_guarded(&env, &repo, &["log", "--progress", "both"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("warning:")).count(),
        2,
        "{stderr}"
    );
    let subjects = env.git(&repo, &["log", "--format=%s", "refs/sessions"]);
    for text in ["packed-refs.lock", "refs/sessions.lock", "both"] {
        assert!(
            subjects.contains(&format!("progress: {text}")),
            "{subjects}"
        );
    }
    // git itself can pack again.
    env.git(&repo, &["pack-refs", "--all"]);
}

#[test]
fn a_lock_held_by_a_live_process_is_waited_for_then_named_in_the_error() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "s", "--goal", "locks"]);
    env.git(&repo, &["pack-refs", "--all"]);
    let lock = repo.join(".git/packed-refs.lock");
    std::fs::write(&lock, "").unwrap();
    let holding = AtomicBool::new(true);
    /// Stops the holder however the scope ends, so a failed run cannot wedge the test.
    struct Release<'a>(&'a AtomicBool);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            self.0.store(false, Ordering::Relaxed);
        }
    }
    let (ok, stderr) = std::thread::scope(|s| {
        let _release = Release(&holding);
        // A live holder keeps writing its lock, as git does while it writes packed-refs.
        s.spawn(|| {
            while holding.load(Ordering::Relaxed) {
                let _ = std::fs::File::options()
                    .write(true)
                    .open(&lock)
                    .and_then(|f| f.set_modified(SystemTime::now()));
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        run_guarded(&env, &repo, &["log", "--progress", "waits"])
    });
    assert!(!ok, "the log cannot succeed while the lock is held");
    assert!(stderr.contains("packed-refs.lock"), "{stderr}");
    assert!(stderr.contains("held by another process"), "{stderr}");
    assert!(lock.exists(), "a live lock is not removed");
    std::fs::remove_file(&lock).unwrap();
    env.gs(&repo, &["log", "--progress", "after"]);
}

#[test]
fn doctor_reports_a_ref_lock_with_its_age_and_how_to_remove_it_and_keeps_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "s", "--goal", "locks"]);
    let lock = repo.join(".git/refs/sessions.lock");
    plant_stale(&lock);
    let out = env.run(&repo, &["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = stdout
        .lines()
        .find(|l| l.contains("refs/sessions.lock"))
        .unwrap_or_else(|| panic!("doctor names the lock: {out:?}"));
    assert!(line.contains(" s old"), "{line}");
    assert!(line.contains(&format!("rm '{}'", lock.display())), "{line}");
    assert!(lock.exists(), "doctor without --repair only reads");
}
