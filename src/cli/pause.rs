//! `git session pause`: checkpoint, status paused, no current session in this worktree.

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::model::session::Status;
use crate::store::JournalCommand;
use crate::workspace::SessionEdit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Why, or where things stand.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    note: Option<String>,
    #[command(flatten)]
    session: crate::cli::SessionArg,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let (ws, lock) = ctx.workspace_for_write()?;
    // Pausing a paused session, with nothing to note, changes nothing: no commit, and said so
    // (as `git switch` to the branch already checked out). With `--note` it records the note.
    if a.note.is_none() {
        let target = ws.target(a.session.session.as_deref())?;
        let file = ws.load(&target)?;
        if file.meta.status == Status::Paused {
            ctx.flush_warnings(&ws);
            ctx.printer.committed(
                &format!(
                    "{} is already paused; nothing changed (resume with: git session resume {})",
                    target.shortname, target.shortname
                ),
                &serde_json::json!({
                    "command": "pause",
                    "id": file.meta.id,
                    "session": target.shortname,
                    "short": target.short,
                    "status": "paused",
                    "changed": false,
                }),
            );
            return Ok(0);
        }
    }
    let (target, file) = ws.change_session(
        &lock,
        JournalCommand::Pause,
        a.session.session.as_deref(),
        |file, now| {
            if file.meta.status.is_archived() {
                return Err(Error::AlreadyClosed {
                    name: file.meta.shortname.clone(),
                    status: file.meta.status.as_str(),
                });
            }
            let file = ws.checkpoint_file(file.set_status(Status::Paused, now)?, None, now)?;
            Ok(SessionEdit::with_note(
                file,
                "pause",
                a.note.as_deref(),
                "Paused",
            ))
        },
    )?;
    let paused = (file.meta.id.clone(), target.shortname.clone());
    if ws.current_id()?.as_deref() == Some(paused.0.as_str()) {
        ws.set_current(None)?;
    }
    ctx.flush_warnings(&ws);
    ctx.printer.committed(
        &format!(
            "Paused {} (resume with: git session resume {})",
            paused.1, paused.1
        ),
        &serde_json::json!({
            "command": "pause",
            "id": paused.0,
            "session": paused.1,
            "short": target.short,
            "status": "paused",
            "changed": true,
        }),
    );
    Ok(0)
}
