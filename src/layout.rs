//! The shape of the journal's tree: the one place that knows where things live.
//!
//! ```text
//! active/<shortname>-<short>.md          session file, status active or paused
//! archive/<shortname>-<short>.md         session file, status completed or abandoned
//! journal/<xx>/<short>/progress.md       generated quick-context file (<xx>: the short id's
//!                                        first two hex digits, decision 50)
//! journal/<xx>/<short>/entries/<name>    one journal entry (model::entry::file_name)
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

/// What this build writes, for tools that cache what it grows (benches/bench.py): bumped when the
/// tree layout or the way objects are stored changes. 1: flat `journal/<short>/`, loose objects;
/// 2: `journal/<xx>/<short>/`, one pack per command; 3: and the listing index
/// `journal/<xx>/archived.tsv`.
pub const STORAGE_VERSION: u32 = 3;

/// The fanout directory of a session's journal: the short id's first two hex digits, so that
/// `journal/` holds at most 256 directories and a commit rewrites trees of bounded size however
/// many sessions there are (decision 50).
pub fn fanout(short: &str) -> &str {
    short.get(..2).unwrap_or(short)
}

/// Whether `name`, an entry of `journal/`, is a fanout directory (`<xx>`) rather than a
/// session's journal of the flat layout that came before (`journal/<short>/`).
pub fn is_fanout_name(name: &str) -> bool {
    name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `journal/<xx>/<short>`: everything the journal keeps for one session besides its file.
pub fn journal_dir(short: &str) -> String {
    format!("journal/{}/{short}", fanout(short))
}

/// `journal/<short>`: where the flat layout kept a session's journal (read when a tree has not
/// been migrated yet, and moved by [`journal_dir`] on the first write).
pub fn flat_journal_dir(short: &str) -> String {
    format!("journal/{short}")
}

/// The name of the listing index in each fanout directory (decision 53).
pub const INDEX_FILE: &str = "archived.tsv";

/// `journal/<xx>/archived.tsv`: the listing index of the archived sessions whose short id
/// starts with `<xx>` (`listing.rs`).
pub fn index_path(fan: &str) -> String {
    format!("journal/{fan}/{INDEX_FILE}")
}

/// `journal/<xx>/<short>/progress.md`, the generated quick-context file.
pub fn progress_path(short: &str) -> String {
    format!("{}/progress.md", journal_dir(short))
}

/// `journal/<xx>/<short>/entries`, the session's journal entries.
pub fn entries_dir(short: &str) -> String {
    format!("{}/entries", journal_dir(short))
}

/// `journal/<xx>/<short>/entries/<name>`.
pub fn entry_path(short: &str, name: &str) -> String {
    format!("{}/entries/{name}", journal_dir(short))
}

/// The top-level directories the tool owns; anything else at the top is the user's.
pub const OWN_DIRS: [&str; 3] = ["active", "archive", "journal"];

/// What a tree path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// A session file.
    Session(SessionPath),
    /// `journal/<xx>/<short>/progress.md` (or the flat layout's `journal/<short>/progress.md`):
    /// generated, never merged, always regenerated.
    Progress { short: String },
    /// `journal/<xx>/<short>/entries/<name>` (or the flat layout's): written once, never rewritten.
    Entry { short: String, name: String },
    /// `journal/<xx>/archived.tsv`: generated, never merged, regenerated by every commit that
    /// changes an archived session of that fanout directory.
    Index { fan: String },
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
        if parts.next() != Some("journal") {
            return PathKind::Other;
        }
        let mut rest: Vec<&str> = parts.collect();
        if let [fan, INDEX_FILE] = rest[..]
            && is_fanout_name(fan)
        {
            return PathKind::Index {
                fan: fan.to_string(),
            };
        }
        // The fanout directory must be the short id's own: `journal/ab/ab12cd34/…`.
        if rest.len() >= 2 && is_fanout_name(rest[0]) && fanout(rest[1]) == rest[0] {
            rest.remove(0);
        }
        let mut parts = rest.into_iter();
        match (Some("journal"), parts.next(), parts.next(), parts.next()) {
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
            PathKind::Index { .. } | PathKind::Other => None,
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

/// The longest name a component may have, in bytes: `NAME_MAX` of common file systems, so every
/// name the tree holds can be created in the mirror.
pub const MAX_NAME_BYTES: usize = 255;

/// Why a path component may not be written to disk, or `None` when it may. The rules are git's
/// own `verify_path` (with its NTFS and HFS+ protections on every platform, since a journal
/// travels to all of them) plus control characters, `\` and a length bound.
pub fn component_problem(c: &str) -> Option<&'static str> {
    if c.is_empty() {
        return Some("empty name");
    }
    if c == "." || c == ".." {
        return Some("'.' or '..' name");
    }
    if c.contains('/') || c.contains('\\') {
        return Some("'/' or '\\' inside a name");
    }
    if c.chars().any(char::is_control) {
        return Some("control character in a name");
    }
    if c.len() > MAX_NAME_BYTES {
        return Some("name longer than 255 bytes");
    }
    if is_git_dir_name(c) {
        return Some("'.git' name");
    }
    None
}

/// Whether `c` names a `.git` directory on some file system: any case; NTFS drops trailing dots
/// and spaces and knows the short name `git~1`; HFS+ ignores some zero-width code points.
fn is_git_dir_name(c: &str) -> bool {
    const HFS_IGNORED: [char; 16] = [
        '\u{200c}', '\u{200d}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}',
        '\u{202d}', '\u{202e}', '\u{206a}', '\u{206b}', '\u{206c}', '\u{206d}', '\u{206e}',
        '\u{206f}', '\u{feff}',
    ];
    let is_git = |s: &str| {
        let trimmed = s.trim_end_matches(['.', ' ']);
        trimmed.eq_ignore_ascii_case(".git") || trimmed.eq_ignore_ascii_case("git~1")
    };
    // Every name is checked on every walk of an incoming tree: most are ASCII, which holds none
    // of the ignored code points, so they are compared without a copy.
    if c.is_ascii() {
        return is_git(c);
    }
    let folded: String = c.chars().filter(|ch| !HFS_IGNORED.contains(ch)).collect();
    is_git(&folded)
}

/// One path component that may be written to disk (see [`component_problem`]).
pub fn valid_component(c: &str) -> bool {
    component_problem(c).is_none()
}

/// Whether every component of `path` is [`valid_component`].
pub fn valid_path(path: &str) -> bool {
    path.split('/').all(valid_component)
}

/// A directory of the tree, by what the layout lets it hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The tree's root.
    Root,
    /// `active/` or `archive/`: session files (and `.theirs` copies) only.
    SessionFiles,
    /// `journal/`: 256 fanout directories (and, in a tree not migrated yet, one directory per
    /// session).
    Journal,
    /// `journal/<xx>/`: one directory per session.
    Fanout,
    /// `journal/<short>/`: `progress.md`, `entries/`, and files a merge kept beside them.
    SessionJournal,
    /// `journal/<short>/entries/`: entry files only.
    Entries,
    /// The user's own notes, anywhere outside the tool's directories: files and directories.
    Notes,
}

/// What the entry of a given name in a [`Place`] must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A directory, which is then the given place.
    Tree(Place),
    /// A file.
    Blob,
    /// Either (the user's notes): a directory is then the given place.
    Either(Place),
}

impl Place {
    /// What the entry `name` of this directory must be.
    pub fn expects(self, name: &str) -> Expected {
        match (self, name) {
            (Place::Root, "active" | "archive") => Expected::Tree(Place::SessionFiles),
            (Place::Root, "journal") => Expected::Tree(Place::Journal),
            (Place::Root | Place::Notes, _) => Expected::Either(Place::Notes),
            (Place::Journal, n) if is_fanout_name(n) => Expected::Tree(Place::Fanout),
            (Place::Fanout, INDEX_FILE) => Expected::Blob,
            (Place::Journal | Place::Fanout, _) => Expected::Tree(Place::SessionJournal),
            (Place::SessionJournal, "entries") => Expected::Tree(Place::Entries),
            (Place::SessionJournal | Place::SessionFiles | Place::Entries, _) => Expected::Blob,
        }
    }
}

/// `<name><suffix>`, the name shortened (on a character boundary) so the result still fits
/// [`MAX_NAME_BYTES`]: a copy kept beside a file must be creatable wherever the file is.
pub fn side_name(name: &str, suffix: &str) -> String {
    let mut end = name.len().min(MAX_NAME_BYTES.saturating_sub(suffix.len()));
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &name[..end])
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
            "journal/1a/1a2b3c4d/entries/x.md"
        );
        assert_eq!(progress_path("1a2b3c4d"), "journal/1a/1a2b3c4d/progress.md");
    }

    #[test]
    fn both_journal_layouts_are_classified_and_a_foreign_fanout_is_not() {
        let entry = PathKind::Entry {
            short: "1a2b3c4d".into(),
            name: "2025-01-15T10-00-00.123Z-log-7f3a.md".into(),
        };
        assert_eq!(
            PathKind::of("journal/1a/1a2b3c4d/entries/2025-01-15T10-00-00.123Z-log-7f3a.md"),
            entry
        );
        assert_eq!(
            PathKind::of("journal/1a/1a2b3c4d/progress.md"),
            PathKind::Progress {
                short: "1a2b3c4d".into()
            }
        );
        // A fanout directory that is not the short id's own is not a journal of the layout.
        assert_eq!(
            PathKind::of("journal/ff/1a2b3c4d/progress.md"),
            PathKind::Other
        );
        assert!(is_fanout_name("1a") && !is_fanout_name("1a2b3c4d") && !is_fanout_name("zz"));
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
        let long = "x".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            ".git",
            ".GIT",
            ".git.",
            ".Git ",
            "GIT~1",
            ".g\u{200c}it",
            "a\nb",
            "a\u{7f}",
            "a\u{85}",
            "a\\b",
            "a/b",
            &long,
        ] {
            assert!(!valid_component(bad), "{bad:?}");
        }
        for good in [".gitignore", "git", ".github", "notes.md", "..x", "é"] {
            assert!(valid_component(good), "{good:?}");
        }
        assert!(valid_path("notes/a.md"));
        assert!(!valid_path("notes/../a.md"));
        assert!(!valid_path("/abs"));
    }

    #[test]
    fn each_place_says_what_it_holds() {
        use Expected::*;
        assert_eq!(Place::Root.expects("active"), Tree(Place::SessionFiles));
        assert_eq!(Place::Root.expects("journal"), Tree(Place::Journal));
        assert_eq!(Place::Root.expects("notes"), Either(Place::Notes));
        assert_eq!(Place::Notes.expects("active"), Either(Place::Notes));
        assert_eq!(Place::SessionFiles.expects("x-1a2b3c4d.md"), Blob);
        assert_eq!(
            Place::Journal.expects("1a2b3c4d"),
            Tree(Place::SessionJournal)
        );
        assert_eq!(
            Place::SessionJournal.expects("entries"),
            Tree(Place::Entries)
        );
        assert_eq!(Place::SessionJournal.expects("progress.md"), Blob);
        assert_eq!(Place::Entries.expects("e.md"), Blob);
    }

    #[test]
    fn side_names_fit_a_file_name() {
        assert_eq!(side_name("notes", ".theirs"), "notes.theirs");
        let long = "é".repeat(127);
        let side = side_name(&long, ".theirs");
        assert!(
            side.len() <= MAX_NAME_BYTES && side.ends_with(".theirs"),
            "{side}"
        );
    }
}
