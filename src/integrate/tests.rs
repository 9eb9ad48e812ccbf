//! Unit tests of integrating a fetched history: one per outcome, on small real histories.

use super::*;
use crate::model::session::SessionFile;
use crate::store::tests::{TestRepo, advance, commit_on, new_session_text};

const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d1a2b3c4d";
const SESSION: &str = "active/fix-sweep-1a2b3c4d.md";

fn writer() -> EntryWriter {
    EntryWriter {
        author: Some("Test User <test@example.com>".into()),
        host: "testhost".into(),
        agent: None,
    }
}

fn session() -> SessionFile {
    SessionFile::parse(SESSION, new_session_text(ID, "fix-sweep")).expect("a new session parses")
}

fn text(store: &SessionsRef, commit: ObjectId, path: &str) -> Option<String> {
    let tree = store.tree_of(commit).expect("tree");
    store
        .read(tree, path)
        .expect("read")
        .map(|b| String::from_utf8(b).expect("utf-8"))
}

#[test]
fn a_history_with_no_local_journal_is_adopted() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let theirs = commit_on(&store, None, &[(SESSION, Some(session().text()))], "theirs");
    // Adopting writes no commit, so it needs no identity.
    let anonymous = EntryWriter {
        author: None,
        host: "h".into(),
        agent: None,
    };
    assert_eq!(
        integrate(&store, theirs, "origin", &anonymous).expect("integrate"),
        Integrated::Adopted(theirs)
    );
    assert_eq!(t.git_tip(), Some(theirs));
    let reflog = t.git(&["reflog", "show", "--format=%gs", "refs/sessions"]);
    assert_eq!(reflog.lines().next(), Some("sync: adopt origin"));
}

#[test]
fn a_history_we_already_contain_is_up_to_date() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let a = advance(&store, &[(SESSION, Some(session().text()))], "a");
    let b = advance(&store, &[("notes/n.md", Some("n"))], "b");
    for theirs in [a, b] {
        assert_eq!(
            integrate(&store, theirs, "origin", &writer()).expect("integrate"),
            Integrated::UpToDate
        );
        assert_eq!(t.git_tip(), Some(b));
    }
}

#[test]
fn a_history_that_contains_ours_is_fast_forwarded() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let a = advance(&store, &[(SESSION, Some(session().text()))], "a");
    let theirs = commit_on(&store, Some(a), &[("notes/n.md", Some("n"))], "theirs");
    assert_eq!(
        integrate(&store, theirs, "origin", &writer()).expect("integrate"),
        Integrated::FastForward(theirs)
    );
    assert_eq!(t.git_tip(), Some(theirs));
}

#[test]
fn diverged_histories_get_a_merge_commit_with_both_parents() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let base = session();
    let a = advance(&store, &[(SESSION, Some(base.text()))], "a");
    let ours_file = base
        .add_discovery("ours found this", crate::model::time::now())
        .expect("edit");
    let ours = advance(
        &store,
        &[
            (SESSION, Some(ours_file.text())),
            ("notes/ours.md", Some("o")),
        ],
        "ours",
    );
    let theirs_file = base.add_next("theirs plans that").expect("edit");
    let theirs = commit_on(
        &store,
        Some(a),
        &[
            (SESSION, Some(theirs_file.text())),
            ("notes/theirs.md", Some("t")),
        ],
        "theirs",
    );
    let Integrated::Merged { commit, conflicts } =
        integrate(&store, theirs, "origin", &writer()).expect("integrate")
    else {
        panic!("expected a merge");
    };
    assert!(conflicts.is_empty(), "{conflicts:?}");
    assert_eq!(t.git_tip(), Some(commit));
    assert_eq!(
        t.git(&["rev-parse", &format!("{commit}^1"), &format!("{commit}^2")]),
        format!("{ours}\n{theirs}")
    );
    let message = t.git(&["log", "-1", "--format=%B", &commit.to_string()]);
    let subject = CommitSubject::parse(&message).expect("our subject");
    assert_eq!(
        (subject.command, subject.scope.as_str()),
        (JournalCommand::Sync, "origin")
    );
    assert_eq!(text(&store, commit, "notes/ours.md").as_deref(), Some("o"));
    assert_eq!(
        text(&store, commit, "notes/theirs.md").as_deref(),
        Some("t")
    );
    let merged = text(&store, commit, SESSION).expect("the session");
    assert!(
        merged.contains("ours found this") && merged.contains("theirs plans that"),
        "{merged}"
    );
    let progress = text(&store, commit, "journal/1a/1a2b3c4d/progress.md").expect("progress.md");
    assert!(
        progress.contains("theirs plans that"),
        "progress follows the merge: {progress}"
    );
}

#[test]
fn a_note_changed_on_both_sides_keeps_ours_and_theirs_beside_it() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let a = advance(
        &store,
        &[
            (SESSION, Some(session().text())),
            ("notes/n.md", Some("base")),
        ],
        "a",
    );
    advance(&store, &[("notes/n.md", Some("ours"))], "ours");
    let theirs = commit_on(&store, Some(a), &[("notes/n.md", Some("theirs"))], "theirs");
    let Integrated::Merged { commit, conflicts } =
        integrate(&store, theirs, "origin", &writer()).expect("integrate")
    else {
        panic!("expected a merge");
    };
    assert_eq!(
        conflicts,
        ["notes/n.md differs on origin; theirs kept as notes/n.md.theirs"]
    );
    assert_eq!(text(&store, commit, "notes/n.md").as_deref(), Some("ours"));
    assert_eq!(
        text(&store, commit, "notes/n.md.theirs").as_deref(),
        Some("theirs")
    );
}

#[test]
fn a_commit_that_is_not_a_journal_is_refused() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let a = advance(&store, &[(SESSION, Some(session().text()))], "a");
    let tree = store.tree_of(a).expect("tree");
    let foreign = crate::store::tests::oid(&t.git(&[
        "commit-tree",
        &tree.to_string(),
        "-p",
        &a.to_string(),
        "-m",
        "WIP on sessions",
    ]));
    match integrate(&store, foreign, "origin", &writer()) {
        Err(Error::NotAJournal { label, commit }) => {
            assert_eq!((label.as_str(), commit), ("origin", foreign));
        }
        other => panic!("expected NotAJournal, got {other:?}"),
    }
    assert_eq!(t.git_tip(), Some(a));
}

#[test]
fn a_merge_without_an_identity_fails_and_moves_nothing() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let a = advance(&store, &[(SESSION, Some(session().text()))], "a");
    let ours = advance(&store, &[("notes/ours.md", Some("o"))], "ours");
    let theirs = commit_on(&store, Some(a), &[("notes/theirs.md", Some("t"))], "theirs");
    let anonymous = EntryWriter {
        author: None,
        host: "h".into(),
        agent: None,
    };
    assert!(matches!(
        integrate(&store, theirs, "origin", &anonymous),
        Err(Error::Store(StoreError::NoIdentity))
    ));
    assert_eq!(t.git_tip(), Some(ours));
}
