//! How the journal's objects land in `.git` (issue 17): one small pack per command, small packs
//! merged before they pile up, and `git gc` / `git fsck --strict` clean after hundreds of
//! commands. The default run makes a couple of hundred commands; `GIT_SESSION_STRESS=1` makes
//! a couple of thousand.

use std::path::Path;

use crate::common::Env;

/// Commands the long run makes.
fn commands() -> usize {
    let long = std::env::var_os("GIT_SESSION_STRESS").is_some_and(|v| !v.is_empty() && v != "0");
    if long { 2000 } else { 200 }
}

fn loose_objects(env: &Env, dir: &Path) -> usize {
    env.git(dir, &["count-objects", "-v"])
        .lines()
        .find_map(|l| l.strip_prefix("count: "))
        .expect("git count-objects prints count")
        .parse()
        .expect("a number")
}

fn packs(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".git/objects/pack"))
        .map(|r| {
            r.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn commands_write_packs_not_loose_objects() {
    let env = Env::new();
    let repo = env.repo("r");
    let loose_before = loose_objects(&env, &repo);
    env.gs(&repo, &["init", "--name", "packed", "--goal", "G", "-q"]);
    env.gs(&repo, &["log", "--progress", "one", "-q"]);
    assert_eq!(
        loose_objects(&env, &repo),
        loose_before,
        "no loose object written"
    );
    assert_eq!(packs(&repo), 2, "one pack per command");
    assert!(
        !std::fs::read_dir(repo.join(".git/objects/pack"))
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "keep")),
        "no .keep file left behind"
    );
    env.fsck(&repo);
}

#[test]
fn hundreds_of_commands_keep_packs_bounded_and_gc_and_fsck_clean() {
    let env = Env::new();
    let repo = env.repo("r");
    let n = commands();
    let mut made = 0;
    let mut session = 0;
    while made < n {
        env.gs(
            &repo,
            &[
                "init",
                "--name",
                &format!("s{session}"),
                "--goal",
                "G",
                "--step",
                "one",
                "-q",
            ],
        );
        for i in 0..8 {
            env.gs(
                &repo,
                &["log", "--progress", &format!("note {session}.{i}"), "-q"],
            );
        }
        env.gs(&repo, &["close", "--complete", "-q"]);
        made += 10;
        session += 1;
        // git's own auto gc never has a reason to run: too many packs is what would trigger it.
        assert!(
            packs(&repo) < 50,
            "{} packs after {made} commands",
            packs(&repo)
        );
    }
    let entries = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let logged = entries.lines().filter(|l| l.contains("-progress-")).count();
    assert_eq!(
        logged,
        session * 8,
        "every acknowledged entry is in the tree"
    );
    env.fsck(&repo);
    env.git(&repo, &["gc", "-q"]);
    env.fsck(&repo);
    assert_eq!(
        entries,
        env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]),
        "gc kept the tree"
    );
    // git's pack (deltas) stays git's: small packs keep being merged beside it, never into it.
    let gc_pack: Vec<_> = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    assert_eq!(gc_pack.len(), 1, "git gc leaves one pack");
    env.gs(&repo, &["init", "--name", "after-gc", "--goal", "G", "-q"]);
    for i in 0..40 {
        env.gs(
            &repo,
            &["log", "--progress", &format!("after gc {i}"), "-q"],
        );
    }
    assert!(gc_pack[0].exists(), "the gc pack is left alone");
    assert!(packs(&repo) < 20, "{} packs", packs(&repo));
    env.fsck(&repo);
}
