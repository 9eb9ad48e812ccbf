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

/// The hook entries, in Claude Code's settings shape.
pub const HOOKS_JSON: &str = include_str!("../hooks/hooks/hooks.json");

/// What install or uninstall did, file by file.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Files left in place, with why.
    pub kept: Vec<(PathBuf, String)>,
}

/// Install into (or, with `uninstall`, remove from) `<root>/.claude`.
pub fn run(root: &Path, uninstall: bool) -> Result<Report> {
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
        add_hooks(&mut doc)?
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

fn ours() -> Map<String, Value> {
    let v: Value = serde_json::from_str(HOOKS_JSON).expect("hooks/hooks/hooks.json is valid JSON");
    v["hooks"]
        .as_object()
        .expect("hooks.json has a hooks object")
        .clone()
}

fn add_hooks(doc: &mut Value) -> Result<bool> {
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
    for (event, groups) in ours() {
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
            let present = list.contains(group);
            if !present {
                list.push(group.clone());
                changed = true;
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
    for (event, groups) in ours() {
        let ours: Vec<Value> = groups.as_array().cloned().unwrap_or_default();
        let Some(list) = hooks.get_mut(&event).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        // Only a group exactly as install wrote it (matcher, command, timeout): never a user's own.
        list.retain(|g| !ours.contains(g));
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
