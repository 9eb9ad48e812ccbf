//! The real Claude Code client: installed once into a cache outside the clone, run in temp
//! repositories with their own HOME, always with a timeout and killed on drop.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::mock::Mock;

/// The client the suite is pinned to.
pub const VERSION: &str = "2.1.332";
/// Longest a `claude -p` run or a stream-json turn may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest the npm install may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Where the pinned client is cached: `$GIT_SESSION_E2E_CACHE`, else
/// `$XDG_CACHE_HOME/git-session-e2e/claude-code-<version>`, else `~/.cache/…`.
fn cache_dir() -> Option<PathBuf> {
    cache_dir_for("GIT_SESSION_E2E_CACHE", &format!("claude-code-{VERSION}"))
}

/// Where a pinned client is cached: `$<var>` when set, else
/// `$XDG_CACHE_HOME/git-session-e2e/<dir>`, else `~/.cache/git-session-e2e/<dir>`. Each client
/// has its own variable, which names its install directory itself.
pub fn cache_dir_for(var: &str, dir: &str) -> Option<PathBuf> {
    if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("git-session-e2e").join(dir))
}

/// The npm platform package that carries the native binary.
fn platform_package() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("claude-code-linux-x64"),
        ("linux", "aarch64") => Some("claude-code-linux-arm64"),
        ("macos", "x86_64") => Some("claude-code-darwin-x64"),
        ("macos", "aarch64") => Some("claude-code-darwin-arm64"),
        _ => None,
    }
}

fn binary_in(cache: &Path, platform: &str) -> PathBuf {
    cache
        .join("node_modules/@anthropic-ai")
        .join(platform)
        .join("claude")
}

/// Run `cmd` to completion within `limit`; its output, or why not.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Result<std::process::Output, String> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut guard = Guard(Some(child));
    let until = Instant::now() + limit;
    loop {
        let child = guard.0.as_mut().expect("child is held until taken");
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            let child = guard.0.take().expect("child is held until taken");
            return child.wait_with_output().map_err(|e| e.to_string());
        }
        if Instant::now() > until {
            return Err(format!(
                "{:?} did not finish within {} s",
                cmd.get_program(),
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kills its child when dropped.
pub struct Guard(pub Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The pinned client's binary, installing it into the cache the first time; or why it cannot
/// be had (the suite then skips).
pub fn locate() -> Result<PathBuf, String> {
    let platform = platform_package()
        .ok_or_else(|| format!("no Claude Code build for {}", std::env::consts::ARCH))?;
    let cache = cache_dir().ok_or("no cache directory (set GIT_SESSION_E2E_CACHE)")?;
    let bin = binary_in(&cache, platform);
    // The postinstall script only copies the platform binary, which the platform package
    // already carries.
    installed(
        &cache,
        &bin,
        &format!("@anthropic-ai/claude-code@{VERSION}"),
    )?;
    let mut c = Command::new(&bin);
    c.arg("--version");
    check_version(c, &bin, VERSION)?;
    Ok(bin)
}

/// Run a client's `--version` (`cmd`), which must succeed and print `want` as a word of its own
/// (`2.1.332 (Claude Code)`, `codex-cli 0.171.0`, `0.61.0`); `client` names it in the reason.
pub fn check_version(cmd: Command, client: &Path, want: &str) -> Result<(), String> {
    let out = run_bounded(cmd, Duration::from_secs(60))?;
    let version = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !version.split_whitespace().any(|w| w == want) {
        return Err(format!(
            "{} --version said {:?} (want {want})",
            client.display(),
            version.trim()
        ));
    }
    Ok(())
}

/// Make sure `file` (a client's binary or entry script) is in `cache`, installing `package`
/// there with [`npm_install`] when it is not; or why it cannot be had.
pub fn installed(cache: &Path, file: &Path, package: &str) -> Result<(), String> {
    if !file.is_file() {
        npm_install(cache, package)?;
    }
    if !file.is_file() {
        return Err(format!("npm installed no {}", file.display()));
    }
    Ok(())
}

/// `npm install --ignore-scripts <package>` (a pinned `name@version`) into a fresh directory
/// beside `cache`, then move it in place, so an interrupted install never leaves a half cache
/// behind. No install script runs: the clients need none, and npm runs no code of theirs.
fn npm_install(cache: &Path, package: &str) -> Result<(), String> {
    let parent = cache.parent().ok_or("cache directory has no parent")?;
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let name = cache.file_name().map(|n| n.to_string_lossy().into_owned());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}-install-", name.unwrap_or_default()))
        .tempdir_in(parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    let mut npm = Command::new("npm");
    npm.current_dir(staging.path())
        .args([
            "install",
            "--no-save",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(staging.path())
        .arg(package);
    let out =
        run_bounded(npm, INSTALL_TIMEOUT).map_err(|e| format!("npm install {package}: {e}"))?;
    if !out.status.success() {
        // npm 6–9 say `npm ERR!`, npm 10 `npm error`.
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.contains("ERR") || l.to_lowercase().contains("error"))
            .unwrap_or("failed");
        return Err(format!("npm install {package}: {}", line.trim()));
    }
    let staged = staging.keep();
    if std::fs::rename(&staged, cache).is_err() {
        // Another run installed it meanwhile: keep theirs.
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(())
}

/// A temp directory with its own HOME, git identity, a `git-session` on PATH and a mock API.
pub struct World {
    pub tmp: TempDir,
    pub claude: PathBuf,
    pub mock: Mock,
    /// Run the client with a desktop launcher's PATH, without git-session on it.
    pub minimal_path: bool,
    /// The debug log of the last client started.
    last_debug: std::cell::RefCell<PathBuf>,
    runs: std::cell::Cell<usize>,
    /// Variables added to the client's environment.
    pub client_env: Vec<(String, String)>,
}

impl World {
    pub fn new(claude: &Path) -> World {
        World::with_mock(claude, Mock::start())
    }

    /// A world whose client talks to `mock`.
    pub fn with_mock(client: &Path, mock: Mock) -> World {
        let tmp = tempfile::tempdir().expect("temp dir");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".config")).expect("home");
        std::fs::create_dir_all(tmp.path().join("tmp")).expect("tmp");
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .expect("gitconfig");
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_git-session"), bin.join("git-session"))
            .expect("git-session on PATH");
        World {
            tmp,
            claude: client.to_path_buf(),
            mock,
            minimal_path: false,
            last_debug: Default::default(),
            runs: Default::default(),
            client_env: Vec::new(),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// The debug log of the last client started.
    pub fn debug_log(&self) -> PathBuf {
        self.last_debug.borrow().clone()
    }

    /// The environment every process of the world runs with, and nothing else.
    fn apply(&self, cmd: &mut Command) {
        self.apply_path(cmd, false);
    }

    fn apply_path(&self, cmd: &mut Command, minimal: bool) {
        let system = "/usr/local/bin:/usr/bin:/bin";
        let path = if minimal {
            system.to_string()
        } else {
            format!("{}:{system}", self.tmp.path().join("bin").display())
        };
        cmd.env_clear()
            .env("HOME", self.home())
            .env("PATH", path)
            .env("USER", "tester")
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env("TMPDIR", self.tmp.path().join("tmp"))
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("ANTHROPIC_BASE_URL", self.mock.base_url())
            .env("ANTHROPIC_API_KEY", "dummy")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1");
    }

    /// `program` in `dir` with the world's environment (and nothing else).
    pub fn command(&self, dir: &Path, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir);
        self.apply(&mut cmd);
        cmd
    }

    /// Run a command in `dir` to completion, asserting success; returns stdout.
    pub fn run(&self, dir: &Path, program: &str, args: &[&str]) -> String {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir).args(args);
        self.apply(&mut cmd);
        let out = run_bounded(cmd, Duration::from_secs(60)).expect("command runs");
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        self.run(dir, "git", args)
    }

    pub fn gs(&self, dir: &Path, args: &[&str]) -> String {
        let mut all = vec!["session"];
        all.extend_from_slice(args);
        self.run(dir, "git", &all)
    }

    /// `git session init` of the session the scenarios start from: `first`, with a goal and a
    /// current step.
    pub fn init_first(&self, repo: &Path) -> String {
        self.gs(
            repo,
            &[
                "init",
                "--name",
                "first",
                "--goal",
                "Teach the parser about tabs",
                "--step",
                "write the tokenizer",
            ],
        )
    }

    /// A new repository with one commit on main.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        std::fs::create_dir_all(&dir).expect("repo dir");
        self.git(&dir, &["init", "-q"]);
        std::fs::write(dir.join("README"), "hello\n").expect("README");
        self.git(&dir, &["add", "README"]);
        self.git(&dir, &["commit", "-q", "-m", "first"]);
        dir
    }

    /// The `claude` command in `dir`, its debug log in `debug`, with `extra` arguments.
    fn claude_cmd(&self, dir: &Path, debug: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new(&self.claude);
        cmd.current_dir(dir);
        self.apply_path(&mut cmd, self.minimal_path);
        *self.last_debug.borrow_mut() = debug.to_path_buf();
        cmd.envs(self.client_env.iter().map(|(k, v)| (k, v)));
        cmd.arg("--debug-file")
            .arg(debug)
            .args(["--allowedTools", "Bash", "--model", "claude-sonnet-4-5"])
            .args(extra);
        cmd
    }

    /// A fresh debug-log path.
    fn debug_path(&self) -> PathBuf {
        let n = self.runs.get() + 1;
        self.runs.set(n);
        self.tmp.path().join(format!("claude-debug-{n}.log"))
    }

    /// `claude -p <prompt> extra…` in `dir`, to completion; its stdout.
    pub fn print(&self, dir: &Path, prompt: &str, extra: &[&str]) -> Run {
        let debug = self.debug_path();
        let mut cmd = self.claude_cmd(dir, &debug, extra);
        cmd.arg("-p").arg(prompt);
        let out = run_bounded(cmd, RUN_TIMEOUT);
        let out = match out {
            Ok(o) => o,
            Err(e) => panic!("claude -p {prompt:?}: {e}\n{}", tail_of(&debug)),
        };
        let run = Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            debug,
        };
        assert!(
            out.status.success(),
            "claude -p {prompt:?} failed: {}\n{}\n{}",
            run.stdout,
            run.stderr,
            tail_of(&run.debug)
        );
        run
    }

    /// A multi-turn `claude` session on stream-json in `dir`.
    pub fn session(&self, dir: &Path, extra: &[&str]) -> Session {
        let debug = self.debug_path();
        let mut cmd = self.claude_cmd(dir, &debug, extra);
        cmd.args([
            "-p",
            "--input-format",
            "stream-json",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("claude starts");
        let stdin = child.stdin.take();
        let rx = lines_of(child.stdout.take().expect("piped stdout"));
        Session {
            child: Guard(Some(child)),
            stdin,
            lines: rx,
            debug,
            events: Vec::new(),
        }
    }
}

/// The journal commits that record a compaction ("compaction N"), newest first. A commit made
/// before the compaction (PreCompact saving the state) is not one.
pub fn compactions(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|l| {
            l.starts_with("compact(")
                && l.split("compaction ")
                    .nth(1)
                    .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        })
        .cloned()
        .collect()
}

/// The lines a child prints on `stdout`, as they come, read on a thread of their own (so a wait
/// for one can time out); the channel closes when the child closes its stdout.
pub fn lines_of(stdout: ChildStdout) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The last part of a debug log, for a failure message.
pub fn tail_of(debug: &Path) -> String {
    let text = std::fs::read_to_string(debug).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(60);
    format!(
        "--- last lines of {} ---\n{}",
        debug.display(),
        lines[from..].join("\n")
    )
}

/// What a finished `claude -p` printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub debug: PathBuf,
}

/// A running stream-json session; dropping it kills the client.
pub struct Session {
    child: Guard,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    pub debug: PathBuf,
    /// Every event the client printed so far.
    pub events: Vec<Value>,
}

impl Session {
    /// Send one user message and wait for that turn's `result` event; returns the result.
    pub fn turn(&mut self, text: &str) -> Value {
        let msg = json!({"type": "user", "message": {"role": "user", "content": text}});
        self.turn_raw(&msg.to_string())
    }

    /// Send one line of stream-json as it is (for what serde_json cannot write, such as a lone
    /// surrogate) and wait for the turn's `result` event.
    pub fn turn_raw(&mut self, msg: &str) -> Value {
        let text = msg;
        let stdin = self.stdin.as_mut().expect("session is open");
        writeln!(stdin, "{msg}")
            .and_then(|_| stdin.flush())
            .expect("claude reads its stdin");
        let until = Instant::now() + RUN_TIMEOUT;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let Ok(ev) = serde_json::from_str::<Value>(&line) else {
                        continue;
                    };
                    let done = ev["type"] == "result";
                    self.events.push(ev.clone());
                    if done {
                        return ev;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no result for {text:?} within {} s\n{}",
                    RUN_TIMEOUT.as_secs(),
                    tail_of(&self.debug)
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("claude exited during {text:?}\n{}", tail_of(&self.debug))
                }
            }
        }
    }

    /// The Claude session id the client reported.
    pub fn id(&self) -> Option<String> {
        self.events
            .iter()
            .find_map(|e| e["session_id"].as_str().map(str::to_string))
    }

    /// Close stdin and wait (bounded) for the client to end, so SessionEnd runs.
    pub fn close(mut self) {
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(30);
        while let Some(c) = self.child.0.as_mut() {
            if c.try_wait().ok().flatten().is_some() || Instant::now() > until {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for World {
    /// With `GIT_SESSION_E2E_DUMP=<dir>`, every request the mock received is kept in
    /// `<dir>/<scenario>.json`, and the client's debug logs beside it: evidence to read.
    fn drop(&mut self) {
        let Some(dir) = std::env::var_os("GIT_SESSION_E2E_DUMP") else {
            return;
        };
        let dir = PathBuf::from(dir);
        let name = std::thread::current().name().unwrap_or("world").to_string();
        let _ = std::fs::create_dir_all(&dir);
        let all: Vec<Value> = self
            .mock
            .requests()
            .into_iter()
            .map(|r| json!({"method": r.method, "path": r.path, "body": r.body}))
            .collect();
        let _ = std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(&all).unwrap_or_default(),
        );
        if let Ok(entries) = std::fs::read_dir(self.tmp.path()) {
            for e in entries.flatten() {
                let f = e.file_name().to_string_lossy().into_owned();
                if f.starts_with("claude-debug-") || f.starts_with("codex-run-") {
                    let _ = std::fs::copy(e.path(), dir.join(format!("{name}.{f}")));
                }
            }
        }
    }
}
