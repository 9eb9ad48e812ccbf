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
//! | a file on one side where the other has a directory (users' notes) | ours kept; theirs (the file, or the whole directory) beside it as `<path>.theirs`; reported |

use std::collections::BTreeMap;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::journal::EntryWriter;
use crate::layout::{self, PathKind, SessionDir, SessionPath};
use crate::model::session::SessionFile;
use crate::model::{merge, progress, time};
use crate::store::{SessionsRef, TreeChanges};

/// The changes that turn ours into the merged tree, and what needed both versions.
#[derive(Debug, Default)]
pub struct TreeMerge {
    pub changes: TreeChanges,
    pub conflicts: Vec<String>,
}

/// Who writes conflict entries, and how the other side is named in messages (`origin`).
struct Writer<'a> {
    entries: &'a EntryWriter,
    other: &'a str,
}

/// The session file of `file_name` in `tree`, in whichever directory it is: `(path, bytes)`.
fn locate(
    store: &SessionsRef,
    tree: Option<ObjectId>,
    file_name: &str,
) -> Result<Option<(String, Vec<u8>)>> {
    let Some(tree) = tree else { return Ok(None) };
    for dir in SessionDir::ALL {
        let path = format!("{}/{file_name}", dir.as_str());
        if let Some(bytes) = store.read(tree, &path)? {
            return Ok(Some((path, bytes)));
        }
    }
    Ok(None)
}

/// The sessions of a tree by short id.
/// The short ids of the sessions `tree` holds.
pub(super) fn shorts(
    store: &SessionsRef,
    tree: ObjectId,
) -> Result<std::collections::BTreeSet<String>> {
    Ok(sessions_by_short(store, tree)?.into_keys().collect())
}

fn sessions_by_short(store: &SessionsRef, tree: ObjectId) -> Result<BTreeMap<String, SessionPath>> {
    let mut out = BTreeMap::new();
    for dir in SessionDir::ALL {
        for e in store.list(tree, dir.as_str())? {
            if let Some(p) = SessionPath::from_file_name(dir, &e.name) {
                out.insert(p.short.clone(), p);
            }
        }
    }
    Ok(out)
}

/// Merge `theirs` into `ours` given `base` (trees); `other` names the other side in messages.
/// Conflict entries are written by `writer`.
pub fn merge_journals(
    store: &SessionsRef,
    base: Option<ObjectId>,
    ours: ObjectId,
    theirs: ObjectId,
    writer: &EntryWriter,
    other: &str,
) -> Result<TreeMerge> {
    let w = Writer {
        entries: writer,
        other,
    };
    let diff = store.diff(base, theirs)?;
    let mut out = TreeMerge::default();
    let ours_sessions = sessions_by_short(store, ours)?;
    let mut theirs_sessions: Option<BTreeMap<String, SessionPath>> = None;
    // Sessions changed on both sides go through the session merge; everything else is per path.
    let mut both: BTreeMap<String, String> = BTreeMap::new();
    for c in &diff {
        let o = store.entry_id(ours, &c.path)?;
        if let Some(theirs_session) = SessionPath::parse(&c.path) {
            let name = theirs_session.file_name();
            if c.old.is_none()
                && let Some(ours_session) = ours_sessions.get(&theirs_session.short)
                && ours_session.file_name() != name
            {
                return Err(Error::ShortIdClash {
                    other: other.to_string(),
                    theirs: name,
                    ours: ours_session.file_name(),
                    short: theirs_session.short,
                });
            }
            if o != c.new && o != c.old {
                both.insert(theirs_session.short, name);
            }
        }
    }
    for c in &diff {
        // A directory of ours at a path where theirs has a file is not "ours' version" of that
        // file: `keep_apart` settles it below.
        let o = store
            .entry_at(ours, &c.path)?
            .filter(|(_, is_tree)| !is_tree)
            .map(|(id, _)| id);
        if o == c.new {
            continue;
        }
        let kind = PathKind::of(&c.path);
        match &kind {
            PathKind::Session(s) if both.contains_key(&s.short) => continue,
            PathKind::Progress { short } if both.contains_key(short) => continue,
            _ => {}
        }
        if o == c.old {
            // No command deletes a session file (close and resume move it, a hand rename keeps
            // its short id) or a journal entry: a history that drops one without it reappearing
            // under its short id is not followed — anyone with push access to a clone ref
            // could otherwise delete every clone's sessions (decision 129).
            if c.new.is_none() && o.is_some() {
                let dropped = match &kind {
                    PathKind::Session(s) => {
                        let theirs_sessions = match &theirs_sessions {
                            Some(t) => t,
                            None => theirs_sessions.insert(sessions_by_short(store, theirs)?),
                        };
                        !theirs_sessions.contains_key(&s.short)
                    }
                    PathKind::Entry { .. } => true,
                    _ => false,
                };
                if dropped {
                    out.conflicts.push(format!(
                        "{} was removed on {}; kept (merges do not delete sessions or journal entries)",
                        c.path, w.other
                    ));
                    continue;
                }
            }
            out.changes
                .insert(c.path.clone(), c.new.map(|id| store.blob(id)).transpose()?);
            continue;
        }
        match (o, c.new) {
            (Some(_), Some(t)) => match kind {
                PathKind::Entry { short, name } => {
                    let stem = name.strip_suffix(".md").unwrap_or(&name);
                    // Same stamp and kind, a new random suffix (split on '-', never inside a character).
                    let prefix = stem.rsplit_once('-').map(|(p, _)| p).unwrap_or(stem);
                    let renamed = layout::entry_path(
                        &short,
                        &format!("{prefix}-{:04x}.md", layout::rand32() as u16),
                    );
                    out.changes.insert(renamed.clone(), Some(store.blob(t)?));
                    out.conflicts.push(format!(
                        "journal entry {} differs on {}; theirs kept as {renamed}",
                        c.path, w.other
                    ));
                }
                // Generated: theirs for now; the merge commit regenerates it (listing.rs).
                PathKind::Progress { .. } | PathKind::Index { .. } => {
                    out.changes.insert(c.path.clone(), Some(store.blob(t)?));
                }
                _ => {
                    let side = unique_side_path(store, ours, &out.changes, &c.path)?;
                    out.changes.insert(side.clone(), Some(store.blob(t)?));
                    out.conflicts.push(format!(
                        "{} differs on {}; theirs kept as {side}",
                        c.path, w.other
                    ));
                }
            },
            (None, Some(t)) => {
                out.changes.insert(c.path.clone(), Some(store.blob(t)?));
            }
            _ => {}
        }
    }
    for (short, name) in both {
        merge_session(store, base, ours, theirs, &short, &name, &w, &mut out)?;
    }
    keep_apart(store, ours, &mut out, other)?;
    Ok(out)
}

/// Make sure no path of the merged tree is a file and also holds files (the notes of two clones
/// can: `notes` a file on one, a directory on the other), which no file system, and so no mirror,
/// can hold. Ours stays where it is; what theirs brought (the file, or everything under the
/// directory) moves beside it to `<path>.theirs`, and the clash is reported once.
fn keep_apart(store: &SessionsRef, ours: ObjectId, out: &mut TreeMerge, other: &str) -> Result<()> {
    let writes: Vec<String> = out
        .changes
        .iter()
        .filter(|(_, bytes)| bytes.is_some())
        .map(|(path, _)| path.clone())
        .collect();
    // Clashing path -> where theirs went; a directory of theirs moves as one.
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    // Ancestors sort before their descendants, so a clash found at an ancestor is settled
    // (moved, or known to stay) before any path under it is looked at.
    for path in writes {
        let mut clash = None;
        for (i, _) in path.match_indices('/') {
            let ancestor = &path[..i];
            if is_file_after(store, ours, &out.changes, ancestor)? {
                clash = Some((ancestor.to_string(), "a file here and a directory"));
                break;
            }
        }
        if clash.is_none() && is_directory_after(store, ours, &out.changes, &path)? {
            clash = Some((path.clone(), "a directory here and a file"));
        }
        let Some((root, what)) = clash else {
            // Theirs' file replaces a directory nobody kept: the removals under it are implied.
            let under = format!("{path}/");
            out.changes
                .retain(|p, bytes| bytes.is_some() || !p.starts_with(&under));
            continue;
        };
        let side = match moved.get(&root) {
            Some(side) => side.clone(),
            None => {
                let side = unique_side_path(store, ours, &out.changes, &root)?;
                out.conflicts.push(format!(
                    "{root} is {what} on {other}; theirs kept as {side}"
                ));
                moved.insert(root.clone(), side.clone());
                side
            }
        };
        let bytes = out.changes.remove(&path).flatten();
        out.changes
            .insert(format!("{side}{}", &path[root.len()..]), bytes);
    }
    Ok(())
}

/// Whether `path` is a file once `changes` are applied to `ours`.
fn is_file_after(
    store: &SessionsRef,
    ours: ObjectId,
    changes: &TreeChanges,
    path: &str,
) -> Result<bool> {
    Ok(match changes.get(path) {
        Some(bytes) => bytes.is_some(),
        None => matches!(store.entry_at(ours, path)?, Some((_, false))),
    })
}

/// Whether `path` is a directory holding anything once `changes` are applied to `ours`.
fn is_directory_after(
    store: &SessionsRef,
    ours: ObjectId,
    changes: &TreeChanges,
    path: &str,
) -> Result<bool> {
    let under = format!("{path}/");
    let written_under = changes
        .range(under.clone()..)
        .take_while(|(p, _)| p.starts_with(&under))
        .any(|(_, bytes)| bytes.is_some());
    if written_under {
        return Ok(true);
    }
    let Some((id, true)) = store.entry_at(ours, path)? else {
        return Ok(false);
    };
    Ok(store
        .walk(id)?
        .iter()
        .any(|(rel, _)| !matches!(changes.get(&format!("{under}{rel}")), Some(None))))
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
    let dest = format!("{}/{name}", file.meta.status.dir());
    out.changes
        .insert(dest.clone(), Some(file.text().as_bytes().to_vec()));
    for dir in SessionDir::ALL {
        let other = format!("{}/{name}", dir.as_str());
        if other != dest && store.entry_id(ours, &other)?.is_some() {
            out.changes.insert(other, None);
        }
    }
    out.changes.insert(
        layout::progress_path(short),
        Some(progress::render(&file.view()).into_bytes()),
    );
    for section in &merged.conflicts {
        let body = format!(
            "Sync with {}: the section '{section}' of session {} was edited on both sides; both versions are kept in the file, marked. Keep what is right and delete the rest.",
            w.other, file.meta.shortname
        );
        if let Some((path, bytes)) =
            w.entries
                .entry(&file.meta.id, short, "conflict", body, time::now())
        {
            out.changes.insert(path, Some(bytes));
        }
        out.conflicts.push(format!(
            "{}: '{section}' edited on both sides; both kept, marked",
            file.meta.shortname
        ));
    }
    Ok(())
}

/// `<path>.theirs`, or `<path>.theirs-<hex>` when that is taken (as a file or a directory) in
/// ours or in this merge; the last component is shortened if needed to stay a valid name.
fn unique_side_path(
    store: &SessionsRef,
    ours: ObjectId,
    changes: &TreeChanges,
    path: &str,
) -> Result<String> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (format!("{dir}/"), name),
        None => (String::new(), path),
    };
    let taken = |side: &str| -> Result<bool> {
        let under = format!("{side}/");
        Ok(changes.contains_key(side)
            || changes
                .range(under.clone()..)
                .next()
                .is_some_and(|(p, _)| p.starts_with(&under))
            || store.entry_id(ours, side)?.is_some())
    };
    let mut side = format!("{dir}{}", layout::side_name(name, ".theirs"));
    while taken(&side)? {
        let suffix = format!(".theirs-{:04x}", layout::rand32() as u16);
        side = format!("{dir}{}", layout::side_name(name, &suffix));
    }
    Ok(side)
}
