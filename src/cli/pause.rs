//! `git session pause`: checkpoint, status paused, no current session in this worktree.

use crate::cli::Context;
use crate::error::Result;
use crate::model::session::Status;
use crate::model::text;
use crate::store::JournalCommand;
use crate::workspace::SessionEdit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Why, or where things stand.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    note: Option<String>,
    /// The session (default: this worktree's current session).
    #[arg(short, long, value_name = "NAME")]
    session: Option<String>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace()?;
    ws.author()?;
    let lock = ws.lock()?;
    let (target, file) = ws.change_session(
        &lock,
        JournalCommand::Pause,
        a.session.as_deref(),
        |file, now| {
            let file = file.set_status(Status::Paused, now)?;
            Ok(SessionEdit {
                file: ws.checkpoint_file(file, None, now)?,
                kind: "pause".into(),
                body: a
                    .note
                    .as_deref()
                    .map(text::clean)
                    .unwrap_or_else(|| "Paused".into()),
                summary: a
                    .note
                    .as_deref()
                    .map(text::one_line)
                    .unwrap_or_else(|| "paused".into()),
            })
        },
    )?;
    let paused = (file.meta.id.clone(), target.shortname.clone());
    if ws.current_id()?.as_deref() == Some(paused.0.as_str()) {
        ws.set_current(None)?;
    }
    ctx.flush_warnings(&ws);
    ctx.printer.note(&format!(
        "Paused {} (resume with: git session resume {})",
        paused.1, paused.1
    ));
    Ok(0)
}
