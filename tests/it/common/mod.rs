//! Hermetic test environment: temp repositories, their own HOME and git identity, the real binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A temp directory with its own HOME and global git config.
pub struct Env {
    pub tmp: TempDir,
}

impl Env {
    pub fn new() -> Env {
        let tmp = tempfile::tempdir().expect("temp dir");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        Env { tmp }
    }

    pub fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// Give `cmd` this environment: its HOME, its global git config, no system config.
    pub fn apply(&self, cmd: &mut std::process::Command) {
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
            "EMAIL",
            "NO_COLOR",
            "GIT_CONFIG_PARAMETERS",
            // A test run inside Claude Code must not look like a hook or command of it.
            "CLAUDECODE",
            "CLAUDE_CODE_SESSION_ID",
            "CLAUDE_PLUGIN_ROOT",
            "CLAUDE_PLUGIN_DATA",
            "CLAUDE_PROJECT_DIR",
            // Nor like a command of another agent (see git_session::agent::Agent::from_env).
            "CODEX_HOME",
            "CODEX_THREAD_ID",
            "CODEX_SESSION_ID",
            "CODEX_TOOL_CALL_ID",
            "GEMINI_CLI",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOSTNAME", "testhost");
    }

    /// Run git in `dir`, asserting success; returns stdout.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(dir).args(args);
        self.apply(&mut cmd);
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run git in `dir` with `input` on its stdin, asserting success; returns stdout.
    pub fn git_input(&self, dir: &Path, args: &[&str], input: &[u8]) -> String {
        use std::io::Write;
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(dir).args(args);
        self.apply(&mut cmd);
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A new repository with one commit on main.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git(&dir, &["init", "-q"]);
        std::fs::write(dir.join("README"), "hello\n").unwrap();
        self.git(&dir, &["add", "README"]);
        self.git(&dir, &["commit", "-q", "-m", "first"]);
        dir
    }

    /// A bare `remote.git` that already holds a `main` branch (pushed from a repository `seed`).
    pub fn bare_remote(&self) -> PathBuf {
        let remote = self.path("remote.git");
        self.git(
            self.tmp.path(),
            &["init", "-q", "--bare", remote.to_str().unwrap()],
        );
        let seed = self.repo("seed");
        self.git(
            &seed,
            &["remote", "add", "origin", remote.to_str().unwrap()],
        );
        self.git(&seed, &["push", "-q", "origin", "main"]);
        remote
    }

    /// A clone of `remote` in a new directory `name` (`git clone -q`).
    pub fn clone_of(&self, remote: &Path, name: &str) -> PathBuf {
        let dir = self.path(name);
        self.git(
            self.tmp.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
        );
        dir
    }

    /// The tree id of the journal in `dir` (`refs/sessions^{tree}`).
    pub fn journal_tree(&self, dir: &Path) -> String {
        self.git(dir, &["rev-parse", "refs/sessions^{tree}"])
            .trim()
            .to_string()
    }

    /// Write `script` to `path` as an executable file (a git hook).
    pub fn write_executable(&self, path: &Path, script: &str) {
        std::fs::write(path, script).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    /// `git-session` in `dir` as a plain process (to spawn, wait for, or kill).
    pub fn std_cmd(&self, dir: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_git-session"));
        cmd.current_dir(dir);
        self.apply(&mut cmd);
        cmd
    }

    /// `program` (a copy of git-session, or a shell) in `dir` with this environment.
    pub fn std_cmd_of(&self, program: &Path, dir: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.current_dir(dir);
        self.apply(&mut cmd);
        cmd
    }

    /// `git-session` in `dir`, not yet run.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_git-session"));
        cmd.current_dir(dir);
        self.apply(&mut cmd);
        Command::from_std(cmd)
    }

    /// Run `git-session args` in `dir`, asserting success; returns stdout.
    pub fn gs(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.run(dir, args);
        assert!(
            out.status.success(),
            "git-session {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run `git-session args` in `dir` with a stdin that is never closed nor written (a client
    /// that hangs): returns what it printed, its exit, and how long it took to give up.
    pub fn run_with_stdin_open(&self, dir: &Path, args: &[&str]) -> (Output, std::time::Duration) {
        let started = std::time::Instant::now();
        let mut child = self
            .std_cmd(dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("binary runs");
        let _stdin = child.stdin.take();
        let out = child.wait_with_output().expect("binary runs");
        (out, started.elapsed())
    }

    /// Run `git-session args` in `dir` whatever happens.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.cmd(dir).args(args).output().expect("binary runs")
    }

    /// Run and expect failure with `code`; returns stderr.
    pub fn fails(&self, dir: &Path, args: &[&str], code: i32) -> String {
        let out = self.run(dir, args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "git-session {args:?}: expected exit {code}, stderr: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "expected one stderr line, got: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    /// Number of commits on refs/sessions.
    pub fn count(&self, dir: &Path) -> usize {
        self.git(dir, &["rev-list", "--count", "refs/sessions"])
            .trim()
            .parse()
            .unwrap()
    }

    /// The single session file under `.sessions/active`.
    pub fn active_file(&self, dir: &Path) -> PathBuf {
        let files: Vec<PathBuf> = std::fs::read_dir(dir.join(".sessions/active"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files[0].clone()
    }

    /// `git fsck` is clean.
    pub fn fsck(&self, dir: &Path) {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(dir)
            .args(["fsck", "--strict", "--no-dangling"]);
        self.apply(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "fsck: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !text.contains("error") && !text.contains("missing"),
            "fsck: {text}"
        );
    }
}
