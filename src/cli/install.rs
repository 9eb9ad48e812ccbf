//! `git session install`: each agent's hooks and slash commands, for this repository or the user.

use crate::agent::Agent;
use crate::cli::Context;
use crate::error::{Error, Result};
use crate::install;

/// `--agent`: one client, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    Claude,
    Codex,
    Gemini,
    Cursor,
    All,
}

impl Which {
    fn agents(self) -> Vec<Agent> {
        match self {
            Which::Claude => vec![Agent::Claude],
            Which::Codex => vec![Agent::Codex],
            Which::Gemini => vec![Agent::Gemini],
            Which::Cursor => vec![Agent::Cursor],
            Which::All => Agent::ALL.to_vec(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agent client to install for.
    #[arg(long, value_enum, default_value_t = Which::Claude)]
    agent: Which,
    /// Install for the user (under ~/.claude, ~/.codex, ~/.gemini, ~/.cursor) instead of this
    /// repository.
    #[arg(long)]
    global: bool,
    /// Remove what install added (keeps command files you edited).
    #[arg(long)]
    uninstall: bool,
    /// Codex: also record in Codex's config.toml that you trust this project and the hooks
    /// just installed, as Codex's /hooks does (Codex runs no hook it does not trust).
    #[arg(long)]
    trust: bool,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    let root = if a.global {
        home.clone().ok_or_else(|| Error::NoHome)?
    } else {
        ctx.workspace()?.worktree().to_path_buf()
    };
    // The hooks run this binary by its absolute path: a client started from a desktop
    // launcher, or Codex's login shell, has a PATH without ~/.cargo/bin.
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::io("the git-session binary", e))?;
    // Every agent's config is read and checked before any is written.
    let agents = a.agent.agents();
    for agent in &agents {
        install::config::ConfigFile::open(&install::place(*agent, &root, a.global).config)?;
    }
    let mut reports = Vec::new();
    let codex_home = install::codex_home(home.as_deref().unwrap_or(&root));
    for agent in agents {
        let place = install::place(agent, &root, a.global);
        let mut trust_written = Vec::new();
        if agent == Agent::Codex && a.uninstall {
            install::codex::before_uninstall(&codex_home, &place.config, &mut trust_written)?;
        }
        let mut report = install::run(agent, &root, a.global, a.uninstall, &exe)?;
        report.written.extend(trust_written);
        if !a.uninstall {
            let project = ctx.workspace().ok().map(|ws| ws.worktree().to_path_buf());
            let project = project.as_deref().unwrap_or(&root);
            if agent == Agent::Claude {
                report.warnings = install::doubled_installs(project, home.as_deref());
            }
            if agent == Agent::Codex {
                let lines = install::codex::after_install(
                    &codex_home,
                    &place.config,
                    project,
                    a.global,
                    a.trust,
                    &mut report.written,
                )?;
                report.warnings.extend(lines);
            }
        }
        reports.push((agent, report));
    }
    let p = &ctx.printer;
    if p.json {
        let doc: serde_json::Map<String, serde_json::Value> = reports
            .iter()
            .map(|(agent, r)| {
                (
                    agent.name().to_string(),
                    serde_json::to_value(r).expect("reports serialise"),
                )
            })
            .collect();
        p.json(&doc);
        return Ok(0);
    }
    let many = reports.len() > 1;
    for (agent, report) in &reports {
        let tag = if many {
            format!("{:<7}", agent.name())
        } else {
            String::new()
        };
        for f in &report.written {
            p.note(&format!("{tag}wrote     {}", f.display()));
        }
        for f in &report.removed {
            p.note(&format!("{tag}removed   {}", f.display()));
        }
        for (f, why) in &report.kept {
            p.warn(&format!("{}: {why}", f.display()));
        }
        for w in &report.warnings {
            p.warn(w);
        }
        if report.written.is_empty() && report.removed.is_empty() {
            p.note(&format!("{tag}Nothing to change for {}.", agent.title()));
        }
    }
    Ok(0)
}
