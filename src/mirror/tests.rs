//! Unit tests of the mirror's files and of the per-worktree state files.

use std::path::Path;

use gix::ObjectId;

use super::*;

fn mirror() -> (tempfile::TempDir, Mirror) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let m = Mirror::new(Some(tmp.path()), tmp.path().join("state"));
    (tmp, m)
}

/// Every name in `dir`, hidden ones included.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    v.sort();
    v
}

fn id(n: u8) -> ObjectId {
    ObjectId::from_hex(format!("{n:02x}").repeat(20).as_bytes()).expect("hex id")
}

#[test]
fn write_atomic_replaces_the_whole_file_and_leaves_no_temp_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("a/b/file.md");
    write_atomic(&path, b"a long first version\n").expect("first write");
    write_atomic(&path, b"short\n").expect("second write");
    assert_eq!(fs::read(&path).expect("read"), b"short\n");
    assert_eq!(names(&tmp.path().join("a/b")), ["file.md"]);
}

#[test]
fn a_failed_write_atomic_leaves_the_target_and_no_temp_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let target = tmp.path().join("d/x.md");
    fs::create_dir_all(target.join("inner")).expect("a directory where the file goes");
    let err = write_atomic(&target, b"new").expect_err("cannot rename a file over a directory");
    assert!(
        matches!(err, MirrorError::Io { ref path, .. } if *path == target),
        "{err:?}"
    );
    assert_eq!(names(&tmp.path().join("d")), ["x.md"]);
    assert!(target.join("inner").is_dir());
}

#[test]
fn read_tells_missing_from_a_directory() {
    let (_tmp, m) = mirror();
    m.write("notes/a.md", b"a").expect("write");
    assert_eq!(
        m.read("notes/a.md").expect("read").as_deref(),
        Some(&b"a"[..])
    );
    assert_eq!(m.read("notes/b.md").expect("read"), None);
    assert!(matches!(
        m.read("notes"),
        Err(MirrorError::DirectoryWhereFileBelongs(p)) if p == m.root().expect("a worktree").join("notes")
    ));
}

#[test]
fn list_shows_plain_files_only() {
    let (_tmp, m) = mirror();
    for f in [
        "active/a.md",
        "active/b.md",
        "active/.hidden",
        "active/sub/c.md",
    ] {
        m.write(f, b"x").expect("write");
    }
    fs::write(
        m.root()
            .expect("a worktree")
            .join("active/.a.md.tmp-1-0000abcd"),
        "half",
    )
    .expect("temp file");
    assert_eq!(m.list("active").expect("list"), ["a.md", "b.md"]);
    assert!(m.list("missing").expect("list").is_empty());
    assert!(matches!(
        m.list("active/a.md"),
        Err(MirrorError::FileWhereDirectoryBelongs(_))
    ));
    assert_eq!(m.subdirs("").expect("subdirs"), ["active"]);
    assert_eq!(m.subdirs("active").expect("subdirs"), ["sub"]);
}

#[test]
fn walk_lists_every_file_below_a_directory_but_hidden_ones() {
    let (_tmp, m) = mirror();
    for f in [
        "notes/a.md",
        "notes/deep/b.md",
        "notes/.hidden/x",
        "top.md",
        "other/c.md",
    ] {
        m.write(f, b"x").expect("write");
    }
    assert_eq!(
        m.walk("notes").expect("walk"),
        ["notes/a.md", "notes/deep/b.md"]
    );
    assert_eq!(
        m.walk("").expect("walk"),
        ["notes/a.md", "notes/deep/b.md", "other/c.md", "top.md"]
    );
}

#[test]
fn remove_prunes_empty_directories_but_never_the_root() {
    let (_tmp, m) = mirror();
    m.write("journal/1a2b3c4d/entries/e.md", b"e")
        .expect("write");
    m.write("journal/5e6f7a8b/progress.md", b"p")
        .expect("write");
    m.remove("journal/1a2b3c4d/entries/e.md").expect("remove");
    assert!(
        !m.root()
            .expect("a worktree")
            .join("journal/1a2b3c4d")
            .exists()
    );
    assert!(
        m.root()
            .expect("a worktree")
            .join("journal/5e6f7a8b/progress.md")
            .exists()
    );
    m.remove("journal/5e6f7a8b/progress.md").expect("remove");
    assert!(!m.root().expect("a worktree").join("journal").exists());
    assert!(
        m.root().expect("a worktree").is_dir(),
        "the mirror root stays"
    );
    m.write("top.md", b"t").expect("write");
    m.remove("top.md").expect("remove");
    assert!(
        m.root().expect("a worktree").is_dir(),
        "the mirror root stays"
    );
    m.remove("never/was.md")
        .expect("removing a missing file is fine");
}

#[test]
fn session_files_are_found_by_short_id_active_first() {
    let (_tmp, m) = mirror();
    m.write("active/fix-1a2b3c4d.md", b"x").expect("write");
    m.write("archive/fix-1a2b3c4d.md", b"x").expect("write");
    m.write("archive/old-5e6f7a8b.md", b"x").expect("write");
    m.write("active/notes.md", b"x").expect("write");
    let active = m.session_files(SessionDir::Active).expect("list");
    assert_eq!(
        active.iter().map(|p| p.render()).collect::<Vec<_>>(),
        ["active/fix-1a2b3c4d.md"]
    );
    let found = m
        .find_session("1A2B3C4D")
        .expect("find")
        .expect("a session");
    assert_eq!(found.render(), "active/fix-1a2b3c4d.md");
    let archived = m
        .find_session("5e6f7a8b")
        .expect("find")
        .expect("a session");
    assert!(archived.archived());
    assert_eq!(m.find_session("99999999").expect("find"), None);
}

#[test]
fn last_seen_round_trips() {
    let (_tmp, m) = mirror();
    assert_eq!(m.last_seen().expect("read"), None);
    m.set_last_seen(id(1)).expect("write");
    m.set_last_seen(id(2)).expect("write");
    assert_eq!(m.last_seen().expect("read"), Some(id(2)));
}

#[test]
fn pending_round_trips_and_clearing_removes_the_file() {
    let (tmp, m) = mirror();
    assert_eq!(m.pending().expect("read"), None);
    let p = Pending {
        commit: id(1),
        paths: vec![
            ("active/fix-1a2b3c4d.md".into(), Some(id(2))),
            ("notes/new file.md".into(), None),
        ],
    };
    m.set_pending(Some(&p)).expect("write");
    assert_eq!(m.pending().expect("read"), Some(p));
    m.set_pending(None).expect("clear");
    assert!(!tmp.path().join("state/pending").exists());
    assert_eq!(m.pending().expect("read"), None);
    m.set_pending(None).expect("clearing twice is fine");
}

#[test]
fn dirty_paths_are_a_set_and_clearing_removes_the_file() {
    let (tmp, m) = mirror();
    assert!(m.dirty().expect("read").is_empty());
    m.add_dirty("active/a.md").expect("add");
    m.add_dirty("notes/b.md").expect("add");
    m.add_dirty("active/a.md").expect("add again");
    assert_eq!(m.dirty().expect("read"), ["active/a.md", "notes/b.md"]);
    m.clear_dirty().expect("clear");
    assert!(!tmp.path().join("state/dirty").exists());
    assert!(m.dirty().expect("read").is_empty());
}

#[test]
fn merged_remotes_are_kept_per_remote_name() {
    let (tmp, m) = mirror();
    assert_eq!(m.merged_remote("origin").expect("read"), None);
    m.set_merged_remote("origin2", id(2)).expect("write");
    assert_eq!(
        m.merged_remote("origin").expect("read"),
        None,
        "a longer name is not a match"
    );
    m.set_merged_remote("origin", id(1)).expect("write");
    m.set_merged_remote("origin", id(3)).expect("update");
    assert_eq!(m.merged_remote("origin").expect("read"), Some(id(3)));
    assert_eq!(m.merged_remote("origin2").expect("read"), Some(id(2)));
    let lines = fs::read_to_string(tmp.path().join("state/remotes")).expect("state file");
    assert_eq!(lines.lines().count(), 2, "{lines}");
}

#[test]
fn unmerged_round_trips_and_an_empty_list_removes_the_file() {
    let (tmp, m) = mirror();
    let list = vec![
        Unmerged {
            path: "active/fix-1a2b3c4d.md".into(),
            base: None,
            theirs_path: "archive/fix-1a2b3c4d.md".into(),
            theirs: id(4),
        },
        Unmerged {
            path: "active/b-5e6f7a8b.md".into(),
            base: Some(id(5)),
            theirs_path: "active/b-5e6f7a8b.md".into(),
            theirs: id(6),
        },
    ];
    m.set_unmerged(&list).expect("write");
    assert_eq!(m.unmerged().expect("read"), list);
    m.set_unmerged(&[]).expect("clear");
    assert!(!tmp.path().join("state/unmerged").exists());
    assert!(m.unmerged().expect("read").is_empty());
}
