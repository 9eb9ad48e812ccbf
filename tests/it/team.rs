//! Team scale (issue 20): many clones of one remote, each pushing its own
//! `refs/git-session/clones/<id>` beside the shared `refs/git-session/sessions`, so that clones
//! never race each other; a clone that speaks only the old single-ref layout syncs through the
//! same remote.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

struct Team {
    env: Env,
    remote: PathBuf,
}

impl Team {
    fn new() -> Team {
        let env = Env::new();
        let remote = env.bare_remote();
        Team { env, remote }
    }

    fn clone(&self, name: &str) -> PathBuf {
        self.env.clone_of(&self.remote, name)
    }

    fn tree(&self, dir: &Path) -> String {
        self.env.journal_tree(dir)
    }

    /// The remote's journal refs, as `for-each-ref` names them.
    fn remote_refs(&self) -> Vec<String> {
        self.env
            .git(
                &self.remote,
                &["for-each-ref", "--format=%(refname)", "refs/git-session/"],
            )
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Whether `text` is in the journal `dir` holds (any file of `refs/sessions`).
    fn holds(&self, dir: &Path, text: &str) -> bool {
        let out = self
            .env
            .std_cmd_of(Path::new("git"), dir)
            .args(["grep", "-q", "-F", "-e", text, "refs/sessions", "--"])
            .output()
            .unwrap();
        out.status.success()
    }

    /// Clones each logging and syncing `rounds` times at once, all starting together: returns
    /// every failed sync's stderr, and the texts logged.
    fn storm(
        &self,
        clones: &[PathBuf],
        sessions: &[String],
        rounds: usize,
    ) -> (Vec<String>, Vec<String>) {
        let barrier = std::sync::Barrier::new(clones.len());
        let results: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|s| {
            let handles: Vec<_> = clones
                .iter()
                .zip(sessions)
                .enumerate()
                .map(|(i, (dir, session))| {
                    let barrier = &barrier;
                    let env = &self.env;
                    s.spawn(move || {
                        let (mut failures, mut texts) = (Vec::new(), Vec::new());
                        barrier.wait();
                        for r in 0..rounds {
                            let text = format!("clone {i} round {r} found something");
                            let log = env.run(dir, &["log", "-s", session, "--discovery", &text]);
                            assert!(
                                log.status.success(),
                                "{}",
                                String::from_utf8_lossy(&log.stderr)
                            );
                            texts.push(text);
                            let sync = env.run(dir, &["sync"]);
                            if !sync.status.success() {
                                failures.push(format!(
                                    "clone {i} round {r}: {}",
                                    String::from_utf8_lossy(&sync.stderr).trim()
                                ));
                            }
                        }
                        (failures, texts)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut failures = Vec::new();
        let mut texts = Vec::new();
        for (f, t) in results {
            failures.extend(f);
            texts.extend(t);
        }
        (failures, texts)
    }

    /// After the storm: every clone syncs in turn, twice; then one tree everywhere, every text
    /// in every clone.
    fn assert_converged(&self, clones: &[PathBuf], texts: &[String]) {
        for _ in 0..2 {
            for dir in clones {
                self.env.gs(dir, &["sync", "-q"]);
            }
        }
        let trees: BTreeSet<String> = clones.iter().map(|d| self.tree(d)).collect();
        assert_eq!(trees.len(), 1, "one tree after quiescence: {trees:?}");
        for dir in clones {
            let lost: Vec<&String> = texts.iter().filter(|t| !self.holds(dir, t)).collect();
            assert!(lost.is_empty(), "{} lacks {lost:?}", dir.display());
        }
    }
}

#[test]
fn every_clone_pushes_its_own_ref_and_a_new_clone_finds_them_all() {
    let team = Team::new();
    let env = &team.env;
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let dir = team.clone(name);
        env.gs(
            &dir,
            &["init", "--name", &format!("work-{name}"), "--goal", "G"],
        );
        env.gs(&dir, &["sync"]);
        ids.push(
            env.git(&dir, &["config", "session.cloneId"])
                .trim()
                .to_string(),
        );
    }
    let refs = team.remote_refs();
    for id in &ids {
        assert!(
            refs.contains(&format!("refs/git-session/clones/{id}")),
            "{id} in {refs:?}"
        );
    }
    assert!(
        refs.contains(&"refs/git-session/sessions".to_string()),
        "{refs:?}"
    );
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 3, "{ids:?}");

    // A branch on the remote, which the journal's fetch must not even list.
    let a = env.path("a");
    env.git(&a, &["commit", "-q", "--allow-empty", "-m", "code"]);
    env.git(&a, &["push", "-q", "origin", "HEAD:refs/heads/main"]);

    let fresh = team.clone("fresh");
    let trace = env.path("packet-trace");
    let out = env
        .std_cmd_of(
            std::path::Path::new(env!("CARGO_BIN_EXE_git-session")),
            &fresh,
        )
        .env("GIT_TRACE_PACKET", &trace)
        .args(["sync", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pushed"], true, "{report}");
    let list = env.gs(&fresh, &["list", "--all"]);
    for name in ["work-a", "work-b", "work-c"] {
        assert!(list.contains(name), "{name} in {list}");
    }
    // One fetch asked the server for the journal's prefixes only (protocol v2 `ref-prefix`):
    // upload-pack did not list the remote's branches, however many it has. (A push gets every
    // ref from receive-pack, as any git push does: there is no protocol v2 push.)
    let trace = fs::read_to_string(&trace).unwrap();
    assert!(
        trace.contains("fetch> ref-prefix refs/git-session/clones/"),
        "{trace}"
    );
    assert!(
        !trace
            .lines()
            .any(|l| l.contains("upload-pack>") && l.contains("refs/heads/main")),
        "{trace}"
    );
}

/// The defect of issue 20: every clone pushed the whole journal to one ref, so a push that
/// another machine's push beat was rejected, fetched, merged and pushed again — and after five
/// such rounds the sync failed. Now the push goes to the clone's own ref, which no other clone
/// moves: it succeeds at once, and only the shared ref (a courtesy) is left behind.
#[test]
fn a_push_another_clone_beat_to_the_remote_succeeds_at_once() {
    let team = Team::new();
    let env = &team.env;
    let a = team.clone("a");
    let c = team.clone("c");
    env.gs(&a, &["init", "--name", "race", "--goal", "G"]);
    env.gs(&a, &["sync"]);
    env.gs(&c, &["sync"]);
    env.gs(&c, &["log", "-s", "race", "--discovery", "C was first"]);
    env.gs(&a, &["log", "--discovery", "A second"]);
    // Between A's fetch and A's push, C pushes (once).
    let bin = env!("CARGO_BIN_EXE_git-session");
    let hook = a.join(".git/hooks/pre-push");
    env.write_executable(
        &hook,
        &format!(
            "#!/bin/sh\nd=$(git rev-parse --absolute-git-dir)\nif [ ! -e \"$d/raced\" ]; then touch \"$d/raced\"; (cd '{}' && unset GIT_DIR GIT_WORK_TREE && '{bin}' sync -q) >\"$d/race.log\" 2>&1; fi\nexit 0\n",
            c.display()
        ),
    );
    let report: serde_json::Value = serde_json::from_str(&env.gs(&a, &["sync", "--json"])).unwrap();
    assert_eq!(report["pushed"], true, "{report}");
    assert_eq!(report["push_attempts"], 1, "{report}");
    assert_eq!(report["shared_ref_pushed"], false, "{report}");
    assert!(a.join(".git/raced").exists(), "the race happened");
    // Nothing is lost: the next syncs bring each side the other's entry.
    env.gs(&c, &["sync"]);
    env.gs(&a, &["sync"]);
    for dir in [&a, &c] {
        assert!(team.holds(dir, "C was first") && team.holds(dir, "A second"));
    }
    assert_eq!(team.tree(&a), team.tree(&c));
}

/// Six clones, each on its own session, log and sync three times at once: every sync
/// succeeds (main failed about half of them with eight clones: "origin kept moving"), nothing
/// is lost, and one tree remains. `GIT_SESSION_STRESS=1` runs sixteen clones, six rounds.
#[test]
fn clones_on_different_sessions_syncing_at_once_all_succeed() {
    let stress = std::env::var_os("GIT_SESSION_STRESS").is_some();
    let (n, rounds) = if stress { (16, 6) } else { (6, 3) };
    let team = Team::new();
    let env = &team.env;
    let mut clones = Vec::new();
    let mut sessions = Vec::new();
    for i in 0..n {
        let dir = team.clone(&format!("agent-{i}"));
        let name = format!("agent-{i}-work");
        env.gs(&dir, &["init", "--name", &name, "--goal", "G"]);
        env.gs(&dir, &["sync", "-q"]);
        clones.push(dir);
        sessions.push(name);
    }
    let (failures, texts) = team.storm(&clones, &sessions, rounds);
    assert!(failures.is_empty(), "{failures:#?}");
    team.assert_converged(&clones, &texts);
    let clone_refs = team
        .remote_refs()
        .iter()
        .filter(|r| r.starts_with("refs/git-session/clones/"))
        .count();
    assert_eq!(clone_refs, n);
}

/// Four clones on ONE session: they still never share a ref, so every sync succeeds and the
/// entries of all of them end in one journal.
#[test]
fn clones_on_one_session_syncing_at_once_lose_nothing() {
    let team = Team::new();
    let env = &team.env;
    let first = team.clone("agent-0");
    env.gs(&first, &["init", "--name", "shared", "--goal", "G"]);
    env.gs(&first, &["sync", "-q"]);
    let mut clones = vec![first];
    for i in 1..4 {
        let dir = team.clone(&format!("agent-{i}"));
        env.gs(&dir, &["sync", "-q"]);
        clones.push(dir);
    }
    let sessions = vec!["shared".to_string(); clones.len()];
    let (failures, texts) = team.storm(&clones, &sessions, 3);
    assert!(failures.is_empty(), "{failures:#?}");
    team.assert_converged(&clones, &texts);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&clones[0], &["view", "shared", "--json"])).unwrap();
    let found = view["discoveries"].as_array().unwrap().len();
    assert_eq!(found, texts.len(), "{view}");
}

/// A clone of an older version reads and writes only `refs/git-session/sessions`: it fetches
/// `+refs/git-session/sessions:refs/git-session/remotes/origin/sessions`, merges on its next
/// command, and pushes `refs/sessions:refs/git-session/sessions` (its sync, on the wire, emulated
/// with plain git since CI cannot build the old release). Through one remote, the two see each
/// other's sessions both ways and end with one tree; the remote's old journal, from before any
/// clone upgraded, is read by the new one.
#[test]
fn an_old_clone_and_a_new_clone_sync_through_one_remote() {
    let team = Team::new();
    let env = &team.env;
    let old = team.clone("old");
    let old_fetch = |dir: &Path| {
        env.git(
            dir,
            &[
                "fetch",
                "-q",
                "origin",
                "+refs/git-session/sessions:refs/git-session/remotes/origin/sessions",
            ],
        );
        env.gs(dir, &["list", "-q"]);
    };
    let old_push = |dir: &Path| {
        env.git(
            dir,
            &[
                "push",
                "-q",
                "origin",
                "refs/sessions:refs/git-session/sessions",
            ],
        );
    };
    env.gs(&old, &["init", "--name", "before-upgrade", "--goal", "G"]);
    old_push(&old);
    assert_eq!(team.remote_refs(), ["refs/git-session/sessions"]);

    let new = team.clone("new");
    env.gs(&new, &["sync"]);
    assert!(env.gs(&new, &["list", "--all"]).contains("before-upgrade"));
    env.gs(&new, &["init", "--name", "after-upgrade", "--goal", "G"]);
    env.gs(&new, &["sync"]);

    old_fetch(&old);
    assert!(env.gs(&old, &["list", "--all"]).contains("after-upgrade"));
    env.gs(
        &old,
        &["log", "-s", "before-upgrade", "--discovery", "old side"],
    );
    old_push(&old);

    env.gs(
        &new,
        &["log", "-s", "after-upgrade", "--discovery", "new side"],
    );
    env.gs(&new, &["sync"]);
    old_fetch(&old);
    for dir in [&old, &new] {
        assert!(team.holds(dir, "old side") && team.holds(dir, "new side"));
    }
    assert_eq!(team.tree(&old), team.tree(&new));
}

/// A remote whose hook takes only the shared ref (written for older versions, `update` refusing
/// `refs/git-session/clones/*`): the journal still reaches it, and sync says where it went.
#[test]
fn a_remote_that_refuses_clone_refs_still_gets_the_journal() {
    let team = Team::new();
    let env = &team.env;
    let hook = team.remote.join("hooks/update");
    env.write_executable(
        &hook,
        "#!/bin/sh\ncase \"$1\" in refs/git-session/clones/*) echo \"only the shared ref here\"; exit 1;; esac\nexit 0\n",
    );
    let a = team.clone("a");
    env.gs(&a, &["init", "--name", "old-server", "--goal", "G"]);
    let out = env.run(&a, &["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused refs/git-session/clones/")
            && err.contains("went to refs/git-session/sessions only"),
        "{err}"
    );
    assert_eq!(team.remote_refs(), ["refs/git-session/sessions"]);
}

#[test]
fn a_clone_id_that_is_no_ref_name_is_refused_before_anything_is_pushed() {
    let team = Team::new();
    let env = &team.env;
    let a = team.clone("a");
    env.gs(&a, &["init", "--name", "x", "--goal", "G"]);
    env.git(&a, &["config", "session.cloneId", "my laptop"]);
    let err = env.fails(&a, &["sync"], 2);
    assert!(
        err.contains("session.cloneId 'my laptop' cannot be a ref name component"),
        "{err}"
    );
    assert!(team.remote_refs().is_empty());
    env.git(&a, &["config", "session.cloneId", "my-laptop"]);
    env.gs(&a, &["sync"]);
    assert!(
        team.remote_refs()
            .contains(&"refs/git-session/clones/my-laptop".to_string())
    );
}

/// A clone id in ~/.gitconfig would be every repository's: two clones would push to one ref
/// and race for it. It is ignored with a warning; each clone records its own locally.
#[test]
fn a_clone_id_in_the_global_config_is_ignored_and_each_clone_gets_its_own() {
    let team = Team::new();
    let env = &team.env;
    let (a, b) = (team.clone("a"), team.clone("b"));
    env.git(&a, &["config", "--global", "session.cloneId", "everyone"]);
    for (dir, name) in [(&a, "x"), (&b, "y")] {
        env.gs(dir, &["init", "--name", name, "--goal", "G"]);
        let out = env.run(dir, &["sync"]);
        assert!(out.status.success(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("session.cloneId in your global or system git config is ignored"),
            "{err}"
        );
    }
    let refs = team.remote_refs();
    let clones: Vec<&String> = refs
        .iter()
        .filter(|r| r.starts_with("refs/git-session/clones/"))
        .collect();
    assert_eq!(clones.len(), 2, "{refs:?}");
    assert!(!refs.contains(&"refs/git-session/clones/everyone".to_string()));
    for dir in [&a, &b] {
        let local = env.git(dir, &["config", "--local", "session.cloneId"]);
        assert!(clones.contains(&&format!("refs/git-session/clones/{}", local.trim())));
    }
    // A value set for this repository is used, and says nothing.
    env.git(&a, &["config", "--local", "session.cloneId", "laptop"]);
    env.gs(&a, &["log", "-s", "x", "--progress", "more"]);
    let out = env.run(&a, &["sync"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ignored"));
    assert!(
        team.remote_refs()
            .contains(&"refs/git-session/clones/laptop".to_string())
    );
}

/// Worktrees of one repository share its clone id (as they share `refs/sessions`), so their
/// pushes meet on one ref: a push that carries an older tip than another worktree's is
/// rejected, fetched, found contained, and pushed again. Three worktrees syncing at once all
/// succeed and lose nothing.
#[test]
fn worktrees_of_one_repository_syncing_at_once_all_succeed() {
    let team = Team::new();
    let env = &team.env;
    let main = team.clone("main");
    env.git(&main, &["commit", "-q", "--allow-empty", "-m", "start"]);
    let mut dirs = vec![main.clone()];
    for i in 1..3 {
        let dir = env.path(&format!("wt-{i}"));
        env.git(
            &main,
            &["worktree", "add", "-q", "--detach", dir.to_str().unwrap()],
        );
        dirs.push(dir);
    }
    let mut sessions = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let name = format!("tree-{i}");
        env.gs(dir, &["init", "--name", &name, "--goal", "G"]);
        sessions.push(name);
    }
    env.gs(&main, &["sync", "-q"]);
    let (failures, texts) = team.storm(&dirs, &sessions, 3);
    assert!(failures.is_empty(), "{failures:#?}");
    team.assert_converged(&dirs, &texts);
    let clone_refs = team
        .remote_refs()
        .iter()
        .filter(|r| r.starts_with("refs/git-session/clones/"))
        .count();
    assert_eq!(clone_refs, 1, "one clone, one ref");
}

/// Two clones that pushed without seeing each other's work: the third merges both with one
/// commit whose parents are its own tip and both clone refs (not one merge commit per clone
/// ref, which made every other clone fetch them all), with every entry and no conflict.
#[test]
fn one_sync_merges_several_clone_refs_with_one_commit() {
    let team = Team::new();
    let env = &team.env;
    let (a, b, c) = (team.clone("a"), team.clone("b"), team.clone("c"));
    env.gs(&a, &["init", "--name", "shared-work", "--goal", "G"]);
    env.gs(&a, &["sync", "-q"]);
    for dir in [&b, &c] {
        env.gs(dir, &["sync", "-q"]);
    }
    env.gs(
        &b,
        &["log", "-s", "shared-work", "--discovery", "b found this"],
    );
    env.gs(
        &c,
        &["log", "-s", "shared-work", "--discovery", "c found that"],
    );
    env.gs(&a, &["log", "--discovery", "a found more"]);
    // b and c push their clone refs as the plain-git recipe does, without fetching first.
    for dir in [&b, &c] {
        let id = env.git(dir, &["config", "session.cloneId"]);
        env.git(
            dir,
            &[
                "push",
                "-q",
                "origin",
                &format!("refs/sessions:refs/git-session/clones/{}", id.trim()),
            ],
        );
    }
    let report: serde_json::Value = serde_json::from_str(&env.gs(&a, &["sync", "--json"])).unwrap();
    assert_eq!(report["merge"], "merged", "{report}");
    assert_eq!(report["conflicts"].as_array().unwrap().len(), 0, "{report}");
    let parents = env.git(&a, &["rev-list", "--parents", "-n", "1", "refs/sessions"]);
    assert_eq!(
        parents.split_whitespace().count(),
        4,
        "a commit and 3 parents: {parents}"
    );
    let subject = env.git(&a, &["log", "-1", "--format=%s", "refs/sessions"]);
    assert!(subject.contains("from 2 journals of origin"), "{subject}");
    for text in ["a found more", "b found this", "c found that"] {
        assert!(team.holds(&a, text), "{text}");
    }
    let view = env.gs(&a, &["view", "shared-work"]);
    assert!(
        !view.contains("<<<<") && !view.contains("conflict"),
        "{view}"
    );
    for dir in [&b, &c, &a] {
        env.gs(dir, &["sync", "-q"]);
    }
    assert_eq!(team.tree(&a), team.tree(&b));
    assert_eq!(team.tree(&b), team.tree(&c));
}

/// Break-20 #3: a remote where the shared ref cannot be read or written (a ref one level below
/// its name) failed every sync with a hidden-journal error, though each clone's own ref was
/// pushed. The clone ref carries the journal: the sync succeeds and says the shared ref was
/// not moved.
#[test]
fn an_unwritable_shared_ref_does_not_fail_a_sync_whose_clone_ref_was_pushed() {
    let team = Team::new();
    let env = &team.env;
    let (a, b) = (team.clone("a"), team.clone("b"));
    env.gs(&a, &["init", "--name", "one", "--goal", "G"]);
    env.gs(&a, &["sync", "-q"]);
    env.gs(&b, &["sync", "-q"]);
    let shared = env.git(&team.remote, &["rev-parse", "refs/git-session/sessions"]);
    env.git(
        &team.remote,
        &["update-ref", "-d", "refs/git-session/sessions"],
    );
    env.git(
        &team.remote,
        &["update-ref", "refs/git-session/sessions/x", shared.trim()],
    );
    env.gs(&a, &["log", "--discovery", "still shared"]);
    let out = env.run(&a, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("the shared refs/git-session/sessions was not moved"),
        "{said}"
    );
    let id = env.git(&a, &["config", "session.cloneId"]);
    assert_eq!(
        env.git(
            &team.remote,
            &[
                "rev-parse",
                &format!("refs/git-session/clones/{}", id.trim())
            ]
        ),
        env.git(&a, &["rev-parse", "refs/sessions"])
    );
    env.gs(&b, &["sync", "-q"]);
    assert!(team.holds(&b, "still shared"));
}

/// Break-20 #4: a 300-byte clone id passed the check, and the remote could not create the ref
/// file ("File name too long"), which sync reported as a hidden journal.
#[test]
fn a_clone_id_too_long_for_a_ref_file_is_refused() {
    let team = Team::new();
    let env = &team.env;
    let a = team.clone("a");
    env.gs(&a, &["init", "--name", "x", "--goal", "G"]);
    let long = "L".repeat(300);
    env.git(&a, &["config", "session.cloneId", &long]);
    let err = env.fails(&a, &["sync"], 2);
    assert!(err.contains("at most 100 bytes"), "{err}");
    assert!(team.remote_refs().is_empty());
}

/// Break-20 #2: anyone with push access can push a commit that is no journal, or a hostile
/// tree, to some `refs/git-session/clones/<x>`; every clone's sync then stopped there with
/// nothing merged, so one writer stopped the whole team. Now that ref is left out: the others
/// are merged and pushed, and the sync still exits 1 with one line naming the ref, what is
/// wrong with it and the way out.
#[test]
fn a_refused_clone_ref_is_left_out_and_named_while_the_others_sync() {
    let team = Team::new();
    let env = &team.env;
    let (a, b) = (team.clone("a"), team.clone("b"));
    env.gs(&a, &["init", "--name", "ours", "--goal", "G"]);
    env.gs(&a, &["sync", "-q"]);
    env.gs(&b, &["sync", "-q"]);
    // A code commit, and a journal whose session directory holds a symlink.
    env.git(
        &a,
        &["commit", "-q", "--allow-empty", "-m", "a code commit"],
    );
    env.git(
        &a,
        &["push", "-q", "origin", "HEAD:refs/git-session/clones/evil"],
    );
    let blob = env.git_input(&b, &["hash-object", "-w", "--stdin"], b"/etc/passwd");
    let active = env.git_input(
        &b,
        &["mktree"],
        format!("120000 blob {}	link.md\n", blob.trim()).as_bytes(),
    );
    let base = env.git(&b, &["rev-parse", "refs/sessions^{tree}"]);
    let listing = env.git(&b, &["ls-tree", base.trim()]);
    let mut entries: String = listing
        .lines()
        .filter(|l| !l.ends_with("\tactive"))
        .map(|l| format!("{l}\n"))
        .collect();
    entries.push_str(&format!("040000 tree {}\tactive\n", active.trim()));
    let tree = env.git_input(&b, &["mktree"], entries.as_bytes());
    let parent = env.git(&b, &["rev-parse", "refs/sessions"]);
    let commit = env.git(
        &b,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            parent.trim(),
            "-m",
            "log(evil): x",
        ],
    );
    env.git(
        &b,
        &[
            "push",
            "-q",
            "origin",
            &format!("{}:refs/git-session/clones/hostile", commit.trim()),
        ],
    );

    env.gs(&b, &["log", "-s", "ours", "--discovery", "b works on"]);
    let out = env.run(&b, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("1 more clone refs refused")
            && err.contains("the other journals were merged and pushed")
            && err.contains("delete it: git push origin --delete refs/git-session/clones/"),
        "{err}"
    );
    assert!(!b.join(".sessions/active/link.md").exists());
    let tree = env.git(&b, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(!tree.contains("link.md"), "{tree}");
    // b's work reached the remote and a: the team goes on.
    let _ = env.run(&a, &["sync"]);
    assert!(team.holds(&a, "b works on"));
    for bad in ["evil", "hostile"] {
        env.git(
            &a,
            &[
                "push",
                "-q",
                "origin",
                "--delete",
                &format!("refs/git-session/clones/{bad}"),
            ],
        );
    }
    env.gs(&a, &["sync", "-q"]);
    env.gs(&b, &["sync", "-q"]);
    assert_eq!(team.tree(&a), team.tree(&b));
}

/// Break-20 #1: a clone ref that descends from the shared ref and drops `active/` was merged as
/// the removal of every active session ("removed on one side, untouched on the other"), for
/// every clone, silently. No command deletes a session file or an entry, so a merge keeps
/// them and says so.
#[test]
fn a_clone_ref_that_drops_sessions_does_not_delete_them() {
    let team = Team::new();
    let env = &team.env;
    let (a, b) = (team.clone("a"), team.clone("b"));
    env.gs(&a, &["init", "--name", "keep-me", "--goal", "G"]);
    env.gs(&a, &["log", "--discovery", "an entry to keep"]);
    env.gs(&a, &["sync", "-q"]);
    env.gs(&b, &["sync", "-q"]);
    // b's history without active/: a commit on top of the shared journal.
    let tip = env.git(&b, &["rev-parse", "refs/sessions"]);
    let listing = env.git(&b, &["ls-tree", "refs/sessions^{tree}"]);
    let entries: String = listing
        .lines()
        .filter(|l| !l.ends_with("\tactive"))
        .map(|l| format!("{l}\n"))
        .collect();
    let tree = env.git_input(&b, &["mktree"], entries.as_bytes());
    let commit = env.git(
        &b,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            tip.trim(),
            "-m",
            "sync(evil): tidy",
        ],
    );
    env.git(
        &b,
        &[
            "push",
            "-q",
            "origin",
            &format!("{}:refs/git-session/clones/tidy", commit.trim()),
        ],
    );
    // a has not touched the session since: the removal is all the merge sees.
    let out = env.run(&a, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("was removed on origin/clones/tidy; kept"),
        "{err}"
    );
    assert!(env.gs(&a, &["list"]).contains("keep-me"));
    assert!(team.holds(&a, "an entry to keep"));
    let fresh = team.clone("fresh");
    env.gs(&fresh, &["sync", "-q"]);
    assert!(env.gs(&fresh, &["list", "--all"]).contains("keep-me"));
    assert!(team.holds(&fresh, "an entry to keep"));
}

/// A ref one level below this clone's ref name on the remote (`clones/<id>/x`: left by a
/// hostile or confused writer after the clone's own was deleted) keeps the clone's ref from
/// being created, for ever: git's directory/file conflict, not a race. The sync says so at
/// once, names the ref and the way out, and still delivers the journal through the shared ref;
/// without that ref to fall back on it fails with the same line instead of retrying for 30 s.
#[test]
fn a_ref_below_this_clones_ref_name_is_named_and_not_retried() {
    let team = Team::new();
    let env = &team.env;
    let a = team.clone("a");
    env.git(&a, &["config", "--local", "session.cloneId", "victim"]);
    env.gs(&a, &["init", "--name", "mine", "--goal", "G"]);
    env.gs(&a, &["sync", "-q"]);
    let tip = env.git(
        &team.remote,
        &["rev-parse", "refs/git-session/clones/victim"],
    );
    env.git(
        &team.remote,
        &["update-ref", "-d", "refs/git-session/clones/victim"],
    );
    env.git(
        &team.remote,
        &["update-ref", "refs/git-session/clones/victim/x", tip.trim()],
    );
    env.gs(
        &a,
        &["log", "-s", "mine", "--discovery", "after the squatter"],
    );
    let out = env.cmd(&a).args(["sync", "--json"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["push_attempts"], 1, "{report}");
    assert_eq!(report["shared_ref_pushed"], true, "{report}");
    assert!(report["clone_ref"].is_null(), "{report}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "holds refs/git-session/clones/victim/x, below refs/git-session/clones/victim"
        ) && err.contains("git push origin --delete refs/git-session/clones/victim/x"),
        "{err}"
    );
    let shared = env.git(
        &team.remote,
        &[
            "grep",
            "-c",
            "-F",
            "after the squatter",
            "refs/git-session/sessions",
            "--",
        ],
    );
    assert!(!shared.trim().is_empty());
    // Without the shared ref to fall back on (a server hook refusing it): one attempt, exit 1,
    // the same way out, and the journal still whole locally.
    env.write_executable(
        &team.remote.join("hooks/update"),
        "#!/bin/sh\ncase \"$1\" in refs/git-session/sessions) echo 'no shared ref here' >&2; exit 1;; esac\nexit 0\n",
    );
    env.gs(&a, &["log", "-s", "mine", "--discovery", "second finding"]);
    let err = env.fails(&a, &["sync"], 1);
    assert!(
        err.contains("refs/git-session/clones/victim cannot be created while the remote holds refs/git-session/clones/victim/x below it")
            && err.contains("git config --local session.cloneId <name>"),
        "{err}"
    );
    assert!(team.holds(&a, "second finding"));
    // Choosing another id, as the line says, syncs.
    env.git(&a, &["config", "--local", "session.cloneId", "victim-2"]);
    let out = env.run(&a, &["sync"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no shared ref here") || out.status.success(),
        "{out:?}"
    );
    assert!(
        team.remote_refs()
            .contains(&"refs/git-session/clones/victim-2".to_string())
    );
}
