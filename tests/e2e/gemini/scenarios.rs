//! The Gemini CLI scenarios: what git-session's hooks give the model under Gemini, asserted on
//! what the mock received.
//!
//! Where Gemini puts hook context (0.61.0, `-p` mode; packages/cli/src/gemini.tsx and
//! packages/core/src/core/client.ts): SessionStart's is *prepended to the prompt's text part*
//! as `<hook_context>…</hook_context>\n\n<prompt>`; BeforeAgent's is a *separate text part*
//! `<hook_context>…</hook_context>` after it. `<` and `>` inside a context arrive as `&lt;`
//! and `&gt;`.

use std::path::{Path, PathBuf};

use super::mock::user_parts;
use super::{Gemini, HOOKS};
use crate::Scenario;
use crate::mock::Request;

pub const ALL: &[Scenario] = &[
    (
        "gemini_startup_context_reaches_the_model",
        gemini_startup_context_reaches_the_model,
    ),
    (
        "gemini_before_agent_context_reaches_the_model",
        gemini_before_agent_context_reaches_the_model,
    ),
    (
        "gemini_continue_after_startup_context_injects_the_session",
        gemini_continue_after_startup_context_injects_the_session,
    ),
    (
        "gemini_an_ordinary_turn_commits_nothing",
        gemini_an_ordinary_turn_commits_nothing,
    ),
];

/// Every Gemini event git-session hooks.
fn all_events() -> Vec<&'static str> {
    HOOKS.iter().map(|(e, _)| *e).collect()
}

/// A world with a repository whose current journal session is `first`, git-session's hooks on
/// `events` in `.gemini/settings.json`.
fn setup(script: &Path, events: &[&str]) -> (Gemini, PathBuf) {
    let w = Gemini::new(script);
    let repo = w.repo("repo");
    w.init_first(&repo);
    w.install_hooks(&repo, events);
    (w, repo)
}

/// The last request that asked the model.
fn last_model_request(w: &Gemini) -> Request {
    w.model_requests()
        .pop()
        .unwrap_or_else(|| panic!("the model was never asked:\n{}", w.describe()))
}

/// What SessionStart added: the `<hook_context>` Gemini prepended to the part holding `prompt`.
fn session_start_context(req: &Request, prompt: &str) -> Option<String> {
    user_parts(req).into_iter().find_map(|p| {
        let inner = p
            .strip_suffix(prompt)?
            .strip_suffix("\n\n")?
            .strip_prefix("<hook_context>")?
            .strip_suffix("</hook_context>")?;
        Some(inner.to_string())
    })
}

/// What BeforeAgent added: a text part that is one `<hook_context>` and nothing else.
fn before_agent_context(req: &Request) -> Option<String> {
    user_parts(req).into_iter().find_map(|p| {
        let inner = p
            .strip_prefix("<hook_context>")?
            .strip_suffix("</hook_context>")?;
        Some(inner.to_string())
    })
}

/// The subjects of the journal's commits, newest first.
fn journal(w: &Gemini, repo: &Path) -> Vec<String> {
    w.git(repo, &["log", "--format=%s", "refs/sessions"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// At startup the model gets the journal's digest: the session, its goal, its current step.
fn gemini_startup_context_reaches_the_model(script: &Path) {
    let (w, repo) = setup(script, &all_events());
    w.print(&repo, "hello there");
    let req = last_model_request(&w);
    let ctx = session_start_context(&req, "hello there").unwrap_or_else(|| {
        panic!(
            "no SessionStart context before the prompt:\n{}",
            w.describe()
        )
    });
    assert!(
        ctx.contains("first") && ctx.contains("Teach the parser about tabs"),
        "the digest names the session and its goal; the model got:\n{ctx}"
    );
    assert!(ctx.contains("write the tokenizer"), "current step: {ctx}");
}

/// "continue" with only the BeforeAgent hook installed: the prompt reaches the hook as typed,
/// and the restoration reaches the model as its own part.
fn gemini_before_agent_context_reaches_the_model(script: &Path) {
    let (w, repo) = setup(script, &["BeforeAgent"]);
    w.gs(
        &repo,
        &["log", "--progress", "tokenizer handles spaces now"],
    );
    w.print(&repo, "continue");
    let req = last_model_request(&w);
    let ctx = before_agent_context(&req)
        .unwrap_or_else(|| panic!("no BeforeAgent context in the request:\n{}", w.describe()));
    assert!(
        ctx.contains("first") && ctx.contains("tokenizer handles spaces now"),
        "the restoration names the session and its last progress; the model got:\n{ctx}"
    );
}

/// "continue" with every hook installed, as `install` will set them up: the restoration must
/// reach the model although SessionStart's digest came first.
fn gemini_continue_after_startup_context_injects_the_session(script: &Path) {
    let (w, repo) = setup(script, &all_events());
    w.gs(
        &repo,
        &["log", "--progress", "tokenizer handles spaces now"],
    );
    w.print(&repo, "continue");
    let req = last_model_request(&w);
    assert!(
        session_start_context(&req, "continue").is_some(),
        "the startup digest comes first:\n{}",
        w.describe()
    );
    let ctx = before_agent_context(&req)
        .unwrap_or_else(|| panic!("no BeforeAgent context in the request:\n{}", w.describe()));
    assert!(
        ctx.contains("tokenizer handles spaces now"),
        "the restoration holds the last progress; the model got:\n{ctx}"
    );
}

/// An ordinary prompt changes nothing in the journal.
fn gemini_an_ordinary_turn_commits_nothing(script: &Path) {
    let (w, repo) = setup(script, &all_events());
    let before = journal(&w, &repo);
    w.print(&repo, "where were the config files loaded from?");
    assert_eq!(
        journal(&w, &repo),
        before,
        "an ordinary turn commits nothing"
    );
}
