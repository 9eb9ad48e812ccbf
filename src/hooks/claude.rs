//! Which journal session belongs to which Claude Code session, kept per worktree, and the small
//! per-worktree notes the hooks keep between events.
//!
//! `<git-dir>/git-session/claude/<claude-session-id>` holds the journal session id. Claude Code
//! sets `CLAUDE_CODE_SESSION_ID` for every command the agent runs, a slash command's `!` line
//! included, so `git session init` and `resume` bind the Claude session that ran them directly
//! (decision 43). Clients without that variable fall back on a pending note the
//! UserPromptSubmit hook leaves per Claude session, used only when it is the only recent one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::agent::{Agent, AgentSession};
use crate::error::Result;
use crate::mirror::write_atomic;

/// The variable Claude Code sets for hooks and for every command its agent runs.
pub const SESSION_ENV: &str = "CLAUDE_CODE_SESSION_ID";
/// How long a pending binding from a slash-command prompt stays valid: the `!` line runs
/// right after the prompt's hook.
const PENDING_TTL: Duration = Duration::from_secs(120);
/// How long a hook remembers that it acted on an event, to act once when installed twice.
pub const ONCE_WINDOW: Duration = Duration::from_secs(10);
/// Most remembered events; older ones are dropped first.
const ONCE_MAX: usize = 256;

pub use crate::agent::safe_id;

fn dir(state: &Path) -> PathBuf {
    state.join("claude")
}

fn age(path: &Path) -> Option<Duration> {
    let m = fs::metadata(path).ok()?.modified().ok()?;
    Some(SystemTime::now().duration_since(m).unwrap_or_default())
}

/// The journal session id bound to a Claude session.
pub fn bound(state: &Path, claude: &str) -> Option<String> {
    let id = safe_id(claude)?;
    fs::read_to_string(dir(state).join(id))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Bind a Claude session to a journal session.
pub fn bind(state: &Path, claude: &str, journal_id: &str) -> Result<()> {
    let Some(id) = safe_id(claude) else {
        return Ok(());
    };
    if bound(state, claude).as_deref() == Some(journal_id) {
        return Ok(());
    }
    Ok(write_atomic(
        &dir(state).join(id),
        format!("{journal_id}\n").as_bytes(),
    )?)
}

/// The agent session a command (`init`, `resume`) runs for: the one its environment names
/// (Claude Code sets `CLAUDE_CODE_SESSION_ID` for every command; see
/// [`Agent::from_env`](crate::agent::Agent::from_env)), else the one pending note left by a
/// slash-command prompt (none when two sessions asked at once: better unbound than bound to
/// the wrong one).
pub fn requesting_session(state: &Path) -> Option<AgentSession> {
    match Agent::from_env() {
        Some(a) if a.session.is_some() => Some(a),
        _ => take_pending(state),
    }
}

/// For `init` and `resume`: the agent session asking ([`requesting_session`]), whose entries
/// `ws` then writes as that agent's, as (agent, its session id) when the id is known.
pub fn asking(ws: &crate::workspace::Workspace) -> Option<(Agent, String)> {
    let asking = requesting_session(ws.state_dir())?;
    ws.set_agent(asking.clone());
    asking.session.map(|id| (asking.agent, id))
}

/// Note that this agent session just asked for `/session-init` or `/session-resume`, for a
/// client that does not give the command its session id.
pub fn set_pending(state: &Path, agent: Agent, id: &str) -> Result<()> {
    let Some(id) = safe_id(id) else {
        return Ok(());
    };
    Ok(write_atomic(
        &dir(state).join("pending").join(id),
        agent.name().as_bytes(),
    )?)
}

/// The only recent pending agent session, taken; `None` when there is none or several.
fn take_pending(state: &Path) -> Option<AgentSession> {
    let pending = dir(state).join("pending");
    let mut fresh = Vec::new();
    for e in fs::read_dir(&pending).ok()?.flatten() {
        let path = e.path();
        match age(&path) {
            Some(a) if a < PENDING_TTL => fresh.push(path),
            _ => {
                let _ = fs::remove_file(&path);
            }
        }
    }
    let [only] = fresh.as_slice() else {
        return None;
    };
    let id = only.file_name()?.to_str()?.to_string();
    // A note from before agents were named is Claude's.
    let agent = fs::read_to_string(only)
        .ok()
        .and_then(|n| Agent::from_name(n.trim()))
        .unwrap_or(Agent::Claude);
    let _ = fs::remove_file(only);
    Some(AgentSession::new(agent, Some(&id)))
}

/// Where a compaction of one Claude session stands, between its hooks. Claude Code 2.1.332
/// runs them in the order PreCompact → SessionStart(`compact`) → PostCompact (pinned by the
/// e2e suite), so only PostCompact, or a later event that finds PostCompact never came, may
/// count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compaction {
    /// PreCompact saw it start; nothing counted yet (it may still fail).
    Started,
    /// SessionStart(`compact`) restored the journal: it happened. PostCompact counts it; if a
    /// later Stop, SessionEnd or PreCompact finds this state, the client sent no PostCompact
    /// and that event counts it.
    Restored,
}

impl Compaction {
    fn as_str(self) -> &'static str {
        match self {
            Compaction::Started => "started",
            Compaction::Restored => "restored",
        }
    }
}

/// Whether a restoration is due for agent session `id` in the repository around `dir` (a
/// compaction marked Started, or a continuation asked for), found without opening it:
/// `$GIT_DIR`, else the first `.git` directory (or `.git` file's `gitdir:`) up from `dir`. For
/// the per-prompt and per-tool-call hooks of a client that has no event after a compaction;
/// a few `stat` calls.
pub fn restoration_due_near(dir: &Path, id: Option<&str>) -> bool {
    let Some(id) = id else {
        return false;
    };
    let git_dir = std::env::var_os("GIT_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| dir.join(d))
        .or_else(|| {
            dir.ancestors().find_map(|d| {
                let dot = d.join(".git");
                let meta = fs::symlink_metadata(&dot).ok()?;
                if meta.is_dir() {
                    return Some(dot);
                }
                let text = fs::read_to_string(&dot).ok()?;
                let to = text.strip_prefix("gitdir:")?.trim();
                Some(d.join(to))
            })
        });
    git_dir.is_some_and(|g| restoration_due(&g.join("git-session"), id))
}

/// Whether a restoration is due for agent session `id` (see [`restoration_due_near`]), in the
/// state dir `state`.
pub fn restoration_due(state: &Path, id: &str) -> bool {
    compaction(state, id) == Some(Compaction::Started) || marker(state, "asked", id).exists()
}

/// `<state>/claude/<kind>/<id>`: a per-session note of one kind (`compaction`, `fresh`,
/// `asked`).
fn marker(state: &Path, kind: &str, id: &str) -> PathBuf {
    let id = safe_id(id).unwrap_or_else(|| "unknown".into());
    dir(state).join(kind).join(id)
}

/// Note that the user of agent session `id` asked to continue at a prompt event that cannot
/// add context (Cursor's beforeSubmitPrompt); the next event that can, restores.
pub fn set_asked(state: &Path, id: &str) -> Result<()> {
    Ok(write_atomic(&marker(state, "asked", id), b"1\n")?)
}

/// Whether a continuation was asked for, forgetting it: at most once.
pub fn take_asked(state: &Path, id: &str) -> bool {
    fs::remove_file(marker(state, "asked", id)).is_ok()
}

/// The compaction state of a Claude session. Read and written under the worktree lock.
pub fn compaction(state: &Path, claude: &str) -> Option<Compaction> {
    let text = fs::read_to_string(marker(state, "compaction", claude)).ok()?;
    [Compaction::Started, Compaction::Restored]
        .into_iter()
        .find(|c| c.as_str() == text.trim())
}

/// Record (or with `None`, forget) the compaction state of a Claude session.
pub fn set_compaction(state: &Path, claude: &str, c: Option<Compaction>) -> Result<()> {
    let path = marker(state, "compaction", claude);
    match c {
        Some(c) => Ok(write_atomic(&path, format!("{}\n", c.as_str()).as_bytes())?),
        None => {
            let _ = fs::remove_file(&path);
            Ok(())
        }
    }
}

/// Note that the model of this Claude session has just been given the whole restoration
/// (SessionStart(`compact`)); the next Stop forgets it. A "continue" typed before that (the
/// usual first prompt after a manual `/compact`) then need not inject the same text twice.
pub fn set_fresh_restoration(state: &Path, claude: &str) -> Result<()> {
    Ok(write_atomic(&marker(state, "fresh", claude), b"1\n")?)
}

/// Whether the model was just given the restoration, forgetting it: at most once.
pub fn take_fresh_restoration(state: &Path, claude: &str) -> bool {
    fs::remove_file(marker(state, "fresh", claude)).is_ok()
}

/// Whether this hook process is the first to act on one event of one Claude session: `key`
/// names the event (event name and prompt id, trigger or source). A second copy of the same
/// hook (installed in settings and as a plugin) that sees the same key within [`ONCE_WINDOW`]
/// gets `false`. The claim is a file created with `O_EXCL`, so two copies started together
/// cannot both win; a crash leaves a file that simply expires. `origin` ("plugin" or
/// "settings") is kept in it: a loser of the other origin records that hooks run twice, for
/// `doctor`.
pub fn first_to_act(state: &Path, claude: &str, key: &str, origin: &str) -> bool {
    let Some(id) = safe_id(claude) else {
        return true;
    };
    let seen = dir(state).join("seen");
    if fs::create_dir_all(&seen).is_err() {
        return true;
    }
    let path = seen.join(format!("{id}-{:016x}", fnv(key)));
    for _ in 0..2 {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let _ = f.write_all(origin.as_bytes());
                prune(&seen);
                return true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if age(&path).is_some_and(|a| a < ONCE_WINDOW) {
                    let theirs = fs::read_to_string(&path).unwrap_or_default();
                    if !theirs.is_empty() && theirs != origin {
                        let _ = write_atomic(&doubled_path(state), format!("{key}\n").as_bytes());
                    }
                    return false;
                }
                // An old claim for a new occurrence: take it over (one try; a racer may win).
                let _ = fs::remove_file(&path);
            }
            // Cannot record: acting twice is better than not acting at all.
            Err(_) => return true,
        }
    }
    false
}

/// Drop expired claims, and the oldest beyond [`ONCE_MAX`].
fn prune(seen: &Path) {
    let Ok(entries) = fs::read_dir(seen) else {
        return;
    };
    let mut live: Vec<(Duration, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        match age(&path) {
            Some(a) if a < ONCE_WINDOW => live.push((a, path)),
            _ => {
                let _ = fs::remove_file(&path);
            }
        }
    }
    if live.len() > ONCE_MAX {
        live.sort();
        for (_, path) in &live[ONCE_MAX..] {
            let _ = fs::remove_file(path);
        }
    }
}

fn doubled_path(state: &Path) -> PathBuf {
    dir(state).join("doubled")
}

/// The event last seen twice, once from the plugin and once from settings, in the last week.
pub fn doubled(state: &Path) -> Option<String> {
    let path = doubled_path(state);
    if age(&path)? > Duration::from_secs(7 * 24 * 3600) {
        return None;
    }
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// FNV-1a: a stable name for a key, no dependency.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Record the last time an agent turn ended in this worktree (the Stop hook), without a commit.
pub fn touch_activity(state: &Path, claude: &str, journal_id: &str) -> Result<()> {
    let now = crate::model::time::rfc3339(crate::model::time::now());
    let id = safe_id(claude).unwrap_or_else(|| "unknown".into());
    Ok(write_atomic(
        &dir(state).join("activity"),
        format!("{journal_id} {now} {id}\n").as_bytes(),
    )?)
}

/// The last agent activity recorded for `journal_id`: its time.
pub fn last_activity(state: &Path, journal_id: &str) -> Option<String> {
    let text = fs::read_to_string(dir(state).join("activity")).ok()?;
    let mut parts = text.split_whitespace();
    (parts.next()? == journal_id)
        .then(|| parts.next().map(str::to_string))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_copy_of_a_hook_does_not_act_and_a_new_event_does() {
        let tmp = tempfile::tempdir().unwrap();
        let s = tmp.path();
        assert!(first_to_act(s, "c1", "PreCompact auto", "settings"));
        assert!(!first_to_act(s, "c1", "PreCompact auto", "settings"));
        assert_eq!(doubled(s), None);
        assert!(!first_to_act(s, "c1", "PreCompact auto", "plugin"));
        assert_eq!(doubled(s).as_deref(), Some("PreCompact auto"));
        assert!(first_to_act(s, "c2", "PreCompact auto", "plugin"));
        assert!(first_to_act(s, "c1", "PreCompact manual", "plugin"));
    }

    #[test]
    fn two_pending_notes_bind_nobody() {
        let tmp = tempfile::tempdir().unwrap();
        let s = tmp.path();
        set_pending(s, Agent::Codex, "a").unwrap();
        assert_eq!(
            take_pending(s),
            Some(AgentSession::new(Agent::Codex, Some("a")))
        );
        assert_eq!(take_pending(s), None);
        set_pending(s, Agent::Claude, "a").unwrap();
        set_pending(s, Agent::Claude, "b").unwrap();
        assert_eq!(take_pending(s), None);
    }
}
