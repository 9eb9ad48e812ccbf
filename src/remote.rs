//! Talking to a remote through `git` itself: every transport and credential helper a user has
//! set up for git works, and gix has no push. Every git process runs without prompts and in the
//! C locale, so that what it prints can be read; what it says on failure is kept.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::layout::rand32;

use crate::store::{REMOTE_REF, SESSIONS_REF};

/// What can go wrong talking to a remote.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("no remote to sync with; add one with: git remote add origin <url>")]
    NoRemote,
    /// Several remotes and no rule picks one (a usage error: name one).
    #[error("several remotes and none is origin; name one: git session sync <{}>", .0.join("|"))]
    SeveralRemotes(Vec<String>),
    #[error("cannot run git")]
    RunGit(#[source] std::io::Error),
    /// A remote that accepted the connection (or never did) and said nothing within the bound.
    #[error(
        "git {op} {remote}: no answer within {secs} s; stopped it (nothing was changed; raise the bound with --timeout)"
    )]
    TimedOut {
        op: &'static str,
        remote: String,
        secs: u64,
    },
    /// `git <op> <remote>` failed; `reason` is git's own line.
    #[error("git {op} {remote}: {reason}")]
    Git {
        op: &'static str,
        remote: String,
        reason: String,
    },
    /// A remote-tracking ref stayed locked by another process past the retry bound.
    #[error("git fetch {remote}: {} is held by another git process; try again (or remove it if no git is running)", path.display())]
    RefLocked { remote: String, path: PathBuf },
    /// The push was refused for a reason other than a lost race.
    #[error("git push {remote}: {reason}; the journal is merged locally and nothing was lost")]
    PushRefused { remote: String, reason: String },
    #[error(
        "{remote} kept moving: push rejected {attempts} times; the journal is merged locally and nothing was lost; run git session sync again"
    )]
    KeptMoving { remote: String, attempts: usize },
}

/// Results of this module.
pub type Result<T, E = RemoteError> = std::result::Result<T, E>;

/// What a git process said: success, stdout, stderr.
struct GitOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl GitOutput {
    /// `git <op> <remote>` failed: git's last line says why.
    fn failure(&self, op: &'static str, remote: &str) -> RemoteError {
        RemoteError::Git {
            op,
            remote: remote.into(),
            reason: reason_line(&self.stderr),
        }
    }
}

/// The default bound on one git process that talks to a remote (`sync --timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The bound in force, in seconds (set once by the command line).
static TIMEOUT_SECS: AtomicU64 = AtomicU64::new(DEFAULT_TIMEOUT.as_secs());

/// The process group of the git process running now (0: none), for the signal handler.
static CHILD_GROUP: AtomicI32 = AtomicI32::new(0);

/// Bound every git process that talks to a remote by `timeout`; killing `git-session` (Ctrl-C,
/// SIGTERM, SIGHUP) then takes that git process and whatever it started (ssh, a helper) with it.
pub fn set_timeout(timeout: Duration) {
    TIMEOUT_SECS.store(timeout.as_secs().max(1), Ordering::Relaxed);
    extern "C" fn on_signal(sig: libc::c_int) {
        let group = CHILD_GROUP.load(Ordering::SeqCst);
        // SAFETY: kill, signal and raise are async-signal-safe.
        unsafe {
            if group > 0 {
                libc::kill(-group, libc::SIGKILL);
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installing a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Run git in `dir` without prompts and in the C locale, so that its output can be read, bounded
/// by the timeout: on expiry git and everything it started (its own process group) are killed.
fn git(dir: &Path, args: &[&str]) -> Result<GitOutput> {
    let secs = TIMEOUT_SECS.load(Ordering::Relaxed);
    let mut child = crate::gitproc::command(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(RemoteError::RunGit)?;
    let group = child.id() as i32;
    CHILD_GROUP.store(group, Ordering::SeqCst);
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        match child.try_wait().map_err(RemoteError::RunGit)? {
            Some(status) => break Some(status),
            None if Instant::now() >= deadline => break None,
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let Some(status) = status else {
        // SAFETY: signalling the process group this function created.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = child.wait();
        CHILD_GROUP.store(0, Ordering::SeqCst);
        let op = match args.first() {
            Some(&"push") => "push",
            Some(&"ls-remote") => "ls-remote",
            _ => "fetch",
        };
        let remote = args
            .iter()
            .find(|a| !a.starts_with('-') && **a != op)
            .unwrap_or(&"")
            .to_string();
        return Err(RemoteError::TimedOut { op, remote, secs });
    };
    CHILD_GROUP.store(0, Ordering::SeqCst);
    Ok(GitOutput {
        ok: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// The line of git's stderr that says why: the first one that is not one of git's generic
/// closing lines ("Could not read from remote repository", "Please make sure you have the
/// correct access rights and the repository exists"), so that ssh's `Permission denied
/// (publickey)`, `Could not resolve hostname …` or an HTTP status is what the user reads. A line
/// that ends in a colon continues on the next one (`git://`: "unable to connect to host:", then
/// "host[0: addr]: errno=Connection refused"), so the two are read as one.
fn reason_line(stderr: &str) -> String {
    const GENERIC: [&str; 4] = [
        "fatal: Could not read from remote repository.",
        "Please make sure you have the correct access rights",
        "and the repository exists.",
        "error: failed to push some refs",
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let Some(at) = lines
        .iter()
        .position(|l| !GENERIC.iter().any(|g| l.starts_with(g)))
        .or(lines.len().checked_sub(1))
    else {
        return String::new();
    };
    match lines.get(at + 1) {
        Some(next) if lines[at].ends_with(':') => format!("{} {next}", lines[at]),
        _ => lines[at].to_string(),
    }
}

/// The journal's refs on `remote` and the commits they point at: `(refs/sessions,
/// refs/git-session/sessions)`. A remote that is itself a working repository has its own
/// `refs/sessions` as well as what was pushed to it.
pub fn journal_refs(dir: &Path, remote: &str) -> Result<(Option<ObjectId>, Option<ObjectId>)> {
    let out = git(dir, &["ls-remote", remote, SESSIONS_REF, REMOTE_REF])?;
    if !out.ok {
        return Err(out.failure("ls-remote", remote));
    }
    let id = |r: &str| {
        out.stdout.lines().find_map(|l| {
            let mut fields = l.split_whitespace();
            let id = fields.next()?;
            (fields.next() == Some(r))
                .then(|| ObjectId::from_hex(id.as_bytes()).ok())
                .flatten()
        })
    };
    Ok((id(SESSIONS_REF), id(REMOTE_REF)))
}

/// How long `fetch` retries while another process (a sync in another worktree) holds a
/// remote-tracking ref's lock.
const LOCK_RETRY: Duration = Duration::from_secs(5);

/// `git fetch <remote> <refspecs>` (no tags). Another worktree fetching the same journal at the
/// same time holds the remote-tracking ref's lock for a moment: that is retried (bounded); a
/// lock left by a killed process is removed. Returns one line per stale lock removed.
pub fn fetch(dir: &Path, remote: &str, refspecs: &[String]) -> Result<Vec<String>> {
    // `--no-filter`: in a partial clone the journal is fetched whole, never with the clone's
    // filter; it is small, and a journal with missing blobs cannot be read or merged.
    let mut args = vec!["fetch", "--quiet", "--no-tags", "--no-filter", remote];
    args.extend(refspecs.iter().map(String::as_str));
    let started = Instant::now();
    let mut delay = Duration::from_millis(20);
    let mut removed = Vec::new();
    loop {
        let out = git(dir, &args)?;
        if out.ok {
            return Ok(removed);
        }
        let Some(lock) = locked_ref(&out.stderr) else {
            return Err(out.failure("fetch", remote));
        };
        if let Some(path) = &lock
            && crate::store::stale_age(path).is_some()
            && std::fs::remove_file(path).is_ok()
        {
            removed.push(format!(
                "removed {}, left by a git process that did not finish",
                path.display()
            ));
            continue;
        }
        if started.elapsed() >= LOCK_RETRY {
            return Err(match lock {
                Some(path) => RemoteError::RefLocked {
                    remote: remote.into(),
                    path,
                },
                None => out.failure("fetch", remote),
            });
        }
        std::thread::sleep(delay + Duration::from_millis(u64::from(rand32() % 20)));
        delay = (delay * 2).min(Duration::from_millis(300));
    }
}

/// `Some` when git failed to update a ref because it was locked or moved under it (another
/// process updating it at the same time), with the lock file when git named it. Reads git's
/// `LC_ALL=C` messages: "cannot lock ref '<ref>': Unable to create '<path>': File exists", and
/// "cannot lock ref '<ref>': is at <a> but expected <b>".
///
/// "cannot lock ref '<ref>': '<other>' exists; cannot create '<ref>'" is no lock but a name taken
/// by a ref one level deeper (a branch `sessions/…` under git's `refs/remotes/<remote>/`):
/// waiting does not help, so it is not retried.
fn locked_ref(stderr: &str) -> Option<Option<PathBuf>> {
    let line = stderr
        .lines()
        .find(|l| l.contains("cannot lock ref") && !l.contains("exists; cannot create"))?;
    let path = line
        .split_once("Unable to create '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(p, _)| PathBuf::from(p));
    Some(path)
}

/// Push the journal at commit `local` to the remote's `refs/git-session/sessions` (a
/// fast-forward only). The commit, not `refs/sessions`, so that what is pushed is what was
/// merged, even if a command commits meanwhile (the push runs without the worktree lock).
pub fn push_journal(dir: &Path, remote: &str, local: ObjectId) -> Result<PushOutcome> {
    let refspec = format!("{local}:{REMOTE_REF}");
    let out = git(dir, &["push", "--porcelain", "--quiet", remote, &refspec])?;
    Ok(push_outcome(&out))
}

/// What one `git push --porcelain` of the journal did.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Pushed,
    /// The remote moved since we fetched: fetch, merge and push again.
    LostRace,
    /// Anything else: the server's or git's reason.
    Refused(String),
}

/// Read `git push --porcelain` (run with `LC_ALL=C`): one status line per ref,
/// `<flag>\t<from>:<to>\t<summary> (<reason>)`, where `!` is a rejection and `[rejected]` with
/// `fetch first`, `non-fast-forward` or `stale info` is a lost race (git-push(1), "OUTPUT"), as
/// is `[remote rejected] (failed to update ref)` from receive-pack's own ref update.
fn push_outcome(out: &GitOutput) -> PushOutcome {
    let status = out.stdout.lines().find(|l| {
        l.split('\t')
            .nth(1)
            .is_some_and(|r| r.ends_with(REMOTE_REF))
    });
    if let Some(line) = status {
        let mut fields = line.split('\t');
        let flag = fields.next().unwrap_or_default();
        let summary = fields.nth(1).unwrap_or_default();
        if flag != "!" {
            return PushOutcome::Pushed;
        }
        // The server's own compare-and-swap can lose too: receive-pack then reports that it
        // failed to update (or lock) the ref because it moved after the push was checked.
        let lost = (summary.starts_with("[rejected]")
            && ["fetch first", "non-fast-forward", "stale info"]
                .iter()
                .any(|r| summary.contains(r)))
            || (summary.starts_with("[remote rejected]")
                && ["failed to update ref", "failed to lock"]
                    .iter()
                    .any(|r| summary.contains(r)));
        if lost {
            return PushOutcome::LostRace;
        }
        let remote_lines: Vec<&str> = out
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("remote: "))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let reason = if remote_lines.is_empty() {
            summary.to_string()
        } else {
            format!("{summary}: {}", remote_lines.join(" / "))
        };
        return PushOutcome::Refused(reason);
    }
    if out.ok {
        return PushOutcome::Pushed;
    }
    PushOutcome::Refused(reason_line(&out.stderr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(ok: bool, stdout: &str, stderr: &str) -> GitOutput {
        GitOutput {
            ok,
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn the_reason_is_the_first_line_that_is_not_gits_generic_closing() {
        let ssh = "git@localhost: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(
            reason_line(ssh),
            "git@localhost: Permission denied (publickey)."
        );
        let unknown = "fatal: 'nonesuch' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";
        assert_eq!(
            reason_line(unknown),
            "fatal: 'nonesuch' does not appear to be a git repository"
        );
        assert_eq!(
            reason_line("fatal: Could not read from remote repository.\n"),
            "fatal: Could not read from remote repository."
        );
        let daemon = "fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n";
        assert_eq!(
            reason_line(daemon),
            "fatal: unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused"
        );
    }

    #[test]
    fn a_locked_tracking_ref_is_recognised_with_its_lock_file() {
        let busy = "error: cannot lock ref 'refs/git-session/remotes/origin/sessions': Unable to create '/r/.git/refs/git-session/remotes/origin/sessions.lock': File exists.\n";
        assert_eq!(
            locked_ref(busy),
            Some(Some(PathBuf::from(
                "/r/.git/refs/git-session/remotes/origin/sessions.lock"
            )))
        );
        let moved = "error: cannot lock ref 'refs/git-session/remotes/origin/sessions': is at 1111 but expected 2222\n";
        assert_eq!(locked_ref(moved), Some(None));
        let taken = "error: cannot lock ref 'refs/remotes/origin/sessions': 'refs/remotes/origin/sessions/feature' exists; cannot create 'refs/remotes/origin/sessions'\n";
        assert_eq!(locked_ref(taken), None, "a name collision is not retried");
        assert_eq!(
            locked_ref("fatal: Could not read from remote repository.\n"),
            None
        );
    }

    #[test]
    fn porcelain_push_lines_are_classified() {
        let line = |flag: &str, summary: &str| {
            format!("To /tmp/r.git\n{flag}\trefs/sessions:{REMOTE_REF}\t{summary}\nDone\n")
        };
        assert_eq!(
            push_outcome(&output(true, &line("*", "[new reference]"), "")),
            PushOutcome::Pushed
        );
        assert_eq!(
            push_outcome(&output(true, &line(" ", "1111111..2222222"), "")),
            PushOutcome::Pushed
        );
        assert_eq!(
            push_outcome(&output(false, &line("!", "[rejected] (fetch first)"), "")),
            PushOutcome::LostRace
        );
        assert_eq!(
            push_outcome(&output(
                false,
                &line("!", "[rejected] (non-fast-forward)"),
                ""
            )),
            PushOutcome::LostRace
        );
        assert_eq!(
            push_outcome(&output(
                false,
                &line("!", "[remote rejected] (failed to update ref)"),
                ""
            )),
            PushOutcome::LostRace
        );
        assert_eq!(
            push_outcome(&output(
                false,
                &line("!", "[remote rejected] (pre-receive hook declined)"),
                "remote: journal pushes are closed today\nerror: failed to push some refs\n"
            )),
            PushOutcome::Refused(
                "[remote rejected] (pre-receive hook declined): journal pushes are closed today"
                    .into()
            )
        );
        assert_eq!(
            push_outcome(&output(
                false,
                "",
                "fatal: Could not read from remote repository.\n"
            )),
            PushOutcome::Refused("fatal: Could not read from remote repository.".into())
        );
    }
}
