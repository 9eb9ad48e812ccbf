//! The listing index of archived sessions (decision 53): `journal/<xx>/archived.tsv`, one line
//! per archived session whose short id starts with `<xx>`, holding what `list` shows and the
//! blob id of the session file it was made from.
//!
//! Every commit that adds, changes or removes an archived session file regenerates the lines of
//! its fanout directory; a merge regenerates them the same way, so the index is never merged as
//! text. Readers trust a line only while its blob id is the one the tree holds at that path, and
//! parse the file otherwise: an index that is missing, old or hand-edited costs time, never a
//! wrong listing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use gix::ObjectId;

use crate::layout::{self, PathKind, SessionDir, SessionPath};
use crate::model::session::{SessionFile, Status};
use crate::store::{SessionsRef, TreeChanges, blob_id};

/// One archived session as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexLine {
    /// The session file's blob this line was made from.
    pub blob: ObjectId,
    /// `<shortname>-<short>.md` in `archive/`.
    pub file_name: String,
    pub id: String,
    pub status: Status,
    pub steps_done: usize,
    pub steps_total: usize,
    pub updated_at: String,
    pub git_branch: Option<String>,
    pub title: String,
}

/// Tabs and line breaks would break the line format; they become spaces.
fn field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

impl IndexLine {
    /// The line for the file `file_name` whose bytes have the blob id `blob`.
    pub fn of(blob: ObjectId, file_name: &str, file: &SessionFile) -> Self {
        let v = file.view();
        let (done, total) = v.step_counts();
        IndexLine {
            blob,
            file_name: file_name.to_string(),
            id: v.id,
            status: v.status,
            steps_done: done,
            steps_total: total,
            updated_at: v.updated_at,
            git_branch: v.git_branch,
            title: v.title,
        }
    }

    fn render(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            self.blob,
            field(&self.file_name),
            field(&self.id),
            self.status.as_str(),
            self.steps_done,
            self.steps_total,
            field(&self.updated_at),
            field(self.git_branch.as_deref().unwrap_or("")),
            field(&self.title),
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            return None;
        }
        let status = match f[3] {
            "active" => Status::Active,
            "paused" => Status::Paused,
            "completed" => Status::Completed,
            "abandoned" => Status::Abandoned,
            _ => return None,
        };
        Some(IndexLine {
            blob: ObjectId::from_hex(f[0].as_bytes()).ok()?,
            file_name: f[1].to_string(),
            id: f[2].to_string(),
            status,
            steps_done: f[4].parse().ok()?,
            steps_total: f[5].parse().ok()?,
            updated_at: f[6].to_string(),
            git_branch: Some(f[7].to_string()).filter(|b| !b.is_empty()),
            title: f[8].to_string(),
        })
    }
}

/// The lines of an index file, by the blob they were made from; lines that do not parse are
/// skipped (their sessions are read from their files).
pub fn parse_index(bytes: &[u8]) -> HashMap<ObjectId, IndexLine> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(IndexLine::parse)
        .map(|l| (l.blob, l))
        .collect()
}

/// The index files `changes` (to be applied to `tree`) makes stale, regenerated: one per fanout
/// directory in which an archived session file is added, changed or removed. Files that do not
/// parse get no line.
pub fn index_changes(
    store: &SessionsRef,
    tree: ObjectId,
    changes: &TreeChanges,
) -> crate::error::Result<TreeChanges> {
    let mut fans: BTreeSet<String> = BTreeSet::new();
    for path in changes.keys() {
        if let PathKind::Session(s) = PathKind::of(path)
            && s.archived()
        {
            fans.insert(layout::fanout(&s.short).to_string());
        }
    }
    regenerate(store, tree, changes, fans)
}

/// Every index file of `tree`, regenerated (when its journals move to the fanout layout).
pub fn full_index(store: &SessionsRef, tree: ObjectId) -> crate::error::Result<TreeChanges> {
    let fans = store
        .list(tree, SessionDir::Archive.as_str())?
        .iter()
        .filter_map(|e| SessionPath::from_file_name(SessionDir::Archive, &e.name))
        .map(|s| layout::fanout(&s.short).to_string())
        .collect();
    regenerate(store, tree, &TreeChanges::new(), fans)
}

fn regenerate(
    store: &SessionsRef,
    tree: ObjectId,
    changes: &TreeChanges,
    fans: BTreeSet<String>,
) -> crate::error::Result<TreeChanges> {
    let mut out = TreeChanges::new();
    if fans.is_empty() {
        return Ok(out);
    }
    let archived = store.list(tree, SessionDir::Archive.as_str())?;
    for fan in fans {
        let path = layout::index_path(&fan);
        let old = store
            .read(tree, &path)?
            .map(|b| parse_index(&b))
            .unwrap_or_default();
        // file name → its bytes when the change writes it, else its blob in the tree.
        let mut files: BTreeMap<String, Result<ObjectId, Vec<u8>>> = archived
            .iter()
            .filter(|e| !e.is_tree)
            .filter_map(|e| {
                let s = SessionPath::from_file_name(SessionDir::Archive, &e.name)?;
                (layout::fanout(&s.short) == fan).then(|| (e.name.clone(), Ok(e.id)))
            })
            .collect();
        for (p, content) in changes {
            if let PathKind::Session(s) = PathKind::of(p)
                && s.archived()
                && layout::fanout(&s.short) == fan
            {
                match content {
                    Some(bytes) => files.insert(s.file_name(), Err(bytes.clone())),
                    None => files.remove(&s.file_name()),
                };
            }
        }
        let mut text = String::new();
        for (name, content) in files {
            let (blob, bytes) = match content {
                Ok(id) => match old.get(&id) {
                    Some(line) if line.file_name == name => {
                        text.push_str(&line.render());
                        continue;
                    }
                    _ => (id, store.blob(id)?),
                },
                Err(bytes) => (blob_id(&bytes), bytes),
            };
            if let Ok(file) = SessionFile::parse_bytes(&name, &bytes) {
                text.push_str(&IndexLine::of(blob, &name, &file).render());
            }
        }
        if !text.is_empty() {
            out.insert(path, Some(text.into_bytes()));
        } else if store.entry_id(tree, &path)?.is_some() {
            out.insert(path, None);
        }
    }
    Ok(out)
}

/// One index line as a reader uses it, borrowed from the index file's text: parsing 10,000
/// lines into owned strings was 14 % of `list --all` (decision 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef<'a> {
    /// `<shortname>-<short>.md` in `archive/`.
    pub file_name: &'a str,
    pub id: &'a str,
    pub status: Status,
    pub steps_done: usize,
    pub steps_total: usize,
    pub updated_at: &'a str,
    pub git_branch: Option<&'a str>,
    pub title: &'a str,
}

/// A line as [`IndexLine::parse`] reads it, without copying its fields.
fn parse_ref(line: &str) -> Option<(ObjectId, LineRef<'_>)> {
    let mut f = line.split('\t');
    let mut next = || f.next();
    let (blob, file_name, id, status, done, total, updated_at, branch, title) = (
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
    );
    if next().is_some() {
        return None;
    }
    let status = match status {
        "active" => Status::Active,
        "paused" => Status::Paused,
        "completed" => Status::Completed,
        "abandoned" => Status::Abandoned,
        _ => return None,
    };
    Some((
        ObjectId::from_hex(blob.as_bytes()).ok()?,
        LineRef {
            file_name,
            id,
            status,
            steps_done: done.parse().ok()?,
            steps_total: total.parse().ok()?,
            updated_at,
            git_branch: Some(branch).filter(|b| !b.is_empty()),
            title,
        },
    ))
}

/// No index line for a blob (`ArchivedIndex::line_of_slot`).
const NO_LINE: u32 = u32::MAX;

/// From this many fanout directories on, two threads read the index files.
const PARALLEL_FANS: usize = 64;

/// The text of the index file of the fanout directory `fan`, if it has one; as `parse_index`
/// reads it, without a copy when the text is UTF-8.
fn index_text(store: &SessionsRef, fan: ObjectId) -> crate::error::Result<Option<String>> {
    Ok(store.read(fan, layout::INDEX_FILE)?.map(|bytes| {
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }))
}

/// The `archive/` tree of `tree` and its object's bytes (none and empty when there is none).
fn archive_of(
    store: &SessionsRef,
    tree: ObjectId,
) -> crate::error::Result<(Option<ObjectId>, Vec<u8>)> {
    Ok(match store.entry_at(tree, SessionDir::Archive.as_str())? {
        Some((id, true)) => (Some(id), store.tree_data(id)?),
        _ => (None, Vec::new()),
    })
}

/// A tree's `archive/` listing and the text of its index files, read once; an
/// [`ArchivedIndex`] borrows from it.
pub struct IndexTexts {
    /// The `archive/` tree, when there is one.
    archive_id: Option<ObjectId>,
    /// Its object's bytes: names and blob ids, read in place.
    archive: Vec<u8>,
    texts: Vec<String>,
}

impl IndexTexts {
    /// Read the index of `tree` (the `archive/` tree object and one small file per fanout
    /// directory).
    pub fn load(store: &SessionsRef, tree: ObjectId) -> crate::error::Result<Self> {
        // Each object is read once: through a handle without the object cache, which would copy
        // every one of them (~3 MB at 10,000 sessions) for nothing.
        let mut repo = store.repo().clone();
        repo.object_cache_size(0);
        let store = &SessionsRef::new(&repo);
        let fans: Vec<ObjectId> = store
            .list(tree, "journal")?
            .into_iter()
            .filter(|f| f.is_tree && layout::is_fanout_name(&f.name))
            .map(|f| f.id)
            .collect();
        // Inflating the index files is most of the time at 10,000 sessions (~2 MB of text): a
        // second thread with a handle of its own (gix is built without `parallel`, decision 115)
        // takes them one by one with this one, which reads `archive/` first. A handle that
        // cannot be opened, or a file it cannot read, leaves the rest to this thread.
        let next = AtomicUsize::new(0);
        let take = || Some(next.fetch_add(1, Ordering::Relaxed)).filter(|i| *i < fans.len());
        let git_dir = store.repo().git_dir().to_path_buf();
        let (archive, mine, theirs) = std::thread::scope(|scope| {
            // A thread that cannot be started is work for this one, not a panic.
            let worker = (fans.len() >= PARALLEL_FANS)
                .then(|| {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, || {
                            let mut out = Vec::new();
                            let Ok(repo) = gix::open_opts(&git_dir, gix::open::Options::isolated())
                            else {
                                return out;
                            };
                            let store = SessionsRef::new(&repo);
                            while let Some(i) = take() {
                                match index_text(&store, fans[i]) {
                                    Ok(text) => out.push((i, text)),
                                    Err(_) => break,
                                }
                            }
                            out
                        })
                        .ok()
                })
                .flatten();
            let archive = archive_of(store, tree);
            let mut mine = Vec::new();
            while let Some(i) = take() {
                match index_text(store, fans[i]) {
                    Ok(text) => mine.push((i, text)),
                    Err(e) => return (archive, Err(e), Vec::new()),
                }
            }
            let theirs = worker.and_then(|w| w.join().ok()).unwrap_or_default();
            (archive, Ok(mine), theirs)
        });
        let (archive_id, archive) = archive?;
        let mut read: Vec<Option<Option<String>>> = vec![None; fans.len()];
        for (i, text) in mine?.into_iter().chain(theirs) {
            read[i] = Some(text);
        }
        let mut texts = Vec::with_capacity(fans.len());
        for (i, text) in read.into_iter().enumerate() {
            let text = match text {
                Some(text) => text,
                None => index_text(store, fans[i])?,
            };
            texts.extend(text);
        }
        Ok(IndexTexts {
            archive_id,
            archive,
            texts,
        })
    }

    /// The `archive/` tree the index was read with (`None`: the tree has no `archive/`).
    pub fn archive_tree(&self) -> Option<ObjectId> {
        self.archive_id
    }

    /// The tree's archived files and the lines that describe their blobs (a later line for the
    /// same blob wins, as in [`parse_index`]).
    pub fn index(&self) -> ArchivedIndex<'_> {
        let mut entries: Vec<ArchivedEntry> = Vec::with_capacity(self.archive.len() / 48);
        // Each distinct blob of the tree gets a slot; lines are kept only for those. The blob
        // ids come from the tree (SHA-1s), so a map hashing their first bytes is safe here; the
        // ids written in an index file are only looked up.
        let mut slots: gix::hashtable::HashMap<ObjectId, u32> =
            gix::hashtable::HashMap::with_capacity_and_hasher(
                self.archive.len() / 48,
                Default::default(),
            );
        for e in gix::objs::TreeRefIter::from_bytes(&self.archive, gix::hash::Kind::Sha1) {
            // A tree that does not decode lists what it held up to there; the rest is read
            // from the files.
            let Ok(e) = e else { break };
            if e.mode.is_tree() {
                continue;
            }
            let Ok(name) = std::str::from_utf8(e.filename) else {
                continue;
            };
            let blob = e.oid.to_owned();
            let next = slots.len() as u32;
            let slot = *slots.entry(blob).or_insert(next);
            entries.push(ArchivedEntry { name, blob, slot });
        }
        // Git keeps a tree's entries in name order; one that is not is put in order here, so
        // that names can be looked up by search.
        if !entries.is_sorted_by(|a, b| a.name <= b.name) {
            entries.sort_by(|a, b| a.name.cmp(b.name));
        }
        // The line of each slot: the last one for its blob that parses. Parsed here, in the
        // order of the text, which is read once from start to end.
        let mut line_of_slot = vec![NO_LINE; slots.len()];
        let mut lines: Vec<LineRef> = Vec::with_capacity(slots.len());
        for text in &self.texts {
            for line in text.lines() {
                let Some(blob) = line
                    .split_once('\t')
                    .and_then(|(hex, _)| ObjectId::from_hex(hex.as_bytes()).ok())
                else {
                    continue;
                };
                let Some(&slot) = slots.get(&blob) else {
                    continue;
                };
                let Some((_, parsed)) = parse_ref(line) else {
                    continue;
                };
                let at = &mut line_of_slot[slot as usize];
                if *at == NO_LINE {
                    *at = lines.len() as u32;
                    lines.push(parsed);
                } else {
                    lines[*at as usize] = parsed;
                }
            }
        }
        ArchivedIndex {
            entries,
            line_of_slot,
            lines,
        }
    }
}

/// One file of the tree's `archive/`.
#[derive(Debug, Clone, Copy)]
pub struct ArchivedEntry<'a> {
    /// Its name (names that are not UTF-8 are left out).
    pub name: &'a str,
    /// Its blob.
    pub blob: ObjectId,
    /// Where the line for its blob is kept in `ArchivedIndex::lines`.
    slot: u32,
}

/// The index as a reader uses it: the tree's archived session files and the index lines that
/// still describe them.
pub struct ArchivedIndex<'a> {
    /// The files of the tree's `archive/`, in name order.
    entries: Vec<ArchivedEntry<'a>>,
    /// For each distinct blob of those files, where its index line is in `lines` (`NO_LINE`:
    /// none).
    line_of_slot: Vec<u32>,
    lines: Vec<LineRef<'a>>,
}

impl<'a> ArchivedIndex<'a> {
    /// The files of the tree's `archive/` (session files or not), in name order.
    pub fn entries(&self) -> &[ArchivedEntry<'a>] {
        &self.entries
    }

    /// The line for the tree's file `e`, when the index holds one made from its blob for its
    /// name.
    pub fn line_of(&self, e: &ArchivedEntry<'a>) -> Option<LineRef<'a>> {
        let line = *self
            .lines
            .get(self.line_of_slot[e.slot as usize] as usize)?;
        (line.file_name == e.name).then_some(line)
    }

    /// The line for the archived file named `name`, when the index holds one made from the blob
    /// the tree has under that name. `at` is where to look first and is moved past a name
    /// found: names asked for in order are found without a search.
    pub fn line_named(&self, name: &str, at: &mut usize) -> Option<LineRef<'a>> {
        let i = match self.entries.get(*at) {
            Some(e) if e.name == name => *at,
            _ => self.entries.binary_search_by(|e| e.name.cmp(name)).ok()?,
        };
        *at = i + 1;
        self.line_of(&self.entries[i])
    }

    /// The line for an archived session file, when the index holds one made from the blob the
    /// tree has at its path. `name` is a buffer for the file name, reused across calls.
    pub fn line(&self, s: &SessionPath, name: &mut String) -> Option<LineRef<'a>> {
        name.clear();
        name.push_str(&s.shortname);
        name.push('-');
        name.push_str(&s.short);
        name.push_str(".md");
        debug_assert_eq!(*name, s.file_name());
        self.line_named(name, &mut 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_as_written_and_tabs_or_breaks_cannot_split_it() {
        let line = IndexLine {
            blob: ObjectId::empty_blob(gix::hash::Kind::Sha1),
            file_name: "fix-1a2b3c4d.md".into(),
            id: "019abc12-3456-7def-8901-23456781a2b3c4d".into(),
            status: Status::Completed,
            steps_done: 2,
            steps_total: 3,
            updated_at: "2025-01-15T10:00:00.000Z".into(),
            git_branch: None,
            title: "a\ttitle\nwith breaks".into(),
        };
        let text = line.render();
        assert_eq!(text.lines().count(), 1);
        let back = parse_index(text.as_bytes());
        let read = back.get(&line.blob).expect("parsed");
        assert_eq!(read.title, "a title with breaks");
        assert_eq!(
            IndexLine {
                title: line.title.clone(),
                ..read.clone()
            },
            line
        );
        assert!(parse_index(b"not\ta line\n").is_empty());
        let (blob, r) = parse_ref(text.trim_end_matches('\n')).expect("parsed by reference");
        assert_eq!(blob, read.blob);
        assert_eq!(
            (r.file_name, r.id, r.status, r.steps_done, r.steps_total),
            (
                read.file_name.as_str(),
                read.id.as_str(),
                read.status,
                read.steps_done,
                read.steps_total
            )
        );
        assert_eq!(
            (r.updated_at, r.git_branch, r.title),
            (
                read.updated_at.as_str(),
                read.git_branch.as_deref(),
                read.title.as_str()
            )
        );
        assert!(parse_ref("not\ta line").is_none());
        let extra = format!("{}\textra", text.trim_end_matches('\n'));
        assert!(parse_ref(&extra).is_none());
    }

    #[test]
    fn index_lines_are_matched_to_the_trees_blobs_under_their_names() {
        use gix::objs::WriteTo;
        use gix::objs::tree::{Entry, EntryKind};
        let blob = |n: u8| ObjectId::from_bytes_or_panic(&[n; 20]);
        let names = [
            "a-11111111.md",
            "b-22222222.md",
            "c-33333333.md",
            "notes.txt",
        ];
        let tree = gix::objs::Tree {
            entries: names
                .iter()
                .zip(1..)
                .map(|(n, i)| Entry {
                    mode: EntryKind::Blob.into(),
                    filename: (*n).into(),
                    oid: blob(i),
                })
                .collect(),
        };
        let mut archive = Vec::new();
        tree.write_to(&mut archive).unwrap();
        let line = |b: ObjectId, name: &str, title: &str| {
            IndexLine {
                blob: b,
                file_name: name.into(),
                id: format!("id-{name}"),
                status: Status::Completed,
                steps_done: 0,
                steps_total: 1,
                updated_at: "2025-01-15T10:00:00.000Z".into(),
                git_branch: None,
                title: title.into(),
            }
            .render()
        };
        let texts = vec![
            // A later line for a blob wins, unless it does not parse.
            line(blob(1), names[0], "first")
                + &line(blob(1), names[0], "later")
                + &format!("{}\tnot a line\n", blob(1)),
            // A line for the blob under another name, and one for a blob the tree lacks.
            line(blob(2), "renamed-22222222.md", "renamed") + &line(blob(9), names[2], "gone"),
        ];
        let t = IndexTexts {
            archive_id: None,
            archive,
            texts,
        };
        let index = t.index();
        assert_eq!(index.entries().len(), 4);
        let mut at = 0;
        assert_eq!(
            index.line_named(names[0], &mut at).map(|l| l.title),
            Some("later")
        );
        assert_eq!(at, 1);
        assert_eq!(index.line_named(names[1], &mut at), None);
        assert_eq!(index.line_named(names[2], &mut at), None);
        assert_eq!(index.line_named("zz-44444444.md", &mut at), None);
        // Out of order, a name is searched for.
        assert!(index.line_named(names[0], &mut at).is_some());
        assert_eq!(
            index.line_of(&index.entries()[0]).map(|l| l.id),
            Some("id-a-11111111.md")
        );
        let s = SessionPath::from_file_name(SessionDir::Archive, names[0]).unwrap();
        assert!(index.line(&s, &mut String::new()).is_some());
    }
}
