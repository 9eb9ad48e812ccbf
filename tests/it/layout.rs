//! The fanout layout of journals (issue 17, decision 50): `journal/<xx>/<short>/`. A journal of
//! the flat layout (`journal/<short>/`) moves on the first write, in one commit of its own, and
//! a clone still writing the flat layout syncs with one that moved without losing anything.

use std::path::{Path, PathBuf};

use crate::common::Env;

/// `journal/<xx>/<short>/rest` → `journal/<short>/rest`; other paths as they are.
fn flat(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 3 && parts[0] == "journal" && parts[1].len() == 2 {
        format!("journal/{}", parts[2..].join("/"))
    } else {
        path.to_string()
    }
}

/// A commit holding the tree of `rev` in the flat layout, on top of `parent` (or a root), as the
/// tool wrote it before the fanout; written with `git fast-import` to `refs/flat`.
fn flat_commit(
    env: &Env,
    dir: &Path,
    rev: &str,
    parent: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let mut stream = String::from(
        "commit refs/flat\ncommitter T <t@example.com> 1736935200 +0000\ndata 20\nlog(x): flat layout\n",
    );
    if let Some(p) = parent {
        stream.push_str(&format!("from {p}\n"));
    }
    stream.push_str("deleteall\n");
    for line in env.git(dir, &["ls-tree", "-r", "--full-tree", rev]).lines() {
        let (meta, path) = line.split_once('\t').expect("ls-tree line");
        let id = meta.split(' ').nth(2).expect("id");
        stream.push_str(&format!("M 100644 {id} {}\n", flat(path)));
    }
    for (path, text) in extra {
        stream.push_str(&format!(
            "M 100644 inline {path}\ndata {}\n{text}\n",
            text.len()
        ));
    }
    env.git_input(
        dir,
        &["fast-import", "--quiet", "--force"],
        stream.as_bytes(),
    );
    env.git(dir, &["rev-parse", "refs/flat"]).trim().to_string()
}

fn tree_paths(env: &Env, dir: &Path) -> Vec<String> {
    env.git(dir, &["ls-tree", "-r", "--name-only", "refs/sessions"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn entry_from_flat_clone(session: &str) -> String {
    format!(
        "---\nkind: progress\nat: 2025-01-16T10:00:00.000Z\nsession: {session}\nauthor: Old <old@example.com>\nhost: old\n---\n\nwritten by a clone of the flat layout\n"
    )
}

#[test]
fn a_flat_journal_moves_to_its_fanout_directory_in_one_commit_on_the_first_write() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "old", "--goal", "G", "-q"]);
    env.gs(&repo, &["log", "--progress", "before the move", "-q"]);
    let tip = env
        .git(&repo, &["rev-parse", "refs/sessions"])
        .trim()
        .to_string();
    let flat_tip = flat_commit(&env, &repo, &tip, Some(&tip), &[]);
    env.git(&repo, &["update-ref", "refs/sessions", &flat_tip, &tip]);
    let short = tree_paths(&env, &repo)
        .iter()
        .find_map(|p| {
            p.strip_prefix("journal/")?
                .strip_suffix("/progress.md")
                .map(str::to_string)
        })
        .expect("a flat journal");
    assert_eq!(short.len(), 8, "{short}");
    // A read before any write still finds the session, and moves nothing.
    let listed = env.gs(&repo, &["list"]);
    assert!(listed.contains("old"), "{listed}");
    assert_eq!(
        env.git(&repo, &["rev-parse", "refs/sessions"]).trim(),
        flat_tip
    );

    env.gs(&repo, &["log", "--progress", "after the move", "-q"]);
    let commits = env.git(
        &repo,
        &["log", "--format=%s", &format!("{flat_tip}..refs/sessions")],
    );
    assert_eq!(
        commits.lines().count(),
        2,
        "the move, then the log: {commits}"
    );
    assert!(
        commits.lines().nth(1).unwrap().contains("move journals"),
        "{commits}"
    );
    let paths = tree_paths(&env, &repo);
    let fan = format!("journal/{}/{short}/", &short[..2]);
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with(&format!("journal/{short}/"))),
        "{paths:?}"
    );
    let entries: Vec<&String> = paths
        .iter()
        .filter(|p| p.starts_with(&format!("{fan}entries/")))
        .collect();
    assert_eq!(entries.len(), 3, "init, both logs: {paths:?}");
    // The mirror followed: the journal's files are in the fanout directory only.
    let mirror = files_under(&repo.join(".sessions/journal"));
    assert!(
        mirror
            .iter()
            .all(|p| p.starts_with(&format!("{}/{short}/", &short[..2]))),
        "{mirror:?}"
    );
    assert_eq!(
        mirror.iter().filter(|p| p.contains("/entries/")).count(),
        3,
        "{mirror:?}"
    );
    let doctor = env.gs(&repo, &["doctor"]);
    assert!(doctor.contains("No problems"), "{doctor}");
    env.fsck(&repo);
}

#[test]
fn a_flat_layout_clone_and_a_fanout_clone_sync_without_losing_anything() {
    let env = Env::new();
    let remote = env.bare_remote();
    let clone = |name: &str| {
        let dir = env.path(name);
        env.git(
            env.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    };
    // The remote's journal was written by a version of the tool with the flat layout.
    let maker = clone("maker");
    env.gs(&maker, &["init", "--name", "shared", "--goal", "G", "-q"]);
    env.gs(
        &maker,
        &["log", "--progress", "written before the fanout", "-q"],
    );
    let flat_tip = flat_commit(&env, &maker, "refs/sessions", None, &[]);
    env.git(
        &maker,
        &[
            "push",
            "-q",
            "origin",
            &format!("{flat_tip}:refs/git-session/sessions"),
        ],
    );
    let short = env
        .git(&maker, &["ls-tree", "--name-only", &flat_tip, "journal/"])
        .trim()
        .trim_start_matches("journal/")
        .to_string();

    // Clone a (this version) takes the flat journal and writes: the journal moves.
    let a = clone("a");
    env.gs(&a, &["sync", "-q"]);
    env.gs(&a, &["resume", "shared", "-q"]);
    env.gs(
        &a,
        &["log", "--progress", "written by the fanout clone", "-q"],
    );

    // Meanwhile a clone of the old version writes an entry where it always did, and pushes.
    let old = clone("old");
    env.git(
        &old,
        &[
            "fetch",
            "-q",
            "origin",
            "refs/git-session/sessions:refs/old",
        ],
    );
    let entry = format!("journal/{short}/entries/2025-01-16T10-00-00.000Z-progress-beef.md");
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&maker, &["view", "shared", "--json"])).unwrap();
    let text = entry_from_flat_clone(view["id"].as_str().expect("an id"));
    let old_tip = flat_commit(&env, &old, "refs/old", Some("refs/old"), &[(&entry, &text)]);
    env.git(
        &old,
        &[
            "push",
            "-q",
            "origin",
            &format!("{old_tip}:refs/git-session/sessions"),
        ],
    );

    // a merges the flat history into its fanout one; b, a new clone, takes the result.
    env.gs(&a, &["sync", "-q"]);
    let b = clone("b");
    env.gs(&b, &["sync", "-q"]);
    let paths = tree_paths(&env, &a);
    assert_eq!(
        paths,
        tree_paths(&env, &b),
        "both clones hold the same tree"
    );
    let fan = format!("journal/{}/{short}/", &short[..2]);
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with(&format!("journal/{short}/"))),
        "{paths:?}"
    );
    for text in [
        "written before the fanout",
        "written by the fanout clone",
        "written by a clone of the flat layout",
    ] {
        let grep = env.git(
            &a,
            &["grep", "-l", "-F", text, "refs/sessions", "--", "journal/"],
        );
        assert_eq!(grep.lines().count(), 1, "'{text}' once: {grep}");
        assert!(
            grep.contains(&fan),
            "'{text}' in the fanout directory: {grep}"
        );
    }
    assert!(
        files_under(&b.join(".sessions/journal"))
            .iter()
            .any(|p| p.ends_with("progress-beef.md")),
        "b's mirror has the old clone's entry"
    );
    for dir in [&a, &b] {
        let out = env.run(dir, &["doctor"]);
        let doctor = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(doctor.contains("No problems"), "{doctor}");
        env.fsck(dir);
    }
}

/// A clone of the flat layout that kept writing after the remote moved to the fanout (an older
/// binary there refuses the fanout tree, so it could neither merge nor push) loses nothing once
/// it runs this version: its unpushed flat history, its flat mirror and the fanout remote are
/// merged, pushed, and seen by the other clone. The older clone is simulated with plumbing: its
/// journal written by `git fast-import` in the flat layout, its `.sessions/` checked out from
/// that tree, and its mirror state pointing at it, as the older binary leaves them.
#[test]
fn a_flat_clone_that_kept_writing_after_the_remote_moved_loses_nothing_when_upgraded() {
    let env = Env::new();
    let remote = env.bare_remote();
    let clone = |name: &str| {
        let dir = env.path(name);
        env.git(
            env.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    };
    // The remote's journal as an older version wrote it.
    let maker = clone("maker");
    env.gs(&maker, &["init", "--name", "shared", "--goal", "G", "-q"]);
    env.gs(&maker, &["log", "--progress", "first, flat", "-q"]);
    let flat_tip = flat_commit(&env, &maker, "refs/sessions", None, &[]);
    env.git(
        &maker,
        &[
            "push",
            "-q",
            "origin",
            &format!("{flat_tip}:refs/git-session/sessions"),
        ],
    );
    let short = env
        .git(&maker, &["ls-tree", "--name-only", &flat_tip, "journal/"])
        .trim()
        .trim_start_matches("journal/")
        .to_string();
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&maker, &["view", "shared", "--json"])).unwrap();
    let id = view["id"].as_str().expect("an id").to_string();

    // The old clone: the flat journal fetched, checked out into .sessions/ and recorded.
    let old = clone("old");
    env.git(
        &old,
        &[
            "fetch",
            "-q",
            "origin",
            "refs/git-session/sessions:refs/sessions",
        ],
    );
    let checkout = |tip: &str| {
        let mirror = old.join(".sessions");
        let _ = std::fs::remove_dir_all(&mirror);
        std::fs::create_dir_all(&mirror).unwrap();
        let work = format!("--work-tree={}", mirror.display());
        env.git(&old, &[&work, "checkout", tip, "--", "."]);
        env.git(&old, &["reset", "-q"]);
        std::fs::create_dir_all(old.join(".git/git-session")).unwrap();
        std::fs::write(old.join(".git/git-session/mirror"), format!("{tip}\n")).unwrap();
    };
    checkout(&flat_tip);

    // A clone of this version writes, moving the journal, and pushes the fanout tree.
    let a = clone("a");
    env.gs(&a, &["sync", "-q"]);
    env.gs(&a, &["resume", "shared", "-q"]);
    env.gs(&a, &["log", "--progress", "second, fanout", "-q"]);
    env.gs(&a, &["sync", "-q"]);
    let fanout_remote = env.git(&remote, &["rev-parse", "refs/git-session/sessions"]);
    assert!(
        env.git(
            &remote,
            &["ls-tree", "--name-only", fanout_remote.trim(), "journal/"]
        )
        .contains(&format!("journal/{}", &short[..2])),
        "the remote holds the fanout layout"
    );

    // The old clone keeps writing in the flat layout; its push is refused (not a fast-forward).
    let entry = format!("journal/{short}/entries/2025-01-16T10-00-00.000Z-progress-beef.md");
    let text = entry_from_flat_clone(&id);
    let old_tip = flat_commit(
        &env,
        &old,
        "refs/sessions",
        Some("refs/sessions"),
        &[(&entry, &text)],
    );
    env.git(&old, &["update-ref", "refs/sessions", &old_tip]);
    checkout(&old_tip);
    let pushed = env
        .std_cmd_of(Path::new("git"), &old)
        .args([
            "push",
            "-q",
            "origin",
            &format!("{old_tip}:refs/git-session/sessions"),
        ])
        .output()
        .unwrap();
    assert!(
        !pushed.status.success(),
        "the old clone cannot push over the fanout"
    );

    // Upgraded, the old clone merges both, moves its journal and pushes; a sees everything.
    env.gs(&old, &["sync", "-q"]);
    env.gs(&a, &["sync", "-q"]);
    for dir in [&a, &old] {
        let paths = tree_paths(&env, dir);
        assert!(
            paths
                .iter()
                .all(|p| !p.starts_with(&format!("journal/{short}/"))),
            "{paths:?}"
        );
        for text in [
            "first, flat",
            "second, fanout",
            "written by a clone of the flat layout",
        ] {
            let grep = env.git(
                dir,
                &["grep", "-l", "-F", text, "refs/sessions", "--", "journal/"],
            );
            assert_eq!(grep.lines().count(), 1, "'{text}' once: {grep}");
        }
        let mirror = files_under(&dir.join(".sessions/journal"));
        assert!(
            mirror.iter().any(|p| p.ends_with("progress-beef.md"))
                && mirror
                    .iter()
                    .all(|p| p.starts_with(&format!("{}/", &short[..2]))),
            "the mirror follows the fanout: {mirror:?}"
        );
        let out = env.run(dir, &["doctor"]);
        let doctor = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(doctor.contains("No problems"), "{doctor}");
        env.fsck(dir);
    }
    assert_eq!(
        env.git(&a, &["rev-parse", "refs/sessions"]),
        env.git(&old, &["rev-parse", "refs/sessions"]),
        "both clones at the same journal"
    );
}

/// An older binary run in a clone that moved (a hook installed by the old version, say) does
/// not refuse the fanout tree locally: it writes the session's journal where it always did,
/// `journal/<short>/`, beside the fanout directory. The next write of this version moves those
/// files into the fanout directory, keeping both sides' entries. The older binary's commit is
/// simulated with plumbing: an entry and its regenerated `progress.md` in the flat directory.
#[test]
fn entries_an_older_binary_wrote_beside_the_fanout_directory_are_moved_into_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "both", "--goal", "G", "-q"]);
    env.gs(&repo, &["log", "--progress", "this version", "-q"]);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "both", "--json"])).unwrap();
    let id = view["id"].as_str().expect("an id").to_string();
    let short = id.replace('-', "")[24..].to_string();
    let entry = format!("journal/{short}/entries/2025-01-16T10-00-00.000Z-progress-beef.md");
    let text = entry_from_flat_clone(&id);
    let progress = format!("journal/{short}/progress.md");
    let stream = format!(
        "commit refs/sessions\ncommitter T <t@example.com> 1736935200 +0000\ndata 26\nlog(both): an older binary\nfrom refs/sessions^0\nM 100644 inline {entry}\ndata {}\n{text}\nM 100644 inline {progress}\ndata 6\nstale\n\n",
        text.len()
    );
    env.git_input(&repo, &["fast-import", "--quiet"], stream.as_bytes());
    env.gs(
        &repo,
        &["log", "--progress", "after the older binary", "-q"],
    );
    let paths = tree_paths(&env, &repo);
    let fan = format!("journal/{}/{short}/", &short[..2]);
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with(&format!("journal/{short}/"))),
        "{paths:?}"
    );
    for text in [
        "this version",
        "written by a clone of the flat layout",
        "after the older binary",
    ] {
        let grep = env.git(
            &repo,
            &["grep", "-l", "-F", text, "refs/sessions", "--", "journal/"],
        );
        assert_eq!(grep.lines().count(), 1, "'{text}' once: {grep}");
        assert!(grep.contains(&fan), "'{text}' in {fan}: {grep}");
    }
    let progress = env.git(&repo, &["show", &format!("refs/sessions:{fan}progress.md")]);
    assert!(
        !progress.contains("stale"),
        "progress.md regenerated: {progress}"
    );
    let doctor = env.gs(&repo, &["doctor"]);
    assert!(doctor.contains("No problems"), "{doctor}");
    env.fsck(&repo);
}

/// A journal of the flat layout, checked out in `.sessions/` by a read: returns the session's
/// short id and the flat tip.
fn flat_session_with_mirror(env: &Env, repo: &Path, name: &str) -> (String, String) {
    env.gs(repo, &["init", "--name", name, "--goal", "G", "-q"]);
    env.gs(repo, &["log", "--progress", "before the move", "-q"]);
    let tip = env
        .git(repo, &["rev-parse", "refs/sessions"])
        .trim()
        .to_string();
    let flat_tip = flat_commit(env, repo, &tip, Some(&tip), &[]);
    env.git(repo, &["update-ref", "refs/sessions", &flat_tip, &tip]);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(repo, &["view", "--json"])).expect("view --json");
    let id = view["id"].as_str().expect("an id").to_string();
    let short = id[id.len() - 8..].to_string();
    assert!(
        repo.join(format!(".sessions/journal/{short}/progress.md"))
            .is_file(),
        "a read checks the flat journal out: {:?}",
        files_under(&repo.join(".sessions/journal"))
    );
    (short, flat_tip)
}

fn hand_entry(session_id: &str) -> String {
    format!(
        "---\nkind: discovery\nat: 2025-01-16T11:00:00.000Z\nsession: {session_id}\nauthor: Hand <h@example.com>\nhost: h\n---\n\nadded by hand to the flat journal\n"
    )
}

/// The migration moves each journal's mirror directory whole (one rename), not file by file:
/// file by file took 48 s at 3,000 sessions, longer than any hook may run. A rename keeps
/// every file's inode, which a rewrite cannot; and an entry added by hand to the flat
/// directory moves with it and is committed by the first write, not left behind.
#[test]
fn the_migration_moves_each_mirror_journal_whole_with_what_was_added_by_hand() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let repo = env.repo("r");
    let (short, _) = flat_session_with_mirror(&env, &repo, "whole");
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "--json"])).expect("view --json");
    let id = view["id"].as_str().unwrap().to_string();
    let flat_dir = repo.join(format!(".sessions/journal/{short}"));
    let entries = files_under(&flat_dir.join("entries"));
    let first = entries.first().expect("an entry").clone();
    let inode = std::fs::metadata(flat_dir.join("entries").join(&first))
        .unwrap()
        .ino();
    let hand_name = "2025-01-16T11-00-00.000Z-discovery-beef.md";
    std::fs::write(flat_dir.join("entries").join(hand_name), hand_entry(&id)).unwrap();

    env.gs(&repo, &["log", "--progress", "after the move", "-q"]);

    let fan = repo.join(format!(".sessions/journal/{}/{short}", &short[..2]));
    assert!(!flat_dir.exists(), "the flat directory is gone");
    assert_eq!(
        std::fs::metadata(fan.join("entries").join(&first))
            .unwrap()
            .ino(),
        inode,
        "moved with its directory, not rewritten"
    );
    assert!(fan.join("entries").join(hand_name).is_file());
    let paths = tree_paths(&env, &repo);
    let committed = format!("journal/{}/{short}/entries/{hand_name}", &short[..2]);
    assert!(paths.contains(&committed), "{paths:?}");
    let doctor = env.gs(&repo, &["doctor"]);
    assert!(doctor.contains("No problems"), "{doctor}");
    env.fsck(&repo);
}

/// When the fanout directory is in the mirror already (made by hand, or by a copy), the move
/// goes file by file, and what only the flat directory holds is carried over, never dropped.
#[test]
fn the_migration_carries_a_hand_added_flat_entry_when_the_new_place_exists_already() {
    let env = Env::new();
    let repo = env.repo("r");
    let (short, _) = flat_session_with_mirror(&env, &repo, "carried");
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "--json"])).expect("view --json");
    let id = view["id"].as_str().unwrap().to_string();
    let flat_dir = repo.join(format!(".sessions/journal/{short}"));
    let hand_name = "2025-01-16T11-00-00.000Z-discovery-cafe.md";
    std::fs::write(flat_dir.join("entries").join(hand_name), hand_entry(&id)).unwrap();
    let fan = repo.join(format!(".sessions/journal/{}/{short}", &short[..2]));
    std::fs::create_dir_all(&fan).unwrap();

    env.gs(&repo, &["log", "--progress", "after the move", "-q"]);

    assert!(
        fan.join("entries").join(hand_name).is_file(),
        "{:?}",
        files_under(&repo.join(".sessions/journal"))
    );
    assert!(!flat_dir.exists(), "{:?}", files_under(&flat_dir));
    // The next write that touches the session commits it.
    env.gs(&repo, &["log", "--progress", "once more", "-q"]);
    let paths = tree_paths(&env, &repo);
    let committed = format!("journal/{}/{short}/entries/{hand_name}", &short[..2]);
    assert!(paths.contains(&committed), "{paths:?}");
    env.fsck(&repo);
}
