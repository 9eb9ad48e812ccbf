//! This worktree's record of where its mirror stands, kept under the worktree's own git dir
//! (never in the shared ref): the commit it last matched, a pending write, paths merged but not
//! yet committed, fetched journals already merged, and merges waiting for a file to parse.

use std::fs;

use gix::ObjectId;

use super::{DirStamp, Mirror, MirrorError, Result, write_atomic};

/// How much older than a scan a directory's modification time must be for the scan to be
/// remembered (`Mirror::set_scanned`): file systems stamp times from a coarse clock.
const SCAN_MARGIN_NS: i128 = 2_000_000_000;

/// A commit whose mirror update may not have finished: for each path it wrote, the blob the
/// mirror file held when the commit was planned (`None`: no file). Written before the ref moves,
/// removed once the mirror matches; found after a crash, it tells the next command how to finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub commit: ObjectId,
    pub paths: Vec<(String, Option<ObjectId>)>,
}

/// What a scan of a mirror directory that found nothing to adopt recorded (decisions 90, 136).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// The directory's inode and modification time when it was listed.
    pub stamp: DirStamp,
    /// How the session file names listed compared with the tree of `refs/sessions` then.
    pub names: TreeNames,
}

/// How the session file names of a mirror directory compared with that directory's tree in
/// `refs/sessions` when it was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeNames {
    /// Not compared (a record written by an older version).
    Unknown,
    /// Compared, and not the same.
    Differ,
    /// Exactly the session file names of this tree (the directory's tree object).
    Same(ObjectId),
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
    /// The `refs/sessions` commit the mirror last matched.
    pub fn last_seen(&self) -> Result<Option<ObjectId>> {
        let path = self.state_dir.join("mirror");
        match fs::read_to_string(&path) {
            Ok(s) => Ok(ObjectId::from_hex(s.trim().as_bytes()).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(MirrorError::io(path, e)),
        }
    }

    /// Record the commit the mirror now matches.
    pub fn set_last_seen(&self, id: ObjectId) -> Result<()> {
        write_atomic(&self.state_dir.join("mirror"), format!("{id}\n").as_bytes())
    }

    fn state_lines(&self, name: &str) -> Result<Vec<String>> {
        let path = self.state_dir.join(name);
        match fs::read_to_string(&path) {
            Ok(s) => Ok(s
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(MirrorError::io(path, e)),
        }
    }

    fn set_state_lines(&self, name: &str, lines: &[String]) -> Result<()> {
        let path = self.state_dir.join(name);
        if lines.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(MirrorError::io(path, e)),
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

    /// What the last scan of `rel_dir` that found nothing to adopt in it recorded
    /// (`set_scanned`).
    pub fn scanned(&self, rel_dir: &str) -> Result<Option<Scan>> {
        Ok(self.state_lines("scanned")?.iter().find_map(|l| {
            let mut f = l.split('\t');
            match (f.next(), f.next(), f.next()) {
                (Some(dir), Some(ino), Some(t)) if dir == rel_dir => Some(Scan {
                    stamp: DirStamp {
                        ino: ino.parse().ok()?,
                        mtime_ns: t.parse().ok()?,
                    },
                    // A fourth field: older versions write three, and read only three.
                    names: match f.next() {
                        None => TreeNames::Unknown,
                        Some("-") => TreeNames::Differ,
                        Some(id) => parse_id(id).map_or(TreeNames::Unknown, TreeNames::Same),
                    },
                }),
                _ => None,
            }
        }))
    }

    /// Record that `rel_dir`, at `scan.stamp`, held nothing to adopt. Only a stamp older than
    /// the scan counts (`listed_at`, taken before the directory was read, minus a margin for
    /// coarse file system clocks): a name added in the same clock tick as the last change would
    /// leave the time as it was, so a stamp that recent is not recorded and the next command
    /// rescans.
    pub fn set_scanned(
        &self,
        rel_dir: &str,
        scan: Scan,
        listed_at: std::time::SystemTime,
    ) -> Result<()> {
        let listed_ns = listed_at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        if scan.stamp.mtime_ns + SCAN_MARGIN_NS > listed_ns || self.scanned(rel_dir)? == Some(scan)
        {
            return Ok(());
        }
        let mut lines: Vec<String> = self
            .state_lines("scanned")?
            .into_iter()
            .filter(|l| l.split('\t').next() != Some(rel_dir))
            .collect();
        let names = match scan.names {
            TreeNames::Unknown => String::new(),
            TreeNames::Differ => "\t-".to_string(),
            TreeNames::Same(id) => format!("\t{id}"),
        };
        lines.push(format!(
            "{rel_dir}\t{}\t{}{names}",
            scan.stamp.ino, scan.stamp.mtime_ns
        ));
        self.set_state_lines("scanned", &lines)
    }

    /// Whether `archive/` holds exactly the session file names of `tree` (the `archive/` tree
    /// of `refs/sessions`), as far as the recorded scan says: its stamp is the one recorded by a
    /// scan that found those names and no stray (decision 136). `false` whenever unsure.
    pub fn archive_names_are(&self, tree: ObjectId) -> Result<bool> {
        let dir = crate::layout::SessionDir::Archive.as_str();
        let Some(scan) = self.scanned(dir)? else {
            return Ok(false);
        };
        Ok(scan.names == TreeNames::Same(tree) && self.dir_stamp(dir)? == Some(scan.stamp))
    }

    /// Forget every remembered scan (`doctor --repair` lists everything again).
    pub fn forget_scanned(&self) -> Result<()> {
        self.set_state_lines("scanned", &[])
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

    /// Every `merged_remote`, read once: key → commit.
    pub fn merged_remotes(&self) -> Result<std::collections::HashMap<String, ObjectId>> {
        Ok(self
            .state_lines("remotes")?
            .iter()
            .filter_map(|l| {
                let (key, id) = l.rsplit_once(' ')?;
                Some((key.to_string(), parse_id(id)?))
            })
            .collect())
    }

    /// Record that `remote`'s journal at `id` is merged.
    pub fn set_merged_remote(&self, remote: &str, id: ObjectId) -> Result<()> {
        self.set_merged_remotes(&[(remote.to_string(), id)])
    }

    /// Record several `(remote, id)` at once: one read and one write of the state file.
    pub fn set_merged_remotes(&self, merged: &[(String, ObjectId)]) -> Result<()> {
        let mut lines: Vec<String> = self
            .state_lines("remotes")?
            .into_iter()
            .filter(|l| !merged.iter().any(|(r, _)| l.starts_with(&format!("{r} "))))
            .collect();
        lines.extend(merged.iter().map(|(r, id)| format!("{r} {id}")));
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
