//! The scenarios: what a user of git-session with Claude Code would check, proven with the real
//! client. Each asserts on what the mock received (what the model saw) and on the journal.

use std::path::{Path, PathBuf};

use crate::Scenario;
use crate::client::{World, compactions};
use crate::mock::{HUGE_MARKER, Request, SUMMARY, TOO_LONG_MARKER};

pub const ALL: &[Scenario] = &[
    (
        "a_system_message_reaches_the_user_not_the_model",
        a_system_message_reaches_the_user_not_the_model,
    ),
    (
        "a_compaction_runs_pre_compact_then_session_start_then_post_compact",
        a_compaction_runs_pre_compact_then_session_start_then_post_compact,
    ),
    (
        "the_claude_session_id_reaches_hooks_and_agent_commands",
        the_claude_session_id_reaches_hooks_and_agent_commands,
    ),
    (
        "startup_digest_reaches_the_model",
        startup_digest_reaches_the_model,
    ),
    (
        "an_ordinary_prompt_injects_nothing_and_commits_nothing",
        an_ordinary_prompt_injects_nothing_and_commits_nothing,
    ),
    (
        "a_continuation_injects_the_session",
        a_continuation_injects_the_session,
    ),
    (
        "the_user_is_told_when_continue_restores_the_session",
        the_user_is_told_when_continue_restores_the_session,
    ),
    (
        "a_tool_call_that_logs_is_committed",
        a_tool_call_that_logs_is_committed,
    ),
    (
        "manual_compact_saves_then_restores",
        manual_compact_saves_then_restores,
    ),
    (
        "automatic_compaction_saves_then_restores",
        automatic_compaction_saves_then_restores,
    ),
    (
        "reactive_compaction_saves_then_restores",
        reactive_compaction_saves_then_restores,
    ),
    (
        "plugin_mode_compaction_saves_then_restores",
        plugin_mode_compaction_saves_then_restores,
    ),
    (
        "pre_compact_text_is_guidance_for_the_summariser",
        pre_compact_text_is_guidance_for_the_summariser,
    ),
    (
        "post_compact_records_the_summary_as_a_compaction_entry",
        post_compact_records_the_summary_as_a_compaction_entry,
    ),
    (
        "install_mode_slash_command_runs_its_bang_line",
        install_mode_slash_command_runs_its_bang_line,
    ),
    (
        "plugin_mode_slash_command_runs_and_binds",
        plugin_mode_slash_command_runs_and_binds,
    ),
    (
        "plugin_mode_digest_names_the_plugin_command",
        plugin_mode_digest_names_the_plugin_command,
    ),
    (
        "two_claude_sessions_each_keep_their_journal_session",
        two_claude_sessions_each_keep_their_journal_session,
    ),
    (
        "emoji_heavy_restoration_stays_inline",
        emoji_heavy_restoration_stays_inline,
    ),
    (
        "a_prompt_with_a_lone_surrogate_still_continues",
        a_prompt_with_a_lone_surrogate_still_continues,
    ),
    (
        "installed_hooks_work_without_git_session_on_path",
        installed_hooks_work_without_git_session_on_path,
    ),
    (
        "installed_and_plugin_together_compact_once",
        installed_and_plugin_together_compact_once,
    ),
];

/// How the hooks reach the client.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `git session install` wrote `.claude/settings.json` and `.claude/commands/`.
    Install,
    /// `claude --plugin-dir <git-session>/hooks`.
    Plugin,
}

/// This repository's `hooks/` directory: the plugin under test.
fn plugin_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hooks")
        .display()
        .to_string()
}

impl Mode {
    fn args(self) -> Vec<String> {
        match self {
            Mode::Install => Vec::new(),
            Mode::Plugin => vec!["--plugin-dir".into(), plugin_dir()],
        }
    }
}

/// A world with a repository whose current journal session is `first`, hooks set up by `mode`.
fn setup(claude: &Path, mode: Mode) -> (World, PathBuf) {
    let w = World::new(claude);
    let repo = w.repo("repo");
    if mode == Mode::Install {
        w.gs(&repo, &["install"]);
    }
    w.init_first(&repo);
    (w, repo)
}

/// `claude -p` arguments for `mode`, as &str.
fn args(mode: &[String]) -> Vec<&str> {
    mode.iter().map(String::as_str).collect()
}

/// The text a hook of `event` injected into `req` (empty when none).
fn injected(req: &Request, event: &str) -> String {
    let text = req.messages_text();
    let marker = format!("{event} hook additional context:");
    text.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest[..rest.find("</system-reminder>").unwrap_or(rest.len())].to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The subjects of the journal's commits, newest first.
fn journal(w: &World, repo: &Path) -> Vec<String> {
    w.git(repo, &["log", "--format=%s", "refs/sessions"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The last model request (not the summariser's).
fn last_model_request(w: &World) -> Request {
    w.mock
        .model_requests()
        .pop()
        .unwrap_or_else(|| panic!("the model was never asked:\n{}", w.mock.describe()))
}

/// What binding by `CLAUDE_CODE_SESSION_ID` relies on: the client sets it, equal to the session
/// id it reports, for the commands the agent runs and for hooks.
fn the_claude_session_id_reaches_hooks_and_agent_commands(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Plugin);
    // A hook of the user's own, beside the plugin's, that prints what it was given.
    std::fs::create_dir_all(repo.join(".claude")).expect(".claude");
    std::fs::write(
        repo.join(".claude/settings.json"),
        r#"{"hooks": {"SessionStart": [{"hooks": [{"type": "command",
            "command": "echo \"hook-env=$CLAUDE_CODE_SESSION_ID\""}]}]}}"#,
    )
    .expect("settings");
    let margs = Mode::Plugin.args();
    let mut s = w.session(&repo, &args(&margs));
    s.turn("RUN: echo \"agent-env=$CLAUDE_CODE_SESSION_ID\"");
    let id = s.id().expect("the client reports its session id");
    s.close();
    let sent = w
        .mock
        .requests()
        .last()
        .map(|r| r.messages_text())
        .unwrap_or_default();
    assert!(
        sent.contains(&format!("agent-env={id}")),
        "the Bash tool's environment holds CLAUDE_CODE_SESSION_ID={id}:\n{}",
        w.mock.describe()
    );
    assert!(
        sent.contains(&format!("hook-env={id}")),
        "a hook's environment holds CLAUDE_CODE_SESSION_ID={id}:\n{}",
        w.mock.describe()
    );
}

/// The order the compaction hooks rely on: SessionStart(compact) comes *before* PostCompact, so
/// "no PostCompact yet" at SessionStart does not mean the client lacks PostCompact.
fn a_compaction_runs_pre_compact_then_session_start_then_post_compact(claude: &Path) {
    let w = World::new(claude);
    let repo = w.repo("repo");
    let order = w.tmp.path().join("order.log");
    let hook = |matcher: &str, word: &str| {
        serde_json::json!([{"matcher": matcher, "hooks": [{"type": "command",
            "command": format!("echo {word} >> '{}'", order.display())}]}])
    };
    let settings = serde_json::json!({"hooks": {
        "PreCompact": hook("manual", "PreCompact"),
        "SessionStart": [{"hooks": [{"type": "command", "command":
            format!("sed 's/.*\"source\": *\"\\([a-z]*\\)\".*/SessionStart(\\1)/' >> '{}'", order.display())}]}],
        "PostCompact": hook("manual", "PostCompact"),
    }});
    std::fs::create_dir_all(repo.join(".claude")).expect(".claude");
    std::fs::write(repo.join(".claude/settings.json"), settings.to_string()).expect("settings");
    let mut s = w.session(&repo, &[]);
    s.turn("hello");
    s.turn("/compact");
    s.close();
    assert_eq!(
        std::fs::read_to_string(&order).unwrap_or_default(),
        "SessionStart(startup)\nPreCompact\nSessionStart(compact)\nPostCompact\n",
        "{}",
        crate::client::tail_of(&w.debug_log())
    );
}

/// Where a hook's `systemMessage` goes: to the user (the client's output), never to the model.
fn a_system_message_reaches_the_user_not_the_model(claude: &Path) {
    let w = World::new(claude);
    let repo = w.repo("repo");
    std::fs::create_dir_all(repo.join(".claude")).expect(".claude");
    let says = r#"{"systemMessage": "NOTICE-FOR-THE-USER"}"#;
    let settings = serde_json::json!({"hooks": {
        "SessionStart": [{"hooks": [{"type": "command", "command": format!("echo '{says}'")}]}],
        "UserPromptSubmit": [{"hooks": [{"type": "command", "command": format!("echo '{says}'")}]}],
    }});
    std::fs::write(repo.join(".claude/settings.json"), settings.to_string()).expect("settings");
    let mut s = w.session(&repo, &[]);
    s.turn("hello");
    let events = s.events.clone();
    s.close();
    // In stream-json the UserPromptSubmit notice is an event of its own; the SessionStart one
    // shows only inside the raw `hook_response` (README, client facts).
    assert!(
        events.iter().any(|e| e["type"] == "system"
            && e["subtype"] == "informational"
            && e["content"] == "UserPromptSubmit says: NOTICE-FOR-THE-USER"),
        "the user sees the notice: {events:#?}"
    );
    assert!(
        !w.mock
            .requests()
            .iter()
            .any(|r| r.messages_text().contains("NOTICE-FOR-THE-USER")),
        "the model does not: {}",
        w.mock.describe()
    );
}

fn startup_digest_reaches_the_model(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    w.print(&repo, "hello there", &[]);
    let req = last_model_request(&w);
    let ctx = injected(&req, "SessionStart");
    assert!(
        ctx.contains("first") && ctx.contains("Teach the parser about tabs"),
        "the startup digest should name the session and its goal; the model got:\n{ctx}\n{}",
        w.mock.describe()
    );
    assert!(ctx.contains("write the tokenizer"), "current step: {ctx}");
}

fn an_ordinary_prompt_injects_nothing_and_commits_nothing(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    let before = journal(&w, &repo);
    w.print(&repo, "where were the config files loaded from?", &[]);
    let req = last_model_request(&w);
    assert_eq!(
        injected(&req, "UserPromptSubmit"),
        "",
        "{}",
        w.mock.describe()
    );
    assert_eq!(
        journal(&w, &repo),
        before,
        "an ordinary turn commits nothing"
    );
}

fn a_continuation_injects_the_session(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    w.gs(
        &repo,
        &["log", "--progress", "tokenizer handles spaces now"],
    );
    w.print(&repo, "continue", &[]);
    let req = last_model_request(&w);
    let ctx = injected(&req, "UserPromptSubmit");
    assert!(
        ctx.contains("Resuming Session: first") && ctx.contains("tokenizer handles spaces now"),
        "the continuation should carry the restoration; the model got:\n{ctx}\n{}",
        w.mock.describe()
    );
}

/// Issue 15, "what the user sees": a one-line notice (a `systemMessage`) when "continue"
/// injected the session, so the person knows the agent was given the journal.
fn the_user_is_told_when_continue_restores_the_session(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    let mut s = w.session(&repo, &[]);
    s.turn("continue");
    let events = s.events.clone();
    s.close();
    let notices: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "system" && e["subtype"] == "informational")
        .filter_map(|e| e["content"].as_str())
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("git-session") && n.contains("first")),
        "a notice names the restored session: {notices:?}"
    );
}

fn a_tool_call_that_logs_is_committed(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    w.print(
        &repo,
        "Log it. RUN: git session log --progress 'logged through the Bash tool'",
        &[],
    );
    let view = w.gs(&repo, &["view", "--progress"]);
    assert!(
        view.contains("logged through the Bash tool"),
        "the agent's log entry is in the journal: {view}\n{}",
        w.mock.describe()
    );
    assert!(
        journal(&w, &repo)[0].starts_with("log(first)"),
        "{:?}",
        journal(&w, &repo)
    );
    // The model saw the command's output as the tool result.
    let req = last_model_request(&w);
    assert!(
        req.body["messages"].to_string().contains("tool_result"),
        "{}",
        w.mock.describe()
    );
}

/// A stream-json session in `mode`: a turn, a compaction (manual `/compact`, or automatic after
/// the mock reports a nearly full context), and one more turn. Returns the world and repository.
fn compaction(claude: &Path, mode: Mode, how: Compaction) -> (World, PathBuf) {
    let (mut w, repo) = setup(claude, mode);
    if how == Compaction::Auto {
        // 2.1.332 checks the context against a threshold before a request only when the
        // auto-compact window is set (env, /autocompact); left on "auto" it compacts reactively.
        w.client_env
            .push(("CLAUDE_CODE_AUTO_COMPACT_WINDOW".into(), "100000".into()));
    }
    let margs = mode.args();
    let mut s = w.session(&repo, &args(&margs));
    match how {
        Compaction::Manual => {
            s.turn("hello");
            s.turn("/compact");
        }
        Compaction::Auto => {
            s.turn(&format!("read everything {HUGE_MARKER}"));
        }
        Compaction::Reactive => {
            s.turn(&format!("read everything {TOO_LONG_MARKER}"));
        }
    }
    // Not a continuation: what arrives is what the compaction hooks gave, nothing else.
    s.turn("Now look at the lexer.");
    s.close();
    assert!(
        !w.mock.summary_requests().is_empty(),
        "the client compacted (asked for a summary):\n{}\n{}",
        w.mock.describe(),
        crate::client::tail_of(&w.debug_log())
    );
    (w, repo)
}

/// How a compaction comes about.
#[derive(Clone, Copy, PartialEq)]
enum Compaction {
    /// The user types `/compact`.
    Manual,
    /// The last reply reported a nearly full context.
    Auto,
    /// The API refused the request as too long.
    Reactive,
}

/// What every compaction scenario checks: PreCompact committed, the next request carries the
/// summary and the restoration.
fn assert_saved_and_restored(w: &World, repo: &Path, trigger: &str) {
    let log = journal(w, repo);
    assert_eq!(
        compactions(&log),
        vec![format!("compact(first): compaction 1 ({trigger})")],
        "one compaction, recorded once: {log:?}"
    );
    let req = last_model_request(w);
    let text = req.messages_text();
    assert!(text.contains(SUMMARY), "the summary: {}", w.mock.describe());
    let ctx = injected(&req, "SessionStart");
    assert!(
        ctx.contains("your context was just compacted") && ctx.contains("Resuming Session: first"),
        "after the compaction the model gets the restoration; it got:\n{ctx}\n{}",
        w.mock.describe()
    );
}

fn manual_compact_saves_then_restores(claude: &Path) {
    let (w, repo) = compaction(claude, Mode::Install, Compaction::Manual);
    assert_saved_and_restored(&w, &repo, "manual");
}

fn automatic_compaction_saves_then_restores(claude: &Path) {
    let (w, repo) = compaction(claude, Mode::Install, Compaction::Auto);
    assert_saved_and_restored(&w, &repo, "auto");
}

fn reactive_compaction_saves_then_restores(claude: &Path) {
    let (w, repo) = compaction(claude, Mode::Install, Compaction::Reactive);
    assert_saved_and_restored(&w, &repo, "auto");
}

fn plugin_mode_compaction_saves_then_restores(claude: &Path) {
    let (w, repo) = compaction(claude, Mode::Plugin, Compaction::Manual);
    assert_saved_and_restored(&w, &repo, "manual");
}

fn pre_compact_text_is_guidance_for_the_summariser(claude: &Path) {
    let (w, _repo) = compaction(claude, Mode::Install, Compaction::Manual);
    let req = w.mock.summary_requests().remove(0);
    let text = req.messages_text();
    let at = text
        .find("Additional Instructions")
        .unwrap_or_else(|| panic!("PreCompact's text reaches the summariser:\n{text}"));
    let guidance = &text[at..];
    assert!(
        guidance.contains("first") && guidance.contains("Teach the parser about tabs"),
        "names the session and its goal: {guidance}"
    );
    assert!(
        !guidance.contains("\nid: ") && !guidance.contains("compaction_count:"),
        "guidance, not progress.md with its YAML frontmatter: {guidance}"
    );
    assert!(
        guidance.split_whitespace().count() < 600,
        "a few hundred words: {guidance}"
    );
}

fn post_compact_records_the_summary_as_a_compaction_entry(claude: &Path) {
    let (w, repo) = compaction(claude, Mode::Install, Compaction::Manual);
    let journal_text = w.gs(&repo, &["view"]);
    let entries = w.git(&repo, &["log", "-p", "refs/sessions"]);
    assert!(
        entries.contains("SUMMARY-FROM-MOCK"),
        "Claude's summary is a compaction entry of the journal:\n{journal_text}"
    );
}

fn install_mode_slash_command_runs_its_bang_line(claude: &Path) {
    let w = World::new(claude);
    let repo = w.repo("repo");
    w.gs(&repo, &["install"]);
    w.print(
        &repo,
        "/session-init --name x --goal 'Ship the tab parser'",
        &[],
    );
    let list = w.gs(&repo, &["list"]);
    assert!(
        list.lines().any(|l| l.split_whitespace().any(|w| w == "x")),
        "the ! line created the session: {list}"
    );
    let req = last_model_request(&w);
    assert!(
        req.messages_text().contains("Ship the tab parser"),
        "the model sees the command's output: {}",
        w.mock.describe()
    );
}

fn plugin_mode_slash_command_runs_and_binds(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Plugin);
    let margs = Mode::Plugin.args();
    let mut s = w.session(&repo, &args(&margs));
    s.turn("hello");
    s.turn("/git-session:session-init --name second --goal 'Second goal'");
    s.turn("/compact");
    s.turn("continue");
    s.close();
    let list = w.gs(&repo, &["list"]);
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().any(|w| w == "second")),
        "the ! line ran: {list}"
    );
    let log = journal(&w, &repo);
    assert!(
        log.iter().any(|l| l.starts_with("compact(second)")),
        "the compaction is recorded on the session this Claude session created: {log:?}"
    );
    // The request for "continue" carries the bound session's restoration once: from
    // SessionStart(compact), not a second copy from UserPromptSubmit.
    let req = last_model_request(&w);
    let ctx = injected(&req, "SessionStart");
    assert!(
        ctx.contains("Resuming Session: second"),
        "the compaction restores the bound session: {ctx}"
    );
    let again = injected(&req, "UserPromptSubmit");
    assert!(
        !again.contains("Resuming Session"),
        "continue right after the compaction does not inject it twice: {again}"
    );
    assert_eq!(
        req.messages_text()
            .matches("Resuming Session: second")
            .count(),
        1,
        "{}",
        w.mock.describe()
    );
}

fn plugin_mode_digest_names_the_plugin_command(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Plugin);
    w.print(&repo, "hello", &args(&Mode::Plugin.args()));
    let ctx = injected(&last_model_request(&w), "SessionStart");
    assert!(ctx.contains("first"), "the digest arrives: {ctx}");
    assert!(
        ctx.contains("/git-session:session-resume"),
        "as a plugin the command is /git-session:session-resume: {ctx}"
    );
    assert!(
        !ctx.replace("/git-session:session-resume", "")
            .contains("/session-resume"),
        "no command that does not exist in plugin mode: {ctx}"
    );
}

fn two_claude_sessions_each_keep_their_journal_session(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    let mut a = w.session(&repo, &[]);
    a.turn("hello from A");
    let mut b = w.session(&repo, &[]);
    b.turn("hello from B");
    // B starts its own journal session through the Bash tool: no slash command, no prompt
    // for UserPromptSubmit to see; only CLAUDE_CODE_SESSION_ID says which Claude session asked.
    b.turn("RUN: git session init --name beta --goal 'B works on the lexer'");
    a.turn("/compact");
    b.turn("/compact");
    let (aid, bid) = (a.id(), b.id());
    a.close();
    b.close();
    let log = journal(&w, &repo);
    assert!(
        log.iter().any(|l| l.starts_with("compact(first)")),
        "A's compaction is recorded on first: {log:?}"
    );
    assert!(
        log.iter().any(|l| l.starts_with("compact(beta)")),
        "B's compaction is recorded on beta, the session B created: {log:?} (A={aid:?} B={bid:?})"
    );
}

/// Notes of mostly emoji: few characters, twice as many UTF-16 units.
fn emoji_note(i: usize) -> String {
    format!("note {i}: {}", "🦀🧪📦✅".repeat(125))
}

fn emoji_heavy_restoration_stays_inline(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    for i in 0..12 {
        w.gs(&repo, &["log", "--discovery", &emoji_note(i)]);
    }
    w.gs(&repo, &["log", "--progress", "LAST-PROGRESS-MARK"]);
    w.print(&repo, "continue", &[]);
    let req = last_model_request(&w);
    let ctx = injected(&req, "UserPromptSubmit");
    let units = ctx.encode_utf16().count();
    assert!(
        !ctx.contains("<persisted-output>") && !ctx.contains("Output too large"),
        "the restoration is inline, not a ~2 KB preview and a file path:\n{}",
        ctx.chars().take(1500).collect::<String>()
    );
    assert!(
        ctx.contains("Resuming Session: first") && ctx.contains("LAST-PROGRESS-MARK"),
        "the restoration reaches the model: {}",
        ctx.chars().take(1500).collect::<String>()
    );
    assert!(units <= 10_000, "{units} UTF-16 units");
}

fn a_prompt_with_a_lone_surrogate_still_continues(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    let mut s = w.session(&repo, &[]);
    // JavaScript can cut an emoji in half; the client then sends the hook a lone surrogate.
    s.turn_raw(r#"{"type":"user","message":{"role":"user","content":"continue \ud83d"}}"#);
    s.close();
    let ctx = injected(&last_model_request(&w), "UserPromptSubmit");
    assert!(
        ctx.contains("Resuming Session: first"),
        "the continuation is restored: {ctx}\n{}",
        w.mock.describe()
    );
}

fn installed_hooks_work_without_git_session_on_path(claude: &Path) {
    let (mut w, repo) = setup(claude, Mode::Install);
    // A desktop launcher's PATH: git is there, git-session is not.
    w.minimal_path = true;
    w.print(&repo, "hello", &[]);
    let ctx = injected(&last_model_request(&w), "SessionStart");
    assert!(
        ctx.contains("Teach the parser about tabs"),
        "the installed hooks find git-session without the user's PATH: {ctx}\n{}",
        w.mock.describe()
    );
}

fn installed_and_plugin_together_compact_once(claude: &Path) {
    let (w, repo) = setup(claude, Mode::Install);
    let margs = Mode::Plugin.args();
    let mut s = w.session(&repo, &args(&margs));
    s.turn("hello");
    s.turn("/compact");
    s.close();
    let log = journal(&w, &repo);
    assert_eq!(
        compactions(&log),
        vec!["compact(first): compaction 1 (manual)".to_string()],
        "hooks installed twice act once per event: {log:?}"
    );
}
