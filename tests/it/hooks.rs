//! Claude Code hooks and install: recorded-shape events fed to the real binary.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::Env;

fn event(cwd: &Path, session: &str, extra: serde_json::Value) -> String {
    let mut e = serde_json::json!({
        "session_id": session,
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": cwd.to_str().unwrap(),
    });
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e.to_string()
}

fn hook(env: &Env, dir: &Path, kind: &str, stdin: &str) -> std::process::Output {
    env.cmd(dir)
        .args(["hook", kind])
        .write_stdin(stdin.to_string())
        .output()
        .unwrap()
}

fn context_of(out: &std::process::Output) -> String {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("hook prints JSON");
    v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The hook command install writes: this binary's absolute path, quoted for the shell.
fn installed_command(kind: &str) -> String {
    let exe = fs::canonicalize(env!("CARGO_BIN_EXE_git-session")).unwrap();
    format!("'{}' hook {kind}", exe.display())
}

fn setup(env: &Env) -> std::path::PathBuf {
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "hooked",
            "--goal",
            "Ship the parser",
            "--step",
            "lexer",
            "--step",
            "parser",
        ],
    );
    env.gs(&repo, &["log", "--blocker", "grammar ambiguity in if/else"]);
    env.gs(&repo, &["log", "--next", "write the precedence table"]);
    env.gs(
        &repo,
        &[
            "checkpoint",
            "--summary",
            "Lexer half done; parser not started",
        ],
    );
    repo
}

/// The hook with extra environment variables (`CLAUDE_CODE_SESSION_ID`, `CLAUDE_PLUGIN_ROOT`).
fn hook_with(
    env: &Env,
    dir: &Path,
    kind: &str,
    stdin: &str,
    vars: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = env.cmd(dir);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.args(["hook", kind])
        .write_stdin(stdin.to_string())
        .output()
        .unwrap()
}

fn view_json(env: &Env, repo: &Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&env.gs(repo, &["view", name, "--json"])).unwrap()
}

/// One compaction as Claude Code ≥ 2.1.76 runs it (the order the e2e suite pins): PreCompact,
/// SessionStart(compact), PostCompact with the summary. Returns PreCompact's output.
fn compaction(env: &Env, repo: &Path, claude: &str, n: usize) -> std::process::Output {
    let pid = format!("p{n}");
    let summary = format!("Summary {n}: the lexer is half done.");
    let [pre, _, post] = [
        ("pre-compact", serde_json::json!({"hook_event_name": "PreCompact", "trigger": "auto"})),
        ("session-start", serde_json::json!({"hook_event_name": "SessionStart", "source": "compact"})),
        ("post-compact", serde_json::json!({"hook_event_name": "PostCompact", "trigger": "auto", "compact_summary": summary})),
    ]
    .map(|(kind, mut extra)| {
        extra["prompt_id"] = pid.clone().into();
        let out = hook(env, repo, kind, &event(repo, claude, extra));
        assert_eq!(out.status.code(), Some(0), "{kind}: {out:?}");
        out
    });
    assert!(
        post.stdout.is_empty(),
        "PostCompact prints nothing: {post:?}"
    );
    pre
}

#[test]
fn post_compact_counts_compactions_that_happened_and_journals_the_summary() {
    let env = Env::new();
    let repo = setup(&env);
    let before = env.count(&repo);
    for n in 1..=3 {
        let out = compaction(&env, &repo, "c1", n);
        assert!(String::from_utf8_lossy(&out.stdout).contains("Lexer half done"));
        assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], n);
        // A checkpoint before, the count after.
        assert_eq!(env.count(&repo), before + 2 * n);
    }
    let subject = env.git(&repo, &["log", "-1", "--format=%s", "refs/sessions"]);
    assert_eq!(subject.trim(), "compact(hooked): compaction 3 (auto)");
    let entries = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let last = entries
        .lines()
        .rfind(|l| l.contains("-compaction-"))
        .expect("a compaction entry");
    let text = env.git(&repo, &["show", &format!("refs/sessions:{last}")]);
    assert!(
        text.contains("kind: compaction") && text.contains("Summary 3: the lexer is half done."),
        "{text}"
    );
    // PreCompact alone is an attempt (it fires for a compaction that then fails): not counted.
    hook(
        &env,
        &repo,
        "pre-compact",
        &event(
            &repo,
            "c1",
            serde_json::json!({"trigger": "auto", "prompt_id": "failed"}),
        ),
    );
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 3);
    // A client without PostCompact (before 2.1.76): SessionStart(compact) restores without
    // counting, since PostCompact would come after it; the turn's Stop finds none came and
    // counts it, once.
    hook(
        &env,
        &repo,
        "pre-compact",
        &event(
            &repo,
            "c1",
            serde_json::json!({"trigger": "manual", "prompt_id": "old"}),
        ),
    );
    let start = event(&repo, "c1", serde_json::json!({"source": "compact"}));
    let out = hook(&env, &repo, "session-start", &start);
    assert!(context_of(&out).contains("Current step (1 of 2): lexer"));
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 3);
    let stop = event(&repo, "c1", serde_json::json!({"hook_event_name": "Stop"}));
    hook(&env, &repo, "stop", &stop);
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 4);
    hook(&env, &repo, "stop", &stop);
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 4);
    // One compaction, one `compaction` entry, whichever way it was counted.
    let entries = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let n = entries
        .lines()
        .filter(|l| l.contains("-compaction-"))
        .count();
    assert_eq!(n, 4, "{entries}");
    // And the next compaction with PostCompact counts once more, not twice.
    compaction(&env, &repo, "c1", 5);
    hook(&env, &repo, "stop", &stop);
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 5);
    // Without PostCompact and with no Stop between two compactions, the next PreCompact counts
    // the one before.
    let pre = |pid: &str| {
        event(
            &repo,
            "c1",
            serde_json::json!({"trigger": "auto", "prompt_id": pid}),
        )
    };
    hook(&env, &repo, "pre-compact", &pre("x1"));
    let start = event(
        &repo,
        "c1",
        serde_json::json!({"source": "compact", "prompt_id": "x1"}),
    );
    hook(&env, &repo, "session-start", &start);
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 5);
    hook(&env, &repo, "pre-compact", &pre("x2"));
    assert_eq!(view_json(&env, &repo, "hooked")["compaction_count"], 6);
}

/// After a compaction the first request already carries the restoration from
/// SessionStart(compact): a "continue" typed next must not inject it a second time; after the
/// turn ends (Stop), a "continue" injects it again.
#[test]
fn continue_right_after_a_compaction_does_not_inject_the_restoration_twice() {
    let env = Env::new();
    let repo = setup(&env);
    compaction(&env, &repo, "c1", 1);
    let cont = event(
        &repo,
        "c1",
        serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": "continue", "prompt_id": "q1"}),
    );
    let out = hook(&env, &repo, "user-prompt-submit", &cont);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    let stop = event(&repo, "c1", serde_json::json!({"hook_event_name": "Stop"}));
    hook(&env, &repo, "stop", &stop);
    let cont = event(
        &repo,
        "c1",
        serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": "continue", "prompt_id": "q2"}),
    );
    let out = hook(&env, &repo, "user-prompt-submit", &cont);
    assert!(
        context_of(&out).contains("Current step (1 of 2): lexer"),
        "{out:?}"
    );
}

#[test]
fn session_start_after_compaction_restores_the_key_context() {
    let env = Env::new();
    let repo = setup(&env);
    hook(
        &env,
        &repo,
        "pre-compact",
        &event(&repo, "c1", serde_json::json!({"trigger": "auto"})),
    );
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(
            &repo,
            "c1",
            serde_json::json!({"hook_event_name": "SessionStart", "source": "compact"}),
        ),
    );
    assert_eq!(out.status.code(), Some(0));
    let ctx = context_of(&out);
    for needle in [
        "Where You Left Off",
        "Current step (1 of 2): lexer",
        "grammar ambiguity in if/else",
        "write the precedence table",
        "Lexer half done; parser not started",
    ] {
        assert!(ctx.contains(needle), "missing {needle:?} in:\n{ctx}");
    }
    assert!(
        ctx.find("Where You Left Off").unwrap() < ctx.find("Lexer half done").unwrap(),
        "most important first"
    );
    assert!(ctx.chars().count() <= 8_000);
}

#[test]
fn session_start_on_startup_is_short_and_suggests_resume() {
    let env = Env::new();
    let repo = setup(&env);
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "c9", serde_json::json!({"source": "startup"})),
    );
    let ctx = context_of(&out);
    assert!(
        ctx.contains("/session-resume")
            && ctx.contains("lexer")
            && ctx.contains("grammar ambiguity"),
        "{ctx}"
    );
    assert!(ctx.chars().count() <= 3_000);
    // A worktree with sessions but none current: the hook lists them instead.
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    let out = hook(
        &env,
        &wt,
        "session-start",
        &event(&wt, "c10", serde_json::json!({"source": "startup"})),
    );
    assert!(context_of(&out).contains("unfinished journal session(s): hooked"));
    // No sessions at all: nothing.
    let empty = env.repo("empty");
    let out = hook(
        &env,
        &empty,
        "session-start",
        &event(&empty, "c11", serde_json::json!({"source": "startup"})),
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty() && out.status.success());
}

#[test]
fn continuation_prompts_inject_and_other_prompts_print_nothing() {
    let env = Env::new();
    let repo = setup(&env);
    for prompt in [
        "continue",
        "ok, where were we?",
        "Pick up where we left off.",
        "what was I doing?",
        "keep going please",
    ] {
        let out = hook(
            &env,
            &repo,
            "user-prompt-submit",
            &event(&repo, "c1", serde_json::json!({"prompt": prompt})),
        );
        assert_eq!(out.status.code(), Some(0));
        assert!(
            context_of(&out).contains("Current step (1 of 2): lexer"),
            "{prompt}"
        );
    }
    for prompt in [
        "continue the loop until i == n",
        "add a resume button",
        "where were we storing the tokens?",
        "fix the build",
        "",
    ] {
        let out = hook(
            &env,
            &repo,
            "user-prompt-submit",
            &event(&repo, "c1", serde_json::json!({"prompt": prompt})),
        );
        assert_eq!(out.status.code(), Some(0));
        assert!(
            out.stdout.is_empty() && out.stderr.is_empty(),
            "{prompt} printed something"
        );
    }
}

#[test]
fn an_ordinary_prompt_does_not_even_open_the_repository() {
    let env = Env::new();
    let repo = setup(&env);
    // Break refs/sessions: anything that reads the journal now fails.
    let blob = env.git(&repo, &["hash-object", "-w", "README"]);
    fs::write(repo.join(".git/refs/sessions"), blob).unwrap();
    let out = hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(
            &repo,
            "c1",
            serde_json::json!({"prompt": "refactor the lexer"}),
        ),
    );
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    let out = hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(&repo, "c1", serde_json::json!({"prompt": "continue"})),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the continuation path does read it, and says what is wrong"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("refs/sessions"));
}

#[test]
fn two_claude_sessions_in_one_repository_each_find_their_own_journal() {
    let env = Env::new();
    let repo = env.repo("r");
    // Agent A asks for /session-init; its hook fires first, then the command runs.
    hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(
            &repo,
            "claude-A",
            serde_json::json!({"prompt": "/session-init --name alpha --goal A"}),
        ),
    );
    env.gs(&repo, &["init", "--name", "alpha", "--goal", "A"]);
    hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(
            &repo,
            "claude-B",
            serde_json::json!({"prompt": "/session-init --name beta --goal B"}),
        ),
    );
    env.gs(&repo, &["init", "--name", "beta", "--goal", "B"]);
    // The worktree's current session is now beta, yet A's hooks find alpha.
    compaction(&env, &repo, "claude-A", 1);
    compaction(&env, &repo, "claude-A", 2);
    compaction(&env, &repo, "claude-B", 3);
    let a: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "alpha", "--json"])).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "beta", "--json"])).unwrap();
    assert_eq!(a["compaction_count"], 2);
    assert_eq!(b["compaction_count"], 1);
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "claude-A", serde_json::json!({"source": "compact"})),
    );
    assert!(context_of(&out).contains("session alpha"));
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "claude-B", serde_json::json!({"source": "compact"})),
    );
    assert!(context_of(&out).contains("session beta"));
    let alpha_file = env.git(
        &repo,
        &[
            "show",
            &format!(
                "refs/sessions:{}",
                env.git(
                    &repo,
                    &["ls-tree", "--name-only", "refs/sessions", "active/"]
                )
                .lines()
                .find(|l| l.contains("alpha-"))
                .unwrap()
            ),
        ],
    );
    assert!(
        alpha_file.contains("claude_session_ids: [claude-A]"),
        "{alpha_file}"
    );
}

#[test]
fn bad_input_exits_quickly_with_one_line_and_code_1_and_touches_nothing() {
    let env = Env::new();
    let repo = setup(&env);
    let outside = env.path("outside");
    fs::create_dir_all(&outside).unwrap();
    let huge = format!("{{\"prompt\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    // Input that is not a Claude Code event: exit 1 with one line saying so.
    let bad: Vec<(&str, String)> = vec![
        ("garbage", "not json at all \u{0}\u{1}".into()),
        ("truncated", "{\"session_id\": \"x\", \"cwd\": \"".into()),
        ("huge", huge),
        ("deeply nested", deep),
        ("wrong types", "{\"prompt\": 5, \"cwd\": []}".into()),
    ];
    // An event whose cwd is outside any repository: nothing of ours to do, silently.
    let elsewhere = event(
        &outside,
        "c",
        serde_json::json!({"prompt": "continue", "source": "compact", "trigger": "auto"}),
    );
    let tip = env.git(&repo, &["rev-parse", "refs/sessions"]);
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    for kind in [
        "pre-compact",
        "session-start",
        "user-prompt-submit",
        "stop",
        "session-end",
    ] {
        // Run from inside the repository, which holds a session each hook would act on.
        for (name, input) in &bad {
            let started = Instant::now();
            let out = hook(&env, &repo, kind, input);
            let took = started.elapsed();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{kind} / {name}: {err}");
            assert!(out.stdout.is_empty(), "{kind} / {name} printed on stdout");
            assert_eq!(err.lines().count(), 1, "{kind} / {name}: {err}");
            assert!(
                err.starts_with("git-session: hook event is "),
                "{kind} / {name}: {err}"
            );
            assert!(
                took < Duration::from_secs(5),
                "{kind} / {name} took {took:?}"
            );
        }
        let out = hook(&env, &repo, kind, &elsewhere);
        assert!(
            out.status.code() == Some(0) && out.stdout.is_empty() && out.stderr.is_empty(),
            "{kind} / cwd outside a repository: {out:?}"
        );
    }
    assert_eq!(
        env.git(&repo, &["rev-parse", "refs/sessions"]),
        tip,
        "no bad event committed anything"
    );
    assert_eq!(fs::read_to_string(env.active_file(&repo)).unwrap(), file);
    // Empty or field-less input is an event without details: a hook does its ordinary work.
    for input in ["", "{}"] {
        let out = hook(&env, &repo, "user-prompt-submit", input);
        assert!(
            out.status.code() == Some(0) && out.stdout.is_empty() && out.stderr.is_empty(),
            "{input:?}: {out:?}"
        );
        let out = hook(&env, &outside, "pre-compact", input);
        assert!(
            out.status.code() == Some(0) && out.stdout.is_empty() && out.stderr.is_empty(),
            "{input:?} outside a repository: {out:?}"
        );
    }
}

#[test]
fn stop_records_activity_without_a_commit_and_session_end_saves_hand_edits() {
    let env = Env::new();
    let repo = setup(&env);
    let before = env.count(&repo);
    for _ in 0..3 {
        let out = hook(
            &env,
            &repo,
            "stop",
            &event(&repo, "c1", serde_json::json!({"stop_hook_active": false})),
        );
        assert!(out.status.success() && out.stdout.is_empty());
    }
    assert_eq!(env.count(&repo), before);
    // The activity note names the journal session, when, and which Claude session.
    let id = serde_json::from_str::<serde_json::Value>(&env.gs(&repo, &["view", "--json"]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let activity = fs::read_to_string(repo.join(".git/git-session/claude/activity")).unwrap();
    let fields: Vec<&str> = activity.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "{activity:?}");
    assert_eq!((fields[0], fields[2]), (id.as_str(), "c1"), "{activity:?}");
    assert!(
        fields[1].len() == "2025-01-15T11:00:00.000Z".len() && fields[1].ends_with('Z'),
        "{activity:?}"
    );
    let out = hook(
        &env,
        &repo,
        "session-end",
        &event(&repo, "c1", serde_json::json!({"reason": "exit"})),
    );
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    assert_eq!(env.count(&repo), before, "nothing to save, no commit");
    let path = env.active_file(&repo);
    let edited = fs::read_to_string(&path).unwrap().replace(
        "**Key Context** (survives compaction):\n",
        "**Key Context** (survives compaction):\n- typed just before quitting\n",
    );
    fs::write(&path, &edited).unwrap();
    let out = hook(
        &env,
        &repo,
        "session-end",
        &event(&repo, "c1", serde_json::json!({"reason": "exit"})),
    );
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    assert_eq!(env.count(&repo), before + 1);
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%s", "refs/sessions"])
            .trim(),
        "checkpoint(hooked): hand edits saved at Claude Code exit"
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        env.git(&repo, &["show", &format!("refs/sessions:active/{name}")]),
        edited
    );
}

const SETTINGS: &str = r#"{
  "permissions": {
    "allow": [
      "Bash(cargo test:*)"
    ]
  },
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "./scripts/check.sh"
          }
        ]
      }
    ],
    "SessionStart": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "cat NOTES.md"
          }
        ]
      }
    ]
  },
  "model": "opus"
}
"#;

#[test]
fn install_twice_is_byte_identical_and_uninstall_restores_the_original() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".claude")).unwrap();
    fs::write(repo.join(".claude/settings.json"), SETTINGS).unwrap();
    env.gs(&repo, &["install"]);
    let settings = fs::read_to_string(repo.join(".claude/settings.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(v["model"], "opus");
    assert_eq!(
        v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        "./scripts/check.sh"
    );
    assert_eq!(
        v["hooks"]["SessionStart"][0]["hooks"][0]["command"],
        "cat NOTES.md"
    );
    assert_eq!(
        v["hooks"]["SessionStart"][1]["hooks"][0]["command"],
        installed_command("session-start")
    );
    assert_eq!(
        v["hooks"]["PreCompact"][0]["hooks"][0]["command"],
        installed_command("pre-compact")
    );
    assert_eq!(
        v["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"],
        installed_command("user-prompt-submit")
    );
    for cmd in [
        "init",
        "resume",
        "log",
        "checkpoint",
        "view",
        "pause",
        "close",
    ] {
        let text =
            fs::read_to_string(repo.join(format!(".claude/commands/session-{cmd}.md"))).unwrap();
        assert!(
            text.contains(&format!("git session {cmd} $ARGUMENTS"))
                && text.contains("description:")
                && text.contains("argument-hint:")
        );
    }
    let snapshot: Vec<(String, Vec<u8>)> = walk(&repo.join(".claude"));
    let out = env.gs(&repo, &["install"]);
    assert!(out.contains("Nothing to change"), "{out}");
    assert_eq!(
        walk(&repo.join(".claude")),
        snapshot,
        "second install changed bytes"
    );
    env.gs(&repo, &["install", "--uninstall"]);
    assert_eq!(
        fs::read_to_string(repo.join(".claude/settings.json")).unwrap(),
        SETTINGS
    );
    assert!(!repo.join(".claude/commands").exists());
}

fn walk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((p.display().to_string(), fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn uninstall_keeps_an_edited_command_and_a_broken_settings_file_is_left_alone() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["install"]);
    let mine = repo.join(".claude/commands/session-log.md");
    fs::write(&mine, "my own version\n").unwrap();
    let out = env.run(&repo, &["install", "--uninstall"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("edited by you"));
    assert_eq!(fs::read_to_string(&mine).unwrap(), "my own version\n");
    assert!(
        !repo.join(".claude/settings.json").exists(),
        "a settings file install created is removed again"
    );
    fs::write(repo.join(".claude/settings.json"), "{ \"hooks\": [ oops").unwrap();
    let err = env.fails(&repo, &["install"], 1);
    assert!(
        err.contains("settings.json:1") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(repo.join(".claude/settings.json")).unwrap(),
        "{ \"hooks\": [ oops"
    );
    assert!(
        !repo.join(".claude/commands/session-init.md").exists(),
        "nothing written when settings are broken"
    );
}

/// The file names and bytes of `dir`'s files, sorted.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn install_global_writes_under_home() {
    let env = Env::new();
    let repo = env.repo("r");
    let out = env.gs(&repo, &["install", "--global"]);
    let claude = env.home().join(".claude");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        std::iter::once(claude.join("settings.json"))
            .chain(
                [
                    "init",
                    "resume",
                    "log",
                    "checkpoint",
                    "view",
                    "pause",
                    "close",
                ]
                .iter()
                .map(|c| claude.join(format!("commands/session-{c}.md")))
            )
            .map(|p| format!("wrote     {}", p.display()))
            .collect::<Vec<_>>()
    );
    let settings: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(claude.join("settings.json")).unwrap()).unwrap();
    for (event, kind) in [
        ("PreCompact", "pre-compact"),
        ("PostCompact", "post-compact"),
        ("SessionStart", "session-start"),
        ("UserPromptSubmit", "user-prompt-submit"),
        ("Stop", "stop"),
        ("SessionEnd", "session-end"),
    ] {
        assert_eq!(
            settings["hooks"][event][0]["hooks"][0]["command"],
            installed_command(kind),
            "{settings}"
        );
    }
    assert_eq!(files_in(&claude.join("commands")).len(), 7);
    assert!(!repo.join(".claude").exists());
}

#[test]
fn the_plugin_directory_is_complete_and_matches_what_install_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks");
    let plugin: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root.join(".claude-plugin/plugin.json")).unwrap())
            .unwrap();
    assert_eq!(plugin["name"], "git-session");
    let hooks: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root.join("hooks/hooks.json")).unwrap()).unwrap();
    for (event, kind) in [
        ("PreCompact", "pre-compact"),
        ("PostCompact", "post-compact"),
        ("SessionStart", "session-start"),
        ("UserPromptSubmit", "user-prompt-submit"),
        ("Stop", "stop"),
        ("SessionEnd", "session-end"),
    ] {
        assert_eq!(
            hooks["hooks"][event][0]["hooks"][0]["command"],
            format!("sh \"${{CLAUDE_PLUGIN_ROOT}}/bin/git-session-hook\" {kind}")
        );
    }
    // What install writes into an empty ~/.claude is exactly the plugin's files.
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["install", "--global"]);
    let claude = env.home().join(".claude");
    let installed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(claude.join("settings.json")).unwrap()).unwrap();
    // The same entries, each running the binary by its absolute path.
    let mut expected = hooks["hooks"].clone();
    for groups in expected.as_object_mut().unwrap().values_mut() {
        for g in groups.as_array_mut().unwrap() {
            for h in g["hooks"].as_array_mut().unwrap() {
                let kind = h["command"]
                    .as_str()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap()
                    .to_string();
                h["command"] = installed_command(&kind).into();
            }
        }
    }
    assert_eq!(installed["hooks"], expected);
    let plugin_commands = files_in(&root.join("commands"));
    assert_eq!(
        plugin_commands
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        [
            "session-checkpoint.md",
            "session-close.md",
            "session-init.md",
            "session-log.md",
            "session-pause.md",
            "session-resume.md",
            "session-view.md",
        ]
    );
    assert!(
        files_in(&claude.join("commands")) == plugin_commands,
        "installed slash commands differ from hooks/commands/"
    );
}

#[test]
fn a_hook_never_panics_on_odd_session_fields_and_never_exits_2_on_odd_arguments() {
    let env = Env::new();
    let repo = setup(&env);
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.starts_with("git_last_commit:") {
                "git_last_commit: \"aéééééé\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    fs::write(&path, text).unwrap();
    for (kind, input) in [
        ("session-start", r#"{"source":"startup"}"#),
        ("session-start", r#"{"source":"compact"}"#),
        ("user-prompt-submit", r#"{"prompt":"continue"}"#),
    ] {
        let out = hook(&env, &repo, kind, input);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for args in [
        vec!["hook", "pre-tool-use"],
        vec!["hook", "session-start", "--bogus"],
        vec!["-C", "/no/such/dir", "hook", "stop"],
        vec!["hook"],
    ] {
        let out = env
            .cmd(&repo)
            .args(&args)
            .write_stdin("{}")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).lines().count() <= 1,
            "{args:?}"
        );
    }
}

#[test]
fn an_argument_value_spelled_hook_does_not_turn_a_usage_error_into_exit_1() {
    let env = Env::new();
    let repo = setup(&env);
    let before = env.count(&repo);
    // `hook` as the value of a flag: still `log` with an unknown flag, a usage error.
    let err = env.fails(&repo, &["log", "--next", "hook", "--bogus"], 2);
    assert!(err.contains("--bogus"), "{err}");
    // `hook` as the value of -C: a `list` in a directory that does not exist, a usage error.
    let err = env.fails(&repo, &["-C", "hook", "list"], 2);
    assert!(err.contains("cannot change to"), "{err}");
    assert_eq!(env.count(&repo), before);
    // `hook` in the subcommand position after global flags is still a hook: never exit 2.
    let dir = repo.to_str().unwrap();
    let attached = format!("-C{dir}");
    for args in [
        vec!["-C", dir, "hook", "session-start", "--bogus"],
        vec!["-C", dir, "hook", "pre-tool-use"],
        vec!["-qC", dir, "hook", "pre-tool-use"],
        vec![attached.as_str(), "hook", "pre-tool-use"],
        vec!["--color", "never", "hook", "pre-tool-use"],
        vec!["--color=never", "--json", "hook", "pre-tool-use"],
    ] {
        let out = env
            .cmd(&repo)
            .args(&args)
            .write_stdin("{}")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    // And with global flags before it, a hook still does its work through the full parser.
    let out = env
        .cmd(&env.path("."))
        .args(["-C", dir, "hook", "user-prompt-submit"])
        .write_stdin(r#"{"prompt":"continue"}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        context_of(&out).contains("Current step (1 of 2): lexer"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_hand_edit_that_does_not_parse_is_reported_by_hooks_on_stderr_and_to_the_agent() {
    let env = Env::new();
    let repo = setup(&env);
    env.gs(&repo, &["init", "--name", "side", "--goal", "S"]);
    env.gs(&repo, &["resume", "hooked"]);
    let side_name = fs::read_dir(repo.join(".sessions/active"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("side-"))
        .unwrap();
    let side = repo.join(".sessions/active").join(&side_name);
    let good = fs::read_to_string(&side).unwrap();
    // Frontmatter that is not YAML: a renamed heading no longer breaks a file (issue 12).
    let broken = good
        .replacen("\ncompaction_count: 0\n", "\ncompaction_count: [0\n", 1)
        .replace("## Next Steps\n", "## Next Steps\n- my precious note\n");
    fs::write(&side, &broken).unwrap();
    let before = env.count(&repo);
    let out = hook(
        &env,
        &repo,
        "pre-compact",
        &event(
            &repo,
            "c1",
            serde_json::json!({"hook_event_name": "PreCompact", "trigger": "auto", "custom_instructions": ""}),
        ),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let expected =
        format!("warning: not saving your edit until it parses: .sessions/active/{side_name}:");
    assert!(
        err.lines().any(|l| l.starts_with(&expected)),
        "no {expected:?} on stderr: {err}"
    );
    let digest = String::from_utf8_lossy(&out.stdout);
    assert!(
        digest.starts_with(&format!("git-session {expected}"))
            && digest.contains("Lexer half done"),
        "{digest}"
    );
    assert_eq!(
        env.count(&repo),
        before + 1,
        "the compaction is still saved"
    );
    assert_eq!(
        env.git(
            &repo,
            &["show", &format!("refs/sessions:active/{side_name}")]
        ),
        good,
        "the edit that does not parse is not committed"
    );
    assert_eq!(fs::read_to_string(&side).unwrap(), broken, "and not lost");
    // Another worktree changes that session under the broken copy: the next SessionStart both
    // warns on stderr and tells the agent, within the context cap.
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    env.gs(&wt, &["log", "-s", "side", "--discovery", "from wt"]);
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(
            &repo,
            "c1",
            serde_json::json!({"hook_event_name": "SessionStart", "source": "compact"}),
        ),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let expected = format!(
        "warning: .sessions/active/{side_name}: changed elsewhere too, but your copy does not parse"
    );
    assert!(
        err.lines().any(|l| l.starts_with(&expected)),
        "no {expected:?} on stderr: {err}"
    );
    let ctx = context_of(&out);
    assert!(
        ctx.starts_with(&format!("git-session {expected}"))
            && ctx.contains("Current step (1 of 2): lexer"),
        "{ctx}"
    );
    assert!(ctx.chars().count() <= 8_000);
    assert_eq!(fs::read_to_string(&side).unwrap(), broken);
}

#[test]
fn a_hook_whose_stdin_never_closes_gives_up_within_its_budget() {
    let env = Env::new();
    let repo = setup(&env);
    let (out, took) = env.run_with_stdin_open(&repo, &["hook", "session-start"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(took < Duration::from_secs(13), "{took:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gave up"));
}

/// The ordinary-prompt path (`hook user-prompt-submit`, parsed without clap) keeps the same
/// deadline as every other hook: a client that never closes stdin gets one line and exit 1.
#[test]
fn the_prompt_hook_whose_stdin_never_closes_gives_up_with_one_line() {
    let env = Env::new();
    let repo = setup(&env);
    let (out, took) = env.run_with_stdin_open(&repo, &["hook", "user-prompt-submit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(took < Duration::from_secs(13), "{took:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "git-session: hook gave up after 10 s; nothing was lost\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn uninstall_leaves_a_users_own_group_with_our_command_alone() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".claude")).unwrap();
    let mine = "{\n  \"hooks\": {\n    \"SessionStart\": [\n      {\n        \"matcher\": \"compact\",\n        \"hooks\": [\n          {\n            \"type\": \"command\",\n            \"command\": \"git session hook session-start\"\n          }\n        ]\n      }\n    ]\n  }\n}\n";
    fs::write(repo.join(".claude/settings.json"), mine).unwrap();
    env.gs(&repo, &["install"]);
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo.join(".claude/settings.json")).unwrap())
            .unwrap();
    assert_eq!(
        v["hooks"]["SessionStart"].as_array().unwrap().len(),
        2,
        "ours is added beside the user's"
    );
    env.gs(&repo, &["install", "--uninstall"]);
    assert_eq!(
        fs::read_to_string(repo.join(".claude/settings.json")).unwrap(),
        mine
    );
}

#[cfg(unix)]
#[test]
fn install_writes_through_a_symlinked_settings_file_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let repo = env.repo("r");
    let dotfiles = env.path("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    fs::create_dir_all(env.home().join(".claude")).unwrap();
    let real = dotfiles.join("settings.json");
    fs::write(&real, "{\n  \"model\": \"opus\"\n}\n").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&real, env.home().join(".claude/settings.json")).unwrap();
    env.gs(&repo, &["install", "--global"]);
    let link = env.home().join(".claude/settings.json");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .contains(&installed_command("pre-compact"))
    );
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn doctor_json_is_json() {
    let env = Env::new();
    let repo = setup(&env);
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["doctor", "--json"])).unwrap();
    assert_eq!(v["ok"], true);
    fs::remove_file(env.active_file(&repo)).unwrap();
    let out = env.run(&repo, &["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let problems: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing from the mirror")),
        "{problems:?}"
    );
}

// Issue 15: what the real Claude Code client does (see docs/hooks.md).

/// The journal session a Claude session's next PreCompact commits to (`compact(<name>): …`).
fn compacted_session(env: &Env, repo: &Path, claude: &str, n: usize) -> String {
    let pre = event(
        repo,
        claude,
        serde_json::json!({"trigger": "auto", "prompt_id": format!("p{n}")}),
    );
    let out = hook(env, repo, "pre-compact", &pre);
    assert!(out.status.success(), "{out:?}");
    let subject = env.git(repo, &["log", "-1", "--format=%s", "refs/sessions"]);
    subject
        .strip_prefix("compact(")
        .and_then(|s| s.split_once(')'))
        .map(|(name, _)| name.to_string())
        .unwrap_or(subject)
}

#[test]
fn plugin_mode_binds_on_the_namespaced_session_init_command() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "first", "--goal", "F"]);
    // The Claude session starts on `first`…
    hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "c1", serde_json::json!({"source": "startup"})),
    );
    // …then types the plugin's command; a client that does not export CLAUDE_CODE_SESSION_ID
    // to the command relies on the hook's note.
    let out = hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(
            &repo,
            "c1",
            serde_json::json!({"prompt": "/git-session:session-init --name second --goal S"}),
        ),
    );
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    env.gs(&repo, &["init", "--name", "second", "--goal", "S"]);
    assert_eq!(compacted_session(&env, &repo, "c1", 1), "second");
    let out = hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(&repo, "c1", serde_json::json!({"prompt": "continue"})),
    );
    assert!(context_of(&out).contains("session second"));
    // Every namespaced command is ours: none of them is mistaken for a prompt.
    for prompt in [
        "/git-session:session-log --progress \"continue\"",
        "/git-session:session-view",
        "/session-resume",
    ] {
        let out = hook(
            &env,
            &repo,
            "user-prompt-submit",
            &event(&repo, "c1", serde_json::json!({"prompt": prompt})),
        );
        assert!(out.status.success() && out.stdout.is_empty(), "{prompt}");
    }
}

#[test]
fn plugin_hooks_name_the_namespaced_commands_in_everything_they_write() {
    let env = Env::new();
    let repo = setup(&env);
    let plugin = [("CLAUDE_PLUGIN_ROOT", "/opt/plugins/git-session")];
    let start = event(&repo, "c1", serde_json::json!({"source": "startup"}));
    let ctx = context_of(&hook_with(&env, &repo, "session-start", &start, &plugin));
    assert!(ctx.contains("Run /git-session:session-resume"), "{ctx}");
    assert!(!ctx.contains(" /session-"), "{ctx}");
    let pre = event(&repo, "c1", serde_json::json!({"trigger": "manual"}));
    let out = hook_with(&env, &repo, "pre-compact", &pre, &plugin);
    let guidance = String::from_utf8_lossy(&out.stdout);
    assert!(
        guidance.contains("/git-session:session-resume"),
        "{guidance}"
    );
    assert!(!guidance.contains(" /session-"), "{guidance}");
    // A worktree with no current session lists the sessions with the plugin's command.
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    let start = event(&wt, "c2", serde_json::json!({"source": "startup"}));
    let ctx = context_of(&hook_with(&env, &wt, "session-start", &start, &plugin));
    assert!(
        ctx.contains("run /git-session:session-resume <name>"),
        "{ctx}"
    );
    // Installed in settings, the plain names.
    let start = event(&repo, "c3", serde_json::json!({"source": "startup"}));
    let ctx = context_of(&hook(&env, &repo, "session-start", &start));
    assert!(ctx.contains("Run /session-resume"), "{ctx}");
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

#[test]
fn the_context_cap_counts_utf16_units_so_emoji_heavy_notes_stay_inline() {
    let env = Env::new();
    let repo = setup(&env);
    // Each note is mostly characters outside the BMP: 2 UTF-16 units each.
    for i in 0..40 {
        let note = format!("note {i} {}", "🚀🧪✅🐛".repeat(40));
        env.gs(&repo, &["log", "--discovery", &note]);
        env.gs(&repo, &["log", "--progress", &note]);
    }
    // "continue" first: right after SessionStart(compact) it would inject nothing (the
    // restoration is already in that request).
    for (kind, extra) in [
        (
            "user-prompt-submit",
            serde_json::json!({"prompt": "continue"}),
        ),
        ("session-start", serde_json::json!({"source": "compact"})),
        ("session-start", serde_json::json!({"source": "startup"})),
    ] {
        let out = hook(&env, &repo, kind, &event(&repo, "c1", extra.clone()));
        let ctx = context_of(&out);
        assert!(
            utf16(&ctx) <= 8_000,
            "{kind} {extra}: {} UTF-16 units ({} chars)",
            utf16(&ctx),
            ctx.chars().count()
        );
        assert!(ctx.contains("lexer"), "{ctx}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(utf16(v["systemMessage"].as_str().unwrap()) <= 200);
    }
    let out = hook(
        &env,
        &repo,
        "pre-compact",
        &event(&repo, "c1", serde_json::json!({"trigger": "auto"})),
    );
    assert!(utf16(&String::from_utf8_lossy(&out.stdout)) <= 10_000);
}

#[test]
fn two_claude_sessions_typing_session_init_together_each_get_their_own_binding() {
    let env = Env::new();
    let repo = env.repo("r");
    // Both prompts pass through their hooks before either command runs.
    for (claude, name) in [("claude-X", "xray"), ("claude-Y", "yankee")] {
        let prompt = format!("/session-init --name {name} --goal {name}");
        let out = hook_with(
            &env,
            &repo,
            "user-prompt-submit",
            &event(&repo, claude, serde_json::json!({"prompt": prompt})),
            &[("CLAUDE_CODE_SESSION_ID", claude)],
        );
        assert!(out.status.success() && out.stdout.is_empty());
    }
    // Each `!` line runs with its own Claude session in the environment.
    for (claude, name) in [("claude-X", "xray"), ("claude-Y", "yankee")] {
        let out = env
            .cmd(&repo)
            .env("CLAUDE_CODE_SESSION_ID", claude)
            .args(["init", "--name", name, "--goal", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert!(compacted_session(&env, &repo, "claude-X", 1) == "xray");
    assert!(compacted_session(&env, &repo, "claude-Y", 2) == "yankee");
    // `resume` run by the agent rebinds its own Claude session only.
    let out = env
        .cmd(&repo)
        .env("CLAUDE_CODE_SESSION_ID", "claude-Y")
        .args(["resume", "xray"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(compacted_session(&env, &repo, "claude-Y", 3) == "xray");
    assert!(compacted_session(&env, &repo, "claude-X", 4) == "xray");
    // Without the variable and with two prompts pending, nobody is bound to the wrong session.
    for claude in ["claude-P", "claude-Q"] {
        hook(
            &env,
            &repo,
            "user-prompt-submit",
            &event(
                &repo,
                claude,
                serde_json::json!({"prompt": "/session-init --name p"}),
            ),
        );
    }
    env.gs(&repo, &["init", "--name", "papa", "--goal", "P"]);
    assert!(!repo.join(".git/git-session/claude/claude-P").exists());
    assert!(!repo.join(".git/git-session/claude/claude-Q").exists());
}

#[test]
fn a_lone_utf16_surrogate_in_any_field_is_accepted() {
    let env = Env::new();
    let repo = setup(&env);
    let cwd = repo.to_str().unwrap();
    // What JSON.stringify writes for a string holding half an emoji.
    let prompt = format!(r#"{{"session_id":"c1","cwd":"{cwd}","prompt":"continue \ud83d"}}"#);
    let out = hook(&env, &repo, "user-prompt-submit", &prompt);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    // A lone surrogate that is not a continuation: accepted and silent.
    let other = format!(
        r#"{{"session_id":"c1","cwd":"{cwd}","prompt":"fix \udc00 \ud83d\u0041 \\ud83d"}}"#
    );
    let out = hook(&env, &repo, "user-prompt-submit", &other);
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{out:?}"
    );
    for (kind, body) in [
        (
            "session-start",
            r#""source":"startup","transcript_path":"/t/\ud83d.jsonl""#,
        ),
        (
            "pre-compact",
            r#""trigger":"manual","custom_instructions":"keep \udfff""#,
        ),
        (
            "post-compact",
            r#""trigger":"manual","compact_summary":"cut \ud83d""#,
        ),
        ("stop", r#""last_assistant_message":"done \ud83d""#),
    ] {
        let input = format!(r#"{{"session_id":"c1","cwd":"{cwd}",{body}}}"#);
        let out = hook(&env, &repo, kind, &input);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A summary that lost half an emoji is journaled with the replacement character.
    let entries = env.git(&repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let last = entries
        .lines()
        .rfind(|l| l.contains("-compaction-"))
        .unwrap();
    assert!(
        env.git(&repo, &["show", &format!("refs/sessions:{last}")])
            .contains("cut \u{fffd}")
    );
}

#[test]
fn pre_compact_writes_short_guidance_for_the_summary_not_a_file_dump() {
    let env = Env::new();
    let repo = setup(&env);
    env.gs(
        &repo,
        &[
            "log",
            "--context",
            "the grammar is LL(1) except for if/else",
        ],
    );
    let out = hook(
        &env,
        &repo,
        "pre-compact",
        &event(
            &repo,
            "c1",
            serde_json::json!({"trigger": "manual", "custom_instructions": null}),
        ),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.starts_with("---"), "no YAML frontmatter: {text}");
    assert!(!text.contains("\nid: "), "{text}");
    for needle in [
        "\"hooked\"",
        "Ship the parser",
        "Current step (1 of 2): lexer",
        "grammar ambiguity in if/else",
        "the grammar is LL(1) except for if/else",
        "/session-resume",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let words = text.split_whitespace().count();
    assert!(words <= 400, "{words} words:\n{text}");
}

#[test]
fn the_user_sees_one_line_at_startup_after_a_compaction_and_on_continue() {
    let env = Env::new();
    let repo = setup(&env);
    let notice = |out: &std::process::Output| -> String {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let n = v["systemMessage"]
            .as_str()
            .expect("a systemMessage")
            .to_string();
        assert!(!n.contains('\n'), "{n}");
        n
    };
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "c1", serde_json::json!({"source": "startup"})),
    );
    assert_eq!(
        notice(&out),
        "git-session: active session hooked (step 1 of 2: lexer)"
    );
    compaction(&env, &repo, "c1", 1);
    let out = hook(
        &env,
        &repo,
        "session-start",
        &event(&repo, "c1", serde_json::json!({"source": "compact"})),
    );
    assert_eq!(
        notice(&out),
        "git-session: session hooked restored after compaction #1"
    );
    // The turn ends; a later "continue" restores (and says so).
    hook(
        &env,
        &repo,
        "stop",
        &event(&repo, "c1", serde_json::json!({"hook_event_name": "Stop"})),
    );
    let out = hook(
        &env,
        &repo,
        "user-prompt-submit",
        &event(&repo, "c1", serde_json::json!({"prompt": "continue"})),
    );
    assert!(notice(&out).starts_with("git-session: restored session hooked"));
    // The model's context is still there.
    assert!(context_of(&out).contains("Current step (1 of 2): lexer"));
}

#[test]
fn fork_and_vs_code_copilot_payloads_are_handled() {
    let env = Env::new();
    let repo = setup(&env);
    // VS Code's Copilot agent: camelCase names, SessionStart "new" on the first prompt.
    let out = env
        .cmd(&repo)
        .env("CLAUDE_CODE_SESSION_ID", "vs-1")
        .args(["resume", "hooked"])
        .output()
        .unwrap();
    assert!(out.status.success());
    env.gs(&repo, &["init", "--name", "other", "--goal", "O"]);
    let cwd = repo.to_str().unwrap();
    let copilot = format!(
        r#"{{"sessionId":"vs-1","hookEventName":"SessionStart","source":"new","cwd":"{cwd}","timestamp":"2026-01-01T00:00:00Z"}}"#
    );
    let ctx = context_of(&hook(&env, &repo, "session-start", &copilot));
    assert!(ctx.contains("journal session hooked"), "{ctx}");
    // Its Stop is the end of the session: unsaved hand edits are saved then.
    let path = repo.join(".sessions/active").join(
        fs::read_dir(repo.join(".sessions/active"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .find(|n| n.starts_with("hooked-"))
            .unwrap(),
    );
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replace("## Next Steps\n", "## Next Steps\n- typed in VS Code\n");
    fs::write(&path, &edited).unwrap();
    let before = env.count(&repo);
    let stop = format!(r#"{{"sessionId":"vs-1","hookEventName":"Stop","cwd":"{cwd}"}}"#);
    let out = hook(&env, &repo, "stop", &stop);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env.count(&repo), before + 1);
    // A forked Claude session gets the short digest, like a resumed one.
    let fork = event(&repo, "forked", serde_json::json!({"source": "fork"}));
    let ctx = context_of(&hook(&env, &repo, "session-start", &fork));
    assert!(ctx.contains("is in progress"), "{ctx}");
}

#[cfg(unix)]
#[test]
fn session_end_gives_up_on_a_held_lock_within_claude_codes_budget() {
    let env = Env::new();
    let repo = setup(&env);
    let path = env.active_file(&repo);
    let edited = fs::read_to_string(&path).unwrap() + "\n";
    fs::write(&path, edited).unwrap();
    let lock = repo.join(".git/git-session/lock");
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["sleep", "10"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let out = hook(
        &env,
        &repo,
        "session-end",
        &event(&repo, "c1", serde_json::json!({"reason": "other"})),
    );
    let took = started.elapsed();
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(took < Duration::from_millis(1_500), "{took:?}");
    assert_ne!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn installed_hooks_run_the_binary_by_its_absolute_path_and_doctor_finds_one_that_is_gone() {
    use std::io::Write;
    let env = Env::new();
    let repo = setup(&env);
    // A binary installed where the path needs quoting.
    let dir = env.path("my bin's dir");
    fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("git-session");
    fs::copy(env!("CARGO_BIN_EXE_git-session"), &exe).unwrap();
    // Settings from before: `git session hook …`, left to PATH.
    fs::create_dir_all(repo.join(".claude")).unwrap();
    fs::write(
        repo.join(".claude/settings.json"),
        r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"git session hook stop","timeout":10}]}]}}"#,
    )
    .unwrap();
    let out = env.run(&repo, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "settings.json: the Stop hooks run `git session hook stop`, which depends on the PATH"
        ),
        "{text}"
    );
    let out = env.std_cmd_of(&exe, &repo).arg("install").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let settings: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo.join(".claude/settings.json")).unwrap())
            .unwrap();
    let quoted = format!(
        "'{}/my bin'\\''s dir/git-session'",
        fs::canonicalize(env.path(".")).unwrap().display()
    );
    assert_eq!(
        settings["hooks"]["Stop"].as_array().unwrap().len(),
        1,
        "the old entry is updated in place: {settings}"
    );
    assert_eq!(
        settings["hooks"]["Stop"][0]["hooks"][0]["command"],
        format!("{quoted} hook stop")
    );
    // Claude Code runs the command with a shell and a desktop launcher's PATH.
    let command = settings["hooks"]["SessionStart"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap();
    let mut child = env
        .std_cmd_of(Path::new("/bin/sh"), &repo)
        .args(["-c", command])
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(event(&repo, "c1", serde_json::json!({"source": "startup"})).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        context_of(&out).contains("journal session hooked"),
        "{out:?}"
    );
    let out = env.run(&repo, &["doctor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The binary moves away: doctor names the file and the binary it cannot find.
    fs::remove_file(&exe).unwrap();
    let out = env.run(&repo, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("hooks run ")
            && text.contains("my bin's dir/git-session, which cannot be found"),
        "{text}"
    );
    // Re-running install (from where it lives now) points the hooks at it again.
    env.gs(&repo, &["install"]);
    let out = env.run(&repo, &["doctor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn installed_twice_each_event_acts_once_and_install_and_doctor_say_so() {
    let env = Env::new();
    let repo = setup(&env);
    let before = env.count(&repo);
    // The same PreCompact, run at once from settings and from the plugin.
    let input = event(
        &repo,
        "c1",
        serde_json::json!({"trigger": "auto", "prompt_id": "p1"}),
    );
    let spawn = |plugin: bool| {
        let mut cmd = env.std_cmd(&repo);
        if plugin {
            cmd.env("CLAUDE_PLUGIN_ROOT", "/opt/plugins/git-session");
        }
        let mut child = cmd
            .args(["hook", "pre-compact"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child
    };
    let (a, b) = (spawn(false), spawn(true));
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    assert!(outs.iter().all(|o| o.status.success()), "{outs:?}");
    assert_eq!(
        outs.iter().filter(|o| !o.stdout.is_empty()).count(),
        1,
        "one guidance for the summariser"
    );
    assert_eq!(env.count(&repo), before + 1, "one commit");
    // The same for continuation context: injected once.
    let prompt = event(
        &repo,
        "c1",
        serde_json::json!({"prompt": "continue", "prompt_id": "p2"}),
    );
    let first = hook(&env, &repo, "user-prompt-submit", &prompt);
    let second = hook_with(
        &env,
        &repo,
        "user-prompt-submit",
        &prompt,
        &[("CLAUDE_PLUGIN_ROOT", "/opt/plugins/git-session")],
    );
    assert!(!first.stdout.is_empty() && second.stdout.is_empty());
    let out = env.run(&repo, &["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ran twice for one event"), "{text}");
    // The plugin enabled for the user, and install in the project: install warns, doctor too.
    fs::create_dir_all(env.home().join(".claude")).unwrap();
    fs::write(
        env.home().join(".claude/settings.json"),
        r#"{"enabledPlugins":{"git-session@git-session":true}}"#,
    )
    .unwrap();
    let out = env.run(&repo, &["install"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert!(err.contains("the git-session plugin is enabled"), "{err}");
    let out = env.run(&repo, &["doctor"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("the git-session plugin is enabled"));
}

#[test]
fn the_marketplace_lists_the_plugin_and_every_command_is_also_a_skill() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let market: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join(".claude-plugin/marketplace.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(market["name"], "git-session");
    assert!(
        market["owner"]["name"].is_string(),
        "owner is an object with a name"
    );
    assert_eq!(market["plugins"][0]["name"], "git-session");
    assert_eq!(market["plugins"][0]["source"], "./hooks");
    let plugin = root.join("hooks");
    for (name, command) in files_in(&plugin.join("commands")) {
        let skill = name.trim_end_matches(".md");
        let text = fs::read_to_string(plugin.join(format!("skills/{skill}/SKILL.md"))).unwrap();
        let command = String::from_utf8(command).unwrap();
        let body = |t: &str| t.splitn(3, "---\n").nth(2).unwrap().to_string();
        // The same prompt, naming the commands as the plugin does.
        assert_eq!(
            body(&text),
            body(&command).replace(" /session-", " /git-session:session-"),
            "{skill}"
        );
        assert!(text.starts_with(&format!("---\nname: {skill}\n")), "{text}");
        for line in command.lines().skip(1).take_while(|l| *l != "---") {
            assert!(text.contains(line), "{skill}: {line}");
        }
    }
}

#[cfg(unix)]
#[test]
fn the_plugin_wrapper_finds_the_binary_without_path_and_says_so_once_when_it_cannot() {
    let env = Env::new();
    let repo = setup(&env);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/bin/git-session-hook");
    // Each run its own Claude session: the same event twice would be a doubled hook.
    let runs = std::cell::Cell::new(0);
    let run = |kind: &str, vars: &[(&str, &str)]| {
        runs.set(runs.get() + 1);
        let mut cmd = env.std_cmd_of(Path::new("/bin/sh"), &repo);
        cmd.arg(&script)
            .arg(kind)
            .env("PATH", "/usr/bin:/bin")
            .env_remove("CARGO_HOME")
            .env_remove("GIT_SESSION_BIN");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let input = event(
            &repo,
            &format!("c{}", runs.get()),
            serde_json::json!({"source": "startup", "prompt": "x"}),
        );
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // In ~/.cargo/bin, not on PATH.
    let cargo_bin = env.home().join(".cargo/bin");
    fs::create_dir_all(&cargo_bin).unwrap();
    fs::copy(
        env!("CARGO_BIN_EXE_git-session"),
        cargo_bin.join("git-session"),
    )
    .unwrap();
    let out = run("session-start", &[("CLAUDE_PLUGIN_ROOT", "/p")]);
    assert!(
        context_of(&out).contains("Run /git-session:session-resume"),
        "{out:?}"
    );
    // Nowhere: one line at session start, silence on every other event.
    fs::remove_file(cargo_bin.join("git-session")).unwrap();
    let out = run("session-start", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    let out = run("user-prompt-submit", &[]);
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    // GIT_SESSION_BIN names it outright.
    let out = run(
        "session-start",
        &[("GIT_SESSION_BIN", env!("CARGO_BIN_EXE_git-session"))],
    );
    assert!(context_of(&out).contains("journal session hooked"));
}

/// A dead end logged before a compaction comes back right after "Where You Left Off" in the
/// context the SessionStart(compact) hook gives the model, ahead of the session file (which
/// the cap may cut), and in `resume`; a hand-written "## Dead ends" section is read too.
#[test]
fn dead_ends_come_back_right_after_where_you_left_off() {
    let env = Env::new();
    let repo = setup(&env);
    env.gs(
        &repo,
        &[
            "log",
            "--dead-end",
            "Recursive descent for if/else",
            "--why",
            "the dangling else stays ambiguous",
        ],
    );
    let start = event(&repo, "c1", serde_json::json!({"source": "compact"}));
    let out = hook(&env, &repo, "session-start", &start);
    let ctx = context_of(&out);
    let left = ctx.find("## Where You Left Off").expect("left off");
    let dead = ctx
        .find("## Tried and Failed")
        .unwrap_or_else(|| panic!("{ctx}"));
    let file = ctx.find("## Session file").expect("session file");
    assert!(left < dead && dead < file, "{ctx}");
    assert!(
        ctx[dead..file]
            .contains("- Recursive descent for if/else: the dangling else stays ambiguous"),
        "{ctx}"
    );
    let resumed = env.gs(&repo, &["resume", "hooked"]);
    assert!(resumed.contains("## Tried and Failed"), "{resumed}");

    // Written by hand under a heading of its own wording: read all the same.
    let path = env.active_file(&repo);
    let text = fs::read_to_string(&path).unwrap();
    let text = text.replace("## Tried and Failed", "## Dead ends");
    fs::write(&path, text).unwrap();
    let v = view_json(&env, &repo, "hooked");
    assert_eq!(
        v["dead_ends"][0]["text"],
        "Recursive descent for if/else: the dangling else stays ambiguous"
    );
}
