//! `git session import`: adopt a seed-era `.sessions/` tree from anywhere in one commit.
//! Each file is made ready by `journal::adopt_session` / `journal::portable_entry`; this module
//! reads the source directory (regular files only, never following a link) and plans the change.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::journal::{EntryWriter, adopt_session, portable_entry};
use crate::layout::{self, SessionDir};
use crate::model::progress;
use crate::store::TreeChanges;

/// What `import` will commit, and what it says about it.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub changes: TreeChanges,
    pub sessions: Vec<String>,
    pub entries: usize,
    pub notes: Vec<String>,
    /// Files of the source that were not taken (links, names that cannot be stored), and why.
    pub skipped: Vec<String>,
    /// Sessions skipped because the journal holds them already, byte for byte.
    pub already: usize,
    /// Each source file taken, relative to the source directory, and its path in the tree.
    pub taken: Vec<(String, String)>,
}

/// Plan the import of a seed-era `.sessions/` tree at `dir` into a journal whose current tree
/// holds `existing` (session id → its path and blob id), writing entries as `writer`. A session
/// already there byte for byte (imported before, or adopted) is skipped; the same id with other
/// content refuses the whole import. Reads only regular
/// files under `dir`, never following a link; writes nothing.
pub fn plan_import(
    dir: &Path,
    existing: &BTreeMap<String, (String, gix::ObjectId)>,
    writer: &EntryWriter,
) -> Result<ImportPlan> {
    let mut plan = ImportPlan::default();
    // The journal directory of each session, by every name the seed may have used for it.
    let mut journal_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut shorts: BTreeMap<String, String> = BTreeMap::new();
    for sdir in SessionDir::ALL {
        for (name, path) in regular_files(&dir.join(sdir.as_str()), &mut plan.skipped)? {
            if !name.ends_with(".md") {
                continue;
            }
            let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let origin = path.display().to_string();
            let a = adopt_session(&origin, &name, &bytes, sdir)?;
            let unchanged = match existing.get(&a.id) {
                Some((at, id))
                    if *at == a.path.render() && *id == crate::store::blob_id(&a.bytes) =>
                {
                    true
                }
                Some((other, _)) => {
                    return Err(Error::Usage(format!(
                        "{origin}: its id {} is already the session {other} of this journal, with other content; nothing was imported",
                        a.id
                    )));
                }
                None => false,
            };
            if let Some(first) = shorts.insert(a.path.short.clone(), origin.clone()) {
                return Err(Error::Usage(format!(
                    "{origin} and {first} are the same session (short id {}); keep one, then import again; nothing was imported",
                    a.path.short
                )));
            }
            let stem = name.strip_suffix(".md").unwrap_or(&name);
            let keys = [
                stem.rsplit_once('-').map(|(_, t)| t.to_string()),
                Some(a.path.short.clone()),
                Some(a.id.clone()),
            ];
            for key in keys.into_iter().flatten() {
                journal_of.insert(key, (a.path.short.clone(), a.id.clone()));
            }
            if unchanged {
                plan.already += 1;
                continue;
            }
            for n in &a.notes {
                plan.notes.push(format!("{}: {n}", a.path));
            }
            plan.sessions.push(a.path.render());
            plan.taken
                .push((format!("{}/{name}", sdir.as_str()), a.path.render()));
            plan.changes.insert(
                layout::progress_path(&a.path.short),
                Some(progress::render(&a.file.view()).into_bytes()),
            );
            plan.changes.insert(a.path.render(), Some(a.bytes));
        }
    }
    let journal = dir.join("journal");
    // Seed-era journals sit at `journal/<key>/`; a tree this tool wrote (or a mirror whose strays
    // were adopted already) has them at `journal/<xx>/<short>/`.
    let mut journals = Vec::new();
    for (key, jpath) in subdirs(&journal, &mut plan.skipped)? {
        if layout::is_fanout_name(&key) && !journal_of.contains_key(&key) {
            journals.extend(subdirs(&jpath, &mut plan.skipped)?);
        } else {
            journals.push((key, jpath));
        }
    }
    for (key, jpath) in journals {
        let rel = jpath
            .strip_prefix(dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| format!("journal/{key}"));
        let Some((short, id)) = journal_of.get(&key).cloned() else {
            plan.skipped.push(format!(
                "{}: no session file names it; not imported",
                jpath.display()
            ));
            continue;
        };
        for (name, path) in regular_files(&jpath, &mut plan.skipped)? {
            if name == "progress.md" {
                // The session's quick-context file: kept as it was (the next command regenerates it).
                let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
                plan.changes
                    .insert(layout::progress_path(&short), Some(bytes));
                plan.taken
                    .push((format!("{rel}/{name}"), layout::progress_path(&short)));
            }
        }
        for (name, path) in regular_files(&jpath.join("entries"), &mut plan.skipped)? {
            let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let (new_name, bytes) = portable_entry(&name, bytes, &id, writer);
            let new = layout::entry_path(&short, &new_name);
            plan.taken
                .push((format!("{rel}/entries/{name}"), new.clone()));
            plan.changes.insert(new, Some(bytes));
            plan.entries += 1;
        }
    }
    Ok(plan)
}

/// The regular files of `dir` (none when it does not exist), by name; links and other kinds are
/// listed in `skipped`.
fn regular_files(dir: &Path, skipped: &mut Vec<String>) -> Result<Vec<(String, PathBuf)>> {
    entries(dir, skipped, false)
}

fn subdirs(dir: &Path, skipped: &mut Vec<String>) -> Result<Vec<(String, PathBuf)>> {
    entries(dir, skipped, true)
}

fn entries(dir: &Path, skipped: &mut Vec<String>, dirs: bool) -> Result<Vec<(String, PathBuf)>> {
    // A directory of the tree that is a link is not followed either (it could point anywhere).
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        skipped.push(format!("{}: a symbolic link; not followed", dir.display()));
        return Ok(Vec::new());
    }
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|err| Error::io(dir, err))?;
        let path = e.path();
        let ft = e.file_type().map_err(|err| Error::io(&path, err))?;
        let Ok(name) = e.file_name().into_string() else {
            skipped.push(format!("{}: not a UTF-8 name", path.display()));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if ft.is_symlink() {
            skipped.push(format!("{}: a symbolic link; not followed", path.display()));
        } else if !layout::valid_component(&name) {
            skipped.push(format!(
                "{}: not a name the journal can hold",
                path.display()
            ));
        } else if (dirs && ft.is_dir()) || (!dirs && ft.is_file()) {
            out.push((name, path));
        }
    }
    out.sort();
    Ok(out)
}
