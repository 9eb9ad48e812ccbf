//! `git session sync`: share the journal through a git remote.

use crate::cli::Context;
use crate::error::{Error, Result};
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
    /// Stop a fetch or push that has not finished after SECS seconds.
    #[arg(long, value_name = "SECS", default_value_t = crate::remote::DEFAULT_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    // Before anything: git would read it as an option (`--upload-pack=<command>`).
    if let Some(arg) = &a.remote {
        crate::remote::check_arg(arg)?;
    }
    let ws = ctx.workspace_for_reading()?;
    ws.author()?;
    let peer = match a.remote {
        Some(arg) => {
            let peer = sync::peer(&ws, &arg, &ctx.dir);
            if sync::is_itself(&ws, &peer) {
                return Err(crate::remote::RemoteError::Itself(arg).into());
            }
            peer
        }
        None => crate::store::Peer::Remote(sync::default_remote(&ws)?),
    };
    crate::remote::set_timeout(std::time::Duration::from_secs(a.timeout));
    // No lock here: `sync` takes it only to merge, never while it waits on the network.
    let p = &ctx.printer;
    let report = match sync::sync(&ws, &peer, a.no_push) {
        // One line per secret, then the error that says what happened and what to do.
        Err(Error::SecretsBlocked(blocked)) => {
            ctx.flush_warnings(&ws);
            for hit in &blocked.hits {
                p.error(&hit.to_string());
            }
            return Err(Error::SecretsBlocked(blocked));
        }
        other => other?,
    };
    ctx.flush_warnings(&ws);
    if p.json {
        p.json(&report);
        return Ok(0);
    }
    for c in &report.conflicts {
        p.warn(c);
    }
    let pushed = if report.pushed && !report.shared_ref_pushed {
        format!(
            "; pushed to {} (this clone's ref; the shared refs/git-session/sessions was not moved, the next sync moves it)",
            report.remote
        )
    } else if report.pushed {
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
