//! `git session search QUERY`: every session file and journal entry, active and archived, ranked.

use crate::cli::Context;
use crate::cli::output::{Style, columns};
use crate::error::{Error, Result};
use crate::model::session::Status;
use crate::search::{self, Filters, Pattern};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to look for: words that must all occur (any case), or a regex with --regex.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,
    /// Treat QUERY as a regular expression (case-insensitive).
    #[arg(long)]
    regex: bool,
    /// Only entries of this kind (decision, discovery, progress, blocker, next, context, file,
    /// step, done, commit, …) and the matching section of session files; `session`: session
    /// files only.
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// Only hits from this date on (YYYY-MM-DD or an RFC 3339 time).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only hits up to this date, that day included.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only sessions with this status.
    #[arg(long, value_enum, value_name = "STATUS")]
    status: Option<StatusArg>,
    /// Only entries whose author contains NAME (any case); leaves session files out.
    #[arg(long, value_name = "NAME")]
    author: Option<String>,
    /// Only this session (id, prefix, short id or shortname).
    #[arg(short, long, value_name = "ID")]
    session: Option<String>,
    /// At most N results (at least 1).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    limit: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StatusArg {
    Active,
    Paused,
    Completed,
    Abandoned,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Active => Status::Active,
            StatusArg::Paused => Status::Paused,
            StatusArg::Completed => Status::Completed,
            StatusArg::Abandoned => Status::Abandoned,
        }
    }
}

fn date(
    flag: &str,
    v: Option<&str>,
    end_of_day: bool,
) -> Result<Option<crate::model::time::Stamp>> {
    v.map(|s| {
        search::parse_date(s, end_of_day).ok_or_else(|| {
            Error::Usage(format!(
                "--{flag} '{}' is not a date (YYYY-MM-DD or an RFC 3339 time)",
                crate::model::ids::printable(s)
            ))
        })
    })
    .transpose()
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let pattern = if a.regex {
        Pattern::regex(&a.query)?
    } else {
        Pattern::literal(&a.query)?
    };
    let since = date("since", a.since.as_deref(), false)?;
    let until = date("until", a.until.as_deref(), true)?;
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(false)?;
    let session = match &a.session {
        Some(name) => Some(ws.resolve(name)?.short),
        None => None,
    };
    let filters = Filters {
        kind: a.kind.map(|k| k.to_ascii_lowercase()),
        since,
        until,
        status: a.status.map(Status::from),
        author: a.author,
        session,
    };
    let store = ws.store();
    let hits = match ws.journal_tip()? {
        Some(tip) => search::search(
            &store,
            store.tree_of(tip)?,
            &pattern,
            &filters,
            a.limit as usize,
        )?,
        None => Vec::new(),
    };
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&hits);
        return Ok(0);
    }
    if hits.is_empty() {
        p.note("No matches.");
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|h| {
            let what = match &h.section {
                Some(s) => format!("§ {s}"),
                None => h.kind.clone(),
            };
            vec![
                p.paint(&h.session, Style::Bold),
                what,
                h.at.get(..16).unwrap_or(&h.at).replace('T', " "),
                h.snippet.clone(),
            ]
        })
        .collect();
    p.out(&columns(&rows).join("\n"));
    Ok(0)
}
