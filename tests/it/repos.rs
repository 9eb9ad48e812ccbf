//! Repositories of every shape (issue 14 items 1-4): opened as git opens them (`GIT_DIR`,
//! `GIT_WORK_TREE`, `GIT_CEILING_DIRECTORIES`), and refused in one line, before anything is
//! written, where this tool cannot work as git would (SHA-256, reftable, dubious ownership).

use std::path::Path;

use crate::common::Env;

/// The `session-start` hook in `dir`: it must exit 0 and print nothing where it is refused.
fn assert_hook_silent(env: &Env, dir: &Path) {
    let event = serde_json::json!({
        "session_id": "claude-1",
        "cwd": dir,
        "hook_event_name": "SessionStart",
        "source": "startup",
    });
    let out = env
        .cmd(dir)
        .args(["hook", "session-start"])
        .write_stdin(event.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

/// Nothing of ours in `repo`: no mirror, no state directory.
fn assert_untouched(repo: &Path) {
    assert!(!repo.join(".sessions").exists());
    assert!(!repo.join(".git/git-session").exists());
    assert!(!repo.join(".git/refs/sessions").exists());
}

#[test]
fn git_dir_and_work_tree_pick_the_repository_as_git_does() {
    let env = Env::new();
    // A dotfiles setup: a bare repository and a work tree elsewhere.
    let dots = env.path("dots.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", dots.to_str().unwrap()],
    );
    let home = env.path("dothome");
    std::fs::create_dir_all(&home).unwrap();
    let out = env
        .cmd(&home)
        .env("GIT_DIR", &dots)
        .env("GIT_WORK_TREE", &home)
        .args(["init", "--name", "dots", "--goal", "G"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(home.join(".sessions/active").is_dir());
    let git = |args: &[&str]| {
        let mut a = vec!["--git-dir", dots.to_str().unwrap()];
        a.extend_from_slice(args);
        env.git(env.tmp.path(), &a)
    };
    assert_eq!(git(&["rev-list", "--count", "refs/sessions"]).trim(), "1");

    // GIT_DIR names repository A while the shell stands in repository B: all goes to A.
    let a = env.repo("a");
    let b = env.repo("b");
    let out = env
        .cmd(&b)
        .env("GIT_DIR", a.join(".git"))
        .env("GIT_WORK_TREE", &a)
        .args(["init", "--name", "there", "--goal", "G"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env.count(&a), 1);
    assert!(a.join(".sessions/active").is_dir());
    assert_untouched(&b);
}

#[test]
fn ceiling_directories_stop_the_search_as_for_git() {
    let env = Env::new();
    let repo = env.repo("r");
    let sub = repo.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let git = std::process::Command::new("git")
        .current_dir(&sub)
        .env("GIT_CEILING_DIRECTORIES", &repo)
        .args(["rev-parse", "--git-dir"])
        .output()
        .unwrap();
    assert!(!git.status.success(), "git itself stops at the ceiling");
    let out = env
        .cmd(&sub)
        .env("GIT_CEILING_DIRECTORIES", &repo)
        .args(["init", "--name", "c", "--goal", "G"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
    assert_untouched(&repo);
}

#[test]
fn sha256_repository_is_refused_naming_its_object_format() {
    let env = Env::new();
    let repo = env.path("r256");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "--object-format=sha256"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    env.git(&repo, &["add", "README"]);
    env.git(&repo, &["commit", "-q", "-m", "first"]);
    let err = env.fails(&repo, &["init", "--name", "s", "--goal", "G"], 1);
    assert!(err.contains("sha256"), "{err}");
    assert!(!err.contains("not a git repository"), "{err}");
    assert_untouched(&repo);
    assert_hook_silent(&env, &repo);
    assert_untouched(&repo);
}

#[test]
fn reftable_repository_is_refused_before_writing_a_ref_git_cannot_see() {
    let env = Env::new();
    let repo = env.path("rt");
    std::fs::create_dir_all(&repo).unwrap();
    let probe = std::process::Command::new("git")
        .args([
            "init",
            "-q",
            "--ref-format=reftable",
            repo.to_str().unwrap(),
        ])
        .env("HOME", env.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    if !probe.status.success() {
        eprintln!("skipped: this git cannot create reftable repositories (needs 2.45)");
        return;
    }
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    env.git(&repo, &["add", "README"]);
    env.git(&repo, &["commit", "-q", "-m", "first"]);
    let err = env.fails(&repo, &["init", "--name", "t", "--goal", "G"], 1);
    assert!(err.contains("reftable"), "{err}");
    assert_untouched(&repo);
    assert_hook_silent(&env, &repo);
    assert_untouched(&repo);
    // git sees no journal: nothing was written anywhere.
    let refs = env.git(&repo, &["for-each-ref"]);
    assert!(!refs.contains("sessions"), "{refs}");
}

#[test]
fn repository_of_another_user_is_refused_with_gits_hint() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: only root can give a repository to another user");
        return;
    }
    let env = Env::new();
    let repo = env.repo("theirs");
    let chown = std::process::Command::new("chown")
        .args(["-R", "12345:12345", repo.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(chown.success());
    // git refuses it too.
    let git = std::process::Command::new("git")
        .current_dir(&repo)
        .env("HOME", env.home())
        .env("GIT_CONFIG_GLOBAL", env.home().join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["status"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&git.stderr).contains("dubious ownership"));

    let err = env.fails(&repo, &["init", "--name", "o", "--goal", "G"], 1);
    assert!(err.contains("dubious ownership"), "{err}");
    assert!(
        err.contains("git config --global --add safe.directory"),
        "{err}"
    );
    assert_untouched(&repo);
    assert_hook_silent(&env, &repo);
    assert_untouched(&repo);

    // safe.directory lets it in, as it lets git in.
    env.git(
        env.tmp.path(),
        &[
            "config",
            "--global",
            "--add",
            "safe.directory",
            repo.to_str().unwrap(),
        ],
    );
    env.gs(&repo, &["init", "--name", "o", "--goal", "G"]);
    assert_eq!(env.count(&repo), 1);
}

/// `git` with this environment and the built `git-session` first on PATH, so that
/// `git session …` runs it as git runs any external command.
fn git_with_session(env: &Env, dir: &Path) -> std::process::Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_git-session"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir);
    env.apply(&mut cmd);
    cmd.env("PATH", path);
    cmd
}

#[test]
fn sync_works_with_a_relative_git_dir_and_work_tree_as_git_push_does() {
    let env = Env::new();
    let remote = env.bare_remote();
    let top = env.tmp.path();
    env.git(top, &["init", "-q", "--bare", "dot.git"]);
    env.git(top, &["--git-dir=dot.git", "config", "core.bare", "false"]);
    std::fs::create_dir_all(env.path("home")).unwrap();
    std::fs::write(env.path("home/f"), "f\n").unwrap();
    let plain = |args: &[&str]| {
        let mut a = vec!["--git-dir=dot.git", "--work-tree=home"];
        a.extend_from_slice(args);
        env.git(top, &a)
    };
    plain(&["add", "f"]);
    plain(&["commit", "-qm", "init"]);
    plain(&["remote", "add", "origin", remote.to_str().unwrap()]);
    // The environment form, relative paths, run from the directory above both.
    let out = env
        .cmd(top)
        .env("GIT_DIR", "dot.git")
        .env("GIT_WORK_TREE", "home")
        .args(["init", "--name", "d", "--goal", "G"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for args in [&["sync"][..], &["sync", remote.to_str().unwrap()]] {
        let out = env
            .cmd(top)
            .env("GIT_DIR", "dot.git")
            .env("GIT_WORK_TREE", "home")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let tip = plain(&["rev-parse", "refs/sessions"]);
    let pushed = env.git(&remote, &["rev-parse", "refs/git-session/sessions"]);
    assert_eq!(tip, pushed);

    // The option form: git sets GIT_DIR/GIT_WORK_TREE as typed, relative.
    let out = git_with_session(&env, top)
        .args([
            "--git-dir=dot.git",
            "--work-tree=home",
            "session",
            "log",
            "--progress",
            "p",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = git_with_session(&env, top)
        .args(["--git-dir=dot.git", "--work-tree=home", "session", "sync"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let tip = plain(&["rev-parse", "refs/sessions"]);
    let pushed = env.git(&remote, &["rev-parse", "refs/git-session/sessions"]);
    assert_eq!(tip, pushed);
}

#[test]
fn git_dash_c_settings_apply_as_for_any_git_command() {
    let env = Env::new();
    let a = env.repo("a");
    for name in ["o.git", "u.git"] {
        env.git(env.tmp.path(), &["init", "-q", "--bare", name]);
    }
    env.git(
        &a,
        &[
            "remote",
            "add",
            "origin",
            env.path("o.git").to_str().unwrap(),
        ],
    );
    env.git(
        &a,
        &[
            "remote",
            "add",
            "upstream",
            env.path("u.git").to_str().unwrap(),
        ],
    );
    // No identity in any file: only `git -c` gives one, as `git -c … commit` would take it.
    std::fs::write(
        env.home().join(".gitconfig"),
        "[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let out = env.run(&a, &["init", "--name", "s", "--goal", "G"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no identity without -c: {out:?}"
    );
    let out = git_with_session(&env, &a)
        .args(["-c", "user.name=Over Ride", "-c", "user.email=o@x"])
        .args(["session", "init", "--name", "s", "--goal", "G"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let author = env.git(&a, &["log", "-1", "--format=%an <%ae>", "refs/sessions"]);
    assert_eq!(author.trim(), "Over Ride <o@x>");

    // `-c remote.pushDefault=upstream` picks the remote git push would use.
    let out = git_with_session(&env, &a)
        .args(["-c", "user.name=A", "-c", "user.email=a@x"])
        .args(["-c", "remote.pushDefault=upstream", "session", "sync"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let has_journal = |remote: &str| {
        let mut cmd = std::process::Command::new("git");
        env.apply(&mut cmd);
        cmd.current_dir(env.path(remote))
            .args(["rev-parse", "-q", "--verify", "refs/git-session/sessions"])
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(has_journal("u.git"), "{out:?}");
    assert!(!has_journal("o.git"), "{out:?}");
}

#[test]
fn not_a_repository_is_one_line_worded_as_git_words_it() {
    let env = Env::new();
    let nowhere = env.path("nowhere");
    std::fs::create_dir_all(&nowhere).unwrap();
    let err = env.fails(&nowhere, &["list"], 1);
    assert_eq!(
        err.trim_end(),
        "git-session: error: not a git repository (or any of the parent directories): .git"
    );

    let repo = env.repo("r");
    let sub = repo.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let out = env
        .cmd(&sub)
        .env("GIT_CEILING_DIRECTORIES", &repo)
        .arg("list")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("up to the ceiling {}", repo.display())),
        "{err}"
    );
    assert!(
        !err.contains("up to /") && !err.contains("NotFound"),
        "{err}"
    );

    let nope = env.path("nope");
    let out = env
        .cmd(&sub)
        .env("GIT_DIR", &nope)
        .arg("list")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        err.trim_end(),
        format!(
            "git-session: error: not a git repository: '{}'",
            nope.display()
        )
    );
}
