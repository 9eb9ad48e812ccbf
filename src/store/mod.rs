//! `refs/sessions`: read its tree, write blobs, trees and commits, move the ref by compare-and-swap.
//!
//! Nothing here touches HEAD, the index or the working tree, and nothing spawns `git`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::refs::Target;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use crate::error::{Error, Result, git_error};

/// The ref that holds the journal.
pub const SESSIONS_REF: &str = "refs/sessions";

/// How long to wait for another process's `refs/sessions.lock` before deciding it is stale.
const STALE_LOCK: Duration = Duration::from_secs(10);

/// A set of path changes to apply to a tree: `Some(bytes)` writes, `None` removes.
pub type TreeChanges = BTreeMap<String, Option<Vec<u8>>>;

/// A blob or subtree in a tree listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub id: ObjectId,
    pub is_tree: bool,
}

/// One path that differs between two trees.
#[derive(Debug, Clone)]
pub struct Changed {
    pub path: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// Who writes journal commits: `(name, email)` of author and committer.
#[derive(Debug, Clone)]
pub struct Identity {
    pub author: (String, String),
    pub committer: (String, String),
}

/// The outcome of a compare-and-swap.
#[derive(Debug)]
pub enum CasOutcome {
    Moved(ObjectId),
    /// Somebody else moved the ref first; redo the change on the new tip.
    Lost,
}

/// The journal ref of one repository.
pub struct SessionsRef<'r> {
    repo: &'r gix::Repository,
}

impl<'r> SessionsRef<'r> {
    /// The journal of `repo`.
    pub fn new(repo: &'r gix::Repository) -> Self {
        SessionsRef { repo }
    }

    /// The commit `refs/sessions` points at, if the ref exists.
    pub fn tip(&self) -> Result<Option<ObjectId>> {
        self.tip_of(SESSIONS_REF)
    }

    /// The commit any ref points at, checked to be a commit.
    pub fn tip_of(&self, name: &str) -> Result<Option<ObjectId>> {
        let reference = self
            .repo
            .try_find_reference(name)
            .map_err(|e| git_error(name, e))?;
        let Some(mut reference) = reference else {
            return Ok(None);
        };
        let id = reference
            .peel_to_id()
            .map_err(|e| Error::BadRef(format!("{name} cannot be resolved: {e}")))?
            .detach();
        let kind = self
            .repo
            .find_header(id)
            .map_err(|e| Error::BadRef(format!("{name} points at missing object {id}: {e}")))?
            .kind();
        if kind != gix::object::Kind::Commit {
            return Err(Error::BadRef(format!(
                "{name} points at a {kind}, not a commit ({id})"
            )));
        }
        Ok(Some(id))
    }

    /// The tree of a commit.
    pub fn tree_of(&self, commit: ObjectId) -> Result<ObjectId> {
        let c = self
            .repo
            .find_commit(commit)
            .map_err(|e| git_error("reading commit", e))?;
        c.tree_id()
            .map(|t| t.detach())
            .map_err(|e| git_error("reading commit", e))
    }

    /// The empty tree, the base of the first commit.
    pub fn empty_tree(&self) -> ObjectId {
        ObjectId::empty_tree(self.repo.object_hash())
    }

    /// The id of the entry at `path` in `tree`.
    pub fn entry_id(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
        if tree == self.empty_tree() {
            return Ok(None);
        }
        let t = self
            .repo
            .find_tree(tree)
            .map_err(|e| git_error("reading tree", e))?;
        let e = t
            .lookup_entry_by_path(path)
            .map_err(|e| git_error("reading tree", e))?;
        Ok(e.map(|e| e.object_id()))
    }

    /// The bytes of the blob at `path` in `tree`.
    pub fn read(&self, tree: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
        match self.entry_id(tree, path)? {
            Some(id) => self.blob(id).map(Some),
            None => Ok(None),
        }
    }

    /// A blob's bytes.
    pub fn blob(&self, id: ObjectId) -> Result<Vec<u8>> {
        let b = self
            .repo
            .find_blob(id)
            .map_err(|e| git_error("reading blob", e))?;
        Ok(b.data.clone())
    }

    /// The entries of the directory `path` in `tree` (empty when absent).
    pub fn list(&self, tree: ObjectId, path: &str) -> Result<Vec<DirEntry>> {
        let id = if path.is_empty() {
            Some(tree)
        } else {
            self.entry_id(tree, path)?
        };
        match id {
            Some(id) => self.list_tree(id),
            None => Ok(Vec::new()),
        }
    }

    fn list_tree(&self, id: ObjectId) -> Result<Vec<DirEntry>> {
        if id == self.empty_tree() {
            return Ok(Vec::new());
        }
        let t = self
            .repo
            .find_tree(id)
            .map_err(|e| git_error("reading tree", e))?;
        let decoded = t.decode().map_err(|e| git_error("reading tree", e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| DirEntry {
                name: e.filename.to_string(),
                id: e.oid.to_owned(),
                is_tree: e.mode.is_tree(),
            })
            .collect())
    }

    /// Every blob under `tree`, with its path.
    pub fn walk(&self, tree: ObjectId) -> Result<Vec<(String, ObjectId)>> {
        let mut out = Vec::new();
        self.walk_into(tree, "", &mut out)?;
        Ok(out)
    }

    fn walk_into(
        &self,
        tree: ObjectId,
        prefix: &str,
        out: &mut Vec<(String, ObjectId)>,
    ) -> Result<()> {
        for e in self.list_tree(tree)? {
            let path = if prefix.is_empty() {
                e.name.clone()
            } else {
                format!("{prefix}/{}", e.name)
            };
            if e.is_tree {
                self.walk_into(e.id, &path, out)?
            } else {
                out.push((path, e.id))
            }
        }
        Ok(())
    }

    /// The blob paths that differ between two trees; equal subtrees are skipped whole.
    pub fn diff(&self, old: Option<ObjectId>, new: ObjectId) -> Result<Vec<Changed>> {
        let mut out = Vec::new();
        self.diff_into(old.unwrap_or_else(|| self.empty_tree()), new, "", &mut out)?;
        Ok(out)
    }

    fn diff_into(
        &self,
        old: ObjectId,
        new: ObjectId,
        prefix: &str,
        out: &mut Vec<Changed>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let a: BTreeMap<String, DirEntry> = self
            .list_tree(old)?
            .into_iter()
            .map(|e| (e.name.clone(), e))
            .collect();
        let b: BTreeMap<String, DirEntry> = self
            .list_tree(new)?
            .into_iter()
            .map(|e| (e.name.clone(), e))
            .collect();
        let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let empty = self.empty_tree();
        for name in names {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let (x, y) = (a.get(name), b.get(name));
            if x.map(|e| &e.id) == y.map(|e| &e.id) {
                continue;
            }
            let x_tree = x.filter(|e| e.is_tree).map(|e| e.id);
            let y_tree = y.filter(|e| e.is_tree).map(|e| e.id);
            if x_tree.is_some() || y_tree.is_some() {
                self.diff_into(x_tree.unwrap_or(empty), y_tree.unwrap_or(empty), &path, out)?;
            }
            let x_blob = x.filter(|e| !e.is_tree).map(|e| e.id);
            let y_blob = y.filter(|e| !e.is_tree).map(|e| e.id);
            if x_blob != y_blob {
                out.push(Changed {
                    path,
                    old: x_blob,
                    new: y_blob,
                });
            }
        }
        Ok(())
    }

    /// Write `changes` on top of `base` (a tree id), rewriting only the trees on the changed paths.
    pub fn write_tree(&self, base: ObjectId, changes: &TreeChanges) -> Result<ObjectId> {
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(|e| git_error("editing tree", e))?;
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    let id = self
                        .repo
                        .write_blob(bytes)
                        .map_err(|e| git_error("writing blob", e))?;
                    editor
                        .upsert(path.as_str(), EntryKind::Blob, id)
                        .map_err(|e| git_error("editing tree", e))?;
                }
                None => {
                    editor
                        .remove(path.as_str())
                        .map_err(|e| git_error("editing tree", e))?;
                }
            }
        }
        Ok(editor
            .write()
            .map_err(|e| git_error("writing tree", e))?
            .detach())
    }

    /// Write a commit object (no ref moves). Identity comes from git config; none is an error.
    pub fn write_commit(
        &self,
        message: &str,
        tree: ObjectId,
        parents: &[ObjectId],
    ) -> Result<ObjectId> {
        let dated = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if dated("GIT_AUTHOR_DATE") || dated("GIT_COMMITTER_DATE") {
            // Explicit dates: let gix parse them as git would.
            let author = self
                .repo
                .author()
                .ok_or(Error::NoIdentity)?
                .map_err(|e| git_error("author", e))?;
            let committer = self
                .repo
                .committer()
                .ok_or(Error::NoIdentity)?
                .map_err(|e| git_error("committer", e))?;
            let commit = self
                .repo
                .new_commit_as(committer, author, message, tree, parents.iter().copied())
                .map_err(|e| git_error("writing commit", e))?;
            return Ok(commit.id);
        }
        let who = self.identity()?;
        let time = gix::date::Time::now_utc().to_string();
        fn sig<'a>(
            (name, email): &'a (String, String),
            time: &'a str,
        ) -> gix::actor::SignatureRef<'a> {
            gix::actor::SignatureRef {
                name: name.as_str().into(),
                email: email.as_str().into(),
                time,
            }
        }
        let commit = self
            .repo
            .new_commit_as(
                sig(&who.committer, &time),
                sig(&who.author, &time),
                message,
                tree,
                parents.iter().copied(),
            )
            .map_err(|e| git_error("writing commit", e))?;
        Ok(commit.id)
    }

    /// Author and committer from the `GIT_*` variables and git config, as git resolves them.
    /// Read directly rather than through gix's personas, which also compute local time by loading
    /// the whole time zone database (~2.5 ms per command); journal commits are stamped in UTC.
    pub fn identity(&self) -> Result<Identity> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let cfg = self.repo.config_snapshot();
        let conf = |k: &str| {
            cfg.string(k)
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty())
        };
        let name = |role: &str| {
            env(&format!("GIT_{role}_NAME"))
                .or_else(|| conf(&format!("{}.name", role.to_lowercase())))
                .or_else(|| conf("user.name"))
        };
        let email = |role: &str| {
            env(&format!("GIT_{role}_EMAIL"))
                .or_else(|| conf(&format!("{}.email", role.to_lowercase())))
                .or_else(|| conf("user.email"))
                .or_else(|| env("EMAIL"))
        };
        let pair = |role: &str| -> Result<(String, String)> {
            Ok((
                name(role).ok_or(Error::NoIdentity)?,
                email(role).ok_or(Error::NoIdentity)?,
            ))
        };
        Ok(Identity {
            author: pair("AUTHOR")?,
            committer: pair("COMMITTER")?,
        })
    }

    /// Move `refs/sessions` from `expected` to `new`, or report that somebody else moved it first.
    pub fn compare_and_swap(
        &self,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<CasOutcome> {
        self.cas_ref(SESSIONS_REF, expected, new, message)
    }

    /// Compare-and-swap any ref (used for remote-tracking refs too).
    pub fn cas_ref(
        &self,
        name: &str,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<CasOutcome> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(5);
        loop {
            let edit = RefEdit {
                change: Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: true,
                        message: message.lines().next().unwrap_or_default().into(),
                    },
                    expected: match expected {
                        Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
                        None => PreviousValue::MustNotExist,
                    },
                    new: Target::Object(new),
                },
                name: name.try_into().map_err(|e| git_error("ref name", e))?,
                deref: false,
            };
            match self.repo.edit_reference(edit) {
                Ok(_) => return Ok(CasOutcome::Moved(new)),
                Err(e) if e.is_conflict() => return Ok(CasOutcome::Lost),
                Err(e) if e.is_retryable() => {
                    if started.elapsed() > STALE_LOCK {
                        if self.clear_stale_lock(name)? {
                            continue;
                        }
                        return Err(Error::LockTimeout(
                            self.lock_path(name),
                            STALE_LOCK.as_secs(),
                        ));
                    }
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_millis(100));
                }
                Err(e) => {
                    // A ref that exists where we expected none (or the reverse) is a lost race too.
                    let text = format!("{e:?}");
                    if text.contains("MustNotExist")
                        || text.contains("ReferenceOutOfDate")
                        || text.contains("MustExist")
                    {
                        return Ok(CasOutcome::Lost);
                    }
                    return Err(git_error(&format!("moving {name}"), e));
                }
            }
        }
    }

    fn lock_path(&self, name: &str) -> std::path::PathBuf {
        self.repo.common_dir().join(format!("{name}.lock"))
    }

    /// A `<ref>.lock` older than [`STALE_LOCK`] was left by a killed process: a ref update takes
    /// milliseconds. Remove it so the journal does not stay locked forever.
    fn clear_stale_lock(&self, name: &str) -> Result<bool> {
        let path = self.lock_path(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            return Ok(true);
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .unwrap_or_default();
        if age > STALE_LOCK {
            let _ = std::fs::remove_file(&path);
            return Ok(true);
        }
        Ok(false)
    }

    /// Whether `ancestor` is among the first `limit` commits reachable from `tip`.
    pub fn is_ancestor_within(
        &self,
        ancestor: ObjectId,
        tip: ObjectId,
        limit: usize,
    ) -> Result<bool> {
        if ancestor == tip {
            return Ok(true);
        }
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| git_error("walking history", e))?;
        for info in walk.take(limit) {
            if info.map_err(|e| git_error("walking history", e))?.id == ancestor {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `ancestor` is reachable from `tip` (walks first and merge parents).
    pub fn is_ancestor(&self, ancestor: ObjectId, tip: ObjectId) -> Result<bool> {
        self.is_ancestor_within(ancestor, tip, usize::MAX)
    }

    /// The repository.
    pub fn repo(&self) -> &'r gix::Repository {
        self.repo
    }
}

/// The git blob id of `bytes`, as `git hash-object` computes it.
pub fn blob_id(bytes: &[u8]) -> ObjectId {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::object::Kind::Blob, bytes)
        .expect("sha1 hashing of a blob cannot fail")
}

/// One commit of `refs/sessions`, as `history` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitInfo {
    pub commit: String,
    /// Commit time, RFC 3339.
    pub at: String,
    /// The command from `<command>(<shortname>): <summary>`, when the subject has that shape.
    pub command: Option<String>,
    pub summary: String,
    pub subject: String,
}

impl SessionsRef<'_> {
    /// Commits reachable from `tip` (newest first) in which any of `paths` changed against every
    /// parent; `limit` bounds the walk.
    pub fn history(
        &self,
        tip: ObjectId,
        paths: &[String],
        limit: usize,
    ) -> Result<Vec<CommitInfo>> {
        let mut out = Vec::new();
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| git_error("walking history", e))?;
        for (n, info) in walk.enumerate() {
            if n >= limit {
                break;
            }
            let info = info.map_err(|e| git_error("walking history", e))?;
            let commit = self
                .repo
                .find_commit(info.id)
                .map_err(|e| git_error("reading commit", e))?;
            let tree = commit
                .tree_id()
                .map_err(|e| git_error("reading commit", e))?
                .detach();
            let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
            let ids = |t: ObjectId| -> Result<Vec<Option<ObjectId>>> {
                paths.iter().map(|p| self.entry_id(t, p)).collect()
            };
            let here = ids(tree)?;
            let touched = if parents.is_empty() {
                here.iter().any(Option::is_some)
            } else {
                let mut all_differ = true;
                for p in &parents {
                    if ids(self.tree_of(*p)?)? == here {
                        all_differ = false;
                    }
                }
                all_differ
            };
            if !touched {
                continue;
            }
            let message = commit.message_raw_sloppy().to_string();
            let subject = message.lines().next().unwrap_or_default().to_string();
            let (command, summary) = match subject.split_once("): ") {
                Some((head, rest)) if head.contains('(') => (
                    Some(head.split('(').next().unwrap_or_default().to_string()),
                    rest.to_string(),
                ),
                _ => (None, subject.clone()),
            };
            let secs = commit.time().map(|t| t.seconds).unwrap_or(0);
            let at = chrono::DateTime::from_timestamp(secs, 0)
                .map(crate::model::time::rfc3339)
                .unwrap_or_default();
            out.push(CommitInfo {
                commit: info.id.to_string(),
                at,
                command,
                summary,
                subject,
            });
        }
        Ok(out)
    }

    /// Resolve a revision of `refs/sessions`: a full or abbreviated commit id from its history,
    /// or `HEAD~N` / `sessions~N` / `refs/sessions~N` (N first parents back from the tip).
    pub fn resolve_rev(&self, tip: ObjectId, rev: &str) -> Result<Option<ObjectId>> {
        for prefix in ["HEAD", "@", "sessions", "refs/sessions"] {
            if let Some(rest) = rev.strip_prefix(prefix) {
                let n: usize = if rest.is_empty() {
                    0
                } else if let Some(num) = rest.strip_prefix('~') {
                    if num.is_empty() {
                        1
                    } else {
                        num.parse()
                            .map_err(|_| Error::Usage(format!("bad revision '{rev}'")))?
                    }
                } else if rest.chars().all(|c| c == '^') {
                    rest.len()
                } else {
                    continue;
                };
                let mut id = tip;
                for _ in 0..n {
                    let c = self
                        .repo
                        .find_commit(id)
                        .map_err(|e| git_error("reading commit", e))?;
                    match c.parent_ids().next() {
                        Some(p) => id = p.detach(),
                        None => return Ok(None),
                    }
                }
                return Ok(Some(id));
            }
        }
        let hex = rev.to_ascii_lowercase();
        if hex.len() < 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Usage(format!(
                "bad revision '{rev}': use a commit of refs/sessions, HEAD~N or a checkpoint number"
            )));
        }
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| git_error("walking history", e))?;
        let mut found = Vec::new();
        for info in walk {
            let info = info.map_err(|e| git_error("walking history", e))?;
            if info.id.to_string().starts_with(&hex) {
                found.push(info.id);
            }
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found[0])),
            _ => Err(Error::Usage(format!(
                "revision '{rev}' is ambiguous in refs/sessions"
            ))),
        }
    }
}

impl SessionsRef<'_> {
    /// A common ancestor of `a` and `b`: the first commit reachable from `b` that is also
    /// reachable from `a`. Any common ancestor keeps the journal merge lossless.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>> {
        let mut seen = std::collections::HashSet::new();
        for info in self
            .repo
            .rev_walk([a])
            .all()
            .map_err(|e| git_error("walking history", e))?
        {
            seen.insert(info.map_err(|e| git_error("walking history", e))?.id);
        }
        for info in self
            .repo
            .rev_walk([b])
            .all()
            .map_err(|e| git_error("walking history", e))?
        {
            let id = info.map_err(|e| git_error("walking history", e))?.id;
            if seen.contains(&id) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Every `refs/remotes/<remote>/sessions`, as `(remote, commit)`.
    pub fn tracking_refs(&self) -> Result<Vec<(String, ObjectId)>> {
        let platform = self
            .repo
            .references()
            .map_err(|e| git_error("listing refs", e))?;
        let iter = platform
            .prefixed("refs/remotes/")
            .map_err(|e| git_error("listing refs", e))?;
        let mut out = Vec::new();
        for r in iter {
            let Ok(mut r) = r else { continue };
            let name = r.name().as_bstr().to_string();
            let Some(remote) = name
                .strip_prefix("refs/remotes/")
                .and_then(|n| n.strip_suffix("/sessions"))
            else {
                continue;
            };
            if remote.contains('/') {
                continue;
            }
            if let Ok(id) = r.peel_to_id() {
                out.push((remote.to_string(), id.detach()));
            }
        }
        Ok(out)
    }
}
