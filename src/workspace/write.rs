//! The one write path: catch up, plan the change on the tip, add hand edits, commit, move the ref
//! by compare-and-swap (redoing the plan on a lost race), then finish the mirror.

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::layout::{self, SessionPath};
use crate::mirror::Pending;
use crate::model::ids;
use crate::model::progress;
use crate::model::session::SessionFile;
use crate::model::time::{self, Stamp};
use crate::store::{CasOutcome, CommitSubject, JournalCommand, TreeChanges};

use super::{Workspace, WorktreeLock};

pub use crate::journal::hostname;

/// How many times a command redoes its change after losing a race for the ref.
const MAX_ATTEMPTS: usize = 64;

/// What a command wants committed.
pub struct Planned {
    pub changes: TreeChanges,
    /// The subject's scope: the session's shortname (or `journal` for several sessions).
    pub shortname: String,
    pub summary: String,
    /// Short ids of the sessions the command touched: their journal dirs are scanned for hand edits.
    pub touched: Vec<String>,
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

impl SessionEdit {
    /// An edit whose journal entry and commit summary are the user's `note`, or `default`
    /// (`"Paused"` gives the entry `Paused` and the summary `paused`).
    pub fn with_note(file: SessionFile, kind: &str, note: Option<&str>, default: &str) -> Self {
        SessionEdit {
            file,
            kind: kind.into(),
            body: note
                .map(crate::model::text::clean)
                .unwrap_or_else(|| default.into()),
            summary: note
                .map(crate::model::text::one_line)
                .unwrap_or_else(|| default.to_lowercase()),
        }
    }
}

impl Workspace {
    /// The write path for a plan that returns nothing but the change. Returns the new commit.
    pub fn commit(
        &self,
        lock: &WorktreeLock,
        command: JournalCommand,
        mut plan: impl FnMut(ObjectId) -> Result<Planned>,
    ) -> Result<ObjectId> {
        self.commit_with(lock, command, |tree| Ok((plan(tree)?, ())))
            .map(|(id, ())| id)
    }

    /// The one write path. `plan` runs on the tip's tree (it may read the mirror, which is up to
    /// date when it runs) and returns the change and a value for the caller; it runs again on
    /// the new tip after a lost race. Returns the new commit and the last plan's value.
    pub fn commit_with<T>(
        &self,
        lock: &WorktreeLock,
        command: JournalCommand,
        mut plan: impl FnMut(ObjectId) -> Result<(Planned, T)>,
    ) -> Result<(ObjectId, T)> {
        let store = self.store();
        let writer = self.entry_writer();
        let refresher = self.refresher(&store, &writer);
        for _ in 0..MAX_ATTEMPTS {
            let tip = self.refresh(lock)?;
            let tree = match tip {
                Some(t) => store.tree_of(t)?,
                None => store.empty_tree(),
            };
            let (planned, value) = plan(tree)?;
            let mut changes = refresher.hand_edits(tree, &planned.touched)?;
            changes.extend(planned.changes);
            let new_tree = store.write_tree(tree, &changes)?;
            let subject = CommitSubject::new(command, &planned.shortname, &planned.summary);
            let parents: Vec<ObjectId> = tip.into_iter().collect();
            let commit = store.write_commit(&subject, new_tree, &parents)?;
            // What each mirror file holds now, kept in the object database so that a crash or a
            // save during the next steps can be merged rather than overwritten.
            let mut before = Vec::new();
            let mut needs_note = false;
            for path in changes.keys() {
                let id = match self.mirror.read(path)? {
                    Some(bytes) => Some(store.write_blob(&bytes)?),
                    None => None,
                };
                // The note is needed only where a mirror file holds something the tip does not (a
                // hand edit): elsewhere a crash is recovered by the ordinary refresh, the disk
                // being the old tip.
                if !needs_note {
                    needs_note = id != store.entry_id(tree, path)?;
                }
                before.push((path.clone(), id));
            }
            let pending = Pending {
                commit,
                paths: before,
            };
            if needs_note {
                self.mirror.set_pending(Some(&pending))?;
            }
            let moved = store.compare_and_swap(tip, commit, &subject.to_string());
            store
                .take_removed_locks()
                .into_iter()
                .for_each(|w| self.warnings.push(w));
            match moved? {
                CasOutcome::Moved(id) => {
                    failpoint("after-cas");
                    if tip.is_none() {
                        self.ensure_excluded()?;
                    }
                    refresher.finish(&pending, Some(&changes))?;
                    self.mirror.clear_dirty()?;
                    self.mirror.set_last_seen(id)?;
                    if needs_note {
                        self.mirror.set_pending(None)?;
                    }
                    return Ok((id, value));
                }
                CasOutcome::Lost => {
                    if needs_note {
                        self.mirror.set_pending(None)?;
                    }
                }
            }
        }
        Err(Error::TooManyRetries(MAX_ATTEMPTS))
    }

    /// The files one change to a session writes: the session file at `path`, its regenerated
    /// `progress.md`, and one new journal entry of `kind` with `body`.
    pub fn session_changes(
        &self,
        tree: ObjectId,
        path: &SessionPath,
        file: &SessionFile,
        kind: &str,
        body: String,
        now: Stamp,
    ) -> Result<TreeChanges> {
        let short = ids::short_of(&file.meta.id).ok_or_else(|| Error::Parse {
            file: file.origin.clone(),
            line: 1,
            message: format!("id '{}' has no short id", file.meta.id),
        })?;
        let writer = self.entry_writer();
        if writer.author.is_none() {
            self.author()?;
        }
        let (name, bytes) = loop {
            let (name, bytes) = writer
                .entry(&file.meta.id, &short, kind, body.clone(), now)
                .expect("the author was checked above");
            let taken =
                self.store().entry_id(tree, &name)?.is_some() || self.mirror.read(&name)?.is_some();
            if !taken {
                break (name, bytes);
            }
        };
        let mut changes = TreeChanges::new();
        changes.insert(path.render(), Some(file.text().as_bytes().to_vec()));
        changes.insert(
            layout::progress_path(&short),
            Some(progress::render(&file.view()).into_bytes()),
        );
        changes.insert(name, Some(bytes));
        Ok(changes)
    }

    /// Commit one change to one session where it lives: resolve `name` (else the current
    /// session) on the tip, apply `edit`, write the file, its `progress.md` and one journal entry.
    /// Returns the session and the file as committed.
    pub fn change_session(
        &self,
        lock: &WorktreeLock,
        command: JournalCommand,
        name: Option<&str>,
        mut edit: impl FnMut(SessionFile, Stamp) -> Result<SessionEdit>,
    ) -> Result<(SessionPath, SessionFile)> {
        let (_, done) = self.commit_with(lock, command, |tree| {
            let target = self.target(name)?;
            let now = time::now();
            let e = edit(self.load(&target)?, now)?;
            let changes = self.session_changes(tree, &target, &e.file, &e.kind, e.body, now)?;
            let planned = Planned {
                changes,
                shortname: target.shortname.clone(),
                summary: e.summary,
                touched: vec![target.short.clone()],
            };
            Ok((planned, (target, e.file)))
        })?;
        Ok(done)
    }

    /// What every checkpoint does to a session file: branch and commit from HEAD, fresh TL;DR
    /// status lines, the summary when given, and `updated_at`.
    pub fn checkpoint_file(
        &self,
        file: SessionFile,
        summary: Option<&str>,
        now: Stamp,
    ) -> Result<SessionFile> {
        let (branch, commit) = self.head();
        let yaml = |v: Option<String>| {
            v.as_deref()
                .map(crate::model::text::yaml_str)
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

/// Tests make the process die at a named point of the write path, as a crash would:
/// `GIT_SESSION_FAILPOINT=after-cas` aborts right after the ref moved, before the mirror is updated.
fn failpoint(name: &str) {
    if std::env::var_os("GIT_SESSION_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}
