//! Hostile journals from a remote (issue 13, items 1, 3, 4): trees built with git plumbing —
//! any name, any mode, any nesting, written with `hash-object --literally` where `mktree` would
//! refuse — pushed to a bare remote's `refs/git-session/sessions`, then `sync` (or a plain
//! `git fetch` and any command) in a victim clone.
//!
//! The randomized test runs a few dozen seeds by default; `GIT_SESSION_STRESS=1` runs 400, and
//! `GIT_SESSION_SEED=<n>` runs only seed n (what a failure prints).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

/// A bare remote, an attacker's clone that pushes to it, and victims.
struct Net {
    env: Env,
    remote: PathBuf,
    attacker: PathBuf,
}

impl Net {
    fn new() -> Net {
        let env = Env::new();
        let remote = env.bare_remote();
        let net = Net {
            attacker: env.path("attacker"),
            env,
            remote,
        };
        net.clone_as("attacker");
        net
    }

    fn clone_as(&self, name: &str) -> PathBuf {
        let dir = self.env.path(name);
        self.env.git(
            self.env.tmp.path(),
            &[
                "clone",
                "-q",
                self.remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    }

    /// A clone with a journal of its own (one session, one entry), pushed to the remote.
    fn victim(&self, name: &str) -> PathBuf {
        let v = self.clone_as(name);
        self.env.gs(&v, &["init", "--name", "mine", "--goal", "G"]);
        self.env.gs(&v, &["log", "--discovery", "found"]);
        self.env.gs(&v, &["sync"]);
        v
    }

    /// The journal on the remote now, as the attacker sees it: `(commit, root entries)`.
    fn remote_journal(&self) -> (String, Vec<(Vec<u8>, Node)>) {
        self.fetch_journal("origin", "refs/git-session/sessions")
    }

    /// A clone's own journal, as the attacker sees it (to build on it).
    fn journal_of(&self, clone: &Path) -> (String, Vec<(Vec<u8>, Node)>) {
        self.fetch_journal(clone.to_str().unwrap(), "refs/sessions")
    }

    fn fetch_journal(&self, from: &str, name: &str) -> (String, Vec<(Vec<u8>, Node)>) {
        let env = &self.env;
        let spec = format!("+{name}:refs/theirs");
        env.git(&self.attacker, &["fetch", "-q", from, &spec]);
        let commit = env
            .git(&self.attacker, &["rev-parse", "refs/theirs"])
            .trim()
            .to_string();
        (commit, ls_tree(env, &self.attacker, "refs/theirs^{tree}"))
    }

    /// Write `root` as a journal commit (a subject like the tool's own) on top of `parent`,
    /// and force it onto the remote's journal ref.
    fn push_journal(&self, root: &Node, parent: Option<&str>) -> String {
        self.try_push_journal(root, parent)
            .expect("git transmits this journal")
    }

    /// As `push_journal`; `None` when git itself will not transmit the tree (its pack reader
    /// refuses an empty name, for one, on the sending and the receiving side alike).
    fn try_push_journal(&self, root: &Node, parent: Option<&str>) -> Option<String> {
        let env = &self.env;
        let (_, tree) = write_node(env, &self.attacker, root);
        let mut args = vec!["commit-tree", tree.as_str(), "-m", "log(attack): y"];
        if let Some(p) = parent {
            args.extend(["-p", p]);
        }
        let commit = env.git(&self.attacker, &args).trim().to_string();
        let pushed = std::process::Command::new("git")
            .current_dir(&self.attacker)
            .args(["push", "-q", "--force", "origin"])
            .arg(format!("{commit}:refs/git-session/sessions"))
            .output()
            .unwrap();
        pushed.status.success().then_some(commit)
    }
}

/// A tree entry to write: anything git's object format can hold.
#[derive(Debug, Clone)]
enum Node {
    File(Vec<u8>),
    Exec(Vec<u8>),
    /// A symlink to the target.
    Link(Vec<u8>),
    /// A submodule entry naming a commit (that need not exist).
    Gitlink(String),
    Dir(Vec<(Vec<u8>, Node)>),
    /// An object already in the repository, with its mode.
    Existing(String, String),
}

fn dir(entries: Vec<(&str, Node)>) -> Node {
    Node::Dir(
        entries
            .into_iter()
            .map(|(n, node)| (n.as_bytes().to_vec(), node))
            .collect(),
    )
}

fn file(text: &str) -> Node {
    Node::File(text.as_bytes().to_vec())
}

/// Write `node` into `repo`'s object database: `(mode, id)`.
fn write_node(env: &Env, repo: &Path, node: &Node) -> (String, String) {
    let blob = |bytes: &[u8]| {
        env.git_input(repo, &["hash-object", "-w", "--stdin"], bytes)
            .trim()
            .to_string()
    };
    match node {
        Node::File(b) => ("100644".into(), blob(b)),
        Node::Exec(b) => ("100755".into(), blob(b)),
        Node::Link(b) => ("120000".into(), blob(b)),
        Node::Gitlink(id) => ("160000".into(), id.clone()),
        Node::Existing(mode, id) => (mode.clone(), id.clone()),
        Node::Dir(entries) => {
            let mut written: Vec<(Vec<u8>, String, String)> = entries
                .iter()
                .map(|(name, n)| {
                    let (mode, id) = write_node(env, repo, n);
                    (name.clone(), mode, id)
                })
                .collect();
            // git's order: a directory sorts as if its name ended in '/'.
            let key = |(name, mode, _): &(Vec<u8>, String, String)| {
                let mut k = name.clone();
                if mode == "40000" {
                    k.push(b'/');
                }
                k
            };
            written.sort_by_key(key);
            let mut raw = Vec::new();
            for (name, mode, id) in written {
                raw.extend_from_slice(mode.as_bytes());
                raw.push(b' ');
                raw.extend_from_slice(&name);
                raw.push(0);
                raw.extend(
                    (0..40)
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&id[i..i + 2], 16).unwrap()),
                );
            }
            let id = env
                .git_input(
                    repo,
                    &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
                    &raw,
                )
                .trim()
                .to_string();
            ("40000".into(), id)
        }
    }
}

/// The entries of a tree as nodes that reuse its objects.
fn ls_tree(env: &Env, repo: &Path, tree: &str) -> Vec<(Vec<u8>, Node)> {
    env.git(repo, &["ls-tree", "-z", tree])
        .split('\0')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (meta, name) = line.split_once('\t').unwrap();
            let mut parts = meta.split(' ');
            let mode = parts.next().unwrap().trim_start_matches('0').to_string();
            let id = parts.nth(1).unwrap().to_string();
            (name.as_bytes().to_vec(), Node::Existing(mode, id))
        })
        .collect()
}

/// `entries` with `name` replaced by (or added as) `node`.
fn with(mut entries: Vec<(Vec<u8>, Node)>, name: &str, node: Node) -> Vec<(Vec<u8>, Node)> {
    entries.retain(|(n, _)| n != name.as_bytes());
    entries.push((name.as_bytes().to_vec(), node));
    entries
}

/// A minimal journal root whose `active/` makes it look like one.
fn journal_root(extra: Vec<(&str, Node)>) -> Node {
    let mut entries = vec![("active", dir(vec![("readme.txt", file("decoy"))]))];
    entries.extend(extra);
    dir(entries)
}

/// The commit a ref points at, if it exists.
fn rev(repo: &Path, name: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(repo)
        .args(["rev-parse", "-q", "--verify", name])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_string())
}

/// `sync` refuses the journal: exit 1, one line naming the remote, the path and the rule.
fn assert_refused(env: &Env, victim: &Path, path: &str, rule: &str) {
    let err = env.fails(victim, &["sync"], 1);
    for part in ["refused the journal of origin", path, rule] {
        assert!(err.contains(part), "expected '{part}' in: {err}");
    }
}

/// Every local command still works: read, write, check, repair.
fn assert_commands_work(env: &Env, victim: &Path) {
    env.gs(victim, &["list", "--all"]);
    env.gs(victim, &["log", "--discovery", "still works"]);
    env.gs(victim, &["history"]);
    let doctor = env.gs(victim, &["doctor"]);
    assert!(doctor.contains("No problems"), "{doctor}");
    env.gs(victim, &["doctor", "--repair"]);
}

/// A plain `git fetch` of the refused journal, then a command: it succeeds and warns once.
fn assert_plain_fetch_warns(env: &Env, victim: &Path, what: &str) {
    env.git(
        victim,
        &[
            "fetch",
            "-q",
            "origin",
            "+refs/git-session/sessions:refs/remotes/origin/sessions",
        ],
    );
    let out = env.run(victim, &["list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "list after a plain fetch: {err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("origin") && warnings[0].contains(what),
        "{err}"
    );
}

#[test]
fn a_remote_journal_cannot_write_or_delete_outside_sessions() {
    let net = Net::new();
    let env = &net.env;
    let victim = net.victim("victim");
    let outside = env.path("outside-abs.txt");
    let absolute = outside.to_str().unwrap();

    // Adopted by a clone without a journal: `..` would put a file in the worktree's root, an
    // absolute name one anywhere.
    net.push_journal(
        &journal_root(vec![
            ("..", dir(vec![("escaped.txt", file("pwned"))])),
            (absolute, file("pwned")),
        ]),
        None,
    );
    let fresh = net.clone_as("fresh");
    assert_refused(env, &fresh, "..", "'.' or '..' name");
    assert!(!fresh.join("escaped.txt").exists());
    assert!(!outside.exists());
    assert_eq!(rev(&fresh, "refs/sessions"), None, "nothing adopted");
    env.gs(&fresh, &["init", "--name", "fresh", "--goal", "G"]);
    env.gs(&fresh, &["list"]);

    // Fast-forwarded onto a victim's own journal: `../.git/HEAD` would overwrite (and the next
    // commit delete) the repository's HEAD.
    env.git(
        &victim,
        &[
            "push",
            "-q",
            "--force",
            "origin",
            "refs/sessions:refs/git-session/sessions",
        ],
    );
    let head = fs::read(victim.join(".git/HEAD")).unwrap();
    let tip = rev(&victim, "refs/sessions");
    let (parent, root) = net.remote_journal();
    let git_dir = dir(vec![("HEAD", file("ref: refs/heads/pwned\n"))]);
    net.push_journal(
        &Node::Dir(with(root, "..", dir(vec![(".git", git_dir)]))),
        Some(&parent),
    );
    assert_refused(env, &victim, "..", "'.' or '..' name");
    assert_eq!(fs::read(victim.join(".git/HEAD")).unwrap(), head);
    assert_eq!(rev(&victim, "refs/sessions"), tip, "the ref did not move");
    assert_commands_work(env, &victim);

    // The same journal fetched by plain git: every command merges what was fetched, so each
    // must refuse it and go on, with one warning.
    assert_plain_fetch_warns(env, &victim, "..");
    assert_eq!(fs::read(victim.join(".git/HEAD")).unwrap(), head);
    assert!(!victim.join("escaped.txt").exists());
}

#[test]
fn a_gitlink_or_a_file_where_a_directory_belongs_is_refused_and_commands_keep_working() {
    let net = Net::new();
    let env = &net.env;
    let victim = net.victim("victim");
    let (parent, root) = net.remote_journal();
    let listing = env.git(
        &victim,
        &["ls-tree", "-r", "--name-only", "refs/sessions", "journal/"],
    );
    // journal/<xx>/<short>/progress.md
    let session_dir = listing
        .lines()
        .find_map(|l| l.strip_suffix("/progress.md"))
        .expect("a progress.md")
        .to_string();
    let (fan, short) = session_dir
        .trim_start_matches("journal/")
        .split_once('/')
        .map(|(f, s)| (f.to_string(), s.to_string()))
        .expect("journal/<xx>/<short>");
    let journal_with = |name: &str, node: Node| {
        let inner = ls_tree(env, &net.attacker, &format!("refs/theirs:{session_dir}"));
        let fanout = ls_tree(env, &net.attacker, &format!("refs/theirs:journal/{fan}"));
        let journal = ls_tree(env, &net.attacker, "refs/theirs:journal");
        let session = Node::Dir(with(inner, name, node));
        Node::Dir(with(
            journal,
            &fan,
            Node::Dir(with(fanout, &short, session)),
        ))
    };
    let gitlink = Node::Gitlink(parent.clone());
    let cases: Vec<(&str, Node, String, &str)> = vec![
        (
            "active",
            gitlink.clone(),
            "active".into(),
            "a gitlink (submodule entry, mode 160000)",
        ),
        (
            "active",
            file("not a directory"),
            "active".into(),
            "a file where a directory belongs",
        ),
        (
            "journal",
            Node::Link(b"../..".to_vec()),
            "journal".into(),
            "a symlink (mode 120000)",
        ),
        (
            "journal",
            journal_with("entries", gitlink.clone()),
            format!("{session_dir}/entries"),
            "a gitlink",
        ),
        (
            "journal",
            journal_with("progress.md", dir(vec![("x", file("x"))])),
            format!("{session_dir}/progress.md"),
            "a directory where a file belongs",
        ),
    ];
    let tip = rev(&victim, "refs/sessions");
    for (name, node, path, rule) in cases {
        net.push_journal(&Node::Dir(with(root.clone(), name, node)), Some(&parent));
        assert_refused(env, &victim, &path, rule);
        assert_eq!(rev(&victim, "refs/sessions"), tip, "{path}: not adopted");
        env.gs(&victim, &["list"]);
        env.gs(&victim, &["doctor", "--repair"]);
        assert_plain_fetch_warns(env, &victim, &path);
        env.gs(&victim, &["doctor"]);
    }
    assert_commands_work(env, &victim);
}

/// `sync`, asserting success; returns its warnings.
fn sync_warnings(env: &Env, dir: &Path) -> String {
    let out = env.run(dir, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "sync: {err}");
    err
}

#[test]
fn notes_that_are_a_file_on_one_clone_and_a_directory_on_the_other_merge_into_a_tree_the_mirror_holds()
 {
    let net = Net::new();
    let env = &net.env;
    let a = net.victim("a");
    let b = net.clone_as("b");
    env.gs(&b, &["sync"]);
    env.gs(&b, &["resume", "mine"]);
    fs::write(a.join(".sessions/notes"), "a's notes\n").unwrap();
    env.gs(&a, &["log", "--discovery", "a"]);
    fs::create_dir_all(b.join(".sessions/notes")).unwrap();
    fs::write(b.join(".sessions/notes/todo.md"), "b's todo\n").unwrap();
    env.gs(&b, &["log", "--discovery", "b"]);
    env.gs(&b, &["sync"]);
    // a merges: ours is the file, theirs the directory.
    let out = sync_warnings(env, &a);
    assert!(out.contains("notes.theirs"), "the clash is reported: {out}");
    let tree = env.git(&a, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(tree.lines().any(|l| l == "notes"), "{tree}");
    assert!(tree.lines().any(|l| l == "notes.theirs/todo.md"), "{tree}");
    assert!(!tree.lines().any(|l| l.starts_with("notes/")), "{tree}");
    assert_eq!(
        fs::read_to_string(a.join(".sessions/notes")).unwrap(),
        "a's notes\n"
    );
    assert_eq!(
        fs::read_to_string(a.join(".sessions/notes.theirs/todo.md")).unwrap(),
        "b's todo\n"
    );
    env.fsck(&a);
    assert_commands_work(env, &a);
    env.gs(&a, &["sync"]);

    // b fast-forwards to that merge: its directory became a file, its notes moved beside it.
    env.gs(&b, &["sync"]);
    assert_eq!(
        fs::read_to_string(b.join(".sessions/notes")).unwrap(),
        "a's notes\n"
    );
    assert_eq!(
        fs::read_to_string(b.join(".sessions/notes.theirs/todo.md")).unwrap(),
        "b's todo\n"
    );
    assert_commands_work(env, &b);

    // The other way round: ours is the directory, theirs the file.
    fs::remove_file(b.join(".sessions/notes")).unwrap();
    fs::create_dir_all(b.join(".sessions/notes")).unwrap();
    fs::write(b.join(".sessions/notes/b.md"), "b again\n").unwrap();
    env.gs(&b, &["log", "--discovery", "b2"]);
    fs::write(a.join(".sessions/notes"), "a's notes, edited\n").unwrap();
    env.gs(&a, &["log", "--discovery", "a2"]);
    env.gs(&a, &["sync"]);
    let out = sync_warnings(env, &b);
    assert!(out.contains("notes.theirs"), "the clash is reported: {out}");
    assert_eq!(
        fs::read_to_string(b.join(".sessions/notes/b.md")).unwrap(),
        "b again\n"
    );
    let tree = env.git(&b, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(!tree.lines().any(|l| l == "notes"), "{tree}");
    env.fsck(&b);
    assert_commands_work(env, &b);
    env.gs(&a, &["sync"]);
    assert_commands_work(env, &a);
    let c = net.clone_as("c");
    env.gs(&c, &["sync"]);
    env.gs(&c, &["list", "--all"]);
}

#[test]
fn a_tree_deeper_than_the_limit_is_refused() {
    let net = Net::new();
    let env = &net.env;
    let victim = net.victim("victim");
    let (parent, root) = net.remote_journal();
    let mut deep = file("bottom");
    for _ in 0..40 {
        deep = dir(vec![("d", deep)]);
    }
    net.push_journal(&Node::Dir(with(root, "notes", deep)), Some(&parent));
    assert_refused(env, &victim, "notes/d/d/d", "deeper than 32 levels");
    assert_commands_work(env, &victim);
}

// ---- randomized: hostile trees at the layout's places ----

/// SplitMix64: a small, seedable generator, so a failing seed reproduces exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A name from the hostile alphabet (or an ordinary one, so hostile entries hide among them).
fn hostile_name(rng: &mut Rng, absolute: &str) -> Vec<u8> {
    let long = "n".repeat(300);
    let names: [&[u8]; 26] = [
        b"..",
        b".",
        b"",
        b".git",
        b".GIT",
        b".Git.",
        b"git~1",
        b".g\xe2\x80\x8cit",
        b"a\\b",
        b"..\\..\\x",
        b"a/b",
        b"../../escaped",
        b"x\n",
        b"\x1b[31mred",
        b"del\x7f",
        b"\xff\xfe",
        long.as_bytes(),
        absolute.as_bytes(),
        b"notes.md",
        b"active",
        b"archive",
        b"journal",
        b"entries",
        b"progress.md",
        b"e.md",
        b"n o t e s",
    ];
    rng.pick(&names).to_vec()
}

/// A hostile node: any mode, nested up to `depth` more levels.
fn hostile_node(rng: &mut Rng, depth: usize, absolute: &str, commit: &str) -> Node {
    let targets: [&[u8]; 4] = [
        b"../..",
        b"/etc/passwd",
        absolute.as_bytes(),
        b"../.git/hooks",
    ];
    match rng.below(if depth == 0 { 5 } else { 7 }) {
        0 => file("x"),
        1 => Node::Exec(b"#!/bin/sh\necho pwned\n".to_vec()),
        2 => Node::Link(rng.pick(&targets).to_vec()),
        3 => Node::Gitlink(commit.to_string()),
        4 => file(""),
        _ => {
            let n = 1 + rng.below(3);
            Node::Dir(
                (0..n)
                    .map(|_| {
                        (
                            hostile_name(rng, absolute),
                            hostile_node(rng, depth - 1, absolute, commit),
                        )
                    })
                    .collect(),
            )
        }
    }
}

/// `node` with `hostile` placed at `place` (a path of existing or new directories).
fn plant(node: Node, place: &[Vec<u8>], hostile: (Vec<u8>, Node), env: &Env, repo: &Path) -> Node {
    let mut entries = match node {
        Node::Dir(e) => e,
        Node::Existing(mode, id) if mode == "40000" => ls_tree(env, repo, &id),
        _ => Vec::new(),
    };
    match place.split_first() {
        None => entries.push(hostile),
        Some((first, rest)) => {
            let pos = entries.iter().position(|(n, _)| n == first);
            let child = pos
                .map(|p| entries.remove(p).1)
                .unwrap_or(Node::Dir(Vec::new()));
            entries.push((first.clone(), plant(child, rest, hostile, env, repo)));
        }
    }
    Node::Dir(entries)
}

/// Everything under `root` as path → content (a symlink as its target), minus `skip`.
fn snapshot(root: &Path, skip: &[PathBuf]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            if skip.contains(&p) {
                continue;
            }
            let meta = fs::symlink_metadata(&p).unwrap();
            let content = if meta.is_symlink() {
                let mut t = b"-> ".to_vec();
                t.extend(fs::read_link(&p).unwrap().to_string_lossy().bytes());
                t
            } else if meta.is_dir() {
                stack.push(p.clone());
                b"<dir>".to_vec()
            } else {
                fs::read(&p).unwrap()
            };
            out.insert(p, content);
        }
    }
    out
}

/// What may change during a sync, outside `.sessions/`: the remote and the attacker's clone
/// (pushed to), and in the victim's git dir the tool's own state (`git-session/`), the objects
/// a fetch adds, the tracking refs it moves and their reflogs, and `FETCH_HEAD`. Everything
/// else — the worktree, `HEAD`, the index, config, hooks, `info/`, `refs/sessions` and its
/// reflog, the other repositories, HOME, and any file beside them — must stay as it was.
fn volatile(env: &Env, net: &Net, victims: &[PathBuf]) -> Vec<PathBuf> {
    let mut skip = vec![net.remote.clone(), net.attacker.clone(), env.path("seed")];
    for v in victims {
        skip.push(v.join(".sessions"));
        let g = v.join(".git");
        for rel in [
            "git-session",
            "objects",
            "refs/remotes",
            "logs/refs/remotes",
            "refs/git-session/remotes",
            "logs/refs/git-session/remotes",
            "FETCH_HEAD",
        ] {
            skip.push(g.join(rel));
        }
    }
    skip
}

fn stress() -> bool {
    std::env::var_os("GIT_SESSION_STRESS").is_some()
}

#[test]
fn random_hostile_trees_change_nothing_outside_sessions_and_commands_keep_working() {
    let seeds: Vec<u64> = match std::env::var("GIT_SESSION_SEED") {
        Ok(s) => vec![s.parse().expect("GIT_SESSION_SEED is a number")],
        Err(_) => (0..if stress() { 400 } else { 30 }).collect(),
    };
    let net = Net::new();
    let env = &net.env;
    let victim = net.victim("victim");
    let absolute = env.path("outside/abs.txt");
    let absolute = absolute.to_str().unwrap().to_string();
    let (mut refused, mut untransmittable) = (0, 0);
    for seed in &seeds {
        let mut rng = Rng(*seed);
        // A third of the cases are adopted by a clone with no journal (the whole tree is
        // materialised); the rest fast-forward or merge into the victim's own journal.
        let adopt = rng.below(3) == 0;
        let target = if adopt {
            net.clone_as(&format!("fresh-{seed}"))
        } else {
            victim.clone()
        };
        let (parent, root) = net.journal_of(&victim);
        let mut tree = Node::Dir(root);
        let places: [&[&str]; 8] = [
            &[],
            &["active"],
            &["archive"],
            &["journal"],
            &["journal", "1a2b3c4d"],
            &["journal", "1a2b3c4d", "entries"],
            &["notes"],
            &["notes", "deep", "er"],
        ];
        for _ in 0..1 + rng.below(3) {
            let place: Vec<Vec<u8>> = rng
                .pick(&places)
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect();
            let hostile = (
                hostile_name(&mut rng, &absolute),
                hostile_node(&mut rng, 2, &absolute, &parent),
            );
            tree = plant(tree, &place, hostile, env, &net.attacker);
        }
        let on_top = !adopt && rng.below(2) == 0;
        let Some(_) = net.try_push_journal(&tree, on_top.then_some(parent.as_str())) else {
            untransmittable += 1;
            continue;
        };
        let skip = volatile(env, &net, &[victim.clone(), target.clone()]);
        let before = snapshot(env.tmp.path(), &skip);
        let tip = rev(&target, "refs/sessions");
        let plain_fetch = rng.below(4) == 0;
        let (ok, err) = if plain_fetch {
            env.git(
                &target,
                &[
                    "fetch",
                    "-q",
                    "origin",
                    "+refs/git-session/sessions:refs/remotes/origin/sessions",
                ],
            );
            let out = env.run(&target, &["list", "--all"]);
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(out.status.success(), "seed {seed}: list after fetch: {err}");
            let refused = err.contains("refused the journal");
            if refused {
                assert_eq!(err.matches("warning:").count(), 1, "seed {seed}: {err}");
            }
            (!refused, err)
        } else {
            let out = env.run(&target, &["sync", "--no-push"]);
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            if !out.status.success() {
                assert_eq!(out.status.code(), Some(1), "seed {seed}: {err}");
                assert_eq!(err.trim_end().lines().count(), 1, "seed {seed}: {err}");
                assert!(!err.contains("panicked"), "seed {seed}: {err}");
            }
            (out.status.success(), err)
        };
        let after = snapshot(env.tmp.path(), &skip);
        // A clone that adopts a journal excludes `.sessions/` once: the tool's own line.
        let exclude = target.join(".git/info/exclude");
        // An accepted journal moves refs/sessions (checked unmoved below when refused).
        let moved = [
            target.join(".git/refs/sessions"),
            target.join(".git/logs/refs/sessions"),
        ];
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|p| before.get(*p) != after.get(*p))
            .filter(|p| !(ok && adopt && **p == exclude))
            .filter(|p| !(ok && moved.contains(p)))
            // The directory that holds fetched journals (skipped above) may appear with them.
            .filter(|p| {
                !(p.ends_with("refs/git-session")
                    && !before.contains_key(*p)
                    && after.get(*p).map(Vec::as_slice) == Some(b"<dir>".as_slice()))
            })
            .collect();
        assert!(
            changed.is_empty(),
            "seed {seed}: changed outside .sessions/: {changed:?}\n{err}"
        );
        if !ok {
            refused += 1;
            assert!(
                err.contains("refused the journal of origin"),
                "seed {seed}: {err}"
            );
            assert_eq!(rev(&target, "refs/sessions"), tip, "seed {seed}");
        }
        env.gs(&target, &["list", "--all"]);
        if adopt {
            env.gs(&target, &["init", "--name", "after", "--goal", "G"]);
        }
        env.gs(
            &target,
            &["log", "--discovery", &format!("after seed {seed}")],
        );
        // An accepted journal may hold files whose content doctor reports; a refused one left
        // nothing to report.
        let doctor = env.run(&target, &["doctor"]);
        let text = String::from_utf8_lossy(&doctor.stdout);
        assert!(
            !String::from_utf8_lossy(&doctor.stderr).contains("panicked"),
            "seed {seed}"
        );
        if !ok {
            assert!(text.contains("No problems"), "seed {seed}: {text}");
        }
        if adopt {
            fs::remove_dir_all(&target).unwrap();
        }
    }
    eprintln!(
        "{} hostile journals: {untransmittable} not transmitted by git, {refused} refused",
        seeds.len()
    );
    assert!(
        refused * 2 >= seeds.len() - untransmittable,
        "most hostile trees are refused"
    );
}

#[test]
fn names_from_a_remote_are_shown_escaped_and_on_one_line() {
    let net = Net::new();
    let env = &net.env;
    let victim = net.victim("victim");
    // An escape sequence that would retitle the terminal and clear it, and a line feed that
    // would forge a second line, in one name; a newline in a name cannot pass the gate either.
    let name = "x\u{1b}]0;PWNED\u{7}\u{1b}[2J\nwarning: all good";
    net.push_journal(&journal_root(vec![(name, file("pwned"))]), None);
    let out = env.run(&victim, &["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr.clone();
    assert!(
        !err.contains(&0x1b),
        "a raw escape reached the terminal: {err:?}"
    );
    let text = String::from_utf8_lossy(&err);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    assert!(text.contains("\\u{1b}"), "{text}");
    // The same after a plain fetch: the warning, and the context a hook gives the agent.
    env.git(
        &victim,
        &[
            "fetch",
            "-q",
            "origin",
            "+refs/git-session/sessions:refs/remotes/origin/sessions",
        ],
    );
    let out = env.run(&victim, &["list"]);
    assert!(out.status.success());
    assert!(!out.stderr.contains(&0x1b), "{:?}", out.stderr);
    let hook = env
        .cmd(&victim)
        .args(["hook", "session-start"])
        .write_stdin(format!(
            r#"{{"session_id":"s1","hook_event_name":"SessionStart","source":"startup","cwd":"{}"}}"#,
            victim.display()
        ))
        .output()
        .unwrap();
    assert!(!hook.stdout.contains(&0x1b), "{:?}", hook.stdout);
    assert!(
        !String::from_utf8_lossy(&hook.stdout).contains("PWNED\u{7}"),
        "{}",
        String::from_utf8_lossy(&hook.stdout)
    );
}
