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

/// A blob written to the object database of `t` (for the gate tests: their trees come from
/// `TestRepo::mktree`).
fn blob(t: &TestRepo, text: &str) -> ObjectId {
    oid(&t.git_stdin(&["hash-object", "-w", "--stdin"], text))
}

#[test]
fn a_directory_passed_at_one_path_is_checked_again_at_another() {
    use crate::store::gate::Rule;
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let b = blob(&t, "x\n");
    // entries/sub/x.md: fine among the user's notes, a directory where an entry file belongs
    // in a session's journal.
    let sub = t.mktree(&format!("100644 blob {b}\tx.md\n"));
    let entries = t.mktree(&format!("040000 tree {sub}\tsub\n"));
    let d = t.mktree(&format!("040000 tree {entries}\tentries\n"));
    let as_notes = t.mktree(&format!("040000 tree {d}\tnotes\n"));
    assert_eq!(store.check_incoming_tree(as_notes, None).unwrap(), None);
    let short = t.mktree(&format!("040000 tree {d}\tab123456\n"));
    let fanout = t.mktree(&format!("040000 tree {short}\tab\n"));
    let as_journal = t.mktree(&format!("040000 tree {fanout}\tjournal\n"));
    let refusal = store
        .check_incoming_tree(as_journal, None)
        .unwrap()
        .expect("refused");
    assert_eq!(refusal.path, "journal/ab/ab123456/entries/sub");
    assert_eq!(refusal.rule, Rule::DirectoryForFile);
}

#[test]
fn a_refused_tree_is_refused_every_time_it_is_checked() {
    let t = TestRepo::new();
    let repo = t.open();
    let store = SessionsRef::new(&repo);
    let b = blob(&t, "x\n");
    let notes = t.mktree(&format!("100644 blob {b}\ta.md\n100644 blob {b}\t.GIT\n"));
    let root = t.mktree(&format!("040000 tree {notes}\tnotes\n"));
    for _ in 0..2 {
        let refusal = store.check_incoming_tree(root, None).unwrap();
        assert_eq!(refusal.map(|r| r.path), Some("notes/.GIT".to_string()));
    }
}

#[test]
fn a_tree_passed_in_one_repository_is_checked_for_missing_objects_in_another() {
    use crate::store::gate::Rule;
    let full = TestRepo::new();
    let b = blob(&full, "only in the first repository\n");
    let lines = format!("100644 blob {b}\tnote.md\n");
    let notes = full.mktree(&lines);
    let root = full.mktree(&format!("040000 tree {notes}\tnotes\n"));
    let repo = full.open();
    assert_eq!(
        SessionsRef::new(&repo)
            .check_incoming_tree(root, None)
            .unwrap(),
        None
    );
    // The same trees, byte for byte, in a repository that lacks the blob.
    let partial = TestRepo::new();
    assert_eq!(partial.mktree(&lines), notes);
    assert_eq!(
        partial.mktree(&format!("040000 tree {notes}\tnotes\n")),
        root
    );
    let repo = partial.open();
    let refusal = SessionsRef::new(&repo)
        .check_incoming_tree(root, None)
        .unwrap()
        .expect("refused");
    assert_eq!(refusal.rule, Rule::Missing(b));
}
