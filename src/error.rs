//! One error type for the library, mapped to exit codes in one place.

use std::path::PathBuf;

/// Everything that can go wrong, each variant naming the thing and the place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a git repository (or any parent up to /): {0}")]
    NotARepository(PathBuf),
    #[error("this repository has no working tree: {0}")]
    BareRepository(PathBuf),
    #[error(
        "no git identity configured: set user.name and user.email (git config user.email you@example.com)"
    )]
    NoIdentity,
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
    #[error("{0}")]
    Usage(String),
    #[error("invalid session name '{name}': {why}")]
    InvalidName { name: String, why: &'static str },
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("refs/sessions: {0}")]
    BadRef(String),
    #[error("another git-session command holds {0} and did not finish within {1} s; try again")]
    LockTimeout(PathBuf, u64),
    #[error(
        "refs/sessions kept moving under us ({0} attempts); nothing was lost, run the command again"
    )]
    TooManyRetries(usize),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("git: {0}")]
    Git(String),
    #[error("{0}")]
    Other(String),
    /// A journal file that does not parse or a name that may not be used.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// 2 for mistakes in how the command was called, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_)
            | Error::InvalidName { .. }
            | Error::Model(crate::model::ModelError::InvalidName { .. }) => 2,
            _ => 1,
        }
    }

    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// gix errors print only their outer message; walk the chain so one line says why.
pub fn git_error(context: &str, err: impl std::error::Error) -> Error {
    let mut msg = format!("{context}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = cause.source();
    }
    Error::Git(msg.replace('\n', " "))
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
