//! The crate's error: each layer's own error enum, plus what only a command can get wrong.
//! Which of them are usage errors (exit 2) is decided in one place, `cli::exit_code`.

use std::path::PathBuf;

use crate::mirror::MirrorError;
use crate::remote::RemoteError;
use crate::store::StoreError;

/// Everything that can go wrong, each variant naming the thing and the place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No repository where the command was started; `message` is one line, worded as git's.
    #[error("{message}")]
    NotARepository { dir: PathBuf, message: String },
    /// A repository this tool must not work in; hooks stay silent in it.
    #[error(transparent)]
    Refused(crate::store::Refusal),
    /// A write in a bare repository: sessions are written from a worktree (decision 36).
    #[error(
        "{} is a bare repository: sessions are written in a worktree (git worktree add); here list, view, history, doctor and sync work", .0.display()
    )]
    BareRepository(PathBuf),
    #[error("no session named '{0}' (see: git session list --all)")]
    UnknownSession(String),
    #[error("'{name}' is ambiguous; it could be: {}", candidates.join(", "))]
    AmbiguousSession {
        name: String,
        candidates: Vec<String>,
    },
    #[error(
        "no current session in this worktree (start one with: git session init, or pick one with: git session resume)"
    )]
    NoCurrentSession,
    /// `show`: the commit has no `Session:` trailer and no journal entry records it.
    #[error(
        "commit {0} belongs to no session: it has no Session: trailer and no journal records it"
    )]
    NoSessionForCommit(String),
    /// `show`: the commit's trailer names a session this journal does not have.
    #[error(
        "commit {0} names session {1} in its Session: trailer, which this journal does not have (git session sync fetches it)"
    )]
    UnknownTrailerSession(String, String),
    #[error("no session to resume (start one with: git session init)")]
    NothingToResume,
    #[error("session {name} is already {status}")]
    AlreadyClosed { name: String, status: &'static str },
    #[error("session {name} is {status}; resume it with --reopen")]
    NeedsReopen { name: String, status: &'static str },
    #[error("refs/sessions does not exist yet")]
    NoJournalYet,
    #[error("session {name} did not exist at {rev}")]
    NotAtRevision { name: String, rev: String },
    /// How the command was called is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("another git-session command holds {0} and did not finish within {1} s; try again")]
    LockTimeout(PathBuf, u64),
    /// The git dir cannot be written here (a read-only file system: an agent's sandbox, such
    /// as Codex's `workspace-write`, which keeps `.git` read-only). `{1}` says what to do.
    #[error("{} is on a read-only file system, so the journal cannot be written from here{}; nothing was written", .0.display(), .1)]
    ReadOnlyGitDir(PathBuf, String),
    #[error(
        "refs/sessions kept moving under us ({0} attempts); nothing was lost, run the command again"
    )]
    TooManyRetries(usize),
    /// stdout could not be written (a full disk, a closed descriptor): the reader did not get
    /// the answer. `committed`: the command moved `refs/sessions` before that, so its change is
    /// committed all the same.
    #[error(
        "could not write to stdout: {source}{}",
        if *committed { " (what the command changed is committed; nothing was lost)" } else { "" }
    )]
    Stdout {
        committed: bool,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file the command needs is not there.
    #[error("{0}: missing")]
    Missing(String),
    #[error("HOME is not set; --global installs under $HOME/.claude")]
    NoHome,
    /// A configuration file the command would edit is not in a shape it can edit safely.
    #[error("{}: {why}", path.display())]
    Config { path: PathBuf, why: String },
    /// Fetched clone refs that were refused while the others were merged (and pushed): the
    /// whole line, built by `sync`.
    #[error("{0}")]
    SkippedJournals(String),
    /// A fetched ref that is not a git-session journal (a branch named `sessions`?).
    #[error(
        "{label}: {commit} is not a git-session journal{}; not merged{}",
        if .label.contains("/clones/") { "" } else { " (a branch named 'sessions'?)" },
        way_out(.label)
    )]
    NotAJournal {
        label: String,
        commit: gix::ObjectId,
    },
    /// Two different sessions with one short id met in a merge.
    #[error(
        "cannot merge {other}: its session {theirs} and this repository's {ours} share the short id {short}; nothing was merged. Rename one session file's shortname-short and its journal, or close one, then sync again"
    )]
    ShortIdClash {
        other: String,
        theirs: String,
        ours: String,
        short: String,
    },
    /// A fetched journal whose tree breaks a rule of the layout or a limit: refused whole.
    #[error("refused the journal of {label}: {refusal}; nothing was merged (see docs/security.md){}", way_out(.label))]
    RefusedTree {
        label: String,
        refusal: crate::store::gate::Refusal,
    },
    /// The push was stopped because what it would send holds secrets: found by our guard
    /// before `git push` ran, or named by the forge that refused it (push protection). The
    /// local merge stays; `cli::sync` prints one line per hit before this one.
    #[error(
        "{}; the journal was merged locally; nothing was pushed. Remove a secret with: git session redact <path> [--line N] [--rule R]; or, if it is none, allow it: git session config secrets.allow <path>:<line>:<rule>",
        .0.summary()
    )]
    SecretsBlocked(crate::sync::Blocked),
    /// `redact` found no secret where it was pointed.
    #[error("{0}: no secret found to redact (sync names file, line and rule)")]
    NothingToRedact(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mirror(#[from] MirrorError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// A journal file that does not parse or a name that may not be used.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// One line for an error and its causes: `what: why: deeper why`, each cause once.
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = cause.source();
    }
    msg.replace('\n', " ")
}

/// Attach a path to I/O results.
pub trait IoContext<T> {
    /// Name the file or directory an I/O error happened on.
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}

/// For a fetched clone ref (`<remote>/clones/<id>`) that cannot be merged: every sync of every
/// clone stops at it until it is gone, so say how to remove it (decision 127).
pub(crate) fn way_out(label: &str) -> String {
    match label.split_once("/clones/") {
        Some((remote, id)) if !remote.starts_with("urls/") => format!(
            "; if no clone of yours wrote it, delete it: git push {remote} --delete refs/git-session/clones/{id}"
        ),
        Some((_, id)) => format!(
            "; if no clone of yours wrote it, delete it: git push <remote> --delete refs/git-session/clones/{id}"
        ),
        None => String::new(),
    }
}
