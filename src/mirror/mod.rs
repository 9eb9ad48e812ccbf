//! `.sessions/`: this worktree's working copy of the `refs/sessions` tree.
//!
//! Files are replaced atomically (write a temporary file beside the target, then rename), so a
//! crash leaves either the old or the new content, never half of one. What the mirror last
//! matched is recorded under the worktree's own git dir, never in the shared ref.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use crate::error::{Error, IoContext, Result};

/// The directory name of the mirror in a worktree.
pub const MIRROR_DIR: &str = ".sessions";

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
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => Err(Error::Other(format!(
                "{}: is a directory where a file belongs",
                path.display()
            ))),
            Err(e) => Err(Error::io(path, e)),
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
            Err(e) => return Err(Error::io(path, e)),
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
                return Err(Error::Other(format!(
                    "{}: is a file where a directory belongs",
                    dir.display()
                )));
            }
            Err(e) => return Err(Error::io(dir, e)),
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

    /// The `refs/sessions` commit the mirror last matched.
    pub fn last_seen(&self) -> Result<Option<ObjectId>> {
        let path = self.state_dir.join("mirror");
        match fs::read_to_string(&path) {
            Ok(s) => Ok(ObjectId::from_hex(s.trim().as_bytes()).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Record the commit the mirror now matches.
    pub fn set_last_seen(&self, id: ObjectId) -> Result<()> {
        write_atomic(&self.state_dir.join("mirror"), format!("{id}\n").as_bytes())
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
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// 32 random bits, taken from a v7 uuid's random tail (no extra dependency).
pub fn rand32() -> u32 {
    let b = uuid::Uuid::now_v7().into_bytes();
    u32::from_le_bytes([b[12], b[13], b[14], b[15]])
}
