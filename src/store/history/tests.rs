//! Unit tests of ancestry, revisions, history and the journal-commit check.

use gix::ObjectId;

use super::super::tests::{TestRepo, advance, changes, commit_on, oid};
use super::super::{CommitSubject, JournalCommand, SessionsRef, StoreError};

/// Three commits on the ref: `a` adds a session file, `b` adds a note, `c` edits the session.
fn three_commits(store: &SessionsRef) -> [ObjectId; 3] {
    let a = advance(store, &[("active/s-1a2b3c4d.md", Some("1"))], "one");
    let b = advance(store, &[("notes/n.md", Some("n"))], "two");
    let c = advance(store, &[("active/s-1a2b3c4d.md", Some("2"))], "three");
    [a, b, c]
}

#[test]
fn resolve_rev_walks_first_parents_and_finds_id_prefixes() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let [a, b, c] = three_commits(&store);
    let rev = |r: &str| store.resolve_rev(c, r);
    for (r, want) in [
        ("HEAD", Some(c)),
        ("@", Some(c)),
        ("HEAD~", Some(b)),
        ("HEAD~2", Some(a)),
        ("HEAD^^", Some(a)),
        ("sessions~1", Some(b)),
        ("refs/sessions~2", Some(a)),
        ("HEAD~3", None),
    ] {
        assert_eq!(rev(r).expect(r), want, "{r}");
    }
    let hex = a.to_string();
    assert_eq!(rev(&hex[..7]).expect("prefix"), Some(a));
    assert_eq!(rev(&hex.to_uppercase()[..10]).expect("upper"), Some(a));
    assert_eq!(rev(&hex).expect("full"), Some(a));
    // A commit outside the journal's history is not one of its revisions.
    let outside = commit_on(&store, None, &[("x.md", Some("x"))], "elsewhere");
    assert_eq!(rev(&outside.to_string()).expect("outside"), None);
    for bad in ["HEAD~x", "abc", "xyz1", "main", ""] {
        assert!(
            matches!(rev(bad), Err(StoreError::BadRevision(ref r)) if r == bad),
            "{bad}: {:?}",
            rev(bad)
        );
    }
}

#[test]
fn resolve_rev_refuses_a_prefix_two_commits_share() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    // A chain of commits with fixed dates (so the same ids every run), written by one
    // `git fast-import`; among 1,000 ids some two share a 4-digit prefix.
    let mut stream = String::new();
    for n in 0..1000 {
        let message = format!("log(t): {n}\n");
        stream.push_str(&format!(
            "commit refs/heads/chain\ncommitter T <t@example.com> {} +0000\ndata {}\n{message}\n",
            1_700_000_000 + n,
            message.len()
        ));
    }
    t.git_stdin(&["fast-import", "--quiet"], &stream);
    let tip = oid(&t.git(&["rev-parse", "refs/heads/chain"]));
    let mut seen = std::collections::HashMap::new();
    let shared = t
        .git(&["rev-list", "refs/heads/chain"])
        .lines()
        .map(|id| id[..4].to_string())
        .find(|p| seen.insert(p.clone(), ()).is_some())
        .expect("a shared 4-digit prefix");
    assert!(matches!(
        store.resolve_rev(tip, &shared),
        Err(StoreError::AmbiguousRevision(r)) if r == shared
    ));
    assert_eq!(
        store.resolve_rev(tip, &tip.to_string()).expect("full id"),
        Some(tip)
    );
}

#[test]
fn history_lists_only_the_commits_that_touched_the_paths() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let [a, _, c] = three_commits(&store);
    let got = store
        .history(c, &["active/s-1a2b3c4d.md".into()], 100)
        .expect("history");
    let ids: Vec<String> = got.iter().map(|i| i.commit.clone()).collect();
    assert_eq!(ids, [c.to_string(), a.to_string()]);
    assert_eq!(got[0].command.as_deref(), Some("log"));
    assert_eq!(got[0].summary, "three");
    assert_eq!(got[0].subject, "log(test): three");
    assert!(
        got[0].at.ends_with('Z') && got[0].at.len() >= 20,
        "{}",
        got[0].at
    );
    // The limit bounds the walk, not the number of matches.
    let limited = store
        .history(c, &["active/s-1a2b3c4d.md".into()], 2)
        .expect("history");
    assert_eq!(limited.len(), 1);
    // A session moved to archive/ is followed when both paths are asked for.
    let d = advance(
        &store,
        &[
            ("active/s-1a2b3c4d.md", None),
            ("archive/s-1a2b3c4d.md", Some("2")),
        ],
        "close",
    );
    let both = store
        .history(
            d,
            &[
                "active/s-1a2b3c4d.md".into(),
                "archive/s-1a2b3c4d.md".into(),
            ],
            100,
        )
        .expect("history");
    assert_eq!(both.len(), 3);
    assert_eq!(both[0].commit, d.to_string());
}

#[test]
fn history_skips_a_merge_that_kept_one_parents_version() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let base = commit_on(
        &store,
        None,
        &[("a.md", Some("0")), ("b.md", Some("0"))],
        "base",
    );
    let ours = commit_on(&store, Some(base), &[("a.md", Some("1"))], "ours");
    let theirs = commit_on(&store, Some(base), &[("b.md", Some("1"))], "theirs");
    let tree = store
        .write_tree(
            store.tree_of(ours).expect("tree"),
            &changes(&[("b.md", Some("1"))]),
        )
        .expect("merged tree");
    let subject = CommitSubject::new(JournalCommand::Sync, "origin", "merge");
    let merge = store
        .write_commit(&subject, tree, &[ours, theirs])
        .expect("merge");
    let touched_a: Vec<String> = store
        .history(merge, &["a.md".into()], 100)
        .expect("history")
        .into_iter()
        .map(|i| i.commit)
        .collect();
    assert_eq!(touched_a, [ours.to_string(), base.to_string()]);
    // A merge that differs from every parent did touch the path.
    let both = store
        .write_tree(tree, &changes(&[("a.md", Some("2"))]))
        .expect("tree");
    let merge2 = store
        .write_commit(&subject, both, &[ours, theirs])
        .expect("merge");
    let got = store
        .history(merge2, &["a.md".into()], 100)
        .expect("history");
    assert_eq!(got[0].commit, merge2.to_string());
    assert_eq!(got[0].command.as_deref(), Some("sync"));
}

#[test]
fn history_shows_a_foreign_subject_without_a_command() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let tree = store
        .write_tree(store.empty_tree(), &changes(&[("a.md", Some("a"))]))
        .expect("tree");
    let c = oid(&t.git(&["commit-tree", &tree.to_string(), "-m", "Merge branch 'x'"]));
    let got = store.history(c, &["a.md".into()], 10).expect("history");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].command, None);
    assert_eq!(got[0].summary, "Merge branch 'x'");
}

#[test]
fn ancestry_distance_and_merge_base() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let [a, b, c] = three_commits(&store);
    assert!(store.is_ancestor(a, c).expect("walk"));
    assert!(!store.is_ancestor(c, a).expect("walk"));
    assert!(store.is_ancestor(c, c).expect("walk"));
    assert!(store.is_ancestor_within(b, c, 2).expect("walk"));
    assert!(!store.is_ancestor_within(a, c, 2).expect("walk"));
    assert_eq!(store.distance(c, c, 10), Some(0));
    assert_eq!(store.distance(a, c, 10), Some(2));
    assert_eq!(store.distance(a, c, 2), None);
    let side = commit_on(&store, Some(b), &[("side.md", Some("s"))], "side");
    assert_eq!(store.merge_base(c, side).expect("base"), Some(b));
    let unrelated = commit_on(&store, None, &[("u.md", Some("u"))], "unrelated");
    assert_eq!(store.merge_base(c, unrelated).expect("base"), None);
}

#[test]
fn tracking_refs_are_one_level_refs_in_our_own_namespace() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let [a, b, c] = three_commits(&store);
    t.git(&[
        "update-ref",
        "refs/git-session/remotes/origin/sessions",
        &a.to_string(),
    ]);
    t.git(&[
        "update-ref",
        "refs/git-session/remotes/up/sessions",
        &b.to_string(),
    ]);
    t.git(&[
        "update-ref",
        "refs/git-session/urls/0123abcd/sessions",
        &c.to_string(),
    ]);
    t.git(&[
        "update-ref",
        "refs/git-session/remotes/origin/main",
        &a.to_string(),
    ]);
    t.git(&[
        "update-ref",
        "refs/git-session/remotes/a/b/sessions",
        &a.to_string(),
    ]);
    t.git(&["update-ref", "refs/remotes/old/sessions", &a.to_string()]);
    let mut got = store.tracking_refs().expect("refs");
    got.sort();
    assert_eq!(
        got,
        [
            ("origin".to_string(), a),
            ("up".to_string(), b),
            ("urls/0123abcd".to_string(), c)
        ]
    );
    let legacy = store.legacy_refs().expect("legacy");
    assert_eq!(legacy.len(), 1);
    assert_eq!(legacy[0].name, "refs/remotes/old/sessions");
}

#[test]
fn a_journal_commit_needs_our_subject_and_our_layout() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let ours = commit_on(&store, None, &[("active/s-1a2b3c4d.md", Some("s"))], "ours");
    assert!(store.is_journal_commit(ours).expect("check"));
    let layout_tree = store.tree_of(ours).expect("tree");
    let foreign = oid(&t.git(&["commit-tree", &layout_tree.to_string(), "-m", "fix(x): y"]));
    assert!(!store.is_journal_commit(foreign).expect("check"));
    let no_layout = commit_on(
        &store,
        None,
        &[("src/main.rs", Some("fn main() {}"))],
        "code",
    );
    assert!(!store.is_journal_commit(no_layout).expect("check"));
    // `active` as a file is not the layout's directory.
    let file = commit_on(&store, None, &[("active", Some("x"))], "file");
    assert!(!store.is_journal_commit(file).expect("check"));
}
