//! `git session init`: start a session.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::layout::{SessionDir, SessionPath};
use crate::model::session::{NewSession, SessionFile, render_new};
use crate::model::{ids, text, time};
use crate::store::JournalCommand;
use crate::tasks;
use crate::workspace::Planned;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shortname (letters, digits, '-', '_', '.'); derived from the goal or branch when omitted.
    #[arg(long, allow_hyphen_values = true)]
    name: Option<String>,
    /// What the session is for; becomes the Objective.
    #[arg(long, allow_hyphen_values = true)]
    goal: Option<String>,
    /// Title (defaults to the goal).
    #[arg(long, allow_hyphen_values = true)]
    title: Option<String>,
    /// Link a task from .tasks/ (id, unique prefix or shortname); repeatable.
    #[arg(long = "task", value_name = "ID")]
    task: Vec<String>,
    /// Link several tasks, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
    tasks: Vec<String>,
    /// A step of the plan; repeatable, in order.
    #[arg(long = "step", value_name = "TEXT", allow_hyphen_values = true)]
    step: Vec<String>,
}

pub fn run(ctx: &Context, mut a: Args) -> Result<i32> {
    let ws = ctx.workspace()?;
    let no_flags = a.name.is_none()
        && a.goal.is_none()
        && a.title.is_none()
        && a.task.is_empty()
        && a.tasks.is_empty()
        && a.step.is_empty();
    if no_flags && std::io::stdin().is_terminal() {
        a.name = prompt("Name (blank to derive from the goal): ")?;
        a.goal = prompt("Goal: ")?;
    }
    if let Some(n) = &a.name {
        ids::validate_name(n)?;
    }
    ws.author()?;
    let (branch, commit) = ws.head();
    let shortname = match &a.name {
        Some(n) => n.clone(),
        None => a
            .goal
            .as_deref()
            .and_then(ids::derive_name)
            .or_else(|| branch.as_deref().and_then(ids::derive_name))
            .unwrap_or_else(|| "session".into()),
    };
    let wanted: Vec<String> = a
        .task
        .iter()
        .chain(a.tasks.iter())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let (task_ids, warnings) = tasks::resolve(ws.worktree(), &wanted)?;
    for w in warnings {
        ctx.printer.warn(&w);
    }
    let title = a
        .title
        .clone()
        .or_else(|| a.goal.clone())
        .unwrap_or_else(|| shortname.clone());
    let lock = ws.lock()?;
    // The agent session that asked (its own id), bound below and recorded on the session.
    let claude = crate::hooks::claude::asking(&ws);
    let mut created = None;
    ws.commit(&lock, JournalCommand::Init, |tree| {
        let now = time::now();
        let mut taken: Vec<String> = ws.sessions()?.into_iter().map(|s| s.short).collect();
        for dir in SessionDir::ALL {
            for e in ws.store().list(tree, dir.as_str())? {
                taken.extend(SessionPath::from_file_name(dir, &e.name).map(|s| s.short));
            }
        }
        let (id, short) = loop {
            let (id, short) = ids::new_id();
            if !taken.contains(&short) {
                break (id, short);
            }
        };
        let new = NewSession {
            id: id.clone(),
            shortname: shortname.clone(),
            title: title.clone(),
            goal: a.goal.clone(),
            task_ids: task_ids.clone(),
            steps: a
                .step
                .iter()
                .map(|s| text::one_line(s))
                .filter(|s| !s.is_empty())
                .collect(),
            git_branch: branch.clone(),
            git_last_commit: commit.clone(),
            now,
        };
        let path = SessionPath::new(SessionDir::Active, &shortname, &short);
        let mut file = SessionFile::parse(&path.render(), render_new(&new))?;
        if let Some((agent, id)) = &claude {
            file = file.record_agent_session(*agent, id)?;
        }
        let body = format!("Started session {shortname}: {}", text::one_line(&title));
        let changes = ws.session_changes(tree, &path, &file, "init", body, now)?;
        created = Some((id, short, path));
        Ok(Planned {
            changes,
            shortname: shortname.clone(),
            summary: text::one_line(&title),
            touched: vec![],
        })
    })?;
    let (id, short, path) = created.expect("commit ran the plan");
    ws.set_current(Some(&id))?;
    if let Some((_, cid)) = &claude {
        crate::hooks::claude::bind(ws.state_dir(), cid, &id)?;
    }
    ctx.flush_warnings(&ws);
    ctx.printer.committed(
        &format!("Started session {shortname} ({short}): .sessions/{path}"),
        &serde_json::json!({
            "command": "init",
            "id": id,
            "session": shortname,
            "short": short,
            "path": format!(".sessions/{path}"),
        }),
    );
    Ok(0)
}

fn prompt(question: &str) -> Result<Option<String>> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("stdin", e))?;
    let line = line.trim();
    Ok((!line.is_empty()).then(|| line.to_string()))
}
