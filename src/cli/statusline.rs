//! `git session statusline`: one short line for Claude Code's `statusLine`, from the JSON it
//! writes on stdin.
//!
//! Claude Code runs the command after each assistant message (debounced) with a JSON document
//! on stdin holding, among others, `session_id`, `cwd` and `workspace.current_dir` (Claude
//! Code's statusline documentation), and shows the first line the command prints. This runs as
//! often as the prompt hook, so it takes the same care: no argument parser, no repository
//! opened with gix, no network, no writes; it reads two small state files under the git dir and
//! one session file in the mirror. Whatever goes wrong, it prints nothing and exits 0: a status
//! line must never show an error in the user's client.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use crate::hooks::MAX_INPUT;
use crate::mirror::{MIRROR_DIR, Mirror};
use crate::model::ids;
use crate::model::session::{SessionFile, Status};

/// A statusline that has not finished by now prints nothing: Claude Code would otherwise
/// keep showing the previous line while it waits.
const BUDGET_SECS: u32 = 2;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run with the argument parser (`git session -C dir statusline`): the same as the fast path.
pub fn run(ctx: &crate::cli::Context, _a: Args) -> crate::error::Result<i32> {
    Ok(main_with(ctx.dir.clone()))
}

/// `git session statusline` as Claude Code runs it: read the event, print the line, exit 0.
pub fn main() -> i32 {
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    main_with(dir)
}

fn main_with(fallback: PathBuf) -> i32 {
    // A panic or an overlong wait ends in silence and exit 0, never an error in the client.
    std::panic::set_hook(Box::new(|_| std::process::exit(0)));
    super::watchdog::arm(BUDGET_SECS, "", 0);
    let stdin = std::io::stdin();
    let event = if stdin.is_terminal() {
        serde_json::Value::Null
    } else {
        let mut buf = Vec::new();
        let _ = stdin.lock().take(MAX_INPUT as u64).read_to_end(&mut buf);
        serde_json::from_slice(&buf).unwrap_or(serde_json::Value::Null)
    };
    let str_at = |path: &[&str]| {
        let mut v = &event;
        for key in path {
            v = v.get(key)?;
        }
        v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
    };
    let dir = str_at(&["workspace", "current_dir"])
        .or_else(|| str_at(&["cwd"]))
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .unwrap_or(fallback);
    let session_id = str_at(&["session_id"]);
    if let Some(l) = line(&dir, session_id.as_deref()) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{l}");
        let _ = out.flush();
    }
    0
}

/// The worktree's top and its git dir, found as git does for an ordinary worktree (a `.git`
/// directory, or a `.git` file `gitdir: …` in a linked worktree), without opening the
/// repository. `None` outside a worktree.
fn worktree_of(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    dir.ancestors().find_map(|d| {
        let dot = d.join(".git");
        let meta = std::fs::symlink_metadata(&dot).ok()?;
        if meta.is_dir() {
            return Some((d.to_path_buf(), dot));
        }
        let text = std::fs::read_to_string(&dot).ok()?;
        let to = text.strip_prefix("gitdir:")?.trim();
        Some((d.to_path_buf(), d.join(to)))
    })
}

/// The status line for the session shown in `dir`: the journal session bound to Claude session
/// `session_id` (as the hooks bind it), else the worktree's current one, each only while it is
/// active (a paused or closed session is not being worked on); `None` when there is none or its
/// files cannot be read.
pub fn line(dir: &Path, session_id: Option<&str>) -> Option<String> {
    let (top, git_dir) = worktree_of(dir)?;
    let state = git_dir.join("git-session");
    let mirror = Mirror::new(Some(&top), state.clone());
    let load = |journal_id: &str| -> Option<Summary> {
        let short = ids::short_of(journal_id)?;
        Summary::from_digest(&mirror, &short)
            .or_else(|| Summary::from_session_file(&mirror, &short))
            .filter(|s| s.status == Status::Active)
    };
    let bound = session_id.and_then(|cid| crate::hooks::claude::bound(&state, cid));
    let current = std::fs::read_to_string(state.join("current"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let summary = bound
        .as_deref()
        .and_then(load)
        .or_else(|| current.as_deref().and_then(load))?;
    Some(summary.render())
}

/// What the line shows of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub shortname: String,
    pub status: Status,
    /// Steps done, steps in all.
    pub steps: (usize, usize),
    pub compactions: u64,
    /// Open blockers.
    pub blockers: usize,
}

/// Most open blockers `progress.md` lists (`model::progress`): with that many listed there may
/// be more, and the session file is read for the count.
const DIGEST_LIST_ITEMS: usize = 10;

impl Summary {
    /// From the session's `progress.md`, the digest every commit regenerates for the hooks: a
    /// few lines scanned, where the session file needs the markdown parser (about 1.3 ms more
    /// of a process's time, measured with `perf stat`). `None` when it is missing, or anything
    /// in it is not as `model::progress::render` writes it, or it lists as many open blockers
    /// as it ever lists.
    fn from_digest(mirror: &Mirror, short: &str) -> Option<Summary> {
        let bytes = [
            crate::layout::progress_path(short),
            format!("{}/progress.md", crate::layout::flat_journal_dir(short)),
        ]
        .iter()
        .find_map(|p| mirror.read(p).ok().flatten())?;
        let text = String::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        (lines.next()? == "---").then_some(())?;
        let (mut shortname, mut status) = (None, None);
        for l in lines.by_ref() {
            if l == "---" {
                break;
            }
            match l.split_once(": ") {
                Some(("shortname", v)) if !v.starts_with(['"', '\'']) => {
                    shortname = Some(v.to_string())
                }
                Some(("status", v)) => status = serde_yaml::from_str::<Status>(v).ok(),
                _ => {}
            }
        }
        let (shortname, status) = (shortname?, status?);
        let facts = lines.find(|l| l.starts_with("status "))?;
        let mut steps = None;
        let mut compactions = 0;
        for f in facts.split(" · ") {
            if let Some(n) = f.strip_suffix(" steps done") {
                let (d, t) = n.split_once('/')?;
                steps = Some((d.parse().ok()?, t.parse().ok()?));
            } else if let Some(n) = f.strip_suffix(" compactions") {
                compactions = n.parse().ok()?;
            }
        }
        let blockers = lines
            .skip_while(|l| *l != "## Open blockers")
            .skip(2)
            .take_while(|l| l.starts_with("- "))
            .count();
        (blockers < DIGEST_LIST_ITEMS).then_some(Summary {
            shortname,
            status,
            steps: steps?,
            compactions,
            blockers,
        })
    }

    /// From the session file itself (a journal without a digest, or one whose digest cannot
    /// say).
    fn from_session_file(mirror: &Mirror, short: &str) -> Option<Summary> {
        let path = mirror.find_session(short).ok()??;
        let bytes = mirror.read(&path.render()).ok()??;
        let file = SessionFile::parse_bytes(&format!("{MIRROR_DIR}/{path}"), &bytes).ok()?;
        let v = file.view();
        Some(Summary {
            steps: v.step_counts(),
            compactions: v.compaction_count,
            blockers: v.blockers.iter().filter(|b| !b.resolved).count(),
            shortname: v.shortname,
            status: v.status,
        })
    }

    /// `⎇ <shortname> · step k/N · C compactions · ⚠ B blockers`; the parts with nothing to
    /// say (no steps, no compaction, no open blocker) are left out, and `N/N steps done`
    /// replaces the step when all are done.
    pub fn render(&self) -> String {
        let mut parts = vec![format!(
            "⎇ {}",
            crate::model::text::one_line(&self.shortname)
        )];
        let (done, total) = self.steps;
        if total > 0 && done >= total {
            parts.push(format!("{done}/{total} steps done"));
        } else if total > 0 {
            parts.push(format!("step {}/{total}", done + 1));
        }
        match self.compactions {
            0 => {}
            1 => parts.push("1 compaction".into()),
            n => parts.push(format!("{n} compactions")),
        }
        match self.blockers {
            0 => {}
            1 => parts.push("⚠ 1 blocker".into()),
            n => parts.push(format!("⚠ {n} blockers")),
        }
        parts.join(" · ")
    }
}
