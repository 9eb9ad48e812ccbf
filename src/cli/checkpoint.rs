//! `git session checkpoint`: where the code is now, fresh status lines and progress.md.

use crate::cli::Context;
use crate::error::Result;
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
    #[command(flatten)]
    session: crate::cli::SessionArg,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let (ws, lock) = ctx.workspace_for_write()?;
    let (target, _) = ws.change_session(
        &lock,
        JournalCommand::Checkpoint,
        a.session.session.as_deref(),
        |file, now| {
            let file = ws.checkpoint_file(file, a.summary.as_deref(), now)?;
            Ok(SessionEdit::with_note(
                file,
                "checkpoint",
                a.note.as_deref(),
                "Checkpoint",
            ))
        },
    )?;
    ctx.flush_warnings(&ws);
    ctx.printer.committed(
        &format!("Checkpointed {}", target.shortname),
        &serde_json::json!({
            "command": "checkpoint",
            "session": target.shortname,
            "short": target.short,
            "path": format!(".sessions/{}", target.render()),
        }),
    );
    Ok(0)
}
