//! Talking to a remote through `git` itself: every transport and credential helper a user has
//! set up for git works, and gix has no push. Every git process runs without prompts and in the
//! C locale, so that what it prints can be read; what it says on failure is kept.

use std::io::Read;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::layout::rand32;

use crate::store::REMOTE_REF;

/// What can go wrong talking to a remote.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("no remote to sync with; add one with: git remote add origin <url>")]
    NoRemote,
    /// Several remotes and no rule picks one (a usage error: name one).
    #[error("several remotes and none is origin; name one: git session sync <{}>", .0.join("|"))]
    SeveralRemotes(Vec<String>),
    /// A remote or URL that git would read as an option (`--upload-pack=<command>`): refused
    /// before any git runs (a usage error).
    #[error("'{0}' is not a remote or URL: it starts with '-' and git would read it as an option")]
    OptionLike(String),
    /// `sync .`, `sync ''`, or a path to this very repository: git would fetch from and push to
    /// itself.
    #[error("'{0}' is this repository itself: name another remote, path or URL")]
    Itself(String),
    #[error("cannot run git")]
    RunGit(#[source] std::io::Error),
    /// A remote that accepted the connection (or never did) and said nothing within the bound.
    /// What it says of the journal is true of that step: a fetch that was stopped fetched
    /// nothing; a push comes after the local merge, which stays.
    #[error(
        "git {op} {remote}: no answer within {secs} s; stopped it ({}; raise the bound with --timeout)",
        if *op == "push" { "the journal is merged locally and nothing was lost; the push did not finish" } else { "nothing was fetched" }
    )]
    TimedOut {
        op: &'static str,
        remote: String,
        secs: u64,
    },
    /// The push was refused as not a fast-forward although the journal the remote shows to
    /// fetch is already merged: the remote hides it (`uploadpack.hideRefs`), so retrying can
    /// never win.
    #[error(
        "git push {remote}: rejected as not a fast-forward, but {remote} does not show its journal ({name}) to fetch (uploadpack.hideRefs?); the journal is merged locally and nothing was lost"
    )]
    HiddenJournal { remote: String, name: String },
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
        "{remote} kept moving: push rejected {attempts} times in {secs} s; the journal is merged locally and nothing was lost; run git session sync again"
    )]
    KeptMoving {
        remote: String,
        attempts: usize,
        secs: u64,
    },
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
            remote: redact(remote),
            reason: explain(&reason_line(&self.stderr)),
        }
    }
}

/// The default bound on one git process that talks to a remote (`sync --timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The bound in force, in seconds (set once by the command line).
static TIMEOUT_SECS: AtomicU64 = AtomicU64::new(DEFAULT_TIMEOUT.as_secs());

/// Whether the journal's `git push` skips the pre-push hook (`--no-verify`).
static NO_VERIFY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Push the journal with `--no-verify`: for the push the pre-push hook of `install
/// --git-hooks` makes, so that the user's own pre-push hook, which has just run for the push
/// the user asked for, does not run a second time for the journal.
pub fn set_no_verify() {
    NO_VERIFY.store(true, Ordering::Relaxed);
}

/// A moment past which no git process may run (`None`: only the timeout bounds them): the
/// SessionStart hook's budget for `sync.auto`, whatever number of git processes it takes.
static DEADLINE: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

/// Bound every git process that talks to a remote, from now on, by `deadline` as well as by
/// the timeout; `None` lifts it.
pub fn set_deadline(deadline: Option<Instant>) {
    if let Ok(mut d) = DEADLINE.lock() {
        *d = deadline;
    }
}

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

/// Refuse a remote or URL that git would take for an option (`-h`, `--upload-pack=<command>`):
/// every git call also puts it after `--end-of-options`, but a clear refusal says more.
pub fn check_arg(remote: &str) -> Result<()> {
    remember_password(remote);
    if remote.starts_with('-') {
        return Err(RemoteError::OptionLike(redact(remote)));
    }
    Ok(())
}

/// Passwords seen in the URLs this process was given, raw and percent-decoded: git's own
/// lines can show one outside any URL (`git://user:pa%40ss@host` gives "unable to look up
/// user:pa@ss@host"), so [`redact`] removes these wherever they appear.
static PASSWORDS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Note the password of `url`'s userinfo (`scheme://user:password@host…`), if it has one, for
/// [`redact`].
fn remember_password(url: &str) {
    let Some(at) = url.find("://") else { return };
    let tail = &url[at + 3..];
    let authority = &tail[..tail.find(['/', '?', '#']).unwrap_or(tail.len())];
    let Some(amp) = authority.rfind('@') else {
        return;
    };
    let Some((_, password)) = authority[..amp].split_once(':') else {
        return;
    };
    if password.is_empty() {
        return;
    }
    let decoded = percent_decode(password);
    if let Ok(mut known) = PASSWORDS.lock() {
        for p in [password.to_string(), decoded] {
            if !known.contains(&p) {
                known.push(p);
            }
        }
        // Longest first, so that a password containing another is removed whole.
        known.sort_by_key(|p| std::cmp::Reverse(p.len()));
    }
}

/// `%XX` escapes decoded (RFC 3986 §2.1); anything else kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with the password of every URL's userinfo removed, as git prints URLs
/// (`https://user:token@host/r.git` becomes `https://user@host/r.git`): for every line we
/// print, including git's own lines copied into ours.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#', whitespace or quote.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '\'' | '"' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(amp) => {
                let userinfo = &authority[..amp];
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                out.push_str(user);
                out.push_str(&authority[amp..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    if let Ok(known) = PASSWORDS.lock() {
        for p in known.iter() {
            out = out.replace(p.as_str(), "***");
        }
    }
    out
}

/// Most `remote:` lines of a declined push copied into our one error line.
const MAX_REASON_LINES: usize = 8;

/// How long a stopped git gets to clean up after SIGTERM (receive-pack's temporary object
/// directory on a local remote, a ref lock) before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(1000);

/// Stop the process group `group` led by `child`: SIGTERM, so that git runs its own clean-up,
/// then SIGKILL for whatever is still there after a short grace.
fn stop_group(child: &mut std::process::Child, group: i32) {
    // SAFETY: signalling the process group this module created.
    unsafe {
        libc::kill(-group, libc::SIGTERM);
    }
    let until = Instant::now() + TERM_GRACE;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above; the group id cannot be reused while the group has members.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// Wait for `child` to exit, until `deadline` (`None`: no bound); `Ok(None)` when it still runs
/// then. Woken the moment git exits through a pidfd (Linux 5.3 and later): polling every 20 ms
/// cost 10 ms per git process on average, a fifth of what `sync` adds to `git fetch` + `git
/// push` (issue 17 row 7). Without pidfds, polled, at first every millisecond.
fn wait_until(
    child: &mut std::process::Child,
    deadline: Option<Instant>,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    // SAFETY: a descriptor pidfd_open just returned, owned here alone.
    let pidfd = (raw >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(raw as i32) });
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let left = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                left
            }
            None => Duration::from_secs(3600),
        };
        match &pidfd {
            Some(fd) => {
                let mut p = libc::pollfd {
                    fd: std::os::fd::AsRawFd::as_raw_fd(fd),
                    events: libc::POLLIN,
                    revents: 0,
                };
                let ms = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
                // SAFETY: one valid pollfd; an interrupted poll (EINTR) just loops.
                unsafe { libc::poll(&mut p, 1, ms) };
            }
            None => {
                std::thread::sleep(nap.min(left));
                nap = (nap * 2).min(Duration::from_millis(20));
            }
        }
    }
}

/// Run `git <op> <options>… --end-of-options <remote> <rest>…` in `dir` without
/// prompts and in the C locale, so that its output can be read, bounded by the timeout: on expiry
/// git and everything it started (its own process group) are stopped. `remote` is user text:
/// it is refused when it starts with '-' and comes after `--end-of-options` all the same.
///
/// git and everything it starts die with `git-session`, even by SIGKILL: git itself by
/// `PR_SET_PDEATHSIG`, its helpers (`git-remote-http`, ssh) by a watcher process in git's
/// process group that holds the read end of a pipe only `git-session` writes to; when that
/// pipe closes (this function returned, or `git-session` died) the watcher kills the group.
fn git(
    dir: &Path,
    op: &'static str,
    config: &[(String, &str)],
    options: &[&str],
    remote: &str,
    rest: &[&str],
) -> Result<GitOutput> {
    check_arg(remote)?;
    let secs = TIMEOUT_SECS.load(Ordering::Relaxed);
    let overall = DEADLINE.lock().ok().and_then(|d| *d);
    if overall.is_some_and(|d| Instant::now() >= d) {
        return Err(RemoteError::TimedOut {
            op,
            remote: redact(remote),
            secs,
        });
    }
    let mut cmd = crate::gitproc::command(dir);
    // As `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>` after any the user set: unlike `-c k=v`,
    // a key holding '=' (a remote name may) is not split.
    let mut count: usize = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    for (key, value) in config {
        cmd.env(format!("GIT_CONFIG_KEY_{count}"), key)
            .env(format!("GIT_CONFIG_VALUE_{count}"), value);
        count += 1;
    }
    if !config.is_empty() {
        cmd.env("GIT_CONFIG_COUNT", count.to_string());
    }
    cmd.arg(op)
        .args(options)
        .arg("--end-of-options")
        .arg(remote)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills the two descriptors; both close on exec.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(RemoteError::RunGit(std::io::Error::last_os_error()));
    }
    let (watch_read, watch_write) = (fds[0], fds[1]);
    // SAFETY: both descriptors were just created and are owned here alone.
    let watch_read_fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(watch_read) };
    let watch_write_fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(watch_write) };
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs between fork and exec and calls only async-signal-safe
    // functions (prctl, getppid, fork, close, read, kill, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                // git-session died before the death signal was armed.
                libc::_exit(1);
            }
            match libc::fork() {
                -1 => return Err(std::io::Error::last_os_error()),
                0 => {
                    // The watcher: in git's process group (set before this closure runs). It
                    // keeps no descriptor but the pipe's read end: not the write end, not git's
                    // output pipes, not the one `spawn` waits on to see the exec.
                    if (watch_read > 0
                        && libc::syscall(
                            libc::SYS_close_range,
                            0u32,
                            (watch_read - 1) as u32,
                            0u32,
                        ) != 0)
                        || libc::syscall(
                            libc::SYS_close_range,
                            (watch_read + 1) as u32,
                            u32::MAX,
                            0u32,
                        ) != 0
                    {
                        for fd in 0..4096 {
                            if fd != watch_read {
                                libc::close(fd);
                            }
                        }
                    }
                    let mut byte = 0u8;
                    loop {
                        let n = libc::read(watch_read, (&raw mut byte).cast(), 1);
                        if n < 0 && *libc::__errno_location() == libc::EINTR {
                            continue;
                        }
                        break;
                    }
                    libc::kill(0, libc::SIGKILL);
                    libc::_exit(0);
                }
                _ => {}
            }
            Ok(())
        });
    }
    let spawned = cmd.spawn();
    drop(watch_read_fd);
    let mut child = spawned.map_err(RemoteError::RunGit)?;
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
    // A bound too large for the clock is no bound.
    let deadline = match (
        Instant::now().checked_add(Duration::from_secs(secs)),
        overall,
    ) {
        (Some(t), Some(d)) => Some(t.min(d)),
        (t, d) => t.or(d),
    };
    let status = wait_until(&mut child, deadline).map_err(RemoteError::RunGit)?;
    let Some(status) = status else {
        stop_group(&mut child, group);
        drop(watch_write_fd);
        CHILD_GROUP.store(0, Ordering::SeqCst);
        return Err(RemoteError::TimedOut {
            op,
            remote: redact(remote),
            secs,
        });
    };
    // git is done: the watcher now kills whatever git left in its group, which also lets the
    // output pipes close.
    drop(watch_write_fd);
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
        // Only git's generic block: its first line is a sentence, its last is half of one.
        .or((!lines.is_empty()).then_some(0))
    else {
        return String::new();
    };
    match lines.get(at + 1) {
        Some(next) if lines[at].ends_with(':') => format!("{} {next}", lines[at]),
        _ => lines[at].to_string(),
    }
}

/// How long `fetch` retries while another process (a sync in another worktree) holds a
/// remote-tracking ref's lock.
const LOCK_RETRY: Duration = Duration::from_secs(5);

/// `git fetch <remote> <refspecs>` (no tags). Another worktree fetching the same journal at the
/// same time holds the remote-tracking ref's lock for a moment: that is retried (bounded); a
/// lock left by a killed process is removed. Returns one line per stale lock removed.
///
/// `refetch`: fetch every object again (`--refetch`), for a journal whose blobs a filtered fetch
/// left out: git believes it has the commit, so a plain fetch would send nothing.
///
/// `prune`: delete the tracking refs of the refspecs' destinations whose remote ref is gone
/// (`--prune`), so that what is tracked is what the remote shows.
pub fn fetch(
    dir: &Path,
    remote: &str,
    refspecs: &[String],
    refetch: bool,
    prune: bool,
) -> Result<Vec<String>> {
    // `--no-filter`: in a partial clone the journal is fetched whole, never with the clone's
    // filter; it is small, and a journal with missing blobs cannot be read or merged.
    //
    // `--refmap=`: only the refspecs given are updated, never what the remote's configured
    // fetch refspecs map them to (a `--mirror` clone maps `refs/*` onto itself).
    let mut options = vec!["--quiet", "--no-tags", "--no-filter", "--refmap="];
    if refetch {
        options.push("--refetch");
    }
    if prune {
        options.push("--prune");
    }
    let specs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
    let started = Instant::now();
    let mut delay = Duration::from_millis(20);
    let mut removed = Vec::new();
    loop {
        let out = git(dir, "fetch", &[], &options, remote, &specs)?;
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
                    remote: redact(remote),
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

/// Push the journal at commit `local` to this clone's own ref on the remote, `clone_ref`
/// (`refs/git-session/clones/<id>`), and to the shared `refs/git-session/sessions`, in one
/// non-atomic `git push` (fast-forwards only): each ref is accepted or rejected on its own, so
/// losing the shared ref to another machine does not undo the clone's own (decision 127).
/// The commit, not `refs/sessions`, so that what is pushed is what was merged, even if a
/// command commits meanwhile (the push runs without the worktree lock).
///
/// Returns what happened to `(clone_ref, refs/git-session/sessions)`.
///
/// `remote_name`: the configured remote, whose `remote.<name>.mirror` (a `git clone --mirror`)
/// is turned off for this push (as `git -c remote.<name>.mirror=false push` would): git refuses a refspec with `--mirror`, and ours names refs.
pub fn push_journal(
    dir: &Path,
    remote: &str,
    remote_name: Option<&str>,
    local: ObjectId,
    clone_ref: &str,
) -> Result<(PushOutcome, PushOutcome)> {
    let own = format!("{local}:{clone_ref}");
    let shared = format!("{local}:{REMOTE_REF}");
    let config: Vec<(String, &str)> = remote_name
        .map(|r| (format!("remote.{r}.mirror"), "false"))
        .into_iter()
        .collect();
    let no_verify: &[&str] = if NO_VERIFY.load(Ordering::Relaxed) {
        &["--porcelain", "--quiet", "--no-verify"]
    } else {
        &["--porcelain", "--quiet"]
    };
    let out = git(dir, "push", &config, no_verify, remote, &[&own, &shared])?;
    Ok((
        push_outcome(&out, clone_ref),
        push_outcome(&out, REMOTE_REF),
    ))
}

/// Whether `remote` shows `name` (`git ls-remote`): asked only when a push was rejected for a
/// ref the fetch did not see, to tell a race from a ref hidden from fetch.
pub fn shows_ref(dir: &Path, remote: &str, name: &str) -> Result<bool> {
    let out = git(dir, "ls-remote", &[], &[], remote, &[name])?;
    if !out.ok {
        return Err(out.failure("ls-remote", remote));
    }
    Ok(out
        .stdout
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(name)))
}

/// What one `git push --porcelain` of the journal did.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Pushed,
    /// The remote moved since we fetched: fetch, merge and push again.
    LostRace,
    /// receive-pack could not update or lock the ref (`[remote rejected] (failed to lock)`):
    /// another push updating it at that moment, or a lock or name that waiting may not fix.
    /// Retried as a race; its summary is shown if the retries run out.
    RemoteLocked(String),
    /// Anything else: the server's or git's reason.
    Refused(String),
    /// The forge's push protection found secrets (`forge` names it): its `remote:` lines, each
    /// without the prefix and with any URL's password removed.
    SecretsRefused {
        forge: &'static str,
        lines: Vec<String>,
    },
}

/// Read `git push --porcelain` (run with `LC_ALL=C`): one status line per ref,
/// `<flag>\t<from>:<to>\t<summary> (<reason>)`, where `!` is a rejection and `[rejected]` with
/// `fetch first`, `non-fast-forward` or `stale info` is a lost race (git-push(1), "OUTPUT"), as
/// is `[remote rejected] (failed to update ref)` from receive-pack's own ref update. `target`:
/// the remote ref whose line is read.
fn push_outcome(out: &GitOutput, target: &str) -> PushOutcome {
    let status = out.stdout.lines().find(|l| {
        l.split('\t')
            .nth(1)
            .and_then(|r| r.rsplit_once(':'))
            .is_some_and(|(_, to)| to == target)
    });
    if let Some(line) = status {
        let mut fields = line.split('\t');
        let flag = fields.next().unwrap_or_default();
        let summary = fields.nth(1).unwrap_or_default();
        if flag != "!" {
            return PushOutcome::Pushed;
        }
        let lost = summary.starts_with("[rejected]")
            && ["fetch first", "non-fast-forward", "stale info"]
                .iter()
                .any(|r| summary.contains(r));
        if lost {
            return PushOutcome::LostRace;
        }
        // The server's own compare-and-swap can lose too: receive-pack then reports that it
        // failed to update (or lock) the ref because it moved after the push was checked —
        // or because its lock is stale, or the name cannot be a file there (a ref one level
        // deeper, a name too long): retried like a race, but never read as a hidden ref.
        if summary.starts_with("[remote rejected]")
            && ["failed to update ref", "failed to lock"]
                .iter()
                .any(|r| summary.contains(r))
        {
            return PushOutcome::RemoteLocked(summary.to_string());
        }
        let remote_lines: Vec<&str> = out
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("remote:"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if let Some(forge) = crate::sync::secrets::forge_protection(&remote_lines) {
            return PushOutcome::SecretsRefused {
                forge,
                lines: remote_lines.iter().map(|l| redact(l)).collect(),
            };
        }
        let reason = if remote_lines.is_empty() {
            summary.to_string()
        } else {
            // A hook can print hundreds of lines; the first few say why.
            let shown = remote_lines.len().min(MAX_REASON_LINES);
            let mut reason = format!("{summary}: {}", remote_lines[..shown].join(" / "));
            if remote_lines.len() > shown {
                let more = remote_lines.len() - shown;
                reason.push_str(&format!(" / … ({more} more lines from the server)"));
            }
            reason
        };
        let reason = explain(&reason);
        return PushOutcome::Refused(reason);
    }
    if out.ok {
        return PushOutcome::Pushed;
    }
    PushOutcome::Refused(explain(&reason_line(&out.stderr)))
}

/// A line of git's to show: any URL's password removed, and, where git wanted to ask for a
/// username or password, what to do instead (git runs without prompts here, decision 60).
fn explain(reason: &str) -> String {
    let mut line = redact(reason);
    if line.contains("terminal prompts disabled") {
        line.push_str(
            " (git-session runs git without prompts: store the credential first, e.g. run git fetch once with a credential helper set: git config --global credential.helper store|cache|<your helper>)",
        );
    }
    line
}

#[cfg(test)]
mod tests {
    fn push_outcome_of(out: &super::GitOutput) -> super::PushOutcome {
        super::push_outcome(out, super::REMOTE_REF)
    }
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
        // An ssh that dies without a word: git's generic block alone.
        assert_eq!(
            reason_line(
                "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n"
            ),
            "fatal: Could not read from remote repository."
        );
        let daemon = "fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n";
        assert_eq!(
            reason_line(daemon),
            "fatal: unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused"
        );
    }

    #[test]
    fn passwords_in_urls_are_removed_and_the_rest_kept() {
        assert_eq!(
            redact("https://alice:s3cr3t@example.com/r.git"),
            "https://alice@example.com/r.git"
        );
        assert_eq!(
            redact("fatal: unable to access 'http://u:p@h:9/r.git/': x; see https://h/x"),
            "fatal: unable to access 'http://u@h:9/r.git/': x; see https://h/x"
        );
        assert_eq!(redact("ssh://git@host/r.git"), "ssh://git@host/r.git");
        assert_eq!(redact("https://a:b:c@h"), "https://a@h");
        assert_eq!(redact("/srv/r.git host:path"), "/srv/r.git host:path");
        // git's own line for git:// shows the decoded password outside any URL.
        remember_password("git://user:pa%40ss@127.0.0.1:1/x");
        assert_eq!(
            redact("fatal: unable to look up user:pa@ss@127.0.0.1:1 (port 9418)"),
            "fatal: unable to look up user:***@127.0.0.1:1 (port 9418)"
        );
        assert_eq!(percent_decode("a%2fb%zz%4"), "a/b%zz%4");
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
            push_outcome_of(&output(true, &line("*", "[new reference]"), "")),
            PushOutcome::Pushed
        );
        assert_eq!(
            push_outcome_of(&output(true, &line(" ", "1111111..2222222"), "")),
            PushOutcome::Pushed
        );
        assert_eq!(
            push_outcome_of(&output(false, &line("!", "[rejected] (fetch first)"), "")),
            PushOutcome::LostRace
        );
        assert_eq!(
            push_outcome_of(&output(
                false,
                &line("!", "[rejected] (non-fast-forward)"),
                ""
            )),
            PushOutcome::LostRace
        );
        assert_eq!(
            push_outcome_of(&output(
                false,
                &line("!", "[remote rejected] (failed to update ref)"),
                ""
            )),
            PushOutcome::RemoteLocked("[remote rejected] (failed to update ref)".into())
        );
        assert_eq!(
            push_outcome_of(&output(
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
            push_outcome_of(&output(
                false,
                "",
                "fatal: Could not read from remote repository.\n"
            )),
            PushOutcome::Refused("fatal: Could not read from remote repository.".into())
        );
    }
}
