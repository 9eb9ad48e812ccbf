//! Which session a name means: full id, unique id prefix, short id or shortname, looked up in
//! this worktree's mirror (so hand edits count), or in a bare repository in `refs/sessions`.

use gix::ObjectId;

use crate::error::{Error, Result};
use crate::layout::{SessionDir, SessionPath};
use crate::listing::IndexTexts;
use crate::mirror::MIRROR_DIR;
use crate::model::ids;
use crate::model::session::SessionFile;

use super::Workspace;

/// Where `Workspace::archive_names` says the archived session files are listed from.
#[derive(Debug)]
pub enum ArchiveNames {
    /// The session files of the `archive/` tree asked about: the mirror holds the same names.
    Tree,
    /// The names in the mirror's `archive/` (files and links; not all are session files), in
    /// name order.
    Mirror(Vec<String>),
}

impl Workspace {
    /// Every session file in the mirror.
    pub fn sessions(&self) -> Result<Vec<SessionPath>> {
        self.sessions_in(true, true)
    }

    /// The session files of `active/` and/or `archive/` (listing 10,000 archived files costs).
    pub fn sessions_in(&self, active: bool, archived: bool) -> Result<Vec<SessionPath>> {
        let mut out = Vec::new();
        for dir in SessionDir::ALL {
            let wanted = match dir {
                SessionDir::Active => active,
                SessionDir::Archive => archived,
            };
            if !wanted {
                continue;
            }
            if self.bare {
                out.extend(self.ref_session_files(dir)?);
            } else if dir == SessionDir::Archive {
                let tree = match self.journal_tip()? {
                    Some(tip) => {
                        let store = self.store();
                        store.entry_id(store.tree_of(tip)?, dir.as_str())?
                    }
                    None => None,
                };
                match self.archive_names(tree)? {
                    ArchiveNames::Tree => out.extend(self.ref_session_files(dir)?),
                    ArchiveNames::Mirror(names) => out.extend(
                        names
                            .iter()
                            .filter_map(|n| SessionPath::from_file_name(dir, n)),
                    ),
                }
            } else {
                out.extend(self.mirror.session_files(dir)?);
            }
        }
        Ok(out)
    }

    /// Where the archived session files are listed from, given the `archive/` tree of the
    /// journal shown (`None`: it has none). The mirror's `archive/` decides which sessions
    /// there are (hand edits count), but listing its thousands of names costs more than
    /// decoding the tree: when its recorded scan says it holds exactly the session file names
    /// of that tree (decision 136), or in a bare repository, they are read from the tree.
    pub fn archive_names(&self, tree: Option<ObjectId>) -> Result<ArchiveNames> {
        if self.bare {
            return Ok(ArchiveNames::Tree);
        }
        // Listed a moment ago by the check for strays, with the mirror caught up.
        if let Some(names) = self.archive_listing.borrow_mut().take() {
            return Ok(ArchiveNames::Mirror(names));
        }
        if let Some(tree) = tree
            && self.mirror.archive_names_are(tree)?
        {
            return Ok(ArchiveNames::Tree);
        }
        Ok(ArchiveNames::Mirror(
            self.mirror.list(SessionDir::Archive.as_str())?,
        ))
    }

    /// The session file with this short id, looking in `active/` first.
    pub fn by_short(&self, short: &str) -> Result<Option<SessionPath>> {
        if self.bare {
            return Ok(self
                .sessions()?
                .into_iter()
                .find(|p| p.short.eq_ignore_ascii_case(short)));
        }
        Ok(self.mirror.find_session(short)?)
    }

    /// The session files of `dir` in the tree of `refs/sessions` (a bare repository's journal).
    fn ref_session_files(&self, dir: SessionDir) -> Result<Vec<SessionPath>> {
        let store = self.store();
        let Some(tip) = self.journal_tip()? else {
            return Ok(Vec::new());
        };
        Ok(store
            .list(store.tree_of(tip)?, dir.as_str())?
            .iter()
            .filter(|e| !e.is_tree)
            .filter_map(|e| SessionPath::from_file_name(dir, &e.name))
            .collect())
    }

    /// Resolve a session named by full id, unique id prefix, short id or shortname.
    pub fn resolve(&self, name: &str) -> Result<SessionPath> {
        let all = self.sessions()?;
        let lower = name.to_ascii_lowercase();
        let exact: Vec<&SessionPath> = all
            .iter()
            .filter(|s| s.shortname == name || s.short == lower || s.label() == name)
            .collect();
        match exact.len() {
            1 => return Ok(exact[0].clone()),
            n if n > 1 => {
                return Err(Error::AmbiguousSession {
                    name: ids::printable(name),
                    candidates: exact.iter().map(|s| s.label()).collect(),
                });
            }
            _ => {}
        }
        let hex_digits = name.chars().filter(char::is_ascii_hexdigit).count();
        let hexish = hex_digits >= 4 && name.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if hexish {
            let want = lower.replace('-', "");
            let matches = |id: &str| id.replace('-', "").to_ascii_lowercase().starts_with(&want);
            // An archived session's id is read from the listing index where it describes the
            // blob the tree holds (as `list --all` reads it, decision 53): reading 10,000 files
            // to match a prefix took seconds.
            let texts = match self.journal_tip()? {
                Some(tip) if all.iter().any(SessionPath::archived) => {
                    let store = self.store();
                    Some(IndexTexts::load(&store, store.tree_of(tip)?)?)
                }
                _ => None,
            };
            let index = texts.as_ref().map(IndexTexts::index);
            let mut buf = String::new();
            let mut found = Vec::new();
            for s in &all {
                let indexed = match &index {
                    Some(index) if s.archived() => index.line(s, &mut buf),
                    _ => None,
                };
                let hit = match indexed {
                    Some(line) => matches(line.id),
                    None => self.load(s).is_ok_and(|f| matches(&f.meta.id)),
                };
                if hit {
                    found.push(s.clone());
                }
            }
            match found.len() {
                1 => return Ok(found.remove(0)),
                n if n > 1 => {
                    return Err(Error::AmbiguousSession {
                        name: ids::printable(name),
                        candidates: found.iter().map(|s| s.label()).collect(),
                    });
                }
                _ => {}
            }
        }
        Err(Error::UnknownSession(ids::printable(name)))
    }

    /// The current session, or `NoCurrentSession`.
    pub fn current(&self) -> Result<SessionPath> {
        let id = self.current_id()?.ok_or(Error::NoCurrentSession)?;
        let short = ids::short_of(&id).ok_or(Error::NoCurrentSession)?;
        self.by_short(&short)?.ok_or(Error::NoCurrentSession)
    }

    /// The named session, or the current one.
    pub fn target(&self, name: Option<&str>) -> Result<SessionPath> {
        match name {
            Some(n) => self.resolve(n),
            None => self.current(),
        }
    }

    /// Parse a session file from the mirror (in a bare repository, from `refs/sessions`).
    pub fn load(&self, s: &SessionPath) -> Result<SessionFile> {
        let path = s.render();
        let (origin, bytes) = if self.bare {
            let store = self.store();
            let origin = format!("refs/sessions:{path}");
            let tree = match self.journal_tip()? {
                Some(tip) => store.tree_of(tip)?,
                None => store.empty_tree(),
            };
            (origin, store.read(tree, &path)?)
        } else {
            (format!("{MIRROR_DIR}/{s}"), self.mirror.read(&path)?)
        };
        let bytes = bytes.ok_or_else(|| Error::Missing(origin.clone()))?;
        // The write path needs to know what its plan read (see `commit_with`).
        if let Some(reads) = self.plan_reads.borrow_mut().as_mut() {
            reads.entry(path).or_insert_with(|| bytes.clone());
        }
        Ok(SessionFile::parse_bytes(&origin, &bytes)?)
    }
}
