//! Which journal session belongs to which Claude Code session, kept per worktree.
//!
//! `<git-dir>/git-session/claude/<claude-session-id>` holds the journal session id. A hook binds
//! its Claude session to the worktree's current session the first time it finds one; a
//! `/session-init` or `/session-resume` prompt leaves a short-lived "pending" note so that the
//! command it runs binds the new session to the Claude session that asked for it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::Result;
use crate::mirror::write_atomic;

/// How long a pending binding from a slash-command prompt stays valid.
const PENDING_TTL: Duration = Duration::from_secs(600);

/// A Claude session id made safe as a file name (ids are UUIDs; anything else is filtered).
pub fn safe_id(id: &str) -> Option<String> {
    let s: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(100)
        .collect();
    (!s.is_empty()).then_some(s)
}

fn dir(state: &Path) -> PathBuf {
    state.join("claude")
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

/// Note that this Claude session just asked for `/session-init` or `/session-resume`.
pub fn set_pending(state: &Path, claude: &str) -> Result<()> {
    let Some(id) = safe_id(claude) else {
        return Ok(());
    };
    Ok(write_atomic(
        &dir(state).join("pending"),
        format!("{id}\n").as_bytes(),
    )?)
}

/// Take the pending Claude session id, if it is recent.
pub fn take_pending(state: &Path) -> Option<String> {
    let path = dir(state).join("pending");
    let age = fs::metadata(&path)
        .ok()?
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())?;
    let id = fs::read_to_string(&path).ok()?.trim().to_string();
    let _ = fs::remove_file(&path);
    (age < PENDING_TTL && !id.is_empty()).then_some(id)
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
