//! `git session list`: one line per session.

use serde::Serialize;

use crate::cli::Context;
use crate::cli::output::{Style, columns};
use crate::error::Result;
use crate::model::session::Status;

#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Active, paused and archived sessions.
    #[arg(long, conflicts_with = "archived")]
    all: bool,
    /// Only archived (completed or abandoned) sessions.
    #[arg(long)]
    archived: bool,
}

/// One row of `list --json`.
#[derive(Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub short_id: String,
    pub shortname: String,
    pub title: String,
    pub status: Status,
    pub steps_done: usize,
    pub steps_total: usize,
    pub updated_at: String,
    pub git_branch: Option<String>,
    pub current: bool,
    pub path: String,
    #[serde(skip)]
    updated: Option<crate::model::time::Stamp>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(true)?;
    let current = ws.current_id()?;
    let mut rows = Vec::new();
    // Archived sessions are listed from the listing index (decision 53); a session it does not
    // describe as the tree holds it is read from its file.
    let index = if a.all || a.archived {
        let store = ws.store();
        // The journal shown: in a read-only bare repository the newest one held, which may be
        // ahead of refs/sessions (decision 71), and the sessions listed are its.
        match ws.journal_tip()? {
            Some(tip) => Some(crate::listing::ArchivedIndex::load(
                &store,
                store.tree_of(tip)?,
            )?),
            None => None,
        }
    } else {
        None
    };
    for s in ws.sessions_in(a.all || !a.archived, a.all || a.archived)? {
        let wanted = if a.all {
            true
        } else if a.archived {
            s.archived()
        } else {
            !s.archived()
        };
        if !wanted {
            continue;
        }
        if s.archived()
            && let Some(line) = index.as_ref().and_then(|i| i.line(&s))
        {
            rows.push(Row {
                current: current.as_deref() == Some(line.id.as_str()),
                id: line.id.clone(),
                short_id: s.short.clone(),
                shortname: s.shortname.clone(),
                title: line.title.clone(),
                status: line.status,
                steps_done: line.steps_done,
                steps_total: line.steps_total,
                updated_at: line.updated_at.clone(),
                git_branch: line.git_branch.clone(),
                path: format!(".sessions/{s}"),
                updated: crate::model::time::parse_rfc3339(&line.updated_at),
            });
            continue;
        }
        let file = match ws.load(&s) {
            Ok(f) => f,
            Err(e) => {
                ctx.printer.warn(&e.to_string());
                continue;
            }
        };
        let updated = file.meta.updated();
        let v = file.view();
        let (done, total) = v.step_counts();
        rows.push(Row {
            current: current.as_deref() == Some(v.id.as_str()),
            id: v.id,
            short_id: s.short.clone(),
            shortname: v.shortname,
            title: v.title,
            status: v.status,
            steps_done: done,
            steps_total: total,
            updated_at: v.updated_at,
            git_branch: v.git_branch,
            path: format!(".sessions/{s}"),
            updated,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.updated));
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&rows);
        return Ok(0);
    }
    if rows.is_empty() {
        p.note("No sessions. Start one with: git session init --goal \"...\"");
        return Ok(0);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let status = match r.status {
                Status::Active => p.paint("active", Style::Green),
                Status::Paused => p.paint("paused", Style::Yellow),
                Status::Completed => p.paint("completed", Style::Cyan),
                Status::Abandoned => p.paint("abandoned", Style::Red),
            };
            vec![
                if r.current { "*".into() } else { " ".into() },
                p.paint(&r.shortname, Style::Bold),
                r.short_id.clone(),
                status,
                format!("{}/{}", r.steps_done, r.steps_total),
                r.updated_at
                    .get(..16)
                    .unwrap_or(&r.updated_at)
                    .replace('T', " "),
                r.git_branch.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    // One write for the table: a write per line was 5 % of `list --all` at 10,000 sessions.
    p.out(&columns(&table).join("\n"));
    Ok(0)
}

impl Args {
    /// What `resume --list` shows: resumable sessions, archived ones too with `--reopen`.
    pub fn for_resume(reopen: bool) -> Self {
        Args {
            all: reopen,
            archived: false,
        }
    }
}
