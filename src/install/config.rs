//! An agent's JSON config file, edited in place: our hook entries go in and come out, and every
//! byte the user wrote around them stays as it was.
//!
//! The files are read as JSONC (comments: Gemini CLI's `settings.json` allows them; trailing
//! commas are read too, though Gemini 0.61 refuses them) into a concrete syntax tree
//! (`jsonc-parser`, dprint's), so that an edit touches only the entries it adds or removes. A file that does not parse, or whose `hooks` is not an
//! object, is refused before anything is written.

use std::fs;
use std::path::{Path, PathBuf};

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstArray, CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

use crate::error::{Error, IoContext, Result};
use crate::mirror::write_atomic;

/// A config file as read, ready for edits.
pub struct ConfigFile {
    /// Where it is written: a link (dotfiles) is written through to its target.
    pub path: PathBuf,
    /// The text as read, without a byte-order mark; `None` when the file did not exist.
    original: Option<String>,
    bom: bool,
    root: CstRootNode,
    /// Texts to put back in place of what an edit left (see [`ConfigFile::take_out`]).
    fixups: std::cell::RefCell<Vec<(String, String)>>,
}

impl ConfigFile {
    /// Read `path` (missing is an empty object). Errors: the file cannot be read, is not
    /// JSON/JSONC (`Error::Parse` with its line), or is not an object.
    pub fn open(path: &Path) -> Result<ConfigFile> {
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let original = match fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let bom = original
            .as_deref()
            .is_some_and(|t| t.starts_with('\u{feff}'));
        let original = original.map(|t| t.trim_start_matches('\u{feff}').to_string());
        let text = match original.as_deref() {
            Some(t) if !t.trim().is_empty() => t.to_string(),
            _ => "{}".to_string(),
        };
        let root = CstRootNode::parse(&text, &ParseOptions::default()).map_err(|e| {
            let line = text[..e.range().start.min(text.len())]
                .lines()
                .count()
                .max(1);
            Error::Parse {
                file: path.display().to_string(),
                line,
                message: format!("not valid JSON ({}); left untouched", e.kind()),
            }
        })?;
        let Some(top) = root.object_value() else {
            return Err(Error::Parse {
                file: path.display().to_string(),
                line: 1,
                message: "not a JSON object; left untouched".into(),
            });
        };
        // A key given twice is read as its last copy by JavaScript clients and as its first by
        // an editor: which one holds our hooks would be a guess.
        let hooks = top.object_value("hooks");
        for obj in std::iter::once(top).chain(hooks) {
            let mut seen = std::collections::HashSet::new();
            for p in obj.properties() {
                if let Some(name) = p.decoded_name()
                    && !seen.insert(name.clone())
                {
                    return Err(Error::Parse {
                        file: path.display().to_string(),
                        line: 1,
                        message: format!(
                            "the key \"{name}\" is there twice (clients read the last one); left untouched"
                        ),
                    });
                }
            }
        }
        Ok(ConfigFile {
            path,
            original,
            bom,
            root,
            fixups: Default::default(),
        })
    }

    /// Whether the file existed.
    pub fn exists(&self) -> bool {
        self.original.is_some()
    }

    /// The file as it was read, as a value (`{}` when it did not exist).
    pub fn original_value(&self) -> Value {
        self.original
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .and_then(|t| CstRootNode::parse(t, &ParseOptions::default()).ok())
            .and_then(|r| r.to_serde_value())
            .unwrap_or(Value::Object(Default::default()))
    }

    /// The top-level object.
    pub fn root(&self) -> CstObject {
        self.root.object_value_or_set()
    }

    /// The whole file as a value (for reading, not editing).
    pub fn value(&self) -> Value {
        self.root
            .to_serde_value()
            .unwrap_or(Value::Object(Default::default()))
    }

    /// The object under `key` at the top level; `create` adds it when missing. Errors when it
    /// exists and is not an object (`null` counts as missing).
    pub fn object(&self, key: &str, create: bool) -> Result<Option<CstObject>> {
        let root = self.root();
        match root.get(key) {
            Some(p) if p.value().is_some_and(|v| v.as_null_keyword().is_some()) && create => {
                p.set_value(CstInputValue::Object(vec![]));
            }
            Some(p) if p.object_value().is_none() => return Err(self.not_a(key, "an object")),
            Some(_) => {}
            None if create => {
                root.append(key, CstInputValue::Object(vec![]));
            }
            None => return Ok(None),
        }
        Ok(root.object_value(key))
    }

    /// The list under `obj.key`, created when `create`; errors when it is not a list.
    pub fn list(&self, obj: &CstObject, key: &str, create: bool) -> Result<Option<CstArray>> {
        match obj.get(key) {
            Some(p) if p.array_value().is_none() => Err(self.not_a(key, "a list")),
            Some(p) => Ok(p.array_value()),
            None if create => Ok(Some(obj.array_value_or_set(key))),
            None => Ok(None),
        }
    }

    fn not_a(&self, key: &str, what: &str) -> Error {
        Error::Config {
            path: self.path.clone(),
            why: format!("\"{key}\" is not {what}; left untouched"),
        }
    }

    /// The text to write: the tree as edited, with the original's byte-order mark, and a final
    /// newline when the original had one (or was new).
    pub fn text(&self) -> String {
        let mut text = self.root.to_string();
        for (left, back) in self.fixups.borrow().iter() {
            if text.matches(left.as_str()).count() == 1 {
                text = text.replacen(left.as_str(), back, 1);
            }
        }
        let newline = self.original.as_deref().is_none_or(|t| t.ends_with('\n'));
        if newline && !text.ends_with('\n') {
            text.push('\n');
        }
        if self.bom {
            text.insert(0, '\u{feff}');
        }
        text
    }

    /// Whether the edits changed anything.
    pub fn changed(&self) -> bool {
        let now = self.text();
        let now = now.trim_start_matches('\u{feff}');
        match self.original.as_deref() {
            Some(t) => t != now,
            None => true,
        }
    }

    /// Write the file atomically, keeping its permissions.
    pub fn save(&self) -> Result<()> {
        let mode = fs::metadata(&self.path).ok().map(|m| m.permissions());
        write_atomic(&self.path, self.text().as_bytes())?;
        if let Some(mode) = mode {
            let _ = fs::set_permissions(&self.path, mode);
        }
        Ok(())
    }

    /// Remove the file (uninstall left it empty).
    pub fn remove(&self) -> Result<()> {
        fs::remove_file(&self.path).at(&self.path)
    }
}

/// A JSON value as the syntax tree takes it.
pub fn input(v: &Value) -> CstInputValue {
    match v {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(a) => CstInputValue::Array(a.iter().map(input).collect()),
        Value::Object(o) => {
            CstInputValue::Object(o.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

/// Put each of `groups` into `list`: one that `same` finds there already is replaced when it
/// differs (ours with another binary path), else it is appended. Returns whether anything
/// changed.
pub fn put(list: &CstArray, groups: &[Value], same: impl Fn(&Value, &Value) -> bool) -> bool {
    let mut changed = false;
    for group in groups {
        let found = list
            .elements()
            .into_iter()
            .filter_map(|el| el.to_serde_value().map(|v| (el, v)))
            .find(|(_, v)| same(v, group));
        match found {
            Some((_, v)) if &v == group => {}
            Some((el, _)) => {
                let index = el.element_index().unwrap_or(0);
                el.remove();
                list.insert(index, input(group));
                changed = true;
            }
            None => {
                list.append(input(group));
                changed = true;
            }
        }
    }
    changed
}

impl ConfigFile {
    /// Remove from `list` every element `ours` recognises. Returns whether anything was
    /// removed. An entry appended to a one-line list made it span lines (`[{…},` newline our
    /// entry newline `]`); taking it out again gives the list back its one line.
    pub fn take_out(&self, list: &CstArray, ours: impl Fn(&Value) -> bool) -> bool {
        let mut changed = false;
        for el in list.elements() {
            if el.to_serde_value().is_some_and(|v| ours(&v)) {
                el.remove();
                changed = true;
            }
        }
        let left = list.to_string();
        if changed && let Some(back) = one_line_again(&left) {
            self.fixups.borrow_mut().push((left, back));
        }
        changed
    }
}

/// `[{…}` newline `]` → `[{…}]`: a one-line list whose appended entry was taken out again.
fn one_line_again(list: &str) -> Option<String> {
    let (first, rest) = list.split_once('\n')?;
    let first = first.trim_end_matches('\r');
    (rest.trim() == "]" && first.len() > 1 && !first[1..].trim().is_empty())
        .then(|| format!("{}]", first.trim_end()))
}
