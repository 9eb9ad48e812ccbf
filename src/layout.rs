//! The shape of the journal's tree: the one place that knows where things live.
//!
//! ```text
//! active/<shortname>-<short>.md          session file, status active or paused
//! archive/<shortname>-<short>.md         session file, status completed or abandoned
//! journal/<short>/progress.md            generated quick-context file
//! journal/<short>/entries/<entry name>   one journal entry (model::entry::file_name)
//! <anything else>                        the user's own notes, kept as they are
//! ```
//!
//! Paths are relative to the tree's root (and to `.sessions/` in a worktree), `/`-separated.
//! Everything here is pure: it names paths and classifies them, it never reads or writes.

use crate::model::ids;

/// The directory of a session file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionDir {
    /// `active/`: sessions that are active or paused.
    Active,
    /// `archive/`: sessions that are completed or abandoned.
    Archive,
}

impl SessionDir {
    /// Both directories, `active/` first (the order lookups search in).
    pub const ALL: [SessionDir; 2] = [SessionDir::Active, SessionDir::Archive];

    /// `active` or `archive`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionDir::Active => "active",
            SessionDir::Archive => "archive",
        }
    }

    /// Where a session of this archived-ness lives.
    pub fn for_archived(archived: bool) -> Self {
        if archived {
            SessionDir::Archive
        } else {
            SessionDir::Active
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(SessionDir::Active),
            "archive" => Some(SessionDir::Archive),
            _ => None,
        }
    }
}

/// The path of one session file: `<dir>/<shortname>-<short>.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionPath {
    pub dir: SessionDir,
    pub shortname: String,
    /// 8 lowercase hex digits.
    pub short: String,
}

impl SessionPath {
    /// The session file of `shortname`/`short` in `dir` (`short` is lowercased).
    pub fn new(dir: SessionDir, shortname: &str, short: &str) -> Self {
        SessionPath {
            dir,
            shortname: shortname.to_string(),
            short: short.to_ascii_lowercase(),
        }
    }

    /// Read a tree path back; `None` for anything that is not a session file's path.
    pub fn parse(path: &str) -> Option<Self> {
        let (dir, name) = path.split_once('/')?;
        let dir = SessionDir::parse(dir)?;
        if name.contains('/') {
            return None;
        }
        Self::from_file_name(dir, name)
    }

    /// A session file named `name` in `dir`; `None` when the name is not `<shortname>-<8 hex>.md`.
    pub fn from_file_name(dir: SessionDir, name: &str) -> Option<Self> {
        let (shortname, short) = ids::parse_file_name(name)?;
        Some(Self::new(dir, shortname, short))
    }

    /// `<shortname>-<short>.md`.
    pub fn file_name(&self) -> String {
        ids::file_name(&self.shortname, &self.short)
    }

    /// The same session file in another directory (a session that is closed or reopened moves).
    pub fn in_dir(&self, dir: SessionDir) -> Self {
        SessionPath {
            dir,
            ..self.clone()
        }
    }

    /// The tree path, e.g. `active/fix-sweep-1a2b3c4d.md`.
    pub fn render(&self) -> String {
        format!("{}/{}", self.dir.as_str(), self.file_name())
    }

    /// `<shortname>-<short>`, how sessions are listed as candidates.
    pub fn label(&self) -> String {
        format!("{}-{}", self.shortname, self.short)
    }

    /// Whether the file is in `archive/`.
    pub fn archived(&self) -> bool {
        self.dir == SessionDir::Archive
    }
}

impl std::fmt::Display for SessionPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.dir.as_str(), self.file_name())
    }
}

/// `journal/<short>`: everything the journal keeps for one session besides its file.
pub fn journal_dir(short: &str) -> String {
    format!("journal/{short}")
}

/// `journal/<short>/progress.md`, the generated quick-context file.
pub fn progress_path(short: &str) -> String {
    format!("journal/{short}/progress.md")
}

/// `journal/<short>/entries`, the session's journal entries.
pub fn entries_dir(short: &str) -> String {
    format!("journal/{short}/entries")
}

/// `journal/<short>/entries/<name>`.
pub fn entry_path(short: &str, name: &str) -> String {
    format!("journal/{short}/entries/{name}")
}

/// The top-level directories the tool owns; anything else at the top is the user's.
pub const OWN_DIRS: [&str; 3] = ["active", "archive", "journal"];

/// What a tree path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// A session file.
    Session(SessionPath),
    /// `journal/<short>/progress.md`: generated, never merged, always regenerated.
    Progress { short: String },
    /// `journal/<short>/entries/<name>`: written once, never rewritten.
    Entry { short: String, name: String },
    /// Anything else: the user's own notes, or a file the layout does not name.
    Other,
}

impl PathKind {
    /// Classify a tree path.
    pub fn of(path: &str) -> PathKind {
        if let Some(s) = SessionPath::parse(path) {
            return PathKind::Session(s);
        }
        let mut parts = path.split('/');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("journal"), Some(short), Some("progress.md"), None) => PathKind::Progress {
                short: short.to_string(),
            },
            (Some("journal"), Some(short), Some("entries"), Some(name))
                if parts.next().is_none() =>
            {
                PathKind::Entry {
                    short: short.to_string(),
                    name: name.to_string(),
                }
            }
            _ => PathKind::Other,
        }
    }

    /// The short id of the session the path belongs to, if it belongs to one.
    pub fn short(&self) -> Option<&str> {
        match self {
            PathKind::Session(s) => Some(&s.short),
            PathKind::Progress { short } | PathKind::Entry { short, .. } => Some(short),
            PathKind::Other => None,
        }
    }
}

/// 32 random bits for names that must not collide (entry names, temporary files), taken from
/// a v7 uuid's random tail (no extra dependency).
pub fn rand32() -> u32 {
    let b = uuid::Uuid::now_v7().into_bytes();
    u32::from_le_bytes([b[12], b[13], b[14], b[15]])
}

/// Whether `path` is outside the directories the tool owns (a user's notes).
pub fn is_user_path(path: &str) -> bool {
    let top = path.split('/').next().unwrap_or_default();
    !path.contains('/') || !OWN_DIRS.contains(&top)
}

/// One path component that may be written to disk: not empty, not `.`/`..`, not `.git` in any
/// case, no control characters (git's own `verify_path` rules, plus control characters).
pub fn valid_component(c: &str) -> bool {
    !c.is_empty()
        && c != "."
        && c != ".."
        && !c.eq_ignore_ascii_case(".git")
        && !c.chars().any(char::is_control)
}

/// Whether every component of `path` is [`valid_component`].
pub fn valid_path(path: &str) -> bool {
    path.split('/').all(valid_component)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_paths_round_trip() {
        let p = SessionPath::parse("active/fix-sweep-1a2b3c4d.md").expect("a session path");
        assert_eq!(p.dir, SessionDir::Active);
        assert_eq!(p.shortname, "fix-sweep");
        assert_eq!(p.short, "1a2b3c4d");
        assert_eq!(p.render(), "active/fix-sweep-1a2b3c4d.md");
        assert_eq!(
            p.in_dir(SessionDir::Archive).render(),
            "archive/fix-sweep-1a2b3c4d.md"
        );
        assert_eq!(p.label(), "fix-sweep-1a2b3c4d");
    }

    #[test]
    fn only_the_layouts_paths_are_session_paths() {
        for bad in [
            "active/x.md",
            "active/sub/fix-1a2b3c4d.md",
            "notes/fix-1a2b3c4d.md",
            "archive/fix-1a2b3c4g.md",
            "active/fix-1a2b3c4d.txt",
        ] {
            assert_eq!(SessionPath::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_are_classified_by_their_place() {
        assert_eq!(
            PathKind::of("journal/1a2b3c4d/progress.md"),
            PathKind::Progress {
                short: "1a2b3c4d".into()
            }
        );
        assert_eq!(
            PathKind::of("journal/1a2b3c4d/entries/2025-01-15T10-00-00.123Z-log-7f3a.md"),
            PathKind::Entry {
                short: "1a2b3c4d".into(),
                name: "2025-01-15T10-00-00.123Z-log-7f3a.md".into()
            }
        );
        assert_eq!(
            PathKind::of("journal/1a2b3c4d/entries/a/b.md"),
            PathKind::Other
        );
        assert_eq!(PathKind::of("notes/todo.md"), PathKind::Other);
        assert_eq!(PathKind::of("journal/1a2b3c4d/other.md"), PathKind::Other);
        assert_eq!(
            entry_path("1a2b3c4d", "x.md"),
            "journal/1a2b3c4d/entries/x.md"
        );
        assert_eq!(progress_path("1a2b3c4d"), "journal/1a2b3c4d/progress.md");
    }

    #[test]
    fn user_paths_are_outside_the_own_directories() {
        assert!(is_user_path("notes.md"));
        assert!(is_user_path("notes/a.md"));
        assert!(is_user_path("active"));
        assert!(!is_user_path("active/x.md"));
        assert!(!is_user_path("journal/1a2b3c4d/progress.md"));
    }

    #[test]
    fn components_that_would_leave_the_mirror_are_invalid() {
        for bad in ["", ".", "..", ".git", ".GIT", "a\nb", "a\u{7f}"] {
            assert!(!valid_component(bad), "{bad:?}");
        }
        assert!(valid_path("notes/a.md"));
        assert!(!valid_path("notes/../a.md"));
        assert!(!valid_path("/abs"));
    }
}
