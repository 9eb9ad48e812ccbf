//! `refs/sessions`: read its tree, write blobs, trees and commits, move the ref by compare-and-swap.
//!
//! Nothing here touches HEAD, the index or the working tree, and nothing spawns `git`. This is
//! the only module that calls gix.

mod cas;
mod cli_config;
pub mod gate;
mod history;
mod pack;
pub mod subject;
#[cfg(test)]
pub(crate) mod tests;
mod tracking;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gix::ObjectId;
use gix::objs::tree::EntryKind;

pub use cas::{journal_moved, stale_age};
pub use history::CommitInfo;
pub use subject::{CommitSubject, JournalCommand};
pub use tracking::{LegacyRef, Peer, ref_component};

/// The ref that holds the journal.
pub const SESSIONS_REF: &str = "refs/sessions";

/// Where the journal lives on a remote. git's receive-pack refuses to update one-level refs
/// such as `refs/sessions` ("funny refname"), so remotes keep it two levels deep.
pub const REMOTE_REF: &str = "refs/git-session/sessions";

/// Where each clone pushes its own copy of the journal on a remote, as
/// `refs/git-session/clones/<clone id>` (decision 127): a ref only that clone writes, so
/// clones never race each other for it. `REMOTE_REF` stays as the shared ref every clone also
/// fast-forwards when it can (what older versions read and write).
pub const CLONES_PREFIX: &str = "refs/git-session/clones/";

/// A lock file (`<ref>.lock`, `packed-refs.lock`) not written for this long was left by a killed
/// process and is removed.
const STALE_LOCK: Duration = Duration::from_secs(10);

/// How long a ref update waits for locks held by live processes before it gives up; longer than
/// [`STALE_LOCK`], so a lock a process dies holding is cleared rather than reported.
const LOCK_WAIT: Duration = Duration::from_secs(12);

/// How often an object write is tried: `git gc` (`prune-packed`) removes an emptied
/// `objects/xx/` directory between gix creating it and renaming the object into it (gix-odb
/// 0.87 `loose/write.rs:156-167`); git retries that rename, and writing an object twice is
/// harmless.
const OBJECT_WRITE_TRIES: usize = 8;

/// What can go wrong reading or writing the journal's objects and refs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// gix failed; `context` says what we were doing, `source` why.
    #[error("{context}")]
    Git {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A ref exists but does not lead to a readable commit.
    #[error("{name}: {why}")]
    BadRef { name: String, why: String },
    #[error(
        "no git identity configured: set user.name and user.email (git config user.email you@example.com)"
    )]
    NoIdentity,
    /// A lock file a ref update needs is held by a live process (one written in the last
    /// seconds) for longer than the update waits.
    #[error("{} is held by another process and was not released within {secs} s; try again", path.display())]
    RefLocked { path: PathBuf, secs: u64 },
    /// A revision that does not name a commit of the journal's history.
    #[error("bad revision '{0}': use a commit of refs/sessions, HEAD~N or a checkpoint number")]
    BadRevision(String),
    #[error("revision '{0}' is ambiguous in refs/sessions")]
    AmbiguousRevision(String),
}

impl StoreError {
    /// Wrap a gix error with what we were doing.
    pub fn git(context: &str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Git {
            context: context.to_string(),
            source: Box::new(source),
        }
    }

    fn bad_ref(name: &str, why: String) -> Self {
        StoreError::BadRef {
            name: name.to_string(),
            why,
        }
    }
}

/// Results of this module.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The repository type the store works on.
pub type Repository = gix::Repository;

/// Where an opened repository keeps things.
#[derive(Debug, Clone)]
pub struct RepoPaths {
    /// The worktree's top directory; `None` for a bare repository.
    pub worktree: Option<PathBuf>,
    /// This worktree's own git dir (`.git/worktrees/<name>` in a linked worktree).
    pub git_dir: PathBuf,
    /// The git dir shared by all worktrees (refs, objects, `info/exclude`).
    pub common_dir: PathBuf,
}

/// Why a repository was found but is not one this tool may work in. Each is one line, and none
/// is found after anything was written.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A repository git would refuse too ("dubious ownership"); the hint is git's own.
    #[error(
        "detected dubious ownership in repository at '{0}' (to allow it: git config --global --add safe.directory {0})"
    )]
    DubiousOwnership(String),
    /// An object format this build cannot hash.
    #[error("this repository uses the {0} object format; git-session supports sha1 only")]
    ObjectFormat(String),
    /// A ref storage this tool cannot write to where git would see it.
    #[error(
        "this repository keeps its refs in {0} (extensions.refStorage); git-session supports the files ref storage only"
    )]
    RefStorage(String),
}

/// Why [`discover`] did not open a repository.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No repository here (or gix could not open it): one line, worded as git words it.
    #[error("{0}")]
    NotFound(String),
    /// A repository that is there, refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// Open the repository containing `dir` (a subdirectory or a linked worktree is fine) as git
/// does: `GIT_DIR`, `GIT_WORK_TREE`, `GIT_COMMON_DIR` and `GIT_CEILING_DIRECTORIES` are
/// honoured, and a repository git refuses (ownership, `safe.directory`), whose object format or
/// ref storage this tool cannot write, is refused before anything is written.
pub fn discover(dir: &Path) -> std::result::Result<(Repository, RepoPaths), OpenError> {
    let options = gix::discover::upwards::Options {
        // git ignores ceiling directories that do not lie above the start directory.
        match_ceiling_dir_or_error: false,
        ..Default::default()
    };
    // `git -c key=value session …` (GIT_CONFIG_PARAMETERS), which gix does not read itself.
    let overrides = cli_config::from_env();
    let gix::sec::trust::Mapping::<gix::open::Options> { full, reduced } = Default::default();
    let trust_map = gix::sec::trust::Mapping {
        full: full.cli_overrides(overrides.clone()),
        reduced: reduced.cli_overrides(overrides),
    };
    let repo = gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
        dir, options, trust_map,
    )
    .map_err(|e| classify_open_error(dir, e))?;
    let mut repo = repo.to_thread_local();
    if std::env::var_os("GIT_DIR").is_none() && above_ceiling(dir, &repo) {
        return Err(OpenError::NotFound(not_found_within_ceiling(dir)));
    }
    if repo.git_dir_trust() != gix::sec::Trust::Full {
        let at = repo.workdir().unwrap_or(repo.git_dir());
        return Err(Refusal::DubiousOwnership(at.display().to_string()).into());
    }
    if let Some(storage) = repo
        .config_snapshot()
        .string("extensions.refStorage")
        .map(|v| v.to_string().to_lowercase())
        .filter(|v| v != "files")
    {
        return Err(Refusal::RefStorage(storage).into());
    }
    // Trees on the paths we touch are read several times per command; keep them decoded.
    repo.object_cache_size_if_unset(4 * 1024 * 1024);
    // New objects stay in memory until a ref is about to point at them, then go to disk as one
    // pack (store/pack.rs).
    repo.objects.enable_object_memory();
    let mut worktree = repo.workdir().map(Path::to_path_buf);
    if std::env::var_os("GIT_WORK_TREE").is_none() {
        worktree = worktree_config_bareness(&repo, worktree);
    }
    // With GIT_DIR and neither GIT_WORK_TREE nor core.worktree, git takes the current directory
    // as the top of the worktree; gix takes the git dir's parent.
    if std::env::var_os("GIT_DIR").is_some_and(|v| !v.is_empty())
        && std::env::var_os("GIT_WORK_TREE").is_none()
        && worktree.is_some()
        && repo.config_snapshot().string("core.worktree").is_none()
    {
        worktree = Some(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()));
    }
    let paths = RepoPaths {
        worktree,
        git_dir: repo.git_dir().to_path_buf(),
        common_dir: repo.common_dir().to_path_buf(),
    };
    Ok((repo, paths))
}

/// `core.bare` as git reads it. gix 0.90 decides whether a repository is bare from the common
/// config before it reads `config.worktree` (`config/cache/incubate.rs`: `core.bare` at line
/// 47, `config.worktree` appended at 86), so with `extensions.worktreeConfig` a main worktree
/// whose own `config.worktree` says `core.bare = false` in a repository whose common config says
/// `true` was taken for bare, and the other way round for a worktree. The resolved config has
/// `config.worktree` last, so its `core.bare` is git's. Linked worktrees are never bare.
fn worktree_config_bareness(repo: &Repository, found: Option<PathBuf>) -> Option<PathBuf> {
    let config = repo.config_snapshot();
    if repo.git_dir() != repo.common_dir()
        || config.boolean("extensions.worktreeConfig") != Some(true)
    {
        return found;
    }
    match (config.boolean("core.bare"), found) {
        (Some(true), Some(_)) => None,
        (Some(false), None) => {
            let git_dir = repo.git_dir();
            match config.string("core.worktree") {
                // Relative to the git dir, as git reads it.
                Some(w) => Some(git_dir.join(w.to_string()))
                    .map(|p| std::fs::canonicalize(&p).unwrap_or(p)),
                // Git's default for a non-bare `.git` directory: its parent.
                None if git_dir.file_name() == Some(".git".as_ref()) => {
                    git_dir.parent().map(Path::to_path_buf)
                }
                None => None,
            }
        }
        (_, found) => found,
    }
}

/// Whether discovery found `repo` in a directory git does not look into: git never moves up
/// into a ceiling directory, gix 0.90 still looks there (gix-discover `upwards/mod.rs`, `height >
/// max`).
fn above_ceiling(start: &Path, repo: &Repository) -> bool {
    let Some(list) = std::env::var_os("GIT_CEILING_DIRECTORIES") else {
        return false;
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let start = canon(start);
    let found = canon(repo.workdir().unwrap_or(repo.git_dir()));
    if found == start {
        return false;
    }
    std::env::split_paths(&list)
        .filter(|c| c.is_absolute())
        .map(|c| canon(&c))
        .any(|c| start.starts_with(&c) && start != c && c.starts_with(&found))
}

/// Tell an unsupported object format from a missing repository, keeping gix's reason otherwise.
fn classify_open_error(dir: &Path, e: gix::Error) -> OpenError {
    let upwards = e
        .downcast_any_ref::<gix::discover::upwards::Error>()
        .map(|u| match u {
            gix::discover::upwards::Error::NoGitRepository { .. } => Stop::Root,
            gix::discover::upwards::Error::NoGitRepositoryWithinCeiling { .. } => Stop::Ceiling,
            gix::discover::upwards::Error::NoGitRepositoryWithinFs { limit, .. } => {
                Stop::MountPoint(limit.clone())
            }
            _ => Stop::Other,
        });
    let e: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(e);
    let mut text = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
    while let Some(err) = cur {
        text.push_str(&err.to_string().to_lowercase());
        text.push('\n');
        cur = err.source();
    }
    if text.contains("sha256") || text.contains("sha-256") {
        return Refusal::ObjectFormat("sha256".into()).into();
    }
    OpenError::NotFound(not_found_message(dir, upwards, e.as_ref()))
}

/// Where gix's search upwards stopped without finding a repository.
enum Stop {
    Root,
    Ceiling,
    MountPoint(PathBuf),
    Other,
}

/// "Not a repository" in one line, as git says it: naming `GIT_DIR` when it is set, the
/// ceiling or the mount point where the search stopped; gix's wording (and its enum names) is
/// kept only for a repository that was found but could not be opened.
fn not_found_message(
    dir: &Path,
    stop: Option<Stop>,
    e: &(dyn std::error::Error + 'static),
) -> String {
    if let Some(git_dir) = std::env::var_os("GIT_DIR").filter(|v| !v.is_empty()) {
        return format!("not a git repository: '{}'", Path::new(&git_dir).display());
    }
    match stop {
        Some(Stop::Root) => {
            return "not a git repository (or any of the parent directories): .git".into();
        }
        Some(Stop::Ceiling) => return not_found_within_ceiling(dir),
        Some(Stop::MountPoint(limit)) => {
            return format!(
                "not a git repository (or any parent up to mount point {}; GIT_DISCOVERY_ACROSS_FILESYSTEM not set)",
                limit.display()
            );
        }
        Some(Stop::Other) | None => {}
    }
    // Found, but not openable (a broken config, a git dir that cannot be read): its reason.
    let mut reason = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        let text = err.to_string();
        if !reason.contains(&text) {
            reason = format!("{reason}: {text}");
        }
        cur = err.source();
    }
    format!(
        "cannot open the git repository of {}: {reason}",
        dir.display()
    )
}

/// The search stopped at a ceiling (`GIT_CEILING_DIRECTORIES`): name the nearest one.
fn not_found_within_ceiling(dir: &Path) -> String {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let start = canon(dir);
    let nearest = std::env::var_os("GIT_CEILING_DIRECTORIES")
        .map(|list| {
            std::env::split_paths(&list)
                .filter(|c| c.is_absolute())
                .filter(|c| start.starts_with(canon(c)) && start != canon(c))
                .max_by_key(|c| canon(c).components().count())
        })
        .unwrap_or_default();
    match nearest {
        Some(c) => format!(
            "not a git repository (or any of the parent directories up to the ceiling {}, GIT_CEILING_DIRECTORIES): .git",
            c.display()
        ),
        None => "not a git repository (or any of the parent directories): .git".into(),
    }
}

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

/// The journal directories of a tree ([`SessionsRef::journal_dirs`]): flat ones
/// (`journal/<short>`) by name, and fanout ones (`journal/<xx>/<short>`) by fanout name, then
/// short id; each with its tree id.
#[derive(Debug, Default)]
pub struct JournalDirs {
    pub flat: BTreeMap<String, ObjectId>,
    pub fanout: BTreeMap<String, BTreeMap<String, ObjectId>>,
}

impl JournalDirs {
    /// The tree id of `journal/<xx>/<short>`, if the tree has it.
    pub fn fanout_id(&self, short: &str) -> Option<ObjectId> {
        let xx = crate::layout::journal_dir(short);
        let xx = xx.split('/').nth(1)?;
        self.fanout.get(xx)?.get(short).copied()
    }
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
    /// Warning lines for stale lock files removed, until the caller takes them.
    removed_locks: RefCell<Vec<String>>,
}

impl<'r> SessionsRef<'r> {
    /// The journal of `repo`.
    pub fn new(repo: &'r gix::Repository) -> Self {
        SessionsRef {
            repo,
            removed_locks: RefCell::default(),
        }
    }

    /// The commit `refs/sessions` points at, if the ref exists.
    pub fn tip(&self) -> Result<Option<ObjectId>> {
        self.tip_of(SESSIONS_REF)
    }

    /// The commit any ref points at, checked to be a commit.
    pub fn tip_of(&self, name: &str) -> Result<Option<ObjectId>> {
        // gix reads the loose file, else its cached `packed-refs` snapshot, which it reloads only
        // when the file's modification time grew (gix-fs `snapshot.rs:125`): a `pack-refs` within
        // the same clock tick goes unseen. When the loose file is gone, `pack-refs` wrote the
        // value to `packed-refs` first, so reload it after looking and the value read is current.
        let loose = self.repo.common_dir().join(name);
        if !loose.is_file() {
            let _ = self.repo.refs.force_refresh_packed_buffer();
        }
        let reference = self
            .repo
            .try_find_reference(name)
            .map_err(|e| StoreError::git(name, e))?;
        let Some(mut reference) = reference else {
            return Ok(None);
        };
        let id = reference
            .peel_to_id()
            .map_err(|e| StoreError::bad_ref(name, format!("cannot be resolved: {e}")))?
            .detach();
        let kind = self
            .repo
            .find_header(id)
            .map_err(|e| StoreError::bad_ref(name, format!("points at missing object {id}: {e}")))?
            .kind();
        if kind != gix::object::Kind::Commit {
            return Err(StoreError::bad_ref(
                name,
                format!("points at a {kind}, not a commit ({id})"),
            ));
        }
        Ok(Some(id))
    }

    /// The tree of a commit.
    pub fn tree_of(&self, commit: ObjectId) -> Result<ObjectId> {
        let c = self
            .repo
            .find_commit(commit)
            .map_err(|e| StoreError::git("reading commit", e))?;
        c.tree_id()
            .map(|t| t.detach())
            .map_err(|e| StoreError::git("reading commit", e))
    }

    /// The user's branch (short name) and HEAD commit, when there are any.
    pub fn head(&self) -> (Option<String>, Option<String>) {
        let branch = self
            .repo
            .head_name()
            .ok()
            .flatten()
            .map(|n| n.shorten().to_string());
        let commit = self.repo.head_id().ok().map(|id| id.to_string());
        (branch, commit)
    }

    /// The names of the configured remotes.
    pub fn remote_names(&self) -> Vec<String> {
        self.repo
            .remote_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    }

    /// A string from git config (all scopes, as git reads them).
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| v.to_string())
    }

    /// A string from this repository's own git config — `.git/config`, `config.worktree`, or
    /// the command's environment (`GIT_CONFIG_COUNT`…) — and whether the key is also set where
    /// every repository reads it (the user's `~/.gitconfig` or XDG file, the system's), which
    /// this ignores: for a value that must differ between repositories (`session.cloneId`).
    /// Sources as gix-config classifies them (`gix::config::Source`).
    pub fn config_string_own(&self, key: &str) -> (Option<String>, bool) {
        use gix::config::Source;
        let snapshot = self.repo.config_snapshot();
        let file = snapshot.plumbing();
        let shared = |m: &gix::config::file::Metadata| {
            matches!(
                m.source,
                Source::GitInstallation | Source::System | Source::Git | Source::User
            )
        };
        let own = file
            .string_filter(key, |m| !shared(m))
            .map(|v| v.to_string());
        let elsewhere = file.string_filter(key, |m| shared(m)).is_some();
        (own, elsewhere)
    }

    /// A boolean from git config (git's spellings); `None` when unset or not a boolean.
    pub fn config_bool(&self, key: &str) -> Option<bool> {
        self.repo.config_snapshot().try_boolean(key).ok().flatten()
    }

    /// Every value of a multi-valued git config key (all scopes, as git reads them), in order.
    pub fn config_strings(&self, key: &str) -> Vec<String> {
        self.repo
            .config_snapshot()
            .plumbing()
            .strings(key)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_string())
            .collect()
    }

    /// Whether the object database holds `id`.
    pub fn has_object(&self, id: ObjectId) -> bool {
        self.repo.has_object(id)
    }

    /// The empty tree, the base of the first commit.
    pub fn empty_tree(&self) -> ObjectId {
        ObjectId::empty_tree(self.repo.object_hash())
    }

    /// The id of the entry at `path` in `tree`.
    pub fn entry_id(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
        Ok(self.entry_at(tree, path)?.map(|(id, _)| id))
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
        let mut b = self
            .repo
            .find_blob(id)
            .map_err(|e| StoreError::git("reading blob", e))?;
        // Taken, not copied: the buffer is ours once the object is read.
        Ok(std::mem::take(&mut b.data))
    }

    /// A tree object's bytes, to walk its entries in place (`gix::objs::TreeRefIter`) where a
    /// listing of owned names would cost an allocation per entry (`archive/` holds one per
    /// session ever closed). Empty for the empty tree.
    pub fn tree_data(&self, id: ObjectId) -> Result<Vec<u8>> {
        if id == self.empty_tree() {
            return Ok(Vec::new());
        }
        let mut t = self
            .repo
            .find_tree(id)
            .map_err(|e| StoreError::git("reading tree", e))?;
        Ok(std::mem::take(&mut t.data))
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

    /// The entries of the tree `id`.
    pub fn list_tree(&self, id: ObjectId) -> Result<Vec<DirEntry>> {
        if id == self.empty_tree() {
            return Ok(Vec::new());
        }
        let t = self
            .repo
            .find_tree(id)
            .map_err(|e| StoreError::git("reading tree", e))?;
        let decoded = t.decode().map_err(|e| StoreError::git("reading tree", e))?;
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
        self.diff_skipping(old, new, &HashSet::new())
    }

    /// [`SessionsRef::diff`] without what lies under the directories in `skip` (paths from the
    /// root, without a trailing `/`), which are not even read.
    pub fn diff_skipping(
        &self,
        old: Option<ObjectId>,
        new: ObjectId,
        skip: &HashSet<String>,
    ) -> Result<Vec<Changed>> {
        let mut out = Vec::new();
        let old = old.unwrap_or_else(|| self.empty_tree());
        self.diff_into(old, new, "", skip, &mut out)?;
        Ok(out)
    }

    fn diff_into(
        &self,
        old: ObjectId,
        new: ObjectId,
        prefix: &str,
        skip: &HashSet<String>,
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
            if x.map(|e| &e.id) == y.map(|e| &e.id) || skip.contains(&path) {
                continue;
            }
            let x_tree = x.filter(|e| e.is_tree).map(|e| e.id);
            let y_tree = y.filter(|e| e.is_tree).map(|e| e.id);
            if x_tree.is_some() || y_tree.is_some() {
                self.diff_into(
                    x_tree.unwrap_or(empty),
                    y_tree.unwrap_or(empty),
                    &path,
                    skip,
                    out,
                )?;
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

    /// Store `bytes` as a blob; returns its id.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId> {
        retry_object_write(|| {
            Ok(self
                .repo
                .write_blob(bytes)
                .map_err(|e| StoreError::git("writing blob", e))?
                .detach())
        })
    }

    /// Write `changes` on top of `base` (a tree id), rewriting only the trees on the changed paths.
    pub fn write_tree(&self, base: ObjectId, changes: &TreeChanges) -> Result<ObjectId> {
        retry_object_write(|| self.write_tree_once(base, changes))
    }

    fn write_tree_once(&self, base: ObjectId, changes: &TreeChanges) -> Result<ObjectId> {
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(|e| StoreError::git("editing tree", e))?;
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    let id = self
                        .repo
                        .write_blob(bytes)
                        .map_err(|e| StoreError::git("writing blob", e))?;
                    editor
                        .upsert(path.as_str(), EntryKind::Blob, id)
                        .map_err(|e| StoreError::git("editing tree", e))?;
                }
                None => {
                    editor
                        .remove(path.as_str())
                        .map_err(|e| StoreError::git("editing tree", e))?;
                }
            }
        }
        Ok(editor
            .write()
            .map_err(|e| StoreError::git("writing tree", e))?
            .detach())
    }

    /// The journal directories of `tree`, read with one listing of `journal/` and, when the tree
    /// holds flat journals or `fanout` asks for them, one of each fanout directory: a path lookup
    /// from the root decodes the whole `journal/` tree again, which at 10,000 flat journals made
    /// every lookup cost as much as a listing. Without flat journals and without `fanout`, the
    /// fanout map is left empty: every write asks whether there is anything to migrate, and
    /// reading 256 trees to answer "no" doubled a `log` at 10,000 sessions.
    pub fn journal_dirs(&self, tree: ObjectId, fanout: bool) -> Result<JournalDirs> {
        let mut dirs = JournalDirs::default();
        let top = self.list(tree, "journal")?;
        let has_flat = top
            .iter()
            .any(|e| e.is_tree && !crate::layout::is_fanout_name(&e.name));
        for e in top {
            if !e.is_tree {
                continue;
            }
            if crate::layout::is_fanout_name(&e.name) {
                if !(has_flat || fanout) {
                    continue;
                }
                let inner = self
                    .list_tree(e.id)?
                    .into_iter()
                    .filter(|d| d.is_tree)
                    .map(|d| (d.name, d.id))
                    .collect();
                dirs.fanout.insert(e.name, inner);
            } else {
                dirs.flat.insert(e.name, e.id);
            }
        }
        Ok(dirs)
    }

    /// `tree` with every session journal of the flat layout (`journal/<short>/`) moved to its
    /// fanout directory (`journal/<xx>/<short>/`, decision 50); `tree` itself when there is none.
    /// Subtrees move whole, so no blob is read or rewritten. When both places hold a journal (a
    /// clone of the flat layout wrote to a session after this one moved it), their files are
    /// unioned: a file only the flat one has is added, and one both have with other content is
    /// kept beside as `<name>.flat`, so nothing either side wrote is lost.
    pub fn relayout(&self, tree: ObjectId) -> Result<ObjectId> {
        let dirs = self.journal_dirs(tree, false)?;
        if dirs.flat.is_empty() {
            return Ok(tree);
        }
        let mut editor = self
            .repo
            .edit_tree(tree)
            .map_err(|e| StoreError::git("editing tree", e))?;
        let edit = |e: gix::Error| StoreError::git("editing tree", e);
        for (name, id) in &dirs.flat {
            let to = crate::layout::journal_dir(name);
            editor
                .remove(format!("journal/{name}").as_str())
                .map_err(edit)?;
            match dirs.fanout_id(name) {
                None => {
                    editor
                        .upsert(to.as_str(), EntryKind::Tree, *id)
                        .map_err(edit)?;
                }
                Some(there_dir) => {
                    let there: HashMap<String, ObjectId> =
                        self.walk(there_dir)?.into_iter().collect();
                    for (rel, id) in self.walk(*id)? {
                        let at = format!("{to}/{rel}");
                        let at = match there.get(&rel) {
                            None => at,
                            Some(there) if *there == id => continue,
                            // Generated; the next command that touches the session regenerates it.
                            Some(_) if rel == "progress.md" => continue,
                            Some(_) => format!("{at}.flat"),
                        };
                        editor
                            .upsert(at.as_str(), EntryKind::Blob, id)
                            .map_err(edit)?;
                    }
                }
            }
        }
        Ok(editor.write().map_err(edit)?.detach())
    }

    /// Write a commit object (no ref moves). Identity comes from git config; none is an error.
    pub fn write_commit(
        &self,
        subject: &CommitSubject,
        tree: ObjectId,
        parents: &[ObjectId],
    ) -> Result<ObjectId> {
        retry_object_write(|| self.write_commit_once(subject, tree, parents))
    }

    fn write_commit_once(
        &self,
        subject: &CommitSubject,
        tree: ObjectId,
        parents: &[ObjectId],
    ) -> Result<ObjectId> {
        let message = subject.to_string();
        let message = message.as_str();
        let dated = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if dated("GIT_AUTHOR_DATE") || dated("GIT_COMMITTER_DATE") {
            // Explicit dates: let gix parse them as git would.
            let author = self
                .repo
                .author()
                .ok_or(StoreError::NoIdentity)?
                .map_err(|e| StoreError::git("author", e))?;
            let committer = self
                .repo
                .committer()
                .ok_or(StoreError::NoIdentity)?
                .map_err(|e| StoreError::git("committer", e))?;
            let commit = self
                .repo
                .new_commit_as(committer, author, message, tree, parents.iter().copied())
                .map_err(|e| StoreError::git("writing commit", e))?;
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
            .map_err(|e| StoreError::git("writing commit", e))?;
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
                name(role).ok_or(StoreError::NoIdentity)?,
                email(role).ok_or(StoreError::NoIdentity)?,
            ))
        };
        Ok(Identity {
            author: pair("AUTHOR")?,
            committer: pair("COMMITTER")?,
        })
    }

    /// The repository.
    pub fn repo(&self) -> &'r gix::Repository {
        self.repo
    }
}

/// Run an object write, again after a failure, up to [`OBJECT_WRITE_TRIES`] times in all.
fn retry_object_write<T>(mut write: impl FnMut() -> Result<T>) -> Result<T> {
    let mut tries = 1;
    loop {
        match write() {
            Err(StoreError::Git { .. }) if tries < OBJECT_WRITE_TRIES => {
                // Give a concurrent `git gc` time to finish pruning the directory it emptied.
                std::thread::sleep(std::time::Duration::from_millis(5 * tries as u64));
                tries += 1;
            }
            result => return result,
        }
    }
}

/// The git blob id of `bytes`, as `git hash-object` computes it.
pub fn blob_id(bytes: &[u8]) -> ObjectId {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::object::Kind::Blob, bytes)
        .expect("sha1 hashing of a blob cannot fail")
}
