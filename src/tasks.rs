//! Tasks: markdown files under `.tasks/` with YAML frontmatter (`id`, optional `shortname`, `status`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::mirror::write_atomic;

/// A task file found under `.tasks/`.
#[derive(Debug, Clone)]
pub struct Task {
    pub path: PathBuf,
    pub id: String,
    pub shortname: Option<String>,
    pub status: Option<String>,
}

/// The frontmatter block of a markdown file: `(yaml, byte range of the yaml)`.
fn frontmatter(text: &str) -> Option<(&str, std::ops::Range<usize>)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let start = text.len() - rest.len();
    let mut pos = start;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&text[start..pos], start..pos));
        }
        pos += line.len();
    }
    None
}

/// Every task file under `dir/.tasks` (recursively), skipping files without an `id`. No link
/// is followed: `.tasks` itself may not be one (it could point anywhere, and `close --complete`
/// writes task files), and links inside are skipped.
pub fn load(dir: &Path) -> Result<Option<Vec<Task>>> {
    let root = dir.join(".tasks");
    match fs::symlink_metadata(&root) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::Config {
                path: root,
                why:
                    "is a symbolic link; git-session never follows links to the task files it edits"
                        .into(),
            });
        }
        Ok(m) if m.is_dir() => {}
        _ => return Ok(None),
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).at(&d)? {
            let entry = entry.at(&d)?;
            let path = entry.path();
            let kind = entry.file_type().at(&path)?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("md") {
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let Some((yaml, _)) = frontmatter(&text) else {
                continue;
            };
            let Ok(map) = serde_yaml::from_str::<serde_yaml::Mapping>(yaml) else {
                continue;
            };
            let get = |k: &str| {
                map.get(k).and_then(|v| match v {
                    serde_yaml::Value::String(s) => Some(s.clone()),
                    serde_yaml::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            };
            if let Some(id) = get("id") {
                out.push(Task {
                    path,
                    id,
                    shortname: get("shortname"),
                    status: get("status"),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(out))
}

/// Resolve task names (id, unique id prefix, shortname) to ids. Without `.tasks/`, names are
/// kept as given with a warning; with it, an unknown name is an error.
pub fn resolve(dir: &Path, names: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    let mut ids = Vec::new();
    let mut warnings = Vec::new();
    if names.is_empty() {
        return Ok((ids, warnings));
    }
    let Some(tasks) = load(dir)? else {
        warnings.push(format!(
            "no .tasks/ directory; recording task ids as given: {}",
            names.join(", ")
        ));
        for n in names {
            if !ids.contains(n) {
                ids.push(n.clone());
            }
        }
        return Ok((ids, warnings));
    };
    for n in names {
        let t = find(&tasks, n)?;
        if !ids.contains(&t.id) {
            ids.push(t.id.clone());
        }
    }
    Ok((ids, warnings))
}

/// Find one task by id, shortname or unique id prefix.
pub fn find<'t>(tasks: &'t [Task], name: &str) -> Result<&'t Task> {
    if let Some(t) = tasks
        .iter()
        .find(|t| t.id == name || t.shortname.as_deref() == Some(name))
    {
        return Ok(t);
    }
    let matches: Vec<&Task> = tasks.iter().filter(|t| t.id.starts_with(name)).collect();
    match matches.len() {
        1 => Ok(matches[0]),
        0 => Err(Error::Usage(format!("no task '{name}' in .tasks/"))),
        _ => Err(Error::Usage(format!(
            "task '{name}' is ambiguous; it could be: {}",
            matches
                .iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Set `status: completed` in a task file, changing no other byte.
pub fn mark_completed(task: &Task) -> Result<bool> {
    if !fs::symlink_metadata(&task.path).is_ok_and(|m| m.is_file()) {
        return Err(Error::Config {
            path: task.path.clone(),
            why: "is no longer a regular file; not changed".into(),
        });
    }
    let text = fs::read_to_string(&task.path).at(&task.path)?;
    let (yaml, range) = frontmatter(&text).ok_or_else(|| Error::Config {
        path: task.path.clone(),
        why: "no frontmatter".into(),
    })?;
    let mut offset = range.start;
    let mut new = None;
    for line in yaml.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("status:") {
            let value = rest.trim();
            if value.trim_matches(['"', '\'']) == "completed" {
                return Ok(false);
            }
            let eol = if line.ends_with("\r\n") {
                "\r\n"
            } else if line.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            new = Some(format!(
                "{}status: completed{eol}{}",
                &text[..offset],
                &text[offset + line.len()..]
            ));
            break;
        }
        offset += line.len();
    }
    let new = new.unwrap_or_else(|| {
        format!(
            "{}status: completed\n{}",
            &text[..range.end],
            &text[range.end..]
        )
    });
    write_atomic(&task.path, new.as_bytes())?;
    Ok(true)
}
