//! The seed's session format through the real binary: its example file, byte for byte, and
//! hand-made variants of it, dropped into a session tree and worked on.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::Env;

const SEED: &str = include_str!("../data/seed/seed-session-example.md");
/// The seed's id `019abc12-3456-7def-8901-234567890abc` has the short id `67890abc`.
const SEED_FILE: &str = ".sessions/active/fix-sweep-bug-67890abc.md";
const TASK: &str = "019def45-6789-7abc-0123-456789abcdef";

/// A repository with one session of its own (`init`) and the seed's example beside it.
fn repo_with_seed(env: &Env, text: &str) -> PathBuf {
    let repo = env.repo("r");
    env.gs(
        &repo,
        &["init", "--name", "other", "--goal", "Something else"],
    );
    fs::write(repo.join(SEED_FILE), text).unwrap();
    repo
}

fn json(env: &Env, dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&env.gs(dir, args)).unwrap()
}

/// `text` without its `updated_at` line and without lines starting with `added`.
fn without(text: &str, added: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("updated_at:") && !l.starts_with(added))
        .collect()
}

#[test]
fn logging_progress_on_the_seeds_file_changes_only_its_progress_and_commits_it() {
    let env = Env::new();
    let repo = repo_with_seed(&env, SEED);
    let out = env.run(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--progress", "mutex compiles"],
    );
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    let after = fs::read_to_string(repo.join(SEED_FILE)).unwrap();
    assert!(
        after.contains("- [ ] Implement fix          <- CURRENT\n  - mutex compiles ("),
        "{after}"
    );
    // Every other byte is the input's (only `updated_at` and the new note differ).
    assert_eq!(
        without(&after, "  - mutex compiles"),
        without(SEED, "\u{0}")
    );
    let in_ref = env.git(
        &repo,
        &["show", "refs/sessions:active/fix-sweep-bug-67890abc.md"],
    );
    assert_eq!(in_ref, after);
}

#[test]
fn view_json_of_the_seeds_file_carries_every_field() {
    let env = Env::new();
    let repo = repo_with_seed(&env, SEED);
    let v = json(&env, &repo, &["view", "fix-sweep-bug", "--json"]);
    assert_eq!(v["title"], "Fix Sweep Trigger Bug");
    assert_eq!(v["compaction_count"], 2);
    assert_eq!(v["task_ids"], serde_json::json!([TASK]));
    assert_eq!(v["progress"]["completed"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["progress"]["completed"][0]["at"],
        "2025-01-15T10:30:00.000Z"
    );
    assert_eq!(v["current"], "Implement fix");
    assert_eq!(v["decisions"][0]["choice"], "Lock before check");
    assert_eq!(
        v["decisions"][0]["rationale"],
        "Simplest fix, performance impact minimal"
    );
    assert!(
        v["discoveries"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("lock before sweeper to avoid deadlock. Document this!")
    );
    assert_eq!(v["blockers"], serde_json::json!([]));
    assert_eq!(v["next_steps"].as_array().unwrap().len(), 3);
    assert_eq!(v["key_files"][1]["why"], "Triggers sweeps");
    assert_eq!(v["key_context"].as_array().unwrap().len(), 3);
    assert!(
        v["tldr"]
            .as_str()
            .unwrap()
            .starts_with("Fixing race condition")
    );
}

#[test]
fn closing_the_seeds_file_prints_the_seeds_completion_summary() {
    let env = Env::new();
    let repo = repo_with_seed(&env, SEED);
    fs::create_dir_all(repo.join(".tasks")).unwrap();
    fs::write(
        repo.join(".tasks/fix-sweep-bug.md"),
        format!("---\nid: {TASK}\nshortname: fix-sweep-bug\nstatus: in_progress\n---\n\nFix it.\n"),
    )
    .unwrap();
    env.gs(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--done", "Implement fix"],
    );
    let out = env.gs(&repo, &["close", "-s", "fix-sweep-bug", "--complete"]);
    for needle in [
        "✅ Session Completed: fix-sweep-bug (67890abc)\n",
        "   Compactions: 2\n",
        "   Progress: 4/5 steps\n",
        "   ## Summary\n   Fixing race condition in sweep trigger.",
        "   ## Decisions Made\n   1 decision recorded\n",
        "   ## Discoveries\n   1 discovery logged\n",
        &format!("   Linked task {TASK}: marked completed ✅\n"),
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    assert!(out.contains("   Duration: "), "{out}");
    let task = fs::read_to_string(repo.join(".tasks/fix-sweep-bug.md")).unwrap();
    assert!(task.contains("status: completed\n"), "{task}");
}

#[test]
fn a_checkpoint_note_is_recorded_and_the_status_lines_and_progress_md_follow() {
    let env = Env::new();
    let repo = repo_with_seed(&env, SEED);
    env.gs(
        &repo,
        &["log", "-s", "fix-sweep-bug", "--done", "Implement fix"],
    );
    env.gs(
        &repo,
        &[
            "checkpoint",
            "-s",
            "fix-sweep-bug",
            "--note",
            "Before refactor",
        ],
    );
    let file = fs::read_to_string(repo.join(SEED_FILE)).unwrap();
    assert!(
        file.contains(
            "**Progress**: 4/5 steps complete\n**Current**: Add regression test (step 5)\n**Blocker**: None\n"
        ),
        "{file}"
    );
    let progress =
        fs::read_to_string(repo.join(".sessions/journal/67/67890abc/progress.md")).unwrap();
    assert!(progress.contains("4/5 steps done"), "{progress}");
    let subject = env.git(&repo, &["log", "-1", "--format=%s", "refs/sessions"]);
    assert_eq!(subject.trim(), "checkpoint(fix-sweep-bug): Before refactor");
}

#[test]
fn a_missing_section_is_recreated_with_one_warning_and_never_refused() {
    let env = Env::new();
    let start = SEED.find("## Blockers").unwrap();
    let end = SEED.find("## Next Steps").unwrap();
    let text = format!("{}{}", &SEED[..start], &SEED[end..]);
    let repo = repo_with_seed(&env, &text);
    let out = env.run(
        &repo,
        &[
            "log",
            "-s",
            "fix-sweep-bug",
            "--blocker",
            "Waiting on API docs",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("recreated missing section '## Blockers'"),
        "{stderr}"
    );
    let file = fs::read_to_string(repo.join(SEED_FILE)).unwrap();
    assert!(
        file.contains("## Blockers\n1. [ ] Waiting on API docs ("),
        "{file}"
    );
    assert!(
        file.contains("**Blocker**: Waiting on API docs\n"),
        "{file}"
    );
}

#[test]
fn a_crlf_seed_file_keeps_its_line_endings_outside_the_edit() {
    let env = Env::new();
    let crlf = SEED.replace('\n', "\r\n");
    let repo = repo_with_seed(&env, &crlf);
    env.gs(&repo, &["log", "-s", "fix-sweep-bug", "--next", "Ship it"]);
    let after = fs::read_to_string(repo.join(SEED_FILE)).unwrap();
    assert!(
        after.contains("3. Document lock ordering in CONTRIBUTING.md\r\n4. Ship it\n"),
        "{after:?}"
    );
    assert_eq!(without(&after, "4. Ship it"), without(&crlf, "\u{0}"));
}

#[test]
fn a_broken_frontmatter_names_the_line_and_other_sessions_keep_working() {
    let env = Env::new();
    let broken = SEED.replacen("status: active\n", "status: [active\n", 1);
    let repo = repo_with_seed(&env, &broken);
    let err = env.fails(&repo, &["log", "-s", "67890abc", "--progress", "x"], 1);
    assert!(err.contains("fix-sweep-bug-67890abc.md:4"), "{err}");
    assert_eq!(fs::read_to_string(repo.join(SEED_FILE)).unwrap(), broken);
    env.gs(&repo, &["log", "-s", "other", "--progress", "still fine"]);
}

#[test]
fn a_new_session_file_looks_like_the_seeds_example() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "fix-sweep-bug",
            "--goal",
            "Fix the race",
            "--step",
            "Reproduce",
            "--step",
            "Fix",
        ],
    );
    let text = fs::read_to_string(env.active_file(&repo)).unwrap();
    let body = &text[text.find("\n# Session:").unwrap()..];
    assert_eq!(
        body,
        "\n# Session: Fix the race\n\n## TL;DR (Read This First)\nFix the race\n\n**Progress**: 0/2 steps complete\n**Current**: Reproduce (step 1)\n**Blocker**: None\n\n## Context\n**Objective**: Fix the race\n\n**Key Files**:\n\n**Key Context** (survives compaction):\n\n## Progress\n### Completed\n\n### In Progress\n- [ ] Reproduce <- CURRENT\n\n### Remaining\n- [ ] Fix\n\n## Decisions\n\n## Discoveries\n\n## Blockers\n- None currently\n\n## Next Steps\n"
    );
}

#[test]
fn resume_opens_with_where_you_left_off() {
    let env = Env::new();
    let repo = repo_with_seed(&env, SEED);
    let out = env.gs(&repo, &["resume", "fix-sweep-bug"]);
    let first_section = out.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first_section, "## Where You Left Off");
    assert!(
        out.starts_with("# Resuming Session: fix-sweep-bug (67890abc)"),
        "{out}"
    );
    assert!(
        out.contains("- Current step (4 of 5): Implement fix"),
        "{out}"
    );
}
