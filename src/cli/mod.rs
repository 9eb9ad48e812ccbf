//! The command line: parse once, run one command, map its error to an exit code in one place.

mod checkpoint;
mod close;
mod commits;
mod completions;
mod config;
mod doctor;
mod export;
mod git_hook;
mod history;
mod hook;
mod import;
mod init;
mod install;
mod list;
mod log;
mod man;
pub mod output;
mod pause;
mod redact;
mod resume;
mod search;
mod statusline;
mod sync;
mod view;
mod watchdog;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::workspace::{Workspace, WorktreeLock};
use output::{ColorChoice, Printer};

/// A journal for AI coding agents that survives context compaction, stored on refs/sessions.
#[derive(Debug, Parser)]
#[command(name = "git-session", version, about, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR (like git -C).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
    /// Print one JSON document (read commands; what a write command committed).
    #[arg(long, global = true)]
    pub json: bool,
    /// Print nothing but errors and what was asked for.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        global = true,
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a session and make it this worktree's current one.
    Init(init::Args),
    /// Add a journal entry and update the matching section.
    Log(log::Args),
    /// Record where the code is, refresh the TL;DR status lines and progress.md.
    Checkpoint(checkpoint::Args),
    /// Show a session, or one part of it.
    View(view::Args),
    /// One line per session.
    List(list::Args),
    /// Make a session current and active, and print everything needed to go on.
    Resume(resume::Args),
    /// Checkpoint, mark paused, and clear this worktree's current session.
    Pause(pause::Args),
    /// Mark a session completed or abandoned and move it to archive/.
    Close(close::Args),
    /// The checkpoints (commits on refs/sessions) that touched a session, newest first.
    History(history::Args),
    /// Check that the ref, the mirror and the files agree and parse; --repair fixes what it can.
    Doctor(doctor::Args),
    /// Agent hook entry point (Claude Code, or --agent codex/gemini/cursor): reads the event JSON on stdin.
    Hook(hook::Args),
    /// Write agent hooks and slash commands (--agent claude/codex/gemini/cursor/all; --global: for the user).
    Install(install::Args),
    /// Fetch the remote's journal, merge it, and push.
    Sync(sync::Args),
    /// The code commits recorded in a session's journal, oldest first.
    Commits(commits::CommitsArgs),
    /// Which session a code commit belongs to, and what was logged in it up to the commit.
    Show(commits::ShowArgs),
    /// What the git hooks of `install --git-hooks` run (never fails the commit or push).
    #[command(hide = true)]
    GitHook(git_hook::Args),
    /// Adopt a seed-era .sessions/ tree (session files, journals, entries) in one commit.
    Import(import::Args),
    /// Replace the secrets sync found in one journal file by [REDACTED:<rule>], in a new commit.
    Redact(redact::Args),
    /// Read or set a git-session setting (git config session.<key>): sync.auto, sync.budget, ….
    Config(config::Args),
    /// One short line for Claude Code's statusLine: session, step k/N, compactions, blockers.
    Statusline(statusline::Args),
    /// Print a manual page's roff source (install --man puts them where man finds them).
    Man(man::Args),
    /// Print shell completions (bash also completes `git session <TAB>` under git's own).
    Completions(completions::Args),
    /// Search every session file and journal entry, active and archived, ranked.
    Search(search::Args),
    /// A session as a pull-request description: TL;DR, commits, decisions, discoveries, blockers.
    Export(export::Args),
}

/// `-s/--session NAME`, for the commands that change one session.
#[derive(Debug, clap::Args)]
pub struct SessionArg {
    /// The session (default: this worktree's current session).
    #[arg(short, long, value_name = "NAME")]
    pub session: Option<String>,
}

/// What every command gets: where to work and how to print.
pub struct Context {
    pub dir: PathBuf,
    pub printer: Printer,
}

impl Context {
    /// The workspace of the directory we were started in (or `-C`).
    pub fn workspace(&self) -> Result<Workspace> {
        Workspace::discover(&self.dir)
    }

    /// The workspace for a command that only reads the journal or syncs it: a bare repository
    /// is opened too (decision 36).
    pub fn workspace_for_reading(&self) -> Result<Workspace> {
        Workspace::discover_for_reading(&self.dir)
    }

    /// The workspace and its lock, for a command that will commit: fails early, before any
    /// work, when no git identity is configured.
    pub fn workspace_for_write(&self) -> Result<(Workspace, WorktreeLock)> {
        let ws = self.workspace()?;
        ws.author()?;
        let lock = ws.lock()?;
        Ok((ws, lock))
    }

    /// Print the warnings a workspace gathered.
    pub fn flush_warnings(&self, ws: &Workspace) {
        for w in ws.take_warnings() {
            self.printer.warn(&w);
        }
    }
}

/// `git session hook user-prompt-submit [--agent A]` without the argument parser: the
/// per-prompt hot path.
pub fn hook_fast_path(agent: crate::agent::Agent) -> i32 {
    hook::guard_panics();
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let out = crate::hooks::run(
        crate::hooks::HookKind::UserPromptSubmit,
        std::io::stdin().lock(),
        dir,
        &crate::hooks::Host::from_env(agent),
        hook::start_watchdog,
    );
    hook::print(out)
}

/// `git session statusline` without the argument parser: it runs as often as the prompt hook.
pub fn statusline_fast_path() -> i32 {
    statusline::main()
}

/// Parse `args`, run, and return the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    // A hook must never exit 2 (it would block the agent), whatever its arguments look like.
    let is_hook = subcommand(&args).is_some_and(|c| c == "hook" || c == "git-hook");
    if is_hook {
        hook::guard_panics();
    }
    let usage_code = if is_hook { 1 } else { 2 };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    usage_code
                } else {
                    0
                };
            }
            // clap's message may continue on the next line (the missing argument's name).
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let mut first = lines.next().unwrap_or("invalid arguments").to_string();
            if first.ends_with(':')
                && let Some(next) = lines.next()
            {
                first = format!("{first} {next}");
            }
            let first = first.strip_prefix("error: ").unwrap_or(&first).to_string();
            eprintln!("git-session: error: {first} (see: git session -h)");
            return usage_code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("git-session: error: {}", one_line(&e));
            if is_hook { 1 } else { exit_code(&e) }
        }
    }
}

/// The subcommand the user named: the first argument that is neither a global flag nor the value
/// of one. Only this position decides whether we run as a hook: `log --next hook --bogus` is a
/// `log` with an unknown flag (a usage error), not a hook.
fn subcommand(args: &[OsString]) -> Option<&OsString> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let Some(s) = arg.to_str() else {
            return Some(arg);
        };
        match s {
            "--" => return rest.next(),
            // The global flags that take a value in the next argument.
            "-C" | "--color" => {
                rest.next();
            }
            // --json, --quiet, --color=WHEN, and anything clap will reject on its own.
            _ if s.starts_with("--") => {}
            // A cluster of short flags (-q, -qC DIR, -CDIR): a trailing C takes the next argument.
            _ if s.len() > 1 && s.starts_with('-') => {
                if s.find('C') == Some(s.len() - 1) {
                    rest.next();
                }
            }
            _ => return Some(arg),
        }
    }
    None
}

/// The error and its causes on one line, whitespace folded.
fn one_line(e: &Error) -> String {
    crate::error::one_line(e)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one place that decides exit codes: 2 for mistakes in how the command was called
/// (flags, names, revisions, which remote), 1 for everything else.
pub fn exit_code(e: &Error) -> i32 {
    use crate::model::ModelError;
    use crate::remote::RemoteError;
    use crate::store::StoreError;
    match e {
        Error::Usage(_)
        | Error::Model(ModelError::InvalidName { .. } | ModelError::NoOpenBlocker { .. })
        | Error::Store(StoreError::BadRevision(_) | StoreError::AmbiguousRevision(_))
        | Error::Remote(
            RemoteError::SeveralRemotes(_) | RemoteError::OptionLike(_) | RemoteError::Itself(_),
        ) => 2,
        _ => 1,
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let dir = match &cli.dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => cwd.join(d),
        None => cwd,
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "cannot change to '{}': no such directory",
            dir.display()
        )));
    }
    let ctx = Context {
        dir,
        printer: Printer::new(cli.json, cli.quiet, cli.color),
    };
    // Hooks answer their client on their own terms (never a failure that could block it).
    let checked = !matches!(
        cli.command,
        Command::Hook(_) | Command::GitHook(_) | Command::Statusline(_)
    );
    let code = dispatch(&ctx, cli.command)?;
    match ctx.printer.write_failure() {
        Some(e) if checked => Err(Error::Stdout {
            committed: crate::store::journal_moved(),
            source: e,
        }),
        _ => Ok(code),
    }
}

/// Run one parsed command.
fn dispatch(ctx: &Context, command: Command) -> Result<i32> {
    match command {
        Command::Init(a) => init::run(ctx, a),
        Command::Log(a) => log::run(ctx, a),
        Command::Checkpoint(a) => checkpoint::run(ctx, a),
        Command::View(a) => view::run(ctx, a),
        Command::List(a) => list::run(ctx, a),
        Command::Resume(a) => resume::run(ctx, a),
        Command::Pause(a) => pause::run(ctx, a),
        Command::Close(a) => close::run(ctx, a),
        Command::History(a) => history::run(ctx, a),
        Command::Doctor(a) => doctor::run(ctx, a),
        Command::Hook(a) => hook::run(ctx, a),
        Command::Install(a) => install::run(ctx, a),
        Command::Sync(a) => sync::run(ctx, a),
        Command::Import(a) => import::run(ctx, a),
        Command::Commits(a) => commits::commits(ctx, a),
        Command::Show(a) => commits::show(ctx, a),
        Command::GitHook(a) => git_hook::run(ctx, a),
        Command::Redact(a) => redact::run(ctx, a),
        Command::Config(a) => config::run(ctx, a),
        Command::Statusline(a) => statusline::run(ctx, a),
        Command::Man(a) => man::run(ctx, a),
        Command::Completions(a) => completions::run(ctx, a),
        Command::Search(a) => search::run(ctx, a),
        Command::Export(a) => export::run(ctx, a),
    }
}
