//! `sync`: fetch a remote's `refs/sessions`, merge, push — over plain git.
//!
//! Fetch and push run `git` itself: every transport and credential helper a user has set up
//! for git works, and gix has no push. Merging is ours (`tree`), on local objects only.

pub mod tree;

use std::path::Path;
use std::process::Command;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::store::SESSIONS_REF;
use crate::workspace::{Integrated, Workspace, WorktreeLock};

/// Where the journal lives on a remote. git's receive-pack refuses to update one-level refs
/// such as `refs/sessions` ("funny refname"), so remotes keep it two levels deep.
pub const REMOTE_REF: &str = "refs/git-session/sessions";

/// How many times a rejected push is retried after fetching and merging again.
pub const PUSH_ATTEMPTS: usize = 5;

/// The remote git would pick: the branch's upstream remote, else `origin`, else the only one.
pub fn default_remote(ws: &Workspace) -> Result<String> {
    let remotes: Vec<String> = ws
        .repo()
        .remote_names()
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    let upstream = ws.repo().head_name().ok().flatten().and_then(|n| {
        ws.repo()
            .config_snapshot()
            .string(format!("branch.{}.remote", n.shorten()).as_str())
            .map(|v| v.to_string())
    });
    if let Some(u) = upstream.filter(|u| remotes.contains(u)) {
        return Ok(u);
    }
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    match remotes.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(Error::Other(
            "no remote to sync with; add one with: git remote add origin <url>".into(),
        )),
        many => Err(Error::Usage(format!(
            "several remotes and none is origin; name one: git session sync <{}>",
            many.join("|")
        ))),
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<(bool, String)> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| Error::Other(format!("cannot run git: {e}")))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
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
    let out = Command::new("git")
        .current_dir(ws.worktree())
        .args(["ls-remote", remote, SESSIONS_REF, REMOTE_REF])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| Error::Other(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Other(format!(
            "git ls-remote {remote}: {}",
            last_line(&String::from_utf8_lossy(&out.stderr))
        )));
    }
    let listed = String::from_utf8_lossy(&out.stdout);
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
    let (ok, err) = git(ws.worktree(), &args)?;
    if !ok {
        return Err(Error::Other(format!(
            "git fetch {remote}: {}",
            last_line(&err)
        )));
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
        let (ok, err) = git(
            ws.worktree(),
            &[
                "push",
                "--quiet",
                remote,
                &format!("{SESSIONS_REF}:{REMOTE_REF}"),
            ],
        )?;
        if ok {
            let tracking = format!("refs/remotes/{remote}/sessions");
            let old = ws.store().tip_of(&tracking)?;
            if old != Some(local) {
                let _ = ws.store().cas_ref(&tracking, old, local, "sync: pushed");
            }
            ws.mirror().set_merged_remote(remote, local)?;
            report.pushed = true;
            return Ok(report);
        }
        let rejected = ["rejected", "non-fast-forward", "fetch first", "stale info"]
            .iter()
            .any(|w| err.contains(w));
        if !rejected {
            return Err(Error::Other(format!(
                "git push {remote}: {}; the journal is merged locally and nothing was lost",
                last_line(&err)
            )));
        }
    }
    Err(Error::Other(format!(
        "{remote} kept moving: push rejected {PUSH_ATTEMPTS} times; the journal is merged locally and nothing was lost; run git session sync again"
    )))
}
