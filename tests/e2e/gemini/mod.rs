//! End-to-end with the real Gemini CLI (issue 16): `gemini -p` against a mock Gemini API, with
//! git-session's hooks in the repository's `.gemini/settings.json`.
//!
//! One of `main`'s suites, like Codex: its scenarios (named `gemini_…`, so
//! `cargo test --test e2e -- gemini` runs only these) get the located client's entry script and
//! run in a [`Gemini`]: a `client::World` with Gemini's settings, talking to `mock.rs` here.

pub mod mock;
pub mod scenarios;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::client::{World, check_version, installed, run_bounded};
use crate::mock::Request;

/// The client the scenarios are pinned to (npm `@google/gemini-cli`).
pub const VERSION: &str = "0.61.0";
/// The model asked for; naming one skips Gemini's router (a classifier request per prompt).
pub const MODEL: &str = "gemini-2.5-pro";
/// Longest a `gemini -p` run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The git-session command a Gemini hook runs for `event` (one of git-session's hook entry
/// points: `session-start`, `user-prompt-submit`, …). The one place to change when hooks learn
/// the Gemini dialect.
pub fn hook_command(exe: &Path, event: &str) -> String {
    format!("'{}' hook {event} --agent gemini", exe.display())
}

/// Which git-session hook each Gemini event runs: BeforeAgent is Gemini's UserPromptSubmit,
/// PreCompress its PreCompact, AfterAgent its Stop.
pub const HOOKS: &[(&str, &str)] = &[
    ("SessionStart", "session-start"),
    ("BeforeAgent", "user-prompt-submit"),
    ("PreCompress", "pre-compact"),
    ("AfterAgent", "stop"),
    ("SessionEnd", "session-end"),
];

/// Where the pinned client is cached: `$GIT_SESSION_E2E_GEMINI_CACHE`, else
/// `$XDG_CACHE_HOME/git-session-e2e/gemini-cli-<version>`, else `~/.cache/…`.
fn cache_dir() -> Option<PathBuf> {
    crate::client::cache_dir_for(
        "GIT_SESSION_E2E_GEMINI_CACHE",
        &format!("gemini-cli-{VERSION}"),
    )
}

/// `node` on PATH.
fn node_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("node"))
        .find(|p| p.is_file())
}

/// `node` on PATH, if it is Node 20 or newer (what the CLI needs).
fn find_node() -> Result<PathBuf, String> {
    let node = node_on_path().ok_or("no node on PATH (Gemini CLI needs Node >= 20)")?;
    let out = run_bounded(
        {
            let mut c = Command::new(&node);
            c.arg("--version");
            c
        },
        Duration::from_secs(30),
    )?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major: u32 = v
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "{} is {v:?}; Gemini CLI needs >= 20",
            node.display()
        ));
    }
    Ok(node)
}

/// The pinned client's entry script (run with the `node` on PATH), installing it into the cache
/// the first time; or why it cannot be had (the Gemini scenarios are then skipped).
pub fn locate() -> Result<PathBuf, String> {
    let node = find_node()?;
    let cache = cache_dir().ok_or("no cache directory (set GIT_SESSION_E2E_GEMINI_CACHE)")?;
    let script = cache.join("node_modules/@google/gemini-cli/bundle/gemini.js");
    // The bundle is plain JavaScript; the optional native packages' install scripts (node-pty,
    // keytar) are not needed in -p mode.
    installed(&cache, &script, &format!("@google/gemini-cli@{VERSION}"))?;
    // `--version` writes ~/.gemini: give it a HOME of its own.
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut c = Command::new(&node);
    c.arg(&script).arg("--version").env("HOME", home.path());
    check_version(c, &script, VERSION)?;
    Ok(script)
}

/// A [`World`] for Gemini: the Gemini API mock, and a HOME whose Gemini settings pick API-key
/// auth and send no telemetry. The world's helpers (`repo`, `git`, `gs`, …) are its own.
pub struct Gemini {
    pub w: World,
    /// The `node` that runs the client's entry script (`w.claude`).
    node: PathBuf,
}

impl std::ops::Deref for Gemini {
    type Target = World;
    fn deref(&self) -> &World {
        &self.w
    }
}

/// What a finished `gemini -p` printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

impl Gemini {
    pub fn new(script: &Path) -> Gemini {
        let w = World::with_mock(script, mock::start());
        let gemini = w.home().join(".gemini");
        std::fs::create_dir_all(&gemini).expect("~/.gemini");
        // With only GOOGLE_GEMINI_BASE_URL set, 0.61.0 picks the "gateway" auth type and then
        // refuses it ("Invalid auth method selected.", exit 41): name API-key auth outright.
        let settings = json!({
            "security": {"auth": {"selectedType": "gemini-api-key"}},
            "privacy": {"usageStatisticsEnabled": false},
            "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false}
        });
        std::fs::write(
            gemini.join("settings.json"),
            serde_json::to_string_pretty(&settings).expect("json"),
        )
        .expect("user settings");
        let node = node_on_path().expect("node on PATH (locate found it)");
        Gemini { w, node }
    }

    /// `gemini <args>` in `dir`: the world's environment, `node`'s directory on PATH after
    /// git-session's, and the client pointed at the mock.
    fn gemini(&self, dir: &Path) -> Command {
        let mut cmd = self.w.command(dir, &self.node);
        let node_dir = self
            .node
            .parent()
            .map(|d| format!("{}:", d.display()))
            .unwrap_or_default();
        let path = format!(
            "{}:{node_dir}/usr/local/bin:/usr/bin:/bin",
            self.w.tmp.path().join("bin").display()
        );
        cmd.arg(&self.w.claude)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("GEMINI_API_KEY", "dummy")
            .env("GOOGLE_GEMINI_BASE_URL", self.w.mock.base_url())
            // Headless runs in an untrusted folder exit 55; trust is not what is tested here.
            .env("GEMINI_CLI_TRUST_WORKSPACE", "true");
        cmd
    }

    /// The streamed generations (the model being asked), in order.
    pub fn model_requests(&self) -> Vec<Request> {
        mock::model_requests(&self.w.mock)
    }

    /// What the mock received, for failure messages.
    pub fn describe(&self) -> String {
        mock::describe(&self.w.mock)
    }

    /// git-session's hooks on `events` (Gemini event names, from [`HOOKS`]) in
    /// `<repo>/.gemini/settings.json`: all of them as a user installs them (`git session install
    /// --agent gemini`), a few written by hand.
    pub fn install_hooks(&self, repo: &Path, events: &[&str]) {
        if HOOKS.iter().all(|(e, _)| events.contains(e)) {
            self.gs(repo, &["install", "--agent", "gemini"]);
            return;
        }
        let exe = Path::new(env!("CARGO_BIN_EXE_git-session"));
        let mut hooks = serde_json::Map::new();
        for (event, ours) in HOOKS.iter().filter(|(e, _)| events.contains(e)) {
            hooks.insert(
                event.to_string(),
                json!([{"hooks": [{"type": "command", "name": "git-session",
                    "command": hook_command(exe, ours), "timeout": 30000}]}]),
            );
        }
        std::fs::create_dir_all(repo.join(".gemini")).expect(".gemini");
        std::fs::write(
            repo.join(".gemini/settings.json"),
            serde_json::to_string_pretty(&json!({"hooks": hooks})).expect("json"),
        )
        .expect("project settings");
    }

    /// `gemini -m MODEL -p <prompt>` in `dir`, to completion.
    pub fn print(&self, dir: &Path, prompt: &str) -> Run {
        let mut cmd = self.gemini(dir);
        cmd.args(["-m", MODEL, "-p", prompt]);
        let out = run_bounded(cmd, RUN_TIMEOUT)
            .unwrap_or_else(|e| panic!("gemini -p {prompt:?}: {e}\n{}", self.describe()));
        let run = Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            out.status.success(),
            "gemini -p {prompt:?} exited {:?}: {}\n{}\n{}",
            out.status.code(),
            run.stdout,
            run.stderr,
            self.describe()
        );
        run
    }
}
