//! `git session install`: Claude Code slash commands and hooks for this repository or the user.

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::install;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Install under ~/.claude for every project instead of this repository's .claude/.
    #[arg(long)]
    global: bool,
    /// Remove what install added (keeps command files you edited).
    #[arg(long)]
    uninstall: bool,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let root = if a.global {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(std::path::PathBuf::from)
            .ok_or_else(|| Error::NoHome)?
    } else {
        ctx.workspace()?.worktree().to_path_buf()
    };
    // The hooks run this binary by its absolute path: Claude Code started from a desktop
    // launcher has a PATH without ~/.cargo/bin.
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::io("the git-session binary", e))?;
    let mut report = install::run(&root, a.uninstall, &exe)?;
    if !a.uninstall {
        let project = ctx.workspace().ok().map(|ws| ws.worktree().to_path_buf());
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(std::path::PathBuf::from);
        report.warnings =
            install::doubled_installs(project.as_deref().unwrap_or(&root), home.as_deref());
    }
    let p = &ctx.printer;
    if p.json {
        p.json(&report);
        return Ok(0);
    }
    for f in &report.written {
        p.note(&format!("wrote     {}", f.display()));
    }
    for f in &report.removed {
        p.note(&format!("removed   {}", f.display()));
    }
    for (f, why) in &report.kept {
        p.warn(&format!("{}: {why}", f.display()));
    }
    for w in &report.warnings {
        p.warn(w);
    }
    if report.written.is_empty() && report.removed.is_empty() {
        p.note("Nothing to change.");
    }
    Ok(0)
}
