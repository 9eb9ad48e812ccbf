//! `git session list`: one line per session.

use std::borrow::Cow;

use serde::Serialize;

use crate::cli::Context;
use crate::cli::output::{Printer, Style, visible_len};
use crate::error::Result;
use crate::layout::SessionPath;
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

/// One row of `list --json`, borrowed from the listing index or the mirror's file names where it
/// can be: copying every field of 10,000 rows was a visible share of `list --all`.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub id: Cow<'a, str>,
    pub short_id: &'a str,
    pub shortname: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub status: Status,
    pub steps_done: usize,
    pub steps_total: usize,
    pub updated_at: Cow<'a, str>,
    pub git_branch: Option<Cow<'a, str>>,
    pub current: bool,
    /// `.sessions/<dir>/<file>`, formatted only when serialised.
    #[serde(serialize_with = "mirror_path")]
    pub path: &'a SessionPath,
    #[serde(skip)]
    updated: Option<crate::model::time::Stamp>,
}

fn mirror_path<S: serde::Serializer>(
    s: &&SessionPath,
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    ser.collect_str(&format_args!(".sessions/{s}"))
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(true)?;
    let current = ws.current_id()?;
    let mut rows = Vec::new();
    // Archived sessions are listed from the listing index (decision 53); a session it does not
    // describe as the tree holds it is read from its file.
    let texts = if a.all || a.archived {
        let store = ws.store();
        // The journal shown: in a read-only bare repository the newest one held, which may be
        // ahead of refs/sessions (decision 71), and the sessions listed are its.
        match ws.journal_tip()? {
            Some(tip) => Some(crate::listing::IndexTexts::load(
                &store,
                store.tree_of(tip)?,
            )?),
            None => None,
        }
    } else {
        None
    };
    let index = texts.as_ref().map(|t| t.index());
    let sessions = ws.sessions_in(a.all || !a.archived, a.all || a.archived)?;
    rows.reserve(sessions.len());
    let mut name = String::new();
    for s in &sessions {
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
            && let Some(line) = index.as_ref().and_then(|i| i.line(s, &mut name))
        {
            rows.push(Row {
                current: current.as_deref() == Some(line.id),
                id: Cow::Borrowed(line.id),
                short_id: &s.short,
                shortname: Cow::Borrowed(&s.shortname),
                title: Cow::Borrowed(line.title),
                status: line.status,
                steps_done: line.steps_done,
                steps_total: line.steps_total,
                updated_at: Cow::Borrowed(line.updated_at),
                git_branch: line.git_branch.map(Cow::Borrowed),
                path: s,
                updated: crate::model::time::parse_rfc3339(line.updated_at),
            });
            continue;
        }
        let file = match ws.load(s) {
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
            id: Cow::Owned(v.id),
            short_id: &s.short,
            shortname: Cow::Owned(v.shortname),
            title: Cow::Owned(v.title),
            status: v.status,
            steps_done: done,
            steps_total: total,
            updated_at: Cow::Owned(v.updated_at),
            git_branch: v.git_branch.map(Cow::Owned),
            path: s,
            updated,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.updated));
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&rows);
    } else if rows.is_empty() {
        p.note("No sessions. Start one with: git session init --goal \"...\"");
    } else {
        // One write for the table: a write per line was 5 % of `list --all` at 10,000 sessions.
        p.out(&table(p, &rows));
    }
    // The process ends after this command: freeing 10,000 rows and the index cost 6 % of
    // `list --all`, for nothing.
    std::mem::forget(rows);
    std::mem::forget(index);
    std::mem::forget(texts);
    std::mem::forget(sessions);
    Ok(0)
}

/// The cells of a row as `columns` lays them out: current, shortname, short id, status, steps,
/// updated, branch.
const CELLS: usize = 7;

fn status_cell(p: &Printer, s: Status) -> Cow<'static, str> {
    let (word, style) = match s {
        Status::Active => ("active", Style::Green),
        Status::Paused => ("paused", Style::Yellow),
        Status::Completed => ("completed", Style::Cyan),
        Status::Abandoned => ("abandoned", Style::Red),
    };
    if p.color() {
        Cow::Owned(p.paint(word, style))
    } else {
        Cow::Borrowed(word)
    }
}

/// The table `columns` would make of the rows' cells, written into one string without building
/// the cells first (same bytes: the width of a column is its widest cell, two spaces between
/// columns, trailing white space trimmed, lines joined by `\n`).
fn table(p: &Printer, rows: &[Row]) -> String {
    let mut widths = [0usize; CELLS];
    let mut cells: [Cow<str>; CELLS] = Default::default();
    for pass in 0..2 {
        let mut out = String::new();
        for (n, r) in rows.iter().enumerate() {
            cells_of(p, r, &mut cells);
            if pass == 0 {
                for (w, c) in widths.iter_mut().zip(&cells) {
                    *w = (*w).max(visible_len(c));
                }
                continue;
            }
            if n > 0 {
                out.push('\n');
            }
            let start = out.len();
            for (i, c) in cells.iter().enumerate() {
                out.push_str(c);
                if i + 1 < CELLS {
                    for _ in 0..widths[i] - visible_len(c) + 2 {
                        out.push(' ');
                    }
                }
            }
            let kept = out[start..].trim_end().len();
            out.truncate(start + kept);
        }
        if pass == 1 {
            return out;
        }
    }
    unreachable!("the second pass returns")
}

fn cells_of<'r>(p: &Printer, r: &'r Row, cells: &mut [Cow<'r, str>; CELLS]) {
    cells[0] = Cow::Borrowed(if r.current { "*" } else { " " });
    cells[1] = if p.color() {
        Cow::Owned(p.paint(&r.shortname, Style::Bold))
    } else {
        Cow::Borrowed(&r.shortname)
    };
    cells[2] = Cow::Borrowed(r.short_id);
    cells[3] = status_cell(p, r.status);
    cells[4] = Cow::Owned(format!("{}/{}", r.steps_done, r.steps_total));
    let day = r.updated_at.get(..16).unwrap_or(&r.updated_at);
    cells[5] = if day.contains('T') {
        Cow::Owned(day.replace('T', " "))
    } else {
        Cow::Borrowed(day)
    };
    cells[6] = Cow::Borrowed(r.git_branch.as_deref().unwrap_or("-"));
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
