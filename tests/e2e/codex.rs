//! The real OpenAI Codex CLI: installed once into a cache outside the clone, run with its own
//! `CODEX_HOME` against the Responses API mock, always with a timeout and killed on drop.
//!
//! Codex runs a project's `.codex/hooks.json` only when the project is trusted and each hook's
//! trust hash is persisted in `config.toml` (an untrusted hook is skipped without a word), so
//! [`Codex::new`] writes both, computing the hash the way Codex 0.171.0 does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{Guard, World, cache_dir_for, check_version, installed, lines_of, run_bounded};
use crate::mock::Request;

/// The client the Codex scenarios are pinned to.
pub const VERSION: &str = "0.171.0";
/// Longest one `codex exec` may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
/// The variable the mock provider reads its (dummy) key from.
const KEY_ENV: &str = "GIT_SESSION_E2E_KEY";
/// Codex compacts once a reply reports this many tokens (the mock's huge usage is far above,
/// its ordinary usage far below).
const AUTO_COMPACT_LIMIT: u64 = 100_000;

/// The events git-session's hooks handle under Codex: (hooks.json name, Codex's snake_case key
/// label, `git-session hook` argument).
pub const EVENTS: &[(&str, &str, &str)] = &[
    ("SessionStart", "session_start", "session-start"),
    (
        "UserPromptSubmit",
        "user_prompt_submit",
        "user-prompt-submit",
    ),
    ("PreCompact", "pre_compact", "pre-compact"),
    ("PostCompact", "post_compact", "post-compact"),
    ("Stop", "stop", "stop"),
    ("SessionEnd", "session_end", "session-end"),
];

/// The command install writes for each hook: the built binary, `hook <event> --agent codex`.
pub fn hook_command(event: &str) -> String {
    format!(
        "'{}' hook {event} --agent codex",
        env!("CARGO_BIN_EXE_git-session").replace('\'', r"'\''")
    )
}

/// Where the pinned client is cached: `$GIT_SESSION_E2E_CODEX_CACHE`, else
/// `$XDG_CACHE_HOME/git-session-e2e/codex-<version>`, else `~/.cache/…`.
/// (`$GIT_SESSION_E2E_CACHE` names Claude Code's install directory itself, so it cannot be
/// shared.)
fn cache_dir() -> Option<PathBuf> {
    cache_dir_for("GIT_SESSION_E2E_CODEX_CACHE", &format!("codex-{VERSION}"))
}

/// The npm platform package that carries the native binary, and its target triple.
fn platform() -> Option<(&'static str, &'static str)> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some(("codex-linux-x64", "x86_64-unknown-linux-musl")),
        ("linux", "aarch64") => Some(("codex-linux-arm64", "aarch64-unknown-linux-musl")),
        ("macos", "x86_64") => Some(("codex-darwin-x64", "x86_64-apple-darwin")),
        ("macos", "aarch64") => Some(("codex-darwin-arm64", "aarch64-apple-darwin")),
        _ => None,
    }
}

/// The pinned client's native binary, installing it into the cache the first time; or why it
/// cannot be had (the Codex scenarios are then skipped).
pub fn locate() -> Result<PathBuf, String> {
    let (package, triple) = platform().ok_or_else(|| {
        format!(
            "no Codex build for {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    })?;
    let cache = cache_dir().ok_or("no cache directory (set GIT_SESSION_E2E_CODEX_CACHE)")?;
    let bin = cache
        .join("node_modules/@openai")
        .join(package)
        .join("vendor")
        .join(triple)
        .join("bin/codex");
    // The platform binary comes as an optional dependency; no install script runs.
    installed(&cache, &bin, &format!("@openai/codex@{VERSION}"))?;
    let mut c = Command::new(&bin);
    c.arg("--version");
    check_version(c, &bin, VERSION)?;
    Ok(bin)
}

/// A [`World`] for Codex: the Responses mock, a repository whose `.codex/hooks.json` runs
/// git-session, and a `CODEX_HOME` whose `config.toml` points at the mock and trusts both the
/// project and each hook.
pub struct Codex {
    pub w: World,
    pub repo: PathBuf,
    pub home: PathBuf,
    runs: std::cell::Cell<usize>,
}

/// What one `codex exec` printed.
pub struct Exec {
    /// The thread id Codex reported (`session id: …`).
    pub thread: String,
    /// stdout and stderr, stderr last.
    pub output: String,
}

impl Codex {
    /// A world with repository `repo`, hooks installed and trusted, nothing journaled yet.
    pub fn new(bin: &Path) -> Codex {
        let w = World::with_mock(bin, crate::codex_mock::start());
        let repo = w.repo("repo").canonicalize().expect("canonical repo path");
        let home = w.tmp.path().join("codex-home");
        std::fs::create_dir_all(&home).expect("CODEX_HOME");
        let c = Codex {
            w,
            repo,
            home,
            runs: Default::default(),
        };
        c.install_hooks();
        c
    }

    /// The repository's `.codex/hooks.json`.
    pub fn hooks_json(&self) -> PathBuf {
        self.repo.join(".codex/hooks.json")
    }

    /// The trust key Codex gives the first handler of an event's first group.
    pub fn hook_key(&self, snake: &str) -> String {
        format!("{}:{snake}:0:0", self.hooks_json().display())
    }

    /// `config.toml` pointing at the mock, then what a user runs: `git session install --agent
    /// codex --trust`, which writes `.codex/hooks.json` and records the project's and each
    /// hook's trust in `config.toml` (the trust scenario has Codex itself check it).
    fn install_hooks(&self) {
        let config = format!(
            "model = \"mock-model\"\nmodel_provider = \"mock\"\n\
             model_auto_compact_token_limit = {AUTO_COMPACT_LIMIT}\n\
             check_for_update_on_startup = false\n\n\
             [model_providers.mock]\nname = \"mock\"\nbase_url = {}\nenv_key = \"{KEY_ENV}\"\n\
             wire_api = \"responses\"\n\n[analytics]\nenabled = false\n",
            toml_str(&format!("{}/v1", self.w.mock.base_url())),
        );
        std::fs::write(self.home.join("config.toml"), config).expect("config.toml");
        let mut cmd = self
            .w
            .command(&self.repo, Path::new(env!("CARGO_BIN_EXE_git-session")));
        cmd.env("CODEX_HOME", &self.home)
            .args(["install", "--agent", "codex", "--trust"]);
        let out = crate::client::run_bounded(cmd, std::time::Duration::from_secs(60))
            .expect("install runs");
        assert!(
            out.status.success(),
            "install --agent codex --trust: {out:?}"
        );
    }

    /// The `trusted_hash` that `config.toml` records for a trust key.
    pub fn recorded_hash(&self, key: &str) -> Option<String> {
        let config = std::fs::read_to_string(self.home.join("config.toml")).ok()?;
        let header = format!("[hooks.state.{}]", toml_str(key));
        let rest = &config[config.find(&header)? + header.len()..];
        let line = rest.lines().find(|l| l.starts_with("trusted_hash"))?;
        Some(line.split('"').nth(1)?.to_string())
    }

    /// The `codex` command in the repository with the world's environment and `CODEX_HOME`.
    fn codex(&self) -> Command {
        let mut cmd = self.w.command(&self.repo, &self.w.claude);
        cmd.env("CODEX_HOME", &self.home)
            .env(KEY_ENV, "dummy")
            .env("SHELL", "/bin/sh");
        cmd
    }

    /// `codex exec <prompt>` (with `resume <thread>` first when given), to completion.
    /// Commands the agent runs are not sandboxed: the repository's `.git` is read-only in
    /// Codex's default `workspace-write` sandbox, and the journal lives there.
    pub fn exec(&self, resume: Option<&str>, prompt: &str) -> Exec {
        self.exec_in("danger-full-access", resume, prompt)
    }

    /// [`Codex::exec`] with the agent's commands in `sandbox` (`workspace-write` is Codex's
    /// default).
    pub fn exec_in(&self, sandbox: &str, resume: Option<&str>, prompt: &str) -> Exec {
        let mut cmd = self.codex();
        cmd.args(["exec", "--color", "never", "--sandbox", sandbox]);
        if let Some(thread) = resume {
            cmd.args(["resume", thread]);
        }
        cmd.arg(prompt);
        let n = self.runs.get() + 1;
        self.runs.set(n);
        let log = self.w.tmp.path().join(format!("codex-run-{n}.log"));
        let out = match run_bounded(cmd, RUN_TIMEOUT) {
            Ok(o) => o,
            Err(e) => panic!("codex exec {prompt:?}: {e}"),
        };
        let output = format!(
            "{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::write(&log, &output);
        assert!(
            out.status.success(),
            "codex exec {prompt:?} failed:\n{output}"
        );
        let thread = output
            .lines()
            .find_map(|l| l.strip_prefix("session id: "))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| panic!("codex exec reported no session id:\n{output}"));
        Exec { thread, output }
    }

    /// The hooks Codex sees for the repository, through `codex app-server`'s `hooks/list`
    /// (JSON-RPC over stdio): one object per hook with `key`, `currentHash`, `trustStatus`.
    pub fn list_hooks(&self) -> Vec<Value> {
        let mut cmd = self.codex();
        cmd.arg("app-server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("codex app-server starts");
        let mut stdin = child.stdin.take().expect("piped stdin");
        let rx = lines_of(child.stdout.take().expect("piped stdout"));
        let _guard = Guard(Some(child));
        let requests = [
            json!({"id": 1, "method": "initialize",
                   "params": {"clientInfo": {"name": "git-session-e2e", "version": "0"}}}),
            json!({"method": "initialized"}),
            json!({"id": 2, "method": "hooks/list",
                   "params": {"cwds": [self.repo.display().to_string()]}}),
        ];
        for r in requests {
            writeln!(stdin, "{r}").expect("app-server reads its stdin");
        }
        stdin.flush().expect("flush");
        let until = Instant::now() + RUN_TIMEOUT;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                        continue;
                    };
                    if msg["id"] == 2 {
                        return msg["result"]["data"][0]["hooks"]
                            .as_array()
                            .cloned()
                            .unwrap_or_else(|| panic!("hooks/list answered {msg}"));
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no hooks/list answer in time"),
                Err(RecvTimeoutError::Disconnected) => panic!("codex app-server exited"),
            }
        }
    }

    /// The Responses calls that are not the summariser's.
    pub fn model_requests(&self) -> Vec<Request> {
        crate::codex_mock::model_requests(&self.w.mock)
    }

    /// What the mock received, for failure messages.
    pub fn describe(&self) -> String {
        crate::codex_mock::describe(&self.w.mock)
    }

    pub fn gs(&self, args: &[&str]) -> String {
        self.w.gs(&self.repo, args)
    }

    /// The subjects of the journal's commits, newest first.
    pub fn journal(&self) -> Vec<String> {
        self.w
            .git(&self.repo, &["log", "--format=%s", "refs/sessions"])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
