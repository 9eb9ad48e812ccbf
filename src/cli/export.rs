//! `git session export [ID] --format markdown|json [--since COMMIT]`: a pull-request description.

use std::collections::HashSet;
use std::path::Path;

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::export;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session (default: this worktree's current session).
    id: Option<String>,
    /// markdown (default) or json (the same as --json).
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
    /// Only the commits of COMMIT..HEAD, and decisions and discoveries from COMMIT's time on.
    #[arg(long, value_name = "COMMIT")]
    since: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
}

/// One line of git's output, or `None` when git failed.
fn git(dir: &Path, args: &[&str]) -> Result<Option<String>> {
    let out = crate::gitproc::command(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::io("git", e))?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// `<since>..HEAD` in the user's repository, and `<since>`'s commit time.
fn range(dir: &Path, since: &str) -> Result<export::Range> {
    let bad = || {
        Error::Usage(format!(
            "--since '{}' is not a commit of this repository",
            crate::model::ids::printable(since)
        ))
    };
    if since.starts_with('-') || since.is_empty() {
        return Err(bad());
    }
    let full = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{since}^{{commit}}"),
        ],
    )?
    .ok_or_else(bad)?;
    let full = full.trim().to_string();
    let commits: HashSet<String> = git(dir, &["rev-list", &format!("{full}..HEAD")])?
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let from = git(dir, &["show", "-s", "--format=%cI", &full])?
        .and_then(|t| crate::model::time::parse_human(t.trim()));
    Ok(export::Range {
        since: since.to_string(),
        commits,
        from,
    })
}

/// The recorded commits that are in HEAD's history: one amended away, rebased or dropped is
/// not part of what the branch changes, so a pull-request description leaves it out. HEAD's
/// history is walked once, up to 100,000 commits or until every recorded commit is found;
/// without a HEAD nothing is left out.
fn in_head_history(
    store: &crate::store::SessionsRef,
    head: Option<&str>,
    commits: Vec<export::CodeCommit>,
) -> Vec<export::CodeCommit> {
    let Some(head) = head.and_then(|h| gix::ObjectId::from_hex(h.as_bytes()).ok()) else {
        return commits;
    };
    let mut wanted: std::collections::HashSet<gix::ObjectId> = commits
        .iter()
        .filter_map(|c| gix::ObjectId::from_hex(c.commit.as_bytes()).ok())
        .collect();
    let mut found = std::collections::HashSet::new();
    if let Ok(walk) = store.repo().rev_walk([head]).all() {
        for info in walk.take(100_000) {
            let Ok(info) = info else { break };
            if wanted.remove(&info.id) {
                found.insert(info.id);
                if wanted.is_empty() {
                    break;
                }
            }
        }
    }
    commits
        .into_iter()
        .filter(|c| {
            gix::ObjectId::from_hex(c.commit.as_bytes()).is_ok_and(|id| found.contains(&id))
        })
        .collect()
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(false)?;
    let target = ws.target(a.id.as_deref())?;
    let file = ws.load(&target)?;
    let range = a.since.as_deref().map(|s| range(&ctx.dir, s)).transpose()?;
    let store = ws.store();
    let commits = match ws.journal_tip()? {
        Some(tip) => export::code_commits(&store, store.tree_of(tip)?, &target.short)?,
        None => Vec::new(),
    };
    let commits = in_head_history(&store, ws.head().1.as_deref(), commits);
    let e = export::build(&target, &file, commits, range.as_ref());
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json || a.format == Format::Json {
        p.json(&e);
    } else {
        p.out(export::markdown(&e).trim_end());
    }
    Ok(0)
}
