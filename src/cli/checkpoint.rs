//! `git session checkpoint`: where the code is now, fresh status lines and progress.md.

use crate::cli::Context;
use crate::error::Result;
use crate::model::{text, time};
use crate::workspace::Planned;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A note for the journal entry and commit message.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    note: Option<String>,
    /// Replace the TL;DR paragraph.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    summary: Option<String>,
    /// The session (default: this worktree's current session).
    #[arg(short, long, value_name = "NAME")]
    session: Option<String>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace()?;
    ws.author()?;
    let lock = ws.lock()?;
    let mut name = String::new();
    ws.commit(&lock, "checkpoint", |tree| {
        let target = ws.target(a.session.as_deref())?;
        let file = ws.load(&target)?;
        let now = time::now();
        let file = ws.checkpoint_file(file, a.summary.as_deref(), now)?;
        let summary = a
            .note
            .as_deref()
            .map(text::one_line)
            .unwrap_or_else(|| "checkpoint".into());
        let body = a
            .note
            .as_deref()
            .map(text::clean)
            .unwrap_or_else(|| "Checkpoint".into());
        let changes = ws.session_changes(tree, &target.path, &file, "checkpoint", body, now)?;
        name = target.shortname.clone();
        Ok(Planned {
            changes,
            shortname: target.shortname.clone(),
            summary,
            touched: vec![target.short.clone()],
        })
    })?;
    ctx.flush_warnings(&ws);
    ctx.printer.note(&format!("Checkpointed {name}"));
    Ok(0)
}
