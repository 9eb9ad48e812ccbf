//! `git session view`: a session, or one part of it.

use clap::ArgGroup;
use serde_json::json;

use crate::cli::Context;
use crate::cli::output::Style;
use crate::error::Result;
use crate::model::session::{Sec, SessionFile};

#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("part").multiple(false)))]
pub struct Args {
    /// Session id, id prefix, short id or shortname (default: the current session). `view list` is `list`.
    id: Option<String>,
    /// Only the Progress section.
    #[arg(long, group = "part")]
    progress: bool,
    /// Only the Decisions section.
    #[arg(long, group = "part")]
    decisions: bool,
    /// Only the Discoveries section.
    #[arg(long, group = "part")]
    discoveries: bool,
    /// Only the Tried and Failed section.
    #[arg(long, group = "part")]
    dead_ends: bool,
    /// Only the Blockers section.
    #[arg(long, group = "part")]
    blockers: bool,
    /// Only the Next Steps section.
    #[arg(long, group = "part")]
    next: bool,
    /// Only the Context section (objective, key files, key context).
    #[arg(long, group = "part")]
    context: bool,
    /// Show the session as it was at REV: a commit of refs/sessions, HEAD~N (N changes back on
    /// refs/sessions), or a number from `history` (0 = now, 1 = before the last change).
    #[arg(long, value_name = "REV")]
    at: Option<String>,
}

/// The session file as it was at `rev`.
fn load_at(
    ws: &crate::workspace::Workspace,
    target: &crate::workspace::SessionEntry,
    rev: &str,
) -> Result<SessionFile> {
    use crate::error::Error;
    let store = ws.store();
    let tip = ws.journal_tip()?.ok_or(Error::NoJournalYet)?;
    let commit = if !rev.is_empty() && rev.len() <= 4 && rev.chars().all(|c| c.is_ascii_digit()) {
        let n: usize = rev.parse().expect("digits");
        let hist = crate::cli::history::session_history(ws, target)?;
        let c = hist.get(n).ok_or_else(|| {
            Error::Usage(format!(
                "{} has {} checkpoints; --at {n} is beyond them",
                target.shortname,
                hist.len()
            ))
        })?;
        gix::ObjectId::from_hex(c.commit.as_bytes()).expect("ids we printed are hex")
    } else {
        store
            .resolve_rev(tip, rev)?
            .ok_or_else(|| Error::Usage(format!("no revision '{rev}' in refs/sessions")))?
    };
    let tree = store.tree_of(commit)?;
    for dir in crate::layout::SessionDir::ALL {
        let path = target.in_dir(dir).render();
        if let Some(bytes) = store.read(tree, &path)? {
            return Ok(SessionFile::parse_bytes(
                &format!("refs/sessions@{}:{path}", &commit.to_string()[..10]),
                &bytes,
            )?);
        }
    }
    Err(Error::NotAtRevision {
        name: target.shortname.clone(),
        rev: rev.to_string(),
    })
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    if a.id.as_deref() == Some("list") {
        return crate::cli::list::run(ctx, crate::cli::list::Args::default());
    }
    let ws = ctx.workspace_for_reading()?;
    ws.catch_up_for_read(false)?;
    let target = ws.target(a.id.as_deref())?;
    let file = match &a.at {
        Some(rev) => load_at(&ws, &target, rev)?,
        None => ws.load(&target)?,
    };
    ctx.flush_warnings(&ws);
    let part = [
        (a.progress, Sec::Progress, "progress"),
        (a.decisions, Sec::Decisions, "decisions"),
        (a.discoveries, Sec::Discoveries, "discoveries"),
        (a.dead_ends, Sec::DeadEnds, "dead_ends"),
        (a.blockers, Sec::Blockers, "blockers"),
        (a.next, Sec::NextSteps, "next_steps"),
        (a.context, Sec::Context, "context"),
    ]
    .into_iter()
    .find(|(on, _, _)| *on);
    print_session(ctx, &file, part.map(|(_, s, k)| (s, k)));
    Ok(0)
}

/// Print a whole session or one part, as text or JSON.
pub fn print_session(ctx: &Context, file: &SessionFile, part: Option<(Sec, &str)>) {
    let v = file.view();
    let p = &ctx.printer;
    if p.json {
        let doc = match part {
            None => serde_json::to_value(&v).expect("views serialise"),
            Some((_, key)) => {
                let value = match key {
                    "progress" => {
                        json!({"completed": v.progress.completed, "in_progress": v.progress.in_progress, "remaining": v.progress.remaining, "current": v.current})
                    }
                    "decisions" => json!(v.decisions),
                    "discoveries" => json!(v.discoveries),
                    "dead_ends" => json!(v.dead_ends),
                    "blockers" => json!(v.blockers),
                    "next_steps" => json!(v.next_steps),
                    _ => {
                        json!({"objective": v.objective, "key_files": v.key_files, "key_context": v.key_context})
                    }
                };
                json!({"id": v.id, "shortname": v.shortname, key: value})
            }
        };
        p.json(&doc);
        return;
    }
    let short = crate::model::ids::short_of(&v.id).unwrap_or_default();
    let (done, total) = v.step_counts();
    let mut head = vec![
        p.paint(&v.shortname, Style::Bold),
        p.paint(&format!("({short})"), Style::Dim),
        v.status.as_str().to_string(),
        format!("{done}/{total} steps"),
    ];
    if let Some(b) = &v.git_branch {
        head.push(format!("on {b}"));
    }
    head.push(format!("updated {}", v.updated_at));
    p.out(&head.join("  "));
    p.out("");
    match part {
        None => p.out(file.body().trim()),
        Some((sec, _)) => p.out(file.section_markdown(sec).trim_end()),
    }
}
