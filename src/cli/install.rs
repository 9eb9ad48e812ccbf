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
    let report = install::run(&root, a.uninstall)?;
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
    if report.written.is_empty() && report.removed.is_empty() {
        p.note("Nothing to change.");
    }
    Ok(0)
}
