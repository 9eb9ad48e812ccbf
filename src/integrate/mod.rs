//! Integrating another journal history (a fetched remote tip) into `refs/sessions`: adopt it when
//! there is no local journal, fast-forward when it contains ours, else a merge commit with both
//! parents whose tree is `trees::merge_journals`. Ref-level only: the mirror follows afterwards.

#[cfg(test)]
mod tests;
mod trees;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::layout::PathKind;
use crate::store::{CasOutcome, CommitSubject, JournalCommand, SessionsRef, StoreError};

pub use crate::journal::EntryWriter;
pub use trees::{TreeMerge, merge_journals};

/// How many times integrating redoes its work after another process moved the ref.
const MAX_ATTEMPTS: usize = 64;

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

/// Merge `theirs` into `refs/sessions`; `label` names where it came from (a remote) in commit
/// subjects, reflog lines and conflict messages. Refuses a commit that is not a journal.
pub fn integrate(
    store: &SessionsRef,
    theirs: ObjectId,
    label: &str,
    writer: &EntryWriter,
) -> Result<Integrated> {
    admissible(store, theirs, label)?;
    for _ in 0..MAX_ATTEMPTS {
        let local = store.tip()?;
        let (expected, new, outcome): (Option<ObjectId>, ObjectId, fn(ObjectId) -> Integrated) =
            match local {
                None => (None, theirs, Integrated::Adopted),
                Some(l) if store.is_ancestor(theirs, l)? => return Ok(Integrated::UpToDate),
                Some(l) if store.is_ancestor(l, theirs)? => {
                    (Some(l), theirs, Integrated::FastForward)
                }
                Some(l) => {
                    let (commit, conflicts) = merge_commit(store, l, theirs, label, writer)?;
                    match store.compare_and_swap(
                        Some(l),
                        commit,
                        &format!("sync: merge {label}"),
                    )? {
                        CasOutcome::Moved(commit) => {
                            return Ok(Integrated::Merged { commit, conflicts });
                        }
                        CasOutcome::Lost => continue,
                    }
                }
            };
        let reflog = match expected {
            None => format!("sync: adopt {label}"),
            Some(_) => format!("sync: fast-forward to {label}"),
        };
        match store.compare_and_swap(expected, new, &reflog)? {
            CasOutcome::Moved(id) => return Ok(outcome(id)),
            CasOutcome::Lost => continue,
        }
    }
    Err(Error::TooManyRetries(MAX_ATTEMPTS))
}

/// Refuse `theirs` unless it is a journal commit whose tree passes the store's gate: what
/// `integrate` checks first, for a caller that must check several before merging any.
pub fn admissible(store: &SessionsRef, theirs: ObjectId, label: &str) -> Result<()> {
    if !store.is_journal_commit(theirs)? {
        return Err(Error::NotAJournal {
            label: label.to_string(),
            commit: theirs,
        });
    }
    gate(store, theirs, label)
}

/// Refuse `theirs` unless its tree passes the store's gate. Checked once, before any outcome
/// (adopt, fast-forward, merge): the local tip only serves to skip subtrees it already holds, so
/// the answer does not depend on which tip a retry sees.
fn gate(store: &SessionsRef, theirs: ObjectId, label: &str) -> Result<()> {
    let trusted = store.tip()?.map(|t| store.tree_of(t)).transpose()?;
    match store.check_incoming_tree(store.tree_of(theirs)?, trusted)? {
        None => Ok(()),
        Some(refusal) => Err(Error::RefusedTree {
            label: label.to_string(),
            refusal,
        }),
    }
}

/// Write the merge commit of `ours` and `theirs` (not moved to yet); returns it and what needed
/// both versions.
fn merge_commit(
    store: &SessionsRef,
    ours: ObjectId,
    theirs: ObjectId,
    label: &str,
    writer: &EntryWriter,
) -> Result<(ObjectId, Vec<String>)> {
    if writer.author.is_none() {
        return Err(StoreError::NoIdentity.into());
    }
    let base = store.merge_base(ours, theirs)?;
    // Either side (or the base) may still have the flat layout: merged in the fanout layout,
    // which is what the result has (decision 50).
    let relayout = |c: ObjectId| store.tree_of(c).and_then(|t| store.relayout(t));
    let base_tree = base.map(relayout).transpose()?;
    let (ours_tree, theirs_tree) = (relayout(ours)?, relayout(theirs)?);
    let mut m = merge_journals(store, base_tree, ours_tree, theirs_tree, writer, label)?;
    // The listing index is merged by regenerating it from the merged session files.
    let index = crate::listing::index_changes(store, ours_tree, &m.changes)?;
    m.changes.extend(index);
    let tree = store.write_tree(ours_tree, &m.changes)?;
    let kinds: Vec<PathKind> = m.changes.keys().map(|p| PathKind::of(p)).collect();
    let sessions = kinds
        .iter()
        .filter(|k| matches!(k, PathKind::Session(_)))
        .count();
    let entries = kinds
        .iter()
        .filter(|k| matches!(k, PathKind::Entry { .. }))
        .count();
    let subject = CommitSubject::new(
        JournalCommand::Sync,
        label,
        &format!("merge {sessions} session files and {entries} entries from {label}"),
    );
    let commit = store.write_commit(&subject, tree, &[ours, theirs])?;
    Ok((commit, m.conflicts))
}
