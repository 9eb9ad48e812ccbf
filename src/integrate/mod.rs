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
/// subjects, reflog lines and conflict messages. Refuses a commit that is not a journal. One
/// history's case of `integrate_many`.
pub fn integrate(
    store: &SessionsRef,
    theirs: ObjectId,
    label: &str,
    writer: &EntryWriter,
) -> Result<Integrated> {
    admissible(store, theirs, label)?;
    let mut outcomes = integrate_many(store, &[(label.to_string(), theirs)], writer)?;
    Ok(outcomes
        .pop()
        .map(|(_, o)| o)
        .unwrap_or(Integrated::UpToDate))
}

/// Merge several fetched histories (`(label, commit)`, each already `admissible`) into
/// `refs/sessions` with at most one new commit: those contained in the local journal or in
/// another of them are up to date; a single one that contains the local journal is a
/// fast-forward; otherwise one merge commit whose parents are the local tip and every history
/// not contained in another (git's octopus shape). Each history is merged into the result so
/// far against its merge base with everything merged before it (`git merge-base h p1 p2 …`),
/// so changes two histories share are not seen twice. Returns what happened to each, in the
/// order given. The ref moves by compare-and-swap; on a lost race the work is redone.
pub fn integrate_many(
    store: &SessionsRef,
    tips: &[(String, ObjectId)],
    writer: &EntryWriter,
) -> Result<Vec<(String, Integrated)>> {
    for _ in 0..MAX_ATTEMPTS {
        let local = store.tip()?;
        // The histories to merge, each not contained in the local tip or another of them.
        let mut heads: Vec<(String, ObjectId)> = Vec::new();
        for (label, id) in tips {
            if local.is_some_and(|l| *id == l)
                || local.map(|l| store.is_ancestor(*id, l)).transpose()? == Some(true)
            {
                continue;
            }
            let mut contained = false;
            for (_, h) in &heads {
                if *h == *id || store.is_ancestor(*id, *h)? {
                    contained = true;
                    break;
                }
            }
            if contained {
                continue;
            }
            let mut kept = Vec::new();
            for (l, h) in heads {
                if !store.is_ancestor(h, *id)? {
                    kept.push((l, h));
                }
            }
            heads = kept;
            heads.push((label.clone(), *id));
        }
        let outcome_of = |label: &str, o: Integrated| {
            tips.iter()
                .map(|(l, _)| {
                    let mine = if l == label {
                        o.clone()
                    } else {
                        Integrated::UpToDate
                    };
                    (l.clone(), mine)
                })
                .collect::<Vec<_>>()
        };
        // What the merge starts from: the local tip, or the one head that contains it.
        let start = match local {
            None => heads.first().map(|(_, h)| *h),
            Some(l) => {
                let mut start = l;
                for (_, h) in &heads {
                    if store.is_ancestor(l, *h)? && !drops_journal(store, l, *h)? {
                        start = *h;
                        break;
                    }
                }
                Some(start)
            }
        };
        let Some(start) = start else {
            return Ok(outcome_of("", Integrated::UpToDate));
        };
        let rest: Vec<&(String, ObjectId)> = heads.iter().filter(|(_, h)| *h != start).collect();
        if rest.is_empty() {
            // Nothing to merge: up to date, or a fast-forward (adoption) to `start`.
            if Some(start) == local {
                return Ok(outcome_of("", Integrated::UpToDate));
            }
            let label = heads
                .iter()
                .find(|(_, h)| *h == start)
                .map(|(l, _)| l.clone())
                .unwrap_or_default();
            let (reflog, outcome): (String, fn(ObjectId) -> Integrated) = match local {
                None => (format!("sync: adopt {label}"), Integrated::Adopted),
                Some(_) => (
                    format!("sync: fast-forward to {label}"),
                    Integrated::FastForward,
                ),
            };
            match store.compare_and_swap(local, start, &reflog)? {
                CasOutcome::Moved(id) => return Ok(outcome_of(&label, outcome(id))),
                CasOutcome::Lost => continue,
            }
        }
        if writer.author.is_none() {
            return Err(StoreError::NoIdentity.into());
        }
        let relayout = |c: ObjectId| store.tree_of(c).and_then(|t| store.relayout(t));
        let mut parents = vec![start];
        let mut tree = relayout(start)?;
        let mut conflicts: Vec<(String, Vec<String>)> = Vec::new();
        let (mut sessions, mut entries) = (0, 0);
        for (label, head) in &rest {
            let base = store.merge_base_of_many(*head, &parents)?;
            let base_tree = base.map(relayout).transpose()?;
            let theirs_tree = relayout(*head)?;
            let mut m = merge_journals(store, base_tree, tree, theirs_tree, writer, label)?;
            let index = crate::listing::index_changes(store, tree, &m.changes)?;
            m.changes.extend(index);
            for p in m.changes.keys() {
                match PathKind::of(p) {
                    PathKind::Session(_) => sessions += 1,
                    PathKind::Entry { .. } => entries += 1,
                    _ => {}
                }
            }
            tree = store.write_tree(tree, &m.changes)?;
            parents.push(*head);
            conflicts.push((label.clone(), m.conflicts));
        }
        let labels: Vec<&str> = rest.iter().map(|(l, _)| l.as_str()).collect();
        let scope = common_label(&labels);
        let from = if labels.len() == 1 {
            labels[0].to_string()
        } else {
            format!("{} journals of {scope}", labels.len())
        };
        let subject = CommitSubject::new(
            JournalCommand::Sync,
            &scope,
            &format!("merge {sessions} session files and {entries} entries from {from}"),
        );
        let commit = store.write_commit(&subject, tree, &parents)?;
        match store.compare_and_swap(local, commit, &format!("sync: merge {from}"))? {
            CasOutcome::Moved(commit) => {
                return Ok(tips
                    .iter()
                    .map(|(l, _)| {
                        let o = match conflicts.iter().find(|(c, _)| c == l) {
                            Some((_, c)) => Integrated::Merged {
                                commit,
                                conflicts: c.clone(),
                            },
                            None if heads.iter().any(|(h, id)| h == l && *id == start) => {
                                Integrated::FastForward(start)
                            }
                            None => Integrated::UpToDate,
                        };
                        (l.clone(), o)
                    })
                    .collect());
            }
            CasOutcome::Lost => continue,
        }
    }
    Err(Error::TooManyRetries(MAX_ATTEMPTS))
}

/// Whether `theirs` (a descendant of `ours`) has dropped a session file or a journal entry that
/// `ours` holds, without the session reappearing under its short id (a close, a resume, a hand
/// rename). No command does that, so such a history is merged, not fast-forwarded to, and the
/// merge keeps what it dropped (decision 129).
fn drops_journal(store: &SessionsRef, ours: ObjectId, theirs: ObjectId) -> Result<bool> {
    let relayout = |c: ObjectId| store.tree_of(c).and_then(|t| store.relayout(t));
    let (ours_tree, theirs_tree) = (relayout(ours)?, relayout(theirs)?);
    let mut sessions = None;
    for c in store.diff(Some(ours_tree), theirs_tree)? {
        if c.new.is_some() || c.old.is_none() {
            continue;
        }
        match PathKind::of(&c.path) {
            PathKind::Entry { .. } => return Ok(true),
            PathKind::Session(s) => {
                let by_short = match &sessions {
                    Some(m) => m,
                    None => sessions.insert(trees::shorts(store, theirs_tree)?),
                };
                if !by_short.contains(&s.short) {
                    return Ok(true);
                }
            }
            _ => {}
        }
    }
    Ok(false)
}

/// The label of one history; for several, what every label shares before its first `/`
/// (`origin` for `origin/clones/a` and `origin`), else the first label.
fn common_label(labels: &[&str]) -> String {
    let first = labels.first().copied().unwrap_or_default();
    if labels.len() == 1 {
        return first.to_string();
    }
    let root = first.split('/').next().unwrap_or_default();
    if labels.iter().all(|l| l.split('/').next() == Some(root)) {
        root.to_string()
    } else {
        first.to_string()
    }
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
