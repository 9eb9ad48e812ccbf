//! `git session install`: each agent's hooks and slash commands, for this repository or the user.

use std::path::{Path, PathBuf};

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
    /// Claude Code: also show the session in Claude Code's status line (settings'
    /// statusLine runs `git-session statusline`); a statusLine you have is left alone.
    #[arg(long)]
    statusline: bool,
    /// Instead of agent files: write the manual pages to $XDG_DATA_HOME/man/man1 (default
    /// ~/.local/share/man/man1), where `man` and so `git session --help` find them (with
    /// --uninstall: remove them).
    #[arg(long, conflicts_with_all = ["agent", "global", "trust", "statusline"])]
    man: bool,
    /// Install git's own hooks instead (prepare-commit-msg, and commit-msg for a message written
    /// in the editor: the Session: trailer; post-commit: the journal records the commit, an
    /// amend as amending; pre-push: the journal goes along), in the hooks
    /// directory git uses (core.hooksPath honoured), chaining any hook already there.
    #[arg(long, conflicts_with_all = ["agent", "global", "trust", "statusline", "man"])]
    git_hooks: bool,
}

/// `install --git-hooks [--uninstall]`.
fn run_git_hooks(ctx: &Context, a: &Args) -> Result<i32> {
    let ws = ctx.workspace()?;
    let dir = install::git_hooks::hooks_dir(ws.worktree())?;
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::io("the git-session binary", e))?;
    let plan = install::git_hooks::plan(&dir, &exe, a.uninstall)?;
    let report = install::git_hooks::apply(plan)?;
    let p = &ctx.printer;
    if p.json {
        p.json(&serde_json::json!({ "git": report, "hooks_dir": dir }));
        return Ok(0);
    }
    for f in &report.written {
        p.note(&format!("wrote     {}", f.display()));
    }
    for f in &report.removed {
        p.note(&format!("removed   {}", f.display()));
    }
    for n in &report.notes {
        p.note(n);
    }
    for (f, why) in &report.kept {
        p.warn(&format!("{}: {why}", f.display()));
    }
    if report.written.is_empty() && report.removed.is_empty() {
        p.note(&format!("Nothing to change in {}.", dir.display()));
    }
    Ok(0)
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    if a.git_hooks {
        return run_git_hooks(ctx, &a);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    if a.man {
        return man(ctx, home.as_deref(), a.uninstall);
    }
    let ws = ctx.workspace().ok();
    let worktree = ws.as_ref().map(|ws| ws.worktree().to_path_buf());
    // Codex reads a project's .codex/ in the main worktree, also from a linked one.
    let codex_project = ws
        .as_ref()
        .map(|ws| install::codex_project(ws.worktree(), ws.common_dir()));
    let root_for = |agent: Agent| -> Result<PathBuf> {
        if a.global {
            return home.clone().ok_or(Error::NoHome);
        }
        let top = match agent {
            Agent::Codex => codex_project.clone(),
            _ => worktree.clone(),
        };
        match top {
            Some(t) => Ok(t),
            None => ctx.workspace().map(|ws| ws.worktree().to_path_buf()),
        }
    };
    if a.statusline && !a.agent.agents().contains(&Agent::Claude) {
        return Err(Error::Usage(
            "--statusline is Claude Code's: use it with --agent claude or --agent all".into(),
        ));
    }
    if a.trust && !a.agent.agents().contains(&Agent::Codex) {
        return Err(Error::Usage(
            "--trust records Codex's trust: use it with --agent codex or --agent all".into(),
        ));
    }
    // The hooks run this binary by its absolute path: a client started from a desktop
    // launcher, or Codex's login shell, has a PATH without ~/.cargo/bin.
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| Error::io("the git-session binary", e))?;
    // Every agent's edit, and Codex's trust, is worked out before anything is written: a file
    // of any agent that cannot be edited safely stops them all.
    let mut plans = Vec::new();
    for agent in a.agent.agents() {
        let root = root_for(agent)?;
        let mut plan = install::plan(agent, &root, a.global, a.uninstall, &exe)?;
        if a.statusline {
            plan.add_statusline(&exe);
        }
        plans.push((plan, root));
    }
    let codex_home = install::codex_home(home.as_deref().unwrap_or(Path::new(".")));
    let mut codex_trust = None;
    let mut codex_lines = Vec::new();
    let mut codex_notes = Vec::new();
    if let Some((plan, root)) = plans.iter().find(|(p, _)| p.agent() == Agent::Codex) {
        let mut config = install::codex::CodexConfig::open(&codex_home)?;
        let key_path = install::codex::key_path(plan.config_path(), a.global);
        let (changed, notes, lines) = install::codex::plan_trust(
            &mut config,
            &key_path,
            &plan.before(),
            &plan.after(),
            root,
            a.global,
            a.trust,
            a.uninstall,
        )?;
        codex_lines = lines;
        codex_notes = notes;
        if changed {
            codex_trust = Some(config);
        }
        if !a.global && worktree.as_deref().is_some_and(|w| w != root) {
            codex_notes.push(format!(
                "Codex reads .codex/ from the main worktree, {}, also when it runs in this linked worktree: installed there",
                root.display()
            ));
        }
    }
    let mut reports = Vec::new();
    for (plan, _) in plans {
        let agent = plan.agent();
        let mut report = install::apply(plan)?;
        if agent == Agent::Codex {
            if let Some(config) = &codex_trust {
                config.save()?;
                report.written.push(config.path.clone());
            }
            report.warnings.append(&mut codex_lines);
            report.notes.append(&mut codex_notes);
        }
        if agent == Agent::Claude && !a.uninstall {
            let project = worktree
                .clone()
                .unwrap_or_else(|| home.clone().unwrap_or_default());
            report.warnings = install::doubled_installs(&project, home.as_deref());
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
        for n in &report.notes {
            p.note(&format!("{tag}{n}"));
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

/// `install --man [--uninstall]`: the manual pages, for the user.
fn man(ctx: &Context, home: Option<&Path>, uninstall: bool) -> Result<i32> {
    let dir = crate::cli::man::man_dir(home)?;
    let report = crate::cli::man::install(&dir, uninstall)?;
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
        p.note("Nothing to change for the manual pages.");
    }
    for n in &report.notes {
        p.note(n);
    }
    Ok(0)
}
