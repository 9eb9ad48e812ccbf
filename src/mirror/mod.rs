//! `.sessions/`: this worktree's working copy of the `refs/sessions` tree.
//!
//! Files are replaced atomically (write a temporary file beside the target, then rename), so a
//! crash leaves either the old or the new content, never half of one. What the mirror last
//! matched is recorded under the worktree's own git dir, never in the shared ref.
//!
//! No symlink is ever followed: every path is checked against the layout's rules, `.sessions`
//! and each directory on the way must be real directories (not links), and files are opened
//! with `O_NOFOLLOW`. A link where a file or directory belongs is refused with
//! [`MirrorError::Symlink`], so nothing outside `.sessions/` is read or written through it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::layout::{SessionDir, SessionPath, rand32};

mod adopt;
pub mod refresh;
mod state;
#[cfg(test)]
mod tests;

pub use state::{Pending, Scan, TreeNames, Unmerged};

/// The directory name of the mirror in a worktree.
pub const MIRROR_DIR: &str = ".sessions";

/// What can go wrong with the files of `.sessions/` and the worktree's state files.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: is a directory where a file belongs", .0.display())]
    DirectoryWhereFileBelongs(PathBuf),
    /// A symbolic link inside (or as) `.sessions/`: never followed.
    #[error("{}: is a symbolic link; git-session never follows links in .sessions/ (remove it, or replace it with the real file)", .0.display())]
    Symlink(PathBuf),
    /// Something that is neither a file nor a directory (a FIFO, a socket, a device).
    #[error("{}: is not a regular file", .0.display())]
    NotAFile(PathBuf),
    /// The ref is gone while the mirror remembers a commit of it.
    #[error(
        "refs/sessions is gone, but .sessions/ was at {0}; nothing was written. Restore it with: git session doctor --repair"
    )]
    RefVanished(gix::ObjectId),
    /// Reading or writing the journal's objects failed while refreshing.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A session file the refresh had to merge does not parse.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// A path that could leave `.sessions/` (`..`, an absolute or empty part, `.git`, a control
    /// character).
    #[error("{0:?}: not a path git-session writes or reads in .sessions/")]
    BadPath(String),
    #[error("{}: is a file where a directory belongs", .0.display())]
    FileWhereDirectoryBelongs(PathBuf),
    /// A bare repository has no `.sessions/`: its journal is read from the ref.
    #[error("this repository has no working tree, so no {MIRROR_DIR}/")]
    NoWorkingTree,
}

impl MirrorError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MirrorError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Results of this module.
pub type Result<T, E = MirrorError> = std::result::Result<T, E>;

trait At<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> At<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| MirrorError::io(path, e))
    }
}

/// A directory's inode and modification time (nanoseconds since the epoch): creating, removing
/// or renaming a name in it moves the time, so an equal stamp means the same list of names —
/// when the stamp is older than the listing it vouches for (see `Mirror::scanned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirStamp {
    pub ino: u64,
    pub mtime_ns: i128,
}

impl DirStamp {
    #[cfg(unix)]
    fn of(m: &fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(DirStamp {
            ino: m.ino(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<Self> {
        None
    }
}

/// One worktree's `.sessions/` and the state that goes with it.
pub struct Mirror {
    /// `None` in a bare repository: there is state (what was merged) but no files.
    root: Option<PathBuf>,
    state_dir: PathBuf,
}

impl Mirror {
    /// The mirror at `worktree/.sessions` (none without a worktree), with state in `state_dir`.
    pub fn new(worktree: Option<&Path>, state_dir: PathBuf) -> Self {
        Mirror {
            root: worktree.map(|w| w.join(MIRROR_DIR)),
            state_dir,
        }
    }

    /// The mirror's root directory; `None` in a bare repository.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The root, or the error that there is none: every file operation goes through here.
    fn top(&self) -> Result<&Path> {
        self.root.as_deref().ok_or(MirrorError::NoWorkingTree)
    }

    /// Whether `.sessions/` exists at all (a link named `.sessions` is not a mirror).
    pub fn exists(&self) -> bool {
        self.root
            .as_ref()
            .is_some_and(|r| fs::symlink_metadata(r).is_ok_and(|m| m.is_dir()))
    }

    /// Whether `.sessions` itself is a symbolic link (refused: it could point anywhere).
    pub fn is_symlink(&self) -> bool {
        self.root
            .as_ref()
            .is_some_and(|r| fs::symlink_metadata(r).is_ok_and(|m| m.file_type().is_symlink()))
    }

    /// The full path of `rel`, after checking that `rel` is a path the layout allows (`""` is
    /// the root) and that `.sessions` and every directory on the way that exists is a real
    /// directory, not a link. With `last`, the final component is checked the same way.
    fn guard(&self, rel: &str, last: bool) -> Result<PathBuf> {
        if !rel.is_empty() && !crate::layout::valid_path(rel) {
            return Err(MirrorError::BadPath(rel.to_string()));
        }
        let parts: Vec<&str> = if rel.is_empty() {
            Vec::new()
        } else {
            rel.split('/').collect()
        };
        let dirs = if last || parts.is_empty() {
            parts.len()
        } else {
            parts.len() - 1
        };
        let top = self.top()?;
        let mut path = top.to_path_buf();
        for i in 0..=dirs {
            if i > 0 {
                path.push(parts[i - 1]);
            }
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(MirrorError::Symlink(path)),
                Ok(m) if !m.is_dir() && (i < parts.len()) => {
                    return Err(MirrorError::FileWhereDirectoryBelongs(path));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(MirrorError::io(path, e)),
            }
        }
        Ok(top.join(rel))
    }

    /// A file's bytes, or `None` when it does not exist. Opened without following a link
    /// (`O_NOFOLLOW`) and without blocking on a FIFO (`O_NONBLOCK`).
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.guard(rel, false)?;
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(MirrorError::Symlink(path));
            }
            Err(e) => return Err(MirrorError::io(path, e)),
        };
        let meta = file.metadata().at(&path)?;
        if meta.is_dir() {
            return Err(MirrorError::DirectoryWhereFileBelongs(path));
        }
        if !meta.is_file() {
            return Err(MirrorError::NotAFile(path));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes).at(&path)?;
        Ok(Some(bytes))
    }

    /// Like [`Mirror::read`], but a link or a special file at `rel` itself counts as no file:
    /// for the refresh and the write path, which then replace it with the ref's content.
    /// A link on the way to `rel` is still an error.
    pub fn read_regular(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let own = self.top()?.join(rel);
        match self.read(rel) {
            Err(MirrorError::Symlink(p) | MirrorError::NotAFile(p)) if p == own => Ok(None),
            other => other,
        }
    }

    /// Replace a file atomically, creating its directories (real ones: a link on the way is
    /// refused). A link at the file's own place is replaced, not followed.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.replace(rel, bytes, None).map(|_| ())
    }

    /// Like [`Mirror::write`], but only while the file still holds `expected` (its blob id, or
    /// `Some(None)`: no file): the new content is written beside it first, and the file is
    /// compared again just before the rename, so that a save made meanwhile is not replaced.
    /// Returns whether the file was replaced. `expected: None` replaces whatever is there.
    pub fn replace(
        &self,
        rel: &str,
        bytes: &[u8],
        expected: Option<Option<gix::ObjectId>>,
    ) -> Result<bool> {
        let path = self.guard(rel, false)?;
        let top = self.top()?;
        if !self.exists() {
            fs::create_dir_all(top).at(top)?;
        }
        let mut dir = top.to_path_buf();
        let parts: Vec<&str> = rel.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            dir.push(part);
            match fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(MirrorError::io(dir, e)),
            }
        }
        // Checked again now that the directories exist: nothing swapped one for a link.
        self.guard(rel, false)?;
        let tmp = write_temp(&path, bytes)?;
        if let Some(expected) = expected {
            let now = match self.read_regular(rel) {
                Ok(b) => b.as_deref().map(crate::store::blob_id),
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    return Err(e);
                }
            };
            if now != expected {
                let _ = fs::remove_file(&tmp);
                return Ok(false);
            }
        }
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(MirrorError::io(path, e));
        }
        Ok(true)
    }

    /// Remove a file (and its directory when that becomes empty); a link is removed, not followed.
    pub fn remove(&self, rel: &str) -> Result<()> {
        let path = self.guard(rel, false)?;
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(MirrorError::io(path, e)),
        }
        let mut dir = path.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if Some(d.as_path()) == self.root() || fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(())
    }

    /// The visible entries of a mirror directory and their types (hidden and temporary files,
    /// and names that are not UTF-8, skipped; a symlink is neither a file nor a directory).
    /// `None` when the directory does not exist.
    fn entries(&self, rel_dir: &str) -> Result<Option<Vec<(String, fs::FileType)>>> {
        let dir = self.guard(rel_dir, true)?;
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(MirrorError::FileWhereDirectoryBelongs(dir));
            }
            Err(e) => return Err(MirrorError::io(dir, e)),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.at(&dir)?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !name.starts_with('.') {
                out.push((name, entry.file_type().at(entry.path())?));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(out))
    }

    /// What the file system records of a directory of the mirror that changes whenever a name
    /// in it is created, removed or renamed: its inode and modification time. `None` when it is
    /// not a directory (or on a system without them), so that the caller rescans.
    pub fn dir_stamp(&self, rel_dir: &str) -> Result<Option<DirStamp>> {
        let dir = self.guard(rel_dir, true)?;
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => Ok(DirStamp::of(&m)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(MirrorError::io(dir, e)),
        }
    }

    /// Names of the files in a directory of the mirror (temporary and hidden files skipped).
    /// Links are listed too, so that whoever reads them learns they are links.
    pub fn list(&self, rel_dir: &str) -> Result<Vec<String>> {
        Ok(self
            .entries(rel_dir)?
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, t)| t.is_file() || t.is_symlink())
            .map(|(name, _)| name)
            .collect())
    }

    /// Every file below `rel_dir`, as paths relative to the mirror root; a link (to a file or a
    /// directory) is listed as an entry and never followed.
    pub fn walk(&self, rel_dir: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stack = vec![rel_dir.to_string()];
        while let Some(d) = stack.pop() {
            // A directory that vanished or turned into a file meanwhile has nothing to walk.
            let Ok(Some(entries)) = self.entries(&d) else {
                continue;
            };
            for (name, ft) in entries {
                let rel = if d.is_empty() {
                    name
                } else {
                    format!("{d}/{name}")
                };
                if ft.is_dir() {
                    stack.push(rel);
                } else if ft.is_file() || ft.is_symlink() {
                    out.push(rel);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The session files in `dir` (files not named `<shortname>-<short>.md` are not sessions).
    pub fn session_files(&self, dir: SessionDir) -> Result<Vec<SessionPath>> {
        Ok(self
            .list(dir.as_str())?
            .iter()
            .filter_map(|name| SessionPath::from_file_name(dir, name))
            .collect())
    }

    /// The session file with this short id, looking in `active/` first.
    pub fn find_session(&self, short: &str) -> Result<Option<SessionPath>> {
        for dir in SessionDir::ALL {
            if let Some(p) = self
                .session_files(dir)?
                .into_iter()
                .find(|p| p.short.eq_ignore_ascii_case(short))
            {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// Move a directory of the mirror whole to `to`, a path that does not exist yet (its parent
    /// is created, as a real directory). Returns `Moved` when it renamed, `AlreadyThere` when
    /// `from` is gone and `to` is a directory (an earlier run renamed it and stopped before
    /// recording so), and `NotMoved` otherwise (`from` missing, or `to` taken): the caller then
    /// moves file by file. Links are neither followed nor moved: a link at `from` or on the way
    /// is an error, as everywhere in the mirror.
    pub fn move_dir(&self, from: &str, to: &str) -> Result<DirMove> {
        let src = self.guard(from, true)?;
        let dst = self.guard(to, true)?;
        let is_dir = |p: &Path| -> Result<Option<bool>> {
            match fs::symlink_metadata(p) {
                Ok(m) if m.file_type().is_symlink() => Err(MirrorError::Symlink(p.to_path_buf())),
                Ok(m) => Ok(Some(m.is_dir())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(MirrorError::io(p, e)),
            }
        };
        match (is_dir(&src)?, is_dir(&dst)?) {
            (Some(true), None) => {}
            (None, Some(true)) => return Ok(DirMove::AlreadyThere),
            _ => return Ok(DirMove::NotMoved),
        }
        if let Some(parent) = dst.parent() {
            match fs::create_dir(parent) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(MirrorError::io(parent, e)),
            }
        }
        // Checked again now that the parent exists: nothing swapped one for a link.
        self.guard(to, true)?;
        if is_dir(&dst)?.is_some() {
            return Ok(DirMove::NotMoved);
        }
        fs::rename(&src, &dst).at(&src)?;
        Ok(DirMove::Moved)
    }

    /// Names of the subdirectories of a mirror directory.
    pub fn subdirs(&self, rel_dir: &str) -> Result<Vec<String>> {
        Ok(self
            .entries(rel_dir)
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, t)| t.is_dir())
            .map(|(name, _)| name)
            .collect())
    }
}

/// What [`Mirror::move_dir`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirMove {
    /// The directory was renamed to its new place.
    Moved,
    /// It was at its new place already.
    AlreadyThere,
    /// Nothing moved: there was nothing to move, or the new place was taken.
    NotMoved,
}

/// Write `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("mirror paths have a parent");
    fs::create_dir_all(dir).at(dir)?;
    let tmp = write_temp(path, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(MirrorError::io(path, e));
    }
    Ok(())
}

/// `bytes` in a new hidden file beside `path` (its directory exists), ready to be renamed over it.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let dir = path.parent().expect("mirror paths have a parent");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:08x}",
        std::process::id(),
        rand32()
    ));
    let result = (|| {
        // create_new: never opens an existing file, and never follows a link placed there.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.flush()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(MirrorError::io(path, e));
    }
    Ok(tmp)
}
