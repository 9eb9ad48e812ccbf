//! Bringing `.sessions/` up to the ref without losing a hand edit, and finding the hand edits a
//! commit should include. See docs/architecture.md ("Refresh" and "Hand edits") for the rules.

use std::collections::HashMap;

use gix::ObjectId;

use crate::journal::EntryWriter;
use crate::layout::{self, PathKind, SessionDir, SessionPath};
use crate::model::session::SessionFile;
use crate::model::{ids, merge, time};
use crate::store::{Changed, SessionsRef, TreeChanges, blob_id};
use crate::warnings::Warnings;

use super::adopt::{named_for, session_dir_file};
use super::{DirMove, MIRROR_DIR, Mirror, MirrorError, Pending, Result, Unmerged};

/// One worktree's mirror together with the ref it follows.
pub struct Refresher<'a> {
    pub store: &'a SessionsRef<'a>,
    pub mirror: &'a Mirror,
    /// Who records `conflict` entries when a refresh merges two edits of one section.
    pub writer: &'a EntryWriter,
    pub warnings: &'a Warnings,
}

impl Refresher<'_> {
    /// Bring the mirror up to the ref's tip, merging where both changed, after finishing a
    /// write a crash interrupted. Returns the tip.
    pub fn refresh(&self) -> Result<Option<ObjectId>> {
        let store = self.store;
        let tip = store.tip()?;
        self.recover_pending(tip)?;
        let last = if self.mirror.exists() {
            self.mirror.last_seen()?
        } else {
            None
        };
        let Some(tip) = tip else {
            if let Some(last) = last
                && store.has_object(last)
            {
                return Err(MirrorError::RefVanished(last));
            }
            return Ok(None);
        };
        if last == Some(tip) {
            return Ok(Some(tip));
        }
        let base_tree = last.and_then(|c| store.tree_of(c).ok());
        let tip_tree = store.tree_of(tip)?;
        let (mut changes, gone) = match base_tree {
            Some(base) => self.diff_moving_flat_journals(base, tip_tree)?,
            None => (store.diff(None, tip_tree)?, Vec::new()),
        };
        // Deletions last, so a session moved between active/ and archive/ lands before its old path goes;
        // but a deletion that makes room (a directory becoming a file, or the reverse) goes first.
        let written: std::collections::BTreeSet<String> = changes
            .iter()
            .filter(|c| c.new.is_some())
            .map(|c| c.path.clone())
            .collect();
        let makes_room = |c: &Changed| {
            let under = format!("{}/", c.path);
            c.path
                .match_indices('/')
                .any(|(i, _)| written.contains(&c.path[..i]))
                || written
                    .range(under.clone()..)
                    .next()
                    .is_some_and(|w| w.starts_with(&under))
        };
        changes.sort_by_key(|c| (c.new.is_some() || !makes_room(c), c.new.is_none()));
        for change in &changes {
            self.refresh_path(change, tip_tree)?;
        }
        for short in &gone {
            self.carry_flat_leftovers(short)?;
        }
        self.mirror.set_last_seen(tip)?;
        Ok(Some(tip))
    }

    /// The changes from `base` to `tip`, the mirror's journal directories moved first where
    /// the tip moved a journal to the fanout layout (decision 50): each moves whole, one rename,
    /// instead of every file being written at its new place and removed from the old (file by
    /// file took 48 s at 3,000 sessions, longer than any hook may run). Files added or edited
    /// by hand move with their directory and stay what they were relative to the tree (a hand
    /// edit is still one). A moved journal's changes are the diff between its old and its new
    /// subtree, applied at the new place. Only a journal the base held flat, the tip holds in
    /// its fanout directory and the base did not hold there moves whole; any other goes file
    /// by file, as before. Also returns the short ids of the flat journals the tip dropped.
    fn diff_moving_flat_journals(
        &self,
        base: ObjectId,
        tip: ObjectId,
    ) -> Result<(Vec<Changed>, Vec<String>)> {
        let store = self.store;
        let before = store.journal_dirs(base, false)?;
        if before.flat.is_empty() {
            return Ok((store.diff(Some(base), tip)?, Vec::new()));
        }
        let after = store.journal_dirs(tip, true)?;
        let mut gone = Vec::new();
        let mut skip = std::collections::HashSet::new();
        let mut moved = Vec::new();
        for (name, old_sub) in &before.flat {
            if after.flat.contains_key(name) || !layout::valid_path(name) {
                continue;
            }
            gone.push(name.clone());
            let Some(new_sub) = after.fanout_id(name) else {
                continue;
            };
            if before.fanout_id(name).is_some() {
                continue;
            }
            let (from, to) = (layout::flat_journal_dir(name), layout::journal_dir(name));
            match self.mirror.move_dir(&from, &to)? {
                DirMove::Moved | DirMove::AlreadyThere => {
                    skip.insert(from);
                    skip.insert(to.clone());
                    moved.push((to, *old_sub, new_sub));
                }
                DirMove::NotMoved => {}
            }
        }
        let mut changes = store.diff_skipping(Some(base), tip, &skip)?;
        for (to, old_sub, new_sub) in moved {
            for mut c in store.diff(Some(old_sub), new_sub)? {
                c.path = format!("{to}/{}", c.path);
                changes.push(c);
            }
        }
        Ok((changes, gone))
    }

    /// Files left in a flat journal directory of the mirror after the tree moved that journal
    /// (a file added by hand where the move went file by file) go to the fanout directory,
    /// where the next command that touches the session adopts them. One whose new place holds
    /// other bytes stays, with a warning; nothing is overwritten.
    fn carry_flat_leftovers(&self, short: &str) -> Result<()> {
        let from = layout::flat_journal_dir(short);
        let to = layout::journal_dir(short);
        for path in self.mirror.walk(&from)? {
            let rel = &path[from.len() + 1..];
            let dest = format!("{to}/{rel}");
            if !layout::valid_path(&dest) {
                continue;
            }
            let Some(bytes) = self.mirror.read_regular(&path)? else {
                continue;
            };
            match self.mirror.read_regular(&dest)? {
                None => {
                    if self.mirror.replace(&dest, &bytes, Some(None))? {
                        self.mirror.remove(&path)?;
                    }
                }
                Some(there) if there == bytes => self.mirror.remove(&path)?,
                Some(_) => self.warnings.push(format!(
                    "{MIRROR_DIR}/{path}: left in the old journal layout; {MIRROR_DIR}/{dest} holds other content"
                )),
            }
        }
        Ok(())
    }

    /// A command that moved the ref but died before updating the mirror left a pending record:
    /// finish its mirror update now, merging with anything edited since.
    fn recover_pending(&self, tip: Option<ObjectId>) -> Result<()> {
        let Some(p) = self.mirror.pending()? else {
            return Ok(());
        };
        let landed = match tip {
            Some(t) => t == p.commit || self.store.is_ancestor_within(p.commit, t, 10_000)?,
            None => false,
        };
        if landed && self.mirror.last_seen()? != Some(p.commit) {
            self.finish(&p, None)?;
            self.mirror.set_last_seen(p.commit)?;
        }
        self.mirror.set_pending(None)
    }

    /// Make the mirror hold what `p.commit` committed, path by path, without losing an edit made
    /// since the commit was planned (the mirror file then differs from the recorded blob).
    /// `known` is the content the commit wrote, when the caller still has it (saves re-reading trees).
    pub fn finish(&self, p: &Pending, known: Option<&TreeChanges>) -> Result<()> {
        let store = self.store;
        let tree = match known {
            Some(_) => None,
            None => Some(store.tree_of(p.commit)?),
        };
        for (path, before) in &p.paths {
            let new = match (known.and_then(|k| k.get(path)), tree) {
                (Some(content), _) => content.clone(),
                (None, Some(tree)) => store.read(tree, path)?,
                (None, None) => store.read(store.tree_of(p.commit)?, path)?,
            };
            let disk = self.mirror.read_regular(path)?;
            let disk_id = disk.as_deref().map(blob_id);
            if disk_id == new.as_deref().map(blob_id) {
                continue;
            }
            if disk_id == *before {
                match &new {
                    // Replaced only if nobody saved it in the meantime; else merged below.
                    Some(bytes) => {
                        if self.mirror.replace(path, bytes, Some(disk_id))? {
                            continue;
                        }
                    }
                    None => {
                        self.mirror.remove(path)?;
                        continue;
                    }
                }
            }
            // Edited again since the command read it: merge the command's result into the edit.
            let Some(ours) = self.mirror.read_regular(path)? else {
                continue;
            };
            let Some(theirs) = new else {
                continue;
            };
            let base = match before {
                Some(id) => store.blob(*id).ok(),
                None => None,
            };
            self.merge_into_mirror(path, path, base.as_deref(), &ours, &theirs, None)?;
            self.mirror.add_dirty(path)?;
        }
        Ok(())
    }

    fn refresh_path(&self, c: &Changed, tip_tree: ObjectId) -> Result<()> {
        let store = self.store;
        let disk = self.mirror.read_regular(&c.path)?;
        let disk_id = disk.as_deref().map(blob_id);
        if disk_id == c.new {
            return Ok(());
        }
        let generated = matches!(
            PathKind::of(&c.path),
            PathKind::Progress { .. } | PathKind::Index { .. }
        );
        let unedited = disk_id == c.old || disk.is_none() || generated;
        match (&c.new, unedited) {
            (Some(new), true) => {
                // A save that lands while we write is merged, not replaced: look again.
                if self
                    .mirror
                    .replace(&c.path, &store.blob(*new)?, Some(disk_id))?
                {
                    Ok(())
                } else {
                    self.refresh_path(c, tip_tree)
                }
            }
            (None, true) => Ok(self.mirror.remove(&c.path)?),
            (Some(new), false) => {
                let ours = disk.expect("edited implies present");
                let theirs = store.blob(*new)?;
                let base = match c.old {
                    Some(o) => Some(store.blob(o)?),
                    None => None,
                };
                self.merge_into_mirror(
                    &c.path,
                    &c.path,
                    base.as_deref(),
                    &ours,
                    &theirs,
                    Some(*new),
                )
                .map(|_| ())
            }
            (None, false) => {
                // Removed or moved on the other side, edited here: follow the move if there is one.
                let ours = disk.expect("edited implies present");
                let moved_to = SessionPath::parse(&c.path).and_then(|s| {
                    SessionDir::ALL
                        .iter()
                        .map(|d| s.in_dir(*d).render())
                        .find(|p| {
                            *p != c.path && store.entry_id(tip_tree, p).ok().flatten().is_some()
                        })
                });
                let Some(to) = moved_to else {
                    self.mirror.add_dirty(&c.path)?;
                    self.warnings.push(format!("{MIRROR_DIR}/{}: removed from refs/sessions but edited here; kept your copy", c.path));
                    return Ok(());
                };
                let theirs_id = store.entry_id(tip_tree, &to)?.expect("found above");
                let theirs = store.blob(theirs_id)?;
                let base = match c.old {
                    Some(o) => Some(store.blob(o)?),
                    None => None,
                };
                if self.merge_into_mirror(
                    &c.path,
                    &to,
                    base.as_deref(),
                    &ours,
                    &theirs,
                    Some(theirs_id),
                )? {
                    self.mirror.remove(&c.path)?;
                } else {
                    // Our copy stays where it is until it parses; the other version is in place too.
                    self.mirror.write(&to, &theirs)?;
                }
                Ok(())
            }
        }
    }

    /// Merge our mirror file at `ours_path` with the ref's version into `dest`. Returns whether it
    /// merged; when our copy does not parse, it stays untouched, the other version is written
    /// beside it as `.theirs`, and the merge is redone once it parses.
    fn merge_into_mirror(
        &self,
        ours_path: &str,
        dest: &str,
        base: Option<&[u8]>,
        ours: &[u8],
        theirs: &[u8],
        theirs_id: Option<ObjectId>,
    ) -> Result<bool> {
        let origin = format!("{MIRROR_DIR}/{ours_path}");
        let is_session = SessionPath::parse(dest).is_some();
        if !is_session {
            self.mirror.add_dirty(ours_path)?;
            self.warnings.push(format!("{origin}: changed here and in refs/sessions; kept your copy (the other is in the ref's history)"));
            return Ok(true);
        }
        match merge::merge_session_bytes(&origin, base, ours, theirs) {
            Ok(m) => {
                let file = SessionFile::parse(&origin, m.text.clone())?;
                let dir = file.meta.status.dir();
                let name = dest.rsplit('/').next().unwrap_or_default();
                let target = format!("{dir}/{name}");
                self.mirror.write(&target, m.text.as_bytes())?;
                self.mirror.add_dirty(&target)?;
                if target != dest {
                    self.mirror.remove(dest)?;
                }
                for section in &m.conflicts {
                    self.warnings.push(format!("{origin}: '{section}' was edited in two places; both versions are kept, marked"));
                    self.record_conflict(&file, section)?;
                }
                Ok(true)
            }
            Err(e) => {
                let side = format!("{ours_path}.theirs");
                self.mirror.write(&side, theirs)?;
                let theirs_id = theirs_id.unwrap_or_else(|| blob_id(theirs));
                let base_id = base.map(blob_id);
                let mut list = self.mirror.unmerged()?;
                list.retain(|u| u.path != ours_path);
                list.push(Unmerged {
                    path: ours_path.into(),
                    base: base_id,
                    theirs_path: dest.into(),
                    theirs: theirs_id,
                });
                self.mirror.set_unmerged(&list)?;
                self.warnings.push(format!(
                    "{origin}: changed elsewhere too, but your copy does not parse ({e}); it is kept as it is, the other version is in {MIRROR_DIR}/{side}, and the two are merged once yours parses"
                ));
                Ok(false)
            }
        }
    }

    /// A `conflict` journal entry in the mirror, saved by the next commit.
    fn record_conflict(&self, file: &SessionFile, section: &str) -> Result<()> {
        let Some(short) = ids::short_of(&file.meta.id) else {
            return Ok(());
        };
        let body = format!(
            "The section '{section}' of session {} was edited in two places; both versions are kept in the file, marked. Keep what is right and delete the rest.",
            file.meta.shortname
        );
        let Some((path, bytes)) =
            self.writer
                .entry(&file.meta.id, &short, "conflict", body, time::now())
        else {
            return Ok(());
        };
        self.mirror.write(&path, &bytes)?;
        self.mirror.add_dirty(&path)
    }

    /// Redo merges that waited for our copy to parse; returns the tree changes they make.
    fn retry_unmerged(&self) -> Result<TreeChanges> {
        let mut changes = TreeChanges::new();
        let list = self.mirror.unmerged()?;
        if list.is_empty() {
            return Ok(changes);
        }
        let mut still = Vec::new();
        for u in list {
            let Some(ours) = self.mirror.read(&u.path)? else {
                continue;
            };
            if SessionFile::parse_bytes(&u.path, &ours).is_err() {
                still.push(u);
                continue;
            }
            let theirs = self.store.blob(u.theirs)?;
            let base = match u.base {
                Some(b) => self.store.blob(b).ok(),
                None => None,
            };
            let origin = format!("{MIRROR_DIR}/{}", u.path);
            let m = merge::merge_session_bytes(&origin, base.as_deref(), &ours, &theirs)?;
            let file = SessionFile::parse(&origin, m.text.clone())?;
            let dir = file.meta.status.dir();
            let target = format!("{dir}/{}", u.path.rsplit('/').next().unwrap_or_default());
            self.mirror.write(&target, m.text.as_bytes())?;
            changes.insert(target.clone(), Some(m.text.into_bytes()));
            for p in [&u.path, &u.theirs_path] {
                if *p != target {
                    self.mirror.remove(p)?;
                    changes.insert(p.clone(), None);
                }
            }
            self.mirror.remove(&format!("{}.theirs", u.path))?;
            for section in &m.conflicts {
                self.record_conflict(&file, section)?;
            }
        }
        self.mirror.set_unmerged(&still)?;
        Ok(changes)
    }

    /// Hand edits in scope: every file of `active/`, files the mirror merged but has not saved,
    /// new files in the touched sessions' journals and their archived files, and anything outside
    /// the three known directories.
    pub fn hand_edits(&self, tree: ObjectId, touched: &[String]) -> Result<TreeChanges> {
        let store = self.store;
        let mut changes = self.retry_unmerged()?;
        let active = SessionDir::Active.as_str();
        let mut paths: Vec<String> = self
            .mirror
            .list(active)?
            .into_iter()
            .filter(|n| n.ends_with(".md"))
            .map(|n| format!("{active}/{n}"))
            .collect();
        paths.extend(self.mirror.dirty()?);
        for short in touched {
            if let Some(s) = self.mirror.find_session(short)?
                && s.archived()
            {
                paths.push(s.render());
            }
            let dir = layout::entries_dir(short);
            let known: std::collections::HashSet<String> = store
                .list(tree, &dir)?
                .into_iter()
                .map(|e| e.name)
                .collect();
            for name in self.mirror.list(&dir)? {
                if !known.contains(&name) {
                    paths.push(format!("{dir}/{name}"));
                }
            }
        }
        // The user's own notes can be many (a remote can ship 100,000): their blob ids in the
        // tree are read in one walk per directory, not looked up path by path from the root.
        let mut user_ids: HashMap<String, ObjectId> = HashMap::new();
        if self.mirror.exists() {
            for e in store.list(tree, "")? {
                if e.is_tree {
                    if !layout::OWN_DIRS.contains(&e.name.as_str()) {
                        for (p, id) in store.walk(e.id)? {
                            user_ids.insert(format!("{}/{p}", e.name), id);
                        }
                    }
                } else {
                    user_ids.insert(e.name, e.id);
                }
            }
            for name in self.mirror.list("")? {
                paths.push(name);
            }
            for dir in self.mirror.subdirs("")? {
                if !layout::OWN_DIRS.contains(&dir.as_str()) {
                    paths.extend(self.mirror.walk(&dir)?);
                }
            }
        }
        for p in paths {
            if changes.contains_key(&p) || !layout::valid_path(&p) || p.ends_with(".theirs") {
                continue;
            }
            let bytes = match self.mirror.read(&p) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(e @ (MirrorError::Symlink(_) | MirrorError::NotAFile(_))) => {
                    self.warnings.push(format!("not saved: {e}"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let in_tree = match user_ids.get(&p) {
                Some(id) => Some(*id),
                None if layout::is_user_path(&p) => None,
                None => store.entry_id(tree, &p)?,
            };
            if in_tree == Some(blob_id(&bytes)) {
                continue;
            }
            if session_dir_file(&p).is_some() {
                let origin = format!("{MIRROR_DIR}/{p}");
                match SessionFile::parse_bytes(&origin, &bytes) {
                    Ok(file) if named_for(&p, &file) => {}
                    // Not adopted (`adopt_strays` said why): never committed under this name.
                    Ok(_) => continue,
                    Err(e) if SessionPath::parse(&p).is_some() => {
                        self.warnings
                            .push(format!("not saving your edit until it parses: {e}"));
                        continue;
                    }
                    Err(_) => continue,
                }
            }
            changes.insert(p, Some(bytes));
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests;
