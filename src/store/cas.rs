//! Moving a ref by compare-and-swap, and the stale locks a killed process leaves behind.
//!
//! gix compares the expected value with a `packed-refs` snapshot it loaded *before* taking the
//! ref's lock (gix-ref 0.69 `file/transaction/prepare.rs`: the snapshot at line 319, the lock at
//! line 115, the fallback to the snapshot at line 35). `git pack-refs` writes the ref's current
//! value into `packed-refs` and then deletes the loose file; when that lands in between, gix
//! finds no loose file and compares with the old snapshot, so a stale expected value passes and
//! the commit in between is lost. We therefore look again ourselves while gix holds the lock,
//! the way git does (loose file, else a fresh read of `packed-refs`), before committing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gix::ObjectId;
use gix::lock::acquire::Fail;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::{CasOutcome, LOCK_WAIT, Result, SESSIONS_REF, STALE_LOCK, SessionsRef, StoreError};

/// How often a conflict that only a stale `packed-refs` snapshot reported is retried.
const STALE_SNAPSHOT_RETRIES: usize = 3;

/// Whether this process moved `refs/sessions` (see [`journal_moved`]).
static JOURNAL_MOVED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process has moved `refs/sessions` (a command's commit, or a merge it made):
/// what a command that then fails to print its answer can still say was committed.
pub fn journal_moved() -> bool {
    JOURNAL_MOVED.load(std::sync::atomic::Ordering::Relaxed)
}

impl SessionsRef<'_> {
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
    ///
    /// Waits at most [`LOCK_WAIT`] for the ref's lock and `packed-refs.lock`; a lock older than
    /// [`STALE_LOCK`] is removed and reported by [`SessionsRef::take_removed_locks`].
    pub fn cas_ref(
        &self,
        name: &str,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<CasOutcome> {
        // Whatever the new value leads to is on disk, complete and fsynced, before the ref moves.
        super::pack::flush(self.repo)?;
        let full: FullName = name
            .try_into()
            .map_err(|e| StoreError::git("ref name", e))?;
        // The reflog line's identity as commits get it (`identity`, stamped in UTC): gix's own
        // committer() computes local time by loading the whole time zone database (~2.5 ms).
        let who = self.identity().ok();
        let time = gix::date::Time::now_utc().to_string();
        let committer = who.as_ref().map(|w| gix::actor::SignatureRef {
            name: w.committer.0.as_str().into(),
            email: w.committer.1.as_str().into(),
            time: &time,
        });
        let started = Instant::now();
        let mut delay = Duration::from_millis(5);
        let mut stale_snapshots = 0;
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
                name: full.clone(),
                deref: false,
            };
            // Locks are waited for here, not inside gix, so that a stale one can be recognised.
            let prepared =
                self.repo
                    .refs
                    .transaction()
                    .prepare([edit], Fail::Immediately, Fail::Immediately);
            match prepared {
                Ok(transaction) => {
                    // gix holds `<name>.lock` now: nobody can change the ref until we commit or
                    // drop the transaction (`pack-refs` too takes it to delete the loose file).
                    if self.read_fresh(name, &full)? != expected.map(Target::Object) {
                        drop(transaction);
                        return Ok(CasOutcome::Lost);
                    }
                    transaction
                        .commit(committer)
                        .map_err(|e| StoreError::git(&format!("moving {name}"), e))?;
                    if name == SESSIONS_REF {
                        JOURNAL_MOVED.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    return Ok(CasOutcome::Moved(new));
                }
                // gix classifies a ref that moved (`ReferenceOutOfDate`) or that appeared where none
                // was expected (`MustNotExist`) as a conflict, and one that vanished as not found:
                // each is a lost race, unless gix's `packed-refs` snapshot was what was stale (its
                // staleness check compares modification times only, gix-fs `snapshot.rs:125`).
                Err(e) if e.is_conflict() || (e.is_not_found() && expected.is_some()) => {
                    let _ = self.repo.refs.force_refresh_packed_buffer();
                    let actual = self.read_fresh(name, &full)?;
                    if actual == expected.map(Target::Object)
                        && stale_snapshots < STALE_SNAPSHOT_RETRIES
                    {
                        stale_snapshots += 1;
                        continue;
                    }
                    return Ok(CasOutcome::Lost);
                }
                Err(e) if e.is_retryable() => {
                    let locks = self.lock_paths(name);
                    let cleared = self.clear_stale(&locks);
                    if started.elapsed() > LOCK_WAIT {
                        let held: Vec<PathBuf> = locks.into_iter().filter(|p| p.exists()).collect();
                        return Err(StoreError::RefLocked {
                            path: held
                                .into_iter()
                                .next()
                                .unwrap_or_else(|| self.lock_path(name)),
                            secs: LOCK_WAIT.as_secs(),
                        });
                    }
                    if !cleared {
                        std::thread::sleep(delay);
                        delay = (delay * 2).min(Duration::from_millis(100));
                    }
                }
                Err(e) => return Err(StoreError::git(&format!("moving {name}"), e)),
            }
        }
    }

    /// What `name` holds on disk, read as git reads it: the loose file if it exists and parses,
    /// else a fresh read of `packed-refs` (never a cached snapshot). Under the ref's lock this
    /// is the value nobody else can change.
    fn read_fresh(&self, name: &str, full: &FullName) -> Result<Option<Target>> {
        let path = self.repo.common_dir().join(name);
        let loose = match std::fs::read(&path) {
            Ok(bytes) => gix::refs::file::loose::Reference::try_from_path(
                full.clone(),
                &bytes,
                self.repo.object_hash(),
            )
            .ok(),
            Err(e) if is_absent(&e) => None,
            Err(e) => return Err(StoreError::git(&format!("reading {}", path.display()), e)),
        };
        if let Some(loose) = loose {
            return Ok(Some(loose.target));
        }
        let packed = self
            .repo
            .refs
            .open_packed_buffer()
            .map_err(|e| StoreError::git("reading packed-refs", e))?;
        let Some(packed) = packed else {
            return Ok(None);
        };
        let found = packed
            .try_find(full.as_ref())
            .map_err(|e| StoreError::git("reading packed-refs", e))?;
        Ok(found.map(|r| Target::Object(r.target())))
    }

    fn lock_path(&self, name: &str) -> PathBuf {
        self.repo.common_dir().join(format!("{name}.lock"))
    }

    /// Every lock a ref update may wait for: the ref's own and `packed-refs.lock`, which gix
    /// takes whenever it finds one (gix-ref `prepare.rs:312`), as `git pack-refs` leaves it.
    fn lock_paths(&self, name: &str) -> [PathBuf; 2] {
        [
            self.lock_path(name),
            self.repo.common_dir().join("packed-refs.lock"),
        ]
    }

    /// Remove the locks a killed process left behind around `name` (its `<name>.lock` and
    /// `packed-refs.lock`), so that a `git` this tool runs next (fetch, push) does not fail on
    /// them. Returns whether any was removed; each removal is reported by
    /// [`SessionsRef::take_removed_locks`].
    pub fn clear_stale_locks(&self, name: &str) -> bool {
        self.clear_stale(&self.lock_paths(name))
    }

    fn clear_stale(&self, locks: &[PathBuf]) -> bool {
        let mut cleared = false;
        for lock in locks {
            if let Some(age) = stale_age(lock)
                && std::fs::remove_file(lock).is_ok()
            {
                self.removed_locks.borrow_mut().push(format!(
                    "removed lock {} (untouched for {} s: taken for one left by a killed process; a live holder that slow loses it; see docs/security.md)",
                    lock.display(),
                    age.as_secs()
                ));
                cleared = true;
            }
        }
        cleared
    }

    /// One line per stale lock removed so far, for the caller to print as warnings.
    pub fn take_removed_locks(&self) -> Vec<String> {
        std::mem::take(&mut self.removed_locks.borrow_mut())
    }
}

/// The age of a lock file older than [`STALE_LOCK`]. git's lock files name no owner, but git
/// holds a ref lock for milliseconds and `packed-refs.lock` while it writes the file, so a lock
/// that has not been written for that long belongs to a process that died.
pub fn stale_age(lock: &Path) -> Option<Duration> {
    let modified = std::fs::symlink_metadata(lock).ok()?.modified().ok()?;
    // A modification time in the future is not evidence of anything: keep waiting.
    let age = modified.elapsed().ok()?;
    (age > STALE_LOCK).then_some(age)
}

fn is_absent(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), NotFound | IsADirectory | NotADirectory)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::super::tests::{TestRepo, commit_on};
    use super::*;

    fn moved(outcome: CasOutcome) -> ObjectId {
        match outcome {
            CasOutcome::Moved(id) => id,
            CasOutcome::Lost => panic!("expected the ref to move"),
        }
    }

    fn lost(outcome: CasOutcome) -> bool {
        matches!(outcome, CasOutcome::Lost)
    }

    #[test]
    fn cas_creates_moves_and_loses_to_a_stale_expectation() {
        let t = TestRepo::new();
        let repo = t.open();
        let store = SessionsRef::new(&repo);
        let a = commit_on(&store, None, &[("a.md", Some("a"))], "a");
        let b = commit_on(&store, Some(a), &[("b.md", Some("b"))], "b");
        let c = commit_on(&store, Some(b), &[("c.md", Some("c"))], "c");

        assert_eq!(
            moved(store.compare_and_swap(None, a, "log(x): a").expect("cas")),
            a
        );
        assert_eq!(t.git_tip(), Some(a));
        // The ref exists now: creating it again loses.
        assert!(lost(store.compare_and_swap(None, b, "b").expect("cas")));
        assert_eq!(
            moved(store.compare_and_swap(Some(a), b, "b").expect("cas")),
            b
        );
        // Expecting the old value loses and leaves the ref alone.
        assert!(lost(store.compare_and_swap(Some(a), c, "c").expect("cas")));
        assert_eq!(store.tip().expect("tip"), Some(b));
        assert_eq!(t.git_tip(), Some(b));
        // The reflog records the message's first line.
        let reflog = t.git(&["reflog", "show", "--format=%gs", SESSIONS_REF]);
        assert_eq!(reflog.lines().last(), Some("log(x): a"));
    }

    #[test]
    fn cas_loses_when_the_ref_vanished() {
        let t = TestRepo::new();
        let repo = t.open();
        let store = SessionsRef::new(&repo);
        let a = commit_on(&store, None, &[("a.md", Some("a"))], "a");
        let b = commit_on(&store, Some(a), &[("b.md", Some("b"))], "b");
        moved(store.compare_and_swap(None, a, "a").expect("cas"));
        t.git(&["update-ref", "-d", SESSIONS_REF]);
        assert!(lost(store.compare_and_swap(Some(a), b, "b").expect("cas")));
        assert_eq!(t.git_tip(), None);
    }

    #[test]
    fn cas_moves_a_ref_that_lives_only_in_packed_refs() {
        let t = TestRepo::new();
        let repo = t.open();
        let store = SessionsRef::new(&repo);
        let a = commit_on(&store, None, &[("a.md", Some("a"))], "a");
        let b = commit_on(&store, Some(a), &[("b.md", Some("b"))], "b");
        let c = commit_on(&store, Some(b), &[("c.md", Some("c"))], "c");
        moved(store.compare_and_swap(None, a, "a").expect("cas"));
        t.git(&["pack-refs", "--all"]);
        let loose = repo.common_dir().join(SESSIONS_REF);
        assert!(!loose.exists(), "pack-refs --all leaves no loose ref");

        assert!(lost(store.compare_and_swap(Some(b), c, "c").expect("cas")));
        assert!(lost(store.compare_and_swap(None, c, "c").expect("cas")));
        assert_eq!(t.git_tip(), Some(a));
        assert_eq!(
            moved(store.compare_and_swap(Some(a), b, "b").expect("cas")),
            b
        );
        assert_eq!(t.git_tip(), Some(b));
        assert_eq!(store.tip().expect("tip"), Some(b));

        // Packed again, then deleted by git: the vanished ref is a lost race, not a resurrection.
        t.git(&["pack-refs", "--all"]);
        t.git(&["update-ref", "-d", SESSIONS_REF]);
        assert!(lost(store.compare_and_swap(Some(b), c, "c").expect("cas")));
        assert_eq!(t.git_tip(), None);
        assert_eq!(moved(store.compare_and_swap(None, c, "c").expect("cas")), c);
        assert_eq!(t.git_tip(), Some(c));
    }

    #[test]
    fn a_stale_ref_lock_is_removed_but_a_fresh_one_is_kept() {
        let t = TestRepo::new();
        let repo = t.open();
        let store = SessionsRef::new(&repo);
        let lock = store.lock_path(SESSIONS_REF);
        assert_eq!(lock, repo.common_dir().join("refs/sessions.lock"));

        // No lock: nothing removed.
        assert!(!store.clear_stale_locks(SESSIONS_REF));

        let file = std::fs::File::create(&lock).expect("lock file");
        assert!(!store.clear_stale_locks(SESSIONS_REF));
        assert!(lock.exists(), "a fresh lock belongs to a live process");

        let old = SystemTime::now() - STALE_LOCK - Duration::from_secs(5);
        file.set_modified(old).expect("age the lock");
        assert!(store.clear_stale_locks(SESSIONS_REF));
        assert!(!lock.exists(), "a stale lock is removed");
        let removed = store.take_removed_locks();
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert!(removed[0].contains("refs/sessions.lock"), "{removed:?}");

        // Just younger than the limit still counts as held.
        let file = std::fs::File::create(&lock).expect("lock file");
        file.set_modified(SystemTime::now() - STALE_LOCK + Duration::from_secs(2))
            .expect("age the lock");
        assert!(!store.clear_stale_locks(SESSIONS_REF));
        assert!(lock.exists());
    }
}
