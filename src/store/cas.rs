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
