//! Merging two `refs/sessions` trees given their base: the journal rules of SPEC §4 at tree level.
//!
//! | case | result |
//! |---|---|
//! | path changed on one side only (added, modified, removed) | that side's version |
//! | journal entry: same name, different content | ours kept; theirs kept under a new name; reported |
//! | session file changed on both sides | `model::merge` (fields, lists, text sections) |
//! | session archived on one side, changed on the other | merged; it lives where its merged status says |
//! | session file removed on one side, changed on the other | the changed version is kept |
//! | `progress.md` of a merged session | regenerated from the merged file |
//! | a session added on both sides with one short id but two ids | refused: nothing merged, reported |
//! | any other file changed on both sides | ours kept; theirs written beside it as `<path>.theirs` |

use std::collections::BTreeMap;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::model::entry::{self, JournalEntry};
use crate::model::session::SessionFile;
use crate::model::{ids, merge, progress, time};
use crate::store::{SessionsRef, TreeChanges};

/// The changes that turn ours into the merged tree, and what needed both versions.
#[derive(Debug, Default)]
pub struct TreeMerge {
    pub changes: TreeChanges,
    pub conflicts: Vec<String>,
}

/// Who writes conflict entries.
pub struct Writer<'a> {
    pub author: &'a str,
    pub host: &'a str,
    /// How the other side is named in messages (`origin`).
    pub other: &'a str,
}

fn locate(
    store: &SessionsRef,
    tree: Option<ObjectId>,
    name: &str,
) -> Result<Option<(String, Vec<u8>)>> {
    let Some(tree) = tree else { return Ok(None) };
    for dir in ["active", "archive"] {
        let path = format!("{dir}/{name}");
        if let Some(bytes) = store.read(tree, &path)? {
            return Ok(Some((path, bytes)));
        }
    }
    Ok(None)
}

/// The sessions of a tree by short id: `(name, path)`.
fn shorts(store: &SessionsRef, tree: ObjectId) -> Result<BTreeMap<String, (String, String)>> {
    let mut out = BTreeMap::new();
    for dir in ["active", "archive"] {
        for e in store.list(tree, dir)? {
            if let Some((_, short)) = ids::parse_file_name(&e.name) {
                out.insert(
                    short.to_string(),
                    (e.name.clone(), format!("{dir}/{}", e.name)),
                );
            }
        }
    }
    Ok(out)
}

/// Merge `theirs` into `ours` given `base` (trees).
pub fn merge_trees(
    store: &SessionsRef,
    base: Option<ObjectId>,
    ours: ObjectId,
    theirs: ObjectId,
    w: &Writer,
) -> Result<TreeMerge> {
    let diff = store.diff(base, theirs)?;
    let mut out = TreeMerge::default();
    let ours_sessions = shorts(store, ours)?;
    // Sessions changed on both sides go through the session merge; everything else is per path.
    let mut both: BTreeMap<String, String> = BTreeMap::new();
    for c in &diff {
        let o = store.entry_id(ours, &c.path)?;
        if let Some((short, name)) = ids::session_path(&c.path) {
            if c.old.is_none()
                && let Some((oname, _)) = ours_sessions.get(&short)
                && *oname != name
            {
                return Err(Error::Other(format!(
                    "cannot merge {}: its session {name} and this repository's {oname} share the short id {short}; nothing was merged. Rename one session file's shortname-short and its journal, or close one, then sync again",
                    w.other
                )));
            }
            if o != c.new && o != c.old {
                both.insert(short, name);
            }
        }
    }
    for c in &diff {
        let o = store.entry_id(ours, &c.path)?;
        if o == c.new {
            continue;
        }
        if let Some((short, _)) = ids::session_path(&c.path)
            && both.contains_key(&short)
        {
            continue;
        }
        let journal_short = c
            .path
            .strip_prefix("journal/")
            .and_then(|r| r.split('/').next());
        if c.path.ends_with("/progress.md") && journal_short.is_some_and(|s| both.contains_key(s)) {
            continue;
        }
        if o == c.old {
            out.changes
                .insert(c.path.clone(), c.new.map(|id| store.blob(id)).transpose()?);
            continue;
        }
        match (o, c.new) {
            (Some(_), Some(t)) if c.path.contains("/entries/") => {
                let name = c.path.rsplit('/').next().unwrap_or_default();
                let stem = name.strip_suffix(".md").unwrap_or(name);
                // Same stamp and kind, a new random suffix (split on '-', never inside a character).
                let prefix = stem.rsplit_once('-').map(|(p, _)| p).unwrap_or(stem);
                let renamed = format!("{prefix}-{:04x}.md", crate::mirror::rand32() as u16);
                let dir = &c.path[..c.path.len() - name.len()];
                out.changes
                    .insert(format!("{dir}{renamed}"), Some(store.blob(t)?));
                out.conflicts.push(format!(
                    "journal entry {} differs on {}; theirs kept as {dir}{renamed}",
                    c.path, w.other
                ));
            }
            (Some(_), Some(t)) if c.path.ends_with("/progress.md") => {
                out.changes.insert(c.path.clone(), Some(store.blob(t)?));
            }
            (Some(_), Some(t)) => {
                let side = unique_side_path(store, ours, &out.changes, &c.path)?;
                out.changes.insert(side.clone(), Some(store.blob(t)?));
                out.conflicts.push(format!(
                    "{} differs on {}; theirs kept as {side}",
                    c.path, w.other
                ));
            }
            (None, Some(t)) => {
                out.changes.insert(c.path.clone(), Some(store.blob(t)?));
            }
            _ => {}
        }
    }
    for (short, name) in both {
        merge_session(store, base, ours, theirs, &short, &name, w, &mut out)?;
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn merge_session(
    store: &SessionsRef,
    base: Option<ObjectId>,
    ours: ObjectId,
    theirs: ObjectId,
    short: &str,
    name: &str,
    w: &Writer,
    out: &mut TreeMerge,
) -> Result<()> {
    let b = locate(store, base, name)?;
    let o = locate(store, Some(ours), name)?;
    let t = locate(store, Some(theirs), name)?;
    let (o, t) = match (o, t) {
        (Some(o), Some(t)) => (o, t),
        (None, Some((path, bytes))) => {
            out.changes.insert(path, Some(bytes));
            return Ok(());
        }
        _ => return Ok(()),
    };
    let origin = format!("refs/sessions:{}", o.0);
    let merged =
        match merge::merge_session_bytes(&origin, b.as_ref().map(|b| b.1.as_slice()), &o.1, &t.1) {
            Ok(m) => m,
            Err(e) => {
                let side = unique_side_path(store, ours, &out.changes, &o.0)?;
                out.changes.insert(side.clone(), Some(t.1));
                out.conflicts.push(format!(
                    "{} could not be merged ({e}); theirs kept as {side}",
                    o.0
                ));
                return Ok(());
            }
        };
    // The merged file's TL;DR status lines follow what it now says (hooks inject them).
    let file = SessionFile::parse(&origin, merged.text.clone())?.refresh_status_lines()?;
    let dir = file.meta.status.dir();
    let dest = format!("{dir}/{name}");
    out.changes
        .insert(dest.clone(), Some(file.text().as_bytes().to_vec()));
    for other in ["active", "archive"].map(|d| format!("{d}/{name}")) {
        if other != dest && store.entry_id(ours, &other)?.is_some() {
            out.changes.insert(other, None);
        }
    }
    out.changes.insert(
        format!("journal/{short}/progress.md"),
        Some(progress::render(&file.view()).into_bytes()),
    );
    for section in &merged.conflicts {
        let now = time::now();
        let body = format!(
            "Sync with {}: the section '{section}' of session {} was edited on both sides; both versions are kept in the file, marked. Keep what is right and delete the rest.",
            w.other, file.meta.shortname
        );
        let e = JournalEntry::new("conflict", now, &file.meta.id, w.author, w.host, body);
        let path = format!(
            "journal/{short}/entries/{}",
            entry::file_name(now, "conflict", crate::mirror::rand32() as u16)
        );
        out.changes.insert(path, Some(e.render().into_bytes()));
        out.conflicts.push(format!(
            "{}: '{section}' edited on both sides; both kept, marked",
            file.meta.shortname
        ));
    }
    Ok(())
}

/// `<path>.theirs`, or `<path>.theirs-<hex>` when that is taken in ours or in this merge.
fn unique_side_path(
    store: &SessionsRef,
    ours: ObjectId,
    changes: &TreeChanges,
    path: &str,
) -> Result<String> {
    let mut side = format!("{path}.theirs");
    while changes.contains_key(&side) || store.entry_id(ours, &side)?.is_some() {
        side = format!("{path}.theirs-{:04x}", crate::mirror::rand32() as u16);
    }
    Ok(side)
}

/// Does this commit look like a git-session journal? Guards against merging a branch that
/// happens to be called `sessions` (its remote-tracking ref is `refs/remotes/<remote>/sessions`).
pub fn looks_like_journal(store: &SessionsRef, commit: ObjectId) -> Result<bool> {
    let c = store
        .repo()
        .find_commit(commit)
        .map_err(|e| crate::error::git_error("reading commit", e))?;
    let subject = c.message_raw_sloppy().to_string();
    let subject = subject.lines().next().unwrap_or_default();
    let ours = [
        "init",
        "log",
        "checkpoint",
        "pause",
        "resume",
        "close",
        "compact",
        "sync",
        "doctor",
    ]
    .iter()
    .any(|cmd| subject.starts_with(&format!("{cmd}(")) && subject.contains("): "));
    let tree = store.tree_of(commit)?;
    let layout = store
        .list(tree, "")?
        .iter()
        .any(|e| e.is_tree && ["active", "archive", "journal"].contains(&e.name.as_str()));
    Ok(ours && layout)
}
