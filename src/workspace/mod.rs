//! One worktree of one repository: where it is, its lock, its per-worktree state, which session
//! a name means, and the one write path every changing command goes through (`write.rs`).
//!
//! What the mirror holds and how it catches up with the ref is `mirror`'s job; how a fetched
//! journal is merged into the ref is `integrate`'s. This module sequences them.

mod lookup;
#[cfg(test)]
mod tests;
mod write;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::agent::{Agent, AgentSession};
use crate::error::{Error, Result};
use crate::integrate::{self, EntryWriter, Integrated};
use crate::mirror::refresh::Refresher;
use crate::mirror::{MIRROR_DIR, Mirror, write_atomic};
use crate::store::{self, SessionsRef};
use crate::warnings::Warnings;

pub use crate::layout::SessionPath as SessionEntry;
pub use lookup::ArchiveNames;
pub use write::{Planned, SessionEdit, hostname};

/// How long a command waits for another command in the same worktree.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Held while a command works on this worktree's mirror; released by the OS even on kill -9.
pub struct WorktreeLock {
    _file: fs::File,
}

/// One worktree of one repository.
pub struct Workspace {
    lock_wait: Duration,
    repo: store::Repository,
    /// The worktree's top; in a bare repository, the git dir (where git runs).
    worktree: PathBuf,
    /// A bare repository: the journal is read from `refs/sessions`, there is no mirror.
    bare: bool,
    common_dir: PathBuf,
    state_dir: PathBuf,
    mirror: Mirror,
    warnings: Warnings,
    /// While the write path runs a plan: what `load` read, path → bytes.
    plan_reads: RefCell<Option<HashMap<String, Vec<u8>>>>,
    /// A bare repository that could not be caught up (read-only): the newest journal it holds,
    /// read in place of `refs/sessions` (see `catch_up_for_read`).
    read_tip: Cell<Option<ObjectId>>,
    /// The agent this process writes for (from the environment, or set by a hook).
    agent: RefCell<Option<AgentSession>>,
    /// The names of the mirror's `archive/`, when a read listed them to look for strays and
    /// found the mirror caught up: the listing of archived sessions takes them instead of
    /// reading the directory again (see `archive_names`).
    archive_listing: RefCell<Option<Vec<String>>>,
}

impl Workspace {
    /// Find the repository containing `dir` (a subdirectory or a linked worktree is fine); a
    /// bare repository is refused (`Error::BareRepository`): writing needs `.sessions/`.
    pub fn discover(dir: &Path) -> Result<Self> {
        let ws = Self::discover_for_reading(dir)?;
        if ws.bare {
            return Err(Error::BareRepository(ws.worktree));
        }
        Ok(ws)
    }

    /// Like [`Workspace::discover`], but a bare repository is opened too, for the commands that
    /// read the journal or sync it (decision 36): they read `refs/sessions` itself.
    pub fn discover_for_reading(dir: &Path) -> Result<Self> {
        let (repo, paths) = store::discover(dir).map_err(|e| match e {
            store::OpenError::NotFound(message) => Error::NotARepository {
                dir: dir.to_path_buf(),
                message,
            },
            store::OpenError::Refused(r) => Error::Refused(r),
        })?;
        let bare = paths.worktree.is_none();
        let state_dir = paths.git_dir.join("git-session");
        let mirror = Mirror::new(paths.worktree.as_deref(), state_dir.clone());
        let worktree = paths.worktree.unwrap_or_else(|| paths.git_dir.clone());
        Ok(Workspace {
            lock_wait: LOCK_WAIT,
            repo,
            worktree,
            bare,
            common_dir: paths.common_dir,
            state_dir,
            mirror,
            warnings: Warnings::default(),
            plan_reads: RefCell::default(),
            read_tip: Cell::new(None),
            agent: RefCell::new(Agent::from_env()),
            archive_listing: RefCell::default(),
        })
    }

    /// The agent whose entries this process writes: from the environment (see
    /// [`Agent::from_env`]) unless a hook said otherwise.
    pub fn agent(&self) -> Option<AgentSession> {
        self.agent.borrow().clone()
    }

    /// Record entries as written by `agent` (a hook knows its client and session id).
    pub fn set_agent(&self, agent: AgentSession) {
        *self.agent.borrow_mut() = Some(agent);
    }

    /// The journal ref.
    pub fn store(&self) -> SessionsRef<'_> {
        SessionsRef::new(&self.repo)
    }

    /// The commit a read command shows: `refs/sessions`, or in a bare repository that could
    /// not be caught up, the newest journal it holds.
    pub fn journal_tip(&self) -> Result<Option<ObjectId>> {
        match self.read_tip.get() {
            Some(id) => Ok(Some(id)),
            None => Ok(self.store().tip()?),
        }
    }

    /// The git dir all worktrees share (refs, objects).
    pub fn common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// The mirror.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// The worktree's top directory; in a bare repository, the git dir. git runs here.
    pub fn worktree(&self) -> &Path {
        &self.worktree
    }

    /// Whether this is a bare repository (no `.sessions/`; the journal is read from the ref).
    pub fn is_bare(&self) -> bool {
        self.bare
    }

    /// Warnings gathered while working, for the command to print.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.take()
    }

    /// Add a warning for the command to print.
    pub fn warn(&self, msg: String) {
        self.warnings.push(msg);
    }

    /// Wait at most `wait` for the worktree lock (hooks must not hold the agent up for long).
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// This worktree's own state directory (under its git dir).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Take this worktree's lock, waiting a bounded time for another command to finish.
    pub fn lock(&self) -> Result<WorktreeLock> {
        let read_only = |e: &std::io::Error| e.kind() == std::io::ErrorKind::ReadOnlyFilesystem;
        if let Err(e) = fs::create_dir_all(&self.state_dir) {
            return Err(match read_only(&e) {
                true => self.read_only_git_dir(),
                false => Error::io(&self.state_dir, e),
            });
        }
        let path = self.state_dir.join("lock");
        let file = match fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if read_only(&e) => return Err(self.read_only_git_dir()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(WorktreeLock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < self.lock_wait => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::LockTimeout(path, self.lock_wait.as_secs()));
                }
                Err(fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
            }
        }
    }

    /// The error for a git dir we cannot write: what to do depends on who runs us.
    fn read_only_git_dir(&self) -> Error {
        let hint = match self.agent().map(|a| a.agent) {
            Some(Agent::Codex) => " (Codex's workspace-write sandbox keeps .git read-only: approve running this command outside the sandbox, or start codex with --sandbox danger-full-access; its hooks, which are not sandboxed, keep saving the journal)".to_string(),
            Some(a) => format!(" ({}'s sandbox: run the command outside it)", a.title()),
            None => String::new(),
        };
        Error::ReadOnlyGitDir(self.state_dir.clone(), hint)
    }

    // ---- per-worktree state ----

    /// The id of this worktree's current session, if one is set.
    pub fn current_id(&self) -> Result<Option<String>> {
        let path = self.state_dir.join("current");
        match fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Set or clear the current session.
    pub fn set_current(&self, id: Option<&str>) -> Result<()> {
        let path = self.state_dir.join("current");
        match id {
            Some(id) => Ok(write_atomic(&path, format!("{id}\n").as_bytes())?),
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
                _ => Ok(()),
            },
        }
    }

    /// Make sure `.sessions/` is ignored by the user's branches (the common `info/exclude`, once).
    pub fn ensure_excluded(&self) -> Result<()> {
        let path = self.common_dir.join("info").join("exclude");
        let existing = fs::read_to_string(&path).unwrap_or_default();
        let listed = existing
            .lines()
            .map(str::trim)
            .any(|l| matches!(l, ".sessions" | ".sessions/" | "/.sessions" | "/.sessions/"));
        if listed {
            return Ok(());
        }
        let mut new = existing;
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(&format!("# git-session journal mirror\n/{MIRROR_DIR}/\n"));
        Ok(write_atomic(&path, new.as_bytes())?)
    }

    // ---- who and where ----

    /// `Name <email>` from git config, or the no-identity error.
    pub fn author(&self) -> Result<String> {
        let who = self.store().identity()?;
        Ok(format!("{} <{}>", who.author.0, who.author.1))
    }

    /// The user's branch (short name) and HEAD commit, when there are any.
    pub fn head(&self) -> (Option<String>, Option<String>) {
        self.store().head()
    }

    /// Who writes the journal entries this worktree records (author may be unknown).
    fn entry_writer(&self) -> EntryWriter {
        EntryWriter {
            author: self.author().ok(),
            host: hostname(),
            agent: self.agent(),
        }
    }

    fn refresher<'a>(
        &'a self,
        store: &'a SessionsRef<'a>,
        writer: &'a EntryWriter,
    ) -> Refresher<'a> {
        Refresher {
            store,
            mirror: &self.mirror,
            writer,
            warnings: &self.warnings,
        }
    }

    /// Whether any in-scope file of the mirror differs from `tree` (uncommitted hand edits).
    pub fn has_hand_edits(&self, tree: ObjectId) -> Result<bool> {
        let store = self.store();
        let writer = self.entry_writer();
        Ok(!self
            .refresher(&store, &writer)
            .hand_edits(tree, &[])?
            .is_empty())
    }

    /// Adopt session files dropped into `active/` or `archive/` under names this tool does not
    /// give (a seed-era file, a copy, a file renamed by hand): one commit, or none when there is
    /// nothing to adopt (or no identity to commit with).
    pub fn adopt_strays(&self, lock: &WorktreeLock) -> Result<()> {
        if self.bare {
            return Ok(());
        }
        let store = self.store();
        let writer = self.entry_writer();
        let tree = match store.tip()? {
            Some(t) => store.tree_of(t)?,
            None => store.empty_tree(),
        };
        let adopted = self.refresher(&store, &writer).adopt_strays(tree)?;
        if adopted == 0 || writer.author.is_none() {
            return Ok(());
        }
        self.commit(lock, crate::store::JournalCommand::Import, |_| {
            Ok(write::Planned {
                changes: Default::default(),
                shortname: "journal".into(),
                summary: match adopted {
                    1 => "adopt 1 session file".to_string(),
                    n => format!("adopt {n} session files"),
                },
                touched: vec![],
            })
        })?;
        Ok(())
    }

    // ---- keeping the mirror in step with the ref ----

    /// For a read command (`list`, `view`, `history`): catch up as every command does, but take
    /// no lock and write nothing when nothing needs writing, so that a repository nobody may
    /// write to (a mounted backup, another user's clone) can still be read. When catching up
    /// needs the lock and it cannot be taken (the lock file cannot be created or opened for
    /// writing), warn and read `.sessions/` as it stands. `adopt`: stray session files count.
    pub fn catch_up_for_read(&self, adopt: bool) -> Result<()> {
        if self.caught_up(adopt)? {
            return Ok(());
        }
        // What the check listed is about to change.
        self.archive_listing.take();
        let lock = match self.lock() {
            Ok(lock) => lock,
            Err(Error::Io { path, source }) if self.bare => {
                let shown = self.newest_journal_unmerged()?;
                let what = match shown {
                    Some(name) => format!("showing the newest journal, {name}, unmerged"),
                    None => "showing refs/sessions as it is".to_string(),
                };
                self.warn(format!(
                    "cannot take the lock {} ({source}); {what}",
                    path.display()
                ));
                return Ok(());
            }
            Err(Error::Io { path, source }) => {
                self.warn(format!(
                    "cannot take the lock {} ({source}); showing {MIRROR_DIR}/ as it is, which may be behind refs/sessions",
                    path.display()
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.refresh(&lock)?;
        if adopt {
            self.adopt_strays(&lock)?;
        }
        Ok(())
    }

    /// A bare repository that cannot be written (a read-only backup): a journal pushed to it
    /// (`refs/git-session/sessions`) or fetched into it is merged into `refs/sessions` only by a
    /// command that may write. Read the newest of them in place of `refs/sessions` when it
    /// contains all the others; returns its name when it is not `refs/sessions`.
    fn newest_journal_unmerged(&self) -> Result<Option<String>> {
        let store = self.store();
        let mut newest = store.tip()?.map(|id| (store::SESSIONS_REF.to_string(), id));
        let mut candidates = store.pushed_refs()?;
        candidates.extend(store.tracking_refs()?);
        for (name, id) in candidates {
            newest = match newest {
                None => Some((name, id)),
                Some((_, cur)) if cur != id && store.is_ancestor(cur, id)? => Some((name, id)),
                keep => keep,
            };
        }
        Ok(match newest {
            Some((name, id)) if name != store::SESSIONS_REF => {
                self.read_tip.set(Some(id));
                Some(name)
            }
            _ => None,
        })
    }

    /// Would `refresh` (and, with `adopt`, `adopt_strays`) write nothing? Reads only.
    fn caught_up(&self, adopt: bool) -> Result<bool> {
        let store = self.store();
        if !self.bare {
            let tip = store.tip()?;
            let mirror_at = if self.mirror.exists() {
                self.mirror.last_seen()?
            } else {
                None
            };
            if tip != mirror_at
                || self.mirror.pending()?.is_some()
                || !self.mirror.unmerged()?.is_empty()
            {
                return Ok(false);
            }
        }
        let legacy = store.legacy_refs()?;
        if legacy
            .iter()
            .any(|l| store.is_journal_commit(l.id).unwrap_or(false))
        {
            return Ok(false);
        }
        let mut fetched = store.tracking_refs()?;
        fetched.extend(store.pushed_refs()?);
        if !fetched.is_empty() {
            let merged = self.mirror.merged_remotes()?;
            if fetched.iter().any(|(key, id)| merged.get(key) != Some(id)) {
                return Ok(false);
            }
        }
        if adopt && !self.bare {
            let writer = self.entry_writer();
            let scan = self.refresher(&store, &writer).strays()?;
            if !scan.strays.is_empty() {
                return Ok(false);
            }
            *self.archive_listing.borrow_mut() = scan.archive;
        }
        Ok(true)
    }

    /// Merge any fetched journal not merged yet (a plain `git fetch` of it counts), then bring
    /// the mirror up to the ref's tip, merging where both changed. Returns the tip.
    pub fn refresh(&self, lock: &WorktreeLock) -> Result<Option<ObjectId>> {
        self.integrate_fetched(lock)?;
        self.refresh_mirror(lock)
    }

    /// Bring the mirror up to the ref's tip (no fetched journals merged); a bare repository has
    /// no mirror to bring.
    fn refresh_mirror(&self, _lock: &WorktreeLock) -> Result<Option<ObjectId>> {
        let store = self.store();
        if self.bare {
            return Ok(store.tip()?);
        }
        let writer = self.entry_writer();
        let refresher = self.refresher(&store, &writer);
        let first = !self.mirror.exists() || self.mirror.last_seen()?.is_none();
        let tip = refresher.refresh()?;
        if first && tip.is_some() {
            self.ensure_excluded()?;
        }
        Ok(tip)
    }

    /// Merge `tips` (`(key, commit)`: fetched remote tips, keyed as
    /// `SessionsRef::tracking_refs` keys them, each already checked by the gate) into
    /// `refs/sessions` with at most one new commit (`integrate::integrate_many`), record each as
    /// merged, then bring the mirror up to the result, hand edits kept.
    pub fn integrate_all(
        &self,
        lock: &WorktreeLock,
        tips: &[(String, ObjectId)],
    ) -> Result<Vec<(String, Integrated)>> {
        if tips.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store();
        let writer = self.entry_writer();
        let outcome = integrate::integrate_many(&store, tips, &writer);
        store
            .take_removed_locks()
            .into_iter()
            .for_each(|w| self.warnings.push(w));
        let outcome = outcome?;
        self.mirror.set_merged_remotes(tips)?;
        self.refresh_mirror(lock)?;
        Ok(outcome)
    }

    /// Merge each fetched journal that changed since it was last merged, cheaply: ids first.
    /// A journal that cannot be merged must not stop every command: it is a warning.
    fn integrate_fetched(&self, _lock: &WorktreeLock) -> Result<()> {
        let store = self.store();
        self.move_legacy_refs(&store)?;
        let mut refs = store.tracking_refs()?;
        // Journals pushed to this repository (when it serves as another machine's remote).
        refs.extend(store.pushed_refs()?);
        if refs.is_empty() {
            return Ok(());
        }
        let merged = self.mirror.merged_remotes()?;
        let writer = self.entry_writer();
        for (remote, id) in refs {
            if merged.get(&remote) != Some(&id) {
                let outcome = integrate::integrate(&store, id, &remote, &writer);
                store
                    .take_removed_locks()
                    .into_iter()
                    .for_each(|w| self.warnings.push(w));
                match outcome {
                    Ok(Integrated::Merged { conflicts, .. }) => {
                        conflicts.into_iter().for_each(|c| self.warnings.push(c))
                    }
                    Ok(_) => {}
                    Err(e) => {
                        self.warnings.push(format!(
                            "fetched journal of {remote} not merged: {}",
                            crate::error::one_line(&e)
                        ));
                        continue;
                    }
                }
                self.mirror.set_merged_remote(&remote, id)?;
            }
        }
        Ok(())
    }

    /// Move journals fetched into `refs/remotes/<remote>/sessions` (by older versions, or by a
    /// plain `git fetch` with the old recipe) to `refs/git-session/remotes/<remote>/…`, as a
    /// forced fetch would: what is there was merged when it was fetched (or refused, and is
    /// fetched again by the next sync), so nothing is lost. What was merged is kept per remote
    /// name, so a moved ref is not merged again. A ref there that is not a journal is git's
    /// tracking of a branch called `sessions`: left alone.
    fn move_legacy_refs(&self, store: &SessionsRef) -> Result<()> {
        for old in store.legacy_refs()? {
            if !store.is_journal_commit(old.id).unwrap_or(false) {
                continue;
            }
            let new = old.peer.tracking_ref(old.pushed);
            let current = store.tip_of(&new)?;
            let moved = current == Some(old.id)
                || matches!(
                    store.cas_ref(
                        &new,
                        current,
                        old.id,
                        "git-session: moved from refs/remotes"
                    ),
                    Ok(store::CasOutcome::Moved(_))
                );
            if moved {
                let _ = store.delete_ref(&old.name, old.id);
            }
        }
        Ok(())
    }
}
