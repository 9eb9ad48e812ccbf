//! Claude Code hooks: read the event on stdin, do bounded work, never block the agent.
//!
//! Every path ends in exit code 0 (done, or nothing to do) or 1 (a problem, one line on
//! stderr); never 2, which would block the agent or erase the user's prompt. What the workspace
//! warns about (an unsaved hand edit) goes to stderr as `warning: …` lines and, where the hook
//! injects context, as one line on top of it: the agent must learn that its edit was not saved.

pub mod claude;
pub mod intent;

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::model::session::SessionFile;
use crate::model::{progress, text};
use crate::restore;
use crate::store::JournalCommand;
use crate::workspace::{Planned, SessionEdit, SessionEntry, Workspace};

/// Largest event we read; anything bigger is not a Claude Code event.
pub const MAX_INPUT: usize = 8 * 1024 * 1024;
/// Most characters any hook injects (Claude Code's own cap is 10,000).
pub const CONTEXT_CAP: usize = 8_000;
/// Short context on an ordinary session start.
pub const START_CAP: usize = 3_000;
/// Most characters of the warning line a hook adds to the context it injects.
pub const WARNING_CAP: usize = 600;
/// How long a hook waits for another git-session command in the same worktree.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The hook entry points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookKind {
    PreCompact,
    SessionStart,
    UserPromptSubmit,
    Stop,
    SessionEnd,
}

impl HookKind {
    /// The event name Claude Code uses.
    pub fn event_name(self) -> &'static str {
        match self {
            HookKind::PreCompact => "PreCompact",
            HookKind::SessionStart => "SessionStart",
            HookKind::UserPromptSubmit => "UserPromptSubmit",
            HookKind::Stop => "Stop",
            HookKind::SessionEnd => "SessionEnd",
        }
    }
}

/// The fields of a hook event we use; everything is optional, unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct Event {
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub hook_event_name: Option<String>,
    pub trigger: Option<String>,
    pub source: Option<String>,
    pub prompt: Option<String>,
    pub reason: Option<String>,
}

/// What the hook prints and how it exits.
#[derive(Debug, Default)]
pub struct HookOutput {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    /// What the workspace warned about (an unsaved hand edit, a conflict kept): printed as
    /// `warning: …` lines on stderr; they never change the exit code.
    pub warnings: Vec<String>,
    pub code: i32,
}

impl HookOutput {
    fn quiet() -> Self {
        HookOutput::default()
    }

    fn problem(msg: impl Into<String>) -> Self {
        let msg: String = msg.into();
        HookOutput {
            stderr: Some(format!("git-session: {}", text::one_line(&msg))),
            code: 1,
            ..HookOutput::default()
        }
    }

    fn context(kind: HookKind, context: String) -> Self {
        let doc = json!({"hookSpecificOutput": {"hookEventName": kind.event_name(), "additionalContext": context}});
        HookOutput {
            stdout: Some(doc.to_string()),
            ..HookOutput::default()
        }
    }
}

/// The workspace's warnings as one short line (at most [`WARNING_CAP`] characters) to put at
/// the top of what a hook tells the model, so the agent learns, say, that its edit was not
/// saved; empty when there are none.
fn warning_line(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let all = warnings
        .iter()
        .map(|w| format!("warning: {}", text::one_line(w)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut line = format!("git-session {all}");
    if line.chars().count() > WARNING_CAP {
        line = line.chars().take(WARNING_CAP - 1).collect::<String>() + "…";
    }
    line + "\n\n"
}

/// Read at most [`MAX_INPUT`] bytes of the event.
pub fn read_event(mut input: impl Read) -> std::result::Result<Event, String> {
    let mut buf = Vec::new();
    input
        .by_ref()
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read the hook event: {e}"))?;
    if buf.len() > MAX_INPUT {
        return Err("hook event is larger than 8 MB; ignored".into());
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(Event::default());
    }
    serde_json::from_slice::<Event>(&buf)
        .map_err(|e| format!("hook event is not the JSON Claude Code sends: {e}"))
}

/// Run one hook on an event read from `input`, with `fallback_dir` when the event names no cwd.
/// `start_budget` starts the watchdog; it is called before stdin is read.
pub fn run(
    kind: HookKind,
    input: impl Read,
    fallback_dir: PathBuf,
    start_budget: impl FnOnce(),
) -> HookOutput {
    // Started before reading: a writer that never closes stdin must not hold the agent.
    start_budget();
    let event = match read_event(input) {
        Ok(e) => e,
        Err(msg) => return HookOutput::problem(msg),
    };
    // The hot path: an ordinary prompt costs a JSON parse and a few string compares.
    if kind == HookKind::UserPromptSubmit {
        let prompt = event.prompt.as_deref().unwrap_or("");
        let slash = prompt.trim_start().starts_with("/session-init")
            || prompt.trim_start().starts_with("/session-resume");
        if !slash && !intent::is_continuation(prompt) {
            return HookOutput::quiet();
        }
    }
    let dir = event
        .cwd
        .as_deref()
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or(fallback_dir);
    let mut ws = match Workspace::discover(&dir) {
        Ok(ws) => ws,
        // Not in a repository, or one we refuse: nothing of ours to do here.
        Err(Error::NotARepository { .. } | Error::BareRepository(_) | Error::Refused(_)) => {
            return HookOutput::quiet();
        }
        Err(e) => return HookOutput::problem(e.to_string()),
    };
    ws.set_lock_wait(LOCK_WAIT);
    let result = match kind {
        HookKind::PreCompact => pre_compact(&ws, &event),
        HookKind::SessionStart => session_start(&ws, &event),
        HookKind::UserPromptSubmit => user_prompt_submit(&ws, &event),
        HookKind::Stop => stop(&ws, &event),
        HookKind::SessionEnd => session_end(&ws, &event),
    };
    let mut out = match result {
        Ok(out) => out,
        Err(e) => HookOutput::problem(e.to_string()),
    };
    // Whatever the hook did not already put into its context still reaches stderr.
    out.warnings.extend(ws.take_warnings());
    out
}

/// The journal session for this Claude session: the one bound to it, else the worktree's
/// current session (which then gets bound).
fn session_for(ws: &Workspace, event: &Event) -> Result<Option<SessionEntry>> {
    if let Some(cid) = &event.session_id
        && let Some(jid) = claude::bound(ws.state_dir(), cid)
        && let Some(short) = crate::model::ids::short_of(&jid)
        && let Some(s) = ws.by_short(&short)?
        && !s.archived()
    {
        return Ok(Some(s));
    }
    match ws.current() {
        Ok(s) => {
            if let Some(cid) = &event.session_id
                && let Ok(f) = ws.load(&s)
            {
                claude::bind(ws.state_dir(), cid, &f.meta.id)?;
            }
            Ok(Some(s))
        }
        Err(Error::NoCurrentSession) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Context for the model with the workspace's warnings on top; `build` gets the characters left
/// for the rest, so warning and context together stay within `cap`.
fn context_with_warnings(
    ws: &Workspace,
    kind: HookKind,
    cap: usize,
    build: impl FnOnce(usize) -> Result<String>,
) -> Result<HookOutput> {
    let warnings = ws.take_warnings();
    let line = warning_line(&warnings);
    let rest = build(cap.saturating_sub(line.chars().count()))?;
    let mut out = HookOutput::context(kind, line + &rest);
    out.warnings = warnings;
    Ok(out)
}

fn restoration(
    ws: &Workspace,
    s: &SessionEntry,
    file: &SessionFile,
    cap: usize,
    why: &str,
) -> Result<String> {
    let r = restore::build(ws, s, file)?;
    let mut out = format!(
        "git-session: {why}. This is the journal of session {} (.sessions/{}).\n\n",
        s.shortname, s
    );
    out.push_str(&restore::render(&r, Some(cap.saturating_sub(out.len()))));
    Ok(out)
}

fn pre_compact(ws: &Workspace, event: &Event) -> Result<HookOutput> {
    let lock = ws.lock()?;
    ws.refresh(&lock)?;
    let Some(target) = session_for(ws, event)? else {
        return Ok(HookOutput::quiet());
    };
    let trigger = event.trigger.clone().unwrap_or_else(|| "unknown".into());
    let (_, file) = ws.change_session(
        &lock,
        JournalCommand::Compact,
        Some(&target.short),
        |file, now| {
            let count = file.meta.compaction_count + 1;
            let mut file = file.set_field("compaction_count", &count.to_string())?;
            if let Some(cid) = event.session_id.as_deref().and_then(claude::safe_id) {
                file = file.record_claude_session(&cid)?;
            }
            Ok(SessionEdit {
                file: ws.checkpoint_file(file, None, now)?,
                kind: "compaction".into(),
                body: format!("Context compaction {count} (trigger: {trigger})"),
                summary: format!("compaction {count} ({trigger})"),
            })
        },
    )?;
    let warnings = ws.take_warnings();
    let digest = warning_line(&warnings) + &progress::render(&file.view());
    // PreCompact output reaches only Claude Code's debug log; SessionStart(compact) restores.
    Ok(HookOutput {
        stdout: Some(digest),
        warnings,
        ..HookOutput::default()
    })
}

fn session_start(ws: &Workspace, event: &Event) -> Result<HookOutput> {
    {
        let lock = ws.lock()?;
        ws.refresh(&lock)?;
    }
    let source = event.source.as_deref().unwrap_or("startup");
    let Some(s) = session_for(ws, event)? else {
        let active: Vec<String> = ws
            .sessions()?
            .into_iter()
            .filter(|s| !s.archived())
            .map(|s| s.shortname)
            .collect();
        if active.is_empty() {
            return Ok(HookOutput::quiet());
        }
        let list = active
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return context_with_warnings(ws, HookKind::SessionStart, START_CAP, |_| {
            Ok(format!(
                "git-session: this repository has {} unfinished journal session(s): {list}. To continue one, run /session-resume <name>.",
                active.len()
            ))
        });
    };
    if source == "compact" {
        let file = ws.load(&s)?;
        return context_with_warnings(ws, HookKind::SessionStart, CONTEXT_CAP, |cap| {
            restoration(
                ws,
                &s,
                &file,
                cap,
                "your context was just compacted; here is where the work stands",
            )
        });
    }
    // progress.md is the digest kept for exactly this: read it; render only if it is missing.
    let digest = match ws.mirror().read(&format!(
        "{}/progress.md",
        crate::layout::journal_dir(&s.short)
    ))? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => progress::render(&ws.load(&s)?.view()),
    };
    let body = digest
        .split_once("\n---\n")
        .map(|(_, b)| b)
        .unwrap_or(&digest);
    context_with_warnings(ws, HookKind::SessionStart, START_CAP, |cap| {
        let ctx = format!(
            "git-session: journal session {} is in progress in this worktree (.sessions/{}). Run /session-resume for the full context.\n\n{}",
            s.shortname,
            s,
            body.trim()
        );
        Ok(if ctx.chars().count() > cap {
            ctx.chars().take(cap.saturating_sub(40)).collect::<String>()
                + "\n[…cut; run /session-resume]"
        } else {
            ctx
        })
    })
}

fn user_prompt_submit(ws: &Workspace, event: &Event) -> Result<HookOutput> {
    let prompt = event.prompt.as_deref().unwrap_or("").trim_start();
    if prompt.starts_with("/session-") {
        if let Some(cid) = &event.session_id {
            claude::set_pending(ws.state_dir(), cid)?;
        }
        return Ok(HookOutput::quiet());
    }
    {
        let lock = ws.lock()?;
        ws.refresh(&lock)?;
    }
    let Some(s) = session_for(ws, event)? else {
        return Ok(HookOutput::quiet());
    };
    let file = ws.load(&s)?;
    context_with_warnings(ws, HookKind::UserPromptSubmit, CONTEXT_CAP, |cap| {
        restoration(
            ws,
            &s,
            &file,
            cap,
            "the user asked to continue; here is where the work stands",
        )
    })
}

fn stop(ws: &Workspace, event: &Event) -> Result<HookOutput> {
    // One small file write per agent turn, never a commit.
    if let Some(s) = session_for(ws, event)?
        && let Ok(file) = ws.load(&s)
    {
        claude::touch_activity(
            ws.state_dir(),
            event.session_id.as_deref().unwrap_or(""),
            &file.meta.id,
        )?;
    }
    Ok(HookOutput::quiet())
}

fn session_end(ws: &Workspace, event: &Event) -> Result<HookOutput> {
    // Commit only when the mirror holds hand edits that no command has saved yet.
    let lock = ws.lock()?;
    let Some(tip) = ws.refresh(&lock)? else {
        return Ok(HookOutput::quiet());
    };
    if !ws.has_hand_edits(ws.store().tree_of(tip)?)? {
        return Ok(HookOutput::quiet());
    }
    let reason = event.reason.clone().unwrap_or_else(|| "session end".into());
    let name = session_for(ws, event)?
        .map(|s| s.shortname)
        .unwrap_or_else(|| "journal".into());
    ws.commit(&lock, JournalCommand::Checkpoint, |_| {
        Ok(Planned {
            changes: Default::default(),
            shortname: name.clone(),
            summary: format!("hand edits saved at Claude Code {reason}"),
            touched: vec![],
        })
    })?;
    Ok(HookOutput::quiet())
}
