//! Moving a ref by compare-and-swap, and the stale locks a killed process leaves behind.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gix::ObjectId;
use gix::refs::Target;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::{CasOutcome, Result, SESSIONS_REF, STALE_LOCK, SessionsRef, StoreError};

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
                name: name
                    .try_into()
                    .map_err(|e| StoreError::git("ref name", e))?,
                deref: false,
            };
            match self.repo.edit_reference(edit) {
                Ok(_) => return Ok(CasOutcome::Moved(new)),
                // gix classifies a ref that moved (`ReferenceOutOfDate`) or that appeared where none
                // was expected (`MustNotExist`) as a conflict, and one that vanished as not found:
                // each is a lost race.
                Err(e) if e.is_conflict() => return Ok(CasOutcome::Lost),
                Err(e) if e.is_not_found() && expected.is_some() => return Ok(CasOutcome::Lost),
                Err(e) if e.is_retryable() => {
                    if started.elapsed() > STALE_LOCK {
                        if self.clear_stale_lock(name)? {
                            continue;
                        }
                        return Err(StoreError::RefLocked {
                            path: self.lock_path(name),
                            secs: STALE_LOCK.as_secs(),
                        });
                    }
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_millis(100));
                }
                Err(e) => return Err(StoreError::git(&format!("moving {name}"), e)),
            }
        }
    }

    fn lock_path(&self, name: &str) -> PathBuf {
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
    fn a_stale_ref_lock_is_removed_but_a_fresh_one_is_waited_for() {
        let t = TestRepo::new();
        let repo = t.open();
        let store = SessionsRef::new(&repo);
        let lock = store.lock_path(SESSIONS_REF);
        assert_eq!(lock, repo.common_dir().join("refs/sessions.lock"));

        // No lock: nothing to wait for.
        assert!(store.clear_stale_lock(SESSIONS_REF).expect("check"));

        let file = std::fs::File::create(&lock).expect("lock file");
        assert!(!store.clear_stale_lock(SESSIONS_REF).expect("check"));
        assert!(lock.exists(), "a fresh lock belongs to a live process");

        let old = SystemTime::now() - STALE_LOCK - Duration::from_secs(5);
        file.set_modified(old).expect("age the lock");
        assert!(store.clear_stale_lock(SESSIONS_REF).expect("check"));
        assert!(!lock.exists(), "a stale lock is removed");

        // Just younger than the limit still counts as held.
        let file = std::fs::File::create(&lock).expect("lock file");
        file.set_modified(SystemTime::now() - STALE_LOCK + Duration::from_secs(2))
            .expect("age the lock");
        assert!(!store.clear_stale_lock(SESSIONS_REF).expect("check"));
        assert!(lock.exists());
    }
}
