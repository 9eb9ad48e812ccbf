//! `sync`: fetch a remote's `refs/sessions`, merge, push — over plain git.
//!
//! Fetch and push run `git` itself: every transport and credential helper a user has set up
//! for git works, and gix has no push. Merging is `integrate`'s, on local objects only.

use std::path::Path;
use std::process::Command;

use gix::ObjectId;

use crate::error::Result;
use crate::integrate::Integrated;
use crate::store::{REMOTE_REF, SESSIONS_REF};
use crate::workspace::{Workspace, WorktreeLock};

/// What can go wrong talking to a remote.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no remote to sync with; add one with: git remote add origin <url>")]
    NoRemote,
    /// Several remotes and no rule picks one (a usage error: name one).
    #[error("several remotes and none is origin; name one: git session sync <{}>", .0.join("|"))]
    SeveralRemotes(Vec<String>),
    #[error("cannot run git")]
    RunGit(#[source] std::io::Error),
    /// `git <op> <remote>` failed; `reason` is git's own line.
    #[error("git {op} {remote}: {reason}")]
    Git {
        op: &'static str,
        remote: String,
        reason: String,
    },
    /// The push was refused for a reason other than a lost race.
    #[error("git push {remote}: {reason}; the journal is merged locally and nothing was lost")]
    PushRefused { remote: String, reason: String },
    #[error(
        "{remote} kept moving: push rejected {attempts} times; the journal is merged locally and nothing was lost; run git session sync again"
    )]
    KeptMoving { remote: String, attempts: usize },
}

/// How many times a rejected push is retried after fetching and merging again.
pub const PUSH_ATTEMPTS: usize = 5;

/// The remote git would pick: the branch's upstream remote, else `origin`, else the only one.
pub fn default_remote(ws: &Workspace) -> Result<String> {
    let store = ws.store();
    let remotes = store.remote_names();
    let upstream = store
        .head()
        .0
        .and_then(|branch| store.config_string(&format!("branch.{branch}.remote")));
    if let Some(u) = upstream.filter(|u| remotes.contains(u)) {
        return Ok(u);
    }
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    match remotes.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(SyncError::NoRemote.into()),
        many => Err(SyncError::SeveralRemotes(many.to_vec()).into()),
    }
}

/// What a git process said: success, stdout, stderr.
struct GitOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl GitOutput {
    /// `git <op> <remote>` failed: git's last line says why.
    fn failure(&self, op: &'static str, remote: &str) -> SyncError {
        SyncError::Git {
            op,
            remote: remote.into(),
            reason: last_line(&self.stderr),
        }
    }
}

/// Run git in `dir` without prompts and in the C locale, so that its output can be read.
fn git(dir: &Path, args: &[&str]) -> Result<GitOutput, SyncError> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .output()
        .map_err(SyncError::RunGit)?;
    Ok(GitOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn last_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Fetch `remote`'s journal into `refs/remotes/<remote>/sessions`; `None` when it has none.
/// A remote that is itself a working repository has its own `refs/sessions` (authoritative
/// there, and it merges what others pushed on its next command) as well as what was pushed to
/// it: both are fetched, the pushed one into `refs/remotes/<remote>/sessions-pushed`.
pub fn fetch(ws: &Workspace, remote: &str) -> Result<Vec<ObjectId>> {
    let out = git(
        ws.worktree(),
        &["ls-remote", remote, SESSIONS_REF, REMOTE_REF],
    )?;
    if !out.ok {
        return Err(out.failure("ls-remote", remote).into());
    }
    let listed = out.stdout;
    let has = |r: &str| {
        listed
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some(r))
    };
    let mut specs = Vec::new();
    let mut tracking = Vec::new();
    match (has(SESSIONS_REF), has(REMOTE_REF)) {
        (true, true) => {
            specs.push(format!("+{SESSIONS_REF}:refs/remotes/{remote}/sessions"));
            specs.push(format!(
                "+{REMOTE_REF}:refs/remotes/{remote}/sessions-pushed"
            ));
            tracking.push(format!("refs/remotes/{remote}/sessions"));
            tracking.push(format!("refs/remotes/{remote}/sessions-pushed"));
        }
        (true, false) => {
            specs.push(format!("+{SESSIONS_REF}:refs/remotes/{remote}/sessions"));
            tracking.push(format!("refs/remotes/{remote}/sessions"));
        }
        (false, true) => {
            specs.push(format!("+{REMOTE_REF}:refs/remotes/{remote}/sessions"));
            tracking.push(format!("refs/remotes/{remote}/sessions"));
        }
        (false, false) => return Ok(Vec::new()),
    }
    let mut args = vec!["fetch", "--quiet", "--no-tags", remote];
    args.extend(specs.iter().map(String::as_str));
    let out = git(ws.worktree(), &args)?;
    if !out.ok {
        return Err(out.failure("fetch", remote).into());
    }
    let mut tips = Vec::new();
    for t in tracking {
        if let Some(id) = ws.store().tip_of(&t)? {
            tips.push(id);
        }
    }
    Ok(tips)
}

/// What a sync did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub remote: String,
    pub fetched: bool,
    pub merge: String,
    pub conflicts: Vec<String>,
    pub pushed: bool,
    pub push_attempts: usize,
}

/// Fetch, merge, and (unless `no_push`) push, retrying a rejected push.
pub fn sync(ws: &Workspace, lock: &WorktreeLock, remote: &str, no_push: bool) -> Result<Report> {
    let mut report = Report {
        remote: remote.into(),
        ..Report::default()
    };
    for attempt in 1..=PUSH_ATTEMPTS {
        let tips = fetch(ws, remote)?;
        if tips.is_empty() && report.merge.is_empty() {
            report.merge = "the remote has no journal yet".into();
        }
        for theirs in tips {
            report.fetched = true;
            let outcome = ws.integrate(lock, theirs, remote)?;
            ws.mirror().set_merged_remote(remote, theirs)?;
            match outcome {
                Integrated::UpToDate => {
                    if report.merge.is_empty() {
                        report.merge = "up to date".into();
                    }
                }
                Integrated::Adopted(_) => report.merge = "adopted the remote journal".into(),
                Integrated::FastForward(_) => report.merge = "fast-forwarded".into(),
                Integrated::Merged { conflicts, .. } => {
                    report.merge = "merged".into();
                    report.conflicts.extend(conflicts);
                }
            }
        }
        let Some(local) = ws.store().tip()? else {
            return Ok(report);
        };
        if no_push {
            return Ok(report);
        }
        report.push_attempts = attempt;
        let refspec = format!("{SESSIONS_REF}:{REMOTE_REF}");
        let out = git(
            ws.worktree(),
            &["push", "--porcelain", "--quiet", remote, &refspec],
        )?;
        match push_outcome(&out) {
            PushOutcome::Pushed => {
                let tracking = format!("refs/remotes/{remote}/sessions");
                let old = ws.store().tip_of(&tracking)?;
                if old != Some(local) {
                    let _ = ws.store().cas_ref(&tracking, old, local, "sync: pushed");
                }
                ws.mirror().set_merged_remote(remote, local)?;
                report.pushed = true;
                return Ok(report);
            }
            PushOutcome::LostRace => continue,
            PushOutcome::Refused(reason) => {
                return Err(SyncError::PushRefused {
                    remote: remote.into(),
                    reason,
                }
                .into());
            }
        }
    }
    Err(SyncError::KeptMoving {
        remote: remote.into(),
        attempts: PUSH_ATTEMPTS,
    }
    .into())
}

/// What one `git push --porcelain` of the journal did.
#[derive(Debug, PartialEq, Eq)]
enum PushOutcome {
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
    PushOutcome::Refused(last_line(&out.stderr))
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
