//! `install`: slash commands and hook entries for Claude Code, merged into what is there.
//!
//! The templates are the files of `hooks/` (also a Claude Code plugin directory), compiled in.
//! Installing twice changes nothing; uninstalling removes only what install added, and keeps a
//! command file the user has edited.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, IoContext, Result};
use crate::mirror::write_atomic;

/// The slash commands, by file name.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "session-init.md",
        include_str!("../hooks/commands/session-init.md"),
    ),
    (
        "session-resume.md",
        include_str!("../hooks/commands/session-resume.md"),
    ),
    (
        "session-log.md",
        include_str!("../hooks/commands/session-log.md"),
    ),
    (
        "session-checkpoint.md",
        include_str!("../hooks/commands/session-checkpoint.md"),
    ),
    (
        "session-view.md",
        include_str!("../hooks/commands/session-view.md"),
    ),
    (
        "session-pause.md",
        include_str!("../hooks/commands/session-pause.md"),
    ),
    (
        "session-close.md",
        include_str!("../hooks/commands/session-close.md"),
    ),
];

/// The hook entries, in Claude Code's settings shape, as the plugin runs them (through
/// `bin/git-session-hook`); install writes each with the binary's absolute path instead.
pub const HOOKS_JSON: &str = include_str!("../hooks/hooks/hooks.json");

/// The event a hook command of ours runs (`post-compact`), whichever way it names the binary:
/// `git session hook E` (before issue 15), `'/abs/git-session' hook E` (install), or the
/// plugin's `sh "${CLAUDE_PLUGIN_ROOT}/bin/git-session-hook" E`.
pub fn hook_event_of(command: &str) -> Option<&str> {
    let (program, event) = command.trim().rsplit_once(' ')?;
    let program = program.trim_end();
    if program.ends_with("/bin/git-session-hook\"") {
        return Some(event);
    }
    let program = program.strip_suffix(" hook")?.trim_end();
    let unquoted = program
        .strip_prefix('\'')
        .and_then(|p| p.strip_suffix('\''))
        .unwrap_or(program);
    (program == "git session" || unquoted == "git-session" || unquoted.ends_with("/git-session"))
        .then_some(event)
}

/// The program a hook command of ours runs: `None` for `git session` (found through PATH).
pub fn hook_program_of(command: &str) -> Option<PathBuf> {
    let program = command
        .trim()
        .rsplit_once(' ')?
        .0
        .trim_end()
        .strip_suffix(" hook")?;
    let program = program.trim_end();
    if program == "git session" {
        return None;
    }
    let unquoted = match program
        .strip_prefix('\'')
        .and_then(|p| p.strip_suffix('\''))
    {
        Some(q) => q.replace("'\\''", "'"),
        None => program.to_string(),
    };
    Some(PathBuf::from(unquoted))
}

/// `path` quoted for a POSIX shell, as Claude Code runs hook commands.
pub fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// A hook group with each of our commands written one way, so that groups install wrote with
/// another binary path (or the old `git session hook`) are recognised as ours.
fn canonical(group: &Value) -> Value {
    let mut g = group.clone();
    if let Some(hooks) = g.get_mut("hooks").and_then(Value::as_array_mut) {
        for h in hooks {
            let event = h
                .get("command")
                .and_then(Value::as_str)
                .and_then(hook_event_of)
                .map(str::to_string);
            if let Some(event) = event {
                h["command"] = Value::String(format!("git-session hook {event}"));
            }
        }
    }
    g
}

/// What install or uninstall did, file by file.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Files left in place, with why.
    pub kept: Vec<(PathBuf, String)>,
    /// Hooks that would run twice (installed here and elsewhere, or also as the plugin).
    pub warnings: Vec<String>,
}

/// Install into (or, with `uninstall`, remove from) `<root>/.claude`; the hooks run `exe`.
pub fn run(root: &Path, uninstall: bool, exe: &Path) -> Result<Report> {
    let claude = root.join(".claude");
    let settings_path = claude.join("settings.json");
    // Read and check settings.json before touching anything, so a bad file leaves all as it was.
    // A settings file that is a link (dotfiles) is written through the link.
    let settings_path = fs::canonicalize(&settings_path).unwrap_or(settings_path);
    let original = match fs::read_to_string(&settings_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&settings_path, e)),
    };
    let bom = original
        .as_deref()
        .is_some_and(|t| t.starts_with('\u{feff}'));
    let mut doc: Value = match original
        .as_deref()
        .map(|t| t.trim_start_matches('\u{feff}'))
    {
        Some(t) if !t.trim().is_empty() => serde_json::from_str(t).map_err(|e| Error::Parse {
            file: settings_path.display().to_string(),
            line: e.line(),
            message: format!("not valid JSON ({e}); left untouched"),
        })?,
        _ => Value::Object(Map::new()),
    };
    if !doc.is_object() {
        return Err(Error::Parse {
            file: settings_path.display().to_string(),
            line: 1,
            message: "not a JSON object; left untouched".into(),
        });
    }
    let mut report = Report::default();
    let changed = if uninstall {
        remove_hooks(&mut doc)?
    } else {
        add_hooks(&mut doc, exe)?
    };
    if changed {
        let empty = doc.as_object().is_some_and(Map::is_empty);
        if uninstall && empty {
            fs::remove_file(&settings_path).at(&settings_path)?;
            report.removed.push(settings_path.clone());
        } else {
            let mut text = render(&doc, original.as_deref());
            if bom {
                text.insert(0, '\u{feff}');
            }
            let mode = fs::metadata(&settings_path).ok().map(|m| m.permissions());
            write_atomic(&settings_path, text.as_bytes())?;
            if let Some(mode) = mode {
                let _ = fs::set_permissions(&settings_path, mode);
            }
            report.written.push(settings_path.clone());
        }
    } else {
        report.unchanged.push(settings_path.clone());
    }
    let dir = claude.join("commands");
    for (name, template) in COMMANDS {
        let path = dir.join(name);
        let existing = fs::read_to_string(&path).ok();
        match (uninstall, existing) {
            (false, Some(t)) if t == *template => report.unchanged.push(path),
            (false, Some(_)) => report
                .kept
                .push((path, "edited by you; not overwritten".into())),
            (false, None) => {
                write_atomic(&path, template.as_bytes())?;
                report.written.push(path);
            }
            (true, Some(t)) if t == *template => {
                fs::remove_file(&path).at(&path)?;
                report.removed.push(path);
            }
            (true, Some(_)) => report
                .kept
                .push((path, "edited by you; not removed".into())),
            (true, None) => {}
        }
    }
    if uninstall {
        for d in [dir, claude] {
            if fs::read_dir(&d).is_ok_and(|mut r| r.next().is_none()) {
                let _ = fs::remove_dir(&d);
            }
        }
    }
    Ok(report)
}

/// Our hook groups, by event, each command running `exe` (shell-quoted).
fn ours(exe: &Path) -> Map<String, Value> {
    let v: Value = serde_json::from_str(HOOKS_JSON).expect("hooks/hooks/hooks.json is valid JSON");
    let mut hooks = v["hooks"]
        .as_object()
        .expect("hooks.json has a hooks object")
        .clone();
    let program = shell_quote(exe);
    for groups in hooks.values_mut() {
        for h in groups
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(|g| g.get_mut("hooks").and_then(Value::as_array_mut))
            .flatten()
        {
            let event = h["command"]
                .as_str()
                .and_then(hook_event_of)
                .expect("hooks.json runs bin/git-session-hook EVENT")
                .to_string();
            h["command"] = Value::String(format!("{program} hook {event}"));
        }
    }
    hooks
}

fn add_hooks(doc: &mut Value, exe: &Path) -> Result<bool> {
    let root = doc.as_object_mut().expect("checked to be an object");
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    if hooks.is_null() {
        *hooks = Value::Object(Map::new());
    }
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(Error::Config {
            path: "settings.json".into(),
            why: "\"hooks\" is not an object; left untouched".into(),
        });
    };
    let mut changed = false;
    for (event, groups) in ours(exe) {
        let list = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            return Err(Error::Config {
                path: "settings.json".into(),
                why: format!("hooks.{event} is not a list; left untouched"),
            });
        };
        for group in groups.as_array().expect("hooks.json lists groups") {
            // Ours with another binary path (moved, or `git session hook` from before): the
            // same place, the new path.
            let want = canonical(group);
            match list.iter_mut().find(|g| canonical(g) == want) {
                Some(g) if g == group => {}
                Some(g) => {
                    *g = group.clone();
                    changed = true;
                }
                None => {
                    list.push(group.clone());
                    changed = true;
                }
            }
        }
    }
    Ok(changed)
}

fn remove_hooks(doc: &mut Value) -> Result<bool> {
    let root = doc.as_object_mut().expect("checked to be an object");
    let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) else {
        return Ok(false);
    };
    let mut changed = false;
    for (event, groups) in ours(Path::new("git-session")) {
        let ours: Vec<Value> = groups
            .as_array()
            .into_iter()
            .flatten()
            .map(canonical)
            .collect();
        let Some(list) = hooks.get_mut(&event).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        // Only a group exactly as install wrote it (matcher, command, timeout): never a user's own.
        list.retain(|g| !ours.contains(&canonical(g)));
        if list.len() != before {
            changed = true;
            if list.is_empty() {
                hooks.remove(&event);
            }
        }
    }
    if changed && hooks.is_empty() {
        root.remove("hooks");
    }
    Ok(changed)
}

/// Pretty JSON with the original file's indentation (two spaces when new) and final newline.
fn render(doc: &Value, original: Option<&str>) -> String {
    let indent = original
        .and_then(|t| t.lines().nth(1))
        .map(|l| l[..l.len() - l.trim_start().len()].to_string())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "  ".into());
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(doc, &mut ser).expect("JSON values serialise");
    let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
    if original.is_none_or(|t| t.ends_with('\n')) {
        text.push('\n');
    }
    text
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
struct Installed {
    file: PathBuf,
    hooks: Vec<(String, String)>,
    plugin: Option<String>,
}

fn installed(file: &Path) -> Option<Installed> {
    let text = fs::read_to_string(file).ok()?;
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    let mut hooks = Vec::new();
    for (event, groups) in doc
        .get("hooks")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for h in groups
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("hooks").and_then(Value::as_array))
            .flatten()
        {
            if let Some(c) = h.get("command").and_then(Value::as_str)
                && hook_event_of(c).is_some()
            {
                hooks.push((event.clone(), c.to_string()));
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
    Some(Installed {
        file: file.to_path_buf(),
        hooks,
        plugin,
    })
}

/// Our hooks installed so that Claude Code runs them twice: in two settings files with
/// different commands (identical ones it runs once), or in settings and as the enabled plugin.
pub fn doubled_installs(project: &Path, home: Option<&Path>) -> Vec<String> {
    let found: Vec<Installed> = settings_files(project, home)
        .iter()
        .filter_map(|f| installed(f))
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

/// Hook commands of ours that cannot run: a binary that is gone, or `git session` left to a
/// PATH that Claude Code, started from a desktop launcher, may not have.
pub fn unrunnable_hooks(project: &Path, home: Option<&Path>) -> Vec<String> {
    let mut out = Vec::new();
    for i in settings_files(project, home)
        .iter()
        .filter_map(|f| installed(f))
    {
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
            match hook_program_of(command) {
                None if command.contains("CLAUDE_PLUGIN_ROOT") => {}
                None => out.push(format!(
                    "{}: the {} hooks run `{command}`, which depends on the PATH Claude Code starts with; run git session install again to write the binary's absolute path",
                    i.file.display(),
                    events.join(", ")
                )),
                Some(p) if !is_executable(&p) => out.push(format!(
                    "{}: the {} hooks run {}, which cannot be found; run git session install again",
                    i.file.display(),
                    events.join(", "),
                    p.display()
                )),
                Some(_) => {}
            }
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
            assert_eq!(hook_event_of(c), event, "{c}");
        }
        let odd = Path::new("/tmp/it's here/git-session");
        let c = format!("{} hook stop", shell_quote(odd));
        assert_eq!(hook_event_of(&c), Some("stop"));
        assert_eq!(hook_program_of(&c).as_deref(), Some(odd));
        assert_eq!(hook_program_of("git session hook stop"), None);
    }
}
