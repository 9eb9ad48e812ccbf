//! `git session import [DIR]`: adopt a seed-era `.sessions/` tree (session files, journals,
//! entries named with colons) in one commit; nothing in DIR is deleted.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::import::{ImportPlan, plan_import};
use crate::journal::{EntryWriter, hostname};
use crate::layout::{SessionDir, SessionPath};
use crate::model::session::SessionFile;
use crate::store::JournalCommand;
use crate::workspace::Planned;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `.sessions/` directory to import (default: this worktree's own `.sessions/`).
    #[arg(value_name = "DIR")]
    source: Option<PathBuf>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let (ws, lock) = ctx.workspace_for_write()?;
    let dir = match &a.source {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => ctx.dir.join(d),
        None => ws.worktree().join(crate::mirror::MIRROR_DIR),
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a directory to import from",
            dir.display()
        )));
    }
    let in_place =
        dir.canonicalize().ok() == ws.mirror().root().and_then(|r| r.canonicalize().ok());
    let writer = EntryWriter {
        author: Some(ws.author()?),
        host: hostname(),
        agent: ws.agent(),
    };
    let store = ws.store();
    let (_, plan) = ws.commit_with(&lock, JournalCommand::Import, |tree| {
        // Sessions already in the journal, by id: importing one again is refused.
        let mut existing = BTreeMap::new();
        for sdir in SessionDir::ALL {
            for e in store.list(tree, sdir.as_str())? {
                let Some(p) = SessionPath::from_file_name(sdir, &e.name) else {
                    continue;
                };
                if let Ok(f) = SessionFile::parse_bytes(&e.name, &store.blob(e.id)?) {
                    existing.insert(f.meta.id, (p.render(), e.id));
                }
            }
        }
        let plan = plan_import(&dir, &existing, &writer)?;
        if plan.sessions.is_empty() && plan.already == 0 {
            return Err(Error::Usage(format!(
                "{}: no session files in active/ or archive/ to import",
                dir.display()
            )));
        }
        let planned = Planned {
            changes: plan.changes.clone(),
            shortname: "journal".into(),
            summary: format!(
                "import {} sessions and {} entries",
                plan.sessions.len(),
                plan.entries
            ),
            touched: vec![],
        };
        Ok((planned, plan))
    })?;
    if in_place {
        // Imported in place: the files now live under their portable names.
        for (from, to) in &plan.taken {
            if from != to {
                ws.mirror().remove(from)?;
            }
        }
    }
    ctx.flush_warnings(&ws);
    report(ctx, &plan);
    Ok(0)
}

fn report(ctx: &Context, plan: &ImportPlan) {
    let p = &ctx.printer;
    if p.json {
        p.json(&serde_json::json!({
            "sessions": plan.sessions,
            "entries": plan.entries,
            "already": plan.already,
            "notes": plan.notes,
            "skipped": plan.skipped,
        }));
        return;
    }
    p.note(&format!(
        "Imported {} sessions and {} journal entries in one commit:",
        plan.sessions.len(),
        plan.entries
    ));
    if plan.already > 0 {
        p.out(&format!(
            "  ({} sessions were in the journal already, unchanged)",
            plan.already
        ));
    }
    for s in &plan.sessions {
        p.out(&format!("  {s}"));
    }
    for n in &plan.notes {
        p.out(&format!("  {n}"));
    }
    for s in &plan.skipped {
        p.warn(&format!("not imported: {s}"));
    }
}
