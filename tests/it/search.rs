//! `search`, `export`, and the related past sessions of the SessionStart digest (issue 18).

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).expect("valid JSON")
}

/// The `<shortname>-<short>` and short id of the current session.
fn label(env: &Env, repo: &Path) -> (String, String) {
    let v = json(&env.gs(repo, &["view", "--json"]));
    let id = v["id"].as_str().unwrap();
    let short = id.replace('-', "")[id.replace('-', "").len() - 8..].to_string();
    (
        format!("{}-{short}", v["shortname"].as_str().unwrap()),
        short,
    )
}

/// A code commit in `repo` (a file changed), and the journal entry of kind `commit` the git
/// hooks write for it, dropped into the mirror and taken in by the next command.
fn code_commit(env: &Env, repo: &Path, short: &str, file: &str, subject: &str, n: u32) -> String {
    fs::write(repo.join(file), format!("{subject}\n")).unwrap();
    env.git(repo, &["add", file]);
    env.git(repo, &["commit", "-q", "-m", subject]);
    let sha = env.git(repo, &["rev-parse", "HEAD"]).trim().to_string();
    let id = json(&env.gs(repo, &["view", "--json"]))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = repo.join(format!(".sessions/journal/{}/{short}/entries", &short[..2]));
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join(format!("2026-01-15T10-00-0{n}.000Z-commit-000{n}.md")),
        format!(
            "---\nkind: commit\nat: 2026-01-15T10:00:0{n}.000Z\nsession: {id}\nauthor: Test <t@example.com>\nhost: h\ncommit: {sha}\npatch_id: {:040x}\nsubject: {subject}\n---\n\n{subject}\n",
            n
        ),
    )
    .unwrap();
    env.gs(repo, &["checkpoint", "-q"]);
    let tree = env.git(repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    assert!(tree.contains(&format!("-commit-000{n}.md")), "{tree}");
    sha
}

/// A session with every section: steps done and remaining, key files and context, a decision
/// with context/options/rationale, a discovery, an open and a resolved blocker, next steps, a
/// hand-written Tried and Failed section, and three code commits.
fn realistic(env: &Env) -> (PathBuf, String, Vec<String>) {
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "fix-sweep",
            "--goal",
            "Fix the sweep race in the lock manager",
            "--step",
            "reproduce",
            "--step",
            "fix",
            "--step",
            "test",
        ],
    );
    let (_, short) = label(env, &repo);
    for args in [
        &[
            "log",
            "--file",
            "src/lock.rs",
            "--why",
            "the sweep lives here",
        ][..],
        &["log", "--context", "the sweep runs every 5 s"],
        &["log", "--done", "reproduce"],
        &[
            "log",
            "--decision",
            "Lock before check",
            "--rationale",
            "the check is racy without the lock",
            "--options",
            "lock first; retry loop",
            "--why",
            "two sweeps raced",
        ],
        &["log", "--discovery", "gc holds the lock for 2 s"],
        &["log", "--blocker", "flaky CI on macOS"],
        &["log", "--blocker", "missing test data"],
        &["log", "--unblock", "2"],
        &["log", "--next", "ask for review"],
    ] {
        env.gs(&repo, args);
    }
    let file = env.active_file(&repo);
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str("\n## Tried and Failed\n\n- A retry loop: it only hid the race.\n");
    fs::write(&file, text).unwrap();
    let shas = vec![
        code_commit(env, &repo, &short, "a.txt", "Reproduce the sweep race", 1),
        code_commit(env, &repo, &short, "b.txt", "Lock before check", 2),
        code_commit(env, &repo, &short, "c.txt", "Test the sweep under load", 3),
    ];
    (repo, short, shas)
}

#[test]
fn export_of_a_realistic_session_is_a_complete_pull_request_description() {
    let env = Env::new();
    let (repo, _, shas) = realistic(&env);
    // Another session's text must not leak in.
    env.gs(
        &repo,
        &["init", "--name", "other", "--goal", "Unrelated work"],
    );
    env.gs(
        &repo,
        &[
            "log",
            "--decision",
            "Other choice",
            "--rationale",
            "not ours",
        ],
    );
    let out = env.gs(&repo, &["export", "fix-sweep"]);
    let v = json(&env.gs(&repo, &["view", "--json", "fix-sweep"]));
    let (lbl, day) = (
        format!(
            "fix-sweep-{}",
            &v["id"].as_str().unwrap().replace('-', "")[24..]
        ),
        &v["created_at"].as_str().unwrap()[..10],
    );
    let branch = v["git_branch"].as_str().unwrap();
    let updated = &v["updated_at"].as_str().unwrap()[..10];
    let tldr = v["tldr"].as_str().unwrap();
    let expected = format!(
        "# Fix the sweep race in the lock manager

Session `{lbl}` (active), {day} to {updated}, branch `{branch}`.

## TL;DR

{tldr}

## What changed

- `{}` Reproduce the sweep race
- `{}` Lock before check
- `{}` Test the sweep under load

## Decisions

### 1. Lock before check

- **Context**: two sweeps raced
- **Options**: lock first; retry loop
- **Choice**: Lock before check
- **Rationale**: the check is racy without the lock

## Discoveries

- gc holds the lock for 2 s

## Open blockers

- flaky CI on macOS

## Tried and Failed

- A retry loop: it only hid the race.

## Next steps

- ask for review
",
        &shas[0][..10],
        &shas[1][..10],
        &shas[2][..10]
    );
    assert_eq!(out, expected);
    assert!(!out.contains("Other choice") && !out.contains("missing test data"));

    let j = json(&env.gs(&repo, &["export", "fix-sweep", "--format", "json"]));
    assert_eq!(j["session"], lbl.as_str());
    assert_eq!(j["status"], "active");
    let commits = j["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 3);
    assert_eq!(commits[1]["commit"], shas[1].as_str());
    assert_eq!(commits[1]["subject"], "Lock before check");
    assert_eq!(commits[1]["patch_id"], format!("{:040x}", 2).as_str());
    assert_eq!(
        j["decisions"][0]["rationale"],
        "the check is racy without the lock"
    );
    assert_eq!(j["discoveries"].as_array().unwrap().len(), 1);
    assert_eq!(j["open_blockers"].as_array().unwrap().len(), 1);
    assert_eq!(j["next_steps"][0], "ask for review");
    assert_eq!(
        j["tried_and_failed"],
        "- A retry loop: it only hid the race."
    );
    assert_eq!(j["since"], serde_json::Value::Null);
    // --json is the same document.
    assert_eq!(json(&env.gs(&repo, &["export", "fix-sweep", "--json"])), j);

    // --since: only the commits after it.
    let j = json(&env.gs(
        &repo,
        &["export", "fix-sweep", "--json", "--since", &shas[0]],
    ));
    let c: Vec<&str> = j["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commit"].as_str().unwrap())
        .collect();
    assert_eq!(c, [shas[1].as_str(), shas[2].as_str()]);
    let err = env.fails(&repo, &["export", "fix-sweep", "--since", "no-such-rev"], 2);
    assert!(err.contains("--since 'no-such-rev'"), "{err}");
}

/// A repository with an active session and two archived ones, for search.
fn searchable(env: &Env) -> PathBuf {
    let repo = env.repo("s");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "locks",
            "--goal",
            "Untangle the lock ordering",
        ],
    );
    env.gs(
        &repo,
        &[
            "log",
            "--decision",
            "Index lock before ref lock",
            "--rationale",
            "a fixed lock ordering cannot deadlock",
        ],
    );
    env.gs(&repo, &["log", "--progress", "read the lock code"]);
    env.gs(&repo, &["close", "--complete"]);
    env.gs(
        &repo,
        &["init", "--name", "parser", "--goal", "Rewrite the parser"],
    );
    env.gs(
        &repo,
        &["log", "--discovery", "the lexer takes a lock (why?)"],
    );
    env.gs(&repo, &["close", "--abandon", "--reason", "superseded"]);
    env.gs(
        &repo,
        &["init", "--name", "docs", "--goal", "Write the docs"],
    );
    env.gs(&repo, &["log", "--progress", "documented lock ordering"]);
    repo
}

#[test]
fn search_finds_session_files_and_entries_active_and_archived_ranked() {
    let env = Env::new();
    let repo = searchable(&env);
    let hits = json(&env.gs(&repo, &["search", "lock ordering", "--json"]));
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty());
    // Every hit has every word; the best one is a decision of the archived session.
    for h in hits {
        let s = h["snippet"].as_str().unwrap().to_lowercase();
        assert!(h["session"].is_string() && h["path"].is_string() && h["at"].is_string());
        assert!(s.contains("lock") || s.contains("ordering"), "{h}");
    }
    assert!(
        hits[0]["session"].as_str().unwrap().starts_with("locks-"),
        "{hits:?}"
    );
    assert!(
        hits[0]["kind"] == "decision" || hits[0]["section"] == "Decisions",
        "{:?}",
        hits[0]
    );
    let sessions: std::collections::BTreeSet<&str> = hits
        .iter()
        .map(|h| h["session"].as_str().unwrap().split('-').next().unwrap())
        .collect();
    assert_eq!(sessions.into_iter().collect::<Vec<_>>(), ["docs", "locks"]);
    // Entries are found in the tree, not only in the mirror.
    fs::remove_dir_all(repo.join(".sessions/journal")).unwrap();
    let again = json(&env.gs(
        &repo,
        &["search", "lock ordering", "--json", "--kind", "progress"],
    ));
    assert!(
        again
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["source"] == "entry"),
        "{again}"
    );

    // Text output: one aligned line per hit, naming the session, kind or section, time.
    let text = env.gs(&repo, &["search", "lock ordering", "--limit", "3"]);
    assert_eq!(text.lines().count(), 3, "{text}");
    // The time column starts at the same character on every line.
    let col = |l: &str| l[..l.find("  20").unwrap()].chars().count();
    let cols: Vec<usize> = text.lines().map(col).collect();
    assert!(cols.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn search_filters_by_kind_status_date_author_and_session() {
    let env = Env::new();
    let repo = searchable(&env);
    let run = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut a = vec!["search", "--json"];
        a.extend_from_slice(args);
        json(&env.gs(&repo, &a)).as_array().unwrap().clone()
    };
    let d = run(&["lock", "--kind", "decision"]);
    assert!(!d.is_empty());
    assert!(
        d.iter()
            .all(|h| h["kind"] == "decision" || h["section"] == "Decisions"),
        "{d:?}"
    );
    let c = run(&["lock", "--status", "completed"]);
    assert!(!c.is_empty());
    assert!(
        c.iter().all(|h| h["session_status"] == "completed"),
        "{c:?}"
    );
    let a = run(&["lock", "--status", "abandoned", "--kind", "discovery"]);
    assert!(
        a.iter()
            .all(|h| h["session"].as_str().unwrap().starts_with("parser-"))
    );
    assert!(!a.is_empty());
    assert!(run(&["lock", "--until", "2001-01-01"]).is_empty());
    assert!(!run(&["lock", "--since", "2001-01-01"]).is_empty());
    assert!(run(&["lock", "--author", "nobody-like-this"]).is_empty());
    let by = run(&["lock", "--author", "test"]);
    assert!(
        !by.is_empty() && by.iter().all(|h| h["source"] == "entry"),
        "{by:?}"
    );
    let one = run(&["lock", "--session", "docs"]);
    assert!(
        !one.is_empty()
            && one
                .iter()
                .all(|h| h["session"].as_str().unwrap().starts_with("docs-"))
    );
    assert_eq!(run(&["lock", "--limit", "2"]).len(), 2);
}

#[test]
fn search_query_is_literal_unless_regex_and_a_bad_regex_is_one_line_exit_2() {
    let env = Env::new();
    let repo = searchable(&env);
    let lit = json(&env.gs(&repo, &["search", "--json", "(why?)"]));
    assert!(!lit.as_array().unwrap().is_empty(), "{lit}");
    assert!(
        json(&env.gs(&repo, &["search", "--json", "l.ck"]))
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !json(&env.gs(&repo, &["search", "--json", "--regex", "l.ck ord"]))
            .as_array()
            .unwrap()
            .is_empty()
    );
    let err = env.fails(&repo, &["search", "--regex", "lock("], 2);
    assert!(err.contains("not a valid regular expression"), "{err}");
    env.fails(&repo, &["search", "lock", "--since", "yesterday"], 2);
    env.fails(&repo, &["search", "lock", "--status", "done"], 2);
    let none = env.gs(&repo, &["search", "zebra-unicorn"]);
    assert_eq!(none.trim(), "No matches.");
}

#[test]
fn session_start_names_past_sessions_that_share_key_files_or_title_words() {
    let env = Env::new();
    let repo = env.repo("rel");
    let past = |name: &str, goal: &str, file: Option<&str>| {
        env.gs(&repo, &["init", "--name", name, "--goal", goal]);
        if let Some(f) = file {
            env.gs(&repo, &["log", "--file", f]);
        }
        env.gs(&repo, &["close", "--complete"]);
    };
    past("same-file", "Speed up startup", Some("src/store/cas.rs"));
    past("same-words", "Lock ordering in the sweeper", None);
    past("unrelated", "Write the changelog", Some("CHANGELOG.md"));
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "now",
            "--goal",
            "Fix lock ordering in the sweeper again",
        ],
    );
    env.gs(&repo, &["log", "--file", "src/store/cas.rs"]);
    let event = serde_json::json!({
        "session_id": "c1", "transcript_path": "/tmp/t.jsonl", "cwd": repo.to_str().unwrap(),
        "hook_event_name": "SessionStart", "source": "startup",
    });
    let out = env
        .cmd(&repo)
        .args(["hook", "session-start"])
        .write_stdin(event.to_string())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ctx = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    let at = |s: &str| ctx.find(s);
    let (file, words) = (at("- same-file-"), at("- same-words-"));
    assert!(file.is_some() && words.is_some(), "{ctx}");
    assert!(file < words, "{ctx}");
    assert!(at("unrelated-").is_none(), "{ctx}");
    assert!(
        ctx.contains("Related past sessions") && ctx.contains("(completed, "),
        "{ctx}"
    );
    assert!(ctx.chars().count() <= 3_000);
}

/// `--limit 0` is a usage error, not "No matches."; `--kind dead-end` finds the session file's
/// Tried and Failed section as well as the entries.
#[test]
fn search_limit_must_be_positive_and_dead_ends_are_a_kind() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "dead", "--goal", "G"]);
    env.gs(
        &repo,
        &[
            "log",
            "--dead-end",
            "Per-key timers",
            "--why",
            "memory grows",
        ],
    );
    let err = env.fails(&repo, &["search", "timers", "--limit", "0"], 2);
    assert!(err.contains("--limit"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["search", "timers", "--kind", "dead-end", "--json"]))
            .unwrap();
    let hits = v.as_array().unwrap();
    assert!(hits.iter().any(|h| h["source"] == "entry"), "{hits:?}");
    assert!(
        hits.iter()
            .any(|h| h["source"] == "session" && h["section"] == "Tried and Failed"),
        "{hits:?}"
    );
}
