//! Unit tests of the store, and the temp repositories the other layers' unit tests build on.

use std::path::{Path, PathBuf};
use std::process::Command;

use gix::ObjectId;
use tempfile::TempDir;

use super::*;
use crate::model::session::{NewSession, render_new};

/// A fresh repository in a temp dir with its own HOME and a git identity in its config, so
/// neither the user's config nor their environment leaks into a test.
pub(crate) struct TestRepo {
    tmp: TempDir,
}

impl TestRepo {
    pub(crate) fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(tmp.path().join("home")).expect("home dir");
        std::fs::create_dir_all(tmp.path().join("repo")).expect("repo dir");
        let t = TestRepo { tmp };
        t.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
        // Appended rather than set with `git config`: a git process per line costs when the
        // machine is busy.
        let config = t.path().join(".git/config");
        let mut text = std::fs::read_to_string(&config).expect("repo config");
        text.push_str("[user]\n\tname = Test User\n\temail = test@example.com\n");
        std::fs::write(&config, text).expect("repo config");
        t
    }

    /// The repository's worktree.
    pub(crate) fn path(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    /// A directory beside the repository for per-worktree state.
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    /// Run git in the repository, asserting success; returns trimmed stdout.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        hermetic(&mut cmd, &self.tmp.path().join("home"));
        let out = cmd
            .current_dir(self.path())
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("git prints utf-8 here")
            .trim()
            .to_string()
    }

    /// `git mktree --missing` of `ls-tree`-formatted lines.
    pub(crate) fn mktree(&self, lines: &str) -> ObjectId {
        oid(&self.git_stdin(&["mktree", "--missing"], lines))
    }

    /// Run git with `input` on its stdin, asserting success; returns trimmed stdout.
    pub(crate) fn git_stdin(&self, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let mut cmd = Command::new("git");
        hermetic(&mut cmd, &self.tmp.path().join("home"));
        let mut child = cmd
            .current_dir(self.path())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(input.as_bytes())
            .expect("feed git");
        let out = child.wait_with_output().expect("git runs");
        assert!(out.status.success(), "git {args:?} failed");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The repository opened with its own config only (no user or system config).
    pub(crate) fn open(&self) -> gix::Repository {
        gix::open_opts(self.path(), gix::open::Options::isolated()).expect("open the test repo")
    }

    /// What plain git says `refs/sessions` is (`None` when the ref does not exist).
    pub(crate) fn git_tip(&self) -> Option<ObjectId> {
        let out = Command::new("git")
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.tmp.path().join("home"))
            .args(["rev-parse", "--verify", "-q", SESSIONS_REF])
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| oid(String::from_utf8_lossy(&out.stdout).trim()))
    }
}

/// Clear what would let the user's git setup into a child process.
pub(crate) fn hermetic(cmd: &mut Command, home: &Path) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "EMAIL",
        "GIT_CONFIG_PARAMETERS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1");
}

pub(crate) fn oid(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.as_bytes()).expect("a full hex object id")
}

/// Tree changes from `(path, Some(content) | None)` pairs.
pub(crate) fn changes(files: &[(&str, Option<&str>)]) -> TreeChanges {
    files
        .iter()
        .map(|(p, c)| (p.to_string(), c.map(|c| c.as_bytes().to_vec())))
        .collect()
}

/// A `log(test): <summary>` commit of `files` on top of `parent`; no ref moves.
pub(crate) fn commit_on(
    store: &SessionsRef,
    parent: Option<ObjectId>,
    files: &[(&str, Option<&str>)],
    summary: &str,
) -> ObjectId {
    let base = match parent {
        Some(p) => store.tree_of(p).expect("parent's tree"),
        None => store.empty_tree(),
    };
    let tree = store.write_tree(base, &changes(files)).expect("tree");
    let subject = CommitSubject::new(JournalCommand::Log, "test", summary);
    store
        .write_commit(&subject, tree, parent.as_slice())
        .expect("commit")
}

/// Commit `files` on the tip of `refs/sessions` and move the ref there.
pub(crate) fn advance(
    store: &SessionsRef,
    files: &[(&str, Option<&str>)],
    summary: &str,
) -> ObjectId {
    let tip = store.tip().expect("tip");
    let c = commit_on(store, tip, files, summary);
    match store.compare_and_swap(tip, c, summary).expect("cas") {
        CasOutcome::Moved(id) => id,
        CasOutcome::Lost => panic!("nobody else moves the ref in this test"),
    }
}

/// The text of a new session file with this id and shortname, created at a fixed moment so
/// that two calls give the same bytes.
pub(crate) fn new_session_text(id: &str, shortname: &str) -> String {
    render_new(&NewSession {
        id: id.into(),
        shortname: shortname.into(),
        title: format!("Work on {shortname}"),
        goal: None,
        task_ids: vec![],
        steps: vec!["first step".into()],
        git_branch: None,
        git_last_commit: None,
        now: chrono::DateTime::from_timestamp_millis(1_736_935_200_123).expect("in range"),
    })
}

fn id_of(store: &SessionsRef, tree: ObjectId, path: &str) -> Option<ObjectId> {
    store.entry_id(tree, path).expect("entry id")
}

#[test]
fn write_tree_rewrites_only_the_trees_on_changed_paths() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let base = store
        .write_tree(
            store.empty_tree(),
            &changes(&[
                ("active/a-1a2b3c4d.md", Some("a")),
                ("archive/b-5e6f7a8b.md", Some("b")),
                ("journal/1a2b3c4d/entries/e.md", Some("e")),
                ("journal/5e6f7a8b/entries/f.md", Some("f")),
                ("notes/n.md", Some("n")),
            ]),
        )
        .expect("base tree");
    let new = store
        .write_tree(
            base,
            &changes(&[
                ("active/a-1a2b3c4d.md", Some("a2")),
                ("journal/1a2b3c4d/entries/g.md", Some("g")),
            ]),
        )
        .expect("new tree");

    for untouched in ["archive", "notes", "journal/5e6f7a8b"] {
        assert_eq!(
            id_of(&store, base, untouched),
            id_of(&store, new, untouched),
            "{untouched} was rewritten"
        );
    }
    for touched in ["active", "journal", "journal/1a2b3c4d/entries"] {
        assert_ne!(
            id_of(&store, base, touched),
            id_of(&store, new, touched),
            "{touched}"
        );
    }
    let read = |p| store.read(new, p).expect("read");
    assert_eq!(read("active/a-1a2b3c4d.md").as_deref(), Some(&b"a2"[..]));
    assert_eq!(
        read("journal/1a2b3c4d/entries/e.md").as_deref(),
        Some(&b"e"[..])
    );
    assert_eq!(
        read("journal/1a2b3c4d/entries/g.md").as_deref(),
        Some(&b"g"[..])
    );
}

#[test]
fn removing_a_directorys_last_file_removes_the_directory() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let base = store
        .write_tree(
            store.empty_tree(),
            &changes(&[("notes/n.md", Some("n")), ("top.md", Some("t"))]),
        )
        .expect("base tree");
    let new = store
        .write_tree(base, &changes(&[("notes/n.md", None)]))
        .expect("new tree");
    assert_eq!(store.read(new, "notes/n.md").expect("read"), None);
    let names: Vec<String> = store
        .list(new, "")
        .expect("list")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["top.md"]);
    // And git agrees the tree is well formed.
    assert_eq!(
        t.git(&["ls-tree", "-r", "--name-only", &new.to_string()]),
        "top.md"
    );
}

#[test]
fn diff_reports_adds_modifies_and_removes_by_blob_path() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let old = store
        .write_tree(
            store.empty_tree(),
            &changes(&[
                ("keep/k.md", Some("k")),
                ("mod/m.md", Some("m1")),
                ("gone/g.md", Some("g")),
            ]),
        )
        .expect("old tree");
    let new = store
        .write_tree(
            old,
            &changes(&[
                ("mod/m.md", Some("m2")),
                ("gone/g.md", None),
                ("new/deep/n.md", Some("n")),
            ]),
        )
        .expect("new tree");
    let diff: Vec<(String, Option<ObjectId>, Option<ObjectId>)> = store
        .diff(Some(old), new)
        .expect("diff")
        .into_iter()
        .map(|c| (c.path, c.old, c.new))
        .collect();
    assert_eq!(
        diff,
        [
            ("gone/g.md".to_string(), Some(blob_id(b"g")), None),
            (
                "mod/m.md".to_string(),
                Some(blob_id(b"m1")),
                Some(blob_id(b"m2"))
            ),
            ("new/deep/n.md".to_string(), None, Some(blob_id(b"n"))),
        ]
    );
    // From nothing, everything is an add.
    let all: Vec<String> = store
        .diff(None, old)
        .expect("diff")
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(all, ["gone/g.md", "keep/k.md", "mod/m.md"]);
}

#[test]
fn diff_never_reads_subtrees_that_are_equal_on_both_sides() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    // A subtree whose object is absent (gix refuses to write such a tree; `git mktree --missing`
    // does not): reading it fails, so the diff must skip it by id, at any depth.
    let ghost = "1111111111111111111111111111111111111111";
    assert!(
        store.list_tree(oid(ghost)).is_err(),
        "the ghost must be unreadable"
    );
    let (one, two) = (
        store.write_blob(b"1").expect("blob"),
        store.write_blob(b"2").expect("blob"),
    );
    let tree = |blob: ObjectId| {
        let dir = t.mktree(&format!(
            "040000 tree {ghost}\tghost\n100644 blob {blob}\ta.md\n"
        ));
        t.mktree(&format!(
            "040000 tree {dir}\tdir\n040000 tree {ghost}\ttop-ghost\n"
        ))
    };
    let (old, new) = (tree(one), tree(two));
    let diff = store.diff(Some(old), new).expect("diff skips the ghosts");
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].path, "dir/a.md");
    assert_eq!((diff[0].old, diff[0].new), (Some(one), Some(two)));
}

#[test]
fn a_file_replaced_by_a_directory_is_a_remove_and_an_add() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let old = store
        .write_tree(store.empty_tree(), &changes(&[("x", Some("file"))]))
        .expect("old");
    let new = store
        .write_tree(
            store.empty_tree(),
            &changes(&[("x/inner.md", Some("inner"))]),
        )
        .expect("new");
    let diff: Vec<(String, bool, bool)> = store
        .diff(Some(old), new)
        .expect("diff")
        .into_iter()
        .map(|c| (c.path, c.old.is_some(), c.new.is_some()))
        .collect();
    assert_eq!(
        diff,
        [
            ("x/inner.md".to_string(), false, true),
            ("x".to_string(), true, false)
        ]
    );
}

#[test]
fn walk_and_list_show_the_trees_contents() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let tree = store
        .write_tree(
            store.empty_tree(),
            &changes(&[
                ("a/b/c.md", Some("c")),
                ("a/d.md", Some("d")),
                ("e.md", Some("e")),
            ]),
        )
        .expect("tree");
    let paths: Vec<String> = store
        .walk(tree)
        .expect("walk")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(paths, ["a/b/c.md", "a/d.md", "e.md"]);
    let a: Vec<(String, bool)> = store
        .list(tree, "a")
        .expect("list")
        .into_iter()
        .map(|e| (e.name, e.is_tree))
        .collect();
    assert_eq!(a, [("b".to_string(), true), ("d.md".to_string(), false)]);
    assert!(store.list(tree, "missing").expect("list").is_empty());
    assert!(store.list(store.empty_tree(), "").expect("list").is_empty());
    assert_eq!(store.read(tree, "a/missing.md").expect("read"), None);
}

#[test]
fn blob_id_matches_git_hash_object() {
    let t = TestRepo::new();
    std::fs::write(t.path().join("f"), "hello\n").expect("write");
    assert_eq!(blob_id(b"hello\n"), oid(&t.git(&["hash-object", "f"])));
}

#[test]
fn a_ref_that_is_not_a_commit_is_a_bad_ref() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let blob = store.write_blob(b"not a commit").expect("blob");
    t.git(&["update-ref", SESSIONS_REF, &blob.to_string()]);
    match store.tip() {
        Err(StoreError::BadRef { name, why }) => {
            assert_eq!(name, SESSIONS_REF);
            assert!(why.contains("blob"), "{why}");
        }
        other => panic!("expected BadRef, got {other:?}"),
    }
}

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
fn tracking_refs_are_one_level_remote_sessions_refs() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let [a, b, _] = three_commits(&store);
    t.git(&["update-ref", "refs/remotes/origin/sessions", &a.to_string()]);
    t.git(&["update-ref", "refs/remotes/up/sessions", &b.to_string()]);
    t.git(&["update-ref", "refs/remotes/origin/main", &a.to_string()]);
    t.git(&["update-ref", "refs/remotes/a/b/sessions", &a.to_string()]);
    let mut got = store.tracking_refs().expect("refs");
    got.sort();
    assert_eq!(got, [("origin".to_string(), a), ("up".to_string(), b)]);
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

#[test]
fn commit_subjects_of_every_command_round_trip_through_a_commit() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let mut parent = None;
    for command in JournalCommand::ALL {
        let subject = CommitSubject::new(command, "fix-sweep", "did: a (thing)");
        let c = store
            .write_commit(&subject, store.empty_tree(), parent.as_slice())
            .expect("commit");
        parent = Some(c);
        let message = t.git(&["log", "-1", "--format=%B", &c.to_string()]);
        assert_eq!(CommitSubject::parse(&message), Some(subject), "{command}");
    }
}

#[test]
fn write_commit_stamps_the_configured_identity() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let c = commit_on(&store, None, &[("a.md", Some("a"))], "who");
    // The test process may carry GIT_* identity variables; compare with what identity() reads.
    let who = store.identity().expect("identity");
    let got = t.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>", &c.to_string()]);
    assert_eq!(
        got,
        format!(
            "{} <{}>|{} <{}>",
            who.author.0, who.author.1, who.committer.0, who.committer.1
        )
    );
}

/// Set in the copy of this test binary that [`in_child`] runs: the environment is
/// process-wide, so tests that need their own run in a child process.
const CHILD_REPO: &str = "GIT_SESSION_UNIT_CHILD_REPO";

/// Run the unit test `name` again in a child process, in `t` and with `env` set; asserts it
/// ran and passed there.
fn in_child(t: &TestRepo, name: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    hermetic(&mut cmd, &t.tmp.path().join("home"));
    let out = cmd
        .env(CHILD_REPO, t.path())
        .envs(env.iter().copied())
        .args(["--exact", name, "--test-threads=1"])
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed in its child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The repository a child process was given, opened; `None` in the parent.
fn child_repo() -> Option<gix::Repository> {
    let dir = std::env::var_os(CHILD_REPO)?;
    Some(gix::open_opts(dir, gix::open::Options::isolated()).expect("open"))
}

#[test]
fn identity_prefers_the_environment_over_config() {
    if let Some(repo) = child_repo() {
        let who = SessionsRef::new(&repo).identity().expect("identity");
        assert_eq!(who.author, ("Env Author".into(), "test@example.com".into()));
        assert_eq!(
            who.committer,
            ("Test User".into(), "env@example.com".into())
        );
        return;
    }
    let t = TestRepo::new();
    in_child(
        &t,
        "store::tests::identity_prefers_the_environment_over_config",
        &[
            ("GIT_AUTHOR_NAME", "Env Author"),
            ("GIT_COMMITTER_EMAIL", "env@example.com"),
        ],
    );
}

#[test]
fn no_identity_anywhere_is_an_error() {
    if let Some(repo) = child_repo() {
        let store = SessionsRef::new(&repo);
        assert!(matches!(store.identity(), Err(StoreError::NoIdentity)));
        let subject = CommitSubject::new(JournalCommand::Log, "x", "y");
        assert!(matches!(
            store.write_commit(&subject, store.empty_tree(), &[]),
            Err(StoreError::NoIdentity)
        ));
        return;
    }
    let t = TestRepo::new();
    t.git(&["config", "--unset", "user.name"]);
    in_child(&t, "store::tests::no_identity_anywhere_is_an_error", &[]);
}
