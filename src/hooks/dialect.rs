//! Each agent's hook dialect, as a table: the only place where clients differ.
//!
//! One hook core ([`crate::hooks::run`]) does the work for every client; at the edge it reads
//! the client's event names and session-id field and writes the output shape the client reads.
//! Adding an agent is an entry here (and its install template in [`crate::install`]).
//! The facts come from each client's source or documentation, named on each entry; the
//! table in `docs/hooks.md` repeats them for people.

use crate::agent::Agent;
use crate::hooks::HookKind;

/// How a client takes context for its model from a hook's stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection {
    /// `{"hookSpecificOutput": {"hookEventName": E, "additionalContext": C}}` (Claude Code,
    /// Codex CLI, Gemini CLI), with `systemMessage` for the user where the client shows it.
    HookSpecificOutput,
    /// `{"additional_context": C}` (Cursor), with `user_message` for the user.
    SnakeCase,
}

/// The most context a client takes from one hook output, as it counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// JavaScript string length (Claude Code).
    Utf16(usize),
    /// UTF-8 bytes (Codex: 2,500 tokens of 4 bytes).
    Bytes(usize),
}

impl Cap {
    /// `s` within the cap, ending in `tail` when cut.
    pub fn clip(self, s: &str, tail: &str) -> String {
        match self {
            Cap::Utf16(n) => crate::model::text::clip_utf16(s, n, tail),
            Cap::Bytes(n) => crate::model::text::clip_bytes(s, n, tail),
        }
    }
}

/// The unit a client's hook `timeout` is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutUnit {
    Seconds,
    Milliseconds,
}

/// One client's hook dialect.
#[derive(Debug)]
pub struct Dialect {
    pub agent: Agent,
    /// The client's event name for each hook of ours it has, in install order. A hook kind
    /// missing here is one the client has no event for.
    pub events: &'static [(&'static str, HookKind)],
    /// How context reaches the model.
    pub injection: Injection,
    /// Whether the client shows `systemMessage` (or `user_message`) to the user.
    pub notice: bool,
    /// Whether the client fires SessionStart with source `compact` after a compaction, so the
    /// journal is restored there. Without it, PreCompact marks the compaction and the next
    /// prompt event restores it, once.
    pub compact_start: bool,
    /// Where the restoration goes when there is no SessionStart(`compact`): the first event
    /// after the compaction that can add context (`None` for clients that have it).
    pub restore_at: Option<HookKind>,
    /// The PreCompact `trigger`s that mean a compaction is starting; empty for all. (Gemini
    /// CLI fires PreCompress(`auto`) before every turn, compressing or not.)
    pub pre_compact_triggers: &'static [&'static str],
    /// Whether PreCompact's plain stdout reaches the summariser (Claude Code appends it to the
    /// compaction request); elsewhere PreCompact prints nothing.
    pub pre_compact_guidance: bool,
    /// Whether stdout must be JSON or nothing (plain text is an error to the client).
    pub json_only: bool,
    /// The most the client takes per injected context, as it counts it.
    pub cap: Cap,
    /// The `timeout` install writes for each hook, and its unit.
    pub timeout: (u64, TimeoutUnit),
    /// A word for the session-id field, for docs and errors.
    pub session_field: &'static str,
}

/// Claude Code: https://code.claude.com/docs/en/hooks (observed with 2.1.332, see
/// `docs/hooks.md`): additionalContext and systemMessage capped at 10,000 UTF-16 units each.
pub const CLAUDE: Dialect = Dialect {
    agent: Agent::Claude,
    events: &[
        ("PreCompact", HookKind::PreCompact),
        ("PostCompact", HookKind::PostCompact),
        ("SessionStart", HookKind::SessionStart),
        ("UserPromptSubmit", HookKind::UserPromptSubmit),
        ("Stop", HookKind::Stop),
        ("SessionEnd", HookKind::SessionEnd),
    ],
    injection: Injection::HookSpecificOutput,
    notice: true,
    compact_start: true,
    restore_at: None,
    pre_compact_triggers: &[],
    pre_compact_guidance: true,
    json_only: false,
    cap: Cap::Utf16(10_000),
    timeout: (30, TimeoutUnit::Seconds),
    session_field: "session_id",
};

/// Codex CLI 0.171.0 (openai/codex `codex-rs/hooks`; observed with the real client, see
/// `docs/hooks.md`): Claude-compatible events and output; the thread id arrives only as stdin
/// `session_id`; automatic compaction fires PreCompact → PostCompact → SessionStart(`compact`);
/// PreCompact/PostCompact output reaches no request; `systemMessage` is shown as a warning, so
/// we send none; each context is capped at 2,500 tokens counted as ⌈bytes / 4⌉ (10,000 bytes;
/// `codex-rs/hooks/src/output_spill.rs`), beyond which Codex truncates it; SessionEnd's timeout is
/// clamped to 3 s.
pub const CODEX: Dialect = Dialect {
    agent: Agent::Codex,
    events: &[
        ("PreCompact", HookKind::PreCompact),
        ("PostCompact", HookKind::PostCompact),
        ("SessionStart", HookKind::SessionStart),
        ("UserPromptSubmit", HookKind::UserPromptSubmit),
        ("Stop", HookKind::Stop),
        ("SessionEnd", HookKind::SessionEnd),
    ],
    injection: Injection::HookSpecificOutput,
    notice: false,
    compact_start: true,
    restore_at: None,
    pre_compact_triggers: &[],
    pre_compact_guidance: false,
    json_only: true,
    cap: Cap::Bytes(10_000),
    timeout: (30, TimeoutUnit::Seconds),
    session_field: "session_id",
};

/// Gemini CLI 0.61.0 (google-gemini/gemini-cli `packages/core/src/hooks`; observed with the
/// real client): no `compact` SessionStart source and no event after a compression, so the next
/// BeforeAgent restores; PreCompress(`auto`) fires before every turn whether or not it
/// compresses, so only `manual` (`/compress`) marks a compaction; BeforeAgent's context joins the
/// prompt it precedes; stdout must be JSON or nothing (plain text becomes a message, and a
/// non-zero exit other than 1 with text blocks the prompt); timeouts in milliseconds; no cap
/// on context (ours applies); `<` and `>` in it arrive as `&lt;` `&gt;`.
pub const GEMINI: Dialect = Dialect {
    agent: Agent::Gemini,
    events: &[
        ("PreCompress", HookKind::PreCompact),
        ("SessionStart", HookKind::SessionStart),
        ("BeforeAgent", HookKind::UserPromptSubmit),
        ("AfterAgent", HookKind::Stop),
        ("SessionEnd", HookKind::SessionEnd),
    ],
    injection: Injection::HookSpecificOutput,
    notice: true,
    compact_start: false,
    restore_at: Some(HookKind::UserPromptSubmit),
    pre_compact_triggers: &["manual"],
    pre_compact_guidance: false,
    json_only: true,
    cap: Cap::Utf16(10_000),
    timeout: (30_000, TimeoutUnit::Milliseconds),
    session_field: "session_id",
};

/// Cursor (cursor.com/docs/hooks, from a kept copy: no Cursor client runs here): camelCase
/// events, snake_case fields, `conversation_id` in every event; sessionStart takes
/// `additional_context` (fire-and-forget); beforeSubmitPrompt cannot add context, so a
/// continuation asked for there, or a compaction preCompact saw (it only observes), is restored
/// at the next postToolUse, which takes `additional_context`; timeouts in seconds.
pub const CURSOR: Dialect = Dialect {
    agent: Agent::Cursor,
    events: &[
        ("preCompact", HookKind::PreCompact),
        ("sessionStart", HookKind::SessionStart),
        ("beforeSubmitPrompt", HookKind::UserPromptSubmit),
        ("postToolUse", HookKind::PostToolUse),
        ("stop", HookKind::Stop),
        ("sessionEnd", HookKind::SessionEnd),
    ],
    injection: Injection::SnakeCase,
    notice: false,
    compact_start: false,
    restore_at: Some(HookKind::PostToolUse),
    pre_compact_triggers: &[],
    pre_compact_guidance: false,
    json_only: true,
    cap: Cap::Utf16(10_000),
    timeout: (30, TimeoutUnit::Seconds),
    session_field: "conversation_id",
};

impl Dialect {
    /// The dialect of `agent`.
    pub fn of(agent: Agent) -> &'static Dialect {
        match agent {
            Agent::Claude => &CLAUDE,
            Agent::Codex => &CODEX,
            Agent::Gemini => &GEMINI,
            Agent::Cursor => &CURSOR,
        }
    }

    /// The client's name for the event that runs hook `kind`, if it has one.
    pub fn event_name(&self, kind: HookKind) -> Option<&'static str> {
        self.events
            .iter()
            .find(|(_, k)| *k == kind)
            .map(|(name, _)| *name)
    }

    /// The hook of ours a client event name runs.
    pub fn kind_of(&self, event: &str) -> Option<HookKind> {
        self.events
            .iter()
            .find(|(name, _)| *name == event)
            .map(|(_, k)| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_has_the_events_the_journal_needs() {
        for a in Agent::ALL {
            let d = Dialect::of(a);
            assert_eq!(d.agent, a);
            for k in [
                HookKind::SessionStart,
                HookKind::UserPromptSubmit,
                HookKind::PreCompact,
            ] {
                let name = d.event_name(k).unwrap_or_else(|| panic!("{a}: {k:?}"));
                assert_eq!(d.kind_of(name), Some(k));
            }
            // A client without SessionStart(compact) restores at an event it has instead.
            assert!(
                d.compact_start == d.restore_at.is_none(),
                "{a}: restores after compaction once"
            );
            if let Some(k) = d.restore_at {
                assert!(d.event_name(k).is_some(), "{a}: {k:?}");
            }
        }
    }
}
