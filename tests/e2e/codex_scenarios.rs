//! The Codex scenarios: git-session's hooks under the real OpenAI Codex CLI (`codex exec`),
//! each asserting on what the Responses mock received (what the model saw) and on the journal.
//!
//! Scenarios named `defect_…` assert the behaviour a user needs where git-session falls short
//! today; they run only when named (`cargo test --test e2e -- defect_`).

use std::path::Path;

use crate::Scenario;
use crate::client::compactions;
use crate::codex::{Codex, EVENTS, hook_command};
use crate::codex_mock::{HUGE_MARKER, SUMMARY, developer_with, is_summary, texts_of};
use crate::mock::Request;

pub const ALL: &[Scenario] = &[
    (
        "codex_hooks_are_trusted_by_their_persisted_hash",
        codex_hooks_are_trusted_by_their_persisted_hash,
    ),
    (
        "codex_startup_context_reaches_the_model",
        codex_startup_context_reaches_the_model,
    ),
    (
        "codex_an_ordinary_prompt_injects_nothing",
        codex_an_ordinary_prompt_injects_nothing,
    ),
    (
        "codex_continue_restores_the_session",
        codex_continue_restores_the_session,
    ),
    (
        "codex_auto_compaction_saves_then_restores",
        codex_auto_compaction_saves_then_restores,
    ),
    (
        "codex_tool_call_logs_into_the_journal",
        codex_tool_call_logs_into_the_journal,
    ),
    (
        "codex_session_id_is_the_thread_id_and_stable",
        codex_session_id_is_the_thread_id_and_stable,
    ),
    (
        "codex_second_compaction_in_a_thread_is_counted",
        codex_second_compaction_in_a_thread_is_counted,
    ),
    (
        "codex_digest_names_a_command_codex_can_run",
        codex_digest_names_a_command_codex_can_run,
    ),
    (
        "defect_codex_agent_can_log_in_the_default_sandbox",
        defect_codex_agent_can_log_in_the_default_sandbox,
    ),
    (
        "codex_sandboxed_log_says_why_and_what_to_do",
        codex_sandboxed_log_says_why_and_what_to_do,
    ),
    (
        "codex_emoji_heavy_restoration_stays_inline",
        codex_emoji_heavy_restoration_stays_inline,
    ),
];

/// A Codex world whose current journal session is `first`.
fn setup(bin: &Path) -> Codex {
    let c = Codex::new(bin);
    c.w.init_first(&c.repo);
    c
}

/// The last model request (not the summariser's).
fn last_model_request(c: &Codex) -> Request {
    c.model_requests()
        .pop()
        .unwrap_or_else(|| panic!("the model was never asked:\n{}", c.describe()))
}

/// The position of the first item of `req` that is a message with `role` holding `needle`.
fn position(req: &Request, role: &str, needle: &str) -> Option<usize> {
    crate::codex_mock::items(req)
        .iter()
        .position(|i| i["role"] == role && crate::codex_mock::message_text(i).contains(needle))
}

/// The hook events `codex exec` reported running, in order (`hook: <Event>` lines).
fn hooks_run(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("hook: "))
        .filter(|l| !l.ends_with(" Completed"))
        .map(str::to_string)
        .collect()
}

/// The session file of `name` as the journal holds it (frontmatter and body).
fn session_file(c: &Codex, name: &str) -> String {
    let paths =
        c.w.git(&c.repo, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
    let path = paths
        .lines()
        .find(|p| p.starts_with(&format!("active/{name}-")))
        .unwrap_or_else(|| panic!("no session file for {name}: {paths}"));
    c.w.git(&c.repo, &["show", &format!("refs/sessions:{path}")])
}

/// What the rest relies on: Codex reports every hook trusted, with the hash the suite wrote.
fn codex_hooks_are_trusted_by_their_persisted_hash(bin: &Path) {
    // Codex::new ran `git session install --agent codex --trust`: Codex itself says whether
    // what it recorded is the trust Codex computes.
    let c = Codex::new(bin);
    let hooks = c.list_hooks();
    for (_, snake, arg) in EVENTS {
        let key = c.hook_key(snake);
        let h = hooks
            .iter()
            .find(|h| h["key"] == key.as_str())
            .unwrap_or_else(|| panic!("Codex lists {key}: {hooks:#?}"));
        assert_eq!(h["command"], hook_command(arg).as_str(), "{h:#}");
        assert_eq!(
            h["currentHash"].as_str(),
            c.recorded_hash(&key).as_deref(),
            "{h:#}"
        );
        assert_eq!(h["trustStatus"], "trusted", "{h:#}");
    }
}

/// (a) A journal session exists: SessionStart(startup) puts its digest before the prompt.
fn codex_startup_context_reaches_the_model(bin: &Path) {
    let c = setup(bin);
    let run = c.exec(None, "hello there");
    let req = last_model_request(&c);
    let ctx = developer_with(&req, "Teach the parser about tabs");
    assert_eq!(
        ctx.len(),
        1,
        "one developer message carries the digest:\n{}",
        c.describe()
    );
    assert!(
        ctx[0].contains("first") && ctx[0].contains("write the tokenizer"),
        "the digest names the session and its step: {}",
        ctx[0]
    );
    let digest = position(&req, "developer", "Teach the parser about tabs");
    let prompt = position(&req, "user", "hello there");
    assert!(
        digest < prompt,
        "SessionStart's context comes before the prompt:\n{}",
        c.describe()
    );
    assert_eq!(hooks_run(&run.output)[0], "SessionStart", "{}", run.output);
}

fn codex_an_ordinary_prompt_injects_nothing(bin: &Path) {
    let c = setup(bin);
    let before = c.journal();
    c.exec(None, "where were the config files loaded from?");
    let req = last_model_request(&c);
    let after_prompt: Vec<String> = crate::codex_mock::items(&req)
        .iter()
        .skip_while(|i| {
            !(i["role"] == "user" && crate::codex_mock::message_text(i).contains("config files"))
        })
        .skip(1)
        .map(crate::codex_mock::message_text)
        .collect();
    assert!(
        after_prompt.is_empty(),
        "UserPromptSubmit adds nothing to an ordinary prompt: {after_prompt:?}"
    );
    assert_eq!(c.journal(), before, "an ordinary turn commits nothing");
}

/// (b) "continue": UserPromptSubmit's restoration follows the prompt.
fn codex_continue_restores_the_session(bin: &Path) {
    let c = setup(bin);
    c.gs(&["log", "--progress", "tokenizer handles spaces now"]);
    c.exec(None, "continue");
    let req = last_model_request(&c);
    let ctx = developer_with(&req, "Resuming Session: first");
    assert_eq!(
        ctx.len(),
        1,
        "the restoration arrives once, as a developer message:\n{}",
        c.describe()
    );
    assert!(
        ctx[0].contains("tokenizer handles spaces now"),
        "with the latest progress: {}",
        ctx[0]
    );
    assert!(
        position(&req, "user", "continue") < position(&req, "developer", "Resuming Session"),
        "UserPromptSubmit's context comes after the prompt:\n{}",
        c.describe()
    );
}

/// (c) The mock reports a nearly full context on a reply that calls a tool; Codex compacts
/// before sending the tool's output back: PreCompact → PostCompact → SessionStart(compact),
/// a checkpoint and a compaction entry in the journal, the restoration in the next request.
fn codex_auto_compaction_saves_then_restores(bin: &Path) {
    let c = setup(bin);
    let run = c.exec(
        None,
        &format!("Read everything. RUN: echo read-everything {HUGE_MARKER}"),
    );
    let order: Vec<String> = hooks_run(&run.output)
        .into_iter()
        .filter(|h| h != "Stop")
        .collect();
    assert_eq!(
        order,
        [
            "SessionStart",
            "UserPromptSubmit",
            "PreCompact",
            "PostCompact",
            "SessionStart"
        ],
        "{}",
        run.output
    );
    let log = c.journal();
    assert_eq!(
        compactions(&log),
        ["compact(first): compaction 1 (auto)"],
        "one compaction, counted once: {log:?}"
    );
    let checkpoint = log
        .iter()
        .position(|l| l == "compact(first): before compaction (auto)");
    assert!(
        checkpoint.is_some_and(|at| at > 0),
        "PreCompact's checkpoint comes before the count: {log:?}"
    );
    let entries = c.w.git(&c.repo, &["log", "-p", "refs/sessions"]);
    assert!(
        entries.contains("Context compaction 1 (trigger: auto)"),
        "a compaction entry: {entries}"
    );

    let all = c.w.mock.requests();
    let at = all
        .iter()
        .position(is_summary)
        .unwrap_or_else(|| panic!("Codex compacted:\n{}", c.describe()));
    let next = all
        .get(at + 1)
        .unwrap_or_else(|| panic!("a request after the compaction:\n{}", c.describe()));
    let ctx = developer_with(next, "Resuming Session: first");
    assert_eq!(ctx.len(), 1, "the restoration, once:\n{}", c.describe());
    assert!(
        ctx[0].contains("your context was just compacted"),
        "SessionStart(compact)'s restoration: {}",
        ctx[0]
    );
    assert!(
        texts_of(next, "user").iter().any(|t| t.contains(SUMMARY)),
        "beside Codex's summary:\n{}",
        c.describe()
    );
    // A Codex fact, unlike Claude Code: PreCompact's stdout (git-session's guidance for the
    // summariser) goes nowhere.
    assert!(
        !all.iter().any(|r| r
            .body
            .to_string()
            .contains("Keep these facts in the summary")),
        "PreCompact's output reached a request:\n{}",
        c.describe()
    );
}

/// (d) The model calls `exec_command` with `git-session log`: the entry lands in the journal
/// and the command's output goes back to the model.
fn codex_tool_call_logs_into_the_journal(bin: &Path) {
    let c = setup(bin);
    // The absolute path: Codex runs commands in a login shell, which resets PATH.
    let gs = env!("CARGO_BIN_EXE_git-session");
    let run = c.exec(
        None,
        &format!("Log it. RUN: '{gs}' log --progress 'logged through exec_command'"),
    );
    let view = c.gs(&["view", "--progress"]);
    // Codex gives the agent's commands CODEX_THREAD_ID: the entry names Codex and the thread.
    let entry = c.w.git(&c.repo, &["log", "-1", "-p", "refs/sessions"]);
    assert!(entry.contains("+agent: codex"), "{entry}");
    assert!(
        entry.contains(&format!("+agent_session: {}", run.thread)),
        "{entry}"
    );
    assert!(
        view.contains("logged through exec_command"),
        "the agent's entry is in the journal: {view}\n{}",
        c.describe()
    );
    assert!(
        c.journal()[0].starts_with("log(first)"),
        "{:?}",
        c.journal()
    );
    let req = last_model_request(&c);
    assert!(
        crate::codex_mock::items(&req)
            .iter()
            .any(|i| i["type"] == "function_call_output"
                && i["output"].to_string().contains("exited with code 0")),
        "the model got the command's output:\n{}",
        c.describe()
    );
}

/// The hooks' `session_id` is Codex's thread id, and stays so across a compaction and
/// `codex exec resume`: git-session binds the journal session to that one id.
fn codex_session_id_is_the_thread_id_and_stable(bin: &Path) {
    let c = setup(bin);
    let first = c.exec(None, &format!("RUN: echo compact-me {HUGE_MARKER}"));
    let again = c.exec(Some(&first.thread), "continue");
    assert_eq!(again.thread, first.thread, "resume keeps the thread");
    for r in c.model_requests() {
        assert_eq!(
            r.body["prompt_cache_key"], first.thread,
            "every request is the thread's"
        );
    }
    // PreCompact records Codex's thread id in the session file's frontmatter, as Codex's.
    let file = session_file(&c, "first");
    assert!(!file.contains("claude_session_ids"), "{file}");
    let ids = file
        .lines()
        .find(|l| l.starts_with("codex_session_ids:"))
        .map(|l| l.replace(['"', '\''], ""));
    assert_eq!(
        ids,
        Some(format!("codex_session_ids: [{}]", first.thread)),
        "the journal session records the one thread id:\n{file}"
    );
    // The resumed thread's "continue" is bound to the same journal session.
    let req = last_model_request(&c);
    assert_eq!(
        developer_with(&req, "Resuming Session: first").len(),
        2,
        "the compaction's restoration stays in the thread and continue adds its own:\n{}",
        c.describe()
    );
}

/// Two compactions of one Codex thread a few seconds apart are two compactions. Codex's
/// PreCompact/PostCompact/SessionStart(compact) carry the same `trigger` and `source` each time
/// and no prompt id; only `turn_id` differs.
fn codex_second_compaction_in_a_thread_is_counted(bin: &Path) {
    let c = setup(bin);
    let first = c.exec(None, &format!("RUN: echo one {HUGE_MARKER}"));
    let second = c.exec(Some(&first.thread), &format!("RUN: echo two {HUGE_MARKER}"));
    // The model needs the journal after each compaction, not only the first.
    let all = c.w.mock.requests();
    let after_second = all
        .iter()
        .rposition(is_summary)
        .and_then(|at| all.get(at + 1))
        .unwrap_or_else(|| panic!("a request after the second compaction:\n{}", c.describe()));
    let last = crate::codex_mock::items(after_second)
        .last()
        .map(crate::codex_mock::message_text)
        .unwrap_or_default();
    assert!(
        last.contains("Resuming Session: first"),
        "the second compaction's SessionStart(compact) restores the journal; the request ends \
         with {last:?}\n{}\n{}",
        second.output,
        c.describe()
    );
    let log = c.journal();
    assert_eq!(
        compactions(&log),
        [
            "compact(first): compaction 2 (auto)",
            "compact(first): compaction 1 (auto)"
        ],
        "{log:?}"
    );
}

/// Codex has no `/session-resume` (no slash commands of git-session at all; its own are
/// built in, and skills are what a project adds): the digest must name something the agent
/// can run, `git-session resume` by its absolute path (Codex's login shell resets `PATH`).
fn codex_digest_names_a_command_codex_can_run(bin: &Path) {
    let c = setup(bin);
    c.exec(None, "hello");
    let ctx = developer_with(&last_model_request(&c), "Teach the parser about tabs");
    assert_eq!(ctx.len(), 1, "{}", c.describe());
    assert!(
        !ctx[0].contains("/session-"),
        "no slash command Codex lacks: {}",
        ctx[0]
    );
    assert!(
        ctx[0].contains(&format!("'{}' resume", env!("CARGO_BIN_EXE_git-session"))),
        "the command the agent can run: {}",
        ctx[0]
    );
}

/// Codex runs the agent's commands in its `workspace-write` sandbox unless told otherwise, and
/// that sandbox keeps the repository's `.git` read-only: `git session log` there fails with
/// `.git/git-session/lock: Read-only file system`.
fn defect_codex_agent_can_log_in_the_default_sandbox(bin: &Path) {
    let c = setup(bin);
    let gs = env!("CARGO_BIN_EXE_git-session");
    c.exec_in(
        "workspace-write",
        None,
        &format!("RUN: '{gs}' log --progress 'logged in the sandbox'"),
    );
    let view = c.gs(&["view", "--progress"]);
    let outputs: Vec<String> = crate::codex_mock::items(&last_model_request(&c))
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .map(|i| i["output"].to_string())
        .collect();
    assert!(
        view.contains("logged in the sandbox"),
        "the agent's entry is in the journal; the command said {outputs:?}"
    );
}

/// Until the agent can log inside Codex's sandbox, the one line it gets back says why (the git
/// dir is read-only there) and what to do, so the model can ask the user to approve.
fn codex_sandboxed_log_says_why_and_what_to_do(bin: &Path) {
    let c = setup(bin);
    let gs = env!("CARGO_BIN_EXE_git-session");
    c.exec_in(
        "workspace-write",
        None,
        &format!("RUN: '{gs}' log --progress 'logged in the sandbox'"),
    );
    let outputs: Vec<String> = crate::codex_mock::items(&last_model_request(&c))
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .map(|i| i["output"].to_string())
        .collect();
    let said = outputs.join("\n");
    assert!(
        said.contains("read-only file system")
            && said.contains("Codex's workspace-write sandbox")
            && said.contains("danger-full-access")
            && said.contains("nothing was written"),
        "the model is told why and what to do: {said}"
    );
    assert!(!said.contains("panicked"), "{said}");
}

/// Notes of mostly emoji: few characters, many UTF-8 bytes.
fn emoji_note(i: usize) -> String {
    format!("note {i}: {}", "🦀🧪📦✅".repeat(125))
}

/// Codex keeps a hook's context inline up to 2,500 tokens counted as UTF-8 bytes / 4, that is
/// 10,000 bytes; git-session caps its restoration at 8,000 UTF-16 units, up to 3 bytes each.
fn codex_emoji_heavy_restoration_stays_inline(bin: &Path) {
    let c = setup(bin);
    for i in 0..12 {
        c.gs(&["log", "--discovery", &emoji_note(i)]);
    }
    c.gs(&["log", "--progress", "LAST-PROGRESS-MARK"]);
    c.exec(None, "continue");
    let ctx = developer_with(&last_model_request(&c), "Resuming Session: first");
    assert_eq!(ctx.len(), 1, "{}", c.describe());
    assert!(
        !ctx[0].contains("Warning: truncated output") && !ctx[0].contains("Full hook output saved"),
        "the restoration is inline, not cut with a file path ({} bytes): {}",
        ctx[0].len(),
        ctx[0].chars().take(300).collect::<String>()
    );
    assert!(ctx[0].contains("LAST-PROGRESS-MARK"), "{}", ctx[0]);
}
