//! The one write path: catch up, plan the change on the tip, add hand edits, commit, move the ref
//! by compare-and-swap (redoing the plan on a lost race), then finish the mirror.

use std::collections::HashMap;

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
        // Plans read and hand edits live in `.sessions/`; a bare repository has none.
        if self.bare {
            return Err(Error::BareRepository(self.worktree.clone()));
        }
        let store = self.store();
        let writer = self.entry_writer();
        let refresher = self.refresher(&store, &writer);
        for _ in 0..MAX_ATTEMPTS {
            let tip = self.refresh(lock)?;
            let tree = match tip {
                Some(t) => store.tree_of(t)?,
                None => store.empty_tree(),
            };
            // A tree of the flat layout moves to the fanout layout first, in a commit of its own
            // (decision 50); the refresh at the top of the loop then moves the mirror's files.
            if let Some(t) = tip
                && let moved = store.relayout(tree)?
                && moved != tree
            {
                let subject = CommitSubject::new(
                    command,
                    "journal",
                    "move journals to journal/<xx>/<short>/",
                );
                let index = crate::listing::full_index(&store, moved)?;
                let moved = store.write_tree(moved, &index)?;
                let commit = store.write_commit(&subject, moved, &[t])?;
                let cas = store.compare_and_swap(Some(t), commit, &subject.to_string());
                store
                    .take_removed_locks()
                    .into_iter()
                    .for_each(|w| self.warnings.push(w));
                cas?;
                continue;
            }
            refresher.adopt_strays(tree)?;
            *self.plan_reads.borrow_mut() = Some(HashMap::new());
            let planned = plan(tree);
            let reads = self.plan_reads.take().unwrap_or_default();
            let (planned, value) = planned?;
            failpoint_edit("after-plan");
            let mut changes = refresher.hand_edits(tree, &planned.touched)?;
            changes.extend(planned.changes);
            refresher.settle_session_names(tree, &mut changes)?;
            let index = crate::listing::index_changes(&store, tree, &changes)?;
            changes.extend(index);
            let new_tree = store.write_tree(tree, &changes)?;
            // Nothing to save (no hand edits found, or an import done before): no empty commit.
            if new_tree == tree
                && let Some(tip) = tip
            {
                return Ok((tip, value));
            }
            let subject = CommitSubject::new(command, &planned.shortname, &planned.summary);
            let parents: Vec<ObjectId> = tip.into_iter().collect();
            let commit = store.write_commit(&subject, new_tree, &parents)?;
            // What each mirror file held when the plan read it (or, for a file the plan did not
            // read, holds now), kept in the object database so that a crash, or a save made
            // since the plan read the file, is merged rather than overwritten.
            let mut before = Vec::new();
            let mut needs_note = false;
            for path in changes.keys() {
                let bytes = match reads.get(path) {
                    Some(read) => Some(read.clone()),
                    None => self.mirror.read_regular(path)?,
                };
                // The note is needed only where a mirror file holds something the tip does not (a
                // hand edit): elsewhere a crash is recovered by the ordinary refresh, the disk
                // being the old tip, whose blob is stored already.
                let id = bytes.as_deref().map(crate::store::blob_id);
                if id != store.entry_id(tree, path)? {
                    needs_note = true;
                    if let Some(bytes) = &bytes {
                        store.write_blob(bytes)?;
                    }
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
                    // The change is saved: from here on a failure is a lagging mirror, which the
                    // next command repairs (from the pending note, or by the ordinary refresh),
                    // never an error that would make the caller record the change twice.
                    let finished = (|| -> Result<()> {
                        if tip.is_none() {
                            self.ensure_excluded()?;
                        }
                        failpoint_error("finish")?;
                        refresher.finish(&pending, Some(&changes))?;
                        self.mirror.clear_dirty()?;
                        self.mirror.set_last_seen(id)?;
                        if needs_note {
                            self.mirror.set_pending(None)?;
                        }
                        Ok(())
                    })();
                    if let Err(e) = finished {
                        self.warnings.push(format!(
                            "saved as {} on refs/sessions, but .sessions/ could not be updated ({}); the next git-session command brings it up to date",
                            &id.to_string()[..10],
                            crate::error::one_line(&e)
                        ));
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
            let taken = self.store().entry_id(tree, &name)?.is_some()
                || self.mirror.read_regular(&name)?.is_some();
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
            // A section the edit had to recreate, or found twice: said once, by the command.
            for w in e.file.warnings() {
                if !self.warnings.contains(&w) {
                    self.warnings.push(w);
                }
            }
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

    /// Commit one journal entry of `kind` (with `extra` frontmatter keys) to session `name`
    /// (else the current one), leaving its session file as it is. Returns the session.
    pub fn add_entry(
        &self,
        lock: &WorktreeLock,
        name: Option<&str>,
        kind: &str,
        body: String,
        extra: &[(String, String)],
        summary: &str,
    ) -> Result<SessionPath> {
        let writer = self.entry_writer();
        if writer.author.is_none() {
            self.author()?;
        }
        let (_, target) = self.commit_with(lock, JournalCommand::Log, |tree| {
            let target = self.target(name)?;
            let file = self.load(&target)?;
            let now = time::now();
            let (path, bytes) = loop {
                let (path, bytes) = writer
                    .entry_with(&file.meta.id, &target.short, kind, body.clone(), extra, now)
                    .expect("the author was checked above");
                let taken = self.store().entry_id(tree, &path)?.is_some()
                    || self.mirror.read_regular(&path)?.is_some();
                if !taken {
                    break (path, bytes);
                }
            };
            let mut changes = TreeChanges::new();
            changes.insert(path, Some(bytes));
            let planned = Planned {
                changes,
                shortname: target.shortname.clone(),
                summary: summary.to_string(),
                touched: vec![target.short.clone()],
            };
            Ok((planned, target))
        })?;
        Ok(target)
    }

    /// What every checkpoint does to a session file: branch and commit from the user's HEAD,
    /// fresh TL;DR status lines, the summary when given, and `updated_at`.
    pub fn checkpoint_file(
        &self,
        file: SessionFile,
        summary: Option<&str>,
        now: Stamp,
    ) -> Result<SessionFile> {
        let (branch, commit) = self.head();
        Ok(file.checkpoint(branch.as_deref(), commit.as_deref(), summary, now)?)
    }
}

/// Tests make the process die at a named point of the write path, as a crash would:
/// `GIT_SESSION_FAILPOINT=after-cas` aborts right after the ref moved, before the mirror is updated.
fn failpoint(name: &str) {
    if std::env::var_os("GIT_SESSION_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Tests make a step fail as a full disk would: `GIT_SESSION_FAILPOINT=error-<name>`.
fn failpoint_error(name: &str) -> Result<()> {
    if std::env::var_os("GIT_SESSION_FAILPOINT").is_some_and(|v| v == *format!("error-{name}")) {
        return Err(Error::io(
            name,
            std::io::Error::new(std::io::ErrorKind::StorageFull, "failpoint: no space left"),
        ));
    }
    Ok(())
}

/// Tests save a hand edit at a named point, as a user would while the command runs:
/// `GIT_SESSION_FAILPOINT=edit-<name>` appends `GIT_SESSION_FAILPOINT_TEXT` to the file
/// `GIT_SESSION_FAILPOINT_PATH`.
fn failpoint_edit(name: &str) {
    if std::env::var_os("GIT_SESSION_FAILPOINT").is_some_and(|v| v == *format!("edit-{name}"))
        && let (Some(path), Some(text)) = (
            std::env::var_os("GIT_SESSION_FAILPOINT_PATH"),
            std::env::var("GIT_SESSION_FAILPOINT_TEXT").ok(),
        )
    {
        use std::io::Write;
        let file = std::fs::OpenOptions::new().append(true).open(path);
        if let Ok(mut f) = file {
            let _ = f.write_all(text.as_bytes());
        }
    }
}
