//! A command's new objects go to disk as one small pack, not as loose objects.
//!
//! Objects are kept in memory while a command plans and writes (gix's object memory, enabled by
//! [`super::discover`]); right before a ref moves, [`flush`] writes them as one pack with its
//! index, both fsynced as git fsyncs packs (`core.fsync`'s default includes `pack` and
//! `pack-metadata`), so the ref never points at an object that is not complete on disk. A `log`
//! then creates two object files instead of nine loose objects and their directories.
//!
//! Many small packs slow lookups and make `git gc --auto` repack everything once there are more
//! than `gc.autoPackLimit` (50) of them, so a flush that finds [`CONSOLIDATE_AT`] packs merges
//! the smallest ones of those without deltas, as `git repack --geometric=2` would (decision 51).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::ObjectId;
use gix::odb::pack;

use super::{Result, StoreError};

/// When this many packs are there, the next flush merges some (a geometric progression).
pub const CONSOLIDATE_AT: usize = 16;

/// Write every object the repository holds in memory into one pack, complete and fsynced; then,
/// when there are [`CONSOLIDATE_AT`] small packs, merge them. Does nothing when there is nothing
/// in memory.
pub fn flush(repo: &gix::Repository) -> Result<()> {
    let Some(objects) = repo.objects.reset_object_memory() else {
        return Ok(());
    };
    // Not checked against what is on disk: each miss makes gix rescan `objects/pack/`, and the
    // write path writes only objects that are new (an object stored twice is harmless).
    let mut objects: Vec<(ObjectId, gix::object::Kind, Vec<u8>)> = objects
        .iter()
        .map(|(id, (kind, data))| (*id, *kind, data.clone()))
        .collect();
    if objects.is_empty() {
        return Ok(());
    }
    // Commits first, then trees, then blobs, as git orders a pack.
    objects.sort_by_key(|(id, kind, _)| (kind_order(*kind), *id));
    let dir = repo.objects.store_ref().path().join("pack");
    let sync = Fsync::from_config(
        repo.config_snapshot()
            .string("core.fsync")
            .map(|v| v.to_string())
            .as_deref(),
    );
    write_pack(&dir, &objects, sync)?;
    if let Err(e) = consolidate(repo, &dir, sync) {
        // Merging is housekeeping: the command's objects are safe in their own pack already.
        let _ = e;
    }
    Ok(())
}

/// Which of our files are fsynced, as git's `core.fsync` says for packs: `pack` for the pack,
/// `pack-metadata` for its index. Both are in git's default; `core.fsync=none` (or
/// `-pack,-pack-metadata`) turns them off, as it does for git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fsync {
    pub pack: bool,
    pub index: bool,
}

impl Fsync {
    /// What `core.fsync` (unset: git's default) asks for, read the way git reads it: from the
    /// default, `none` clears, a name adds, `-name` removes.
    pub fn from_config(value: Option<&str>) -> Self {
        let mut current = Fsync {
            pack: true,
            index: true,
        };
        let (mut plus, mut minus) = (
            Fsync {
                pack: false,
                index: false,
            },
            Fsync {
                pack: false,
                index: false,
            },
        );
        for token in value.unwrap_or_default().split(',').map(str::trim) {
            let (negative, name) = match token.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, token),
            };
            let (pack, index) = match name {
                "none" if !negative => {
                    current = Fsync {
                        pack: false,
                        index: false,
                    };
                    continue;
                }
                "pack" | "objects" | "committed" | "added" => (true, false),
                "pack-metadata" | "derived-metadata" => (false, true),
                "all" => (true, true),
                _ => continue,
            };
            let set = if negative { &mut minus } else { &mut plus };
            set.pack |= pack;
            set.index |= index;
        }
        Fsync {
            pack: (current.pack && !minus.pack) || plus.pack,
            index: (current.index && !minus.index) || plus.index,
        }
    }
}

fn kind_order(kind: gix::object::Kind) -> u8 {
    match kind {
        gix::object::Kind::Commit => 0,
        gix::object::Kind::Tag => 1,
        gix::object::Kind::Tree => 2,
        gix::object::Kind::Blob => 3,
    }
}

fn pack_type(kind: gix::object::Kind) -> pack::data::entry::Header {
    use pack::data::entry::Header;
    match kind {
        gix::object::Kind::Commit => Header::Commit,
        gix::object::Kind::Tree => Header::Tree,
        gix::object::Kind::Blob => Header::Blob,
        gix::object::Kind::Tag => Header::Tag,
    }
}

/// A byte buffer the compressor and the pack's entry headers both write to.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes of a version 2 pack holding `objects` whole (no deltas: they are small, new, and
/// deflated once).
fn pack_bytes(objects: &[(ObjectId, gix::object::Kind, Vec<u8>)]) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| StoreError::git("writing pack", e);
    let count =
        u32::try_from(objects.len()).expect("a command writes fewer than 4 billion objects");
    let out = Shared::default();
    out.0
        .borrow_mut()
        .reserve(objects.iter().map(|o| o.2.len()).sum::<usize>() / 2 + 64);
    out.0
        .borrow_mut()
        .extend_from_slice(&pack::data::header::encode(pack::data::Version::V2, count));
    // One compressor, reset between objects: setting one up clears its window and tables, which
    // cost more than deflating a small object.
    let mut z =
        gix::zlib::stream::deflate::Write::new(out.clone(), gix::zlib::Compression::default());
    for (_, kind, data) in objects {
        pack_type(*kind)
            .write_to(data.len() as u64, &mut *out.0.borrow_mut())
            .map_err(io)?;
        z.reset();
        z.write_all(data).map_err(io)?;
        z.flush().map_err(io)?;
    }
    drop(z);
    let mut out = out.0.take();
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    hasher.update(&out);
    let sum = hasher
        .try_finalize()
        .map_err(|e| StoreError::git("hashing pack", e))?;
    out.extend_from_slice(sum.as_slice());
    Ok(out)
}

/// Write `objects` as `pack-<hash>.pack` and `.idx` in `dir`, fsynced before this returns.
/// gix-pack checks the pack as it indexes it and renames both into place (pack first, index
/// last, as git does: a pack is seen once its index is there).
fn write_pack(
    dir: &Path,
    objects: &[(ObjectId, gix::object::Kind, Vec<u8>)],
    sync: Fsync,
) -> Result<PathBuf> {
    let bytes = pack_bytes(objects)?;
    let outcome = pack::Bundle::write_to_directory(
        &mut bytes.as_slice(),
        Some(dir),
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        None::<gix::objs::find::Never>,
        gix::hash::Kind::Sha1,
        pack::bundle::write::Options {
            thread_limit: Some(1),
            ..Default::default()
        },
    )
    .map_err(|e| StoreError::git("writing pack", e))?;
    let (Some(data), Some(index)) = (outcome.data_path, outcome.index_path) else {
        return Err(StoreError::git(
            "writing pack",
            std::io::Error::other("the pack came out empty"),
        ));
    };
    if sync.pack {
        sync_file(&data)?;
    }
    if sync.index {
        sync_file(&index)?;
    }
    if sync.pack || sync.index {
        sync_file(dir)?;
    }
    if let Some(keep) = outcome.keep_path {
        // The pack is complete and durable; nothing needs to keep it from git's repacking.
        let _ = fs::remove_file(keep);
    }
    Ok(data)
}

fn sync_file(path: &Path) -> Result<()> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::git(&format!("syncing {}", path.display()), e))
}

/// The packs of `dir` that may be merged: nothing beside them marks them as special (`.keep`,
/// `.promisor`, `.mtimes` of a cruft pack, `.bitmap`), with their sizes; none when there are
/// fewer than [`CONSOLIDATE_AT`] packs in all.
fn candidate_packs(dir: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    // Names only (one directory read): a flush runs on every command, so nothing is stat'ed
    // until there are enough packs to merge.
    let names: std::collections::HashSet<String> = read
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let packs: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".pack"))
        .filter(|stem| names.contains(&format!("{stem}.idx")))
        .collect();
    if packs.len() < CONSOLIDATE_AT {
        return Vec::new();
    }
    packs
        .into_iter()
        .filter(|stem| {
            ["keep", "promisor", "mtimes", "bitmap"]
                .iter()
                .all(|x| !names.contains(&format!("{stem}.{x}")))
        })
        .filter_map(|stem| {
            let p = dir.join(format!("{stem}.pack"));
            let len = fs::metadata(&p).ok()?.len();
            Some((p, len))
        })
        .collect()
}

/// Which packs to merge, as `git repack --geometric=2` picks them: sorted by size, the smallest
/// ones whose sizes do not already grow by a factor of two, plus every larger one that their sum
/// does not reach half of. The pack count then stays logarithmic in the journal's size, and a
/// large pack is rewritten only once the small ones add up to half of it.
fn geometric_split(mut packs: Vec<(PathBuf, u64)>) -> Vec<(PathBuf, u64)> {
    packs.sort_by_key(|(_, len)| *len);
    let n = packs.len();
    let mut split = n;
    while split > 1 && packs[split - 2].1.saturating_mul(2) <= packs[split - 1].1 {
        split -= 1;
    }
    if split <= 1 {
        return Vec::new();
    }
    let mut rollup: u64 = packs[..split].iter().map(|(_, l)| l).sum();
    while split < n && rollup.saturating_mul(2) > packs[split].1 {
        rollup += packs[split].1;
        split += 1;
    }
    packs.truncate(split);
    packs
}

/// Whether every object of the pack is stored whole, as the packs this tool writes are: objects
/// read from a pack of deltas (git's own, from `gc` or a fetch) would be written back whole and
/// take many times the space, so such packs are git's to repack.
fn without_deltas(pack: &Path) -> Result<bool> {
    let read = |e| StoreError::git("reading pack", e);
    let index =
        pack::index::File::at(pack.with_extension("idx"), gix::hash::Kind::Sha1).map_err(read)?;
    let data = pack::data::File::at(pack, gix::hash::Kind::Sha1).map_err(read)?;
    for entry in index.iter() {
        if data
            .entry(entry.pack_offset)
            .map_err(read)?
            .header
            .is_delta()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Once there are [`CONSOLIDATE_AT`] packs, merge those [`geometric_split`] picks among the ones
/// without deltas: their objects are written into a new pack, fsynced, and only then are the
/// old ones removed, so every object is on disk at every moment. Two processes doing this at
/// once each remove only packs whose objects their own new pack holds.
fn consolidate(repo: &gix::Repository, dir: &Path, sync: Fsync) -> Result<()> {
    // Sizes first: only the packs a merge would take are read to see whether they hold deltas,
    // so a flush that finds the packs in a progression already (every command, once there are
    // 16) reads none. A pack with deltas is set aside and the pick made again without it.
    let mut candidates = candidate_packs(dir);
    let packs: Vec<PathBuf> = loop {
        let picked = geometric_split(candidates.clone());
        if picked.len() < 2 {
            return Ok(());
        }
        let mut with_deltas = None;
        for (p, _) in &picked {
            if !without_deltas(p)? {
                with_deltas = Some(p.clone());
                break;
            }
        }
        match with_deltas {
            Some(p) => candidates.retain(|(c, _)| *c != p),
            None => break picked.into_iter().map(|(p, _)| p).collect(),
        }
    };
    let mut objects = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in &packs {
        let index = pack::index::File::at(p.with_extension("idx"), gix::hash::Kind::Sha1)
            .map_err(|e| StoreError::git("reading pack index", e))?;
        for entry in index.iter() {
            if !seen.insert(entry.oid) {
                continue;
            }
            let object = repo
                .find_object(entry.oid)
                .map_err(|e| StoreError::git("reading object to repack", e))?;
            objects.push((entry.oid, object.kind, object.data.clone()));
        }
    }
    objects.sort_by_key(|(id, kind, _)| (kind_order(*kind), *id));
    let merged = write_pack(dir, &objects, sync)?;
    for p in packs.iter().filter(|p| **p != merged) {
        // The index first: without it no reader looks into the pack.
        for x in ["idx", "rev", "pack"] {
            let _ = fs::remove_file(p.with_extension(x));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(v: &[u64]) -> Vec<(PathBuf, u64)> {
        v.iter()
            .map(|l| (PathBuf::from(format!("p{l}")), *l))
            .collect()
    }

    #[test]
    fn core_fsync_is_read_as_git_reads_it() {
        let both = Fsync {
            pack: true,
            index: true,
        };
        let neither = Fsync {
            pack: false,
            index: false,
        };
        assert_eq!(Fsync::from_config(None), both);
        assert_eq!(Fsync::from_config(Some("none")), neither);
        assert_eq!(Fsync::from_config(Some("-pack,-pack-metadata")), neither);
        assert_eq!(
            Fsync::from_config(Some("none,pack")),
            Fsync {
                pack: true,
                index: false
            }
        );
        assert_eq!(Fsync::from_config(Some("reference")), both);
        assert_eq!(Fsync::from_config(Some("none,all")), both);
    }

    #[test]
    fn the_geometric_split_merges_small_packs_and_leaves_a_progression_alone() {
        let picked = |v: &[u64]| -> Vec<u64> {
            geometric_split(sizes(v))
                .into_iter()
                .map(|(_, l)| l)
                .collect()
        };
        // Sixteen packs of one command each, beside a large one: the small ones merge.
        let mut v = vec![10; 16];
        v.push(100_000);
        assert_eq!(picked(&v), vec![10; 16]);
        // Already a progression: nothing to do.
        assert!(picked(&[1, 2, 4, 8, 16, 32]).is_empty());
        // The small ones add up to more than half of the next: it joins them.
        assert_eq!(
            picked(&[10, 10, 10, 10, 50, 1000]),
            vec![10, 10, 10, 10, 50]
        );
    }
}
