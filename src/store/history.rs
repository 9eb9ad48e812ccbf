//! Walking the journal's history: ancestry, merge bases, the commits that touched a session,
//! revisions, and the remote-tracking refs of fetched journals.

use gix::ObjectId;

use super::subject::CommitSubject;
use super::{Result, SessionsRef, StoreError};

impl SessionsRef<'_> {
    /// Whether `ancestor` is among the first `limit` commits reachable from `tip`.
    pub fn is_ancestor_within(
        &self,
        ancestor: ObjectId,
        tip: ObjectId,
        limit: usize,
    ) -> Result<bool> {
        if ancestor == tip {
            return Ok(true);
        }
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| StoreError::git("walking history", e))?;
        for info in walk.take(limit) {
            if info.map_err(|e| StoreError::git("walking history", e))?.id == ancestor {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// How many commits lie between `ancestor` and `tip` when `ancestor` is among the first
    /// `limit` commits reachable from `tip` (0 when they are the same); `None` otherwise.
    pub fn distance(&self, ancestor: ObjectId, tip: ObjectId, limit: usize) -> Option<usize> {
        let walk = self.repo.rev_walk([tip]).all().ok()?;
        for (n, info) in walk.take(limit).enumerate() {
            if info.ok()?.id == ancestor {
                return Some(n);
            }
        }
        None
    }

    /// The committer time of `commit`, in seconds since the epoch; 0 when it cannot be read.
    pub fn commit_seconds(&self, commit: ObjectId) -> i64 {
        self.repo
            .find_commit(commit)
            .ok()
            .and_then(|c| c.committer().ok().map(|s| s.seconds()))
            .unwrap_or(0)
    }

    /// Whether `ancestor` is reachable from `tip` (first and merge parents): their merge base
    /// is `ancestor` itself. The walk stops where the two histories meet, not at the root.
    pub fn is_ancestor(&self, ancestor: ObjectId, tip: ObjectId) -> Result<bool> {
        if ancestor == tip {
            return Ok(true);
        }
        Ok(self.merge_bases(ancestor, &[tip])?.contains(&ancestor))
    }

    /// Every best common ancestor of `a` and a (hypothetical) merge of all of `others`, best
    /// first (`git merge-base a o1 o2 …`, via gix-revision's paint-down-to-common over the
    /// commit-graph file when there is one); empty for unrelated histories.
    fn merge_bases(&self, a: ObjectId, others: &[ObjectId]) -> Result<Vec<ObjectId>> {
        let cache = self.repo.commit_graph_if_enabled().ok().flatten();
        let mut graph = self.repo.revision_graph(cache.as_ref());
        let bases = gix_revision::merge_base(a, others, &mut graph)
            .map_err(|e| StoreError::git("finding a merge base", e))?;
        Ok(bases.map(|b| b.into_iter().collect()).unwrap_or_default())
    }
}

/// One commit of `refs/sessions`, as `history` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitInfo {
    pub commit: String,
    /// Commit time, RFC 3339.
    pub at: String,
    /// The command from `<command>(<shortname>): <summary>`, when the subject has that shape.
    pub command: Option<String>,
    pub summary: String,
    pub subject: String,
}

impl SessionsRef<'_> {
    /// Commits reachable from `tip` (newest first) in which any of `paths` changed against every
    /// parent; `limit` bounds the walk.
    pub fn history(
        &self,
        tip: ObjectId,
        paths: &[String],
        limit: usize,
    ) -> Result<Vec<CommitInfo>> {
        let mut out = Vec::new();
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| StoreError::git("walking history", e))?;
        for (n, info) in walk.enumerate() {
            if n >= limit {
                break;
            }
            let info = info.map_err(|e| StoreError::git("walking history", e))?;
            let commit = self
                .repo
                .find_commit(info.id)
                .map_err(|e| StoreError::git("reading commit", e))?;
            let tree = commit
                .tree_id()
                .map_err(|e| StoreError::git("reading commit", e))?
                .detach();
            let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
            let ids = |t: ObjectId| -> Result<Vec<Option<ObjectId>>> {
                paths.iter().map(|p| self.entry_id(t, p)).collect()
            };
            let here = ids(tree)?;
            let touched = if parents.is_empty() {
                here.iter().any(Option::is_some)
            } else {
                let mut all_differ = true;
                for p in &parents {
                    if ids(self.tree_of(*p)?)? == here {
                        all_differ = false;
                    }
                }
                all_differ
            };
            if !touched {
                continue;
            }
            let message = commit.message_raw_sloppy().to_string();
            let subject = message.lines().next().unwrap_or_default().to_string();
            let (command, summary) = match CommitSubject::parse(&subject) {
                Some(s) => (Some(s.command.as_str().to_string()), s.summary),
                None => (None, subject.clone()),
            };
            let secs = commit.time().map(|t| t.seconds).unwrap_or(0);
            let at = chrono::DateTime::from_timestamp(secs, 0)
                .map(crate::model::time::rfc3339)
                .unwrap_or_default();
            out.push(CommitInfo {
                commit: info.id.to_string(),
                at,
                command,
                summary,
                subject,
            });
        }
        Ok(out)
    }

    /// Resolve a revision of `refs/sessions`: a full or abbreviated commit id from its history,
    /// or `HEAD~N` / `sessions~N` / `refs/sessions~N` (N first parents back from the tip).
    pub fn resolve_rev(&self, tip: ObjectId, rev: &str) -> Result<Option<ObjectId>> {
        for prefix in ["HEAD", "@", "sessions", "refs/sessions"] {
            if let Some(rest) = rev.strip_prefix(prefix) {
                let n: usize = if rest.is_empty() {
                    0
                } else if let Some(num) = rest.strip_prefix('~') {
                    if num.is_empty() {
                        1
                    } else {
                        num.parse()
                            .map_err(|_| StoreError::BadRevision(rev.to_string()))?
                    }
                } else if rest.chars().all(|c| c == '^') {
                    rest.len()
                } else {
                    continue;
                };
                let mut id = tip;
                for _ in 0..n {
                    let c = self
                        .repo
                        .find_commit(id)
                        .map_err(|e| StoreError::git("reading commit", e))?;
                    match c.parent_ids().next() {
                        Some(p) => id = p.detach(),
                        None => return Ok(None),
                    }
                }
                return Ok(Some(id));
            }
        }
        let hex = rev.to_ascii_lowercase();
        if hex.len() < 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::BadRevision(rev.to_string()));
        }
        let walk = self
            .repo
            .rev_walk([tip])
            .all()
            .map_err(|e| StoreError::git("walking history", e))?;
        let mut found = Vec::new();
        for info in walk {
            let info = info.map_err(|e| StoreError::git("walking history", e))?;
            if info.id.to_string().starts_with(&hex) {
                found.push(info.id);
            }
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found[0])),
            _ => Err(StoreError::AmbiguousRevision(rev.to_string())),
        }
    }
}

impl SessionsRef<'_> {
    /// The best common ancestor of `a` and a (hypothetical) merge of all of `others` (`git
    /// merge-base a o1 o2 …`); `None` when they share no history.
    pub fn merge_base_of_many(&self, a: ObjectId, others: &[ObjectId]) -> Result<Option<ObjectId>> {
        Ok(self.merge_bases(a, others)?.first().copied())
    }

    /// A best common ancestor of `a` and `b` (git's merge-base; the first when there are
    /// several). Any common ancestor keeps the journal merge lossless; the best one keeps it
    /// small, and finding it walks only back to where the histories meet.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>> {
        self.merge_base_of_many(a, &[b])
    }
}

impl SessionsRef<'_> {
    /// Does this commit look like a git-session journal: a subject one of our commands wrote and
    /// a tree with the layout's directories? Guards against merging a branch that happens to be
    /// called `sessions`.
    pub fn is_journal_commit(&self, commit: ObjectId) -> Result<bool> {
        let c = self
            .repo
            .find_commit(commit)
            .map_err(|e| StoreError::git("reading commit", e))?;
        if CommitSubject::parse(&c.message_raw_sloppy().to_string()).is_none() {
            return Ok(false);
        }
        let tree = self.tree_of(commit)?;
        Ok(self
            .list(tree, "")?
            .iter()
            .any(|e| e.is_tree && crate::layout::OWN_DIRS.contains(&e.name.as_str())))
    }
}

#[cfg(test)]
mod tests;
