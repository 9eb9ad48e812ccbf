//! Codex CLI's trust: Codex skips, silently, every hook it does not trust, and loads a
//! project's `.codex/` only when the project is trusted. Both are recorded in
//! `$CODEX_HOME/config.toml`:
//!
//! ```toml
//! [projects."/abs/repo"]
//! trust_level = "trusted"
//!
//! [hooks.state."/abs/repo/.codex/hooks.json:session_start:0:0"]
//! trusted_hash = "sha256:…"
//! ```
//!
//! The key is `<hooks.json>:<event in snake_case>:<group index>:<handler index>`, and the hash
//! is SHA-256 over the handler's normalized identity as compact JSON with sorted keys
//! (openai/codex `codex-rs/hooks/src/engine/discovery.rs` `command_hook_hash`,
//! `codex-rs/config/src/fingerprint.rs` `version_for_toml`; checked against the `currentHash`
//! that Codex CLI 0.171.0 reports through `codex app-server` `hooks/list`). The hash covers the
//! command, so a hook whose binary path changes is untrusted again until re-trusted.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::{Error, Result};
use crate::install::config::ConfigFile;
use crate::mirror::write_atomic;

/// Codex's default hook timeout, seconds (`discovery.rs`: `timeout_sec.unwrap_or(600)`).
const DEFAULT_TIMEOUT: u64 = 600;
/// Codex clamps SessionEnd hooks to at most this many seconds.
pub const SESSION_END_MAX: u64 = 3;

/// An event's name in trust keys: `SessionStart` → `session_start`.
pub fn snake(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// One command hook as Codex identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodexHook {
    /// `<hooks.json>:<event_snake>:<group>:<handler>`.
    pub key: String,
    /// `sha256:<hex>` of its normalized identity.
    pub hash: String,
    /// The PascalCase event (`SessionStart`).
    pub event: String,
    pub command: String,
}

/// The trust hash of a command hook: `event` in PascalCase, the group's `matcher`, and the
/// handler as written (its `timeout` in seconds, `async`, `statusMessage`).
pub fn hook_hash(event: &str, matcher: Option<&str>, handler: &Value) -> String {
    let mut timeout = handler
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_TIMEOUT)
        .max(1);
    if event == "SessionEnd" {
        timeout = timeout.min(SESSION_END_MAX);
    }
    // Keys in sorted order (the map keeps insertion order here): Codex sorts them.
    let mut h = Map::new();
    h.insert(
        "async".into(),
        json!(
            handler
                .get("async")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    h.insert(
        "command".into(),
        json!(handler.get("command").and_then(Value::as_str).unwrap_or("")),
    );
    if let Some(m) = handler.get("statusMessage").and_then(Value::as_str) {
        h.insert("statusMessage".into(), json!(m));
    }
    h.insert("timeout".into(), json!(timeout));
    h.insert("type".into(), json!("command"));
    let mut id = Map::new();
    id.insert("event_name".into(), json!(snake(event)));
    id.insert("hooks".into(), Value::Array(vec![Value::Object(h)]));
    if let Some(m) = matcher {
        id.insert("matcher".into(), json!(m));
    }
    let bytes = serde_json::to_vec(&Value::Object(id)).expect("JSON values serialise");
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Every command hook in a Codex `hooks.json` whose command `ours` accepts, with its trust key
/// and hash. `file` is the path Codex knows it by (absolute).
pub fn hooks_in(file: &Path, doc: &Value, ours: impl Fn(&str) -> bool) -> Vec<CodexHook> {
    let mut out = Vec::new();
    let Some(events) = doc.get("hooks").and_then(Value::as_object) else {
        return out;
    };
    for (event, groups) in events {
        for (g, group) in groups.as_array().into_iter().flatten().enumerate() {
            let matcher = group.get("matcher").and_then(Value::as_str);
            for (h, handler) in group
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let Some(command) = handler.get("command").and_then(Value::as_str) else {
                    continue;
                };
                if !ours(command) {
                    continue;
                }
                out.push(CodexHook {
                    key: format!("{}:{}:{g}:{h}", file.display(), snake(event)),
                    hash: hook_hash(event, matcher, handler),
                    event: event.clone(),
                    command: command.to_string(),
                });
            }
        }
    }
    out
}

/// Whether Codex trusts a hook, as `hooks/list` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Trusted,
    /// Never trusted.
    Untrusted,
    /// Trusted once, changed since (another binary path).
    Modified,
}

/// `$CODEX_HOME/config.toml`, read for trust.
pub struct CodexConfig {
    pub path: PathBuf,
    doc: DocumentMut,
    existed: bool,
}

impl CodexConfig {
    /// Read `<codex_home>/config.toml` (missing is empty). Errors: it is not TOML.
    pub fn open(codex_home: &Path) -> Result<CodexConfig> {
        let path = codex_home.join("config.toml");
        let path = fs::canonicalize(&path).unwrap_or(path);
        let (text, existed) = match fs::read_to_string(&path) {
            Ok(t) => (t, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), false),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let doc = text.parse::<DocumentMut>().map_err(|e| Error::Parse {
            file: path.display().to_string(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(1),
            message: format!("not valid TOML ({}); left untouched", e.message()),
        })?;
        Ok(CodexConfig { path, doc, existed })
    }

    /// Whether Codex trusts the project at `dir` (`[projects."<dir>"] trust_level`).
    pub fn project_trusted(&self, dir: &Path) -> bool {
        self.doc
            .get("projects")
            .and_then(|p| p.get(dir.display().to_string()))
            .and_then(|p| p.get("trust_level"))
            .and_then(Item::as_str)
            == Some("trusted")
    }

    /// How Codex sees one hook.
    pub fn trust(&self, hook: &CodexHook) -> Trust {
        let recorded = self
            .doc
            .get("hooks")
            .and_then(|h| h.get("state"))
            .and_then(|s| s.get(&hook.key))
            .and_then(|s| s.get("trusted_hash"))
            .and_then(Item::as_str);
        match recorded {
            Some(h) if h == hook.hash => Trust::Trusted,
            Some(_) => Trust::Modified,
            None => Trust::Untrusted,
        }
    }

    /// Record the project at `dir` as trusted.
    pub fn trust_project(&mut self, dir: &Path) {
        let projects = table(self.doc.as_table_mut(), "projects");
        let project = table(projects, &dir.display().to_string());
        project["trust_level"] = value("trusted");
    }

    /// Record `hook` as trusted, as Codex's `/hooks` does.
    pub fn trust_hook(&mut self, hook: &CodexHook) {
        let hooks = table(self.doc.as_table_mut(), "hooks");
        let state = table(hooks, "state");
        let entry = table(state, &hook.key);
        entry["trusted_hash"] = value(hook.hash.clone());
    }

    /// Forget the trust of `hook` when it is the one recorded for exactly this hook; returns
    /// whether it did.
    pub fn forget_hook(&mut self, hook: &CodexHook) -> bool {
        if self.trust(hook) != Trust::Trusted {
            return false;
        }
        let Some(state) = self
            .doc
            .get_mut("hooks")
            .and_then(|h| h.get_mut("state"))
            .and_then(Item::as_table_like_mut)
        else {
            return false;
        };
        let Some(entry) = state.get_mut(&hook.key).and_then(Item::as_table_like_mut) else {
            return false;
        };
        entry.remove("trusted_hash");
        if entry.is_empty() {
            state.remove(&hook.key);
        }
        true
    }

    /// Write the file atomically (only called when something changed).
    pub fn save(&self) -> Result<()> {
        let mode = fs::metadata(&self.path).ok().map(|m| m.permissions());
        write_atomic(&self.path, self.doc.to_string().as_bytes())?;
        if let Some(mode) = mode {
            let _ = fs::set_permissions(&self.path, mode);
        }
        Ok(())
    }

    /// Whether the file existed before.
    pub fn existed(&self) -> bool {
        self.existed
    }
}

/// The table under `key` in `parent`, created (implicit, so `[a.b]` headers only) when missing.
fn table<'a>(parent: &'a mut Table, key: &str) -> &'a mut Table {
    let item = parent.entry(key).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    if !item.is_table() {
        let mut t = Table::new();
        t.set_implicit(true);
        *item = Item::Table(t);
    }
    item.as_table_mut().expect("made a table")
}

/// Our hooks in a Codex `hooks.json` at `file`, with their trust keys and hashes.
pub fn our_hooks(file: &Path) -> Result<Vec<CodexHook>> {
    let config = ConfigFile::open(file)?;
    Ok(hooks_in(&config.path, &config.value(), |c| {
        crate::install::our_command(c).is_some()
    }))
}

/// After installing Codex hooks into `hooks_file`: with `trust`, record the project at
/// `project` (unless `global`) and each of our hooks as trusted in `<codex_home>/config.toml`
/// (pushed onto `written`); without it, say what the user must do. Returns the lines to show.
pub fn after_install(
    codex_home: &Path,
    hooks_file: &Path,
    project: &Path,
    global: bool,
    trust: bool,
    written: &mut Vec<PathBuf>,
) -> Result<Vec<String>> {
    let hooks = our_hooks(hooks_file)?;
    let mut config = CodexConfig::open(codex_home)?;
    let untrusted: Vec<&CodexHook> = hooks
        .iter()
        .filter(|h| config.trust(h) != Trust::Trusted)
        .collect();
    let project_ok = global || config.project_trusted(project);
    if trust {
        if untrusted.is_empty() && project_ok {
            return Ok(vec![]);
        }
        if !project_ok {
            config.trust_project(project);
        }
        for h in &untrusted {
            config.trust_hook(h);
        }
        config.save()?;
        written.push(config.path.clone());
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    if !project_ok {
        out.push(format!(
            "Codex loads nothing from {}/.codex until you trust the project: answer yes when codex asks, or run git session install --agent codex --trust",
            project.display()
        ));
    }
    if !untrusted.is_empty() {
        out.push(format!(
            "Codex runs none of the {} hooks just installed until you trust them: open codex here and approve them in /hooks, or run git session install --agent codex --trust (which records them in {})",
            untrusted.len(),
            config.path.display()
        ));
    }
    Ok(out)
}

/// Before uninstalling Codex hooks from `hooks_file`: forget the trust recorded for exactly
/// those hooks (what `--trust` added). The project's trust stays: it may be the user's own.
pub fn before_uninstall(
    codex_home: &Path,
    hooks_file: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    let hooks = our_hooks(hooks_file)?;
    let mut config = CodexConfig::open(codex_home)?;
    if !config.existed() {
        return Ok(());
    }
    let mut changed = false;
    for h in &hooks {
        changed |= config.forget_hook(h);
    }
    if changed {
        config.save()?;
        written.push(config.path.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_one_codex_reports() {
        // `codex app-server` hooks/list of Codex CLI 0.171.0 reported these currentHash values
        // for this hooks.json (a default timeout; a matcher, a status message, non-ASCII text,
        // a quote and a SessionEnd timeout that Codex clamps to 3 s):
        // {"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"echo hi"}]}],
        //  "SessionEnd":[{"matcher":"other","hooks":[{"type":"command",
        //  "command":"echo \"bye\" ünï","timeout":10,"statusMessage":"s"}]}]}}
        assert_eq!(
            hook_hash(
                "SessionStart",
                None,
                &json!({"type": "command", "command": "echo hi"})
            ),
            "sha256:a245b9b8493f2be82aea06c373ef42709b417c1b701a54e5ab76ab728777f4ad"
        );
        assert_eq!(
            hook_hash(
                "SessionEnd",
                Some("other"),
                &json!({"type": "command", "command": "echo \"bye\" ünï", "timeout": 10, "statusMessage": "s"})
            ),
            "sha256:c489d892eba9bfd44eb68c6ce2c273e870fcb713fa339f389be8a73ddde05f78"
        );
        assert_eq!(snake("UserPromptSubmit"), "user_prompt_submit");
    }
}
