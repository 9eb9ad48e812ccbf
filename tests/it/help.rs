//! The help a git command has: `git session --help` opens a manual page (after
//! `install --man`), `git session man` prints one, and `git session completions` completes in
//! bash (also under git's own completion), zsh and fish.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Env;

/// Whether `program` runs here; prints the SKIPPED line when it does not.
fn have(program: &str, why: &str) -> bool {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("SKIPPED ({program} is not installed: {why})");
    }
    ok
}

/// `$HOME/.local/bin` holding `git-session` (a link to the binary under test), and a PATH that
/// starts with it: a user who installed the binary there.
fn user_bin(env: &Env) -> (PathBuf, String) {
    let bin = env.home().join(".local/bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_git-session"), bin.join("git-session")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (bin, path)
}

/// A command in `dir` with the test environment, `PATH`, a pager that only copies, and no
/// MANPATH of the machine's.
fn with_path(env: &Env, program: &str, dir: &Path, path: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir);
    env.apply(&mut cmd);
    cmd.env("PATH", path)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("GIT_PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("MAN_DISABLE_SECCOMP", "1")
        .env_remove("MANPATH")
        .env_remove("XDG_DATA_HOME");
    cmd
}

#[test]
fn git_session_help_opens_the_installed_man_page() {
    let env = Env::new();
    let repo = env.repo("r");
    let (bin, path) = user_bin(&env);
    let out = with_path(&env, "git-session", &repo, &path)
        .args(["install", "--man"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let man1 = env.home().join(".local/share/man/man1");
    assert!(
        stdout.contains(&format!(
            "wrote     {}",
            man1.join("git-session.1").display()
        )),
        "{stdout}"
    );
    assert!(man1.join("git-session-statusline.1").is_file());
    assert!(man1.join("git-session-log.1").is_file());
    if !have("man", "the check that git's --help finds the page") {
        return;
    }
    assert!(stdout.contains("man finds it"), "{stdout}");
    let out = with_path(&env, "git", &repo, &path)
        .args(["session", "--help"])
        .output()
        .unwrap();
    // man justifies the text: compare with single spaces.
    let page = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(out.status.success(), "{out:?}");
    assert!(
        page.starts_with("git-session(1) Git Session Manual git-session(1) NAME"),
        "{page}"
    );
    assert!(
        page.contains("git-session - A journal for AI coding agents"),
        "{page}"
    );
    assert!(page.contains("statusline"), "{page}");
    assert!(page.contains("completions"), "{page}");
    // A subcommand's page.
    let out = with_path(&env, "man", &repo, &path)
        .args(["git-session-log"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--blocker"),
        "{out:?}"
    );
    let _ = bin;
}

#[test]
fn install_man_twice_then_uninstall_removes_exactly_what_it_wrote() {
    let env = Env::new();
    let repo = env.repo("r");
    let (_, path) = user_bin(&env);
    let man1 = env.home().join(".local/share/man/man1");
    fs::create_dir_all(&man1).unwrap();
    // Pages of the user's: another program's, and one under a name we would write.
    fs::write(man1.join("other.1"), ".TH other 1\n").unwrap();
    fs::write(
        man1.join("git-session-sync.1"),
        ".TH mine 1\nhand written\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = with_path(&env, "git-session", &repo, &path)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (_, err) = run(&["install", "--man"]);
    assert!(
        err.contains("git-session-sync.1: not written by git-session; not overwritten"),
        "{err}"
    );
    let (out, _) = run(&["install", "--man"]);
    assert!(out.contains("Nothing to change"), "{out}");
    let (out, _) = run(&["install", "--man", "--uninstall"]);
    assert!(out.contains("removed   "), "{out}");
    let mut left: Vec<String> = fs::read_dir(&man1)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["git-session-sync.1", "other.1"]);
    assert_eq!(
        fs::read_to_string(man1.join("git-session-sync.1")).unwrap(),
        ".TH mine 1\nhand written\n"
    );
    // Into an empty home: uninstall leaves no directory of ours behind.
    fs::remove_file(man1.join("other.1")).unwrap();
    fs::remove_file(man1.join("git-session-sync.1")).unwrap();
    run(&["install", "--man"]);
    run(&["install", "--man", "--uninstall"]);
    assert!(!man1.exists());
    // --man is for the manual pages only.
    env.fails(&repo, &["install", "--man", "--agent", "codex"], 2);
}

#[test]
fn man_prints_the_roff_source() {
    let env = Env::new();
    let repo = env.repo("r");
    let page = env.gs(&repo, &["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains(".TH git-session 1"), "{page}");
    assert!(page.contains("git\\-session\\-statusline"), "{page}");
    let log = env.gs(&repo, &["man", "log"]);
    assert!(log.contains(".TH git-session-log 1"), "{log}");
    let err = env.fails(&repo, &["man", "nope"], 2);
    assert!(err.contains("no manual page for 'nope'"), "{err}");
}

#[test]
fn completions_load_in_bash_and_complete_under_git() {
    let env = Env::new();
    let repo = env.repo("r");
    for shell in ["zsh", "fish"] {
        let text = env.gs(&repo, &["completions", shell]);
        assert!(text.contains("git-session"), "{shell}: {text}");
        assert!(text.contains("statusline"), "{shell}: {text}");
    }
    if !have("bash", "the completion checks") {
        return;
    }
    let (_, path) = user_bin(&env);
    // Loads without a word on stderr, and defines both functions.
    let out = with_path(&env, "bash", &repo, &path)
        .args([
            "--norc",
            "--noprofile",
            "-c",
            "source <(git-session completions bash) && complete -p git-session && declare -F _git_session",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    // git-session's own completion.
    let complete = |script: &str| {
        let out = with_path(&env, "bash", &repo, &path)
            .args(["--norc", "--noprofile", "-c", script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let mut words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .map(String::from)
            .collect();
        words.sort();
        words
    };
    let own = complete(
        "source <(git-session completions bash)
         COMP_WORDS=(git-session in); COMP_CWORD=1; COMP_LINE='git-session in'; COMP_POINT=14
         _git__session git-session in git-session
         echo \"${COMPREPLY[@]}\"",
    );
    assert_eq!(own, ["init", "install"]);
    let git_completion = Path::new("/usr/share/bash-completion/completions/git");
    if !git_completion.is_file() {
        println!(
            "SKIPPED (no git bash completion at {})",
            git_completion.display()
        );
        return;
    }
    let script = format!(
        "source {}
         source <(git-session completions bash)
         COMP_WORDS=(git session in); COMP_CWORD=2; COMP_LINE='git session in'; COMP_POINT=14
         __git_wrap__git_main
         echo \"${{COMPREPLY[@]}}\"",
        git_completion.display()
    );
    assert_eq!(complete(&script), ["init", "install"]);
    // A flag of a subcommand, after a global git option.
    let script = format!(
        "source {}
         source <(git-session completions bash)
         COMP_WORDS=(git -C . session install --agen); COMP_CWORD=5
         COMP_LINE='git -C . session install --agen'; COMP_POINT=${{#COMP_LINE}}
         __git_wrap__git_main
         echo \"${{COMPREPLY[@]}}\"",
        git_completion.display()
    );
    assert_eq!(complete(&script), ["--agent"]);
}
