//! `install --git-hooks`: git's own hooks (`prepare-commit-msg`, `commit-msg`, `post-commit`,
//! `pre-push`) in the repository's hooks directory, shared by all its worktrees.
//!
//! A hook the user already has is moved aside to `<hook>.git-session-chained` (a rename: the
//! same inode, bytes and mode bits) and our script runs it after (before, for `pre-push`) its own
//! part, with the same arguments and standard input; the user's hook's exit code decides.
//! Uninstall removes our script and renames the user's hook back, so the directory is as it was.
//! Our script is recognised by its exact text (rendered with any binary path): one the user
//! edited is neither overwritten nor removed.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::install::{Report, shell_quote};

/// The hooks install writes, in the order they run in a commit and a push.
/// `commit-msg` adds the trailer to a message written in the editor, which `prepare-commit-msg`
/// (run before the editor opens) must leave alone (decision 119).
pub const HOOKS: [&str; 4] = [
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-push",
];

/// The suffix a user's hook is moved aside under.
pub const CHAINED: &str = ".git-session-chained";

/// The line that marks a script as ours (its second line).
const MARKER: &str = "# git-session hook";

/// The placeholder for the binary's quoted path in [`script`]'s template.
const EXE: &str = "@GIT_SESSION@";

/// The script for `hook`, running the binary `exe`. git runs hooks with `sh`; `$0` is the
/// hook's path, so the chained hook is found beside it wherever the directory is.
pub fn script(hook: &str, exe: &Path) -> String {
    template(hook).replace(EXE, &shell_quote(exe))
}

fn template(hook: &str) -> String {
    let head = format!(
        "#!/bin/sh\n{MARKER} ({hook}): written by `git session install --git-hooks`, removed by\n\
         # `git session install --git-hooks --uninstall`. A hook that was here before is kept as\n\
         # {hook}{CHAINED} and still runs; its exit code decides. git-session's own part never\n\
         # fails the {what}.\n\
         gs={EXE}\n\
         [ -x \"$gs\" ] || gs=$(command -v git-session 2>/dev/null) || gs=\n\
         chained=\"$0{CHAINED}\"\n",
        what = if hook == "pre-push" { "push" } else { "commit" },
    );
    let missing = "echo \"warning: git-session: the binary is gone; run git session install --git-hooks again\" >&2";
    let body = match hook {
        // The user's hook first: a push it refuses pushes no journal either. Standard input
        // (the refs being pushed) is read once and given to both, byte for byte.
        "pre-push" => format!(
            "input=$(cat; echo .)\n\
             input=${{input%.}}\n\
             if [ -x \"$chained\" ]; then\n\
             \tprintf %s \"$input\" | \"$chained\" \"$@\" || exit\n\
             fi\n\
             if [ -n \"$gs\" ]; then\n\
             \tprintf %s \"$input\" | \"$gs\" git-hook pre-push \"$@\" || :\n\
             else\n\
             \t{missing}\n\
             fi\n\
             exit 0\n"
        ),
        _ => format!(
            "if [ -n \"$gs\" ]; then\n\
             \t\"$gs\" git-hook {hook} \"$@\" </dev/null || :\n\
             else\n\
             \t{missing}\n\
             fi\n\
             [ -x \"$chained\" ] && exec \"$chained\" \"$@\"\n\
             exit 0\n"
        ),
    };
    head + &body
}

/// Whether `text` is our script for `hook` exactly as some install wrote it (any binary path).
pub fn is_ours(hook: &str, text: &str) -> bool {
    let t = template(hook);
    let Some((before, after)) = t.split_once(EXE) else {
        return false;
    };
    text.len() > before.len() + after.len()
        && text.starts_with(before)
        && text.ends_with(after)
        && text[before.len()..text.len() - after.len()]
            .strip_prefix('\'')
            .and_then(|q| q.strip_suffix('\''))
            .is_some_and(|q| !q.contains('\n'))
}

/// Whether `text` carries our marker (ours, possibly edited by the user).
fn has_marker(text: &str) -> bool {
    text.lines().nth(1).is_some_and(|l| l.starts_with(MARKER))
}

/// The hooks directory git uses for the repository of `worktree`: `git rev-parse --git-path
/// hooks`, which applies `core.hooksPath` (relative to the worktree's top, `~` expanded) and
/// otherwise names `<common git dir>/hooks`, shared by every worktree (githooks(5)).
pub fn hooks_dir(worktree: &Path) -> Result<PathBuf> {
    let out = crate::gitproc::command(worktree)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .map_err(|e| Error::io("git rev-parse --git-path hooks", e))?;
    let text = String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string();
    if !out.status.success() || text.is_empty() {
        return Err(Error::Usage(format!(
            "git rev-parse --git-path hooks failed in {}: {}",
            worktree.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let p = PathBuf::from(text);
    Ok(if p.is_absolute() { p } else { worktree.join(p) })
}

/// One step of a git-hooks install or uninstall.
enum Op {
    /// Move the user's hook aside, then write ours.
    Chain {
        hook: PathBuf,
        script: String,
    },
    /// Write ours (nothing there, or ours with another binary path).
    Write {
        hook: PathBuf,
        script: String,
    },
    /// Remove ours, and rename the chained hook back if there is one.
    Remove {
        hook: PathBuf,
    },
    Unchanged(PathBuf),
    Kept(PathBuf, String),
}

/// What `install --git-hooks` (or `--uninstall`) will do, worked out before anything is written.
pub struct Plan {
    dir: PathBuf,
    ops: Vec<Op>,
}

/// Read a hook file without following a link: `None` when absent; a symlink or a file that is
/// not text is the user's (`Some(None)`).
fn read_hook(path: &Path) -> Result<Option<Option<String>>> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
        Ok(m) if !m.is_file() => Ok(Some(None)),
        Ok(_) => Ok(Some(String::from_utf8(fs::read(path).at(path)?).ok())),
    }
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Work out installing (or with `uninstall`, removing) our git hooks in `dir`, running `exe`.
/// Errors: a hook directory in a state we cannot handle safely (a user's hook beside a chained
/// one that is not ours to manage).
pub fn plan(dir: &Path, exe: &Path, uninstall: bool) -> Result<Plan> {
    let mut ops = Vec::new();
    for hook in HOOKS {
        let path = dir.join(hook);
        let chained = dir.join(format!("{hook}{CHAINED}"));
        let current = read_hook(&path)?;
        let ours = current
            .as_ref()
            .and_then(|c| c.as_deref())
            .is_some_and(|t| is_ours(hook, t));
        let marked = current
            .as_ref()
            .and_then(|c| c.as_deref())
            .is_some_and(has_marker);
        let want = script(hook, exe);
        let op = match (uninstall, current) {
            (false, None) if exists(&chained) => {
                return Err(Error::Usage(format!(
                    "{} exists but {} does not: move it back (or remove it) first",
                    chained.display(),
                    path.display()
                )));
            }
            (false, None) => Op::Write {
                hook: path,
                script: want,
            },
            (false, Some(Some(t))) if t == want => Op::Unchanged(path),
            (false, Some(_)) if ours => Op::Write {
                hook: path,
                script: want,
            },
            (false, Some(_)) if marked => Op::Kept(path, "edited by you; not overwritten".into()),
            (false, Some(_)) if exists(&chained) => {
                return Err(Error::Usage(format!(
                    "{} is not git-session's and {} exists too: keep one of them first",
                    path.display(),
                    chained.display()
                )));
            }
            (false, Some(_)) => Op::Chain {
                hook: path,
                script: want,
            },
            (true, None) => continue,
            (true, Some(_)) if ours => Op::Remove { hook: path },
            (true, Some(_)) if marked => Op::Kept(path, "edited by you; not removed".into()),
            (true, Some(_)) => continue,
        };
        ops.push(op);
    }
    Ok(Plan {
        dir: dir.to_path_buf(),
        ops,
    })
}

/// Write `text` to `path` as an executable file, atomically (a new file renamed over it).
fn write_script(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().expect("hooks have a directory");
    fs::create_dir_all(dir).at(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("hook"),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o755))?;
        }
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

impl Plan {
    /// The hooks directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Carry out a [`Plan`].
pub fn apply(plan: Plan) -> Result<Report> {
    let mut report = Report::default();
    for op in plan.ops {
        match op {
            Op::Chain { hook, script } => {
                let chained = chained_of(&hook);
                fs::rename(&hook, &chained).at(&hook)?;
                if let Err(e) = write_script(&hook, &script) {
                    // Put the user's hook back: never leave the commit without it.
                    let _ = fs::rename(&chained, &hook);
                    return Err(e);
                }
                report.notes.push(format!(
                    "kept your {} as {} (it still runs)",
                    hook.display(),
                    chained.display()
                ));
                report.written.push(hook);
            }
            Op::Write { hook, script } => {
                write_script(&hook, &script)?;
                report.written.push(hook);
            }
            Op::Remove { hook } => {
                fs::remove_file(&hook).at(&hook)?;
                let chained = chained_of(&hook);
                if exists(&chained) {
                    fs::rename(&chained, &hook).at(&chained)?;
                    report
                        .notes
                        .push(format!("restored your {}", hook.display()));
                }
                report.removed.push(hook);
            }
            Op::Unchanged(p) => report.unchanged.push(p),
            Op::Kept(p, why) => report.kept.push((p, why)),
        }
    }
    Ok(report)
}

fn chained_of(hook: &Path) -> PathBuf {
    let mut s = hook.as_os_str().to_os_string();
    s.push(CHAINED);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_scripts_are_recognised_with_any_binary_path() {
        for hook in HOOKS {
            let s = script(hook, Path::new("/opt/it's/git-session"));
            assert!(is_ours(hook, &s), "{s}");
            assert!(has_marker(&s));
            assert!(!is_ours(hook, &s.replace("exit 0", "exit 1")));
            assert!(!is_ours(hook, "#!/bin/sh\nexit 0\n"));
        }
        let other = script("post-commit", Path::new("/x/git-session"));
        assert!(!is_ours("pre-push", &other));
    }
}
