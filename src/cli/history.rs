//! `git session history`: the commits of refs/sessions that touched a session, newest first.

use crate::cli::Context;
use crate::cli::output::{Style, columns};
use crate::error::Result;
use crate::layout::SessionDir;
use crate::store::CommitInfo;
use crate::workspace::{SessionEntry, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session (default: this worktree's current session).
    id: Option<String>,
}

/// The commits that touched `s`, newest first.
pub fn session_history(ws: &Workspace, s: &SessionEntry) -> Result<Vec<CommitInfo>> {
    let Some(tip) = ws.journal_tip()? else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<String> = SessionDir::ALL
        .iter()
        .map(|d| s.in_dir(*d).render())
        .collect();
    paths.push(crate::layout::journal_dir(&s.short));
    // Commits from before the journal moved to its fanout directory (decision 50).
    paths.push(crate::layout::flat_journal_dir(&s.short));
    Ok(ws.store().history(tip, &paths, 1_000_000)?)
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(false)?;
    let target = ws.target(a.id.as_deref())?;
    let list = session_history(&ws, &target)?;
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&list);
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                p.paint(&format!("{i:>3}"), Style::Dim),
                p.paint(&c.commit[..10], Style::Yellow),
                c.at.get(..16).unwrap_or(&c.at).replace('T', " "),
                c.command.clone().unwrap_or_else(|| "-".into()),
                c.summary.clone(),
            ]
        })
        .collect();
    for line in columns(&rows) {
        p.out(&line);
    }
    Ok(0)
}
