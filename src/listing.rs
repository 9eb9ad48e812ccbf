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

/// The text of a tree's index files, read once; an [`ArchivedIndex`] borrows from it.
pub struct IndexTexts {
    /// `archive/` file name → its blob in the tree.
    blobs: HashMap<String, ObjectId>,
    texts: Vec<String>,
}

impl IndexTexts {
    /// Read the index of `tree` (one tree listing of `archive/` and one small file per fanout
    /// directory).
    pub fn load(store: &SessionsRef, tree: ObjectId) -> crate::error::Result<Self> {
        let blobs = store
            .list(tree, SessionDir::Archive.as_str())?
            .into_iter()
            .filter(|e| !e.is_tree)
            .map(|e| (e.name, e.id))
            .collect();
        let mut texts = Vec::new();
        for fan in store.list(tree, "journal")? {
            if fan.is_tree
                && layout::is_fanout_name(&fan.name)
                && let Some(bytes) = store.read(fan.id, layout::INDEX_FILE)?
            {
                // As `parse_index` reads it, without a copy when the text is UTF-8.
                texts.push(
                    String::from_utf8(bytes)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                );
            }
        }
        Ok(IndexTexts { blobs, texts })
    }

    /// The lines, by the blob they describe (a later line for the same blob wins, as in
    /// [`parse_index`]).
    pub fn index(&self) -> ArchivedIndex<'_> {
        let mut lines = HashMap::with_capacity(self.blobs.len());
        for text in &self.texts {
            lines.extend(text.lines().filter_map(parse_ref));
        }
        ArchivedIndex {
            blobs: &self.blobs,
            lines,
        }
    }
}

/// The index as a reader uses it: the tree's archived session files and the index lines that
/// still describe them.
pub struct ArchivedIndex<'a> {
    blobs: &'a HashMap<String, ObjectId>,
    /// Index lines by the blob they describe.
    lines: HashMap<ObjectId, LineRef<'a>>,
}

impl<'a> ArchivedIndex<'a> {
    /// The line for an archived session file, when the index holds one made from the blob the
    /// tree has at its path. `name` is a buffer for the file name, reused across calls.
    pub fn line(&self, s: &SessionPath, name: &mut String) -> Option<LineRef<'a>> {
        name.clear();
        name.push_str(&s.shortname);
        name.push('-');
        name.push_str(&s.short);
        name.push_str(".md");
        debug_assert_eq!(*name, s.file_name());
        let blob = self.blobs.get(name.as_str())?;
        self.lines
            .get(blob)
            .copied()
            .filter(|l| l.file_name == name.as_str())
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
}
