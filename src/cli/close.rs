//! `git session close`: completed or abandoned, moved to archive/, with a summary.

use clap::ArgGroup;
use serde::Serialize;

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::layout::SessionDir;
use crate::model::session::Status;
use crate::model::{ids, text, time};
use crate::store::JournalCommand;
use crate::tasks;
use crate::workspace::Planned;

#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("how").required(true).multiple(false)))]
pub struct Args {
    /// The work is done; linked tasks are marked completed.
    #[arg(long, group = "how")]
    complete: bool,
    /// The work stops unfinished; needs --reason.
    #[arg(long, group = "how", requires = "reason")]
    abandon: bool,
    /// Why the session is abandoned.
    #[arg(
        long,
        value_name = "TEXT",
        requires = "abandon",
        allow_hyphen_values = true
    )]
    reason: Option<String>,
    #[command(flatten)]
    session: crate::cli::SessionArg,
}

/// What `close` prints.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub id: String,
    pub shortname: String,
    pub status: Status,
    pub reason: Option<String>,
    pub created_at: String,
    pub closed_at: String,
    pub duration_seconds: i64,
    pub compactions: u64,
    pub steps_done: usize,
    pub steps_total: usize,
    /// The TL;DR paragraph: the seed's `## Summary`.
    pub summary: String,
    pub decisions: usize,
    pub discoveries: usize,
    pub tasks: Vec<TaskResult>,
    pub path: String,
}

/// A linked task and what happened to it.
#[derive(Debug, Serialize)]
pub struct TaskResult {
    pub id: String,
    pub result: String,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let status = if a.complete {
        Status::Completed
    } else {
        Status::Abandoned
    };
    let (ws, lock) = ctx.workspace_for_write()?;
    let mut summary = None;
    ws.commit(&lock, JournalCommand::Close, |tree| {
        let target = ws.target(a.session.session.as_deref())?;
        let file = ws.load(&target)?;
        if file.meta.status.is_archived() {
            return Err(Error::AlreadyClosed {
                name: target.shortname.clone(),
                status: file.meta.status.as_str(),
            });
        }
        let now = time::now();
        let file = file.set_status(status, now)?;
        let file = ws.checkpoint_file(file, None, now)?;
        let path = target.in_dir(SessionDir::Archive);
        let body = match &a.reason {
            Some(r) => format!("Abandoned: {}", text::clean(r)),
            None => "Completed".into(),
        };
        let mut changes = ws.session_changes(tree, &path, &file, "close", body, now)?;
        changes.insert(target.render(), None);
        let v = file.view();
        let (done, total) = v.step_counts();
        let created = time::parse_rfc3339(&v.created_at).unwrap_or(now);
        summary = Some(Summary {
            id: v.id.clone(),
            shortname: v.shortname.clone(),
            status,
            reason: a.reason.as_deref().map(text::one_line),
            created_at: v.created_at.clone(),
            closed_at: time::rfc3339(now),
            duration_seconds: (now - created).num_seconds().max(0),
            compactions: v.compaction_count,
            steps_done: done,
            steps_total: total,
            summary: v.tldr.clone(),
            decisions: v.decisions.len(),
            discoveries: v.discoveries.len(),
            tasks: v
                .task_ids
                .iter()
                .map(|t| TaskResult {
                    id: t.clone(),
                    result: "linked".into(),
                })
                .collect(),
            path: format!(".sessions/{path}"),
        });
        let what = if a.complete {
            "completed".to_string()
        } else {
            format!(
                "abandoned: {}",
                text::one_line(a.reason.as_deref().unwrap_or(""))
            )
        };
        Ok(Planned {
            changes,
            shortname: target.shortname.clone(),
            summary: what,
            touched: vec![target.short.clone()],
        })
    })?;
    let mut summary = summary.expect("commit ran the plan");
    if ws.current_id()?.as_deref() == Some(summary.id.as_str()) {
        ws.set_current(None)?;
    }
    if a.complete && !summary.tasks.is_empty() {
        let all = tasks::load(ws.worktree())?;
        for t in &mut summary.tasks {
            t.result = match all.as_deref().map(|all| tasks::find(all, &t.id)) {
                None => "no .tasks/ directory".into(),
                Some(Err(_)) => "not found in .tasks/".into(),
                Some(Ok(task)) => match tasks::mark_completed(task) {
                    Ok(true) => "marked completed".into(),
                    Ok(false) => "already completed".into(),
                    Err(e) => format!("not updated: {e}"),
                },
            };
        }
    }
    ctx.flush_warnings(&ws);
    print_summary(ctx, &summary);
    Ok(0)
}

fn duration(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let days = if d == 1 {
        "1 day".to_string()
    } else {
        format!("{d} days")
    };
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        (_, 0) => days,
        _ => format!("{days} {h}h"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The seed's completion summary.
fn print_summary(ctx: &Context, s: &Summary) {
    let p = &ctx.printer;
    if p.json {
        p.json(s);
        return;
    }
    let short = ids::short_of(&s.id).unwrap_or_default();
    let mut out = match s.status {
        Status::Completed => format!("✅ Session Completed: {} ({short})\n", s.shortname),
        _ => format!("⏹ Session Abandoned: {} ({short})\n", s.shortname),
    };
    if let Some(r) = &s.reason {
        out.push_str(&format!("   Reason: {r}\n"));
    }
    out.push_str(&format!("   Duration: {}\n", duration(s.duration_seconds)));
    out.push_str(&format!("   Compactions: {}\n", s.compactions));
    out.push_str(&format!(
        "   Progress: {}/{} steps\n",
        s.steps_done, s.steps_total
    ));
    if !s.summary.trim().is_empty() {
        out.push_str("\n   ## Summary\n");
        for line in s.summary.lines() {
            out.push_str(format!("   {line}").trim_end());
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\n   ## Decisions Made\n   {} recorded\n",
        plural(s.decisions, "decision", "decisions")
    ));
    out.push_str(&format!(
        "\n   ## Discoveries\n   {} logged\n",
        plural(s.discoveries, "discovery", "discoveries")
    ));
    if !s.tasks.is_empty() {
        out.push('\n');
    }
    for t in &s.tasks {
        let mark = if t.result.contains("completed") {
            " ✅"
        } else {
            ""
        };
        out.push_str(&format!("   Linked task {}: {}{mark}\n", t.id, t.result));
    }
    out.push_str(&format!("\n   File: {}", s.path));
    p.out(&out);
}
