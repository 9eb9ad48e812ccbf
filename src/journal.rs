//! Journal entries as the tree holds them: who writes them and under which path.

use crate::layout;
use crate::model::entry::{self, JournalEntry};
use crate::model::time::Stamp;

/// Who writes journal entries from this machine.
#[derive(Debug, Clone)]
pub struct EntryWriter {
    /// `Name <email>` from git config; `None` when no identity is configured.
    pub author: Option<String>,
    /// The machine's name.
    pub host: String,
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
        let author = self.author.as_deref()?;
        let e = JournalEntry::new(kind, now, session_id, author, &self.host, body);
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
