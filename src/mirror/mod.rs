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

/// A commit whose mirror update may not have finished: for each path it wrote, the blob the
/// mirror file held when the commit was planned (`None`: no file). Written before the ref moves,
/// removed once the mirror matches; found after a crash, it tells the next command how to finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub commit: ObjectId,
    pub paths: Vec<(String, Option<ObjectId>)>,
}

/// A merge that could not be done because our copy did not parse: redone once it parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmerged {
    /// Our (unparsable) file.
    pub path: String,
    pub base: Option<ObjectId>,
    /// Where the other version lives in the ref, and its blob.
    pub theirs_path: String,
    pub theirs: ObjectId,
}

fn hex_or_dash(id: Option<ObjectId>) -> String {
    id.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
}

fn parse_id(s: &str) -> Option<ObjectId> {
    ObjectId::from_hex(s.as_bytes()).ok()
}

impl Mirror {
    fn state_lines(&self, name: &str) -> Result<Vec<String>> {
        let path = self.state_dir.join(name);
        match fs::read_to_string(&path) {
            Ok(s) => Ok(s
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn set_state_lines(&self, name: &str, lines: &[String]) -> Result<()> {
        let path = self.state_dir.join(name);
        if lines.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
                _ => Ok(()),
            };
        }
        write_atomic(&path, (lines.join("\n") + "\n").as_bytes())
    }

    /// The pending commit record, if any.
    pub fn pending(&self) -> Result<Option<Pending>> {
        let lines = self.state_lines("pending")?;
        let Some(commit) = lines.first().and_then(|l| parse_id(l.trim())) else {
            return Ok(None);
        };
        let paths = lines[1..]
            .iter()
            .filter_map(|l| {
                l.split_once('\t')
                    .map(|(id, p)| (p.to_string(), parse_id(id)))
            })
            .collect();
        Ok(Some(Pending { commit, paths }))
    }

    /// Record (or, with `None`, clear) the pending commit.
    pub fn set_pending(&self, p: Option<&Pending>) -> Result<()> {
        let lines = match p {
            None => Vec::new(),
            Some(p) => std::iter::once(p.commit.to_string())
                .chain(
                    p.paths
                        .iter()
                        .map(|(path, id)| format!("{}\t{path}", hex_or_dash(*id))),
                )
                .collect(),
        };
        self.set_state_lines("pending", &lines)
    }

    /// Paths the mirror holds merged content for that no commit has saved yet.
    pub fn dirty(&self) -> Result<Vec<String>> {
        self.state_lines("dirty")
    }

    /// Add a path to [`Mirror::dirty`].
    pub fn add_dirty(&self, path: &str) -> Result<()> {
        let mut lines = self.dirty()?;
        if !lines.iter().any(|l| l == path) {
            lines.push(path.to_string());
        }
        self.set_state_lines("dirty", &lines)
    }

    /// Forget the dirty paths (they were committed).
    pub fn clear_dirty(&self) -> Result<()> {
        if self.state_dir.join("dirty").exists() {
            self.set_state_lines("dirty", &[])
        } else {
            Ok(())
        }
    }

    /// The commit of `remote`'s journal last merged here.
    pub fn merged_remote(&self, remote: &str) -> Result<Option<ObjectId>> {
        Ok(self
            .state_lines("remotes")?
            .iter()
            .find_map(|l| l.strip_prefix(remote)?.strip_prefix(' ').and_then(parse_id)))
    }

    /// Record that `remote`'s journal at `id` is merged.
    pub fn set_merged_remote(&self, remote: &str, id: ObjectId) -> Result<()> {
        let mut lines: Vec<String> = self
            .state_lines("remotes")?
            .into_iter()
            .filter(|l| !l.starts_with(&format!("{remote} ")))
            .collect();
        lines.push(format!("{remote} {id}"));
        self.set_state_lines("remotes", &lines)
    }

    /// Merges waiting for our copy to parse again.
    pub fn unmerged(&self) -> Result<Vec<Unmerged>> {
        Ok(self
            .state_lines("unmerged")?
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                if f.len() != 4 {
                    return None;
                }
                Some(Unmerged {
                    path: f[0].into(),
                    base: parse_id(f[1]),
                    theirs_path: f[2].into(),
                    theirs: parse_id(f[3])?,
                })
            })
            .collect())
    }

    /// Replace the list of waiting merges.
    pub fn set_unmerged(&self, list: &[Unmerged]) -> Result<()> {
        let lines: Vec<String> = list
            .iter()
            .map(|u| {
                format!(
                    "{}\t{}\t{}\t{}",
                    u.path,
                    hex_or_dash(u.base),
                    u.theirs_path,
                    u.theirs
                )
            })
            .collect();
        self.set_state_lines("unmerged", &lines)
    }
}
