//! `git session checkpoint`: where the code is now, fresh status lines and progress.md.

use crate::cli::Context;
use crate::error::Result;
use crate::model::text;
use crate::store::JournalCommand;
use crate::workspace::SessionEdit;

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
    let (target, _) = ws.change_session(
        &lock,
        JournalCommand::Checkpoint,
        a.session.as_deref(),
        |file, now| {
            Ok(SessionEdit {
                file: ws.checkpoint_file(file, a.summary.as_deref(), now)?,
                kind: "checkpoint".into(),
                body: a
                    .note
                    .as_deref()
                    .map(text::clean)
                    .unwrap_or_else(|| "Checkpoint".into()),
                summary: a
                    .note
                    .as_deref()
                    .map(text::one_line)
                    .unwrap_or_else(|| "checkpoint".into()),
            })
        },
    )?;
    ctx.flush_warnings(&ws);
    ctx.printer
        .note(&format!("Checkpointed {}", target.shortname));
    Ok(0)
}
