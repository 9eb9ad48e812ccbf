//! Where fetched journals are kept: `refs/git-session/remotes/<remote>/sessions` for a named
//! remote, `refs/git-session/urls/<hash>/sessions` for a URL or path given instead of a name,
//! and for a remote whose name has a `/` (decision 75): `x/sessions` would otherwise make
//! remote `x`'s tracking ref a directory ("cannot lock ref").
//!
//! Not `refs/remotes/<remote>/sessions`, which is git's: a remote branch `sessions/<anything>`
//! makes that name a directory, so the fetch failed and the user's own `git fetch` then failed
//! with "cannot lock ref". That old location is still read and moved here (`legacy_refs`).

use gix::ObjectId;
use gix::lock::acquire::Fail;
use gix::refs::transaction::{Change, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::{CLONES_PREFIX, REMOTE_REF, Result, SESSIONS_REF, SessionsRef, StoreError, blob_id};

/// Our own namespace for fetched journals of named remotes.
const REMOTES: &str = "refs/git-session/remotes/";
/// Our own namespace for fetched journals of URLs and paths.
const URLS: &str = "refs/git-session/urls/";
/// git's remote-tracking namespace, where older versions kept fetched journals.
const LEGACY: &str = "refs/remotes/";

/// What `sync` talks to: a configured remote, or a URL or path as `git fetch` accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    Remote(String),
    /// The URL as given to git, and the first 16 hex digits of its git blob id.
    Url {
        url: String,
        hash: String,
    },
}

impl Peer {
    /// A URL or path: its tracking ref is named by a hash, since a URL is no ref name.
    pub fn url(url: &str) -> Peer {
        let hash = blob_id(url.as_bytes()).to_string()[..16].to_string();
        Peer::Url {
            url: url.to_string(),
            hash,
        }
    }

    /// What git is given: the remote's name or the URL.
    pub fn arg(&self) -> &str {
        match self {
            Peer::Remote(name) => name,
            Peer::Url { url, .. } => url,
        }
    }

    /// A remote whose name has a `/`, or is not a valid ref name component (a space, `:`,
    /// `~`, … — git's check-ref-format rules), is tracked as a URL is, by a hash (of
    /// `remote <name>`, so never a URL's); any other remote by its name.
    fn slashed(&self) -> Option<String> {
        match self {
            Peer::Remote(name) if name.contains('/') || !ref_component(name) => {
                Some(blob_id(format!("remote {name}").as_bytes()).to_string()[..16].to_string())
            }
            _ => None,
        }
    }

    /// The key of what was merged from this peer (per-worktree state) and the label of its
    /// merges. A remote name with a `/` gets `urls/<hash>` and one without cannot be
    /// `urls/<hash>`, so keys never meet.
    pub fn key(&self) -> String {
        if let Some(hash) = self.slashed() {
            return format!("urls/{hash}");
        }
        match self {
            Peer::Remote(name) => name.clone(),
            Peer::Url { hash, .. } => format!("urls/{hash}"),
        }
    }

    /// Where this peer's journals are tracked: `refs/git-session/remotes/<remote>` or
    /// `refs/git-session/urls/<hash>`. Under it: `sessions` (the remote's shared
    /// `refs/git-session/sessions`), `own` (its `refs/sessions`, when the remote is itself a
    /// working repository) and `clones/<id>` (each clone's `refs/git-session/clones/<id>`).
    pub fn tracking_base(&self) -> String {
        if let Some(hash) = self.slashed() {
            return format!("{URLS}{hash}");
        }
        match self {
            Peer::Remote(name) => format!("{REMOTES}{name}"),
            Peer::Url { hash, .. } => format!("{URLS}{hash}"),
        }
    }

    /// The refspecs one `git fetch` brings every journal of the peer with (forced, since a
    /// tracking ref follows the remote; globs, so that git asks the server only for these
    /// prefixes — protocol v2 `ref-prefix`, gitprotocol-v2(5) — and a brand-new clone finds every
    /// clone's ref without listing the rest of the remote's refs):
    /// `refs/git-session/clones/*`, `refs/git-session/sessions` and a working repository's
    /// `refs/sessions`. A glob is needed for the last two as well: a plain refspec naming a ref
    /// the remote lacks is an error (`couldn't find remote ref`).
    pub fn fetch_refspecs(&self) -> Vec<String> {
        let base = self.tracking_base();
        vec![
            format!("+{CLONES_PREFIX}*:{base}/clones/*"),
            format!("+{REMOTE_REF}*:{base}/sessions*"),
            format!("+{SESSIONS_REF}*:{base}/own*"),
        ]
    }

    /// The remote ref that the tracking ref `name` of this peer follows (the inverse of
    /// `fetch_refspecs`), for fetching it again on its own; `None` for any other ref.
    pub fn tracked_remote_ref(&self, name: &str) -> Option<String> {
        let rest = name
            .strip_prefix(&self.tracking_base())?
            .strip_prefix('/')?;
        match tracked_leaf(rest)? {
            "" => Some(REMOTE_REF.to_string()),
            "own" => Some(SESSIONS_REF.to_string()),
            clone => Some(format!("{CLONES_PREFIX}{}", clone.strip_prefix("clones/")?)),
        }
    }

    /// The tracking ref of the clone `id`'s journal on this peer.
    pub fn clone_tracking_ref(&self, id: &str) -> String {
        format!("{}/clones/{id}", self.tracking_base())
    }

    /// The key (as `key`) of what was merged from the tracking ref `name` of this peer:
    /// `<key>` for `sessions` (the one key older versions kept), `<key>/own`,
    /// `<key>/clones/<id>`; `None` for a ref that is none of those.
    pub fn tracking_key(&self, name: &str) -> Option<String> {
        let rest = name
            .strip_prefix(&self.tracking_base())?
            .strip_prefix('/')?;
        tracked_leaf(rest).map(|leaf| match leaf {
            "" => self.key(),
            leaf => format!("{}/{leaf}", self.key()),
        })
    }

    /// The ref its journal is fetched into; `pushed` for what others pushed to a working
    /// repository, fetched beside its own journal.
    pub fn tracking_ref(&self, pushed: bool) -> String {
        let leaf = if pushed {
            "sessions-pushed"
        } else {
            "sessions"
        };
        if let Some(hash) = self.slashed() {
            return format!("{URLS}{hash}/{leaf}");
        }
        match self {
            Peer::Remote(name) => format!("{REMOTES}{name}/{leaf}"),
            Peer::Url { hash, .. } => format!("{URLS}{hash}/{leaf}"),
        }
    }
}

/// A fetched journal in the old location `refs/remotes/<remote>/sessions[-pushed]`.
#[derive(Debug)]
pub struct LegacyRef {
    pub name: String,
    pub peer: Peer,
    pub pushed: bool,
    pub id: ObjectId,
}

impl SessionsRef<'_> {
    /// Every fetched journal every command merges, as `(key, commit)`: under
    /// `refs/git-session/remotes/<remote>/` and `refs/git-session/urls/<hash>/`, each
    /// `sessions` (key `<remote>` or `urls/<hash>`), `own` (key `…/own`) and `clones/<id>`
    /// (key `…/clones/<id>`).
    pub fn tracking_refs(&self) -> Result<Vec<(String, ObjectId)>> {
        let mut out = Vec::new();
        for (prefix, key_prefix) in [(REMOTES, ""), (URLS, "urls/")] {
            for (name, id) in self.refs_under(prefix)? {
                let Some((peer, rest)) = name[prefix.len()..].split_once('/') else {
                    continue;
                };
                if peer.is_empty() {
                    continue;
                }
                match tracked_leaf(rest) {
                    Some("") => out.push((format!("{key_prefix}{peer}"), id)),
                    Some(leaf) => out.push((format!("{key_prefix}{peer}/{leaf}"), id)),
                    None => {}
                }
            }
        }
        Ok(out)
    }

    /// Journals other machines pushed to this repository (when it serves as their remote),
    /// merged by its next command, as `(ref name, commit)`: `refs/git-session/sessions` and
    /// each `refs/git-session/clones/<id>`.
    pub fn pushed_refs(&self) -> Result<Vec<(String, ObjectId)>> {
        let mut out = Vec::new();
        if let Some(id) = self.tip_of(REMOTE_REF).ok().flatten() {
            out.push((REMOTE_REF.to_string(), id));
        }
        for (name, id) in self.refs_under(CLONES_PREFIX)? {
            if ref_component(&name[CLONES_PREFIX.len()..]) {
                out.push((name, id));
            }
        }
        Ok(out)
    }

    /// The refs tracking `peer`'s journals (`Peer::fetch_refspecs`), as `(name, commit)`.
    pub fn peer_tracking_refs(&self, peer: &Peer) -> Result<Vec<(String, ObjectId)>> {
        let base = format!("{}/", peer.tracking_base());
        Ok(self
            .refs_under(&base)?
            .into_iter()
            .filter(|(name, _)| tracked_leaf(&name[base.len()..]).is_some())
            .collect())
    }

    /// Fetched journals still in git's namespace, `refs/remotes/<remote>/sessions` and
    /// `…/sessions-pushed` (one-level remote names only).
    pub fn legacy_refs(&self) -> Result<Vec<LegacyRef>> {
        let mut out = Vec::new();
        for (name, id) in self.refs_under(LEGACY)? {
            for (leaf, pushed) in [("/sessions", false), ("/sessions-pushed", true)] {
                if let Some(remote) = one_level(&name, LEGACY, leaf) {
                    out.push(LegacyRef {
                        name: name.clone(),
                        peer: Peer::Remote(remote.to_string()),
                        pushed,
                        id,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Move journals an older version fetched into `refs/git-session/remotes/<a>/<b>/sessions`
    /// (a remote named `a/b`) to where such a remote is tracked now, so that they no longer
    /// make `refs/git-session/remotes/<a>/sessions` a directory. Run before a fetch; what is
    /// moved was merged when it was fetched, and a move that fails leaves the ref, which the
    /// next fetch of that remote's journal replaces anyway.
    pub fn move_nested_tracking_refs(&self) -> Result<()> {
        for (name, id) in self.refs_under(REMOTES)? {
            for (leaf, pushed) in [("/sessions", false), ("/sessions-pushed", true)] {
                let Some(remote) = name
                    .strip_prefix(REMOTES)
                    .and_then(|r| r.strip_suffix(leaf))
                else {
                    continue;
                };
                if !remote.contains('/') {
                    continue;
                }
                let new = Peer::Remote(remote.to_string()).tracking_ref(pushed);
                let current = self.tip_of(&new)?;
                let moved = current == Some(id)
                    || current.is_none()
                        && matches!(
                            self.cas_ref(&new, None, id, "git-session: moved from a nested name"),
                            Ok(super::CasOutcome::Moved(_))
                        );
                if moved || current.is_some() {
                    let _ = self.delete_ref(&name, id);
                }
            }
        }
        Ok(())
    }

    /// Delete `name` if it still points at `expected` (a moved ref is left alone).
    pub fn delete_ref(&self, name: &str, expected: ObjectId) -> Result<()> {
        let full: FullName = name
            .try_into()
            .map_err(|e| StoreError::git("ref name", e))?;
        let edit = RefEdit {
            change: Change::Delete {
                expected: PreviousValue::MustExistAndMatch(Target::Object(expected)),
                log: RefLog::AndReference,
            },
            name: full,
            deref: false,
        };
        self.repo
            .refs
            .transaction()
            .prepare([edit], Fail::Immediately, Fail::Immediately)
            .map(|t| t.commit(None))
            .map_err(|e| StoreError::git(&format!("deleting {name}"), e))?
            .map_err(|e| StoreError::git(&format!("deleting {name}"), e))?;
        Ok(())
    }

    /// Every ref whose full name starts with `prefix` (`refs/…/`), with the object it names.
    pub fn refs_under(&self, prefix: &str) -> Result<Vec<(String, ObjectId)>> {
        let platform = self
            .repo
            .references()
            .map_err(|e| StoreError::git("listing refs", e))?;
        let iter = platform
            .prefixed(prefix)
            .map_err(|e| StoreError::git("listing refs", e))?;
        let mut out = Vec::new();
        for r in iter {
            let Ok(mut r) = r else { continue };
            let name = r.name().as_bstr().to_string();
            if let Ok(id) = r.peel_to_id() {
                out.push((name, id.detach()));
            }
        }
        Ok(out)
    }
}

/// Whether `name` may be one component of a ref name, by git's rules (git-check-ref-format(1)):
/// no control characters, space, `~ ^ : ? * [ \`, no `..` or `@{`, not `@` alone, not
/// starting with `.`, not ending with `.` or `.lock`.
pub fn ref_component(name: &str) -> bool {
    !name.is_empty()
        && name != "@"
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("@{")
        && !name.chars().any(|c| {
            c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\' | '/')
        })
}

/// What follows a peer's tracking base, read back: `sessions` → `Some("")`, `own` →
/// `Some("own")`, `clones/<id>` → `Some("clones/<id>")` (one valid ref component); anything
/// else (`sessions-pushed`, kept by older versions) `None`.
fn tracked_leaf(rest: &str) -> Option<&str> {
    match rest {
        "sessions" => Some(""),
        "own" => Some("own"),
        _ => rest
            .strip_prefix("clones/")
            .filter(|id| ref_component(id))
            .map(|_| rest),
    }
}

/// `<prefix><one>/<leaf>` → `<one>`, a single path component.
fn one_level<'a>(name: &'a str, prefix: &str, leaf: &str) -> Option<&'a str> {
    let one = name.strip_prefix(prefix)?.strip_suffix(leaf)?;
    (!one.is_empty() && !one.contains('/')).then_some(one)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_name_that_is_no_ref_component_is_tracked_by_hash() {
        for bad in ["my remote", "a:b", "x.lock", ".hidden", "a..b", "t~1", "@"] {
            assert!(!ref_component(bad), "{bad}");
            let key = Peer::Remote(bad.into()).key();
            assert!(key.starts_with("urls/"), "{bad}: {key}");
        }
        for good in ["origin", "up-stream_2", "fork.x"] {
            assert!(ref_component(good), "{good}");
            assert_eq!(Peer::Remote(good.into()).key(), good);
        }
    }

    #[test]
    fn a_url_is_named_by_a_hash_and_a_remote_by_its_name() {
        let url = Peer::url("https://example.com/r.git");
        let Peer::Url { hash, .. } = &url else {
            panic!("a url")
        };
        assert_eq!(hash.len(), 16);
        assert_eq!(
            url.tracking_ref(false),
            format!("refs/git-session/urls/{hash}/sessions")
        );
        assert_eq!(url.key(), format!("urls/{hash}"));
        let origin = Peer::Remote("origin".into());
        assert_eq!(
            origin.tracking_ref(true),
            "refs/git-session/remotes/origin/sessions-pushed"
        );
        assert_eq!(
            one_level("refs/remotes/a/b/sessions", LEGACY, "/sessions"),
            None
        );
    }
}
