//! Claude Code hooks: read the event on stdin, do bounded work, never block the agent.
//!
//! Every path ends in exit code 0 (done, or nothing to do) or 1 (a problem, one line on
//! stderr); never 2, which would block the agent or erase the user's prompt. What the workspace
//! warns about (an unsaved hand edit) goes to stderr as `warning: …` lines and, where the hook
//! injects context, as one line on top of it: the agent must learn that its edit was not saved.

pub mod claude;
pub mod dialect;
pub mod intent;

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

pub use dialect::Dialect;

use crate::agent::{Agent, AgentSession};
use crate::error::{Error, Result};
use crate::model::session::{SessionFile, SessionView};
use crate::model::{progress, text};
use crate::restore;
use crate::store::JournalCommand;
use crate::workspace::{Planned, SessionEdit, SessionEntry, Workspace};

/// Largest event we read; anything bigger is not a Claude Code event.
pub const MAX_INPUT: usize = 8 * 1024 * 1024;
/// Most UTF-16 code units any hook injects. Claude Code measures its own cap of 10,000 (per
/// `additionalContext`, plain stdout or `systemMessage`) in UTF-16 units, as JavaScript does.
pub const CONTEXT_CAP_UTF16: usize = 8_000;
/// Short context on an ordinary session start, in UTF-16 code units.
pub const START_CAP_UTF16: usize = 3_000;
/// The guidance PreCompact gives the summariser, in UTF-16 code units (a few hundred words).
pub const GUIDANCE_CAP_UTF16: usize = 2_400;
/// The one line shown to the user (`systemMessage`), in UTF-16 code units.
pub const NOTICE_CAP_UTF16: usize = 200;
/// Most UTF-16 code units of the warning line a hook adds to the context it injects.
pub const WARNING_CAP_UTF16: usize = 600;
/// How long a hook waits for another git-session command in the same worktree.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);
/// SessionEnd's wait: Claude Code cancels it about 1.5 s after shutdown starts.
pub const END_LOCK_WAIT: Duration = Duration::from_millis(800);

/// The hook entry points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookKind {
    PreCompact,
    PostCompact,
    SessionStart,
    UserPromptSubmit,
    Stop,
    SessionEnd,
    /// After a tool call: where Cursor, whose prompt event cannot add context, takes a
    /// restoration that is due.
    PostToolUse,
}

impl HookKind {
    /// The event name Claude Code uses.
    pub fn event_name(self) -> &'static str {
        match self {
            HookKind::PreCompact => "PreCompact",
            HookKind::PostCompact => "PostCompact",
            HookKind::SessionStart => "SessionStart",
            HookKind::UserPromptSubmit => "UserPromptSubmit",
            HookKind::Stop => "Stop",
            HookKind::SessionEnd => "SessionEnd",
            HookKind::PostToolUse => "PostToolUse",
        }
    }

    /// The name `git session hook` takes (`pre-compact`).
    pub fn arg_name(self) -> &'static str {
        match self {
            HookKind::PreCompact => "pre-compact",
            HookKind::PostCompact => "post-compact",
            HookKind::SessionStart => "session-start",
            HookKind::UserPromptSubmit => "user-prompt-submit",
            HookKind::Stop => "stop",
            HookKind::SessionEnd => "session-end",
            HookKind::PostToolUse => "post-tool-use",
        }
    }
}

/// What a hook learns from its environment, read once at the edge.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// The client running the hook (`--agent`; Claude Code when not given).
    pub agent: Agent,
    /// `CLAUDE_CODE_SESSION_ID`: the Claude session, when the client sets it.
    pub claude_session: Option<String>,
    /// `CLAUDE_PLUGIN_ROOT` is set: the hook runs from the plugin, whose commands are
    /// namespaced (`/git-session:session-resume`).
    pub plugin: bool,
}

impl Host {
    /// The host as the process environment describes it, for a hook run by `agent`. Claude
    /// Code's variables are read only when Claude Code runs the hook.
    pub fn from_env(agent: Agent) -> Host {
        if agent != Agent::Claude {
            return Host {
                agent,
                ..Host::default()
            };
        }
        let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
        Host {
            agent,
            claude_session: std::env::var(claude::SESSION_ENV)
                .ok()
                .filter(|s| !s.is_empty()),
            plugin: set("CLAUDE_PLUGIN_ROOT"),
        }
    }

    /// The client's dialect.
    pub fn dialect(&self) -> &'static Dialect {
        Dialect::of(self.agent)
    }

    /// Our command `name` (`session-resume`) as it can be run in this client: a slash command
    /// (`/session-resume`; the plugin's `/git-session:session-resume`), or in Codex, which has
    /// no slash commands of ours, the shell command its agent runs (`'/abs/git-session'
    /// resume`: Codex's shell is a login shell that resets `PATH`).
    pub fn command(&self, name: &str) -> String {
        match self.agent {
            Agent::Claude if self.plugin => format!("/git-session:{name}"),
            Agent::Codex => {
                // Asked only when context is built, never on the per-prompt path.
                let sub = name.strip_prefix("session-").unwrap_or(name);
                match std::env::current_exe() {
                    Ok(exe) => format!("{} {sub}", crate::install::shell_quote(&exe)),
                    Err(_) => format!("git session {sub}"),
                }
            }
            _ => format!("/{name}"),
        }
    }

    fn origin(&self) -> &'static str {
        if self.plugin { "plugin" } else { "settings" }
    }
}

/// Our slash command a prompt starts with, without its namespace: `session-init` for
/// `/session-init …`, the plugin's `/git-session:session-init …` and Codex's skill mention
/// `$session-init …`.
pub fn our_command(prompt: &str) -> Option<&str> {
    let trimmed = prompt.trim_start();
    // `/name` in every client; `$name` mentions a Codex skill.
    let word = trimmed
        .strip_prefix('/')
        .or_else(|| trimmed.strip_prefix('$'))?
        .split_whitespace()
        .next()?;
    let name = word.strip_prefix("git-session:").unwrap_or(word);
    name.starts_with("session-").then_some(name)
}

/// The fields of a hook event we use; everything is optional, unknown fields are ignored.
#[derive(Debug, Default)]
pub struct Event {
    pub session_id: Option<String>,
    /// Cursor's id for the conversation (`conversation_id`), which it keeps across the
    /// conversation's events.
    pub conversation_id: Option<String>,
    pub cwd: Option<String>,
    /// Cursor's `workspace_roots` (it sends no `cwd`): the first one.
    pub workspace_root: Option<String>,
    pub hook_event_name: Option<String>,
    pub trigger: Option<String>,
    pub source: Option<String>,
    pub prompt: Option<String>,
    pub prompt_id: Option<String>,
    pub reason: Option<String>,
    pub compact_summary: Option<String>,
    /// SessionStart(resume): `seconds_since_last_response`.
    pub since_last_response: Option<String>,
    /// The payload was VS Code Copilot's (camelCase `sessionId` / `hookEventName`), whose
    /// `Stop` means the session ended.
    pub copilot: bool,
}

/// The event as it arrives: Claude Code's snake_case names, or VS Code Copilot's camelCase
/// ones, kept apart so that a payload carrying both is not a "duplicate field".
#[derive(Debug, Default, Deserialize)]
struct Wire {
    session_id: Option<String>,
    #[serde(rename = "sessionId")]
    session_id_camel: Option<String>,
    conversation_id: Option<String>,
    cwd: Option<String>,
    workspace_roots: Option<Vec<serde_json::Value>>,
    hook_event_name: Option<String>,
    #[serde(rename = "hookEventName")]
    hook_event_name_camel: Option<String>,
    trigger: Option<String>,
    source: Option<String>,
    prompt: Option<String>,
    prompt_id: Option<serde_json::Value>,
    reason: Option<String>,
    compact_summary: Option<String>,
    seconds_since_last_response: Option<serde_json::Value>,
}

/// A scalar we only compare, whatever JSON type it came as.
fn scalar(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl From<Wire> for Event {
    fn from(w: Wire) -> Event {
        let copilot = w.session_id.is_none()
            && (w.session_id_camel.is_some() || w.hook_event_name_camel.is_some());
        Event {
            session_id: w.session_id.or(w.session_id_camel),
            conversation_id: w.conversation_id,
            cwd: w.cwd,
            workspace_root: w
                .workspace_roots
                .and_then(|r| r.into_iter().next())
                .and_then(|v| v.as_str().map(str::to_string)),
            hook_event_name: w.hook_event_name.or(w.hook_event_name_camel),
            trigger: w.trigger,
            source: w.source,
            prompt: w.prompt.map(|p| without_hook_context(&p).to_string()),
            prompt_id: scalar(w.prompt_id),
            since_last_response: scalar(w.seconds_since_last_response),
            reason: w.reason,
            compact_summary: w.compact_summary,
            copilot,
        }
    }
}

/// `prompt` without the `<hook_context>…</hook_context>` that Gemini CLI puts in front of the
/// user's words when a SessionStart hook gave context in non-interactive mode (observed with
/// Gemini CLI 0.61.0; `packages/cli/src/gemini.tsx`).
pub fn without_hook_context(prompt: &str) -> &str {
    let t = prompt.trim_start();
    match t
        .strip_prefix("<hook_context>")
        .and_then(|r| r.split_once("</hook_context>"))
    {
        Some((_, rest)) => rest.trim_start(),
        None => prompt,
    }
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

    /// Context for the model, and one line for the user (`systemMessage`, which the model does
    /// not see), in the shape `dialect` reads for hook `kind`.
    fn context(dialect: &Dialect, kind: HookKind, context: String, notice: Option<String>) -> Self {
        let context = dialect.cap.clip(&context, "…");
        let notice = notice
            .filter(|_| dialect.notice)
            .map(|n| text::clip_utf16(&text::one_line(&n), NOTICE_CAP_UTF16, "…"));
        let event = dialect.event_name(kind).unwrap_or(kind.event_name());
        let mut doc = match dialect.injection {
            dialect::Injection::HookSpecificOutput => {
                json!({"hookSpecificOutput": {"hookEventName": event, "additionalContext": context}})
            }
            dialect::Injection::SnakeCase => json!({"additional_context": context}),
        };
        if let Some(n) = notice {
            let key = match dialect.injection {
                dialect::Injection::HookSpecificOutput => "systemMessage",
                dialect::Injection::SnakeCase => "user_message",
            };
            doc[key] = json!(n);
        }
        HookOutput {
            stdout: Some(doc.to_string()),
            ..HookOutput::default()
        }
    }
}

/// The workspace's warnings as one short line (at most [`WARNING_CAP_UTF16`] units) to put at
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
    text::clip_utf16(&format!("git-session {all}"), WARNING_CAP_UTF16, "…") + "\n\n"
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
    match serde_json::from_slice::<Wire>(&buf) {
        Ok(w) => Ok(w.into()),
        Err(e) => {
            // JavaScript strings may hold a lone surrogate (an emoji cut in half), which
            // JSON.stringify writes as `\ud83d` and serde_json refuses; bytes that are not UTF-8
            // are the same kind of damage. Repair both and try once more.
            let text = String::from_utf8_lossy(&buf);
            let repaired = repair_lone_surrogates(text.as_bytes());
            match repaired.as_deref() {
                Some(fixed) => serde_json::from_slice::<Wire>(fixed),
                None if matches!(text, std::borrow::Cow::Owned(_)) => {
                    serde_json::from_slice::<Wire>(text.as_bytes())
                }
                None => Err(e),
            }
            .map(Into::into)
            .map_err(|e| format!("hook event is not the JSON an agent client sends: {e}"))
        }
    }
}

/// `buf` with every `\uXXXX` escape of an unpaired UTF-16 surrogate replaced by `\ufffd` (same
/// length), or `None` when there is none.
fn repair_lone_surrogates(buf: &[u8]) -> Option<Vec<u8>> {
    let escape_at = |i: usize| -> Option<u16> {
        let hex = buf.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < buf.len() {
        if buf[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(i) else {
            // Any other escape is two bytes (`\\`, `\"`, `\n`, …); a bad one is serde's to report.
            i += 2;
            continue;
        };
        match unit {
            0xD800..=0xDBFF if escape_at(i + 6).is_some_and(|u| (0xDC00..=0xDFFF).contains(&u)) => {
                i += 12;
            }
            0xD800..=0xDFFF => {
                out.get_or_insert_with(|| buf.to_vec())[i..i + 6].copy_from_slice(b"\\ufffd");
                i += 6;
            }
            _ => i += 6,
        }
    }
    out
}

/// Run one hook on an event read from `input`, with `fallback_dir` when the event names no cwd.
/// `start_budget` starts the watchdog; it is called before stdin is read.
pub fn run(
    kind: HookKind,
    input: impl Read,
    fallback_dir: PathBuf,
    host: &Host,
    start_budget: impl FnOnce(),
) -> HookOutput {
    // Started before reading: a writer that never closes stdin must not hold the agent.
    start_budget();
    let mut event = match read_event(input) {
        Ok(e) => e,
        Err(msg) => return HookOutput::problem(msg),
    };
    // Cursor's sessionStart has a `session_id` of its own; every event has the conversation's.
    if let Some(c) = event.conversation_id.take() {
        event.session_id = Some(c);
    }
    if event.session_id.is_none() {
        event.session_id = host.claude_session.clone();
    }
    let dir = event
        .cwd
        .as_deref()
        .or(event.workspace_root.as_deref())
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or(fallback_dir);
    // The hot path: an ordinary prompt costs a JSON parse and a scan for cue words (and, on one
    // line of at most 80 bytes, the learned model's score); one with a cue word (at most 250
    // bytes) is read by the grammar and the learned model, microseconds
    // (and, for a client without SessionStart(compact), a look for a compaction to restore after).
    let d = host.dialect();
    let due_here = |k: HookKind| {
        d.restore_at == Some(k) && claude::restoration_due_near(&dir, event.session_id.as_deref())
    };
    if kind == HookKind::PostToolUse && !due_here(kind) {
        return HookOutput::quiet();
    }
    if kind == HookKind::PreCompact
        && !d.pre_compact_triggers.is_empty()
        && !d
            .pre_compact_triggers
            .contains(&event.trigger.as_deref().unwrap_or(""))
    {
        return HookOutput::quiet();
    }
    if kind == HookKind::UserPromptSubmit {
        let prompt = event.prompt.as_deref().unwrap_or("");
        let restore_due = due_here(kind);
        match our_command(prompt) {
            // The command binds by CLAUDE_CODE_SESSION_ID itself; only a client that does not
            // set it needs the pending note.
            Some("session-init" | "session-resume") if host.claude_session.is_none() => {}
            Some(_) => return HookOutput::quiet(),
            None if !restore_due && !intent::is_continuation(prompt) => {
                return HookOutput::quiet();
            }
            None => {}
        }
    }
    let mut ws = match Workspace::discover(&dir) {
        Ok(ws) => ws,
        // Not in a repository, or one we refuse: nothing of ours to do here.
        Err(Error::NotARepository { .. } | Error::BareRepository(_) | Error::Refused(_)) => {
            return HookOutput::quiet();
        }
        Err(e) => return HookOutput::problem(e.to_string()),
    };
    ws.set_agent(AgentSession::new(host.agent, event.session_id.as_deref()));
    ws.set_lock_wait(if kind == HookKind::SessionEnd {
        END_LOCK_WAIT
    } else {
        LOCK_WAIT
    });
    // Installed both in settings and as a plugin, every Claude Code hook runs twice: the first
    // copy acts. (Stop and SessionEnd are safe to run twice: the second finds nothing left to
    // do.) Other clients have no plugin copy, and Codex's events carry nothing that tells two
    // compactions of a thread seconds apart from one event seen twice (decision 82).
    if host.agent == Agent::Claude
        && !matches!(kind, HookKind::Stop | HookKind::SessionEnd)
        && let Some(cid) = &event.session_id
        && !claude::first_to_act(ws.state_dir(), cid, &once_key(kind, &event), host.origin())
    {
        return HookOutput::quiet();
    }
    let result = match kind {
        HookKind::PreCompact => pre_compact(&ws, &event, host),
        HookKind::PostCompact => post_compact(&ws, &event, host),
        HookKind::SessionStart => session_start(&ws, &event, host),
        HookKind::UserPromptSubmit => user_prompt_submit(&ws, &event, host),
        HookKind::Stop => stop(&ws, &event, host),
        HookKind::SessionEnd => session_end(&ws, &event, host),
        HookKind::PostToolUse => due_restoration(&ws, &event, host, kind)
            .map(|out| out.unwrap_or_else(HookOutput::quiet)),
    };
    let mut out = match result {
        Ok(out) => out,
        Err(e) => HookOutput::problem(e.to_string()),
    };
    // Whatever the hook did not already put into its context still reaches stderr.
    out.warnings.extend(ws.take_warnings());
    out
}

/// What makes one occurrence of an event distinct from the next one of the same kind.
/// Both copies of a doubled hook get the same event; two real occurrences differ in one of
/// these (a resume also in `seconds_since_last_response`).
fn once_key(kind: HookKind, e: &Event) -> String {
    let field = |f: &Option<String>| f.as_deref().unwrap_or("").to_string();
    [
        kind.event_name().to_string(),
        field(&e.prompt_id),
        field(&e.trigger),
        field(&e.source),
        field(&e.since_last_response),
        field(&e.prompt),
        field(&e.compact_summary),
    ]
    .join("\u{1f}")
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

/// Context for the model with the workspace's warnings on top, and a notice for the user;
/// `build` gets the UTF-16 units left for the rest, so warning and context stay within `cap`.
fn context_with_warnings(
    ws: &Workspace,
    host: &Host,
    kind: HookKind,
    cap: usize,
    notice: Option<String>,
    build: impl FnOnce(usize) -> Result<String>,
) -> Result<HookOutput> {
    let warnings = ws.take_warnings();
    let line = warning_line(&warnings);
    let rest = build(cap.saturating_sub(text::utf16_len(&line)))?;
    let context = text::clip_utf16(&(line + &rest), cap, "…");
    let mut out = HookOutput::context(host.dialect(), kind, context, notice);
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
    let room = cap.saturating_sub(text::utf16_len(&out));
    out.push_str(&restore::render(&r, Some(room)));
    Ok(out)
}

/// One short line of text, clipped.
fn clip(s: &str, n: usize) -> String {
    text::clip_utf16(&text::one_line(s), n, "…")
}

/// What PreCompact says: Claude Code appends it to the summariser's request ("Additional
/// Instructions"), and shows it for a manual `/compact`. So it is guidance on what the summary
/// must keep, in plain words, not a file dump.
fn compaction_guidance(s: &SessionEntry, v: &SessionView, host: &Host) -> String {
    let mut out = format!(
        "This conversation's work is recorded in the git-session journal as session \"{}\". Keep these facts in the summary:\n",
        v.shortname
    );
    let goal = if v.objective.trim().is_empty() {
        &v.title
    } else {
        &v.objective
    };
    out.push_str(&format!("- Goal: {}\n", clip(goal, 300)));
    if !v.tldr.trim().is_empty() {
        out.push_str(&format!("- Where it stands: {}\n", clip(&v.tldr, 400)));
    }
    let (done, total) = v.step_counts();
    match &v.current {
        Some(c) => out.push_str(&format!(
            "- Current step ({} of {total}): {}\n",
            (done + 1).min(total.max(1)),
            clip(c, 200)
        )),
        None => out.push_str(&format!("- Steps done: {done} of {total}\n")),
    }
    let open: Vec<_> = v.blockers.iter().filter(|b| !b.resolved).collect();
    if open.is_empty() {
        out.push_str("- Open blockers: none\n");
    } else {
        out.push_str("- Open blockers:\n");
        for b in open.iter().take(3) {
            out.push_str(&format!("  - {}\n", clip(&b.text, 200)));
        }
    }
    if !v.key_context.is_empty() {
        out.push_str("- Key context that must survive:\n");
        for k in v.key_context.iter().take(5) {
            out.push_str(&format!("  - {}\n", clip(k, 200)));
        }
    }
    if !v.next_steps.is_empty() {
        out.push_str("- Next steps:\n");
        for n in v.next_steps.iter().take(3) {
            out.push_str(&format!("  - {}\n", clip(n, 200)));
        }
    }
    out.push_str(&format!(
        "The journal (.sessions/{s}) holds the rest: plan, decisions, discoveries and history. It is restored automatically after this compaction, and {} restores it at any time, so the summary need not repeat it.\n",
        host.command("session-resume")
    ));
    text::clip_utf16(&out, GUIDANCE_CAP_UTF16, "…")
}

fn pre_compact(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    let lock = ws.lock()?;
    ws.refresh(&lock)?;
    let Some(target) = session_for(ws, event)? else {
        return Ok(HookOutput::quiet());
    };
    let trigger = event.trigger.clone().unwrap_or_else(|| "unknown".into());
    let cid = event.session_id.as_deref().unwrap_or("");
    // The previous compaction restored the journal but no PostCompact came: count it now.
    count_unreported_compaction(ws, &lock, event, host)?;
    // A checkpoint, not the count: PreCompact also fires for a compaction that then fails.
    let (_, file) = ws.change_session(
        &lock,
        JournalCommand::Compact,
        Some(&target.short),
        |file, now| {
            let mut file = file;
            if let Some(cid) = event.session_id.as_deref().and_then(claude::safe_id) {
                file = file.record_agent_session(host.agent, &cid)?;
            }
            Ok(SessionEdit {
                file: ws.checkpoint_file(file, None, now)?,
                kind: "checkpoint".into(),
                body: format!("Checkpoint before a context compaction (trigger: {trigger})"),
                summary: format!("before compaction ({trigger})"),
            })
        },
    )?;
    claude::set_compaction(ws.state_dir(), cid, Some(claude::Compaction::Started))?;
    let warnings = ws.take_warnings();
    if !host.dialect().pre_compact_guidance {
        // The client passes PreCompact's output to no model (Codex), or reads only JSON from it.
        return Ok(HookOutput {
            warnings,
            ..HookOutput::default()
        });
    }
    let guidance = warning_line(&warnings) + &compaction_guidance(&target, &file.view(), host);
    Ok(HookOutput {
        stdout: Some(guidance),
        warnings,
        ..HookOutput::default()
    })
}

/// How a compaction came to be counted.
enum Counted<'a> {
    /// PostCompact, with the client's summary of the conversation (maybe empty).
    Summary(&'a str),
    /// A later event found SessionStart(`compact`) restored it and no PostCompact came.
    Unreported,
    /// The client has no post-compaction event: the next prompt restored and counted it.
    AtNextPrompt,
}

/// Count one compaction that happened on `target`, with a `compaction` journal entry.
fn count_compaction(
    ws: &Workspace,
    lock: &crate::workspace::WorktreeLock,
    target: &SessionEntry,
    trigger: &str,
    how: Counted,
    host: &Host,
) -> Result<SessionFile> {
    let (_, file) = ws.change_session(
        lock,
        JournalCommand::Compact,
        Some(&target.short),
        |file, _| {
            let n = file.meta.compaction_count + 1;
            let file = file.set_field("compaction_count", &n.to_string())?;
            let mut body = format!("Context compaction {n} (trigger: {trigger})");
            match how {
                Counted::Summary(s) if !s.trim().is_empty() => {
                    body.push_str(&format!("\n\n{}'s summary:\n\n", host.agent.title()));
                    body.push_str(s.trim());
                }
                Counted::Summary(_) => {}
                Counted::Unreported => body.push_str(
                    "\n\nCounted after the journal was restored: the client sent no PostCompact.",
                ),
                Counted::AtNextPrompt => body.push_str(&format!(
                    "\n\nCounted at the next prompt, which restored the journal: {} has no event after a compaction.",
                    host.agent.title()
                )),
            }
            Ok(SessionEdit {
                file,
                kind: "compaction".into(),
                body,
                summary: format!("compaction {n} ({trigger})"),
            })
        },
    )?;
    Ok(file)
}

fn post_compact(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    let lock = ws.lock()?;
    ws.refresh(&lock)?;
    let Some(target) = session_for(ws, event)? else {
        return Ok(HookOutput::quiet());
    };
    let cid = event.session_id.as_deref().unwrap_or("");
    let trigger = event.trigger.as_deref().unwrap_or("unknown");
    // PostCompact fires only for a compaction that happened, after SessionStart(compact).
    let summary = event.compact_summary.as_deref().unwrap_or("");
    count_compaction(ws, &lock, &target, trigger, Counted::Summary(summary), host)?;
    claude::set_compaction(ws.state_dir(), cid, None)?;
    Ok(HookOutput::quiet())
}

/// The notice shown to the user at startup: which session is active and where it stands.
fn startup_notice(name: &str, v: &SessionView) -> String {
    let (done, total) = v.step_counts();
    let mut line = format!("git-session: active session {name}");
    if let Some(c) = &v.current {
        line.push_str(&format!(
            " (step {} of {total}: {})",
            (done + 1).min(total.max(1)),
            clip(c, 80)
        ));
    }
    if v.compaction_count > 0 {
        line.push_str(&format!(", after {} compaction(s)", v.compaction_count));
    }
    line
}

/// What SessionStart spends at most on fetching and merging the remote journal when
/// `session.sync.auto` is on and `session.sync.budget` is not set (issue 19: "e.g. 1.5 s").
pub const SYNC_BUDGET: Duration = Duration::from_millis(1500);

/// The largest `session.sync.budget`, in milliseconds: with git's second of grace after it is
/// stopped, it leaves the hook's watchdog (10 s) time to build the digest.
pub const MAX_SYNC_BUDGET_MS: u64 = 5000;

/// `session.sync.auto`: fetch the journal of the remote `sync` would use and merge it, bounded
/// by the budget. A remote that does not answer in time is stopped (git and what it started);
/// a fetch stopped fetched nothing and nothing is merged, so the digest comes from the local
/// journal as it was. Failures are one warning; no remote, or the setting off, is silence.
fn auto_sync(ws: &Workspace) {
    let store = ws.store();
    if store.config_bool("session.sync.auto") != Some(true) {
        return;
    }
    let budget = store
        .config_string("session.sync.budget")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| (1..=MAX_SYNC_BUDGET_MS).contains(ms))
        .map(Duration::from_millis)
        .unwrap_or(SYNC_BUDGET);
    let Ok(remote) = crate::sync::default_remote(ws) else {
        return;
    };
    let peer = crate::store::Peer::Remote(remote.clone());
    crate::remote::set_deadline(Some(std::time::Instant::now() + budget));
    let result = crate::sync::sync(ws, &peer, true);
    crate::remote::set_deadline(None);
    match result {
        Ok(_) => {}
        Err(Error::Remote(crate::remote::RemoteError::TimedOut { .. })) => ws.warn(format!(
            "sync.auto: {} did not answer within {} ms; stopped; the digest is from the local journal",
            crate::remote::redact(&remote),
            budget.as_millis()
        )),
        Err(e) => ws.warn(format!(
            "sync.auto: {}; the digest is from the local journal",
            crate::error::one_line(&e)
        )),
    }
}

fn session_start(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    let source = event.source.as_deref().unwrap_or("startup");
    let cid = event.session_id.as_deref().unwrap_or("");
    // Never on compact (the restoration must not wait) nor on any other event.
    if matches!(source, "startup" | "resume" | "clear") {
        auto_sync(ws);
    }
    let s = {
        let lock = ws.lock()?;
        ws.refresh(&lock)?;
        let s = session_for(ws, event)?;
        // The compaction happened; PostCompact, which comes after this event, counts it.
        let mut in_flight = 0;
        if source == "compact"
            && claude::compaction(ws.state_dir(), cid) == Some(claude::Compaction::Started)
        {
            claude::set_compaction(ws.state_dir(), cid, Some(claude::Compaction::Restored))?;
            in_flight = 1;
        }
        (s, in_flight)
    };
    let (s, in_flight) = s;
    let Some(s) = s else {
        let active: Vec<String> = ws
            .sessions_in(true, false)?
            .into_iter()
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
        let resume = host.command("session-resume");
        let notice = format!(
            "git-session: {} unfinished session(s); {resume} <name> continues one",
            active.len()
        );
        return context_with_warnings(
            ws,
            host,
            HookKind::SessionStart,
            START_CAP_UTF16,
            Some(notice),
            |_| {
                Ok(format!(
                    "git-session: this repository has {} unfinished journal session(s): {list}. To continue one, run {resume} <name>.",
                    active.len()
                ))
            },
        );
    };
    let file = ws.load(&s)?;
    let view = file.view();
    if source == "compact" {
        let notice = format!(
            "git-session: session {} restored after compaction #{}",
            s.shortname,
            view.compaction_count + in_flight
        );
        claude::set_fresh_restoration(ws.state_dir(), cid)?;
        return restore_as(
            ws,
            host,
            HookKind::SessionStart,
            notice,
            (&s, &file),
            "your context was just compacted; here is where the work stands",
        );
    }
    // startup, resume, clear, fork (a new Claude session branched off a conversation), and VS
    // Code Copilot's "new": the short digest. progress.md is kept for exactly this.
    let digest = match ws.mirror().read(&format!(
        "{}/progress.md",
        crate::layout::journal_dir(&s.short)
    ))? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => progress::render(&view),
    };
    let body = digest
        .split_once("\n---\n")
        .map(|(_, b)| b)
        .unwrap_or(&digest);
    let resume = host.command("session-resume");
    let notice = startup_notice(&s.shortname, &view);
    context_with_warnings(
        ws,
        host,
        HookKind::SessionStart,
        START_CAP_UTF16,
        Some(notice),
        |cap| {
            let ctx = format!(
                "git-session: journal session {} is in progress in this worktree (.sessions/{}). Run {resume} for the full context.\n\n{}",
                s.shortname,
                s,
                body.trim()
            );
            // Past sessions on the same files or words, after the digest and within the cap
            // (decision 118); a failure to find them costs the lines, never the digest.
            let related = related_lines(ws, &s, &view);
            let room = cap.saturating_sub(text::utf16_len(&related));
            let mut out = text::clip_utf16(&ctx, room, &format!("\n[…cut; run {resume}]"));
            if !related.is_empty() {
                out.push_str("\n\n");
                out.push_str(related.trim_end());
            }
            Ok(text::clip_utf16(&out, cap, "…"))
        },
    )
}

/// Up to three past sessions related to `s`, as the digest's lines; empty when there are none
/// or they cannot be read (the lines may take at most a fifth of the start cap).
fn related_lines(ws: &Workspace, s: &SessionEntry, view: &SessionView) -> String {
    let found = (|| -> Result<Vec<crate::related::Related>> {
        let store = ws.store();
        let Some(tip) = ws.journal_tip()? else {
            return Ok(Vec::new());
        };
        crate::related::related(&store, store.tree_of(tip)?, s, view, 3)
    })();
    let lines = crate::related::render(&found.unwrap_or_default());
    text::clip_utf16(&lines, START_CAP_UTF16 / 5, "…")
}

/// The whole restoration of `session` as `kind`'s context, capped at [`CONTEXT_CAP_UTF16`],
/// opened by `why`, with the user's one-line `notice`.
fn restore_as(
    ws: &Workspace,
    host: &Host,
    kind: HookKind,
    notice: String,
    (entry, file): (&SessionEntry, &SessionFile),
    why: &str,
) -> Result<HookOutput> {
    context_with_warnings(ws, host, kind, CONTEXT_CAP_UTF16, Some(notice), |cap| {
        restoration(ws, entry, file, cap, why)
    })
}

fn user_prompt_submit(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    let prompt = event.prompt.as_deref().unwrap_or("");
    let cid = event.session_id.as_deref().unwrap_or("");
    if our_command(prompt).is_some() {
        if let Some(cid) = &event.session_id {
            claude::set_pending(ws.state_dir(), host.agent, cid)?;
        }
        return Ok(HookOutput::quiet());
    }
    let d = host.dialect();
    if d.restore_at == Some(HookKind::UserPromptSubmit)
        && let Some(out) = due_restoration(ws, event, host, HookKind::UserPromptSubmit)?
    {
        return Ok(out);
    }
    if !intent::is_continuation(prompt) {
        return Ok(HookOutput::quiet());
    }
    if d.restore_at == Some(HookKind::PostToolUse) {
        // This client's prompt event cannot add context (Cursor): the next tool call's can.
        claude::set_asked(ws.state_dir(), cid)?;
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
    if claude::take_fresh_restoration(ws.state_dir(), cid) {
        // SessionStart(compact) put the whole restoration into this very request already.
        return Ok(HookOutput::quiet());
    }
    let notice = format!(
        "git-session: restored session {} for this continuation ({} for everything)",
        s.shortname,
        host.command("session-view")
    );
    restore_as(
        ws,
        host,
        HookKind::UserPromptSubmit,
        notice,
        (&s, &file),
        "the user asked to continue; here is where the work stands",
    )
}

/// For a client without SessionStart(`compact`): the restoration due at this event (`kind`),
/// once: after a compaction PreCompact marked (counted now, since no later event reports it),
/// or after a continuation asked for at a prompt event that cannot add context (Cursor).
fn due_restoration(
    ws: &Workspace,
    event: &Event,
    host: &Host,
    kind: HookKind,
) -> Result<Option<HookOutput>> {
    let cid = event.session_id.as_deref().unwrap_or("");
    // Two file looks decide; the lock and refresh only when something is due.
    if !claude::restoration_due(ws.state_dir(), cid) {
        return Ok(None);
    }
    let lock = ws.lock()?;
    ws.refresh(&lock)?;
    let compacted = claude::compaction(ws.state_dir(), cid) == Some(claude::Compaction::Started);
    let asked = claude::take_asked(ws.state_dir(), cid);
    if !compacted && !asked {
        return Ok(None);
    }
    let Some(target) = session_for(ws, event)? else {
        claude::set_compaction(ws.state_dir(), cid, None)?;
        return Ok(None);
    };
    let (file, notice, why) = if compacted {
        let file = count_compaction(ws, &lock, &target, "unknown", Counted::AtNextPrompt, host)?;
        claude::set_compaction(ws.state_dir(), cid, None)?;
        let notice = format!(
            "git-session: session {} restored after compaction #{}",
            target.shortname, file.meta.compaction_count
        );
        (
            file,
            notice,
            "your context was just compacted; here is where the work stands",
        )
    } else {
        let notice = format!(
            "git-session: restored session {} for this continuation",
            target.shortname
        );
        (
            ws.load(&target)?,
            notice,
            "the user asked to continue; here is where the work stands",
        )
    };
    drop(lock);
    restore_as(ws, host, kind, notice, (&target, &file), why).map(Some)
}

fn stop(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    // VS Code Copilot sends Stop when its session ends, and no SessionEnd.
    if event.copilot {
        return session_end(ws, event, host);
    }
    let cid = event.session_id.as_deref().unwrap_or("");
    claude::take_fresh_restoration(ws.state_dir(), cid);
    if compaction_unreported(ws, event) {
        let lock = ws.lock()?;
        ws.refresh(&lock)?;
        count_unreported_compaction(ws, &lock, event, host)?;
    }
    // One small file write per agent turn, and no commit but the one above.
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

/// A client without PostCompact (Claude Code before 2.1.76): the compaction whose restoration
/// SessionStart(`compact`) gave is counted by the next Stop, SessionEnd or PreCompact of that
/// Claude session, under the worktree lock the caller holds.
fn count_unreported_compaction(
    ws: &Workspace,
    lock: &crate::workspace::WorktreeLock,
    event: &Event,
    host: &Host,
) -> Result<()> {
    let cid = event.session_id.as_deref().unwrap_or("");
    if !compaction_unreported(ws, event) {
        return Ok(());
    }
    if let Some(target) = session_for(ws, event)? {
        count_compaction(ws, lock, &target, "unknown", Counted::Unreported, host)?;
    }
    claude::set_compaction(ws.state_dir(), cid, None)
}

/// Whether SessionStart(`compact`) restored a compaction no PostCompact has counted: one file
/// read, so Stop can look without taking the lock.
fn compaction_unreported(ws: &Workspace, event: &Event) -> bool {
    let cid = event.session_id.as_deref().unwrap_or("");
    claude::compaction(ws.state_dir(), cid) == Some(claude::Compaction::Restored)
}

fn session_end(ws: &Workspace, event: &Event, host: &Host) -> Result<HookOutput> {
    let lock = ws.lock()?;
    if compaction_unreported(ws, event) {
        ws.refresh(&lock)?;
        count_unreported_compaction(ws, &lock, event, host)?;
    }
    // Commit only when the mirror holds hand edits that no command has saved yet.
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
            summary: format!("hand edits saved at {} {reason}", host.agent.title()),
            touched: vec![],
        })
    })?;
    Ok(HookOutput::quiet())
}
