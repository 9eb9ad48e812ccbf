//! `sync`: fetch a remote's journal, merge it into `refs/sessions`, push — over plain git
//! (`remote`); merging is `integrate`'s, on local objects only.

pub mod secrets;

use std::path::Path;

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::integrate::Integrated;
use crate::remote::{self, PushOutcome, RemoteError};
use crate::store::{CLONES_PREFIX, Peer, REMOTE_REF};
use crate::workspace::{Workspace, WorktreeLock};

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
    /// The peer's tracking refs and their tips (`(key, commit)`, keys as
    /// `SessionsRef::tracking_refs` names them): empty when the remote shows no journal.
    pub tips: Vec<(String, ObjectId)>,
    /// Whether the remote showed its shared `refs/git-session/sessions`.
    pub shared_ref_shown: bool,
    /// Whether the remote showed this clone's own ref.
    pub own_ref_shown: bool,
    /// A ref the remote holds below this clone's ref name (`refs/git-session/clones/<id>/…`),
    /// which keeps that ref from being created (git's directory/file conflict).
    pub below_own: Option<String>,
}

/// Fetch every journal of the peer into its tracking refs (`Peer::fetch_refspecs`) in one `git
/// fetch`: the shared `refs/git-session/sessions`, each clone's `refs/git-session/clones/<id>`
/// and, when the remote is itself a working repository, its `refs/sessions` (authoritative
/// there; it merges what others pushed on its next command). With protocol v2 the server lists
/// only those prefixes; git itself skips what the tracking refs already hold, so a sync that
/// finds nothing new moves no objects, and `--prune` drops tracking refs of refs the remote no
/// longer shows (they were merged when fetched).
///
/// A tracking ref whose blobs are missing (a plain, filtered `git fetch` in a partial clone) is
/// fetched again whole; if that brings nothing (git believes it has the commit, and a promisor
/// pack claims the rest), once more with `--refetch`.
pub fn fetch(ws: &Workspace, peer: &Peer, clone_id: &str) -> Result<Fetched> {
    let store = ws.store();
    store.move_nested_tracking_refs()?;
    for note in remote::fetch(
        ws.worktree(),
        peer.arg(),
        &peer.fetch_refspecs(),
        false,
        true,
    )? {
        ws.warn(note);
    }
    // A journal merged already was complete then; only the others are walked for missing
    // objects (the gate walks them again before merging: subtrees the local tip holds are
    // skipped both times).
    let merged = ws.mirror().merged_remotes()?;
    let incomplete_specs: Vec<String> = store
        .peer_tracking_refs(peer)?
        .iter()
        .filter(|(name, id)| {
            peer.tracking_key(name)
                .and_then(|k| merged.get(&k).copied())
                != Some(*id)
                && incomplete(ws, *id)
        })
        .filter_map(|(name, _)| Some(format!("+{}:{name}", peer.tracked_remote_ref(name)?)))
        .collect();
    if !incomplete_specs.is_empty() {
        remote::fetch(ws.worktree(), peer.arg(), &incomplete_specs, false, false)?;
        let still = store
            .peer_tracking_refs(peer)?
            .iter()
            .any(|(_, id)| incomplete(ws, *id));
        if still {
            remote::fetch(ws.worktree(), peer.arg(), &incomplete_specs, true, false)?;
        }
    }
    let refs = store.peer_tracking_refs(peer)?;
    let shared = peer.tracking_ref(false);
    let own = peer.clone_tracking_ref(clone_id);
    let below_own = store
        .refs_under(&format!("{own}/"))?
        .into_iter()
        .next()
        .map(|(name, _)| format!("{CLONES_PREFIX}{clone_id}{}", &name[own.len()..]));
    Ok(Fetched {
        below_own,
        shared_ref_shown: refs.iter().any(|(n, _)| *n == shared),
        own_ref_shown: refs.iter().any(|(n, _)| *n == own),
        tips: refs
            .into_iter()
            .filter_map(|(name, id)| Some((peer.tracking_key(&name)?, id)))
            .collect(),
    })
}

/// This repository's clone id: `session.cloneId` (git config), written once with a random
/// 12-hex-digit value by the first `sync` that pushes. `git clone` does not copy it, so every
/// clone gets its own; worktrees of one repository share it, as they share `refs/sessions`. A
/// repository copied whole (`cp -r`) shares its original's id: the two then race for one ref,
/// and the retries below resolve it (decision 127).
///
/// Errors: a value that is not one valid ref name component (git-check-ref-format(1)).
pub fn clone_id(ws: &Workspace) -> Result<String> {
    const KEY: &str = "session.cloneId";
    // A ref is a file on most remotes: its name and `.lock` must fit in 255 bytes.
    let valid = |id: &str| crate::store::ref_component(id) && id.len() <= 100;
    // Only this repository's own config: a value in ~/.gitconfig would give every clone of
    // every repository one ref, and their journals would race for it (decision 140).
    let (own, elsewhere) = ws.store().config_string_own(KEY);
    if elsewhere && own.is_none() {
        ws.warn(format!(
            "{KEY} in your global or system git config is ignored: every clone needs its own (git config --local {KEY} <name>)"
        ));
    }
    if let Some(id) = own {
        if valid(&id) {
            return Ok(id);
        }
        return Err(Error::Usage(format!(
            "{KEY} '{id}' cannot be a ref name component of at most 100 bytes (refs/git-session/clones/<id>); set another with: git config {KEY} <name>"
        )));
    }
    let b = uuid::Uuid::now_v7().into_bytes();
    let id: String = b[10..16].iter().map(|x| format!("{x:02x}")).collect();
    let set = crate::gitproc::command(ws.worktree())
        .args(["config", "--local", KEY, &id])
        .output();
    if set.as_ref().is_ok_and(|o| o.status.success()) {
        return Ok(id);
    }
    // Another worktree of this repository may have written it at the same moment.
    let got = crate::gitproc::command(ws.worktree())
        .args(["config", "--local", "--get", KEY])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|id| valid(id));
    got.ok_or_else(|| {
        let why = match set {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        Error::Usage(format!("could not record {KEY} with git config: {why}"))
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
    /// This clone's ref on the remote (`refs/git-session/clones/<id>`), when it pushed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone_ref: Option<String>,
    /// Whether the shared `refs/git-session/sessions` took the push too (another machine may
    /// have moved it first; the next sync brings it along).
    pub shared_ref_pushed: bool,
}

/// How long `sync` keeps fetching, merging and pushing again after a lost race before it gives
/// up (decision 128). Only a clone's own ref counts, which only a copy of this repository (or
/// another worktree of it, syncing at the same moment) can move; the waits between attempts
/// are random, doubling from 100 ms up to 2 s, so that racers spread apart.
pub const RETRY_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// Fetch, merge, and (unless `no_push`) push, retrying a push that lost a race. The network
/// runs without the worktree lock, so a stalled remote holds up no other command or hook in
/// this worktree; the lock is taken only to merge and to record what was merged or pushed.
pub fn sync(ws: &Workspace, peer: &Peer, no_push: bool) -> Result<Report> {
    let remote = peer.arg();
    let mut report = Report {
        remote: remote::redact(remote),
        ..Report::default()
    };
    // Fetching alone needs no id, and must not write one (`sync.auto` at session start).
    let clone_id = if no_push {
        String::new()
    } else {
        clone_id(ws)?
    };
    let clone_ref = format!("{CLONES_PREFIX}{clone_id}");
    let started = std::time::Instant::now();
    let mut wait = std::time::Duration::from_millis(100);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut last_lock: Option<String> = None;
        let Fetched {
            tips,
            shared_ref_shown,
            own_ref_shown,
            below_own: below,
        } = fetch(ws, peer, &clone_id)?;
        if tips.is_empty() && report.merge.is_empty() {
            report.merge = "the remote has no journal yet".into();
        }
        let mut skipped = Vec::new();
        if !tips.is_empty() {
            let lock = ws.lock()?;
            skipped = merge(ws, &lock, &tips, &mut report)?;
        }
        let Some(local) = ws.store().tip()? else {
            if !skipped.is_empty() {
                return Err(skipped_error(&skipped, false));
            }
            return Ok(report);
        };
        if no_push {
            if !skipped.is_empty() {
                return Err(skipped_error(&skipped, false));
            }
            return Ok(report);
        }
        // What the refused clone refs hold is not on the remote as far as the guard knows.
        let tips: Vec<(String, ObjectId)> = tips
            .into_iter()
            .filter(|(k, _)| !skipped.iter().any(|(s, _)| s == k))
            .collect();
        report.push_attempts = attempt;
        let theirs: Vec<ObjectId> = tips.iter().map(|(_, id)| *id).collect();
        guard(ws, remote, local, &theirs)?;
        let name = match peer {
            Peer::Remote(name) => Some(name.as_str()),
            Peer::Url { .. } => None,
        };
        let (own, shared) = remote::push_journal(ws.worktree(), remote, name, local, &clone_ref)?;
        // The remote showed no such ref to fetch but has one to push onto: either another
        // machine pushed it just now (a race: it shows now), or the remote hides it from fetch
        // (`uploadpack.hideRefs`), and no retry can ever win. Hidden refs matter only when the
        // remote showed no journal at all: a clone ref pushed while only the shared ref is
        // unreadable (hidden, or a ref below its name) still carries the journal.
        if own == PushOutcome::LostRace
            && !own_ref_shown
            && !remote::shows_ref(ws.worktree(), remote, &clone_ref)?
            || shared == PushOutcome::LostRace
                && tips.is_empty()
                && !shared_ref_shown
                && !remote::shows_ref(ws.worktree(), remote, REMOTE_REF)?
        {
            let name = if own == PushOutcome::LostRace {
                clone_ref.clone()
            } else {
                REMOTE_REF.to_string()
            };
            return Err(RemoteError::HiddenJournal {
                remote: remote::redact(remote),
                name,
            }
            .into());
        }
        if shared == PushOutcome::LostRace && !shared_ref_shown && own == PushOutcome::Pushed {
            ws.warn(format!(
                "{} does not show {REMOTE_REF} to fetch, so it was not moved; the journal went to {clone_ref}",
                remote::redact(remote)
            ));
        }
        // A ref the remote holds below this clone's ref name keeps it from ever being
        // created: no retry can win.
        if let (PushOutcome::RemoteLocked(_), Some(below)) = (&own, &below) {
            let way_out = format!(
                "remove it with: git push {} --delete {below}, or choose another id: git config --local session.cloneId <name>",
                remote::redact(remote)
            );
            if shared != PushOutcome::Pushed {
                return Err(RemoteError::PushRefused {
                    remote: remote::redact(remote),
                    reason: format!(
                        "{clone_ref} cannot be created while the remote holds {below} below it; {way_out}"
                    ),
                }
                .into());
            }
            ws.warn(format!(
                "{} holds {below}, below {clone_ref}, so that ref cannot be created; the journal went to {REMOTE_REF} only; {way_out}",
                remote::redact(remote)
            ));
        }
        let own_pushed = own == PushOutcome::Pushed;
        let own_ok = match (own, &shared) {
            (PushOutcome::Pushed, _) => true,
            (PushOutcome::RemoteLocked(_), PushOutcome::Pushed) if below.is_some() => true,
            (PushOutcome::LostRace, _) => false,
            (PushOutcome::RemoteLocked(reason), _) => {
                last_lock = Some(reason);
                false
            }
            (PushOutcome::SecretsRefused { forge, lines }, _) => {
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
            // A server that takes only the shared ref (a hook written for older versions)
            // still has the journal.
            (PushOutcome::Refused(_), PushOutcome::Pushed) => {
                ws.warn(format!(
                    "{} refused {clone_ref}; the journal went to {REMOTE_REF} only",
                    remote::redact(remote)
                ));
                true
            }
            (PushOutcome::Refused(reason), _) => {
                return Err(RemoteError::PushRefused {
                    remote: remote::redact(remote),
                    reason,
                }
                .into());
            }
        };
        if own_ok {
            let shared_ok = shared == PushOutcome::Pushed;
            let _lock = ws.lock()?;
            for (ok, tracking) in [
                (own_pushed, peer.clone_tracking_ref(&clone_id)),
                (shared_ok, peer.tracking_ref(false)),
            ] {
                let old = ws.store().tip_of(&tracking)?;
                if ok && old != Some(local) {
                    let _ = ws.store().cas_ref(&tracking, old, local, "sync: pushed");
                }
                if ok && let Some(key) = peer.tracking_key(&tracking) {
                    ws.mirror().set_merged_remote(&key, local)?;
                }
            }
            report.pushed = true;
            report.clone_ref = own_pushed.then_some(clone_ref);
            report.shared_ref_pushed = shared_ok;
            if !skipped.is_empty() {
                return Err(skipped_error(&skipped, true));
            }
            return Ok(report);
        }
        let elapsed = started.elapsed();
        // Random in [wait/2, wait]: racers that lost together do not come back together.
        let pause =
            wait / 2 + wait.mul_f64(f64::from(crate::layout::rand32()) / f64::from(u32::MAX)) / 2;
        if elapsed + pause >= RETRY_BOUND {
            if let Some(reason) = last_lock {
                return Err(RemoteError::PushRefused {
                    remote: remote::redact(remote),
                    reason: format!(
                        "{reason}, still after {attempt} attempts in {} s",
                        elapsed.as_secs()
                    ),
                }
                .into());
            }
            return Err(RemoteError::KeptMoving {
                remote: remote::redact(remote),
                attempts: attempt,
                secs: elapsed.as_secs(),
            }
            .into());
        }
        std::thread::sleep(pause);
        wait = (wait * 2).min(std::time::Duration::from_secs(2));
    }
}

/// Merge the fetched tips not merged yet into `refs/sessions`, under the worktree lock: each at
/// the ref, then the mirror once.
/// Returns the clone refs refused by the gate, `(key, why)`: one writer's ref must not stop
/// the whole team's sync, so those are left out and the rest is merged. Any other refused
/// journal (the shared ref, a working repository's own) refuses the whole merge, as before.
fn merge(
    ws: &Workspace,
    lock: &WorktreeLock,
    tips: &[(String, ObjectId)],
    report: &mut Report,
) -> Result<Vec<(String, Error)>> {
    let merged = ws.mirror().merged_remotes()?;
    let mut fresh: Vec<(String, ObjectId)> = tips
        .iter()
        .filter(|(key, id)| merged.get(key) != Some(id))
        .cloned()
        .collect();
    // Newest first: a clone's newest push usually contains the others' older ones, which are
    // then found contained (no merge commit) instead of each being merged in turn.
    let store = ws.store();
    fresh.sort_by_cached_key(|(_, id)| std::cmp::Reverse(store.commit_seconds(*id)));
    if report.merge.is_empty() {
        report.merge = "up to date".into();
    }
    // Every journal is checked before any is merged: one that is refused leaves
    // `refs/sessions` as it was, as the error says ("nothing was merged") — except a clone
    // ref, which is left out (and named at the end) while the others are merged.
    let mut skipped = Vec::new();
    for (key, id) in &fresh {
        match crate::integrate::admissible(&ws.store(), *id, key) {
            Ok(()) => {}
            Err(e) if key.contains("/clones/") => skipped.push((key.clone(), e)),
            Err(e) => return Err(e),
        }
    }
    fresh.retain(|(key, _)| !skipped.iter().any(|(k, _)| k == key));
    for (_, outcome) in ws.integrate_all(lock, &fresh)? {
        report.fetched = true;
        match outcome {
            Integrated::UpToDate => {}
            Integrated::Adopted(_) => report.merge = "adopted the remote journal".into(),
            Integrated::FastForward(_) => {
                if report.merge != "merged" {
                    report.merge = "fast-forwarded".into()
                }
            }
            Integrated::Merged { conflicts, .. } => {
                report.merge = "merged".into();
                report.conflicts.extend(conflicts);
            }
        }
    }
    Ok(skipped)
}

/// The error for clone refs left out of a sync whose other journals were merged (`pushed`:
/// and pushed): the first one's reason, how many more, and how to remove it.
fn skipped_error(skipped: &[(String, Error)], pushed: bool) -> Error {
    let (label, err) = &skipped[0];
    let why = match err {
        Error::RefusedTree { label, refusal } => {
            format!("refused the journal of {label}: {refusal} (see docs/security.md)")
        }
        Error::NotAJournal { label, commit } => {
            format!("{label}: {commit} is not a git-session journal")
        }
        other => crate::error::one_line(other),
    };
    let more = match skipped.len() {
        1 => String::new(),
        n => format!(" ({} more clone refs refused)", n - 1),
    };
    let done = if pushed {
        "the other journals were merged and pushed"
    } else {
        "the other journals were merged"
    };
    Error::SkippedJournals(format!(
        "{why}; nothing was merged from it{more}; {done}{}",
        crate::error::way_out(label)
    ))
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
    for (value, why) in bad {
        ws.warn(secrets::ignored_entry(&value, &why));
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
