//! Journal files as the tree holds them: who writes entries and under which path, and how a
//! session file or entry the tool did not write (a seed-era file, one dropped in by hand) is
//! made ready for the tree.
//!
//! The seed's tree names sessions `<shortname>-<6 hex>.md`, keeps journals under
//! `journal/<that hex>/`, and names entries by their time with colons (`2025-01-15T10:00:00.md`,
//! no frontmatter). Each is renamed to this tool's portable layout; what the file said is kept
//! byte for byte (an entry without frontmatter gets one in front, with its original name).

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::agent::AgentSession;
use crate::layout::{self, SessionDir, SessionPath};
use crate::model::ModelError;
use crate::model::entry::{self, JournalEntry};
use crate::model::ids;
use crate::model::session::SessionFile;
use crate::model::time::{self, Stamp};

/// Who writes journal entries from this machine.
#[derive(Debug, Clone)]
pub struct EntryWriter {
    /// `Name <email>` from git config; `None` when no identity is configured.
    pub author: Option<String>,
    /// The machine's name.
    pub host: String,
    /// The agent whose hook or tool call writes, recorded as `agent:` (and its own session id
    /// as `agent_session:`) in each entry; `None` for a person at a terminal.
    pub agent: Option<AgentSession>,
}

impl EntryWriter {
    /// A new entry of `kind` for session `session_id` (short id `short`): its tree path
    /// (`journal/<short>/entries/<time>-<kind>-<hex>.md`) and its bytes. `None` without an author.
    pub fn entry(
        &self,
        session_id: &str,
        short: &str,
        kind: &str,
        body: String,
        now: Stamp,
    ) -> Option<(String, Vec<u8>)> {
        self.entry_with(session_id, short, kind, body, &[], now)
    }

    /// [`EntryWriter::entry`] with `extra` keys (name, text) in the frontmatter, after the
    /// standard ones (a `commit` entry's `commit`, `patch_id`, `subject`).
    pub fn entry_with(
        &self,
        session_id: &str,
        short: &str,
        kind: &str,
        body: String,
        extra: &[(String, String)],
        now: Stamp,
    ) -> Option<(String, Vec<u8>)> {
        let author = self.author.as_deref()?;
        let mut e = JournalEntry::new(kind, now, session_id, author, &self.host, body);
        if let Some(a) = &self.agent {
            e = e.by_agent(a);
        }
        for (k, v) in extra {
            e.meta
                .extra
                .insert(k.clone(), serde_yaml::Value::String(v.clone()));
        }
        let name = entry::file_name(now, kind, layout::rand32() as u16);
        Some((layout::entry_path(short, &name), e.render().into_bytes()))
    }
}

/// The machine's name, for journal entries.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// A session file made ready for the tree: its path there and its bytes.
#[derive(Debug, Clone)]
pub struct Adopted {
    pub path: SessionPath,
    pub id: String,
    pub bytes: Vec<u8>,
    pub file: SessionFile,
    /// What changed on the way in, for the report (`id added`, `renamed from …`).
    pub notes: Vec<String>,
}

/// Make a session file the tool did not write ready for the tree: give it an id if it has none
/// (a new UUID v7, written as the first frontmatter line), and name it `<shortname>-<short>.md`
/// from its own id and shortname (else the file name's stem). `dir` is where it was found; the
/// file lands where its status says. `origin` names it in errors.
pub fn adopt_session(
    origin: &str,
    file_name: &str,
    bytes: &[u8],
    dir: SessionDir,
) -> Result<Adopted, ModelError> {
    let mut notes = Vec::new();
    let mut bytes = bytes.to_vec();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // What the frontmatter must hold and a hand-written file may lack: filled in as first
    // lines, the rest of the file unchanged.
    if text.starts_with("---") {
        let now = time::rfc3339(time::now());
        let mut added = String::new();
        if !frontmatter_has(&text, "id") {
            let (id, _) = ids::new_id();
            added.push_str(&format!("id: {id}\n"));
            notes.push(format!("gave it the id {id}"));
        }
        for key in ["created_at", "updated_at"] {
            if !frontmatter_has(&text, key) {
                added.push_str(&format!("{key}: {now}\n"));
                notes.push(format!("{key} set to now"));
            }
        }
        if !added.is_empty() {
            let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
            bytes = format!("{}{added}{}", &text[..first_end], &text[first_end..]).into_bytes();
        }
    }
    let file = SessionFile::parse_bytes(origin, &bytes)?;
    let id = file.meta.id.clone();
    let short = ids::short_of(&id).ok_or_else(|| {
        ModelError::parse(
            origin,
            1,
            format!(
                "id '{}' has fewer than 8 hex digits; give it a UUID",
                ids::printable(&id)
            ),
        )
    })?;
    let stem = file_name.strip_suffix(".md").unwrap_or(file_name);
    let from_name = stem
        .rsplit_once('-')
        .filter(|(_, tail)| tail.chars().all(|c| c.is_ascii_hexdigit()))
        .map(|(head, _)| head)
        .unwrap_or(stem);
    let shortname = [file.meta.shortname.as_str(), from_name]
        .into_iter()
        .find(|n| ids::validate_name(n).is_ok())
        .map(str::to_string)
        .or_else(|| ids::derive_name(from_name))
        .unwrap_or_else(|| "session".into());
    let status_dir = SessionDir::for_archived(file.meta.status.is_archived());
    let path = SessionPath::new(status_dir, &shortname, &short);
    let was = format!("{}/{file_name}", dir.as_str());
    if path.render() != was {
        notes.push(format!("renamed from {was}"));
    }
    Ok(Adopted {
        path,
        id,
        bytes,
        file,
        notes,
    })
}

fn frontmatter_has(text: &str, key: &str) -> bool {
    text.lines()
        .skip(1)
        .take_while(|l| l.trim_end() != "---")
        .any(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
}

/// An entry under a portable name. One that already has an entry's frontmatter keeps its bytes;
/// one without gets a frontmatter in front (kind `note`, its time, the session, and its original
/// name), its text unchanged after it.
pub fn portable_entry(
    name: &str,
    bytes: Vec<u8>,
    session: &str,
    writer: &EntryWriter,
) -> (String, Vec<u8>) {
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let at = parse_loose_time(stem);
    if entry::is_entry_name(name) && entry::JournalEntry::parse(name, &bytes).is_ok() {
        return (name.to_string(), bytes);
    }
    let at = at.unwrap_or_else(time::now);
    let kind = match entry::JournalEntry::parse(name, &bytes) {
        Ok(e) => e.meta.kind,
        Err(_) => "note".to_string(),
    };
    // The suffix comes from the original name and text, so that importing the same tree again
    // names each entry the same and adds nothing.
    let digest = crate::store::blob_id(&[name.as_bytes(), b"\0", &bytes].concat());
    let suffix = u16::from_be_bytes([digest.as_bytes()[0], digest.as_bytes()[1]]);
    let new_name = entry::file_name(at, &kind, suffix);
    if entry::JournalEntry::parse(name, &bytes).is_ok() {
        return (new_name, bytes);
    }
    let meta = serde_yaml::to_string(&serde_json::json!({
        "kind": kind,
        "at": time::rfc3339(at),
        "session": session,
        "author": writer.author.clone().unwrap_or_default(),
        "host": writer.host,
        "original_name": name,
    }))
    .expect("a map of strings serialises");
    let mut out = format!("---\n{meta}---\n\n").into_bytes();
    out.extend_from_slice(&bytes);
    (new_name, out)
}

/// A time written the ways people write it in file names: `2025-01-15T10:00:00`, with minutes
/// only, with fractions, with a zone, or this tool's `2025-01-15T10-00-00.123Z`.
pub fn parse_loose_time(s: &str) -> Option<time::Stamp> {
    let head: String = s.chars().take(29).collect();
    for len in (16..=head.len()).rev() {
        let cand = &head[..len];
        if let Ok(t) = DateTime::parse_from_rfc3339(cand) {
            return Some(t.with_timezone(&Utc));
        }
        for fmt in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(n) = NaiveDateTime::parse_from_str(cand, fmt) {
                return Some(n.and_utc());
            }
        }
        if let Ok(n) =
            NaiveDateTime::parse_from_str(cand.trim_end_matches('Z'), "%Y-%m-%dT%H-%M-%S%.f")
        {
            return Some(n.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_seed_entry_names_are_read() {
        let t = |s| parse_loose_time(s).map(time::rfc3339);
        assert_eq!(
            t("2025-01-15T10:00:00").as_deref(),
            Some("2025-01-15T10:00:00.000Z")
        );
        assert_eq!(
            t("2025-01-15T10:30").as_deref(),
            Some("2025-01-15T10:30:00.000Z")
        );
        assert_eq!(
            t("2025-01-15T10:00:00+02:00").as_deref(),
            Some("2025-01-15T08:00:00.000Z")
        );
        assert_eq!(
            t("2025-01-15T10-00-00.123Z-decision-7f3a").as_deref(),
            Some("2025-01-15T10:00:00.123Z")
        );
        assert_eq!(t("notes"), None);
    }

    #[test]
    fn an_entry_without_frontmatter_keeps_its_text_after_a_new_one() {
        let w = EntryWriter {
            author: Some("A <a@x>".into()),
            host: "h".into(),
            agent: None,
        };
        let (name, bytes) = portable_entry(
            "2025-01-15T10:00:00.md",
            b"Found the race.\n".to_vec(),
            "019abc12-3456-7def-8901-234567890abc",
            &w,
        );
        assert!(name.starts_with("2025-01-15T10-00-00.000Z-note-"), "{name}");
        assert!(entry::is_entry_name(&name));
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.ends_with("---\n\nFound the race.\n"), "{text}");
        assert!(
            text.contains("original_name: 2025-01-15T10:00:00.md"),
            "{text}"
        );
        let e = entry::JournalEntry::parse(&name, text.as_bytes()).unwrap();
        assert_eq!(e.meta.at, "2025-01-15T10:00:00.000Z");
        assert_eq!(e.body, "Found the race.");
    }
}
