//! `sync`: fetch a remote's journal, merge it into `refs/sessions`, push — over plain git
//! (`remote`); merging is `integrate`'s, on local objects only.

pub mod secrets;

use std::path::Path;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::integrate::Integrated;
use crate::remote::{self, PushOutcome, RemoteError};
use crate::store::{Peer, REMOTE_REF, SESSIONS_REF};
use crate::workspace::{Workspace, WorktreeLock};

/// How many times a rejected push is retried after fetching and merging again.
pub const PUSH_ATTEMPTS: usize = 5;

/// The remote git would push the current branch to, which `sync` also fetches from (the push
/// must fast-forward the journal there): `branch.<b>.pushRemote`, `remote.pushDefault`,
/// `branch.<b>.remote`, then `origin`, then the only remote (git-config(1), git-push(1)). A
/// setting that names no configured remote is passed over, as it names nothing to sync with.
pub fn default_remote(ws: &Workspace) -> Result<String> {
    let store = ws.store();
    let remotes = store.remote_names();
    let branch = store.head().0;
    let mut keys = Vec::new();
    if let Some(b) = &branch {
        keys.push(format!("branch.{b}.pushRemote"));
    }
    keys.push("remote.pushDefault".to_string());
    if let Some(b) = &branch {
        keys.push(format!("branch.{b}.remote"));
    }
    for key in keys {
        if let Some(r) = store.config_string(&key).filter(|r| remotes.contains(r)) {
            return Ok(r);
        }
    }
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    match remotes.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(RemoteError::NoRemote.into()),
        many => Err(RemoteError::SeveralRemotes(many.to_vec()).into()),
    }
}

/// What the user named: a configured remote, else a URL or path as `git fetch` accepts it. A path
/// that exists is made absolute, since git runs at the worktree's top, not where the user stands.
pub fn peer(ws: &Workspace, arg: &str, cwd: &Path) -> Peer {
    if ws.store().remote_names().iter().any(|r| r == arg) {
        return Peer::Remote(arg.to_string());
    }
    match std::fs::canonicalize(cwd.join(arg)) {
        Ok(path) if !arg.contains("://") => Peer::url(&path.to_string_lossy()),
        _ => Peer::url(arg),
    }
}

/// Whether `peer` is a path (or `file://` URL) naming this repository: its git directory, its
/// worktree top, or a directory inside the worktree that is no repository of its own (git
/// would find ours from there). Syncing with itself would merge nothing and push the journal
/// into its own `refs/git-session/sessions`.
pub fn is_itself(ws: &Workspace, peer: &Peer) -> bool {
    let Peer::Url { url, .. } = peer else {
        return false;
    };
    let Ok(path) = std::fs::canonicalize(url.strip_prefix("file://").unwrap_or(url)) else {
        return false;
    };
    let (Ok(common), Ok(top)) = (
        std::fs::canonicalize(ws.common_dir()),
        std::fs::canonicalize(ws.worktree()),
    ) else {
        return false;
    };
    if path.starts_with(&common)
        || std::fs::canonicalize(path.join(".git")).is_ok_and(|g| g == common)
    {
        return true;
    }
    // From `path` up to the worktree top, no directory may be a repository of its own.
    let own_repo = |d: &Path| {
        d.join(".git").exists() || (d.join("HEAD").is_file() && d.join("objects").is_dir())
    };
    path.starts_with(&top)
        && path
            .ancestors()
            .take_while(|d| *d != top)
            .all(|d| !own_repo(d))
}

/// What one fetch found.
pub struct Fetched {
    /// The tracking refs' tips: empty when the remote shows no journal.
    pub tips: Vec<ObjectId>,
    /// Whether the remote showed its `refs/git-session/sessions` (what machines push).
    pub pushed_ref_shown: bool,
}

/// Fetch the peer's journal into its tracking ref (`Peer::tracking_ref`); empty when it has
/// none. A remote that is itself a working repository has its own `refs/sessions`
/// (authoritative there, and it merges what others pushed on its next command) as well as what
/// was pushed to it: both are fetched, the pushed one into the `sessions-pushed` tracking ref.
/// A tracking ref that already holds the commit `ls-remote` reported, with every object of its
/// tree, is not fetched again, so a sync that finds nothing new costs one connection fewer.
///
/// A tracking ref whose blobs are missing (a plain, filtered `git fetch` in a partial clone) is
/// fetched again whole; if that brings nothing (git believes it has the commit, and a promisor
/// pack claims the rest), once more with `--refetch`.
pub fn fetch(ws: &Workspace, peer: &Peer) -> Result<Fetched> {
    ws.store().move_nested_tracking_refs()?;
    let (sessions, pushed) = remote::journal_refs(ws.worktree(), peer.arg())?;
    let wanted = match (sessions, pushed) {
        (Some(s), Some(p)) => vec![
            (SESSIONS_REF, s, peer.tracking_ref(false)),
            (REMOTE_REF, p, peer.tracking_ref(true)),
        ],
        (Some(s), None) => vec![(SESSIONS_REF, s, peer.tracking_ref(false))],
        (None, Some(p)) => vec![(REMOTE_REF, p, peer.tracking_ref(false))],
        (None, None) => {
            return Ok(Fetched {
                tips: Vec::new(),
                pushed_ref_shown: false,
            });
        }
    };
    let mut specs = Vec::new();
    for (theirs, id, ours) in &wanted {
        // A tracking ref that cannot be read is fetched again (the fetch forces it).
        if ws.store().tip_of(ours).ok().flatten() != Some(*id) || incomplete(ws, *id) {
            specs.push(format!("+{theirs}:{ours}"));
        }
    }
    if !specs.is_empty() {
        for note in remote::fetch(ws.worktree(), peer.arg(), &specs, false)? {
            ws.warn(note);
        }
        let still_incomplete = wanted.iter().any(|(_, _, ours)| {
            ws.store()
                .tip_of(ours)
                .ok()
                .flatten()
                .is_some_and(|id| incomplete(ws, id))
        });
        if still_incomplete {
            remote::fetch(ws.worktree(), peer.arg(), &specs, true)?;
        }
    }
    let mut tips = Vec::new();
    for (_, _, ours) in wanted {
        if let Some(id) = ws.store().tip_of(&ours)? {
            tips.push(id);
        }
    }
    Ok(Fetched {
        tips,
        pushed_ref_shown: pushed.is_some(),
    })
}

/// Whether the journal at commit `id` lacks objects of its tree (blobs a filtered fetch left
/// out). Subtrees equal to the local journal's are not walked. A commit that cannot be read
/// counts as incomplete.
pub fn incomplete(ws: &Workspace, id: ObjectId) -> bool {
    use crate::store::gate::{Refusal, Rule};
    let store = ws.store();
    let Ok(tree) = store.tree_of(id) else {
        return true;
    };
    let trusted = store
        .tip()
        .ok()
        .flatten()
        .and_then(|t| store.tree_of(t).ok());
    matches!(
        store.check_incoming_tree(tree, trusted),
        Ok(Some(Refusal {
            rule: Rule::Missing(_),
            ..
        }))
    )
}

/// What a sync did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub remote: String,
    pub fetched: bool,
    pub merge: String,
    pub conflicts: Vec<String>,
    pub pushed: bool,
    pub push_attempts: usize,
}

/// Fetch, merge, and (unless `no_push`) push, retrying a push that lost a race. The network
/// runs without the worktree lock, so a stalled remote holds up no other command or hook in
/// this worktree; the lock is taken only to merge and to record what was merged or pushed.
pub fn sync(ws: &Workspace, peer: &Peer, no_push: bool) -> Result<Report> {
    let remote = peer.arg();
    let key = peer.key();
    let mut report = Report {
        remote: remote::redact(remote),
        ..Report::default()
    };
    for attempt in 1..=PUSH_ATTEMPTS {
        let Fetched {
            tips,
            pushed_ref_shown,
        } = fetch(ws, peer)?;
        if tips.is_empty() && report.merge.is_empty() {
            report.merge = "the remote has no journal yet".into();
        }
        if !tips.is_empty() {
            let lock = ws.lock()?;
            merge(ws, &lock, &key, tips.clone(), &mut report)?;
        }
        let Some(local) = ws.store().tip()? else {
            return Ok(report);
        };
        if no_push {
            return Ok(report);
        }
        report.push_attempts = attempt;
        guard(ws, remote, local, &tips)?;
        let name = match peer {
            Peer::Remote(name) => Some(name.as_str()),
            Peer::Url { .. } => None,
        };
        match remote::push_journal(ws.worktree(), remote, name, local)? {
            PushOutcome::Pushed => {
                let tracking = peer.tracking_ref(false);
                let old = ws.store().tip_of(&tracking)?;
                if old != Some(local) {
                    let _ = ws.store().cas_ref(&tracking, old, local, "sync: pushed");
                }
                let _lock = ws.lock()?;
                ws.mirror().set_merged_remote(&key, local)?;
                report.pushed = true;
                return Ok(report);
            }
            // The remote showed no journal to fetch but has one to push onto: either another
            // machine pushed the first journal just now (a race: it shows now), or the remote
            // hides it from fetch (`uploadpack.hideRefs`), and no retry can ever win.
            PushOutcome::LostRace if !pushed_ref_shown => {
                if remote::journal_refs(ws.worktree(), remote)?.1.is_none() {
                    return Err(RemoteError::HiddenJournal {
                        remote: remote::redact(remote),
                    }
                    .into());
                }
            }
            PushOutcome::LostRace => {}
            PushOutcome::SecretsRefused { forge, lines } => {
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                let hits = secrets::forge_findings(&refs)
                    .into_iter()
                    .map(|(path, line, rule)| Hit {
                        path: format!(".sessions/{}", secrets::tree_path(&path)),
                        line,
                        rule,
                    })
                    .collect();
                return Err(Error::SecretsBlocked(Blocked {
                    remote: remote::redact(remote),
                    forge: Some(forge),
                    hits,
                    forge_lines: lines,
                }));
            }
            PushOutcome::Refused(reason) => {
                return Err(RemoteError::PushRefused {
                    remote: remote::redact(remote),
                    reason,
                }
                .into());
            }
        }
    }
    Err(RemoteError::KeptMoving {
        remote: remote::redact(remote),
        attempts: PUSH_ATTEMPTS,
    }
    .into())
}

/// Merge the fetched tips into `refs/sessions`, under the worktree lock.
fn merge(
    ws: &Workspace,
    lock: &WorktreeLock,
    key: &str,
    tips: Vec<ObjectId>,
    report: &mut Report,
) -> Result<()> {
    for theirs in tips {
        report.fetched = true;
        let outcome = ws.integrate(lock, theirs, key)?;
        ws.mirror().set_merged_remote(key, theirs)?;
        match outcome {
            Integrated::UpToDate => {
                if report.merge.is_empty() {
                    report.merge = "up to date".into();
                }
            }
            Integrated::Adopted(_) => report.merge = "adopted the remote journal".into(),
            Integrated::FastForward(_) => report.merge = "fast-forwarded".into(),
            Integrated::Merged { conflicts, .. } => {
                report.merge = "merged".into();
                report.conflicts.extend(conflicts);
            }
        }
    }
    Ok(())
}

/// One secret a push would send: where, and which rule (ours, or the forge's name for it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// The file as the user sees it: `.sessions/<path in the journal's tree>`.
    pub path: String,
    /// 1-based; `None` when a forge named the file only.
    pub line: Option<usize>,
    pub rule: String,
}

impl std::fmt::Display for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path, self.rule),
            None => write!(f, "{}: {}", self.path, self.rule),
        }
    }
}

/// A push stopped for secrets, by the guard (`forge: None`) or by the forge's push protection.
#[derive(Debug)]
pub struct Blocked {
    pub remote: String,
    pub forge: Option<&'static str>,
    pub hits: Vec<Hit>,
    /// The forge's own lines (its refusal), shown when it named no file.
    pub forge_lines: Vec<String>,
}

impl Blocked {
    /// The first part of the error line: who stopped the push and how many secrets.
    pub fn summary(&self) -> String {
        let n = self.hits.len();
        match self.forge {
            None => format!(
                "{n} possible secret(s) in what would be pushed to {}, first {}",
                self.remote,
                self.hits.first().map(Hit::to_string).unwrap_or_default()
            ),
            Some(forge) if n > 0 => format!(
                "{} refused the push ({forge}): {n} secret(s), first {}",
                self.remote, self.hits[0]
            ),
            Some(forge) => format!(
                "{} refused the push ({forge}): {}",
                self.remote,
                self.forge_lines
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        }
    }
}

/// The secret guard: refuse to push `local` when a file it would bring to the remote holds a
/// secret. Only what the remote lacks is read: the files of `local`'s tree that differ from
/// the remote's journal (`theirs`, the tips just fetched; everything at the first push), and in
/// such a file only matches its remote version does not hold already. Matches the allow-list
/// (`session.secrets.allow`) names pass.
///
/// The tree, not the history, is read: commits before a redaction still hold what it removed
/// (docs/security.md says how to rewrite them).
fn guard(ws: &Workspace, remote: &str, local: ObjectId, theirs: &[ObjectId]) -> Result<()> {
    let store = ws.store();
    let tree = store.tree_of(local)?;
    let bases: Vec<ObjectId> = theirs
        .iter()
        .filter_map(|t| store.tree_of(*t).ok())
        .collect();
    let (allow, bad) = secrets::AllowList::parse(&store.config_strings("session.secrets.allow"));
    for b in bad {
        ws.warn(format!(
            "session.secrets.allow: '{b}' is neither <path>:<rule> nor <path>:<line>:<rule>; ignored"
        ));
    }
    let mut hits = Vec::new();
    for changed in store.diff(bases.first().copied(), tree)? {
        let Some(id) = changed.new else { continue };
        // The same file where the remote keeps it: under the path, or moved between active/
        // and archive/ by a close or a reopen.
        let moved = changed
            .path
            .strip_prefix("active/")
            .map(|r| format!("archive/{r}"))
            .or_else(|| {
                changed
                    .path
                    .strip_prefix("archive/")
                    .map(|r| format!("active/{r}"))
            });
        let mut known = Vec::new();
        for base in &bases {
            for path in std::iter::once(&changed.path).chain(moved.as_ref()) {
                if let Some(old) = store.entry_id(*base, path)? {
                    known.push(old);
                }
            }
        }
        if known.contains(&id) {
            continue;
        }
        let bytes = store.blob(id)?;
        let text = String::from_utf8_lossy(&bytes);
        let found = secrets::scan(&text);
        if found.is_empty() {
            continue;
        }
        let mut olds = Vec::new();
        for old in known {
            olds.push(String::from_utf8_lossy(&store.blob(old)?).into_owned());
        }
        for f in found {
            let secret = &text[f.range.clone()];
            if olds.iter().any(|o| o.contains(secret))
                || allow.allows(&changed.path, f.line, f.rule)
            {
                continue;
            }
            hits.push(Hit {
                path: format!(".sessions/{}", changed.path),
                line: Some(f.line),
                rule: f.rule.to_string(),
            });
        }
    }
    if hits.is_empty() {
        return Ok(());
    }
    Err(Error::SecretsBlocked(Blocked {
        remote: remote::redact(remote),
        forge: None,
        hits,
        forge_lines: Vec::new(),
    }))
}
