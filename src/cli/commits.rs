//! `git session commits [ID]` and `git session show <commit>`: a session's code commits, and
//! the session a code commit belongs to.

use serde::Serialize;

use crate::cli::Context;
use crate::cli::output::{Style, columns};
use crate::code::{self, CommitRecord, FoundBy, ShownEntry};
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct CommitsArgs {
    /// The session (default: this worktree's current session).
    id: Option<String>,
}

#[derive(Debug, Serialize)]
struct CommitsDoc {
    session: String,
    commits: Vec<CommitRecord>,
}

pub fn commits(ctx: &Context, a: CommitsArgs) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(false)?;
    let target = ws.target(a.id.as_deref())?;
    let list = code::session_commits(&ws, &target)?;
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&CommitsDoc {
            session: target.label(),
            commits: list,
        });
        return Ok(0);
    }
    if list.is_empty() {
        p.note(&format!(
            "No commits recorded for {} (git session install --git-hooks records them).",
            target.label()
        ));
        return Ok(0);
    }
    // A commit replaced by `git commit --amend` is shown as its amend only (--json keeps both,
    // with `amends`/`amended_by`; decision 119).
    let rows: Vec<Vec<String>> = list
        .iter()
        .filter(|c| c.amended_by.is_none())
        .map(|c| {
            vec![
                p.paint(&c.commit[..c.commit.len().min(10)], Style::Yellow),
                c.at.get(..16).unwrap_or(&c.at).replace('T', " "),
                c.subject.clone(),
            ]
        })
        .collect();
    for line in columns(&rows) {
        p.out(&line);
    }
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The commit (any commit-ish: HEAD, a sha, a branch).
    commit: String,
}

#[derive(Debug, Serialize)]
struct ShowDoc {
    commit: String,
    subject: String,
    session: String,
    found_by: FoundBy,
    /// The time entries are shown up to (RFC 3339).
    until: String,
    entries: Vec<ShownEntry>,
}

pub fn show(ctx: &Context, a: ShowArgs) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    let c = code::read_commit(ws.worktree(), &a.commit)?;
    ws.catch_up_for_read(false)?;
    let Some((session, found_by, record)) = code::session_of(&ws, &c)? else {
        let short = c.commit[..c.commit.len().min(10)].to_string();
        return Err(match c.trailers.first() {
            Some(t) => Error::UnknownTrailerSession(short, crate::model::ids::printable(t)),
            None => Error::NoSessionForCommit(short),
        });
    };
    // The time the journal recorded the commit (before any rebase moved its committer time),
    // else the commit's own.
    let until = record
        .as_ref()
        .and_then(|r| crate::model::time::parse_rfc3339(&r.at))
        .map(|t| t.timestamp())
        .unwrap_or(c.time);
    let entries = code::entries_until(&ws, &session, until)?;
    ctx.flush_warnings(&ws);
    let until_text = chrono::DateTime::from_timestamp(until, 0)
        .map(crate::model::time::rfc3339)
        .unwrap_or_default();
    let p = &ctx.printer;
    if p.json {
        p.json(&ShowDoc {
            commit: c.commit,
            subject: c.subject,
            session: session.label(),
            found_by,
            until: until_text,
            entries,
        });
        return Ok(0);
    }
    let how = match found_by {
        FoundBy::Trailer => "its Session: trailer",
        FoundBy::Commit => "the journal's record of it",
        FoundBy::PatchId => "the journal's record of the same change (patch id)",
    };
    let head = vec![
        vec![
            "commit".to_string(),
            format!(
                "{}  {}",
                p.paint(&c.commit[..c.commit.len().min(10)], Style::Yellow),
                c.subject
            ),
        ],
        vec![
            "session".to_string(),
            format!("{}  (from {how})", p.paint(&session.label(), Style::Bold)),
        ],
    ];
    for line in columns(&head) {
        p.out(&line);
    }
    if entries.is_empty() {
        p.out("\nNo decisions, discoveries or progress logged before this commit.");
        return Ok(0);
    }
    p.out("");
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                p.paint(&e.kind, Style::Cyan),
                e.text.clone(),
            ]
        })
        .collect();
    for line in columns(&rows) {
        p.out(&line);
    }
    Ok(0)
}
