//! `git session resume`: make a session current and active, and print everything needed to go on.

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::layout::SessionDir;
use crate::model::session::Status;
use crate::model::time;
use crate::restore;
use crate::store::JournalCommand;
use crate::workspace::{Planned, SessionEntry, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Session id, id prefix, short id or shortname (default: current, else most recently updated).
    id: Option<String>,
    /// List the sessions that can be resumed.
    #[arg(long)]
    list: bool,
    /// Resume a completed or abandoned session (moves it back to active/).
    #[arg(long)]
    reopen: bool,
}

/// The most recently updated active or paused session.
pub fn most_recent(ws: &Workspace) -> Result<Option<SessionEntry>> {
    // Times compare as times (a hand-written `+02:00` offset included); one that does not parse
    // orders before every real time.
    let mut best: Option<(Option<time::Stamp>, SessionEntry)> = None;
    for s in ws.sessions_in(true, false)? {
        let Ok(f) = ws.load(&s) else { continue };
        if f.meta.status.is_archived() {
            continue;
        }
        let at = f.meta.updated();
        if best.as_ref().is_none_or(|(best_at, _)| at > *best_at) {
            best = Some((at, s));
        }
    }
    Ok(best.map(|(_, s)| s))
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    if a.list {
        let args = crate::cli::list::Args::for_resume(a.reopen);
        return crate::cli::list::run(ctx, args);
    }
    let (ws, lock) = ctx.workspace_for_write()?;
    ws.refresh(&lock)?;
    let target = match &a.id {
        Some(name) => ws.resolve(name)?,
        None => match ws.current() {
            Ok(s) => s,
            Err(Error::NoCurrentSession) => most_recent(&ws)?.ok_or(Error::NothingToResume)?,
            Err(e) => return Err(e),
        },
    };
    let short = target.short.clone();
    // The agent session that asked (its own id), bound below and recorded on the session.
    let claude = crate::hooks::claude::asking(&ws);
    let mut id = String::new();
    ws.commit(&lock, JournalCommand::Resume, |tree| {
        let s = ws
            .by_short(&short)?
            .ok_or_else(|| Error::UnknownSession(short.clone()))?;
        let file = ws.load(&s)?;
        let now = time::now();
        let archived = file.meta.status.is_archived() || s.archived();
        if archived && !a.reopen {
            return Err(Error::NeedsReopen {
                name: s.shortname.clone(),
                status: file.meta.status.as_str(),
            });
        }
        let was = file.meta.status;
        let mut file = file;
        if was != Status::Active {
            // The TL;DR Status line names the status, so it follows.
            file = file
                .set_status(Status::Active, now)?
                .refresh_status_lines()?;
        }
        if let Some((agent, id)) = &claude {
            file = file.record_agent_session(*agent, id)?;
        }
        let file = file.touch(now)?;
        let path = s.in_dir(SessionDir::Active);
        let (kind, body) = if archived {
            ("resume", format!("Reopened (was {})", was.as_str()))
        } else {
            ("resume", format!("Resumed (was {})", was.as_str()))
        };
        let mut changes = ws.session_changes(tree, &path, &file, kind, body.clone(), now)?;
        if s != path {
            changes.insert(s.render(), None);
        }
        id = file.meta.id.clone();
        Ok(Planned {
            changes,
            shortname: s.shortname.clone(),
            summary: body.to_lowercase(),
            touched: vec![s.short.clone()],
        })
    })?;
    ws.set_current(Some(&id))?;
    if let Some((_, cid)) = &claude {
        crate::hooks::claude::bind(ws.state_dir(), cid, &id)?;
    }
    drop(lock);
    let entry = ws
        .by_short(&short)?
        .ok_or_else(|| Error::UnknownSession(short.clone()))?;
    let file = ws.load(&entry)?;
    let r = restore::build(&ws, &entry, &file)?;
    ctx.flush_warnings(&ws);
    if ctx.printer.json {
        ctx.printer.json(&r);
    } else {
        ctx.printer.out(restore::render(&r, None).trim_end());
    }
    Ok(0)
}
