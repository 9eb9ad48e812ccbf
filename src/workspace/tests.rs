//! Unit tests of lookup, per-worktree state, the worktree lock and the write path.

use std::cell::Cell;

use super::*;
use crate::store::tests::{TestRepo, advance, new_session_text};
use crate::store::{CommitSubject, JournalCommand, TreeChanges};

/// `(id, shortname, dir)` of the sessions the lookup tests put in the mirror.
const SESSIONS: [(&str, &str, &str); 5] = [
    (
        "0193a1b2-0000-7000-8000-00001a2b3c4d",
        "fix-sweep",
        "active",
    ),
    ("0193a1b2-1111-7000-8000-00005e6f7a8b", "docs", "active"),
    (
        "0193ffff-2222-7000-8000-00009c0d1e2f",
        "fix-sweep",
        "archive",
    ),
    ("01940000-3333-7000-8000-0000a1a1a1a1", "a1", "active"),
    ("01940000-4444-7000-8000-0000b2b2b2b2", "a10", "active"),
];

fn with_sessions() -> (TestRepo, Workspace) {
    let t = TestRepo::new();
    let ws = Workspace::discover(&t.path()).expect("discover");
    for (id, name, dir) in SESSIONS {
        let short = crate::model::ids::short_of(id).expect("short id");
        let path = format!("{dir}/{name}-{short}.md");
        ws.mirror()
            .write(&path, new_session_text(id, name).as_bytes())
            .expect("write session");
    }
    (t, ws)
}

fn note(path: &str, text: &str) -> Planned {
    let mut changes = TreeChanges::new();
    changes.insert(path.into(), Some(text.as_bytes().to_vec()));
    Planned {
        changes,
        shortname: "notes".into(),
        summary: format!("wrote {path}"),
        touched: vec![],
    }
}

#[test]
fn resolve_finds_a_session_by_each_of_its_names() {
    let (_t, ws) = with_sessions();
    for (name, want) in [
        ("docs", "active/docs-5e6f7a8b.md"),
        ("5e6f7a8b", "active/docs-5e6f7a8b.md"),
        ("5E6F7A8B", "active/docs-5e6f7a8b.md"),
        ("fix-sweep-1a2b3c4d", "active/fix-sweep-1a2b3c4d.md"),
        ("9c0d1e2f", "archive/fix-sweep-9c0d1e2f.md"),
        ("0193a1b2-1111", "active/docs-5e6f7a8b.md"),
        ("0193A1B2-0000-7000", "active/fix-sweep-1a2b3c4d.md"),
        ("0193ffff", "archive/fix-sweep-9c0d1e2f.md"),
        // An exact shortname is not a prefix match of a longer one.
        ("a1", "active/a1-a1a1a1a1.md"),
        ("a10", "active/a10-b2b2b2b2.md"),
    ] {
        assert_eq!(ws.resolve(name).expect(name).render(), want, "{name}");
    }
}

#[test]
fn resolve_lists_the_candidates_of_an_ambiguous_name() {
    let (_t, ws) = with_sessions();
    for (name, want) in [
        (
            "fix-sweep",
            vec!["fix-sweep-1a2b3c4d", "fix-sweep-9c0d1e2f"],
        ),
        ("0193a1b2", vec!["fix-sweep-1a2b3c4d", "docs-5e6f7a8b"]),
    ] {
        match ws.resolve(name) {
            Err(Error::AmbiguousSession {
                name: n,
                candidates,
            }) => {
                assert_eq!(n, name);
                let mut got = candidates.clone();
                got.sort();
                let mut want = want.clone();
                want.sort();
                assert_eq!(got, want, "{name}");
            }
            other => panic!("{name}: expected ambiguity, got {other:?}"),
        }
    }
}

#[test]
fn resolve_reports_an_unknown_name() {
    let (_t, ws) = with_sessions();
    for name in ["nope", "deadbeef", "0193a1b3", "fix", "1a2b"] {
        assert!(
            matches!(ws.resolve(name), Err(Error::UnknownSession(ref n)) if n == name),
            "{name}: {:?}",
            ws.resolve(name)
        );
    }
}

#[test]
fn the_current_session_round_trips_and_clears() {
    let (_t, ws) = with_sessions();
    assert_eq!(ws.current_id().expect("read"), None);
    assert!(matches!(ws.current(), Err(Error::NoCurrentSession)));
    let (id, _, _) = SESSIONS[1];
    ws.set_current(Some(id)).expect("set");
    assert_eq!(ws.current_id().expect("read").as_deref(), Some(id));
    assert_eq!(
        ws.current().expect("current").render(),
        "active/docs-5e6f7a8b.md"
    );
    assert_eq!(
        ws.target(None).expect("target").render(),
        "active/docs-5e6f7a8b.md"
    );
    assert_eq!(
        ws.target(Some("a1")).expect("target").render(),
        "active/a1-a1a1a1a1.md"
    );
    ws.set_current(None).expect("clear");
    assert_eq!(ws.current_id().expect("read"), None);
    assert!(!ws.state_dir().join("current").exists());
    ws.set_current(None).expect("clearing twice is fine");
    // A current id whose file is gone is no current session.
    ws.set_current(Some("0193a1b2-9999-7000-8000-000012345678"))
        .expect("set");
    assert!(matches!(ws.current(), Err(Error::NoCurrentSession)));
}

#[test]
fn the_worktree_lock_times_out_while_another_handle_holds_it() {
    let t = TestRepo::new();
    let holder = Workspace::discover(&t.path()).expect("discover");
    let held = holder.lock().expect("first lock");
    let mut waiter = Workspace::discover(&t.path()).expect("discover");
    let wait = Duration::from_millis(300);
    waiter.set_lock_wait(wait);
    let started = Instant::now();
    match waiter.lock() {
        Err(Error::LockTimeout(path, _)) => assert_eq!(path, waiter.state_dir().join("lock")),
        Err(e) => panic!("expected a lock timeout, got {e:?}"),
        Ok(_) => panic!("expected a lock timeout, got the lock"),
    }
    let waited = started.elapsed();
    assert!(waited >= wait && waited < wait * 5, "waited {waited:?}");
    drop(held);
    waiter.lock().expect("free once the holder lets go");
}

#[test]
fn commit_with_returns_the_plans_value_and_the_new_tip() {
    let t = TestRepo::new();
    let ws = Workspace::discover(&t.path()).expect("discover");
    let lock = ws.lock().expect("lock");
    let (first, value) = ws
        .commit_with(&lock, JournalCommand::Log, |tree| {
            assert_eq!(
                tree,
                ws.store().empty_tree(),
                "the first plan sees no journal"
            );
            Ok((note("notes/a.md", "a"), 42))
        })
        .expect("commit");
    assert_eq!(value, 42);
    let store = ws.store();
    assert_eq!(store.tip().expect("tip"), Some(first));
    assert_eq!(t.git_tip(), Some(first));
    assert_eq!(
        ws.mirror().read("notes/a.md").expect("read").as_deref(),
        Some(&b"a"[..])
    );
    assert_eq!(ws.mirror().last_seen().expect("state"), Some(first));
    let message = t.git(&["log", "-1", "--format=%B", &first.to_string()]);
    assert_eq!(
        CommitSubject::parse(&message),
        Some(CommitSubject::new(
            JournalCommand::Log,
            "notes",
            "wrote notes/a.md"
        ))
    );
    let exclude = std::fs::read_to_string(t.path().join(".git/info/exclude")).expect("exclude");
    assert!(exclude.lines().any(|l| l == "/.sessions/"), "{exclude}");

    // A hand edit in the mirror rides along with the next commit.
    ws.mirror()
        .write("notes/by-hand.md", b"h")
        .expect("hand edit");
    let second = ws
        .commit(&lock, JournalCommand::Log, |tree| {
            assert_eq!(
                tree,
                store.tree_of(first).expect("tree"),
                "plans run on the tip"
            );
            Ok(note("notes/b.md", "b"))
        })
        .expect("commit");
    let tree = store.tree_of(second).expect("tree");
    assert_eq!(
        store
            .read(tree, "notes/by-hand.md")
            .expect("read")
            .as_deref(),
        Some(&b"h"[..])
    );
    assert_eq!(
        store.read(tree, "notes/a.md").expect("read").as_deref(),
        Some(&b"a"[..])
    );
    assert_eq!(
        t.git(&["rev-parse", &format!("{second}^")]),
        first.to_string()
    );
    assert!(!ws.has_hand_edits(tree).expect("scan"));
}

#[test]
fn a_plan_that_fails_leaves_the_ref_and_the_mirror_alone() {
    let t = TestRepo::new();
    let ws = Workspace::discover(&t.path()).expect("discover");
    let lock = ws.lock().expect("lock");
    let refuse = |_| -> Result<Planned> { Err(Error::Usage("refused".into())) };
    assert!(matches!(
        ws.commit(&lock, JournalCommand::Log, refuse),
        Err(Error::Usage(m)) if m == "refused"
    ));
    assert_eq!(t.git_tip(), None, "no ref is created");

    let first = ws
        .commit(&lock, JournalCommand::Log, |_| Ok(note("notes/a.md", "a")))
        .expect("commit");
    ws.mirror()
        .write("notes/a.md", b"edited")
        .expect("hand edit");
    let before = ws.mirror().walk("").expect("walk");
    assert!(matches!(
        ws.commit(&lock, JournalCommand::Log, refuse),
        Err(Error::Usage(_))
    ));
    assert_eq!(t.git_tip(), Some(first));
    assert_eq!(ws.mirror().walk("").expect("walk"), before);
    assert_eq!(
        ws.mirror().read("notes/a.md").expect("read").as_deref(),
        Some(&b"edited"[..])
    );
    assert_eq!(ws.mirror().pending().expect("state"), None);
    assert_eq!(ws.mirror().last_seen().expect("state"), Some(first));
    assert!(
        ws.has_hand_edits(ws.store().tree_of(first).expect("tree"))
            .expect("scan")
    );
}

#[test]
fn a_plan_redone_after_a_lost_race_commits_on_the_winner() {
    let t = TestRepo::new();
    let ws = Workspace::discover(&t.path()).expect("discover");
    let lock = ws.lock().expect("lock");
    let first = ws
        .commit(&lock, JournalCommand::Log, |_| Ok(note("notes/a.md", "a")))
        .expect("commit");
    let calls = Cell::new(0);
    let other = Cell::new(None);
    let (mine, seen) = ws
        .commit_with(&lock, JournalCommand::Log, |tree| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                // Another process moves the ref while this command plans.
                other.set(Some(advance(
                    &ws.store(),
                    &[("notes/other.md", Some("o"))],
                    "other",
                )));
            }
            Ok((note("notes/mine.md", "m"), tree))
        })
        .expect("commit");
    assert_eq!(calls.get(), 2, "the plan runs again on the new tip");
    let other = other.get().expect("the other commit");
    let store = ws.store();
    assert_eq!(
        seen,
        store.tree_of(other).expect("tree"),
        "the value is the last plan's"
    );
    assert_eq!(
        t.git(&["rev-parse", &format!("{mine}^")]),
        other.to_string()
    );
    assert_eq!(
        t.git(&["rev-parse", &format!("{other}^")]),
        first.to_string()
    );
    let tree = store.tree_of(mine).expect("tree");
    for p in ["notes/a.md", "notes/other.md", "notes/mine.md"] {
        assert!(store.read(tree, p).expect("read").is_some(), "{p}");
        assert!(
            ws.mirror().read(p).expect("read").is_some(),
            "{p} in the mirror"
        );
    }
    assert_eq!(ws.mirror().last_seen().expect("state"), Some(mine));
}

#[test]
fn a_name_of_only_dashes_is_unknown() {
    let t = TestRepo::new();
    let ws = Workspace::discover(&t.path()).expect("discover");
    let (id, name, _) = SESSIONS[1];
    ws.mirror()
        .write(
            "active/docs-5e6f7a8b.md",
            new_session_text(id, name).as_bytes(),
        )
        .expect("write session");
    assert!(
        matches!(ws.resolve("----"), Err(Error::UnknownSession(_))),
        "{:?}",
        ws.resolve("----")
    );
}
