//! `git session sync`: share the journal through a git remote.

use crate::cli::Context;
use crate::error::Result;
use crate::sync;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote, or a URL or path as git fetch takes it (default: the remote git pushes the
    /// branch to: branch.<b>.pushRemote, remote.pushDefault, branch.<b>.remote, origin, the
    /// only remote).
    remote: Option<String>,
    /// Fetch and merge only.
    #[arg(long)]
    no_push: bool,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace()?;
    ws.author()?;
    let peer = match a.remote {
        Some(arg) => sync::peer(&ws, &arg, &ctx.dir),
        None => crate::store::Peer::Remote(sync::default_remote(&ws)?),
    };
    let lock = ws.lock()?;
    let report = sync::sync(&ws, &lock, &peer, a.no_push)?;
    ctx.flush_warnings(&ws);
    let p = &ctx.printer;
    if p.json {
        p.json(&report);
        return Ok(0);
    }
    for c in &report.conflicts {
        p.warn(c);
    }
    let pushed = if report.pushed {
        format!("; pushed to {}", report.remote)
    } else if a.no_push {
        "; not pushed (--no-push)".to_string()
    } else {
        String::new()
    };
    p.note(&format!(
        "Synced with {}: {}{pushed}",
        report.remote, report.merge
    ));
    Ok(0)
}
