//! `git session pause`: checkpoint, status paused, no current session in this worktree.

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::layout::SessionPath;
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
    // What either way ends with: this worktree's current pointer cleared if it names the
    // session, then one line (or one document) saying what happened.
    let answer = |target: &SessionPath, id: &str, changed: bool| -> Result<i32> {
        if ws.current_id()?.as_deref() == Some(id) {
            ws.set_current(None)?;
        }
        ctx.flush_warnings(&ws);
        let name = &target.shortname;
        let text = if changed {
            format!("Paused {name} (resume with: git session resume {name})")
        } else {
            format!(
                "{name} is already paused; nothing changed (resume with: git session resume {name})"
            )
        };
        ctx.printer.committed(
            &text,
            &serde_json::json!({
                "command": "pause",
                "id": id,
                "session": name,
                "short": target.short,
                "status": "paused",
                "changed": changed,
            }),
        );
        Ok(0)
    };
    // Pausing a paused session, with nothing to note, changes nothing: no commit, and said so
    // (as `git switch` to the branch already checked out). With `--note` it records the note.
    if a.note.is_none() {
        let target = ws.target(a.session.session.as_deref())?;
        let file = ws.load(&target)?;
        if file.meta.status == Status::Paused {
            return answer(&target, &file.meta.id, false);
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
    answer(&target, &file.meta.id, true)
}
