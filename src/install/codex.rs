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

    /// Whether the user switched `hook` off (`enabled = false` in its state entry).
    pub fn disabled(&self, hook: &CodexHook) -> bool {
        self.doc
            .get("hooks")
            .and_then(|h| h.get("state"))
            .and_then(|s| s.get(&hook.key))
            .and_then(|s| s.get("enabled"))
            .and_then(Item::as_bool)
            == Some(false)
    }

    /// Record the project at `dir` as trusted. Errors when `projects` (or its entry) is there
    /// but is not a table: nothing is replaced.
    pub fn trust_project(&mut self, dir: &Path) -> Result<()> {
        let path = self.path.clone();
        let projects = child(self.doc.as_item_mut(), "projects", &path)?;
        let project = child(projects, &dir.display().to_string(), &path)?;
        set(project, "trust_level", "trusted");
        Ok(())
    }

    /// Record `key` as trusted with `hash`, as Codex's `/hooks` does.
    pub fn trust_key(&mut self, key: &str, hash: &str) -> Result<()> {
        let path = self.path.clone();
        let hooks = child(self.doc.as_item_mut(), "hooks", &path)?;
        let state = child(hooks, "state", &path)?;
        let entry = child(state, key, &path)?;
        set(entry, "trusted_hash", hash);
        Ok(())
    }

    /// Forget the trust recorded for `key` (its `trusted_hash`, and the entry when nothing
    /// else is in it); returns whether there was one.
    pub fn forget_key(&mut self, key: &str) -> bool {
        let Some(state) = self
            .doc
            .get_mut("hooks")
            .and_then(|h| h.get_mut("state"))
            .and_then(Item::as_table_like_mut)
        else {
            return false;
        };
        let Some(entry) = state.get_mut(key).and_then(Item::as_table_like_mut) else {
            return false;
        };
        let had = entry.remove("trusted_hash").is_some();
        if entry.is_empty() {
            state.remove(key);
        }
        had
    }

    /// Write the file atomically, keeping its permissions; a file that did not exist and would
    /// be empty is not made.
    pub fn save(&self) -> Result<()> {
        if !self.existed && self.doc.to_string().trim().is_empty() {
            return Ok(());
        }
        let mode = fs::metadata(&self.path).ok().map(|m| m.permissions());
        write_atomic(&self.path, self.doc.to_string().as_bytes())?;
        if let Some(mode) = mode {
            let _ = fs::set_permissions(&self.path, mode);
        }
        Ok(())
    }
}

/// The table under `key` of `parent` (a table, or an inline table the user wrote), made when
/// missing in `parent`'s style: an implicit `[…]` table (only `[a.b]` headers show), or an
/// inline one inside an inline table. Errors when `key` holds something else: nothing the user
/// wrote is replaced.
fn child<'a>(parent: &'a mut Item, key: &str, path: &Path) -> Result<&'a mut Item> {
    let inline = parent.is_inline_table();
    let t = parent
        .as_table_like_mut()
        .ok_or_else(|| not_a_table(path, key))?;
    if t.get(key).is_none() {
        let item = if inline {
            Item::Value(toml_edit::Value::InlineTable(Default::default()))
        } else {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        };
        t.insert(key, item);
    }
    let item = t.get_mut(key).expect("just made");
    if !item.is_table_like() {
        return Err(not_a_table(path, key));
    }
    Ok(item)
}

/// Set `key = "v"` in a table-like item.
fn set(item: &mut Item, key: &str, v: &str) {
    if let Some(t) = item.as_table_like_mut() {
        t.insert(key, value(v));
    }
}

fn not_a_table(path: &Path, key: &str) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        why: format!("\"{key}\" is not a table; left untouched"),
    }
}

/// The path Codex knows a hooks file by, for trust keys: under `$CODEX_HOME` as given (Codex
/// does not resolve a linked `~/.codex`); in a project, the resolved path (as Codex reaches
/// it from its resolved working directory).
pub fn key_path(file: &Path, global: bool) -> PathBuf {
    if global {
        return file.to_path_buf();
    }
    match (
        file.parent().and_then(|d| fs::canonicalize(d).ok()),
        file.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => file.to_path_buf(),
    }
}

/// Our hooks in a Codex `hooks.json` whose trust keys start with `key_path`.
pub fn our_hooks(file: &Path, key_path: &Path) -> Result<Vec<CodexHook>> {
    let config = ConfigFile::open(file)?;
    Ok(hooks_in(key_path, &config.value(), is_ours))
}

fn is_ours(command: &str) -> bool {
    crate::install::our_command(command).is_some()
}

/// The trust changes an install or uninstall of our Codex hooks makes, worked out before
/// anything is written: `before` and `after` are the hooks file's contents, `key_path` the path
/// Codex knows it by. Trust follows every hook the edit moved (keys are positions, so taking
/// ours out shifts a user's hook after it); ours lose theirs on uninstall and, with `trust`,
/// get it on install, with the project's (`project`, unless `global`). Returns whether
/// `config` changed, what it recorded (notes) and what the user must still do (warnings).
#[allow(clippy::too_many_arguments)]
pub fn plan_trust(
    config: &mut CodexConfig,
    key_path: &Path,
    before: &Value,
    after: &Value,
    project: &Path,
    global: bool,
    trust: bool,
    uninstall: bool,
) -> Result<(bool, Vec<String>, Vec<String>)> {
    let old = hooks_in(key_path, before, |_| true);
    let new = hooks_in(key_path, after, |_| true);
    let mut changed = false;
    // The user's hooks that were trusted keep their trust where the edit moved them.
    let mut moves = Vec::new();
    for h in old.iter().filter(|h| !is_ours(&h.command)) {
        if config.trust(h) != Trust::Trusted {
            continue;
        }
        let same_place = |n: &&CodexHook| n.event == h.event && n.hash == h.hash;
        if let Some(n) = new.iter().filter(same_place).find(|n| n.key != h.key)
            && !new.iter().any(|m| m.key == h.key && m.hash == h.hash)
        {
            moves.push((h.key.clone(), n.key.clone(), h.hash.clone()));
        }
    }
    // Ours: on uninstall, whatever trust their keys had (a moved binary's too).
    if uninstall {
        for h in old.iter().filter(|h| is_ours(&h.command)) {
            changed |= config.forget_key(&h.key);
        }
    }
    for (from, _, _) in &moves {
        changed |= config.forget_key(from);
    }
    for (_, to, hash) in &moves {
        config.trust_key(to, hash)?;
        changed = true;
    }
    if uninstall {
        return Ok((changed, vec![], vec![]));
    }
    let ours: Vec<&CodexHook> = new.iter().filter(|h| is_ours(&h.command)).collect();
    let untrusted: Vec<&&CodexHook> = ours
        .iter()
        .filter(|h| config.trust(h) != Trust::Trusted)
        .collect();
    let project_ok = global || config.project_trusted(project);
    if trust {
        let mut said = Vec::new();
        if !project_ok {
            config.trust_project(project)?;
            said.push(format!(
                "recorded in {} that Codex may trust the project {} (as answering yes in codex does)",
                config.path.display(),
                project.display()
            ));
            changed = true;
        }
        for h in &untrusted {
            config.trust_key(&h.key, &h.hash)?;
            changed = true;
        }
        return Ok((changed, said, vec![]));
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
    Ok((changed, vec![], out))
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
