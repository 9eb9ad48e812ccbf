//! `git session statusline`: Claude Code's statusLine JSON in, one line out; and
//! `install --statusline` adding, keeping and removing the setting.

use std::fs;
use std::path::Path;

use crate::common::Env;

/// The statusline with `stdin`, run in `dir`; asserts exit 0 and empty stderr, returns stdout.
fn statusline(env: &Env, dir: &Path, stdin: &str) -> String {
    let out = env
        .cmd(dir)
        .arg("statusline")
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Claude Code's statusline input (abridged from its documentation), for workspace `dir`.
fn input(dir: &Path, session_id: &str) -> String {
    serde_json::json!({
        "hook_event_name": "Status",
        "session_id": session_id,
        "transcript_path": "/tmp/t.jsonl",
        "cwd": dir,
        "model": {"id": "claude-opus-4-1", "display_name": "Opus"},
        "workspace": {"current_dir": dir, "project_dir": dir},
        "version": "2.1.332",
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 0.01, "total_duration_ms": 45000}
    })
    .to_string()
}

/// A session with five steps, three done, a blocker logged, a checkpoint, and one compaction
/// counted by the hooks as Claude Code runs them.
fn realistic(env: &Env) -> std::path::PathBuf {
    let repo = env.repo("r");
    let mut args = vec!["init", "--name", "fix-sweep-bug", "--goal", "Fix the sweep"];
    for s in [
        "Reproduce",
        "Root cause",
        "Draft fix",
        "Implement fix",
        "Test",
    ] {
        args.extend(["--step", s]);
    }
    env.gs(&repo, &args);
    for s in ["Reproduce", "Root cause", "Draft fix"] {
        env.gs(&repo, &["log", "--done", s]);
    }
    env.gs(&repo, &["log", "--blocker", "waiting on review"]);
    env.gs(&repo, &["checkpoint", "--note", "mutex half done"]);
    for (kind, extra) in [
        (
            "pre-compact",
            serde_json::json!({"hook_event_name": "PreCompact", "trigger": "auto"}),
        ),
        (
            "session-start",
            serde_json::json!({"hook_event_name": "SessionStart", "source": "compact"}),
        ),
        (
            "post-compact",
            serde_json::json!({"hook_event_name": "PostCompact", "trigger": "auto", "compact_summary": "Summary"}),
        ),
    ] {
        let mut e = extra;
        e["session_id"] = "c1".into();
        e["cwd"] = repo.to_str().unwrap().into();
        e["prompt_id"] = "p1".into();
        let out = env
            .cmd(&repo)
            .args(["hook", kind])
            .write_stdin(e.to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{kind}: {out:?}");
    }
    repo
}

#[test]
fn statusline_shows_session_step_compactions_and_blocker() {
    let env = Env::new();
    let repo = realistic(&env);
    let view: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(view["compaction_count"], 1, "{view}");
    // From another directory: the workspace named in the JSON decides.
    let elsewhere = env.path("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    assert_eq!(
        statusline(&env, &elsewhere, &input(&repo, "c1")),
        "⎇ fix-sweep-bug · step 4/5 · 1 compaction · ⚠ 1 blocker\n"
    );
    // A subdirectory of the worktree, and a Claude session the hooks never saw: the current one.
    let sub = repo.join("src");
    fs::create_dir_all(&sub).unwrap();
    assert_eq!(
        statusline(&env, &elsewhere, &input(&sub, "other")),
        "⎇ fix-sweep-bug · step 4/5 · 1 compaction · ⚠ 1 blocker\n"
    );
    // Resolved blocker, all steps done.
    env.gs(&repo, &["log", "--unblock", "1"]);
    env.gs(&repo, &["log", "--done", "Implement fix"]);
    env.gs(&repo, &["log", "--done", "Test"]);
    assert_eq!(
        statusline(&env, &repo, &input(&repo, "c1")),
        "⎇ fix-sweep-bug · 5/5 steps done · 1 compaction\n"
    );
    // Paused, the session is no longer shown, though the hooks bound Claude session c1 to it.
    env.gs(&repo, &["pause"]);
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "");
    // A new session made current by hand: shown for c1 too, the binding being to a paused one.
    env.gs(&repo, &["init", "--name", "next-one", "--goal", "G"]);
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "⎇ next-one\n");
}

#[test]
fn statusline_prints_nothing_without_a_current_session() {
    let env = Env::new();
    let repo = env.repo("r");
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "");
    env.gs(&repo, &["init", "--name", "paused-one", "--goal", "G"]);
    assert_eq!(
        statusline(&env, &repo, &input(&repo, "c1")),
        "⎇ paused-one\n"
    );
    env.gs(&repo, &["pause"]);
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "");
    // Outside any repository.
    let plain = env.path("plain");
    fs::create_dir_all(&plain).unwrap();
    assert_eq!(statusline(&env, &plain, &input(&plain, "c1")), "");
}

#[test]
fn statusline_takes_garbage_quietly() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "s", "--goal", "G"]);
    for junk in [
        "",
        "not json",
        "{\"cwd\": 5}",
        "[1,2]",
        "{\"workspace\": {\"current_dir\": \"/no/such/dir\"}}",
        "\u{0}\u{1}\u{2}",
    ] {
        // Bad input falls back to the process's directory, which holds a session.
        assert_eq!(statusline(&env, &repo, junk), "⎇ s\n", "{junk:?}");
    }
    // The digest (progress.md) unreadable: the session file says the same.
    let digest = fs::read_dir(repo.join(".sessions/journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let digest = fs::read_dir(&digest)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("progress.md");
    assert!(digest.is_file(), "{}", digest.display());
    fs::write(&digest, "garbage\n").unwrap();
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "⎇ s\n");
    // And a session file that no longer parses either: nothing, still exit 0.
    let file = env.active_file(&repo);
    fs::write(&file, "---\nnot: [closed\n").unwrap();
    assert_eq!(statusline(&env, &repo, &input(&repo, "c1")), "");
}

#[test]
fn statusline_counts_blockers_past_what_the_digest_lists() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "many", "--goal", "G"]);
    for n in 1..=9 {
        env.gs(&repo, &["log", "--blocker", &format!("blocker {n}")]);
    }
    assert_eq!(
        statusline(&env, &repo, &input(&repo, "c1")),
        "⎇ many · ⚠ 9 blockers\n"
    );
    for n in 10..=12 {
        env.gs(&repo, &["log", "--blocker", &format!("blocker {n}")]);
    }
    assert_eq!(
        statusline(&env, &repo, &input(&repo, "c1")),
        "⎇ many · ⚠ 12 blockers\n"
    );
}

#[test]
fn statusline_writes_nothing() {
    let env = Env::new();
    let repo = realistic(&env);
    let snapshot = |dir: &Path| {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let m = e.metadata().unwrap();
                if m.is_dir() {
                    stack.push(e.path());
                } else {
                    out.push((e.path(), m.len(), m.modified().unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    let before = snapshot(&repo);
    statusline(&env, &repo, &input(&repo, "new-claude-session"));
    assert_eq!(snapshot(&repo), before);
}

fn settings(repo: &Path) -> std::path::PathBuf {
    repo.join(".claude/settings.json")
}

#[test]
fn install_statusline_adds_keeps_and_removes_exactly() {
    let env = Env::new();
    let repo = env.repo("r");
    // A settings file of the user's, with a comment and their own formatting.
    fs::create_dir_all(repo.join(".claude")).unwrap();
    let mine = "{\n  // mine\n  \"model\": \"opus\",\n  \"permissions\": {\"allow\": []}\n}\n";
    fs::write(settings(&repo), mine).unwrap();
    env.gs(&repo, &["install", "--statusline"]);
    let text = fs::read_to_string(settings(&repo)).unwrap();
    let exe = fs::canonicalize(env!("CARGO_BIN_EXE_git-session")).unwrap();
    let v: serde_json::Value = serde_json::from_str(
        &text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    assert_eq!(
        v["statusLine"],
        serde_json::json!({"type": "command", "command": format!("'{}' statusline", exe.display())}),
        "{text}"
    );
    assert!(
        text.starts_with("{\n  // mine\n  \"model\": \"opus\",\n"),
        "{text}"
    );
    // Twice changes nothing.
    env.gs(&repo, &["install", "--statusline"]);
    assert_eq!(fs::read_to_string(settings(&repo)).unwrap(), text);
    // Uninstall gives back the user's bytes.
    env.gs(&repo, &["install", "--uninstall"]);
    assert_eq!(fs::read_to_string(settings(&repo)).unwrap(), mine);
}

#[test]
fn install_statusline_leaves_the_users_own_alone() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".claude")).unwrap();
    let mine = "{\n  \"statusLine\": {\"type\": \"command\", \"command\": \"~/bin/my-line\"}\n}\n";
    fs::write(settings(&repo), mine).unwrap();
    let out = env.gs(&repo, &["install", "--statusline"]);
    assert!(
        out.contains("statusLine left alone") && out.contains("~/bin/my-line"),
        "{out}"
    );
    let text = fs::read_to_string(settings(&repo)).unwrap();
    assert!(text.contains("\"command\": \"~/bin/my-line\""), "{text}");
    assert!(!text.contains(" statusline\""), "{text}");
    env.gs(&repo, &["install", "--uninstall"]);
    assert_eq!(fs::read_to_string(settings(&repo)).unwrap(), mine);
    // Without --statusline, install does not touch the status line; with another agent it is
    // a usage error.
    let repo2 = env.repo("r2");
    env.gs(&repo2, &["install"]);
    assert!(
        !fs::read_to_string(settings(&repo2))
            .unwrap()
            .contains("statusLine")
    );
    env.fails(&repo2, &["install", "--agent", "codex", "--statusline"], 2);
}

#[test]
fn statusline_in_a_linked_worktree_shows_that_worktrees_session() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "main-work", "--goal", "G"]);
    let linked = env.path("linked");
    env.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            linked.to_str().unwrap(),
            "-b",
            "side",
        ],
    );
    assert_eq!(statusline(&env, &repo, &input(&linked, "c1")), "");
    env.gs(
        &linked,
        &["init", "--name", "side-work", "--goal", "G", "--step", "a"],
    );
    assert_eq!(
        statusline(&env, &repo, &input(&linked, "c1")),
        "⎇ side-work · step 1/1\n"
    );
    assert_eq!(
        statusline(&env, &linked, &input(&repo, "c2")),
        "⎇ main-work\n"
    );
}

#[test]
fn install_statusline_updates_ours_and_uninstall_takes_it_out() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".claude")).unwrap();
    // Ours, run through PATH (as a user may have written it from the docs).
    fs::write(
        settings(&repo),
        "{\n  \"statusLine\": {\"type\": \"command\", \"command\": \"git-session statusline\"}\n}\n",
    )
    .unwrap();
    env.gs(&repo, &["install", "--statusline"]);
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(settings(&repo)).unwrap()).unwrap();
    let exe = fs::canonicalize(env!("CARGO_BIN_EXE_git-session")).unwrap();
    assert_eq!(
        v["statusLine"]["command"],
        format!("'{}' statusline", exe.display())
    );
    // Uninstall without --statusline removes it, and the file it leaves empty.
    env.gs(&repo, &["install", "--uninstall"]);
    assert!(!settings(&repo).exists());
}

/// A statusline whose stdin never closes ends in silence and exit 0 after its 2 s deadline:
/// Claude Code shows nothing rather than an error.
#[test]
fn statusline_whose_stdin_never_closes_ends_quietly() {
    let env = Env::new();
    let repo = realistic(&env);
    let (out, took) = env.run_with_stdin_open(&repo, &["statusline"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(took < std::time::Duration::from_secs(8));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}
