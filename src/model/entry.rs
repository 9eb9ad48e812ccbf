//! Journal entries: one immutable markdown file per event.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::ModelError;
use crate::model::time::{self, Stamp};

/// The frontmatter of an entry; unknown keys are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryMeta {
    pub kind: String,
    pub at: String,
    pub session: String,
    pub author: String,
    pub host: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// One journal entry.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub meta: EntryMeta,
    pub body: String,
}

impl JournalEntry {
    /// A new entry of `kind` for session `id`.
    pub fn new(
        kind: &str,
        at: Stamp,
        session: &str,
        author: &str,
        host: &str,
        body: String,
    ) -> Self {
        JournalEntry {
            meta: EntryMeta {
                kind: kind.into(),
                at: time::rfc3339(at),
                session: session.into(),
                author: author.into(),
                host: host.into(),
                extra: BTreeMap::new(),
            },
            body,
        }
    }

    /// This entry as written by an agent: `agent: <name>` and, when known,
    /// `agent_session: <its session id>` in the frontmatter.
    pub fn by_agent(mut self, a: &crate::agent::AgentSession) -> Self {
        self.meta.extra.insert(
            "agent".into(),
            serde_yaml::Value::String(a.agent.name().into()),
        );
        if let Some(s) = &a.session {
            self.meta
                .extra
                .insert("agent_session".into(), serde_yaml::Value::String(s.clone()));
        }
        self
    }

    /// The file text: YAML frontmatter written by serde (so any text is escaped), then the body.
    pub fn render(&self) -> String {
        let yaml = serde_yaml::to_string(&self.meta).expect("entry metadata always serialises");
        format!("---\n{yaml}---\n\n{}\n", self.body.trim_end())
    }

    /// Parse an entry file.
    pub fn parse(origin: &str, bytes: &[u8]) -> Result<Self, ModelError> {
        let err = |line, message: String| ModelError::parse(origin, line, message);
        let text = std::str::from_utf8(bytes).map_err(|_| err(1, "not valid UTF-8 text".into()))?;
        let rest = text
            .strip_prefix("---\n")
            .ok_or_else(|| err(1, "missing YAML frontmatter".into()))?;
        let end = rest
            .find("\n---\n")
            .ok_or_else(|| err(1, "frontmatter is not closed by a '---' line".into()))?;
        // The frontmatter starts on the file's line 2.
        let meta: EntryMeta =
            serde_yaml::from_str(&rest[..end + 1]).map_err(|e| ModelError::yaml(origin, 2, e))?;
        Ok(JournalEntry {
            meta,
            body: rest[end + 5..].trim().to_string(),
        })
    }
}

/// `2025-01-15T10-00-00.123Z-decision-7f3a.md`.
pub fn file_name(at: Stamp, kind: &str, rand: u16) -> String {
    format!("{}-{kind}-{rand:04x}.md", time::file_stamp(at))
}

/// Is this a name [`file_name`] could have produced?
pub fn is_entry_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".md") else {
        return false;
    };
    let b = stem.as_bytes();
    b.len() > 31
        && b[4] == b'-'
        && b[10] == b'T'
        && b[23] == b'Z'
        && b[24] == b'-'
        && stem[stem.len() - 5..].starts_with('-')
        && stem[stem.len() - 4..]
            .chars()
            .all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_hostile_text() {
        let at = time::now();
        let e = JournalEntry::new(
            "progress",
            at,
            "id",
            "A <a@b>",
            "host",
            "---\nkey: value\n!!python/object".into(),
        );
        let back = JournalEntry::parse("x", e.render().as_bytes()).unwrap();
        assert_eq!(back.body, e.body);
        assert_eq!(back.meta.author, "A <a@b>");
        let name = file_name(at, "decision", 0x7f3a);
        assert!(is_entry_name(&name), "{name}");
        assert!(!name.contains(':'));
    }
}
