//! `.sessions/`: this worktree's working copy of the `refs/sessions` tree.
//!
//! Files are replaced atomically (write a temporary file beside the target, then rename), so a
//! crash leaves either the old or the new content, never half of one. What the mirror last
//! matched is recorded under the worktree's own git dir, never in the shared ref.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::layout::{SessionDir, SessionPath, rand32};

pub mod refresh;
mod state;
#[cfg(test)]
mod tests;

pub use state::{Pending, Unmerged};

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
    #[error("{}: is a file where a directory belongs", .0.display())]
    FileWhereDirectoryBelongs(PathBuf),
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

/// One worktree's `.sessions/` and the state that goes with it.
pub struct Mirror {
    root: PathBuf,
    state_dir: PathBuf,
}

impl Mirror {
    /// The mirror at `worktree/.sessions`, with state in `state_dir`.
    pub fn new(worktree: &Path, state_dir: PathBuf) -> Self {
        Mirror {
            root: worktree.join(MIRROR_DIR),
            state_dir,
        }
    }

    /// The mirror's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `.sessions/` exists at all.
    pub fn exists(&self) -> bool {
        self.root.is_dir()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A file's bytes, or `None` when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(rel);
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                Err(MirrorError::DirectoryWhereFileBelongs(path))
            }
            Err(e) => Err(MirrorError::io(path, e)),
        }
    }

    /// Replace a file atomically, creating its directory.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.path(rel), bytes)
    }

    /// Remove a file (and its directory when that becomes empty).
    pub fn remove(&self, rel: &str) -> Result<()> {
        let path = self.path(rel);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(MirrorError::io(path, e)),
        }
        let mut dir = path.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == self.root || fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(())
    }

    /// Names of the files in a directory of the mirror (temporary and hidden files skipped).
    pub fn list(&self, rel_dir: &str) -> Result<Vec<String>> {
        let dir = self.path(rel_dir);
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(MirrorError::FileWhereDirectoryBelongs(dir));
            }
            Err(e) => return Err(MirrorError::io(dir, e)),
        };
        let mut names = Vec::new();
        for entry in rd {
            let entry = entry.at(&dir)?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            if entry.file_type().at(entry.path())?.is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Every file below `rel_dir`, as paths relative to the mirror root.
    pub fn walk(&self, rel_dir: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stack = vec![rel_dir.to_string()];
        while let Some(d) = stack.pop() {
            let dir = self.path(&d);
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for entry in rd {
                let entry = entry.at(&dir)?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                let rel = if d.is_empty() {
                    name
                } else {
                    format!("{d}/{name}")
                };
                let ft = entry.file_type().at(entry.path())?;
                if ft.is_dir() {
                    stack.push(rel);
                } else if ft.is_file() {
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

    /// Names of the subdirectories of a mirror directory.
    pub fn subdirs(&self, rel_dir: &str) -> Result<Vec<String>> {
        let dir = self.path(rel_dir);
        let Ok(rd) = fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut names = Vec::new();
        for entry in rd {
            let entry = entry.at(&dir)?;
            if let Ok(name) = entry.file_name().into_string()
                && !name.starts_with('.')
                && entry.file_type().at(entry.path())?.is_dir()
            {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Write `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("mirror paths have a parent");
    fs::create_dir_all(dir).at(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:08x}",
        std::process::id(),
        rand32()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(MirrorError::io(path, e));
    }
    Ok(())
}
