//! `git session redact <path> [--line N] [--rule R]`: replace the secrets the guard found in
//! one journal file by `[REDACTED:<rule>]`, in a new commit on refs/sessions.
//!
//! Journal entries are immutable everywhere else; this is the one sanctioned rewrite of an
//! entry's content (decision 106). Earlier commits keep what it removed until history is
//! rewritten (docs/security.md).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::store::JournalCommand;
use crate::sync::secrets;
use crate::workspace::{Planned, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file, as sync names it (.sessions/…), its path in the journal's tree, or an entry's
    /// file name alone.
    #[arg(value_name = "PATH")]
    path: String,
    /// Only the secrets that start on line N (1-based).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    line: Option<u64>,
    /// Only the secrets of rule R (as sync names it: private-key, github-pat, …).
    #[arg(long, value_name = "R")]
    rule: Option<String>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    if let Some(r) = &a.rule
        && !secrets::is_rule(r)
    {
        return Err(Error::Usage(format!(
            "--rule {r}: no such rule; the rules are: {}",
            secrets::rule_ids().join(", ")
        )));
    }
    let (ws, lock) = ctx.workspace_for_write()?;
    let mut path = journal_path(&ws, &ctx.dir, &a.path);
    if !path.contains('/')
        && let Some(found) = entry_named(&ws, &path)?
    {
        path = found;
    }
    let line = a.line.map(|l| l as usize);
    let shown = format!(".sessions/{path}");
    let commit = ws.commit(&lock, JournalCommand::Redact, |tree| {
        let Some(bytes) = ws.store().read(tree, &path)? else {
            return Err(Error::Usage(format!(
                "{shown}: no such file in the journal (refs/sessions)"
            )));
        };
        let text = String::from_utf8_lossy(&bytes);
        let (redacted, n) = secrets::redact(&text, line, a.rule.as_deref());
        if n == 0 {
            return Err(Error::NothingToRedact(format!(
                "{shown}{}{}",
                line.map(|l| format!(":{l}")).unwrap_or_default(),
                a.rule
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            )));
        }
        Ok(Planned {
            changes: BTreeMap::from([(path.clone(), Some(redacted.into_bytes()))]),
            shortname: "journal".into(),
            summary: format!("redact {n} secret(s) in {path}"),
            touched: Vec::new(),
        })
    })?;
    ctx.flush_warnings(&ws);
    ctx.printer.committed(
        &format!(
            "Redacted {shown} in {}; earlier commits still hold the secret (see docs/security.md to rewrite them)",
            &commit.to_string()[..10]
        ),
        &serde_json::json!({
            "command": "redact",
            "path": shown,
            "commit": commit.to_string(),
        }),
    );
    Ok(0)
}

/// The path in the journal's tree of what the user named: a path under this worktree's
/// `.sessions/` (relative to where they stand, or absolute), or the path as sync prints it
/// (`.sessions/…`, relative to the worktree's top), or a tree path.
fn journal_path(ws: &Workspace, cwd: &Path, arg: &str) -> String {
    let top = ws.worktree().join(".sessions");
    let mut full = PathBuf::new();
    for c in cwd.join(arg).components() {
        match c {
            Component::ParentDir => {
                full.pop();
            }
            Component::CurDir => {}
            other => full.push(other),
        }
    }
    match full.strip_prefix(&top) {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_string_lossy().into_owned(),
        _ => secrets::tree_path(arg).to_string(),
    }
}

/// The path of the one journal entry whose file name is `name`, if there is exactly one.
fn entry_named(ws: &Workspace, name: &str) -> Result<Option<String>> {
    let store = ws.store();
    let Some(tip) = store.tip()? else {
        return Ok(None);
    };
    let suffix = format!("/entries/{name}");
    let found: Vec<String> = store
        .walk(store.tree_of(tip)?)?
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with(&suffix))
        .collect();
    Ok(match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}
