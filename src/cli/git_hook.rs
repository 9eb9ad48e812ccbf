//! `git session git-hook <hook> [args]`: what the git hooks installed by `install --git-hooks`
//! run. Never fails what git is doing: every problem is at most one `warning:` line on stderr,
//! and the exit code is always 0.

use std::io::Read;
use std::time::Duration;

use crate::cli::Context;
use crate::error::Result;
use crate::workspace::Workspace;

/// Which git hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GitHook {
    PrepareCommitMsg,
    CommitMsg,
    PostCommit,
    PrePush,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The hook git runs.
    #[arg(value_enum)]
    hook: GitHook,
    /// git's arguments to the hook.
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
    /// pre-push: stop the journal's fetch or push after SECS seconds.
    #[arg(long, value_name = "SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

/// How long the post-commit hook waits for another git-session command in this worktree
/// before it gives up recording the commit (with a warning).
const RECORD_LOCK_WAIT: Duration = Duration::from_secs(3);

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let warn = |what: &str, e: &crate::error::Error| {
        ctx.printer.warn(&format!(
            "git-session: {what}: {}",
            crate::error::one_line(e)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    };
    let ws = match Workspace::discover(&ctx.dir) {
        Ok(ws) => ws,
        // Not a repository we work in (bare, refused): nothing to do, nothing to say.
        Err(_) => return Ok(0),
    };
    match a.hook {
        GitHook::PrepareCommitMsg => {
            let Some(file) = a.args.first() else {
                return Ok(0);
            };
            let file = ctx.dir.join(file);
            if let Err(e) = crate::code::add_trailer(&ws, &file, a.args.get(1).map(String::as_str))
            {
                warn("no Session: trailer added", &e);
            }
        }
        GitHook::CommitMsg => {
            let Some(file) = a.args.first() else {
                return Ok(0);
            };
            let file = ctx.dir.join(file);
            if let Err(e) = crate::code::add_trailer_after_edit(&ws, &file) {
                warn("no Session: trailer added", &e);
            }
        }
        GitHook::PostCommit => {
            let mut ws = ws;
            ws.set_lock_wait(RECORD_LOCK_WAIT);
            if let Err(e) = crate::code::record_head(&ws) {
                warn("the commit was not recorded in the session's journal", &e);
            }
        }
        GitHook::PrePush => {
            let mut input = String::new();
            let _ = std::io::stdin().take(1 << 20).read_to_string(&mut input);
            let Some(remote) = a.args.first() else {
                return Ok(0);
            };
            if !wants_journal(&input) {
                return Ok(0);
            }
            // `git push --dry-run` runs pre-push too, and must change nothing on the remote.
            if crate::code::invoking_git("push").is_some_and(|args| push_is_dry_run(&args)) {
                return Ok(0);
            }
            crate::remote::set_no_verify();
            if let Err(e) = push_journal(&ws, remote, &ctx.dir, a.timeout) {
                warn(&format!("the journal was not pushed to {remote}"), &e);
            }
        }
    }
    Ok(0)
}

/// Whether a push whose pre-push input is `input` should take the journal along: not when it
/// only deletes refs, and not when it is the journal's own push (`git session sync` pushes
/// `refs/git-session/clones/<id>` and `refs/git-session/sessions`, which runs this hook again:
/// decision 113).
pub fn wants_journal(input: &str) -> bool {
    let zero = |oid: &str| !oid.is_empty() && oid.bytes().all(|b| b == b'0');
    input.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            [_, local_oid, remote_ref, _] => {
                !zero(local_oid) && !remote_ref.starts_with("refs/git-session/")
            }
            _ => false,
        }
    })
}

/// Whether `git push`'s arguments (after `push`) ask for a dry run: `--dry-run`, or `-n` alone
/// or among other short options (`-nv`); the value of `-o`/`--push-option`/`--repo` is not
/// read as options.
pub fn push_is_dry_run(args: &[String]) -> bool {
    let mut takes_value = false;
    for a in args {
        if std::mem::take(&mut takes_value) {
            continue;
        }
        match a.as_str() {
            "--" => return false,
            "--dry-run" => return true,
            "-o" | "--push-option" | "--repo" | "--receive-pack" | "--exec" => takes_value = true,
            s if s.starts_with("--") => {}
            s if s.starts_with('-') => {
                for c in s[1..].chars() {
                    if c == 'n' {
                        return true;
                    }
                    // -o takes the rest as its value (or the next argument).
                    if c == 'o' {
                        takes_value = s.ends_with('o');
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// `git session sync <remote>` within `timeout_secs`, when this repository has a journal.
fn push_journal(
    ws: &Workspace,
    remote: &str,
    cwd: &std::path::Path,
    timeout_secs: u64,
) -> Result<()> {
    if ws.store().tip()?.is_none() {
        return Ok(());
    }
    crate::remote::check_arg(remote)?;
    ws.author()?;
    let peer = crate::sync::peer(ws, remote, cwd);
    crate::remote::set_timeout(Duration::from_secs(timeout_secs));
    crate::sync::sync(ws, &peer, false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wants_journal;

    #[test]
    fn dry_runs_are_seen_in_any_spelling() {
        let v = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(super::push_is_dry_run(&v("-n origin main")));
        assert!(super::push_is_dry_run(&v("--dry-run")));
        assert!(super::push_is_dry_run(&v("-qnv origin")));
        assert!(!super::push_is_dry_run(&v("-o nope origin main")));
        assert!(!super::push_is_dry_run(&v("-onone origin")));
        assert!(!super::push_is_dry_run(&v("origin -- -n")));
        assert!(!super::push_is_dry_run(&v("-u origin main")));
    }

    #[test]
    fn the_journal_goes_along_with_ordinary_pushes_only() {
        let z = "0000000000000000000000000000000000000000";
        let a = "1111111111111111111111111111111111111111";
        assert!(wants_journal(&format!(
            "refs/heads/main {a} refs/heads/main {z}\n"
        )));
        assert!(!wants_journal(&format!(
            "(delete) {z} refs/heads/old {a}\n"
        )));
        assert!(!wants_journal(&format!(
            "{a} {a} refs/git-session/sessions {z}\n"
        )));
        assert!(!wants_journal(&format!(
            "{a} {a} refs/git-session/clones/0123456789ab {z}\n{a} {a} refs/git-session/sessions {z}\n"
        )));
        assert!(!wants_journal(""));
    }
}
