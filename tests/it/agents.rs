//! Other agents than Claude Code: install into the configs people already have, and each
//! client's real hook payloads (tests/data/agents/, captured from Codex CLI 0.171.0 and Gemini
//! CLI 0.61.0, built from Cursor's hooks reference) fed to the real binary, asserting on the
//! output shape each client reads. The real clients themselves run in the e2e suite.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::Env;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/agents");

/// A captured payload, moved into `repo` (its `cwd`, or Cursor's `workspace_roots`), with
/// `changes` applied on top.
fn payload(file: &str, repo: &Path, changes: Value) -> String {
    let text = fs::read_to_string(format!("{DATA}/{file}")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let dir = repo.to_str().unwrap();
    if v.get("cwd").is_some() {
        v["cwd"] = json!(dir);
    }
    if v.get("workspace_roots").is_some() {
        v["workspace_roots"] = json!([dir]);
    }
    for (k, x) in changes.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

fn hook(env: &Env, repo: &Path, agent: &str, kind: &str, stdin: String) -> std::process::Output {
    let out = env
        .cmd(repo)
        .args(["hook", kind, "--agent", agent])
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{agent} {kind}: {out:?}");
    out
}

/// Hook `kind` of `agent` on the captured payload `fixture`, moved into `repo`, with `changes`.
fn fire(
    env: &Env,
    repo: &Path,
    agent: &str,
    kind: &str,
    fixture: &str,
    changes: Value,
) -> std::process::Output {
    hook(env, repo, agent, kind, payload(fixture, repo, changes))
}

/// The `hookSpecificOutput.additionalContext` a hook printed.
fn context(out: &std::process::Output) -> String {
    stdout_json(out)["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_else(|| panic!("no additionalContext: {out:?}"))
        .to_string()
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {out:?}"))
}

fn setup(env: &Env) -> PathBuf {
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init",
            "--name",
            "shop",
            "--goal",
            "Ship the checkout flow",
            "--step",
            "cart",
            "--step",
            "tax",
        ],
    );
    env.gs(
        &repo,
        &[
            "log",
            "--decision",
            "Round tax per line",
            "--rationale",
            "the auditors asked",
        ],
    );
    env.gs(&repo, &["checkpoint", "--summary", "Cart done; tax next"]);
    repo
}

fn view_json(env: &Env, repo: &Path) -> Value {
    serde_json::from_str(&env.gs(repo, &["view", "shop", "--json"])).unwrap()
}

/// The newest entry file's text.
fn newest_entry(repo: &Path) -> String {
    let mut files: Vec<PathBuf> = walk(&repo.join(".sessions"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/entries/"))
        .collect();
    files.sort_by_key(|p| p.file_name().unwrap().to_owned());
    fs::read_to_string(files.last().unwrap()).unwrap()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    files.sort();
    files
}

fn jsonc(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    jsonc_parser::cst::CstRootNode::parse(&text, &Default::default())
        .unwrap()
        .to_serde_value()
        .unwrap()
}

/// Our commands in a config, by the client's event name, sorted.
fn our_events(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (event, entries) in doc["hooks"].as_object().into_iter().flatten() {
        for e in entries.as_array().into_iter().flatten() {
            let handlers: Vec<&Value> = match e.get("hooks").and_then(Value::as_array) {
                Some(h) => h.iter().collect(),
                None => vec![e],
            };
            if handlers.iter().any(|h| {
                h["command"]
                    .as_str()
                    .is_some_and(|c| c.contains("git-session' hook "))
            }) {
                out.push(event.clone());
            }
        }
    }
    out.sort();
    out
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn install_for_each_agent_keeps_the_users_config_byte_for_byte_and_uninstall_gives_it_back() {
    let env = Env::new();
    let repo = env.repo("r");
    // Configs people have: Gemini settings with comments (Gemini accepts
    // them), Cursor hooks of their own, a Codex hooks.json and Claude settings with theirs.
    let existing = [
        (
            ".gemini/settings.json",
            "gemini/existing-settings-user-jsonc.json",
        ),
        (".cursor/hooks.json", "cursor/existing-hooks.json"),
    ];
    for (dest, fixture) in existing {
        let path = repo.join(dest);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::copy(format!("{DATA}/{fixture}"), &path).unwrap();
    }
    fs::create_dir_all(repo.join(".codex")).unwrap();
    fs::write(
        repo.join(".codex/hooks.json"),
        "{\n    \"hooks\": {\n        \"PreToolUse\": [\n            {\n                \"matcher\": \"Bash\",\n                \"hooks\": [{ \"type\": \"command\", \"command\": \"./scripts/guard.sh\" }]\n            }\n        ]\n    }\n}\n",
    )
    .unwrap();
    fs::create_dir_all(repo.join(".claude")).unwrap();
    fs::write(
        repo.join(".claude/settings.json"),
        "{\n  \"permissions\": {\"allow\": [\"Bash(npm test)\"]},\n  \"hooks\": {\n    \"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"say done\"}]}]\n  }\n}\n",
    )
    .unwrap();
    let before: Vec<_> = snapshot(&repo)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(repo.join(".git")))
        .collect();

    env.gs(&repo, &["install", "--agent", "all"]);
    let gemini = jsonc(&repo.join(".gemini/settings.json"));
    assert_eq!(
        our_events(&gemini),
        sorted(&[
            "PreCompress",
            "SessionStart",
            "BeforeAgent",
            "AfterAgent",
            "SessionEnd"
        ])
    );
    // The user's own hooks and settings are all still there.
    let user: Value = jsonc(Path::new(&format!(
        "{DATA}/gemini/existing-settings-user-jsonc.json"
    )));
    for (k, v) in user.as_object().unwrap() {
        if k != "hooks" {
            assert_eq!(&gemini[k], v, "gemini setting {k}");
        }
    }
    let text = fs::read_to_string(repo.join(".gemini/settings.json")).unwrap();
    assert!(text.contains("//"), "the user's comments stay: {text}");
    let cursor = jsonc(&repo.join(".cursor/hooks.json"));
    assert_eq!(cursor["version"], 1);
    assert_eq!(
        our_events(&cursor),
        sorted(&[
            "sessionStart",
            "stop",
            "preCompact",
            "beforeSubmitPrompt",
            "postToolUse",
            "sessionEnd"
        ])
    );
    assert_eq!(
        cursor["hooks"]["sessionStart"][0]["command"],
        "node .cursor/hooks/team-context.js"
    );
    let codex = jsonc(&repo.join(".codex/hooks.json"));
    assert_eq!(
        our_events(&codex),
        sorted(&[
            "PreCompact",
            "PostCompact",
            "SessionStart",
            "UserPromptSubmit",
            "Stop",
            "SessionEnd"
        ])
    );
    assert_eq!(codex["hooks"]["PreToolUse"][0]["matcher"], "Bash");
    // Codex clamps SessionEnd to 3 s; install writes what Codex will use (and trust-hash).
    assert_eq!(codex["hooks"]["SessionEnd"][0]["hooks"][0]["timeout"], 3);
    assert!(repo.join(".codex/skills/session-resume/SKILL.md").is_file());
    assert!(repo.join(".gemini/commands/session-log.toml").is_file());
    assert!(repo.join(".cursor/commands/session-view.md").is_file());

    // Twice changes nothing.
    let once = snapshot(&repo);
    let out = env.gs(&repo, &["install", "--agent", "all"]);
    assert!(out.contains("Nothing to change for Codex CLI"), "{out}");
    assert_eq!(snapshot(&repo), once, "a second install changed bytes");

    env.gs(&repo, &["install", "--agent", "all", "--uninstall"]);
    let after: Vec<_> = snapshot(&repo)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(repo.join(".git")))
        .collect();
    assert_eq!(after, before, "uninstall did not give back every byte");
    assert!(!repo.join(".codex/skills").exists());
    assert!(!repo.join(".gemini/commands").exists());
}

#[test]
fn a_broken_config_of_any_agent_stops_install_before_anything_is_written() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".cursor")).unwrap();
    fs::write(
        repo.join(".cursor/hooks.json"),
        "{\n  \"version\": 1,\n  \"hooks\": {\n    \"stop\": [\n  }\n}\n",
    )
    .unwrap();
    let err = env.fails(&repo, &["install", "--agent", "all"], 1);
    assert!(
        err.contains(".cursor/hooks.json:5: not valid JSON"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for d in [".claude", ".codex", ".gemini"] {
        assert!(
            !repo.join(d).exists(),
            "{d} written before the broken file was found"
        );
    }
    // `hooks` that is not an object: refused too, the file untouched.
    fs::write(
        repo.join(".cursor/hooks.json"),
        "{\"version\": 1, \"hooks\": []}\n",
    )
    .unwrap();
    let err = env.fails(&repo, &["install", "--agent", "cursor"], 1);
    assert!(err.contains("\"hooks\" is not an object"), "{err}");
    assert_eq!(
        fs::read_to_string(repo.join(".cursor/hooks.json")).unwrap(),
        "{\"version\": 1, \"hooks\": []}\n"
    );
}

#[test]
fn install_global_writes_each_agents_user_files() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["install", "--agent", "all", "--global"]);
    let home = env.home();
    for f in [
        ".claude/settings.json",
        ".codex/hooks.json",
        ".codex/skills/session-log/SKILL.md",
        ".gemini/settings.json",
        ".gemini/commands/session-log.toml",
        ".cursor/hooks.json",
        ".cursor/commands/session-log.md",
    ] {
        assert!(home.join(f).is_file(), "{f}");
    }
    assert!(!repo.join(".codex").exists());
    env.gs(
        &repo,
        &["install", "--agent", "all", "--global", "--uninstall"],
    );
    for d in [".claude", ".codex", ".gemini", ".cursor"] {
        assert!(!home.join(d).exists(), "{d} left behind");
    }
}

#[test]
fn codex_trust_is_recorded_for_exactly_our_hooks_and_doctor_says_when_it_is_missing() {
    let env = Env::new();
    let repo = setup(&env);
    let codex_home = env.home().join(".codex");
    fs::create_dir_all(&codex_home).unwrap();
    let mine = "# my Codex settings\nmodel = \"gpt-5.4\"\n\n[projects.\"/elsewhere\"]\ntrust_level = \"trusted\"\n";
    fs::write(codex_home.join("config.toml"), mine).unwrap();

    let out = env.run(&repo, &["install", "--agent", "codex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/hooks") && err.contains("--trust"), "{err}");
    let doctor = env.run(&repo, &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(said.contains("Codex skips these hooks silently"), "{said}");
    assert!(said.contains("SessionStart (never trusted)"), "{said}");
    assert!(said.contains("until you trust the project"), "{said}");

    env.gs(&repo, &["install", "--agent", "codex", "--trust"]);
    let config = fs::read_to_string(codex_home.join("config.toml")).unwrap();
    assert!(
        config.starts_with(mine),
        "the user's lines stay as they were:\n{config}"
    );
    let top = fs::canonicalize(&repo).unwrap();
    assert!(
        config.contains(&format!(
            "[projects.\"{}\"]\ntrust_level = \"trusted\"",
            top.display()
        )),
        "{config}"
    );
    let hooks_json = top.join(".codex/hooks.json");
    for event in [
        "pre_compact",
        "post_compact",
        "session_start",
        "user_prompt_submit",
        "stop",
        "session_end",
    ] {
        let key = format!(
            "[hooks.state.\"{}:{event}:0:0\"]\ntrusted_hash = \"sha256:",
            hooks_json.display()
        );
        assert!(config.contains(&key), "{event}:\n{config}");
    }
    let doctor = env.run(&repo, &["doctor"]);
    assert_eq!(doctor.status.code(), Some(0), "{doctor:?}");

    // A moved binary changes the command, so Codex no longer trusts the hook: doctor says so.
    let text = fs::read_to_string(&hooks_json).unwrap();
    fs::write(&hooks_json, text.replacen("' hook stop", "' hook  stop", 1)).unwrap();
    let said = String::from_utf8_lossy(&env.run(&repo, &["doctor"]).stdout).into_owned();
    assert!(said.contains("Stop (changed since trusted)"), "{said}");
    fs::write(&hooks_json, text).unwrap();

    // Uninstall takes back the hooks' trust it recorded; the project's stays (it may be the
    // user's own).
    env.gs(&repo, &["install", "--agent", "codex", "--uninstall"]);
    let config = fs::read_to_string(codex_home.join("config.toml")).unwrap();
    assert!(!config.contains("trusted_hash"), "{config}");
    assert!(config.starts_with(mine), "{config}");
}

#[test]
fn codex_payloads_restore_after_compaction_and_entries_say_codex_wrote_them() {
    let env = Env::new();
    let repo = setup(&env);
    let thread = "01a22912-643d-74a3-97ce-2e41672fb2f2";
    let start = fire(
        &env,
        &repo,
        "codex",
        "session-start",
        "codex/SessionStart-startup.json",
        json!({}),
    );
    let v = stdout_json(&start);
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "SessionStart");
    assert!(
        v["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap()
            .contains("shop")
    );
    // Codex shows systemMessage as a warning of the hook run: none is sent.
    assert!(v.get("systemMessage").is_none(), "{v}");

    let count = env.count(&repo);
    // PreCompact's output reaches no Codex request, and plain text is not Codex's JSON.
    let pre = fire(
        &env,
        &repo,
        "codex",
        "pre-compact",
        "codex/PreCompact.json",
        json!({}),
    );
    assert!(pre.stdout.is_empty(), "{pre:?}");
    fire(
        &env,
        &repo,
        "codex",
        "post-compact",
        "codex/PostCompact.json",
        json!({}),
    );
    let restored = fire(
        &env,
        &repo,
        "codex",
        "session-start",
        "codex/SessionStart-compact.json",
        json!({}),
    );
    let ctx = context(&restored);
    assert!(
        ctx.contains("your context was just compacted") && ctx.contains("Round tax per line"),
        "{ctx}"
    );
    assert_eq!(env.count(&repo), count + 2, "a checkpoint and the count");
    let view = view_json(&env, &repo);
    assert_eq!(view["compaction_count"], 1);
    let entry = newest_entry(&repo);
    assert!(entry.contains("\nagent: codex\n"), "{entry}");
    assert!(
        entry.contains(&format!("\nagent_session: {thread}\n")),
        "{entry}"
    );
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    assert!(
        file.contains(&format!("codex_session_ids: [{thread}]")),
        "{file}"
    );
    // Codex gives no summary: the entry says so by saying nothing of one.
    assert!(!entry.contains("summary:\n"), "{entry}");
}

#[test]
fn codex_context_stays_within_its_byte_cap() {
    let env = Env::new();
    let repo = setup(&env);
    // Non-ASCII text: within our UTF-16 budget, but three bytes a character.
    let wide = "税".repeat(3000);
    env.gs(&repo, &["log", "--context", &wide]);
    env.gs(&repo, &["log", "--discovery", &wide]);
    fire(
        &env,
        &repo,
        "codex",
        "pre-compact",
        "codex/PreCompact.json",
        json!({}),
    );
    let out = fire(
        &env,
        &repo,
        "codex",
        "session-start",
        "codex/SessionStart-compact.json",
        json!({}),
    );
    let ctx = context(&out);
    // Codex truncates beyond 2,500 tokens of ⌈bytes / 4⌉ (output_spill.rs).
    assert!(ctx.len() <= 10_000, "{} bytes", ctx.len());
    assert!(
        ctx.contains("Ship the checkout flow"),
        "the most important part comes first"
    );
}

#[test]
fn gemini_restores_at_the_first_prompt_after_a_compression_once_and_ignores_its_every_turn_precompress()
 {
    let env = Env::new();
    let repo = setup(&env);
    let start = fire(
        &env,
        &repo,
        "gemini",
        "session-start",
        "gemini/SessionStart.json",
        json!({}),
    );
    let v = stdout_json(&start);
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "SessionStart");
    assert!(
        v["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap()
            .contains("shop")
    );

    // PreCompress(auto) comes before every turn, compressing or not: nothing is written.
    let count = env.count(&repo);
    let pre = fire(
        &env,
        &repo,
        "gemini",
        "pre-compact",
        "gemini/PreCompress.json",
        json!({}),
    );
    assert!(pre.stdout.is_empty(), "{pre:?}");
    assert_eq!(env.count(&repo), count, "PreCompress(auto) committed");
    let ordinary = fire(
        &env,
        &repo,
        "gemini",
        "user-prompt-submit",
        "gemini/BeforeAgent.json",
        json!({"prompt": "add a test for rounding"}),
    );
    assert!(ordinary.stdout.is_empty(), "{ordinary:?}");

    // /compress: the checkpoint now, the restoration at the next prompt, whatever it says.
    let manual = fire(
        &env,
        &repo,
        "gemini",
        "pre-compact",
        "gemini/PreCompress-manual.json",
        json!({}),
    );
    assert!(
        manual.stdout.is_empty(),
        "Gemini reads JSON only: {manual:?}"
    );
    assert_eq!(env.count(&repo), count + 1);
    let next = fire(
        &env,
        &repo,
        "gemini",
        "user-prompt-submit",
        "gemini/BeforeAgent.json",
        json!({"prompt": "add a test for rounding"}),
    );
    let v = stdout_json(&next);
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "BeforeAgent");
    let ctx = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(
        ctx.contains("your context was just compacted") && ctx.contains("Round tax per line"),
        "{ctx}"
    );
    assert_eq!(view_json(&env, &repo)["compaction_count"], 1);
    assert!(newest_entry(&repo).contains("\nagent: gemini\n"));
    let again = fire(
        &env,
        &repo,
        "gemini",
        "user-prompt-submit",
        "gemini/BeforeAgent.json",
        json!({"prompt": "and another"}),
    );
    assert!(again.stdout.is_empty(), "restored twice: {again:?}");
}

#[test]
fn gemini_continue_is_found_behind_the_context_gemini_puts_in_front_of_the_prompt() {
    let env = Env::new();
    let repo = setup(&env);
    // In -p mode Gemini prepends SessionStart's context to the prompt BeforeAgent sees.
    let out = fire(
        &env,
        &repo,
        "gemini",
        "user-prompt-submit",
        "gemini/BeforeAgent-after-session-start-context.json",
        json!({}),
    );
    let ctx = context(&out);
    assert!(ctx.contains("the user asked to continue"), "{ctx}");
}

#[test]
fn cursor_restores_at_the_next_tool_call_after_precompact_or_a_continue_once() {
    let env = Env::new();
    let repo = setup(&env);
    let start = fire(
        &env,
        &repo,
        "cursor",
        "session-start",
        "cursor/sessionStart.json",
        json!({}),
    );
    let v = stdout_json(&start);
    assert!(v.get("hookSpecificOutput").is_none(), "{v}");
    assert!(
        v["additional_context"].as_str().unwrap().contains("shop"),
        "{v}"
    );

    let tool = |env: &Env| {
        hook(
            env,
            &repo,
            "cursor",
            "post-tool-use",
            payload(
                "cursor/preCompact.json",
                &repo,
                json!({
                    "hook_event_name": "postToolUse", "tool_name": "Shell",
                    "tool_input": {"command": "npm test"}, "tool_output": "ok"
                }),
            ),
        )
    };
    // Nothing due: a tool call is silent and writes nothing.
    let count = env.count(&repo);
    assert!(tool(&env).stdout.is_empty());
    // preCompact only observes; the next tool call restores and counts.
    let pre = fire(
        &env,
        &repo,
        "cursor",
        "pre-compact",
        "cursor/preCompact.json",
        json!({}),
    );
    assert!(pre.stdout.is_empty(), "{pre:?}");
    let after = tool(&env);
    let ctx = stdout_json(&after)["additional_context"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ctx.contains("your context was just compacted"), "{ctx}");
    assert_eq!(view_json(&env, &repo)["compaction_count"], 1);
    assert_eq!(env.count(&repo), count + 2);
    assert!(tool(&env).stdout.is_empty(), "restored twice");

    // beforeSubmitPrompt cannot add context: a "continue" there is restored at the next tool call.
    let prompt = fire(
        &env,
        &repo,
        "cursor",
        "user-prompt-submit",
        "cursor/beforeSubmitPrompt.json",
        json!({"prompt": "continue"}),
    );
    assert!(prompt.stdout.is_empty(), "{prompt:?}");
    let ctx = stdout_json(&tool(&env))["additional_context"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ctx.contains("the user asked to continue"), "{ctx}");
    assert!(tool(&env).stdout.is_empty());
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    assert!(
        file.contains("cursor_session_ids: [8f2c1d7e-5b4a-4e39-9c61-2a7f0e3b9d44]"),
        "{file}"
    );
}

#[test]
fn a_client_that_gives_commands_no_id_binds_through_the_note_its_prompt_hook_left() {
    let env = Env::new();
    let repo = setup(&env);
    // Cursor gives the agent's commands no conversation id: `/session-resume` at the prompt
    // leaves a note, and the command run right after takes it.
    let conversation = "8f2c1d7e-5b4a-4e39-9c61-2a7f0e3b9d44";
    let out = fire(
        &env,
        &repo,
        "cursor",
        "user-prompt-submit",
        "cursor/beforeSubmitPrompt-command.json",
        json!({"prompt": "/session-resume shop"}),
    );
    assert!(out.stdout.is_empty());
    env.gs(&repo, &["resume", "shop"]);
    let resumed = newest_entry(&repo);
    assert!(
        resumed.contains("\nagent: cursor\n") && resumed.contains(conversation),
        "{resumed}"
    );
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    assert!(
        file.contains(&format!("cursor_session_ids: [{conversation}]")),
        "{file}"
    );
}

#[test]
fn a_session_begun_in_claude_code_is_continued_from_codex_and_each_entry_names_its_agent() {
    let env = Env::new();
    let repo = env.repo("r");
    let claude = "0b9c1e2a-1111-4222-8333-444455556666";
    env.cmd(&repo)
        .env("CLAUDE_CODE_SESSION_ID", claude)
        .args(["init", "--name", "shop", "--goal", "Ship the checkout flow"])
        .assert()
        .success();
    env.cmd(&repo)
        .env("CLAUDE_CODE_SESSION_ID", claude)
        .args(["log", "--progress", "cart wired"])
        .assert()
        .success();
    let from_claude = newest_entry(&repo);
    assert!(
        from_claude.contains("\nagent: claude\n") && from_claude.contains(claude),
        "{from_claude}"
    );

    // In Codex the agent runs `git session resume` (its session-resume skill); Codex gives the
    // command the thread id (CODEX_THREAD_ID, as seen in the e2e suite).
    let thread = "01a22912-643d-74a3-97ce-2e41672fb2f2";
    let out = fire(
        &env,
        &repo,
        "codex",
        "user-prompt-submit",
        "codex/UserPromptSubmit.json",
        json!({"prompt": "$session-resume shop"}),
    );
    assert!(out.stdout.is_empty());
    env.cmd(&repo)
        .env("CODEX_THREAD_ID", thread)
        .env("CODEX_TOOL_CALL_ID", "call_1")
        .args(["resume", "shop"])
        .assert()
        .success();
    let resumed = newest_entry(&repo);
    assert!(
        resumed.contains("\nagent: codex\n") && resumed.contains(thread),
        "{resumed}"
    );
    let file = fs::read_to_string(env.active_file(&repo)).unwrap();
    assert!(
        file.contains(&format!("claude_session_ids: [{claude}]")),
        "{file}"
    );
    assert!(
        file.contains(&format!("codex_session_ids: [{thread}]")),
        "{file}"
    );
    // Codex's hooks now find the session through that binding.
    let ctx = fire(
        &env,
        &repo,
        "codex",
        "user-prompt-submit",
        "codex/UserPromptSubmit-continue.json",
        json!({}),
    );
    let ctx = context(&ctx);
    assert!(ctx.contains("cart wired"), "{ctx}");
}

// What a newcomer's break attempt found (issue 16), each a test.

#[test]
fn codex_hooks_go_where_codex_reads_them_from_a_linked_worktree() {
    let env = Env::new();
    let repo = setup(&env);
    let linked = env.path("linked");
    env.git(&repo, &["worktree", "add", "-q", linked.to_str().unwrap()]);
    let out = env.run(&linked, &["install", "--agent", "codex", "--trust"]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("main worktree"), "{said}");
    // Codex 0.171 reads .codex/ from the main worktree, also when run in the linked one.
    assert!(repo.join(".codex/hooks.json").is_file());
    assert!(!linked.join(".codex").exists());
    let doctor = env.run(&linked, &["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains("hooks: codex"), "{text}");
    assert_eq!(doctor.status.code(), Some(0), "{text}");
}

#[test]
fn trust_keeps_the_users_inline_tables_and_refuses_what_it_cannot_edit() {
    let env = Env::new();
    let repo = setup(&env);
    let codex_home = env.home().join(".codex");
    fs::create_dir_all(&codex_home).unwrap();
    let mine = "projects = { \"/some/other\" = { trust_level = \"trusted\" } }\nhooks = { state = { \"/x/hooks.json:stop:0:0\" = { trusted_hash = \"sha256:00\" } } }\n";
    fs::write(codex_home.join("config.toml"), mine).unwrap();
    env.gs(&repo, &["install", "--agent", "codex", "--trust"]);
    let config = fs::read_to_string(codex_home.join("config.toml")).unwrap();
    assert!(
        config.contains("\"/some/other\" = { trust_level = \"trusted\" }"),
        "{config}"
    );
    assert!(
        config.contains("\"/x/hooks.json:stop:0:0\" = { trusted_hash = \"sha256:00\" }"),
        "{config}"
    );
    assert_eq!(config.matches("trusted_hash").count(), 7, "{config}");
    // `projects` that is not a table: refused, nothing written (not even the hooks).
    let repo2 = env.repo("r2");
    fs::write(codex_home.join("config.toml"), "projects = \"all\"\n").unwrap();
    let err = env.fails(&repo2, &["install", "--agent", "codex", "--trust"], 1);
    assert!(err.contains("\"projects\" is not a table"), "{err}");
    assert!(!repo2.join(".codex").exists());
    // Nor with a config.toml that is not TOML.
    fs::write(codex_home.join("config.toml"), "[projects\n").unwrap();
    let err = env.fails(&repo2, &["install", "--agent", "codex", "--trust"], 1);
    assert!(err.contains("not valid TOML"), "{err}");
    assert!(!repo2.join(".codex").exists());
}

#[test]
fn one_file_that_cannot_be_edited_stops_every_agent_before_anything_is_written() {
    let env = Env::new();
    let repo = env.repo("r");
    fs::create_dir_all(repo.join(".gemini")).unwrap();
    for bad in [
        "{\"hooks\": []}",
        "{\"hooks\": {\"SessionStart\": {}}}",
        "{\"hooks\": {}, \"hooks\": {\"Stop\": []}}",
    ] {
        fs::write(repo.join(".gemini/settings.json"), bad).unwrap();
        let err = env.fails(&repo, &["install", "--agent", "all"], 1);
        assert!(err.contains(".gemini/settings.json"), "{bad}: {err}");
        for d in [".claude", ".codex", ".cursor"] {
            assert!(!repo.join(d).exists(), "{bad}: {d} written");
        }
        assert_eq!(
            fs::read_to_string(repo.join(".gemini/settings.json")).unwrap(),
            bad
        );
    }
}

#[cfg(unix)]
#[test]
fn a_linked_codex_home_is_trusted_under_the_path_codex_uses_and_a_linked_dotfile_survives_uninstall()
 {
    let env = Env::new();
    let repo = setup(&env);
    let dotfiles = env.path("dotfiles/codex");
    fs::create_dir_all(&dotfiles).unwrap();
    std::os::unix::fs::symlink(&dotfiles, env.home().join(".codex")).unwrap();
    env.gs(
        &repo,
        &["install", "--agent", "codex", "--global", "--trust"],
    );
    let config = fs::read_to_string(dotfiles.join("config.toml")).unwrap();
    let key = format!(
        "{}:session_start:0:0",
        env.home().join(".codex/hooks.json").display()
    );
    assert!(
        config.contains(&key),
        "Codex looks the key up under ~/.codex:\n{config}"
    );

    // A settings file that is a link to a dotfile: uninstall leaves the dotfile, emptied.
    let gemini_dot = env.path("dotfiles/gemini.json");
    fs::write(&gemini_dot, "{}\n").unwrap();
    fs::create_dir_all(repo.join(".gemini")).unwrap();
    std::os::unix::fs::symlink(&gemini_dot, repo.join(".gemini/settings.json")).unwrap();
    env.gs(&repo, &["install", "--agent", "gemini"]);
    env.gs(&repo, &["install", "--agent", "gemini", "--uninstall"]);
    assert!(gemini_dot.is_file(), "the dotfile itself was deleted");
    assert!(fs::symlink_metadata(repo.join(".gemini/settings.json")).is_ok());
}

#[test]
fn uninstall_keeps_the_trust_of_a_users_hook_that_its_removal_moves() {
    let env = Env::new();
    let repo = setup(&env);
    env.gs(&repo, &["install", "--agent", "codex", "--trust"]);
    let hooks_json = fs::canonicalize(&repo).unwrap().join(".codex/hooks.json");
    // The user adds a hook of their own after ours and trusts it (as /hooks would record it).
    let text = fs::read_to_string(&hooks_json).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let mine = json!({"hooks": [{"type": "command", "command": "echo mine"}]});
    doc["hooks"]["SessionStart"]
        .as_array_mut()
        .unwrap()
        .push(mine.clone());
    fs::write(&hooks_json, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let codex_home = env.home().join(".codex");
    let hash = git_session::install::codex::hook_hash("SessionStart", None, &mine["hooks"][0]);
    let mut config = fs::read_to_string(codex_home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[hooks.state.\"{}:session_start:1:0\"]\ntrusted_hash = \"{hash}\"\n",
        hooks_json.display()
    ));
    fs::write(codex_home.join("config.toml"), config).unwrap();

    env.gs(&repo, &["install", "--agent", "codex", "--uninstall"]);
    let config = fs::read_to_string(codex_home.join("config.toml")).unwrap();
    // Theirs is now first in its list: its trust moved with it; ours is gone.
    assert!(
        config.contains(&format!(
            "[hooks.state.\"{}:session_start:0:0\"]\ntrusted_hash = \"{hash}\"",
            hooks_json.display()
        )),
        "{config}"
    );
    assert_eq!(config.matches("trusted_hash").count(), 1, "{config}");
}

#[test]
fn doctor_names_a_doubled_install_a_broken_file_and_hooks_switched_off() {
    let env = Env::new();
    let repo = setup(&env);
    env.gs(&repo, &["install", "--agent", "codex", "--trust"]);
    env.gs(
        &repo,
        &["install", "--agent", "codex", "--global", "--trust"],
    );
    env.gs(&repo, &["install", "--agent", "gemini"]);
    let mut settings = fs::read_to_string(repo.join(".gemini/settings.json")).unwrap();
    settings = settings.replacen('{', "{\n  \"hooksConfig\": {\"enabled\": false},", 1);
    fs::write(repo.join(".gemini/settings.json"), settings).unwrap();
    fs::create_dir_all(repo.join(".cursor")).unwrap();
    fs::write(repo.join(".cursor/hooks.json"), "{\"version\": 1,,}").unwrap();
    let out = env.run(&repo, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Codex CLI runs each twice"), "{text}");
    assert!(text.contains("hooksConfig.enabled is false"), "{text}");
    assert!(
        text.contains(".cursor/hooks.json") && text.contains("Cursor cannot read it"),
        "{text}"
    );
}

#[test]
fn trust_without_codex_is_a_usage_error_and_a_bare_binary_name_depends_on_path() {
    let env = Env::new();
    let repo = setup(&env);
    let err = env.fails(&repo, &["install", "--agent", "gemini", "--trust"], 2);
    assert!(err.contains("--trust records Codex's trust"), "{err}");
    assert!(!repo.join(".gemini").exists());
    fs::create_dir_all(repo.join(".cursor")).unwrap();
    fs::write(
        repo.join(".cursor/hooks.json"),
        "{\"version\": 1, \"hooks\": {\"stop\": [{\"command\": \"git-session hook stop --agent cursor\"}]}}\n",
    )
    .unwrap();
    let text = String::from_utf8_lossy(&env.run(&repo, &["doctor"]).stdout).into_owned();
    assert!(
        text.contains("depends on the PATH Cursor starts with"),
        "{text}"
    );
}
