//! One worktree's view of the journal: the shared ref, this worktree's mirror, its state, and
//! the one write path every changing command goes through.

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::error::{Error, IoContext, Result};
use crate::mirror::{MIRROR_DIR, Mirror, write_atomic};
use crate::model::session::SessionFile;
use crate::model::{ids, merge, text};
use crate::store::{CasOutcome, Changed, SessionsRef, TreeChanges, blob_id};

/// How many times a command redoes its change after losing a race for the ref.
const MAX_ATTEMPTS: usize = 64;
/// How long a command waits for another command in the same worktree.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// A session file found in the mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    /// Path relative to `.sessions/`, e.g. `active/fix-sweep-1a2b3c4d.md`.
    pub path: String,
    pub shortname: String,
    pub short: String,
    pub archived: bool,
}

impl SessionEntry {
    /// `shortname-short`, how candidates are listed.
    pub fn label(&self) -> String {
        format!("{}-{}", self.shortname, self.short)
    }

    /// The session's journal directory.
    pub fn journal_dir(&self) -> String {
        format!("journal/{}", self.short)
    }
}

/// What a command wants committed.
pub struct Planned {
    pub changes: TreeChanges,
    pub shortname: String,
    pub summary: String,
    /// Short ids of the sessions the command touched: their journal dirs are scanned for hand edits.
    pub touched: Vec<String>,
}

/// Held while a command works on this worktree's mirror; released by the OS even on kill -9.
pub struct WorktreeLock {
    _file: fs::File,
}

/// One worktree of one repository.
pub struct Workspace {
    lock_wait: Duration,
    repo: gix::Repository,
    worktree: PathBuf,
    state_dir: PathBuf,
    mirror: Mirror,
    warnings: RefCell<Vec<String>>,
}

impl Workspace {
    /// Find the repository containing `dir` (a subdirectory or a linked worktree is fine).
    pub fn discover(dir: &Path) -> Result<Self> {
        let mut repo = gix::discover(dir).map_err(|_| Error::NotARepository(dir.to_path_buf()))?;
        // Trees on the paths we touch are read several times per command; keep them decoded.
        repo.object_cache_size_if_unset(4 * 1024 * 1024);
        let worktree = repo
            .workdir()
            .ok_or_else(|| Error::BareRepository(repo.git_dir().to_path_buf()))?
            .to_path_buf();
        let state_dir = repo.git_dir().join("git-session");
        let mirror = Mirror::new(&worktree, state_dir.clone());
        Ok(Workspace {
            lock_wait: LOCK_WAIT,
            repo,
            worktree,
            state_dir,
            mirror,
            warnings: RefCell::new(Vec::new()),
        })
    }

    /// The journal ref.
    pub fn store(&self) -> SessionsRef<'_> {
        SessionsRef::new(&self.repo)
    }

    /// The mirror.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// The worktree's top directory.
    pub fn worktree(&self) -> &Path {
        &self.worktree
    }

    /// The repository.
    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// Warnings gathered while working, for the command to print.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    fn warn(&self, msg: String) {
        self.warnings.borrow_mut().push(msg);
    }

    /// Wait at most `wait` for the worktree lock (hooks must not hold the agent up for long).
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// This worktree's own state directory (under its git dir).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Whether any in-scope file of the mirror differs from `tree` (uncommitted hand edits).
    pub fn has_hand_edits(&self, tree: ObjectId) -> Result<bool> {
        Ok(!self.hand_edits(tree, &[])?.is_empty())
    }

    /// Take this worktree's lock, waiting a bounded time for another command to finish.
    pub fn lock(&self) -> Result<WorktreeLock> {
        fs::create_dir_all(&self.state_dir).at(&self.state_dir)?;
        let path = self.state_dir.join("lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .at(&path)?;
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
            Some(id) => write_atomic(&path, format!("{id}\n").as_bytes()),
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
                _ => Ok(()),
            },
        }
    }

    /// Make sure `.sessions/` is ignored by the user's branches (the common `info/exclude`, once).
    pub fn ensure_excluded(&self) -> Result<()> {
        let path = self.repo.common_dir().join("info").join("exclude");
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
        write_atomic(&path, new.as_bytes())
    }

    // ---- who and where ----

    /// `Name <email>` from git config, or the no-identity error.
    pub fn author(&self) -> Result<String> {
        let who = self.store().identity()?;
        Ok(format!("{} <{}>", who.author.0, who.author.1))
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

    // ---- finding sessions ----

    /// Every session file in the mirror.
    pub fn sessions(&self) -> Result<Vec<SessionEntry>> {
        self.sessions_in(true, true)
    }

    /// The session files of `active/` and/or `archive/` (listing 10,000 archived files costs).
    pub fn sessions_in(&self, active: bool, archived: bool) -> Result<Vec<SessionEntry>> {
        let mut out = Vec::new();
        let dirs = [("active", false), ("archive", true)]
            .into_iter()
            .filter(|(_, a)| if *a { archived } else { active });
        for (dir, archived) in dirs {
            for name in self.mirror.list(dir)? {
                if let Some((shortname, short)) = ids::parse_file_name(&name) {
                    out.push(SessionEntry {
                        path: format!("{dir}/{name}"),
                        shortname: shortname.into(),
                        short: short.to_ascii_lowercase(),
                        archived,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The session file with this short id, looking in `active/` first.
    pub fn by_short(&self, short: &str) -> Result<Option<SessionEntry>> {
        for (dir, archived) in [("active", false), ("archive", true)] {
            for name in self.mirror.list(dir)? {
                if let Some((shortname, s)) = ids::parse_file_name(&name)
                    && s.eq_ignore_ascii_case(short)
                {
                    return Ok(Some(SessionEntry {
                        path: format!("{dir}/{name}"),
                        shortname: shortname.into(),
                        short: s.to_ascii_lowercase(),
                        archived,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Resolve a session named by full id, unique id prefix, short id or shortname.
    pub fn resolve(&self, name: &str) -> Result<SessionEntry> {
        let all = self.sessions()?;
        let lower = name.to_ascii_lowercase();
        let exact: Vec<&SessionEntry> = all
            .iter()
            .filter(|s| s.shortname == name || s.short == lower || s.label() == name)
            .collect();
        match exact.len() {
            1 => return Ok(exact[0].clone()),
            n if n > 1 => {
                return Err(Error::AmbiguousSession {
                    name: ids::printable(name),
                    candidates: exact.iter().map(|s| s.label()).collect(),
                });
            }
            _ => {}
        }
        let hexish = name.len() >= 4 && name.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if hexish {
            let want = lower.replace('-', "");
            let mut found = Vec::new();
            for s in &all {
                if let Ok(f) = self.load(s)
                    && f.meta
                        .id
                        .replace('-', "")
                        .to_ascii_lowercase()
                        .starts_with(&want)
                {
                    found.push(s.clone());
                }
            }
            match found.len() {
                1 => return Ok(found.remove(0)),
                n if n > 1 => {
                    return Err(Error::AmbiguousSession {
                        name: name.into(),
                        candidates: found.iter().map(|s| s.label()).collect(),
                    });
                }
                _ => {}
            }
        }
        Err(Error::UnknownSession(ids::printable(name)))
    }

    /// The current session, or `NoCurrentSession`.
    pub fn current(&self) -> Result<SessionEntry> {
        let id = self.current_id()?.ok_or(Error::NoCurrentSession)?;
        let short = ids::short_of(&id).ok_or(Error::NoCurrentSession)?;
        self.by_short(&short)?.ok_or(Error::NoCurrentSession)
    }

    /// The named session, or the current one.
    pub fn target(&self, name: Option<&str>) -> Result<SessionEntry> {
        match name {
            Some(n) => self.resolve(n),
            None => self.current(),
        }
    }

    /// Parse a session file from the mirror.
    pub fn load(&self, s: &SessionEntry) -> Result<SessionFile> {
        let origin = format!("{MIRROR_DIR}/{}", s.path);
        let bytes = self
            .mirror
            .read(&s.path)?
            .ok_or_else(|| Error::Other(format!("{origin}: missing")))?;
        Ok(SessionFile::parse_bytes(&origin, &bytes)?)
    }

    // ---- keeping the mirror in step with the ref ----

    /// Merge any fetched `refs/remotes/*/sessions` not merged yet, then bring the mirror up to
    /// the ref's tip, merging where both changed. Returns the tip.
    pub fn refresh(&self, lock: &WorktreeLock) -> Result<Option<ObjectId>> {
        self.integrate_tracking(lock)?;
        self.refresh_mirror(lock)
    }

    /// Bring the mirror up to the ref's tip, merging where both changed. Returns the tip.
    fn refresh_mirror(&self, _lock: &WorktreeLock) -> Result<Option<ObjectId>> {
        let store = self.store();
        let tip = store.tip()?;
        self.recover_pending(tip)?;
        let last = if self.mirror.exists() {
            self.mirror.last_seen()?
        } else {
            None
        };
        let Some(tip) = tip else {
            if let Some(last) = last
                && self.repo.find_header(last).is_ok()
            {
                return Err(Error::BadRef(format!(
                    "the ref is gone, but .sessions/ was at {last}; nothing was written. Restore it with: git session doctor --repair"
                )));
            }
            return Ok(None);
        };
        if last == Some(tip) {
            return Ok(Some(tip));
        }
        if last.is_none() {
            self.ensure_excluded()?;
        }
        let base_tree = last.and_then(|c| store.tree_of(c).ok());
        let tip_tree = store.tree_of(tip)?;
        let mut changes = store.diff(base_tree, tip_tree)?;
        // Deletions last, so a session moved between active/ and archive/ lands before its old path goes.
        changes.sort_by_key(|c| c.new.is_none());
        for change in &changes {
            self.refresh_path(change, tip_tree)?;
        }
        self.mirror.set_last_seen(tip)?;
        Ok(Some(tip))
    }

    /// A command that moved the ref but died before updating the mirror left a pending record:
    /// finish its mirror update now, merging with anything edited since.
    fn recover_pending(&self, tip: Option<ObjectId>) -> Result<()> {
        let Some(p) = self.mirror.pending()? else {
            return Ok(());
        };
        let landed = match tip {
            Some(t) => t == p.commit || self.store().is_ancestor_within(p.commit, t, 10_000)?,
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
    fn finish(&self, p: &crate::mirror::Pending, known: Option<&TreeChanges>) -> Result<()> {
        let store = self.store();
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
            let disk = self.mirror.read(path)?;
            let disk_id = disk.as_deref().map(blob_id);
            if disk_id == new.as_deref().map(blob_id) {
                continue;
            }
            if disk_id == *before {
                match &new {
                    Some(bytes) => self.mirror.write(path, bytes)?,
                    None => self.mirror.remove(path)?,
                }
                continue;
            }
            // Edited again since the command read it: merge the command's result into the edit.
            let (Some(ours), Some(theirs)) = (disk, new) else {
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
        let store = self.store();
        let disk = self.mirror.read(&c.path)?;
        let disk_id = disk.as_deref().map(blob_id);
        if disk_id == c.new {
            return Ok(());
        }
        let generated = c.path.ends_with("/progress.md");
        let unedited = disk_id == c.old || disk.is_none() || generated;
        match (&c.new, unedited) {
            (Some(new), true) => self.mirror.write(&c.path, &store.blob(*new)?),
            (None, true) => self.mirror.remove(&c.path),
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
                let moved_to = ids::parse_file_name(c.path.rsplit('/').next().unwrap_or_default())
                    .map(|(n, s)| ids::file_name(n, s))
                    .and_then(|name| {
                        ["active", "archive"]
                            .iter()
                            .map(|d| format!("{d}/{name}"))
                            .find(|p| {
                                *p != c.path && store.entry_id(tip_tree, p).ok().flatten().is_some()
                            })
                    });
                let Some(to) = moved_to else {
                    self.mirror.add_dirty(&c.path)?;
                    self.warn(format!("{MIRROR_DIR}/{}: removed from refs/sessions but edited here; kept your copy", c.path));
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
        let is_session = ids::session_path(dest).is_some();
        if !is_session {
            self.mirror.add_dirty(ours_path)?;
            self.warn(format!("{origin}: changed here and in refs/sessions; kept your copy (the other is in the ref's history)"));
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
                    self.warn(format!("{origin}: '{section}' was edited in two places; both versions are kept, marked"));
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
                list.push(crate::mirror::Unmerged {
                    path: ours_path.into(),
                    base: base_id,
                    theirs_path: dest.into(),
                    theirs: theirs_id,
                });
                self.mirror.set_unmerged(&list)?;
                self.warn(format!(
                    "{origin}: changed elsewhere too, but your copy does not parse ({e}); it is kept as it is, the other version is in {MIRROR_DIR}/{side}, and the two are merged once yours parses"
                ));
                Ok(false)
            }
        }
    }

    /// A `conflict` journal entry in the mirror, saved by the next commit.
    fn record_conflict(&self, file: &SessionFile, section: &str) -> Result<()> {
        let Ok(author) = self.author() else {
            return Ok(());
        };
        let Some(short) = ids::short_of(&file.meta.id) else {
            return Ok(());
        };
        let now = crate::model::time::now();
        let body = format!(
            "The section '{section}' of session {} was edited in two places; both versions are kept in the file, marked. Keep what is right and delete the rest.",
            file.meta.shortname
        );
        let e = crate::model::entry::JournalEntry::new(
            "conflict",
            now,
            &file.meta.id,
            &author,
            &hostname(),
            body,
        );
        let path = format!(
            "journal/{short}/entries/{}",
            crate::model::entry::file_name(now, "conflict", crate::mirror::rand32() as u16)
        );
        self.mirror.write(&path, e.render().as_bytes())?;
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
            let theirs = self.store().blob(u.theirs)?;
            let base = match u.base {
                Some(b) => self.store().blob(b).ok(),
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
    fn hand_edits(&self, tree: ObjectId, touched: &[String]) -> Result<TreeChanges> {
        let store = self.store();
        let mut changes = self.retry_unmerged()?;
        let mut paths: Vec<String> = self
            .mirror
            .list("active")?
            .into_iter()
            .filter(|n| n.ends_with(".md"))
            .map(|n| format!("active/{n}"))
            .collect();
        paths.extend(self.mirror.dirty()?);
        for short in touched {
            if let Some(s) = self.by_short(short)?
                && s.archived
            {
                paths.push(s.path.clone());
            }
            let dir = format!("journal/{short}/entries");
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
        if self.mirror.exists() {
            for name in self.mirror.list("")? {
                paths.push(name);
            }
            for dir in self.mirror.subdirs("")? {
                if !["active", "archive", "journal"].contains(&dir.as_str()) {
                    paths.extend(self.mirror.walk(&dir)?);
                }
            }
        }
        for p in paths {
            if changes.contains_key(&p)
                || !p.split('/').all(valid_component)
                || p.ends_with(".theirs")
            {
                continue;
            }
            let Some(bytes) = self.mirror.read(&p)? else {
                continue;
            };
            if store.entry_id(tree, &p)? == Some(blob_id(&bytes)) {
                continue;
            }
            let is_session = p.starts_with("active/") || p.starts_with("archive/");
            if is_session
                && let Err(e) = SessionFile::parse_bytes(&format!("{MIRROR_DIR}/{p}"), &bytes)
            {
                self.warn(format!("not saving your edit until it parses: {e}"));
                continue;
            }
            changes.insert(p, Some(bytes));
        }
        Ok(changes)
    }

    /// The one write path: refresh, plan the change on the tip, add hand edits, commit, move the
    /// ref by compare-and-swap (redoing everything on a lost race), then update the mirror.
    pub fn commit(
        &self,
        lock: &WorktreeLock,
        command: &str,
        mut plan: impl FnMut(ObjectId) -> Result<Planned>,
    ) -> Result<ObjectId> {
        let store = self.store();
        for _ in 0..MAX_ATTEMPTS {
            let tip = self.refresh(lock)?;
            let tree = match tip {
                Some(t) => store.tree_of(t)?,
                None => store.empty_tree(),
            };
            let planned = plan(tree)?;
            let mut changes = self.hand_edits(tree, &planned.touched)?;
            changes.extend(planned.changes);
            let new_tree = store.write_tree(tree, &changes)?;
            let message = commit_message(command, &planned.shortname, &planned.summary);
            let parents: Vec<ObjectId> = tip.into_iter().collect();
            let commit = store.write_commit(&message, new_tree, &parents)?;
            // What each mirror file holds now, kept in the object database so that a crash or a
            // save during the next steps can be merged rather than overwritten.
            let mut before = Vec::new();
            for path in changes.keys() {
                let id = match self.mirror.read(path)? {
                    Some(bytes) => Some(
                        store
                            .repo()
                            .write_blob(&bytes)
                            .map_err(|e| crate::error::git_error("writing blob", e))?
                            .detach(),
                    ),
                    None => None,
                };
                before.push((path.clone(), id));
            }
            // The note is needed only where a mirror file holds something the tip does not (a hand
            // edit): elsewhere a crash is recovered by the ordinary refresh, the disk being the old tip.
            let mut needs_note = false;
            for (path, id) in &before {
                if *id != store.entry_id(tree, path)? {
                    needs_note = true;
                    break;
                }
            }
            let pending = crate::mirror::Pending {
                commit,
                paths: before,
            };
            if needs_note {
                self.mirror.set_pending(Some(&pending))?;
            }
            match store.compare_and_swap(tip, commit, &message)? {
                CasOutcome::Moved(id) => {
                    failpoint("after-cas");
                    if tip.is_none() {
                        self.ensure_excluded()?;
                    }
                    self.finish(&pending, Some(&changes))?;
                    self.mirror.clear_dirty()?;
                    self.mirror.set_last_seen(id)?;
                    if needs_note {
                        self.mirror.set_pending(None)?;
                    }
                    return Ok(id);
                }
                CasOutcome::Lost => {
                    if needs_note {
                        self.mirror.set_pending(None)?;
                    }
                    continue;
                }
            }
        }
        Err(Error::TooManyRetries(MAX_ATTEMPTS))
    }
}

/// Tests make the process die at a named point of the write path, as a crash would:
/// `GIT_SESSION_FAILPOINT=after-cas` aborts right after the ref moved, before the mirror is updated.
fn failpoint(name: &str) {
    if std::env::var_os("GIT_SESSION_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

fn valid_component(c: &str) -> bool {
    !c.is_empty()
        && c != "."
        && c != ".."
        && !c.eq_ignore_ascii_case(".git")
        && !c.chars().any(char::is_control)
}

/// `<command>(<shortname>): <summary>`, one line of reasonable length.
pub fn commit_message(command: &str, shortname: &str, summary: &str) -> String {
    let mut s = text::one_line(summary);
    if s.chars().count() > 72 {
        s = s.chars().take(71).collect::<String>() + "…";
    }
    format!("{command}({shortname}): {s}")
}

/// The machine's name, for journal entries.
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

impl Workspace {
    /// The files one change to a session writes: the session file at `path`, its regenerated
    /// `progress.md`, and one new journal entry of `kind` with `body`.
    pub fn session_changes(
        &self,
        tree: ObjectId,
        path: &str,
        file: &SessionFile,
        kind: &str,
        body: String,
        now: crate::model::time::Stamp,
    ) -> Result<TreeChanges> {
        use crate::model::{entry, progress};
        let short = ids::short_of(&file.meta.id)
            .ok_or_else(|| Error::Other(format!("{}: bad id", file.origin)))?;
        let dir = format!("journal/{short}");
        let e =
            entry::JournalEntry::new(kind, now, &file.meta.id, &self.author()?, &hostname(), body);
        let mut name;
        loop {
            name = format!(
                "{dir}/entries/{}",
                entry::file_name(now, kind, crate::mirror::rand32() as u16)
            );
            if self.store().entry_id(tree, &name)?.is_none() && self.mirror.read(&name)?.is_none() {
                break;
            }
        }
        let mut changes = TreeChanges::new();
        changes.insert(path.to_string(), Some(file.text().as_bytes().to_vec()));
        changes.insert(
            format!("{dir}/progress.md"),
            Some(progress::render(&file.view()).into_bytes()),
        );
        changes.insert(name, Some(e.render().into_bytes()));
        Ok(changes)
    }
}

impl Workspace {
    /// What every checkpoint does to a session file: branch and commit from HEAD, fresh TL;DR
    /// status lines, the summary when given, and `updated_at`.
    pub fn checkpoint_file(
        &self,
        file: SessionFile,
        summary: Option<&str>,
        now: crate::model::time::Stamp,
    ) -> Result<SessionFile> {
        let (branch, commit) = self.head();
        let yaml = |v: Option<String>| {
            v.as_deref()
                .map(text::yaml_str)
                .unwrap_or_else(|| "null".into())
        };
        let mut file = file;
        if file.meta.git_branch != branch {
            file = file.set_field("git_branch", &yaml(branch))?;
        }
        if file.meta.git_last_commit != commit {
            file = file.set_field("git_last_commit", &yaml(commit))?;
        }
        if let Some(s) = summary {
            file = file.set_summary(s)?;
        }
        file.refresh_status_lines()?.touch(now)
    }
}

/// What integrating another history did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrated {
    UpToDate,
    Adopted(ObjectId),
    FastForward(ObjectId),
    Merged {
        commit: ObjectId,
        conflicts: Vec<String>,
    },
}

impl Workspace {
    /// Merge `theirs` (a commit, e.g. a fetched remote tip) into `refs/sessions`: adopt it when
    /// there is no local journal, fast-forward when it contains ours, else a merge commit with
    /// both parents. The mirror follows, hand edits kept.
    pub fn integrate(
        &self,
        lock: &WorktreeLock,
        theirs: ObjectId,
        label: &str,
    ) -> Result<Integrated> {
        let store = self.store();
        if !crate::sync::tree::looks_like_journal(&store, theirs)? {
            return Err(Error::Other(format!(
                "{label}: {theirs} is not a git-session journal (a branch named 'sessions'?); not merged"
            )));
        }
        for _ in 0..MAX_ATTEMPTS {
            self.refresh_mirror(lock)?;
            let local = store.tip()?;
            let outcome = match local {
                None => {
                    match store.compare_and_swap(None, theirs, &format!("sync: adopt {label}"))? {
                        CasOutcome::Moved(id) => Integrated::Adopted(id),
                        CasOutcome::Lost => continue,
                    }
                }
                Some(l) if store.is_ancestor(theirs, l)? => return Ok(Integrated::UpToDate),
                Some(l) if store.is_ancestor(l, theirs)? => {
                    match store.compare_and_swap(
                        Some(l),
                        theirs,
                        &format!("sync: fast-forward to {label}"),
                    )? {
                        CasOutcome::Moved(id) => Integrated::FastForward(id),
                        CasOutcome::Lost => continue,
                    }
                }
                Some(l) => {
                    let base = store.merge_base(l, theirs)?;
                    let base_tree = base.map(|b| store.tree_of(b)).transpose()?;
                    let (ours_tree, theirs_tree) = (store.tree_of(l)?, store.tree_of(theirs)?);
                    let author = self.author()?;
                    let host = hostname();
                    let w = crate::sync::tree::Writer {
                        author: &author,
                        host: &host,
                        other: label,
                    };
                    let m = crate::sync::tree::merge_trees(
                        &store,
                        base_tree,
                        ours_tree,
                        theirs_tree,
                        &w,
                    )?;
                    let tree = store.write_tree(ours_tree, &m.changes)?;
                    let sessions = m
                        .changes
                        .keys()
                        .filter(|p| p.starts_with("active/") || p.starts_with("archive/"))
                        .count();
                    let entries = m.changes.keys().filter(|p| p.contains("/entries/")).count();
                    let message = commit_message(
                        "sync",
                        label,
                        &format!(
                            "merge {sessions} session files and {entries} entries from {label}"
                        ),
                    );
                    let commit = store.write_commit(&message, tree, &[l, theirs])?;
                    match store.compare_and_swap(Some(l), commit, &message)? {
                        CasOutcome::Moved(id) => Integrated::Merged {
                            commit: id,
                            conflicts: m.conflicts,
                        },
                        CasOutcome::Lost => continue,
                    }
                }
            };
            self.refresh_mirror(lock)?;
            return Ok(outcome);
        }
        Err(Error::TooManyRetries(MAX_ATTEMPTS))
    }

    /// Merge each `refs/remotes/<remote>/sessions` that changed since it was last merged
    /// (a plain `git fetch` of the journal counts), cheaply: compare ids first.
    fn integrate_tracking(&self, lock: &WorktreeLock) -> Result<()> {
        let mut refs = self.store().tracking_refs()?;
        // A journal pushed to this repository (when it serves as another machine's remote).
        if let Some(id) = self.store().tip_of(crate::sync::REMOTE_REF).ok().flatten() {
            refs.push((crate::sync::REMOTE_REF.to_string(), id));
        }
        for (remote, id) in refs {
            if self.mirror.merged_remote(&remote)? == Some(id) {
                continue;
            }
            // A journal that cannot be merged must not stop every command: say so and go on.
            match self.integrate(lock, id, &remote) {
                Ok(Integrated::Merged { conflicts, .. }) => {
                    conflicts.into_iter().for_each(|c| self.warn(c))
                }
                Ok(_) => {}
                Err(e) => {
                    self.warn(format!("fetched journal of {remote} not merged: {e}"));
                    continue;
                }
            }
            self.mirror.set_merged_remote(&remote, id)?;
        }
        Ok(())
    }
}

/// One change to one session, as a command describes it.
pub struct SessionEdit {
    pub file: SessionFile,
    /// The journal entry's kind.
    pub kind: String,
    pub body: String,
    /// The commit message's summary.
    pub summary: String,
}

impl Workspace {
    /// Commit one change to one session where it lives: resolve `name` (else the current
    /// session) on the tip, apply `edit`, write the file, its `progress.md` and one journal entry.
    /// Returns the session and the file as committed.
    pub fn change_session(
        &self,
        lock: &WorktreeLock,
        command: &str,
        name: Option<&str>,
        mut edit: impl FnMut(SessionFile, crate::model::time::Stamp) -> Result<SessionEdit>,
    ) -> Result<(SessionEntry, SessionFile)> {
        let mut done = None;
        self.commit(lock, command, |tree| {
            let target = self.target(name)?;
            let now = crate::model::time::now();
            let e = edit(self.load(&target)?, now)?;
            let changes =
                self.session_changes(tree, &target.path, &e.file, &e.kind, e.body, now)?;
            let planned = Planned {
                changes,
                shortname: target.shortname.clone(),
                summary: e.summary,
                touched: vec![target.short.clone()],
            };
            done = Some((target, e.file));
            Ok(planned)
        })?;
        Ok(done.expect("commit ran the plan"))
    }
}
