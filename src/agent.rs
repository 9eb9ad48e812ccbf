//! The agent clients git-session speaks to, and who is writing right now.
//!
//! Each client has its own hook dialect (event names, where the session id comes from, how
//! context reaches the model); [`crate::hooks::dialect`] holds those differences as a table.
//! Here is only the part every command needs: which agent, if any, runs this process, so that
//! the journal entries it writes say so (`agent:` and `agent_session:` in their frontmatter).

use std::fmt;

/// An agent client with hooks of ours. The names are the values of `--agent` and of the
/// `agent:` frontmatter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    /// Claude Code (Anthropic).
    #[default]
    Claude,
    /// Codex CLI (OpenAI).
    Codex,
    /// Gemini CLI (Google).
    Gemini,
    /// Cursor (its agent and `cursor-agent`).
    Cursor,
}

impl Agent {
    /// Every agent, in the order install and doctor list them.
    pub const ALL: [Agent; 4] = [Agent::Claude, Agent::Codex, Agent::Gemini, Agent::Cursor];

    /// `claude`, `codex`, `gemini`, `cursor`.
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Cursor => "cursor",
        }
    }

    /// The client's own name, for people.
    pub fn title(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::Gemini => "Gemini CLI",
            Agent::Cursor => "Cursor",
        }
    }

    /// The agent a name (as `--agent` or `agent:` spell it) means.
    pub fn from_name(name: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The session-file frontmatter list of this agent's session ids
    /// (`claude_session_ids`, `codex_session_ids`, …).
    pub fn session_ids_key(self) -> String {
        format!("{}_session_ids", self.name())
    }

    /// The agent whose tool call runs this process, read from the variables each client sets
    /// for the commands its model runs, with that client's session id when it gives one:
    /// Claude Code sets `CLAUDE_CODE_SESSION_ID` (and `CLAUDECODE=1`); Codex CLI 0.171.0 sets
    /// `CODEX_THREAD_ID` (and `CODEX_SESSION_ID`, the same id, and `CODEX_TOOL_CALL_ID`; seen in
    /// the e2e suite); Gemini CLI sets `GEMINI_CLI=1` and no id
    /// (`services/shellExecutionService.ts`). Cursor documents nothing for its agent's
    /// commands. `None` for a person at a terminal.
    pub fn from_env() -> Option<AgentSession> {
        Self::from_vars(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// [`Agent::from_env`] over any variable lookup (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<AgentSession> {
        if let Some(id) = var("CLAUDE_CODE_SESSION_ID") {
            return Some(AgentSession::new(Agent::Claude, Some(&id)));
        }
        if var("CLAUDECODE").is_some() {
            return Some(AgentSession::new(Agent::Claude, None));
        }
        if let Some(id) = var("CODEX_THREAD_ID").or_else(|| var("CODEX_SESSION_ID")) {
            return Some(AgentSession::new(Agent::Codex, Some(&id)));
        }
        if var("CODEX_TOOL_CALL_ID").is_some() {
            return Some(AgentSession::new(Agent::Codex, None));
        }
        if var("GEMINI_CLI").is_some() {
            return Some(AgentSession::new(Agent::Gemini, None));
        }
        None
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An agent and, when known, its own id for the conversation (Claude's session id, Codex's
/// thread id, Cursor's conversation id), made safe as a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSession {
    pub agent: Agent,
    pub session: Option<String>,
}

impl AgentSession {
    /// `session` is filtered to `[A-Za-z0-9_-]`, at most 100 characters; empty becomes `None`.
    pub fn new(agent: Agent, session: Option<&str>) -> AgentSession {
        AgentSession {
            agent,
            session: session.and_then(safe_id),
        }
    }
}

/// An agent's session id made safe as a file name and a YAML scalar: ids are UUIDs, anything
/// else is filtered to `[A-Za-z0-9_-]` and cut at 100 characters; `None` when nothing is left.
pub fn safe_id(id: &str) -> Option<String> {
    let s: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(100)
        .collect();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Option<AgentSession> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Agent::from_vars(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn each_client_is_told_by_the_variables_it_sets() {
        assert_eq!(vars(&[]), None);
        assert_eq!(
            vars(&[("CLAUDE_CODE_SESSION_ID", "ab-1"), ("GEMINI_CLI", "1")]),
            Some(AgentSession::new(Agent::Claude, Some("ab-1")))
        );
        assert_eq!(
            vars(&[("CODEX_THREAD_ID", "t/1")]),
            Some(AgentSession::new(Agent::Codex, Some("t1")))
        );
        assert_eq!(
            vars(&[("CODEX_TOOL_CALL_ID", "call_1")]),
            Some(AgentSession::new(Agent::Codex, None))
        );
        assert_eq!(vars(&[("GEMINI_CLI", "1")]).unwrap().agent, Agent::Gemini);
        // CODEX_HOME is set for hooks and often in people's shells: not a sign of an agent.
        assert_eq!(vars(&[("CODEX_HOME", "/home/a/.codex")]), None);
    }

    #[test]
    fn names_round_trip() {
        for a in Agent::ALL {
            assert_eq!(Agent::from_name(a.name()), Some(a));
        }
        assert_eq!(Agent::Codex.session_ids_key(), "codex_session_ids");
    }
}
