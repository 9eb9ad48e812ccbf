//! Unit tests of the three-way refresh, crash recovery and the hand-edit scan, on real refs.

use super::*;
use crate::model::session::Status;
use crate::store::tests::{TestRepo, advance, new_session_text};

const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d1a2b3c4d";
const SESSION: &str = "active/fix-sweep-1a2b3c4d.md";
const ARCHIVED: &str = "archive/fix-sweep-1a2b3c4d.md";

/// A repository, its mirror, and who records conflicts.
struct Setup {
    t: TestRepo,
    repo: gix::Repository,
    mirror: Mirror,
    writer: EntryWriter,
    warnings: Warnings,
}

impl Setup {
    fn new() -> Self {
        let t = TestRepo::new();
        let repo = t.open();
        let mirror = Mirror::new(Some(&t.path()), t.state_dir());
        Setup {
            t,
            repo,
            mirror,
            writer: EntryWriter {
                author: Some("Test User <test@example.com>".into()),
                host: "testhost".into(),
                agent: None,
            },
            warnings: Warnings::default(),
        }
    }

    fn refresher<'a>(&'a self, store: &'a SessionsRef<'a>) -> Refresher<'a> {
        Refresher {
            store,
            mirror: &self.mirror,
            writer: &self.writer,
            warnings: &self.warnings,
        }
    }

    fn read(&self, path: &str) -> Option<String> {
        self.mirror
            .read(path)
            .expect("read")
            .map(|b| String::from_utf8(b).expect("utf-8"))
    }
}

fn session() -> SessionFile {
    SessionFile::parse(SESSION, new_session_text(ID, "fix-sweep")).expect("a new session parses")
}

#[test]
fn refresh_writes_new_files_and_removes_deleted_ones() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    assert_eq!(r.refresh().expect("refresh of no ref"), None);
    let a = advance(
        &store,
        &[
            (SESSION, Some(session().text())),
            ("notes/keep.md", Some("k")),
            ("notes/old.md", Some("o")),
            ("journal/1a/1a2b3c4d/entries/e.md", Some("e")),
        ],
        "a",
    );
    assert_eq!(r.refresh().expect("refresh"), Some(a));
    assert_eq!(s.read(SESSION).as_deref(), Some(session().text()));
    assert_eq!(
        s.read("journal/1a/1a2b3c4d/entries/e.md").as_deref(),
        Some("e")
    );
    assert_eq!(s.mirror.last_seen().expect("state"), Some(a));

    let b = advance(
        &store,
        &[
            ("notes/old.md", None),
            ("journal/1a/1a2b3c4d/entries/e.md", None),
            ("notes/new.md", Some("n")),
            ("notes/keep.md", Some("k2")),
        ],
        "b",
    );
    assert_eq!(r.refresh().expect("refresh"), Some(b));
    assert_eq!(s.read("notes/old.md"), None);
    assert!(
        !s.mirror
            .root()
            .expect("a worktree")
            .join("journal")
            .exists(),
        "emptied dirs are pruned"
    );
    assert_eq!(s.read("notes/new.md").as_deref(), Some("n"));
    assert_eq!(s.read("notes/keep.md").as_deref(), Some("k2"));
    assert_eq!(s.mirror.last_seen().expect("state"), Some(b));
    assert!(s.warnings.take().is_empty());
    assert!(s.mirror.dirty().expect("state").is_empty());
}

#[test]
fn a_note_edited_here_and_in_the_ref_keeps_our_copy_with_a_warning() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    advance(
        &store,
        &[("notes/n.md", Some("base")), ("notes/m.md", Some("m"))],
        "a",
    );
    r.refresh().expect("refresh");
    s.mirror.write("notes/n.md", b"mine").expect("hand edit");
    s.mirror
        .write("notes/m.md", b"mine too")
        .expect("hand edit");
    let b = advance(
        &store,
        &[("notes/n.md", Some("theirs")), ("notes/m.md", None)],
        "b",
    );
    assert_eq!(r.refresh().expect("refresh"), Some(b));
    assert_eq!(s.read("notes/n.md").as_deref(), Some("mine"));
    assert_eq!(s.read("notes/m.md").as_deref(), Some("mine too"));
    let warnings = s.warnings.take();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.starts_with(
            ".sessions/notes/n.md: changed here and in refs/sessions; kept your copy"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w
                .starts_with(".sessions/notes/m.md: removed from refs/sessions but edited here")),
        "{warnings:?}"
    );
    let mut dirty = s.mirror.dirty().expect("state");
    dirty.sort();
    assert_eq!(dirty, ["notes/m.md", "notes/n.md"]);
}

#[test]
fn an_edit_of_a_path_the_ref_did_not_change_is_left_alone() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    advance(
        &store,
        &[("notes/a.md", Some("a")), ("notes/b.md", Some("b"))],
        "a",
    );
    r.refresh().expect("refresh");
    s.mirror.write("notes/a.md", b"mine").expect("hand edit");
    advance(&store, &[("notes/b.md", Some("b2"))], "b");
    r.refresh().expect("refresh");
    assert_eq!(s.read("notes/a.md").as_deref(), Some("mine"));
    assert_eq!(s.read("notes/b.md").as_deref(), Some("b2"));
    assert!(s.warnings.take().is_empty());
    assert!(s.mirror.dirty().expect("state").is_empty());
}

#[test]
fn generated_progress_files_follow_the_ref_even_when_edited() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let progress = "journal/1a/1a2b3c4d/progress.md";
    advance(&store, &[(progress, Some("p1"))], "a");
    r.refresh().expect("refresh");
    s.mirror.write(progress, b"scribbled").expect("hand edit");
    advance(&store, &[(progress, Some("p2"))], "b");
    r.refresh().expect("refresh");
    assert_eq!(s.read(progress).as_deref(), Some("p2"));
    assert!(s.warnings.take().is_empty());
}

#[test]
fn a_session_file_edited_here_and_in_the_ref_is_merged() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    advance(&store, &[(SESSION, Some(base.text()))], "a");
    r.refresh().expect("refresh");
    let ours = base
        .add_discovery("ours found this", time::now())
        .expect("edit");
    s.mirror
        .write(SESSION, ours.text().as_bytes())
        .expect("hand edit");
    let theirs = base.add_next("theirs plans that").expect("edit");
    let b = advance(&store, &[(SESSION, Some(theirs.text()))], "b");

    assert_eq!(r.refresh().expect("refresh"), Some(b));
    let merged = s.read(SESSION).expect("still there");
    assert!(merged.contains("ours found this"), "{merged}");
    assert!(merged.contains("theirs plans that"), "{merged}");
    SessionFile::parse(SESSION, merged).expect("the merge parses");
    assert_eq!(s.mirror.dirty().expect("state"), [SESSION]);
    assert!(s.warnings.take().is_empty());
}

#[test]
fn one_section_edited_on_both_sides_keeps_both_and_records_a_conflict() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    advance(&store, &[(SESSION, Some(base.text()))], "a");
    r.refresh().expect("refresh");
    let ours = base.set_summary("Our summary.").expect("edit");
    s.mirror
        .write(SESSION, ours.text().as_bytes())
        .expect("hand edit");
    let theirs = base.set_summary("Their summary.").expect("edit");
    advance(&store, &[(SESSION, Some(theirs.text()))], "b");
    r.refresh().expect("refresh");

    let merged = s.read(SESSION).expect("still there");
    assert!(
        merged.contains("Our summary.") && merged.contains("Their summary."),
        "{merged}"
    );
    assert!(merged.contains(merge::CONFLICT_MARKER), "{merged}");
    let warnings = s.warnings.take();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("was edited in two places"),
        "{warnings:?}"
    );
    let entries = s.mirror.list("journal/1a/1a2b3c4d/entries").expect("list");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].contains("-conflict-"), "{entries:?}");
    let dirty = s.mirror.dirty().expect("state");
    assert!(dirty.contains(&SESSION.to_string()), "{dirty:?}");
    assert!(
        dirty.contains(&format!("journal/1a/1a2b3c4d/entries/{}", entries[0])),
        "{dirty:?}"
    );
}

#[test]
fn a_session_closed_in_the_ref_and_edited_here_is_merged_into_the_archive() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    advance(&store, &[(SESSION, Some(base.text()))], "a");
    r.refresh().expect("refresh");
    let ours = base
        .add_discovery("found before the close", time::now())
        .expect("edit");
    s.mirror
        .write(SESSION, ours.text().as_bytes())
        .expect("hand edit");
    let closed = base
        .set_status(Status::Completed, time::now())
        .expect("close");
    advance(
        &store,
        &[(SESSION, None), (ARCHIVED, Some(closed.text()))],
        "close",
    );
    r.refresh().expect("refresh");

    assert_eq!(s.read(SESSION), None);
    let merged = s.read(ARCHIVED).expect("moved to archive/");
    assert!(merged.contains("found before the close"), "{merged}");
    let file = SessionFile::parse(ARCHIVED, merged).expect("parses");
    assert_eq!(file.meta.status, Status::Completed);
    assert!(s.warnings.take().is_empty());
}

#[test]
fn an_unparsable_edit_waits_beside_a_theirs_file_and_merges_once_fixed() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    advance(&store, &[(SESSION, Some(base.text()))], "a");
    r.refresh().expect("refresh");
    s.mirror
        .write(SESSION, b"half-typed, no frontmatter\n")
        .expect("broken edit");
    let theirs = base.add_next("theirs plans that").expect("edit");
    let b = advance(&store, &[(SESSION, Some(theirs.text()))], "b");
    r.refresh().expect("refresh");

    assert_eq!(
        s.read(SESSION).as_deref(),
        Some("half-typed, no frontmatter\n")
    );
    let side = format!("{SESSION}.theirs");
    assert_eq!(s.read(&side).as_deref(), Some(theirs.text()));
    let unmerged = s.mirror.unmerged().expect("state");
    assert_eq!(unmerged.len(), 1);
    assert_eq!(unmerged[0].path, SESSION);
    assert_eq!(unmerged[0].theirs, blob_id(theirs.text().as_bytes()));
    let warnings = s.warnings.take();
    assert!(
        warnings.iter().any(|w| w.contains("does not parse")),
        "{warnings:?}"
    );

    // Still broken: nothing is saved, and the scan says why.
    let tree = store.tree_of(b).expect("tree");
    let changes = r.hand_edits(tree, &[]).expect("scan");
    assert!(!changes.contains_key(SESSION), "{:?}", changes.keys());
    assert!(
        !changes.contains_key(&side),
        "a .theirs file is never saved"
    );
    assert!(
        s.warnings
            .take()
            .iter()
            .any(|w| w.starts_with("not saving your edit until it parses"))
    );

    // Fixed: the waiting merge is redone and the side file goes.
    let fixed = base
        .add_discovery("ours, fixed", time::now())
        .expect("edit");
    s.mirror
        .write(SESSION, fixed.text().as_bytes())
        .expect("fix");
    let changes = r.hand_edits(tree, &[]).expect("scan");
    let merged = String::from_utf8(changes[SESSION].clone().expect("written")).expect("utf-8");
    assert!(
        merged.contains("ours, fixed") && merged.contains("theirs plans that"),
        "{merged}"
    );
    assert_eq!(s.read(SESSION), Some(merged));
    assert_eq!(s.read(&side), None);
    assert!(s.mirror.unmerged().expect("state").is_empty());
}

#[test]
fn hand_edits_finds_edited_sessions_and_new_notes_but_not_theirs_files() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    let a = advance(
        &store,
        &[
            (SESSION, Some(base.text())),
            ("notes/n.md", Some("n")),
            ("journal/1a/1a2b3c4d/entries/old.md", Some("old")),
        ],
        "a",
    );
    r.refresh().expect("refresh");
    let tree = store.tree_of(a).expect("tree");
    assert!(
        r.hand_edits(tree, &["1a2b3c4d".into()])
            .expect("scan")
            .is_empty()
    );

    let ours = base
        .add_discovery("edited by hand", time::now())
        .expect("edit");
    for (path, text) in [
        (SESSION, ours.text()),
        ("notes/todo.md", "todo"),
        ("idea.md", "idea"),
        ("notes/n.md.theirs", "their n"),
        ("idea.md.theirs", "their idea"),
        ("journal/1a/1a2b3c4d/entries/new.md", "new entry"),
        (
            "journal/5e/5e6f7a8b/entries/other.md",
            "not a touched session",
        ),
    ] {
        s.mirror.write(path, text.as_bytes()).expect("hand edit");
    }
    let changes = r.hand_edits(tree, &["1a2b3c4d".into()]).expect("scan");
    let keys: Vec<&str> = changes.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "active/fix-sweep-1a2b3c4d.md",
            "idea.md",
            "journal/1a/1a2b3c4d/entries/new.md",
            "notes/todo.md"
        ]
    );
    assert_eq!(changes[SESSION].as_deref(), Some(ours.text().as_bytes()));
    // Without the session touched, its journal directory is not scanned.
    let untouched = r.hand_edits(tree, &[]).expect("scan");
    assert!(!untouched.contains_key("journal/1a/1a2b3c4d/entries/new.md"));
    assert!(s.warnings.take().is_empty());
}

#[test]
fn a_note_that_becomes_a_directory_follows_the_ref() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    advance(&store, &[("ideas", Some("one file"))], "a");
    r.refresh().expect("refresh");
    let b = advance(
        &store,
        &[("ideas", None), ("ideas/first.md", Some("f"))],
        "b",
    );
    assert_eq!(r.refresh().expect("refresh"), Some(b));
    assert_eq!(s.read("ideas/first.md").as_deref(), Some("f"));
}

#[test]
fn a_directory_of_notes_that_becomes_a_file_follows_the_ref() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    advance(&store, &[("ideas/first.md", Some("f"))], "a");
    r.refresh().expect("refresh");
    let b = advance(
        &store,
        &[("ideas/first.md", None), ("ideas", Some("one file"))],
        "b",
    );
    assert_eq!(r.refresh().expect("refresh"), Some(b));
    assert_eq!(s.read("ideas").as_deref(), Some("one file"));
}

#[test]
fn a_write_that_died_after_moving_the_ref_is_finished_without_losing_a_later_edit() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let base = session();
    let a = advance(&store, &[(SESSION, Some(base.text()))], "a");
    r.refresh().expect("refresh");
    // A command planned on `a`, recorded what the mirror held, moved the ref, then died.
    let theirs = base.add_next("the command's change").expect("edit");
    let b = crate::store::tests::commit_on(&store, Some(a), &[(SESSION, Some(theirs.text()))], "b");
    let pending = Pending {
        commit: b,
        paths: vec![(SESSION.into(), Some(blob_id(base.text().as_bytes())))],
    };
    s.mirror.set_pending(Some(&pending)).expect("pending");
    assert!(matches!(
        store.compare_and_swap(Some(a), b, "b").expect("cas"),
        crate::store::CasOutcome::Moved(_)
    ));
    // The user saved an edit before the next command ran.
    let ours = base
        .add_discovery("saved meanwhile", time::now())
        .expect("edit");
    s.mirror
        .write(SESSION, ours.text().as_bytes())
        .expect("hand edit");

    assert_eq!(r.refresh().expect("refresh"), Some(b));
    let merged = s.read(SESSION).expect("still there");
    assert!(
        merged.contains("saved meanwhile") && merged.contains("the command's change"),
        "{merged}"
    );
    assert_eq!(s.mirror.pending().expect("state"), None);
    assert_eq!(s.mirror.last_seen().expect("state"), Some(b));
    assert_eq!(s.mirror.dirty().expect("state"), [SESSION]);
}

#[test]
fn a_pending_write_that_never_landed_is_dropped() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let a = advance(&store, &[("notes/n.md", Some("n"))], "a");
    r.refresh().expect("refresh");
    let lost =
        crate::store::tests::commit_on(&store, Some(a), &[("notes/n.md", Some("lost"))], "lost");
    s.mirror
        .set_pending(Some(&Pending {
            commit: lost,
            paths: vec![("notes/n.md".into(), Some(blob_id(b"n")))],
        }))
        .expect("pending");
    assert_eq!(r.refresh().expect("refresh"), Some(a));
    assert_eq!(s.read("notes/n.md").as_deref(), Some("n"));
    assert_eq!(s.mirror.pending().expect("state"), None);
}

#[test]
fn a_ref_gone_under_a_mirror_that_saw_it_is_an_error() {
    let s = Setup::new();
    let store = SessionsRef::new(&s.repo);
    let r = s.refresher(&store);
    let a = advance(&store, &[("notes/n.md", Some("n"))], "a");
    r.refresh().expect("refresh");
    s.t.git(&["update-ref", "-d", crate::store::SESSIONS_REF]);
    assert!(matches!(r.refresh(), Err(MirrorError::RefVanished(id)) if id == a));
    assert_eq!(
        s.read("notes/n.md").as_deref(),
        Some("n"),
        "nothing was removed"
    );
}
