//! The gate every incoming journal tree passes before anything is merged, adopted,
//! fast-forwarded or materialised: each path is checked against the layout's rules
//! (`layout::Place`, `layout::component_problem`) and against bounds on sizes and counts.
//!
//! A journal comes from anyone with push access to a remote, and git does not fsck fetched
//! trees by default, so nothing in it is trusted: a name could leave `.sessions/` (`..`, `.git`),
//! an entry could be a gitlink or a symlink, a file could sit where the tool expects a
//! directory, or a tree could be built to exhaust the disk when written out.
//!
//! Checking is cheap for a journal that mostly matches ours: a subtree (or blob) whose id equals
//! the one at the same path in the trusted local tree holds exactly what was already accepted
//! there, at the same place, under the same rules, so it is skipped. The counts and sizes below
//! therefore bound what is new relative to the local journal.
//!
//! A directory is also skipped when this process already walked the same object at the same
//! path of another tree that passed: `sync` checks every fetched clone ref (for missing objects,
//! then before merging), and at N clones each ref holds most of the others' new work, so without
//! this the walks grow with N² (issue 20). The object id fixes the directory's whole content and
//! the path fixes its place, depth and path lengths, so the rules give the same answer; what is
//! skipped was counted against the limits in the check that passed it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use gix::ObjectId;

use super::{Result, SessionsRef, StoreError};
use crate::layout::{self, Expected, Place};

/// The bounds an incoming tree must stay within. Generous: a journal of years of daily work
/// (thousands of sessions, tens of thousands of entries, a notes directory) is far below each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Components in a path (`journal/<short>/entries/<name>` is 4).
    pub depth: usize,
    /// Bytes in a path relative to `.sessions/`, leaving room under `PATH_MAX` (4096) for the
    /// worktree's own path.
    pub path_bytes: usize,
    /// Entries in one directory.
    pub entries_per_tree: usize,
    /// Entries (files and directories) in the tree, each visit counted, so a tree that names
    /// one subtree many times counts it many times, as writing it out would.
    pub entries: usize,
    /// Bytes in one file.
    pub blob_bytes: u64,
    /// Bytes in all files together.
    pub total_bytes: u64,
}

/// The limits every incoming tree is checked against.
pub const LIMITS: Limits = Limits {
    depth: 32,
    path_bytes: 3072,
    entries_per_tree: 100_000,
    entries: 1_000_000,
    blob_bytes: 64 << 20,
    total_bytes: 1 << 30,
};

/// The rule an incoming tree broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    /// A name that cannot be written safely (`layout::component_problem` says why).
    #[error("{0}")]
    Name(&'static str),
    #[error("name is not UTF-8")]
    NotUtf8,
    #[error("name appears twice in one directory")]
    Duplicate,
    #[error("a gitlink (submodule entry, mode 160000)")]
    Gitlink,
    #[error("a symlink (mode 120000)")]
    Symlink,
    #[error("unknown entry mode {0:o}")]
    Mode(u16),
    #[error("a file where a directory belongs")]
    FileForDirectory,
    #[error("a directory where a file belongs")]
    DirectoryForFile,
    #[error("the entry's object is a {0}, not what its mode says")]
    WrongObject(gix::object::Kind),
    #[error("object {0} is missing")]
    Missing(ObjectId),
    #[error("tree object cannot be read: {0}")]
    Corrupt(String),
    #[error("deeper than {} levels", LIMITS.depth)]
    TooDeep,
    #[error("path longer than {} bytes", LIMITS.path_bytes)]
    PathTooLong,
    #[error("more than {} entries in one directory", LIMITS.entries_per_tree)]
    TooManyInDirectory,
    #[error("more than {} entries in the tree", LIMITS.entries)]
    TooManyEntries,
    #[error("file larger than {} MiB", LIMITS.blob_bytes >> 20)]
    BlobTooLarge,
    #[error("files larger than {} MiB together", LIMITS.total_bytes >> 20)]
    TooLargeInTotal,
}

/// Why an incoming tree was refused: the first path found breaking a rule. Displayed with the
/// path escaped (`\u{1b}`, `\n`…) and cut to 200 characters: the names come from whoever pushed
/// the journal, and must not move a terminal's cursor, forge a line, or reach an agent's context
/// as text of their choosing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {rule}", shown_path(path))]
pub struct Refusal {
    /// The offending path relative to the tree's root (`""` for the root itself).
    pub path: String,
    pub rule: Rule,
}

/// One directory waiting to be checked.
struct Pending {
    id: ObjectId,
    path: String,
    place: Place,
    depth: usize,
    /// The id of the directory at the same path in the trusted tree, if that is a directory.
    trusted: Option<ObjectId>,
}

/// An entry of a directory as the gate reads it: name still raw, mode exact.
struct RawEntry {
    name: Vec<u8>,
    mode: u16,
    id: ObjectId,
}

const MODE_TREE: u16 = 0o040000;
const MODE_BLOB: u16 = 0o100644;
const MODE_EXEC: u16 = 0o100755;
const MODE_LINK: u16 = 0o120000;
const MODE_GITLINK: u16 = 0o160000;

thread_local! {
    /// Directories `(id, path)` walked by a check that passed, per repository (its common git
    /// dir: whether an object is present is the repository's own fact).
    static PASSED: RefCell<HashMap<PathBuf, HashSet<(ObjectId, String)>>> =
        RefCell::new(HashMap::new());
}

impl SessionsRef<'_> {
    /// Check `tree` (from outside: a fetched journal) against the layout and [`LIMITS`];
    /// `trusted` is the local journal's tree, whose equal subtrees are skipped. `Ok(None)` when
    /// it may be merged; `Ok(Some(why))` when it must be refused whole; `Err` only when this
    /// repository's own objects cannot be read.
    pub fn check_incoming_tree(
        &self,
        tree: ObjectId,
        trusted: Option<ObjectId>,
    ) -> Result<Option<Refusal>> {
        let repo_key = self.repo.common_dir().to_path_buf();
        let passed = PASSED.with(|p| p.borrow_mut().remove(&repo_key).unwrap_or_default());
        let mut walked = Vec::new();
        let outcome = self.walk_incoming(tree, trusted, &passed, &mut walked);
        PASSED.with(|p| {
            let mut p = p.borrow_mut();
            let mut passed = passed;
            if matches!(outcome, Ok(None)) {
                passed.extend(walked);
            }
            p.insert(repo_key, passed);
        });
        outcome
    }

    /// The walk of [`SessionsRef::check_incoming_tree`]; `walked` collects the directories it
    /// entered, `passed` the ones to skip.
    fn walk_incoming(
        &self,
        tree: ObjectId,
        trusted: Option<ObjectId>,
        passed: &HashSet<(ObjectId, String)>,
        walked: &mut Vec<(ObjectId, String)>,
    ) -> Result<Option<Refusal>> {
        let refuse = |path: &str, rule| {
            Ok(Some(Refusal {
                path: path.to_string(),
                rule,
            }))
        };
        let mut entries = 0usize;
        let mut bytes = 0u64;
        let mut stack = vec![Pending {
            id: tree,
            path: String::new(),
            place: Place::Root,
            depth: 0,
            trusted,
        }];
        while let Some(dir) = stack.pop() {
            if dir.trusted == Some(dir.id) {
                continue;
            }
            let key = (dir.id, dir.path.clone());
            if passed.contains(&key) {
                continue;
            }
            walked.push(key);
            let listed = match self.raw_entries(dir.id)? {
                Ok(listed) => listed,
                Err(rule) => return refuse(&dir.path, rule),
            };
            if listed.len() > LIMITS.entries_per_tree {
                return refuse(&dir.path, Rule::TooManyInDirectory);
            }
            let known = self.trusted_entries(dir.trusted)?;
            let mut seen = HashSet::with_capacity(listed.len());
            for e in listed {
                let Ok(name) = std::str::from_utf8(&e.name) else {
                    let lossy = String::from_utf8_lossy(&e.name);
                    return refuse(&join(&dir.path, &lossy), Rule::NotUtf8);
                };
                let path = join(&dir.path, name);
                if let Some(problem) = layout::component_problem(name) {
                    return refuse(&path, Rule::Name(problem));
                }
                if !seen.insert(name.to_string()) {
                    return refuse(&path, Rule::Duplicate);
                }
                if path.len() > LIMITS.path_bytes {
                    return refuse(&path, Rule::PathTooLong);
                }
                if dir.depth + 1 > LIMITS.depth {
                    return refuse(&path, Rule::TooDeep);
                }
                entries += 1;
                if entries > LIMITS.entries {
                    return refuse(&path, Rule::TooManyEntries);
                }
                let is_tree = match e.mode {
                    MODE_TREE => true,
                    MODE_BLOB | MODE_EXEC => false,
                    MODE_LINK => return refuse(&path, Rule::Symlink),
                    MODE_GITLINK => return refuse(&path, Rule::Gitlink),
                    other => return refuse(&path, Rule::Mode(other)),
                };
                let place = match (dir.place.expects(name), is_tree) {
                    (Expected::Tree(p) | Expected::Either(p), true) => p,
                    (Expected::Blob | Expected::Either(_), false) => dir.place,
                    (Expected::Tree(_), false) => return refuse(&path, Rule::FileForDirectory),
                    (Expected::Blob, true) => return refuse(&path, Rule::DirectoryForFile),
                };
                let same = known.get(name).filter(|(_, t)| *t == is_tree).map(|k| k.0);
                if is_tree {
                    stack.push(Pending {
                        id: e.id,
                        path,
                        place,
                        depth: dir.depth + 1,
                        trusted: same,
                    });
                    continue;
                }
                if same == Some(e.id) {
                    continue;
                }
                let header = self
                    .repo
                    .try_find_header(e.id)
                    .map_err(|err| StoreError::git("reading an incoming object", err))?;
                let Some(header) = header else {
                    return refuse(&path, Rule::Missing(e.id));
                };
                if header.kind() != gix::object::Kind::Blob {
                    return refuse(&path, Rule::WrongObject(header.kind()));
                }
                if header.size() > LIMITS.blob_bytes {
                    return refuse(&path, Rule::BlobTooLarge);
                }
                bytes += header.size();
                if bytes > LIMITS.total_bytes {
                    return refuse(&path, Rule::TooLargeInTotal);
                }
            }
        }
        Ok(None)
    }

    /// What is at `path` in `tree`: its id and whether it is a directory.
    pub fn entry_at(&self, tree: ObjectId, path: &str) -> Result<Option<(ObjectId, bool)>> {
        if tree == self.empty_tree() {
            return Ok(None);
        }
        let t = self
            .repo
            .find_tree(tree)
            .map_err(|e| StoreError::git("reading tree", e))?;
        let e = t
            .lookup_entry_by_path(path)
            .map_err(|e| StoreError::git("reading tree", e))?;
        Ok(e.map(|e| (e.object_id(), e.mode().is_tree())))
    }

    /// The entries of an incoming tree object, or the rule it breaks by not being one.
    fn raw_entries(&self, id: ObjectId) -> Result<Result<Vec<RawEntry>, Rule>> {
        if id == self.empty_tree() {
            return Ok(Ok(Vec::new()));
        }
        let object = self
            .repo
            .try_find_object(id)
            .map_err(|e| StoreError::git("reading an incoming tree", e))?;
        let Some(object) = object else {
            return Ok(Err(Rule::Missing(id)));
        };
        if object.kind != gix::object::Kind::Tree {
            return Ok(Err(Rule::WrongObject(object.kind)));
        }
        let tree = object.into_tree();
        let decoded = match tree.decode() {
            Ok(d) => d,
            Err(e) => return Ok(Err(Rule::Corrupt(e.to_string()))),
        };
        Ok(Ok(decoded
            .entries
            .iter()
            .map(|e| RawEntry {
                name: e.filename.to_vec(),
                mode: e.mode.value(),
                id: e.oid.to_owned(),
            })
            .collect()))
    }

    /// The entries of a trusted directory by name: `(id, is_tree)`.
    fn trusted_entries(&self, id: Option<ObjectId>) -> Result<BTreeMap<String, (ObjectId, bool)>> {
        let Some(id) = id else {
            return Ok(BTreeMap::new());
        };
        Ok(self
            .list(id, "")?
            .into_iter()
            .map(|e| (e.name, (e.id, e.is_tree)))
            .collect())
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// A path from an untrusted tree as it may be shown: control and other invisible characters
/// escaped, at most 200 characters.
fn shown_path(path: &str) -> String {
    if path.is_empty() {
        return "(root)".into();
    }
    let escaped: String = path
        .chars()
        .flat_map(|c| {
            let invisible = ('\u{200b}'..='\u{200f}').contains(&c);
            if c.is_control() || (c.is_whitespace() && c != ' ') || invisible {
                c.escape_unicode().collect::<Vec<char>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if escaped.chars().count() > 200 {
        escaped.chars().take(199).collect::<String>() + "…"
    } else {
        escaped
    }
}
