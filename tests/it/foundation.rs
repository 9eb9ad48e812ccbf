//! Journal foundation: init, log, checkpoint, view, list; the ref, the mirror and hand edits.

use std::fs;

use crate::common::Env;

fn walkthrough(env: &Env, dir: &std::path::Path) {
    env.gs(
        dir,
        &[
            "init",
            "--name",
            "fix-sweep-bug",
            "--goal",
            "Fix the race in the sweeper",
            "--step",
            "Reproduce",
            "--step",
            "Fix",
            "--step",
            "Add test",
        ],
    );
    env.gs(dir, &["log", "--progress", "reproduced with -count=50"]);
    env.gs(
        dir,
        &[
            "log",
            "--decision",
            "Lock before check",
            "--rationale",
            "smallest change",
            "--options",
            "(1) lock first (2) atomic state",
        ],
    );
    env.gs(
        dir,
        &[
            "log",
            "--discovery",
            "chain_watcher must lock before sweeper",
        ],
    );
    env.gs(dir, &["log", "--blocker", "CI flaky"]);
    env.gs(dir, &["log", "--unblock", "1"]);
    env.gs(dir, &["log", "--done", "Reproduce"]);
    env.gs(dir, &["log", "--next", "write regression test"]);
    env.gs(dir, &["log", "--context", "test cmd: go test ./itest"]);
    env.gs(
        dir,
        &["log", "--file", "sweep/sweeper.go", "--why", "main logic"],
    );
    env.gs(
        dir,
        &["checkpoint", "--summary", "Root cause found; fixing"],
    );
}

#[test]
fn walkthrough_from_a_subdirectory_makes_one_commit_per_command() {
    let env = Env::new();
    let repo = env.repo("r");
    let sub = repo.join("src/deep");
    fs::create_dir_all(&sub).unwrap();
    walkthrough(&env, &sub);
    assert_eq!(env.count(&repo), 11);
    let log = env.git(&repo, &["log", "--format=%s", "refs/sessions"]);
    let subjects: Vec<&str> = log.lines().collect();
    assert_eq!(
        subjects.last(),
        Some(&"init(fix-sweep-bug): Fix the race in the sweeper")
    );
    assert_eq!(subjects[0], "checkpoint(fix-sweep-bug): checkpoint");
    assert!(subjects.contains(&"log(fix-sweep-bug): decision: Lock before check"));
    // The root commit is an orphan: no shared history with the user's branch.
    let roots = env.git(&repo, &["rev-list", "--max-parents=0", "refs/sessions"]);
    assert_eq!(roots.lines().count(), 1);
    let base = std::process::Command::new("git")
        .current_dir(&repo)
        .args(["merge-base", "main", "refs/sessions"])
        .output()
        .unwrap();
    assert!(
        !base.status.success(),
        "refs/sessions shares history with main"
    );
    let tree = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let files: Vec<&str> = tree.lines().collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("active/fix-sweep-bug-") && f.ends_with(".md")),
        "{tree}"
    );
    assert!(files.iter().any(|f| f.ends_with("/progress.md")), "{tree}");
    assert_eq!(
        files.iter().filter(|f| f.contains("/entries/")).count(),
        11,
        "{tree}"
    );
    assert!(files.iter().all(|f| !f.contains(':')), "{tree}");
    // The mirror matches the ref, and the user's branch and index are untouched.
    let path = env.git(
        &repo,
        &["ls-tree", "-r", "--name-only", "refs/sessions", "active/"],
    );
    let in_ref = env.git(&repo, &["show", &format!("refs/sessions:{}", path.trim())]);
    assert_eq!(
        fs::read_to_string(repo.join(".sessions").join(path.trim())).unwrap(),
        in_ref
    );
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
    assert_eq!(env.git(&repo, &["rev-list", "--count", "main"]).trim(), "1");
    env.fsck(&repo);
}

#[test]
fn view_shows_every_section_and_json_carries_the_documented_fields() {
    let env = Env::new();
    let repo = env.repo("r");
    walkthrough(&env, &repo);
    let text = env.gs(&repo, &["view"]);
    for needle in [
        "# Session: Fix the race in the sweeper",
        "**Progress**: 1/3 steps complete\n**Current**: Fix (step 2)\n**Blocker**: None",
        "Root cause found; fixing",
        "- [x] Reproduce",
        "- [ ] Fix <- CURRENT",
        "### 1. Lock before check",
        "1. chain_watcher must lock before sweeper",
        "- `sweep/sweeper.go` - main logic",
        "1. write regression test",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    for key in [
        "id",
        "shortname",
        "title",
        "status",
        "task_ids",
        "created_at",
        "updated_at",
        "compaction_count",
        "git_branch",
        "git_last_commit",
        "tldr",
        "objective",
        "key_files",
        "key_context",
        "progress",
        "current",
        "decisions",
        "discoveries",
        "blockers",
        "next_steps",
    ] {
        assert!(v.get(key).is_some(), "view --json lacks {key}: {v}");
    }
    assert_eq!(v["current"], "Fix");
    assert_eq!(v["tldr"], "Root cause found; fixing");
    assert_eq!(v["decisions"][0]["rationale"], "smallest change");
    assert_eq!(
        v["decisions"][0]["options"],
        "(1) lock first (2) atomic state"
    );
    assert_eq!(v["blockers"][0]["resolved"], true);
    assert_eq!(v["progress"]["completed"][0]["text"], "Reproduce");
    assert_eq!(
        v["progress"]["completed"][0]["notes"][0],
        "reproduced with -count=50"
    );
    assert_eq!(v["key_files"][0]["path"], "sweep/sweeper.go");
    assert_eq!(v["git_branch"], "main");
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(v["git_last_commit"], head.trim());

    let part = env.gs(&repo, &["view", "--decisions"]);
    assert!(
        part.contains("## Decisions") && !part.contains("## Discoveries"),
        "{part}"
    );
    let part: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "--blockers", "--json"])).unwrap();
    assert_eq!(part["blockers"][0]["text"], "CI flaky");
}

#[test]
fn list_shows_one_aligned_line_per_session_and_filters_archived() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init", "--name", "alpha", "--goal", "A", "--step", "one", "--step", "two",
        ],
    );
    env.gs(&repo, &["log", "--done", "one"]);
    env.gs(
        &repo,
        &["init", "--name", "a-much-longer-name", "--goal", "B"],
    );
    let out = env.gs(&repo, &["list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("*  a-much-longer-name"),
        "current first and marked: {out}"
    );
    let col = |l: &str, word: &str| l.find(word).unwrap();
    assert_eq!(
        col(lines[0], "active"),
        col(lines[1], "active"),
        "columns align:\n{out}"
    );
    assert!(lines[1].contains("1/2"), "{out}");
    let rows: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["list", "--json"])).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[1]["steps_done"], 1);
    assert_eq!(rows[0]["current"], true);
    assert_eq!(
        env.gs(&repo, &["list", "--archived", "--json"]).trim(),
        "[]"
    );
    assert_eq!(env.gs(&repo, &["list", "--all"]).lines().count(), 2);
    assert_eq!(env.gs(&repo, &["view", "list"]), out);
}

#[test]
fn hand_edits_outside_the_section_survive_byte_for_byte_and_are_committed() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "edit", "--goal", "Edit by hand"]);
    let path = env.active_file(&repo);
    let original = fs::read_to_string(&path).unwrap();
    let edited = original
        .replace(
            "**Key Context** (survives compaction):\n",
            "**Key Context** (survives compaction):\n- typed by a person   \n",
        )
        .replace(
            "## Next Steps\n",
            "## Next Steps\n\n* odd bullet\n\n## My Notes\n\nKeep   *exactly*\tthis.\n",
        );
    fs::write(&path, &edited).unwrap();
    env.gs(&repo, &["log", "--discovery", "found it"]);
    let after = fs::read_to_string(&path).unwrap();
    let (a, b) = (
        edited.find("## Discoveries").unwrap(),
        edited.find("## Blockers").unwrap(),
    );
    // Frontmatter aside (updated_at), every byte outside Discoveries is as it was.
    let fm_end = edited.find("\n---\n").unwrap() + 5;
    assert_eq!(
        &after[fm_end..after.find("## Discoveries").unwrap()],
        &edited[fm_end..a]
    );
    assert!(after.ends_with(&edited[b..]), "tail changed:\n{after}");
    assert!(after.contains("1. found it ("));
    // The hand edit went into the same single commit.
    let in_ref = env.git(
        &repo,
        &[
            "show",
            &format!(
                "refs/sessions:active/{}",
                path.file_name().unwrap().to_str().unwrap()
            ),
        ],
    );
    assert_eq!(in_ref, after);
    assert!(in_ref.contains("## My Notes\n\nKeep   *exactly*\tthis.\n"));
    assert_eq!(env.count(&repo), 2);
}

#[test]
fn hand_edit_inside_the_edited_section_is_kept() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "inside", "--goal", "G"]);
    env.gs(&repo, &["log", "--discovery", "first"]);
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("1. first (", "1. first, reworded by hand (");
    fs::write(&path, &text).unwrap();
    env.gs(&repo, &["log", "--discovery", "second"]);
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(v["discoveries"][0]["text"], "first, reworded by hand");
    assert_eq!(v["discoveries"][1]["text"], "second");
}

#[test]
fn a_corrupt_session_file_is_a_clear_error_and_is_left_untouched() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "broken", "--goal", "G"]);
    let path = env.active_file(&repo);
    let corrupt =
        fs::read_to_string(&path)
            .unwrap()
            .replacen("status: active", "status: [active", 1);
    fs::write(&path, &corrupt).unwrap();
    let before = env.count(&repo);
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(
        err.contains(".sessions/active/broken-") && err.contains(".md:"),
        "names the file and line: {err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), corrupt);
    assert_eq!(env.count(&repo), before);
    let err = env.fails(&repo, &["view"], 1);
    assert!(err.contains(".md:5:"), "{err}");
}

#[test]
fn linked_worktrees_have_their_own_current_session_and_see_each_others_changes() {
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            wt.to_str().unwrap(),
        ],
    );
    env.gs(&repo, &["init", "--name", "main-work", "--goal", "M"]);
    env.gs(&wt, &["init", "--name", "wt-work", "--goal", "W"]);
    env.gs(&wt, &["log", "--discovery", "from the worktree"]);
    env.gs(&repo, &["log", "--discovery", "from main"]);
    let main_view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(main_view["shortname"], "main-work");
    assert_eq!(main_view["discoveries"][0]["text"], "from main");
    let wt_view: serde_json::Value =
        serde_json::from_str(&env.gs(&wt, &["view", "--json"])).unwrap();
    assert_eq!(wt_view["shortname"], "wt-work");
    assert_eq!(wt_view["git_branch"], "feature");
    // Each mirror holds both sessions.
    assert_eq!(env.gs(&repo, &["list"]).lines().count(), 2);
    assert!(wt.join(".sessions/active").read_dir().unwrap().count() == 2);
    assert_eq!(env.count(&repo), 4);
    // .sessions/ is excluded once, in the common git dir.
    let exclude = fs::read_to_string(repo.join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.matches(".sessions/").count(), 1);
    assert_eq!(env.git(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn a_hand_edit_survives_when_another_worktree_moved_the_ref() {
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "other", wt.to_str().unwrap()],
    );
    env.gs(
        &repo,
        &["init", "--name", "shared", "--goal", "G", "--step", "a"],
    );
    env.gs(&wt, &["list"]);
    // Main worktree edits by hand (unsaved); the other worktree logs to the same session.
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path).unwrap().replace(
        "**Key Context** (survives compaction):\n",
        "**Key Context** (survives compaction):\n- hand-written context\n",
    );
    fs::write(&path, &text).unwrap();
    env.gs(
        &wt,
        &[
            "log",
            "-s",
            "shared",
            "--discovery",
            "from the other worktree",
        ],
    );
    // The next command here merges the ref's change into the mirror without losing the hand edit.
    env.gs(&repo, &["log", "--next", "after both"]);
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(v["key_context"][0], "hand-written context");
    assert_eq!(v["discoveries"][0]["text"], "from the other worktree");
    assert_eq!(v["next_steps"][0], "after both");
    let in_ref = env.git(
        &repo,
        &[
            "show",
            &format!(
                "refs/sessions:active/{}",
                path.file_name().unwrap().to_str().unwrap()
            ),
        ],
    );
    assert!(in_ref.contains("hand-written context") && in_ref.contains("from the other worktree"));
    env.fsck(&repo);
}

#[test]
fn an_unknown_section_and_frontmatter_key_are_kept() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "keep", "--goal", "G"]);
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path)
        .unwrap()
        .replacen(
            "compaction_count: 0\n",
            "compaction_count: 0\nreviewer: alice # who reviews\n",
            1,
        )
        .replace(
            "## Decisions\n",
            "## Links\n\n- https://example.com\n\n## Decisions\n",
        );
    fs::write(&path, &text).unwrap();
    env.gs(&repo, &["log", "--decision", "D", "--rationale", "R"]);
    env.gs(&repo, &["checkpoint"]);
    let after = fs::read_to_string(&path).unwrap();
    assert!(after.contains("reviewer: alice # who reviews\n"), "{after}");
    assert!(
        after.contains("## Links\n\n- https://example.com\n\n## Decisions\n"),
        "{after}"
    );
}

#[test]
fn hostile_text_is_stored_as_text_and_never_becomes_structure() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &["init", "--name", "hostile", "--goal", "G", "--step", "s"],
    );
    let nasty =
        "---\nkey: value\n- item\n!!python/object\n## Decisions\n<- CURRENT\r\nnul\u{0}? no";
    let nasty = nasty.replace('\u{0}', "");
    env.gs(&repo, &["log", "--progress", &nasty]);
    env.gs(&repo, &["log", "--discovery", "## Blockers"]);
    env.gs(
        &repo,
        &["checkpoint", "--summary", "# Not a title\n1. not a list"],
    );
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(v["decisions"].as_array().unwrap().len(), 0);
    assert_eq!(v["blockers"].as_array().unwrap().len(), 0);
    assert_eq!(v["discoveries"][0]["text"], "## Blockers");
    assert_eq!(v["tldr"], "# Not a title\n1. not a list");
    assert_eq!(v["current"], "s");
    let note = v["progress"]["in_progress"][0]["notes"][0]
        .as_str()
        .unwrap();
    assert!(note.starts_with("---"), "{note}");
}

#[test]
fn names_that_would_escape_the_mirror_are_rejected_with_usage_errors() {
    let env = Env::new();
    let repo = env.repo("r");
    let long = "x".repeat(10_000);
    for bad in [
        "../escape",
        "a/b",
        "..",
        "-rf",
        "con",
        "a\nb",
        long.as_str(),
    ] {
        let err = env.fails(&repo, &["init", "--name", bad, "--goal", "G"], 2);
        assert!(err.contains("invalid session name"), "{err}");
    }
    assert!(!repo.join(".sessions").exists());
    assert_eq!(env.gs(&repo, &["list", "--json"]).trim(), "[]");
    let refs = env.git(&repo, &["show-ref"]);
    assert!(!refs.contains("refs/sessions"), "{refs}");
    // Nothing was written beside the repository either.
    let names = |dir: &std::path::Path| {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(env.tmp.path()), ["home", "r"]);
    assert_eq!(names(&repo), [".git", "README"]);
}

#[test]
fn errors_are_one_line_with_the_right_exit_code() {
    let env = Env::new();
    let outside = env.path("not-a-repo");
    fs::create_dir_all(&outside).unwrap();
    let err = env.fails(&outside, &["list"], 1);
    assert!(err.contains("not a git repository"), "{err}");
    let repo = env.repo("r");
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(err.contains("no current session"), "{err}");
    env.fails(&repo, &["log"], 2);
    env.fails(&repo, &["log", "--progress", "a", "--discovery", "b"], 2);
    env.fails(&repo, &["log", "--decision", "no rationale"], 2);
    env.fails(&repo, &["frobnicate"], 2);
    env.gs(&repo, &["init", "--name", "twin", "--goal", "one"]);
    env.gs(&repo, &["init", "--name", "twin", "--goal", "two"]);
    let err = env.fails(&repo, &["view", "twin"], 1);
    assert!(
        err.contains("ambiguous") && err.matches("twin-").count() == 2,
        "{err}"
    );
    let err = env.fails(&repo, &["view", "nope"], 1);
    assert!(err.contains("no session named 'nope'"), "{err}");
    let err = env.fails(&repo, &["log", "--unblock", "7"], 2);
    assert!(err.contains("no open blocker 7"), "{err}");
}

#[test]
fn sessions_are_named_by_id_prefix_short_id_or_shortname() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "first", "--goal", "G"]);
    env.gs(&repo, &["init", "--name", "second", "--goal", "H"]);
    let v: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "first", "--json"])).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let short = &id.replace('-', "")[24..];
    for name in [id.as_str(), &id[..13], short, "first"] {
        let w: serde_json::Value =
            serde_json::from_str(&env.gs(&repo, &["view", name, "--json"])).unwrap();
        assert_eq!(w["id"], id.as_str(), "by {name}");
    }
    env.gs(&repo, &["log", "-s", short, "--next", "n"]);
    let w: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "first", "--json"])).unwrap();
    assert_eq!(w["next_steps"][0], "n");
}

#[test]
fn no_git_identity_is_a_clear_error_and_writes_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::write(env.home().join(".gitconfig"), "").unwrap();
    let err = env.fails(&repo, &["init", "--name", "x", "--goal", "G"], 1);
    assert!(err.contains("no git identity"), "{err}");
    assert_eq!(
        env.gs(&repo, &["list"]),
        "No sessions. Start one with: git session init --goal \"...\"\n"
    );
    assert!(!repo.join(".sessions").exists());
    let out = std::process::Command::new("git")
        .current_dir(&repo)
        .args(["rev-parse", "--verify", "-q", "refs/sessions"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn init_derives_the_shortname_from_the_goal_then_the_branch() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--goal", "Fix the race in the sweeper"]);
    env.git(&repo, &["checkout", "-q", "-b", "feature/login-page"]);
    env.gs(&repo, &["init"]);
    let names: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&env.gs(&repo, &["list", "--json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["shortname"].as_str().unwrap().to_string())
            .collect();
    assert!(names.contains(&"fix-race-sweeper".to_string()), "{names:?}");
    assert!(
        names.contains(&"feature-login-page".to_string()),
        "{names:?}"
    );
}

#[test]
fn a_log_rewrites_only_the_touched_session_subtrees() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "other", "--goal", "O"]);
    env.gs(&repo, &["init", "--name", "mine", "--goal", "M"]);
    let other_short = env
        .git(
            &repo,
            &["ls-tree", "--name-only", "refs/sessions", "active/"],
        )
        .lines()
        .find(|l| l.contains("other-"))
        .unwrap()
        .trim_end_matches(".md")
        .rsplit('-')
        .next()
        .unwrap()
        .to_string();
    let before = env.git(
        &repo,
        &[
            "rev-parse",
            &format!("refs/sessions:journal/{}/{other_short}", &other_short[..2]),
        ],
    );
    env.gs(&repo, &["log", "--progress", "p"]);
    let after = env.git(
        &repo,
        &[
            "rev-parse",
            &format!("refs/sessions:journal/{}/{other_short}", &other_short[..2]),
        ],
    );
    assert_eq!(before, after);
}

#[test]
fn dash_c_runs_elsewhere_and_init_without_a_terminal_never_prompts() {
    let env = Env::new();
    let repo = env.repo("r");
    let elsewhere = env.path("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    // stdin is not a terminal: no prompt, the name comes from the branch.
    let out = env
        .cmd(&elsewhere)
        .args(["-C", repo.to_str().unwrap(), "init"])
        .write_stdin("ignored\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Started session main"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_str(&env.gs(
        &elsewhere,
        &["-C", repo.to_str().unwrap(), "view", "--json"],
    ))
    .unwrap();
    assert_eq!(v["shortname"], "main");
    assert_eq!(env.gs(&repo, &["-q", "log", "--next", "n"]), "");
    let err = env.fails(&repo, &["-C", "no/such/dir", "list"], 2);
    assert!(err.contains("no/such/dir"), "{err}");
}

#[test]
fn titles_with_yaml_syntax_are_quoted_in_frontmatter() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "yaml",
            "--title",
            "key: value # not a comment",
            "--goal",
            "yes",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(v["title"], "key: value # not a comment");
    assert_eq!(v["objective"], "yes");
}
