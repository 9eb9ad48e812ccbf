//! Past sessions related to the one starting, for the SessionStart digest (decision 118).
//!
//! Cheap by construction: titles of archived sessions come from the listing index
//! (`journal/<xx>/archived.tsv`, one small file per fanout directory); Key Files are read from
//! the session files of at most [`SCAN_LIMIT`] other sessions, newest first, and only the Key
//! Files part of each is looked at. No journal entry is read.
//!
//! Score: 5 for each of the session's Key Files another session also lists, 1 for each word of
//! the title and objective (four letters or more, common words left out) in the other's title.
//! A session counts when it shares a key file or at least two words; highest score first, then
//! the most recently updated.

use std::collections::HashSet;

use gix::ObjectId;
use memchr::memmem;

use crate::error::Result;
use crate::layout::{SessionDir, SessionPath};
use crate::listing::IndexTexts;
use crate::model::session::{SessionFile, SessionView};
use crate::store::SessionsRef;

/// How many other session files are read for their Key Files, newest first.
pub const SCAN_LIMIT: usize = 2000;

/// One related session, as the digest names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// `<shortname>-<short>`.
    pub label: String,
    pub status: String,
    pub updated_at: String,
    pub title: String,
    pub score: u32,
}

const COMMON: [&str; 24] = [
    "this", "that", "with", "from", "into", "have", "when", "then", "than", "them", "they", "were",
    "will", "what", "which", "there", "their", "about", "after", "before", "session", "work",
    "make", "some",
];

/// The distinct words worth matching in `text`: lowercase, letters and digits, four or more.
fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .filter(|w| !COMMON.contains(&w.as_str()))
        .collect()
}

/// The Key Files part of a session file: from its label or heading to the next label or
/// section.
fn key_files_part(bytes: &[u8]) -> &[u8] {
    let Some(start) = memmem::find(bytes, b"Key Files") else {
        return &[];
    };
    let rest = &bytes[start + 9..];
    let end = [&b"**Key Context"[..], b"### Key Context", b"\n## "]
        .iter()
        .filter_map(|m| memmem::find(rest, m))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

struct Candidate {
    path: SessionPath,
    blob: ObjectId,
    status: String,
    updated_at: String,
    title: String,
}

/// Up to `max` sessions of `tree` related to `current` (whose file is `view`), best first.
pub fn related(
    store: &SessionsRef,
    tree: ObjectId,
    current: &SessionPath,
    view: &SessionView,
    max: usize,
) -> Result<Vec<Related>> {
    let want_words = words(&format!("{} {}", view.title, view.objective));
    let files: Vec<String> = view
        .key_files
        .iter()
        .map(|k| k.path.trim().trim_matches('`').to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if want_words.is_empty() && files.is_empty() {
        return Ok(Vec::new());
    }
    let texts = IndexTexts::load(store, tree)?;
    let index = texts.index();
    let mut name = String::new();
    let mut cands = Vec::new();
    for dir in SessionDir::ALL {
        for e in store.list(tree, dir.as_str())? {
            let Some(path) = SessionPath::from_file_name(dir, &e.name) else {
                continue;
            };
            if e.is_tree || path.short == current.short {
                continue;
            }
            let (status, updated_at, title) = match index.line(&path, &mut name) {
                Some(l) => (
                    l.status.as_str().to_string(),
                    l.updated_at.to_string(),
                    l.title.to_string(),
                ),
                None => match SessionFile::parse_bytes(&e.name, &store.blob(e.id)?) {
                    Ok(f) => {
                        let v = f.view();
                        (v.status.as_str().to_string(), v.updated_at, v.title)
                    }
                    Err(_) => continue,
                },
            };
            cands.push(Candidate {
                path,
                blob: e.id,
                status,
                updated_at,
                title,
            });
        }
    }
    cands.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
    let finders: Vec<memmem::Finder> = files.iter().map(memmem::Finder::new).collect();
    let mut out = Vec::new();
    for (n, c) in cands.iter().enumerate() {
        let mut score = 0u32;
        let shared_words = words(&c.title).intersection(&want_words).count() as u32;
        if !finders.is_empty() && n < SCAN_LIMIT {
            let bytes = store.blob(c.blob)?;
            let part = key_files_part(&bytes);
            score += 5 * finders.iter().filter(|f| f.find(part).is_some()).count() as u32;
        }
        if score == 0 && shared_words < 2 {
            continue;
        }
        score += shared_words;
        out.push(Related {
            label: c.path.label(),
            status: c.status.clone(),
            updated_at: c.updated_at.clone(),
            title: c.title.clone(),
            score,
        });
    }
    // Stable: equal scores keep the newest-first order.
    out.sort_by_key(|r| std::cmp::Reverse(r.score));
    out.truncate(max);
    Ok(out)
}

/// The digest's lines: a heading line and one line per session, or nothing.
pub fn render(list: &[Related]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut out = String::from("Related past sessions (git session export <name> shows one):\n");
    for r in list {
        out.push_str(&format!(
            "- {} ({}, {}): {}\n",
            r.label,
            r.status,
            r.updated_at.get(..10).unwrap_or(&r.updated_at),
            crate::model::text::one_line(&r.title)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_short_and_common_ones() {
        let w = words("Fix the lock ordering in this session");
        let mut v: Vec<_> = w.into_iter().collect();
        v.sort();
        assert_eq!(v, ["lock", "ordering"]);
    }

    #[test]
    fn only_the_key_files_part_is_looked_at() {
        let f =
            b"**Key Files**:\n- `src/a.rs`\n\n**Key Context** (survives compaction):\n- src/b.rs\n";
        let part = key_files_part(f);
        assert!(memmem::find(part, b"src/a.rs").is_some());
        assert!(memmem::find(part, b"src/b.rs").is_none());
    }
}
