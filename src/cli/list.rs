//! `git session list`: one line per session.

use std::borrow::Cow;

use serde::Serialize;

use std::cmp::Reverse;

use crate::cli::Context;
use crate::cli::output::{Printer, Style, visible_len};
use crate::error::Result;
use crate::layout::{SessionDir, SessionPath};
use crate::listing::{IndexTexts, LineRef};
use crate::model::ids;
use crate::model::session::Status;
use crate::workspace::{ArchiveNames, Workspace};

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
    pub short_id: Cow<'a, str>,
    pub shortname: Cow<'a, str>,
    pub title: Cow<'a, str>,
    pub status: Status,
    pub steps_done: usize,
    pub steps_total: usize,
    pub updated_at: Cow<'a, str>,
    pub git_branch: Option<Cow<'a, str>>,
    pub current: bool,
    /// `.sessions/<dir>/<file>`, formatted only when serialised.
    pub path: RowPath<'a>,
    #[serde(skip)]
    updated: Option<crate::model::time::Stamp>,
}

/// Where a row's session file is: `<dir>/<shortname>-<short>.md`, as `SessionPath` names it
/// (the short id lowercased), serialised as `.sessions/<dir>/<file>`.
#[derive(Debug)]
pub struct RowPath<'a> {
    pub dir: SessionDir,
    pub shortname: &'a str,
    pub short: Cow<'a, str>,
}

impl Serialize for RowPath<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        ser.collect_str(&format_args!(
            ".sessions/{}/{}-{}.md",
            self.dir.as_str(),
            self.shortname,
            self.short
        ))
    }
}

impl<'a> RowPath<'a> {
    fn of(s: &'a SessionPath) -> Self {
        RowPath {
            dir: s.dir,
            shortname: &s.shortname,
            short: Cow::Borrowed(&s.short),
        }
    }

    /// The archived session file named `name`, when it is a session file's name.
    fn archived(name: &'a str) -> Option<Self> {
        let (shortname, short) = ids::parse_file_name(name)?;
        let short = if short.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(short.to_ascii_lowercase())
        } else {
            Cow::Borrowed(short)
        };
        Some(RowPath {
            dir: SessionDir::Archive,
            shortname,
            short,
        })
    }

    /// Whether the name this path was made from is its own file name (not when its short id
    /// had to be lowercased).
    fn is_own_name(&self) -> bool {
        matches!(self.short, Cow::Borrowed(_))
    }

    fn file_name(&self) -> String {
        format!("{}-{}.md", self.shortname, self.short)
    }

    fn session_path(&self) -> SessionPath {
        SessionPath::new(self.dir, self.shortname, &self.short)
    }
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(true)?;
    let current = ws.current_id()?;
    let current = current.as_deref();
    let (want_active, want_archived) = (a.all || !a.archived, a.all || a.archived);
    // Archived sessions are listed from the listing index (decision 53); a session it does not
    // describe as the tree holds it is read from its file.
    let texts = if want_archived {
        let store = ws.store();
        // The journal shown: in a read-only bare repository the newest one held, which may be
        // ahead of refs/sessions (decision 71), and the sessions listed are its.
        match ws.journal_tip()? {
            Some(tip) => Some(IndexTexts::load(&store, store.tree_of(tip)?)?),
            None => None,
        }
    } else {
        None
    };
    let index = texts.as_ref().map(IndexTexts::index);
    let active = match want_active {
        true => ws.sessions_in(true, false)?,
        false => Vec::new(),
    };
    // Which archived sessions there are: the mirror's names, read from the tree when the mirror
    // holds the same (decision 136).
    let archived = match want_archived {
        true => ws.archive_names(texts.as_ref().and_then(IndexTexts::archive_tree))?,
        false => ArchiveNames::Mirror(Vec::new()),
    };
    let mut rows = Rows::default();
    let from_file = |path| row_from_file(ctx, &ws, current, path);
    rows.extend(active.iter().filter_map(|s| from_file(RowPath::of(s))));
    match (&archived, &index) {
        (ArchiveNames::Tree, Some(index)) => {
            rows.rows.reserve(index.entries().len());
            for e in index.entries() {
                let Some(path) = RowPath::archived(e.name) else {
                    continue;
                };
                // The line for the blob under the name the session's path gives.
                let line = match path.is_own_name() {
                    true => index.line_of(e),
                    false => index.line_named(&path.file_name(), &mut 0),
                };
                rows.extend(match line {
                    Some(line) => Some(row_from_line(current, path, line)),
                    None => from_file(path),
                });
            }
        }
        (ArchiveNames::Tree, None) => {}
        (ArchiveNames::Mirror(names), index) => {
            rows.rows.reserve(names.len());
            let mut at = 0;
            for name in names {
                let Some(path) = RowPath::archived(name) else {
                    continue;
                };
                let line = index.as_ref().and_then(|i| match path.is_own_name() {
                    true => i.line_named(name, &mut at),
                    false => i.line_named(&path.file_name(), &mut 0),
                });
                rows.extend(match line {
                    Some(line) => Some(row_from_line(current, path, line)),
                    None => from_file(path),
                });
            }
        }
    }
    // Newest first; rows updated at the same time keep their order. Sorting the keys, not the
    // rows (some 200 bytes each), and printing through the order.
    let Rows { rows, widths } = rows;
    let mut order: Vec<(Reverse<Option<crate::model::time::Stamp>>, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (Reverse(r.updated), i as u32))
        .collect();
    order.sort_unstable();
    let sorted: Vec<&Row> = order.iter().map(|&(_, i)| &rows[i as usize]).collect();
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&sorted);
    } else if sorted.is_empty() {
        p.note("No sessions. Start one with: git session init --goal \"...\"");
    } else {
        // One write for the table: a write per line was 5 % of `list --all` at 10,000 sessions.
        p.out(&table(p, &sorted, &widths));
    }
    // The process ends after this command: freeing 10,000 rows and the index cost 6 % of
    // `list --all`, for nothing.
    std::mem::forget(sorted);
    std::mem::forget(rows);
    std::mem::forget(archived);
    std::mem::forget(index);
    std::mem::forget(texts);
    std::mem::forget(active);
    Ok(0)
}

/// The rows, and the width of each column of the table they make (`visible_len` of the widest
/// cell), taken as each row is made: its strings are in the cache then, and the table is
/// written in another order.
#[derive(Default)]
struct Rows<'a> {
    rows: Vec<Row<'a>>,
    widths: [usize; CELLS],
}

impl<'a> Extend<Row<'a>> for Rows<'a> {
    fn extend<I: IntoIterator<Item = Row<'a>>>(&mut self, rows: I) {
        for r in rows {
            // Painting adds no visible width: the plain cells measure the same.
            for (w, c) in self.widths.iter_mut().zip(cells_of(None, &r)) {
                *w = (*w).max(c.width());
            }
            self.rows.push(r);
        }
    }
}

/// The row of an archived session whose index line describes it.
fn row_from_line<'a>(current: Option<&str>, path: RowPath<'a>, line: LineRef<'a>) -> Row<'a> {
    Row {
        current: current == Some(line.id),
        id: Cow::Borrowed(line.id),
        short_id: path.short.clone(),
        shortname: Cow::Borrowed(path.shortname),
        title: Cow::Borrowed(line.title),
        status: line.status,
        steps_done: line.steps_done,
        steps_total: line.steps_total,
        updated_at: Cow::Borrowed(line.updated_at),
        git_branch: line.git_branch.map(Cow::Borrowed),
        path,
        updated: crate::model::time::parse_rfc3339(line.updated_at),
    }
}

/// The row of a session read from its file; a file that cannot be read is a warning.
fn row_from_file<'a>(
    ctx: &Context,
    ws: &Workspace,
    current: Option<&str>,
    path: RowPath<'a>,
) -> Option<Row<'a>> {
    let s = path.session_path();
    let file = match ws.load(&s) {
        Ok(f) => f,
        Err(e) => {
            ctx.printer.warn(&e.to_string());
            return None;
        }
    };
    let updated = file.meta.updated();
    let v = file.view();
    let (done, total) = v.step_counts();
    Some(Row {
        current: current == Some(v.id.as_str()),
        id: Cow::Owned(v.id),
        short_id: Cow::Owned(s.short),
        shortname: Cow::Owned(v.shortname),
        title: Cow::Owned(v.title),
        status: v.status,
        steps_done: done,
        steps_total: total,
        updated_at: Cow::Owned(v.updated_at),
        git_branch: v.git_branch.map(Cow::Owned),
        path,
        updated,
    })
}

/// The cells of a row as `columns` lays them out: current, shortname, short id, status, steps,
/// updated, branch.
const CELLS: usize = 7;

fn status_word(s: Status) -> (&'static str, Style) {
    match s {
        Status::Active => ("active", Style::Green),
        Status::Paused => ("paused", Style::Yellow),
        Status::Completed => ("completed", Style::Cyan),
        Status::Abandoned => ("abandoned", Style::Red),
    }
}

/// One cell of the table, written straight into it.
enum Cell<'r> {
    Text(Cow<'r, str>),
    /// `done/total`.
    Steps(usize, usize),
    /// A time's first 16 characters, `T` shown as a space.
    Day(&'r str),
}

/// The width `visible_len` gives, without walking the characters of plain ASCII.
fn width(s: &str) -> usize {
    if s.is_ascii() && !s.as_bytes().contains(&0x1b) {
        s.len()
    } else {
        visible_len(s)
    }
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

impl Cell<'_> {
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => width(s),
            Cell::Steps(d, t) => digits(*d) + 1 + digits(*t),
            // Replacing `T` by a space keeps the count.
            Cell::Day(s) => width(s),
        }
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Cell::Text(s) => out.push_str(s),
            Cell::Steps(d, t) => {
                use std::fmt::Write;
                let _ = write!(out, "{d}/{t}");
            }
            Cell::Day(s) => {
                for (i, part) in s.split('T').enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(part);
                }
            }
        }
    }
}

/// The table `columns` would make of the rows' cells, written into one string without building
/// the cells first (same bytes: the width of a column is its widest cell, `widths`, two spaces
/// between columns, trailing white space trimmed, lines joined by `\n`).
fn table(p: &Printer, rows: &[&Row], widths: &[usize; CELLS]) -> String {
    let line_len: usize = widths.iter().sum::<usize>() + 2 * (CELLS - 1);
    let mut out = String::with_capacity(rows.len() * (line_len + 1));
    let p = p.color().then_some(p);
    for (n, r) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let start = out.len();
        for (i, c) in cells_of(p, r).iter().enumerate() {
            let at = out.len();
            c.write_to(&mut out);
            if i + 1 < CELLS {
                let pad = widths[i] - width(&out[at..]) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
    }
    out
}

/// A row's cells, painted when `p` is given.
fn cells_of<'r>(p: Option<&Printer>, r: &'r Row) -> [Cell<'r>; CELLS] {
    let (word, style) = status_word(r.status);
    let day = r.updated_at.get(..16).unwrap_or(&r.updated_at);
    let paint = |s: &'r str, style| match p {
        Some(p) => Cow::Owned(p.paint(s, style)),
        None => Cow::Borrowed(s),
    };
    [
        Cell::Text(Cow::Borrowed(if r.current { "*" } else { " " })),
        Cell::Text(paint(&r.shortname, Style::Bold)),
        Cell::Text(Cow::Borrowed(&r.short_id)),
        Cell::Text(paint(word, style)),
        Cell::Steps(r.steps_done, r.steps_total),
        Cell::Day(day),
        Cell::Text(Cow::Borrowed(r.git_branch.as_deref().unwrap_or("-"))),
    ]
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
