//! `git session hook <event> [--agent A]`: the hook entry point for every agent client.

use std::io::Write;

use crate::agent::Agent;
use crate::cli::Context;
use crate::error::Result;
use crate::hooks::{self, HookKind};

/// A hook that has not finished by now gives up, so the agent never waits on us (seconds: the
/// unit of `alarm(2)`).
const BUDGET_SECS: u32 = 10;

/// What a hook that ran out of [`BUDGET_SECS`] prints.
const GAVE_UP: &str = "git-session: hook gave up after 10 s; nothing was lost\n";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which of our hooks runs (each client names its events its own way; install maps them).
    #[arg(value_enum)]
    event: HookKind,
    /// The client running the hook: how to read its event and answer it.
    #[arg(long, value_enum, default_value_t = Agent::Claude)]
    agent: Agent,
}

/// A panic in a hook becomes one line on stderr and exit 1: never a backtrace, never 101.
pub fn guard_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "git-session: hook failed{place}: {}; nothing was lost",
            msg.replace('\n', " ")
        );
        std::process::exit(1);
    }));
}

/// End the process with one line and exit 1 if the hook's work outlives [`BUDGET_SECS`]
/// ([`super::watchdog`]).
pub fn start_watchdog() {
    super::watchdog::arm(BUDGET_SECS, GAVE_UP, 1);
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let out = hooks::run(
        a.event,
        std::io::stdin().lock(),
        ctx.dir.clone(),
        &hooks::Host::from_env(a.agent),
        start_watchdog,
    );
    Ok(print(out))
}

/// Print a hook's output and return its exit code.
pub fn print(out: hooks::HookOutput) -> i32 {
    if let Some(s) = out.stdout {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(s.as_bytes());
        if !s.ends_with('\n') {
            let _ = o.write_all(b"\n");
        }
    }
    let mut err = std::io::stderr().lock();
    if let Some(e) = out.stderr {
        let _ = writeln!(err, "{e}");
    }
    for w in &out.warnings {
        let _ = writeln!(err, "warning: {}", crate::model::text::one_line(w));
    }
    out.code
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_give_up_line_names_the_budget_it_is_armed_with() {
        assert!(super::GAVE_UP.contains(&format!("after {} s;", super::BUDGET_SECS)));
    }
}
