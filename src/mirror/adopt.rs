//! One file per session, named as this tool names it: session files dropped into `active/` or
//! `archive/` (a seed-era file, a copy, a file renamed by hand) are adopted under their own id's
//! portable name before a command plans, and a commit never saves two files for one session.

use std::time::SystemTime;

use gix::ObjectId;

use crate::layout::{self, SessionDir, SessionPath};
use crate::model::ids;
use crate::model::session::SessionFile;
use crate::store::TreeChanges;

use super::refresh::Refresher;
use super::{DirStamp, MIRROR_DIR, MirrorError, Result, Scan, TreeNames};

/// A session file to adopt: `(path in the mirror, its directory, its file name, its bytes)`.
pub type Stray = (String, SessionDir, String, Vec<u8>);

/// A directory found with nothing to adopt: its stamp, and when its listing began.
type CleanScan = (DirStamp, SystemTime);

/// What `scan_strays` found.
#[derive(Default)]
pub(crate) struct StrayScan {
    /// The files to adopt.
    pub strays: Vec<Stray>,
    /// `archive/` was listed and held nothing to adopt: its stamp and when the listing began.
    clean: Option<CleanScan>,
    /// The names `archive/` held when it was listed (`Mirror::list`), in name order.
    pub archive: Option<Vec<String>>,
}

impl Refresher<'_> {
    /// Session files in `active/` or `archive/` that this tool did not name (a seed-era file, a
    /// copy, a file renamed by hand) are renamed in the mirror to `<shortname>-<short of their
    /// id>.md` (with an id if they had none) and marked dirty, so that the next commit saves
    /// them and names resolve before a command plans. A file whose short id belongs to another
    /// session, or whose portable name is already taken here, stays where it is with a warning.
    /// Returns how many were adopted.
    pub fn adopt_strays(&self, tree: ObjectId) -> Result<usize> {
        let archive_dir = SessionDir::Archive.as_str();
        let archive_tree = self.store.entry_id(tree, archive_dir)?;
        let recorded = self.mirror.scanned(archive_dir)?;
        // A scan recorded before names were compared (an older version) is redone once, so that
        // reads can learn whether `archive/` holds the tree's names (decision 136).
        let scan = self.scan_strays(recorded.is_some_and(|r| r.names == TreeNames::Unknown))?;
        // `archive/` held nothing to adopt: remembered, so that the next command does not list
        // its thousands of names again while the directory is unchanged, with whether they are
        // the names of the tree's `archive/`.
        if let (Some((stamp, listed_at)), Some(names)) = (scan.clean, &scan.archive) {
            let names = match archive_tree {
                Some(id) if self.same_session_names(names, id)? => TreeNames::Same(id),
                _ => TreeNames::Differ,
            };
            self.mirror
                .set_scanned(archive_dir, Scan { stamp, names }, listed_at)?;
        } else if let Some(r) = recorded
            && scan.archive.is_none()
            && let TreeNames::Same(old) = r.names
            && let Some(new) = archive_tree
            && new != old
        {
            // `archive/` unchanged since it held the names of `old`, and the tree moved on
            // without changing a name there (a hand edit saved, a merge that changed contents):
            // the names are still the tree's when the two trees have the same ones.
            let names = match self.tree_session_names(old) {
                Ok(old_names) if self.same_session_names(&old_names, new)? => TreeNames::Same(new),
                _ => TreeNames::Differ,
            };
            self.mirror
                .set_scanned(archive_dir, Scan { names, ..r }, SystemTime::now())?;
        }
        let mut adopted = 0;
        for (p, dir, name, bytes) in scan.strays {
            if self.adopt(tree, &p, dir, &name, &bytes)? {
                adopted += 1;
            }
        }
        Ok(adopted)
    }

    /// The files `adopt_strays` would adopt, and the names `archive/` held if it was listed to
    /// find them. Reads only.
    pub(crate) fn strays(&self) -> Result<StrayScan> {
        self.scan_strays(false)
    }

    /// The session file names (`<shortname>-<short>.md`) of the `archive/` tree `tree`, sorted.
    fn tree_session_names(&self, tree: ObjectId) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .store
            .list_tree(tree)?
            .into_iter()
            .filter(|e| !e.is_tree && ids::parse_file_name(&e.name).is_some())
            .map(|e| e.name)
            .collect();
        names.sort_unstable();
        Ok(names)
    }

    /// Whether the session file names among `names` (sorted, as `Mirror::list` gives them) are
    /// exactly those of the `archive/` tree `tree`.
    fn same_session_names(&self, names: &[String], tree: ObjectId) -> Result<bool> {
        let ours = names.iter().filter(|n| ids::parse_file_name(n).is_some());
        let theirs = self.tree_session_names(tree)?;
        Ok(ours.eq(theirs.iter()))
    }

    /// The strays, and when `archive/` was listed and held none, its stamp and when the listing
    /// began (for `Mirror::set_scanned`). `archive/` grows with every session ever closed and
    /// only a name there can make a stray (files named as ours are not read, below), so it is
    /// listed only when its stamp moved since a scan that found nothing in it, or with `again`.
    fn scan_strays(&self, again: bool) -> Result<StrayScan> {
        let mut scan = StrayScan::default();
        let out = &mut scan.strays;
        for dir in SessionDir::ALL {
            let mut archive_stamp = None;
            if dir == SessionDir::Archive {
                let listed_at = SystemTime::now();
                let stamp = self.mirror.dir_stamp(dir.as_str())?;
                if !again
                    && stamp.is_some()
                    && stamp == self.mirror.scanned(dir.as_str())?.map(|s| s.stamp)
                {
                    continue;
                }
                archive_stamp = stamp.map(|s| (s, listed_at));
            }
            let found = out.len();
            let names = self.mirror.list(dir.as_str())?;
            for name in &names {
                if !name.ends_with(".md") {
                    continue;
                }
                let canonical = ids::parse_file_name(name).is_some();
                // Files named as ours are checked against their id only in active/ (few, and
                // read by every command anyway); archive/ is only listed, and its 10,000 names
                // cost no allocation here.
                if canonical && dir == SessionDir::Archive {
                    continue;
                }
                let p = format!("{}/{name}", dir.as_str());
                let bytes = match self.mirror.read(&p) {
                    Ok(Some(b)) => b,
                    Ok(None) | Err(MirrorError::Symlink(_) | MirrorError::NotAFile(_)) => continue,
                    Err(e) => return Err(e),
                };
                let origin = format!("{MIRROR_DIR}/{p}");
                if canonical {
                    match SessionFile::parse_bytes(&origin, &bytes) {
                        Ok(file) if !named_for(&p, &file) => {}
                        _ => continue,
                    }
                }
                out.push((p, dir, name.clone(), bytes));
            }
            if dir == SessionDir::Archive {
                if out.len() == found {
                    scan.clean = archive_stamp;
                }
                scan.archive = Some(names);
            }
        }
        Ok(scan)
    }

    fn adopt(
        &self,
        tree: ObjectId,
        p: &str,
        dir: SessionDir,
        name: &str,
        bytes: &[u8],
    ) -> Result<bool> {
        let origin = format!("{MIRROR_DIR}/{p}");
        let a = match crate::journal::adopt_session(&origin, name, bytes, dir) {
            Ok(a) => a,
            Err(e) => {
                self.warnings.push(format!("not adopted: {e}"));
                return Ok(false);
            }
        };
        let to = a.path.render();
        for d in SessionDir::ALL {
            for e in self.store.list(tree, d.as_str())? {
                let Some(other) = SessionPath::from_file_name(d, &e.name) else {
                    continue;
                };
                if other.short != a.path.short {
                    continue;
                }
                // The same session, its file renamed by hand: back under its own name.
                let same = SessionFile::parse_bytes(&e.name, &self.store.blob(e.id)?)
                    .is_ok_and(|f| f.meta.id == a.id);
                let other_path = other.render();
                if same && self.mirror.read_regular(&other_path)?.is_none() {
                    self.mirror.write(&other_path, &a.bytes)?;
                    self.mirror.remove(p)?;
                    self.mirror.add_dirty(&other_path)?;
                    self.warnings.push(format!(
                        "{origin} is session {} renamed by hand: kept as {MIRROR_DIR}/{other_path}",
                        other.shortname
                    ));
                    return Ok(true);
                }
                let why = if same {
                    "is a second copy of"
                } else {
                    "has the short id of"
                };
                self.warnings.push(format!(
                    "not adopted: {origin} {why} {MIRROR_DIR}/{other_path}; keep one, or give it another id"
                ));
                return Ok(false);
            }
        }
        // Another file of this mirror already holds that short id (adopted a moment ago in this
        // same pass, or there all along): two files for one session are never adopted.
        if let Some(other) = self.mirror.find_session(&a.path.short)?
            && other.render() != p
        {
            self.warnings.push(format!(
                "not adopted: {origin} has the same session id (short id {}) as {MIRROR_DIR}/{other}; keep one, or give it another id",
                a.path.short
            ));
            return Ok(false);
        }
        self.mirror.write(&to, &a.bytes)?;
        self.mirror.remove(p)?;
        self.mirror.add_dirty(&to)?;
        let progress = layout::progress_path(&a.path.short);
        let moved = self.adopt_journal(name, &a)?;
        if !moved.progress {
            self.mirror.write(
                &progress,
                crate::model::progress::render(&a.file.view()).as_bytes(),
            )?;
        }
        self.mirror.add_dirty(&progress)?;
        let mut notes = a.notes.clone();
        if moved.entries > 0 {
            notes.push(format!("{} journal entries moved with it", moved.entries));
        }
        let how = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        self.warnings
            .push(format!("adopted {origin} as {MIRROR_DIR}/{to}{how}"));
        Ok(true)
    }

    /// The seed keeps a session's journal under `journal/<the hex suffix of its file name>/`:
    /// when the adopted file's suffix is not its short id, that journal moves with it, its
    /// `progress.md` kept as it was and its entries under portable names (a frontmatter in front
    /// of an entry without one, its text unchanged).
    fn adopt_journal(&self, file_name: &str, a: &crate::journal::Adopted) -> Result<MovedJournal> {
        let mut moved = MovedJournal::default();
        let stem = file_name.strip_suffix(".md").unwrap_or(file_name);
        let Some((_, tail)) = stem.rsplit_once('-') else {
            return Ok(moved);
        };
        if tail.eq_ignore_ascii_case(&a.path.short)
            || tail.is_empty()
            || !tail.chars().all(|c| c.is_ascii_hexdigit())
            || !layout::valid_component(tail)
        {
            return Ok(moved);
        }
        let old = layout::flat_journal_dir(tail);
        if let Some(bytes) = self.mirror.read_regular(&format!("{old}/progress.md"))? {
            let to = layout::progress_path(&a.path.short);
            self.mirror.write(&to, &bytes)?;
            self.mirror.remove(&format!("{old}/progress.md"))?;
            moved.progress = true;
        }
        let entries = format!("{old}/entries");
        for name in self.mirror.list(&entries)? {
            let from = format!("{entries}/{name}");
            let Some(bytes) = self.mirror.read_regular(&from)? else {
                continue;
            };
            let (new_name, bytes) =
                crate::journal::portable_entry(&name, bytes, &a.id, self.writer);
            let to = layout::entry_path(&a.path.short, &new_name);
            self.mirror.write(&to, &bytes)?;
            self.mirror.add_dirty(&to)?;
            self.mirror.remove(&from)?;
            moved.entries += 1;
        }
        Ok(moved)
    }

    /// One file per session: a session file about to be added whose short id already has a file
    /// at another path of `tree` is either a rename by hand (the old file is gone from the
    /// mirror: the old path is removed in the same commit) or a second copy (both are in the
    /// mirror: it is not saved, with a warning). Moves that the change itself makes (close,
    /// reopen) are left alone.
    pub fn settle_session_names(&self, tree: ObjectId, changes: &mut TreeChanges) -> Result<()> {
        // A file already at its path in the tree (every `log`, `checkpoint`…) settled its name
        // when it was added; only a new path needs the listings, and `archive/` is thousands long.
        let mut added: Vec<SessionPath> = Vec::new();
        for (p, c) in changes.iter() {
            if let (Some(_), Some(new)) = (c, SessionPath::parse(p))
                && self.store.entry_id(tree, p)?.is_none()
            {
                added.push(new);
            }
        }
        if added.is_empty() {
            return Ok(());
        }
        let mut in_tree: Vec<SessionPath> = Vec::new();
        for dir in SessionDir::ALL {
            for e in self.store.list(tree, dir.as_str())? {
                in_tree.extend(SessionPath::from_file_name(dir, &e.name));
            }
        }
        for new in added {
            let new_path = new.render();
            if in_tree.contains(&new) {
                continue;
            }
            for old in in_tree.iter().filter(|o| o.short == new.short) {
                let old_path = old.render();
                if changes.contains_key(&old_path) {
                    continue;
                }
                if self.mirror.read_regular(&old_path)?.is_none() {
                    changes.insert(old_path, None);
                } else {
                    changes.remove(&new_path);
                    self.warnings.push(format!(
                        "{MIRROR_DIR}/{new_path}: same session (short id {}) as {MIRROR_DIR}/{old_path}; not saved. Keep one of the two files",
                        new.short
                    ));
                    break;
                }
            }
        }
        Ok(())
    }
}

/// `(dir, file name)` of a `.md` file directly in `active/` or `archive/`.
pub(super) fn session_dir_file(path: &str) -> Option<(SessionDir, &str)> {
    let (dir, name) = path.split_once('/')?;
    let dir = SessionDir::ALL.into_iter().find(|d| d.as_str() == dir)?;
    (name.ends_with(".md") && !name.contains('/')).then_some((dir, name))
}

/// Whether `path` is the name this tool gives `file`: `<shortname>-<short>.md` with the short
/// id of the file's own id.
pub(super) fn named_for(path: &str, file: &SessionFile) -> bool {
    SessionPath::parse(path)
        .is_some_and(|s| ids::short_of(&file.meta.id).as_deref() == Some(s.short.as_str()))
}

/// What moved with an adopted session file.
#[derive(Debug, Default)]
struct MovedJournal {
    progress: bool,
    entries: usize,
}
