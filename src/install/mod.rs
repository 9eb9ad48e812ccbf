//! `install`: slash commands and hook entries for each agent client, merged into what is there.
//!
//! The templates are the files of `hooks/` (also a Claude Code plugin directory), compiled in.
//! Installing twice changes nothing; uninstalling removes only what install added, and keeps a
//! command file the user has edited.

use std::fs;
use std::path::{Path, PathBuf};

use jsonc_parser::cst::CstInputValue;
use serde_json::{Value, json};

use crate::agent::Agent;
use crate::error::{IoContext, Result};
use crate::hooks::{Dialect, HookKind};
use crate::mirror::write_atomic;

pub mod codex;
pub mod config;
pub mod git_hooks;

use config::ConfigFile;

/// The slash commands, by file name.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "session-init.md",
        include_str!("../../hooks/commands/session-init.md"),
    ),
    (
        "session-resume.md",
        include_str!("../../hooks/commands/session-resume.md"),
    ),
    (
        "session-log.md",
        include_str!("../../hooks/commands/session-log.md"),
    ),
    (
        "session-checkpoint.md",
        include_str!("../../hooks/commands/session-checkpoint.md"),
    ),
    (
        "session-view.md",
        include_str!("../../hooks/commands/session-view.md"),
    ),
    (
        "session-pause.md",
        include_str!("../../hooks/commands/session-pause.md"),
    ),
    (
        "session-close.md",
        include_str!("../../hooks/commands/session-close.md"),
    ),
];

/// The hook entries, in Claude Code's settings shape, as the plugin runs them (through
/// `bin/git-session-hook`); install writes each with the binary's absolute path instead.
pub const HOOKS_JSON: &str = include_str!("../../hooks/hooks/hooks.json");

/// A hook command of ours, however it names the binary: `git session hook E` (before issue
/// 15), `'/abs/git-session' hook E [--agent A]` (install), or the plugin's
/// `sh "${CLAUDE_PLUGIN_ROOT}/bin/git-session-hook" E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurCommand {
    /// The binary, unquoted; `None` for `git session` (found through PATH) and the plugin's
    /// wrapper.
    pub program: Option<PathBuf>,
    /// Our hook name (`post-compact`).
    pub event: String,
    /// The client it answers (`--agent`; Claude Code without it).
    pub agent: Agent,
}

/// Parse `command` as one of ours; `None` for anything else.
pub fn our_command(command: &str) -> Option<OurCommand> {
    let command = command.trim();
    if let Some((wrapper, event)) = command.rsplit_once(' ')
        && wrapper.trim_end().ends_with("/bin/git-session-hook\"")
    {
        return Some(OurCommand {
            program: None,
            event: event.to_string(),
            agent: Agent::Claude,
        });
    }
    let (program, rest) = command.rsplit_once(" hook ")?;
    let (event, agent) = match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
        [event] => (*event, Agent::Claude),
        [event, "--agent", name] => (*event, Agent::from_name(name)?),
        _ => return None,
    };
    let program = our_program(program)?;
    Some(OurCommand {
        program,
        event: event.to_string(),
        agent,
    })
}

/// The program part of a command install wrote, undoing [`shell_quote`]: `Some(None)` for
/// `git session` (found through PATH), `Some(Some(path))` for this binary by its path (or
/// `git-session` alone), `None` for anything else.
fn our_program(program: &str) -> Option<Option<PathBuf>> {
    let program = program.trim_end();
    if program == "git session" {
        return Some(None);
    }
    let unquoted = match program
        .strip_prefix('\'')
        .and_then(|p| p.strip_suffix('\''))
    {
        Some(q) => q.replace("'\\''", "'"),
        None => program.to_string(),
    };
    (unquoted == "git-session" || unquoted.ends_with("/git-session"))
        .then(|| Some(PathBuf::from(unquoted)))
}

/// The event a hook command of ours runs (`post-compact`); `None` when it is not ours.
pub fn hook_event_of(command: &str) -> Option<String> {
    our_command(command).map(|c| c.event)
}

/// The program a hook command of ours runs: `None` for `git session` (found through PATH).
pub fn hook_program_of(command: &str) -> Option<PathBuf> {
    our_command(command)?.program
}

/// `path` quoted for a POSIX shell, as Claude Code runs hook commands.
pub fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// A hook entry (a Claude-style group `{"matcher", "hooks": [{"command"}]}`, or Cursor's flat
/// `{"command"}`) with each of our commands written one way, so that entries install wrote
/// with another binary path (or the old `git session hook`) are recognised as ours.
fn canonical(entry: &Value) -> Value {
    let mut e = entry.clone();
    let one = |h: &mut Value| {
        let ours = h
            .get("command")
            .and_then(Value::as_str)
            .and_then(our_command);
        if let Some(c) = ours {
            h["command"] =
                Value::String(format!("git-session hook {} --agent {}", c.event, c.agent));
        }
    };
    if let Some(hooks) = e.get_mut("hooks").and_then(Value::as_array_mut) {
        hooks.iter_mut().for_each(one);
    } else if e.is_object() {
        one(&mut e);
    }
    e
}

/// What install or uninstall did, file by file.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Files left in place, with why.
    pub kept: Vec<(PathBuf, String)>,
    /// What else was done (Codex's trust recorded, where the files went).
    pub notes: Vec<String>,
    /// Hooks that would run twice (installed here and elsewhere, or also as the plugin), and
    /// what the user must still do for the hooks to run (Codex's trust).
    pub warnings: Vec<String>,
}

/// Where one agent's hooks and commands live, for a project (under its top) or for the user
/// (under the home directory).
#[derive(Debug, Clone)]
pub struct Place {
    pub agent: Agent,
    /// The JSON file holding the hooks.
    pub config: PathBuf,
    /// The directory of our slash commands (custom prompts), if the agent has one here.
    pub commands: Option<PathBuf>,
}

/// The Codex home: `$CODEX_HOME`, else `~/.codex` (openai/codex, `codex-rs/core/src/config`).
pub fn codex_home(home: &Path) -> PathBuf {
    std::env::var_os("CODEX_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".codex"))
}

/// Where `agent` reads hooks and commands under `root`: the project's top, or with `global`
/// the home directory. Sources: Claude Code `.claude/settings.json` and `.claude/commands/`;
/// Codex `.codex/hooks.json` or `$CODEX_HOME/hooks.json`; Gemini CLI
/// `.gemini/settings.json` and `.gemini/commands/*.toml`; Codex skills (`<name>/SKILL.md`:
/// its custom prompts no longer reach the model in 0.171) in `.codex/skills/` or
/// `$CODEX_HOME/skills/`; Cursor `.cursor/hooks.json` and
/// `.cursor/commands/`.
pub fn place(agent: Agent, root: &Path, global: bool) -> Place {
    let (config, commands) = match agent {
        Agent::Claude => (
            root.join(".claude/settings.json"),
            Some(root.join(".claude/commands")),
        ),
        Agent::Codex if global => {
            let home = codex_home(root);
            (home.join("hooks.json"), Some(home.join("skills")))
        }
        Agent::Codex => (
            root.join(".codex/hooks.json"),
            Some(root.join(".codex/skills")),
        ),
        Agent::Gemini => (
            root.join(".gemini/settings.json"),
            Some(root.join(".gemini/commands")),
        ),
        Agent::Cursor => (
            root.join(".cursor/hooks.json"),
            Some(root.join(".cursor/commands")),
        ),
    };
    Place {
        agent,
        config,
        commands,
    }
}

/// Our hook entries for `agent`, by the client's event name, each command running `exe`
/// (shell-quoted) as `<exe> hook <event>` (Claude Code) or `<exe> hook <event> --agent <a>`.
pub fn entries(agent: Agent, exe: &Path) -> Vec<(String, Vec<Value>)> {
    let program = shell_quote(exe);
    if agent == Agent::Claude {
        let v: Value =
            serde_json::from_str(HOOKS_JSON).expect("hooks/hooks/hooks.json is valid JSON");
        let hooks = v["hooks"]
            .as_object()
            .expect("hooks.json has a hooks object");
        return hooks
            .iter()
            .map(|(event, groups)| {
                let mut groups = groups.as_array().expect("hooks.json lists groups").clone();
                for h in groups
                    .iter_mut()
                    .filter_map(|g| g.get_mut("hooks").and_then(Value::as_array_mut))
                    .flatten()
                {
                    let event = h["command"]
                        .as_str()
                        .and_then(hook_event_of)
                        .expect("hooks.json runs bin/git-session-hook EVENT");
                    h["command"] = Value::String(format!("{program} hook {event}"));
                }
                (event.clone(), groups)
            })
            .collect();
    }
    let d = Dialect::of(agent);
    d.events
        .iter()
        .map(|(event, kind)| {
            let command = format!("{program} hook {} --agent {agent}", kind.arg_name());
            let timeout = match (agent, kind) {
                (Agent::Codex, HookKind::SessionEnd) => codex::SESSION_END_MAX,
                _ => d.timeout.0,
            };
            let handler = json!({"type": "command", "command": command, "timeout": timeout});
            let entry = match agent {
                Agent::Cursor => json!({"command": command, "timeout": timeout}),
                Agent::Gemini => {
                    let mut h = handler;
                    h["name"] = json!(format!("git-session {}", kind.arg_name()));
                    json!({"hooks": [h]})
                }
                _ => json!({"hooks": [handler]}),
            };
            (event.to_string(), vec![entry])
        })
        .collect()
}

/// What install (or uninstall) will do for one agent, worked out in memory: nothing is
/// written until [`apply`], so a bad file of any agent stops `--agent all` before any writes.
pub struct Plan {
    agent: Agent,
    place: Place,
    root: PathBuf,
    uninstall: bool,
    file: ConfigFile,
    changed: bool,
    /// Each command file: what to do with it.
    commands: Vec<(PathBuf, CommandOp)>,
    /// What the edit left alone and why (the user's own statusLine).
    notes: Vec<String>,
}

enum CommandOp {
    Write(String),
    Remove,
    Unchanged,
    Kept(&'static str),
}

/// Work out installing into (or, with `uninstall`, removing from) `agent`'s files under `root`
/// (the project's top, or with `global` the home directory); the hooks run `exe`. Reads only.
/// Errors: a config that does not parse or has a shape we cannot edit safely.
pub fn plan(agent: Agent, root: &Path, global: bool, uninstall: bool, exe: &Path) -> Result<Plan> {
    let place = place(agent, root, global);
    let file = ConfigFile::open(&place.config)?;
    let changed = if uninstall {
        // Uninstall takes out everything install can add, the statusLine too.
        let statusline = agent == Agent::Claude && remove_statusline(&file);
        remove_hooks(&file, agent)? | statusline
    } else {
        add_hooks(&file, agent, exe)?
    };
    let mut commands = Vec::new();
    if let Some(dir) = &place.commands {
        for (name, template) in command_files(agent) {
            let path = dir.join(&name);
            let want = template.replace(EXE, &shell_quote(exe));
            let existing = fs::read_to_string(&path).ok();
            let ours = |t: &str| t == want || is_rendered(&template, t);
            let op = match (uninstall, existing) {
                (false, Some(t)) if t == want => CommandOp::Unchanged,
                (false, Some(t)) if ours(&t) => CommandOp::Write(want),
                (false, Some(_)) => CommandOp::Kept("edited by you; not overwritten"),
                (false, None) => CommandOp::Write(want),
                (true, Some(t)) if ours(&t) => CommandOp::Remove,
                (true, Some(_)) => CommandOp::Kept("edited by you; not removed"),
                (true, None) => continue,
            };
            commands.push((path, op));
        }
    }
    Ok(Plan {
        agent,
        place,
        root: root.to_path_buf(),
        uninstall,
        file,
        changed,
        commands,
        notes: Vec::new(),
    })
}

impl Plan {
    /// The agent it is for.
    pub fn agent(&self) -> Agent {
        self.agent
    }

    /// The config file, as the agent names it (not resolved through links).
    pub fn config_path(&self) -> &Path {
        &self.place.config
    }

    /// The config's contents before the edit.
    pub fn before(&self) -> Value {
        self.file.original_value()
    }

    /// The config's contents after the edit.
    pub fn after(&self) -> Value {
        self.file.value()
    }

    /// Claude Code: also show the session in the status line, `"statusLine": {"type":
    /// "command", "command": "<exe> statusline"}` (Claude Code's settings reference). A
    /// statusLine the user already has is left alone, with a note saying so; ours with another
    /// binary path is replaced.
    pub fn add_statusline(&mut self, exe: &Path) {
        if self.agent != Agent::Claude || self.uninstall {
            return;
        }
        let want = statusline_entry(exe);
        let root = self.file.root();
        match root.get("statusLine") {
            Some(p) => {
                let have = p.value().and_then(|v| v.to_serde_value());
                if have.as_ref() == Some(&want) {
                    return;
                }
                if have.as_ref().is_some_and(is_our_statusline) {
                    p.set_value(config::input(&want));
                    self.changed = true;
                    return;
                }
                let theirs = have
                    .as_ref()
                    .and_then(|v| v.get("command"))
                    .and_then(Value::as_str)
                    .map(|c| format!(" (\"{c}\")"))
                    .unwrap_or_default();
                self.notes.push(format!(
                    "{}: statusLine left alone: you have one already{theirs}; to show the session, run `git-session statusline` from it",
                    self.place.config.display()
                ));
            }
            None => {
                root.append("statusLine", config::input(&want));
                self.changed = true;
            }
        }
    }
}

/// The statusLine install writes for `exe`.
fn statusline_entry(exe: &Path) -> Value {
    json!({"type": "command", "command": format!("{} statusline", shell_quote(exe))})
}

/// Whether a statusLine is one install wrote: exactly `type` and `command`, the command our
/// binary (any path, or `git session`) with `statusline`.
fn is_our_statusline(v: &Value) -> bool {
    let Some(o) = v.as_object() else {
        return false;
    };
    let Some(command) = o.get("command").and_then(Value::as_str) else {
        return false;
    };
    if o.len() != 2 || o.get("type") != Some(&json!("command")) {
        return false;
    }
    let Some(program) = command.trim().strip_suffix(" statusline") else {
        return false;
    };
    our_program(program).is_some()
}

/// Take out a statusLine install wrote; whether one was there.
fn remove_statusline(file: &ConfigFile) -> bool {
    let root = file.root();
    match root.get("statusLine") {
        Some(p)
            if p.value()
                .and_then(|v| v.to_serde_value())
                .is_some_and(|v| is_our_statusline(&v)) =>
        {
            p.remove();
            true
        }
        _ => false,
    }
}

/// The worktree whose `.codex/` Codex reads for a repository: the main worktree, also when
/// Codex runs in a linked one (seen with Codex CLI 0.171.0); `worktree` itself when the
/// repository has no main worktree (a bare one with linked worktrees).
pub fn codex_project(worktree: &Path, common_dir: &Path) -> PathBuf {
    // gix gives a linked worktree's common dir as `<main>/.git/worktrees/<name>/../..`.
    let common_dir = &fs::canonicalize(common_dir).unwrap_or_else(|_| common_dir.to_path_buf());
    match common_dir.file_name() {
        Some(n) if n == ".git" => common_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| worktree.to_path_buf()),
        _ => worktree.to_path_buf(),
    }
}

/// Carry out a [`Plan`].
pub fn apply(plan: Plan) -> Result<Report> {
    let Plan {
        agent,
        place,
        root,
        uninstall,
        file,
        changed,
        commands,
        notes,
    } = plan;
    let mut report = Report {
        notes,
        ..Report::default()
    };
    if changed {
        if uninstall && is_empty(&file, agent) && !is_link(&place.config) {
            file.remove()?;
            report.removed.push(file.path.clone());
        } else {
            file.save()?;
            report.written.push(file.path.clone());
        }
    } else if file.exists() || !uninstall {
        report.unchanged.push(file.path.clone());
    }
    for (path, op) in commands {
        match op {
            CommandOp::Write(text) => {
                write_atomic(&path, text.as_bytes())?;
                report.written.push(path);
            }
            CommandOp::Remove => {
                fs::remove_file(&path).at(&path)?;
                report.removed.push(path);
            }
            CommandOp::Unchanged => report.unchanged.push(path),
            CommandOp::Kept(why) => report.kept.push((path, why.into())),
        }
    }
    if uninstall {
        let config_dir = place.config.parent().map(Path::to_path_buf);
        // Skill directories first (`skills/<name>/`), then the commands directory, then the
        // config's.
        let skill_dirs: Vec<PathBuf> = match &place.commands {
            Some(dir) => command_files(agent)
                .iter()
                .filter_map(|(n, _)| {
                    Path::new(n)
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .map(|p| dir.join(p))
                })
                .collect(),
            None => vec![],
        };
        for d in skill_dirs
            .into_iter()
            .chain(place.commands.iter().cloned())
            .chain(config_dir)
        {
            // Only a directory of ours, left empty; never the home directory itself.
            if d != root && fs::read_dir(&d).is_ok_and(|mut r| r.next().is_none()) {
                let _ = fs::remove_dir(&d);
            }
        }
    }
    Ok(report)
}

/// [`plan`] then [`apply`].
pub fn run(agent: Agent, root: &Path, global: bool, uninstall: bool, exe: &Path) -> Result<Report> {
    apply(plan(agent, root, global, uninstall, exe)?)
}

/// Whether JSONC text holds a comment (called on containers with no elements left, so no
/// string can hold the `//`).
fn has_comment(text: &str) -> bool {
    text.contains("//") || text.contains("/*")
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Where the executable's quoted path goes in a command template.
const EXE: &str = "{git-session}";

/// Whether `text` is `template` with some quoted absolute path where [`EXE`] stands: a
/// command file install wrote for a binary that has moved since.
fn is_rendered(template: &str, text: &str) -> bool {
    let Some((before, after)) = template.split_once(EXE) else {
        return template == text;
    };
    text.len() >= before.len() + after.len()
        && text.starts_with(before)
        && text.ends_with(after)
        && {
            let middle = &text[before.len()..text.len() - after.len()];
            middle.starts_with("'/") && middle.ends_with('\'') && !middle.contains('\n')
        }
}

/// One of our slash commands, from the Claude Code template it is written for.
struct CommandSpec {
    name: String,
    description: String,
    hint: String,
    /// The `git session` subcommand (`log`).
    sub: String,
    /// What the model does with the output.
    follow: String,
}

fn command_specs() -> Vec<CommandSpec> {
    COMMANDS
        .iter()
        .map(|(file, text)| {
            let field = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
            let (run, follow) = body.split_once('\n').unwrap_or((body, ""));
            let sub = run
                .trim()
                .trim_start_matches("!`git session ")
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            CommandSpec {
                name: file.trim_end_matches(".md").to_string(),
                description: field("description:"),
                hint: field("argument-hint:"),
                sub,
                follow: follow.trim().to_string(),
            }
        })
        .collect()
}

/// Our slash-command files for `agent`, by file name, with [`EXE`] where the binary's quoted
/// path goes: the model runs it by that path, since Codex runs commands through `bash -lc`
/// (a login shell that resets `PATH`). Claude Code's are the `hooks/commands/` files as they
/// are (its `!` lines run in Claude Code's own shell).
fn command_files(agent: Agent) -> Vec<(String, String)> {
    if agent == Agent::Claude {
        return COMMANDS
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
    }
    command_specs()
        .into_iter()
        .map(|c| match agent {
            // Codex skills: listed to the model, which runs them when asked (`$session-log`).
            Agent::Codex => (
                format!("{}/SKILL.md", c.name),
                format!(
                    "---\nname: {}\ndescription: {}\n---\nRun this shell command, followed by the arguments the user gave, if any ({}), and read its output: {EXE} {}\n\nIt writes the journal under .git, so run it with the permissions that allows.\n\n{}\n",
                    c.name, c.description, c.hint, c.sub, c.follow
                ),
            ),
            // Gemini CLI custom commands: `!{…}` runs a shell command, `{{args}}` inside it is
            // shell-escaped.
            Agent::Gemini => (
                format!("{}.toml", c.name),
                format!(
                    "description = {}\nprompt = \"\"\"\n!{{{EXE} {} {{{{args}}}}}}\n\n{}\n\"\"\"\n",
                    serde_json::to_string(&c.description).expect("strings serialise"),
                    c.sub,
                    c.follow.replace('\\', "\\\\")
                ),
            ),
            // Cursor commands: plain prompts; what the user types after the command follows.
            _ => (
                format!("{}.md", c.name),
                format!(
                    "# {}\n\nRun this shell command, with the text given after the command (if any) as its arguments ({}), and read its output: {EXE} {}\n\n{}\n",
                    c.description, c.hint, c.sub, c.follow
                ),
            ),
        })
        .collect()
}

/// Whether `file` holds nothing but what a new file of `agent`'s would (Cursor's
/// `"version": 1`): uninstall then removes it.
fn is_empty(file: &ConfigFile, agent: Agent) -> bool {
    match file.value().as_object() {
        Some(o) if o.is_empty() => true,
        Some(o) if agent == Agent::Cursor => o.len() == 1 && o.get("version") == Some(&json!(1)),
        _ => false,
    }
}

fn add_hooks(file: &ConfigFile, agent: Agent, exe: &Path) -> Result<bool> {
    let mut changed = false;
    if agent == Agent::Cursor && !file.exists() {
        file.root()
            .append("version", CstInputValue::Number("1".into()));
        changed = true;
    }
    let hooks = file.object("hooks", true)?.expect("created");
    for (event, groups) in entries(agent, exe) {
        let list = file.list(&hooks, &event, true)?.expect("created");
        // Ours with another binary path (moved, or `git session hook` from before): the same
        // place, the new path.
        changed |= config::put(&list, &groups, |a, b| canonical(a) == canonical(b));
    }
    Ok(changed)
}

fn remove_hooks(file: &ConfigFile, agent: Agent) -> Result<bool> {
    let Some(hooks) = file.object("hooks", false)? else {
        return Ok(false);
    };
    let mut changed = false;
    for (event, groups) in entries(agent, Path::new("git-session")) {
        let ours: Vec<Value> = groups.iter().map(canonical).collect();
        let Some(list) = file.list(&hooks, &event, false)? else {
            continue;
        };
        // Only an entry exactly as install wrote it (matcher, command, timeout): never a
        // user's own.
        if file.take_out(&list, |g| ours.contains(&canonical(g))) {
            changed = true;
            // A list (or `hooks` object) left empty goes too, unless the user wrote a comment
            // in it.
            if list.elements().is_empty()
                && !has_comment(&list.to_string())
                && let Some(p) = hooks.get(&event)
            {
                p.remove();
            }
        }
    }
    if changed
        && hooks.properties().is_empty()
        && !has_comment(&hooks.to_string())
        && let Some(p) = file.root().get("hooks")
    {
        p.remove();
    }
    Ok(changed)
}

/// The settings files Claude Code reads hooks from for a project at `project` and a user whose
/// home is `home`.
fn settings_files(project: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![
        project.join(".claude/settings.json"),
        project.join(".claude/settings.local.json"),
    ];
    if let Some(home) = home {
        let user = home.join(".claude/settings.json");
        if !files.contains(&user) {
            files.push(user);
        }
    }
    files
}

/// What one settings file holds of ours: (event, command) pairs, and an enabled
/// `git-session@…` plugin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Installed {
    pub agent: Agent,
    pub file: PathBuf,
    /// (the client's event, our command).
    pub hooks: Vec<(String, String)>,
    pub plugin: Option<String>,
}

/// Our hook commands in one agent's config file (Claude-style groups, or Cursor's flat
/// entries); `None` when the file is missing or does not parse.
fn installed(agent: Agent, file: &Path) -> Option<Installed> {
    if !file.is_file() {
        return None;
    }
    let doc = ConfigFile::open(file).ok()?.value();
    Some(installed_in(agent, file, &doc))
}

/// Our hook commands in one agent's config `doc`, read from `file`.
fn installed_in(agent: Agent, file: &Path, doc: &Value) -> Installed {
    let mut hooks = Vec::new();
    for (event, entries) in doc
        .get("hooks")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for e in entries.as_array().into_iter().flatten() {
            let handlers = match e.get("hooks").and_then(Value::as_array) {
                Some(hs) => hs.iter().collect::<Vec<_>>(),
                None => vec![e],
            };
            for h in handlers {
                if let Some(c) = h.get("command").and_then(Value::as_str)
                    && hook_event_of(c).is_some()
                {
                    hooks.push((event.clone(), c.to_string()));
                }
            }
        }
    }
    let plugin = doc
        .get("enabledPlugins")
        .and_then(Value::as_object)
        .and_then(|p| {
            p.iter()
                .find(|(k, v)| k.starts_with("git-session@") && v.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
        });
    Installed {
        agent,
        file: file.to_path_buf(),
        hooks,
        plugin,
    }
}

/// Where the agents read a repository's files: its worktree, and for Codex the main worktree
/// ([`codex_project`]), as the workspace knows them.
#[derive(Debug, Clone)]
pub struct Project {
    pub worktree: PathBuf,
    pub codex: PathBuf,
}

impl Project {
    /// The project of `ws`.
    pub fn of(ws: &crate::workspace::Workspace) -> Project {
        Project {
            worktree: ws.worktree().to_path_buf(),
            codex: codex_project(ws.worktree(), ws.common_dir()),
        }
    }

    /// Where `agent` reads the project's files.
    fn top(&self, agent: Agent) -> &Path {
        match agent {
            Agent::Codex => &self.codex,
            _ => &self.worktree,
        }
    }
}

/// Every config file an agent reads hooks from, for `project` and a user whose home is
/// `home`: Claude Code's settings files, then each other agent's project and user file.
fn hook_files(project: &Project, home: Option<&Path>) -> Vec<(Agent, PathBuf)> {
    let mut out: Vec<(Agent, PathBuf)> = settings_files(&project.worktree, home)
        .into_iter()
        .map(|f| (Agent::Claude, f))
        .collect();
    for agent in Agent::ALL.into_iter().filter(|a| *a != Agent::Claude) {
        let mut files = vec![place(agent, project.top(agent), false).config];
        if let Some(home) = home {
            files.push(place(agent, home, true).config);
        }
        for f in files {
            if !out.iter().any(|(_, g)| *g == f) {
                out.push((agent, f));
            }
        }
    }
    out
}

/// What keeps each non-Claude agent's hooks from running as installed, one line each: a config
/// file the agent cannot read (nor install edit), hooks installed both for the project and the
/// user (the agent runs each twice), hooks the agent has switched off.
pub fn agent_problems(project: &Project, home: Option<&Path>) -> Vec<String> {
    let mut out = Vec::new();
    for agent in Agent::ALL.into_iter().filter(|a| *a != Agent::Claude) {
        let mut files = vec![(place(agent, project.top(agent), false).config, false)];
        if let Some(home) = home {
            files.push((place(agent, home, true).config, true));
        }
        let mut with_ours = Vec::new();
        for (file, global) in &files {
            if !file.exists() {
                continue;
            }
            let config = match ConfigFile::open(file) {
                Ok(c) => c,
                Err(e) => {
                    out.push(format!(
                        "{e}; {} cannot read it, and git session install cannot edit it",
                        agent.title()
                    ));
                    continue;
                }
            };
            let doc = config.value();
            if !installed_in(agent, file, &doc).hooks.is_empty() {
                with_ours.push((file.clone(), *global));
            }
            if agent == Agent::Gemini
                && doc.pointer("/hooksConfig/enabled") == Some(&Value::Bool(false))
            {
                out.push(format!(
                    "{}: hooksConfig.enabled is false, so Gemini CLI runs no hooks, git-session's included",
                    file.display()
                ));
            }
        }
        if let [(a, _), (b, _)] = with_ours.as_slice() {
            out.push(format!(
                "git-session hooks are installed in both {} and {}, so {} runs each twice; keep one (git session install --agent {agent} --uninstall, or with --global)",
                a.display(),
                b.display(),
                agent.title()
            ));
        }
    }
    out
}

/// Our hooks as installed for every agent, file by file (files without any are left out).
pub fn installed_hooks(project: &Project, home: Option<&Path>) -> Vec<Installed> {
    hook_files(project, home)
        .into_iter()
        .filter_map(|(agent, f)| installed(agent, &f))
        .filter(|i| !i.hooks.is_empty())
        .collect()
}

/// Our hooks installed so that Claude Code runs them twice: in two settings files with
/// different commands (identical ones it runs once), or in settings and as the enabled plugin.
pub fn doubled_installs(project: &Path, home: Option<&Path>) -> Vec<String> {
    let found: Vec<Installed> = settings_files(project, home)
        .iter()
        .filter_map(|f| installed(Agent::Claude, f))
        .collect();
    let with_hooks: Vec<&Installed> = found.iter().filter(|i| !i.hooks.is_empty()).collect();
    let mut out = Vec::new();
    for (i, a) in with_hooks.iter().enumerate() {
        for b in &with_hooks[i + 1..] {
            if a.hooks
                .iter()
                .any(|h| !b.hooks.contains(h) && b.hooks.iter().any(|x| x.0 == h.0))
            {
                out.push(format!(
                    "git-session hooks are installed in both {} and {} with different commands, so Claude Code runs each twice (git session install in both places writes the same command)",
                    a.file.display(),
                    b.file.display()
                ));
            }
        }
    }
    if let Some(p) = found.iter().find(|i| i.plugin.is_some())
        && let Some(s) = with_hooks.first()
    {
        out.push(format!(
            "the git-session plugin is enabled ({} in {}) and {} installs the same hooks, so each runs twice; keep one (git session install --uninstall removes the settings copy)",
            p.plugin.as_deref().unwrap_or_default(),
            p.file.display(),
            s.file.display()
        ));
    }
    out
}

/// Hook commands of ours in `installed` ([`installed_hooks`]), for any agent, that cannot run:
/// a binary that is gone, or `git session` left to a PATH that a client started from a desktop
/// launcher may not have.
pub fn unrunnable_hooks(installed: &[Installed]) -> Vec<String> {
    let mut out = Vec::new();
    for i in installed {
        let mut seen: Vec<String> = Vec::new();
        for (_, command) in &i.hooks {
            if seen.contains(command) {
                continue;
            }
            seen.push(command.clone());
            let events: Vec<&str> = i
                .hooks
                .iter()
                .filter(|(_, c)| c == command)
                .map(|(e, _)| e.as_str())
                .collect();
            // A bare `git-session` is found through PATH, like `git session`.
            let program = hook_program_of(command).filter(|p| p.components().count() > 1);
            match program {
                None if command.contains("CLAUDE_PLUGIN_ROOT") => {}
                None => out.push(format!(
                    "{}: the {} hooks run `{command}`, which depends on the PATH {} starts with; run git session install again to write the binary's absolute path",
                    i.file.display(),
                    events.join(", "),
                    i.agent.title()
                )),
                Some(p) if !is_executable(&p) => out.push(format!(
                    "{}: the {} hooks run {}, which cannot be found; run git session install{} again",
                    i.file.display(),
                    events.join(", "),
                    p.display(),
                    match i.agent {
                        Agent::Claude => String::new(),
                        a => format!(" --agent {a}"),
                    }
                )),
                Some(_) => {}
            }
        }
    }
    out
}

/// What keeps Codex from running our hooks: the project not trusted (its `.codex/` is not
/// even read), or hooks it does not trust (skipped silently), each as one line.
pub fn codex_trust_problems(project: &Project, home: Option<&Path>) -> Vec<String> {
    let Some(home) = home else {
        return vec![];
    };
    let codex_home = codex_home(home);
    let Ok(config) = codex::CodexConfig::open(&codex_home) else {
        return vec![];
    };
    let mut out = Vec::new();
    let project = &project.codex;
    for (file, project_file) in [
        (place(Agent::Codex, project, false).config, true),
        (place(Agent::Codex, home, true).config, false),
    ] {
        let key_path = codex::key_path(&file, !project_file);
        let Ok(hooks) = codex::our_hooks(&file, &key_path) else {
            continue;
        };
        if hooks.is_empty() {
            continue;
        }
        if project_file && !config.project_trusted(project) {
            out.push(format!(
                "{}: Codex does not read this project's .codex/ until you trust the project (codex asks at start; or git session install --agent codex --trust)",
                file.display()
            ));
        }
        let untrusted: Vec<String> = hooks
            .iter()
            .filter_map(|h| match config.trust(h) {
                _ if config.disabled(h) => Some(format!("{} (disabled)", h.event)),
                codex::Trust::Trusted => None,
                codex::Trust::Untrusted => Some(format!("{} (never trusted)", h.event)),
                codex::Trust::Modified => Some(format!("{} (changed since trusted)", h.event)),
            })
            .collect();
        if !untrusted.is_empty() {
            out.push(format!(
                "{}: Codex skips these hooks silently until they are trusted: {}; approve them in codex's /hooks, or run git session install --agent codex{} --trust",
                file.display(),
                untrusted.join(", "),
                if project_file { "" } else { " --global" }
            ));
        }
    }
    out
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_hook_commands_are_recognised_however_they_name_the_binary() {
        for (c, event) in [
            ("git session hook stop", Some("stop")),
            (
                "'/home/a b/.cargo/bin/git-session' hook pre-compact",
                Some("pre-compact"),
            ),
            ("/usr/bin/git-session hook stop", Some("stop")),
            (
                r#"sh "${CLAUDE_PLUGIN_ROOT}/bin/git-session-hook" session-end"#,
                Some("session-end"),
            ),
            ("./scripts/check.sh", None),
            ("my-git-session hook stop", None),
        ] {
            assert_eq!(hook_event_of(c).as_deref(), event, "{c}");
        }
        let odd = Path::new("/tmp/it's here/git-session");
        let c = format!("{} hook stop", shell_quote(odd));
        assert_eq!(hook_event_of(&c).as_deref(), Some("stop"));
        assert_eq!(hook_program_of(&c).as_deref(), Some(odd));
        assert_eq!(hook_program_of("git session hook stop"), None);
    }
}
