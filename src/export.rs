//! `export`: one session as a self-contained pull-request description (decision 117).
//!
//! Everything comes from the session itself: its file (TL;DR, decisions with their rationale,
//! discoveries, open blockers, next steps, a `## Tried and Failed` section when the file has
//! one) and its journal entries of kind `commit` (frontmatter `commit`, `patch_id`, `subject`),
//! which name the code commits made while it was current. Nothing from another session is read.
//! The markdown needs no tool to be read: plain headings, lists and code spans.

use std::collections::HashSet;

use serde::Serialize;

use crate::error::Result;
use crate::layout::{self, SessionPath};
use crate::model::entry::JournalEntry;
use crate::model::session::{Blocker, Decision, SessionFile, TextItem};
use crate::model::text;
use crate::model::time::{self, Stamp};
use crate::store::SessionsRef;

/// A code commit the session recorded.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CodeCommit {
    /// The full commit id.
    pub commit: String,
    pub subject: String,
    pub patch_id: Option<String>,
    /// When the journal recorded it (RFC 3339).
    pub at: String,
}

/// What `export --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub id: String,
    pub session: String,
    pub title: String,
    pub status: String,
    pub git_branch: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The `--since` commit, when one was given.
    pub since: Option<String>,
    pub tldr: String,
    pub commits: Vec<CodeCommit>,
    pub decisions: Vec<Decision>,
    pub discoveries: Vec<TextItem>,
    pub open_blockers: Vec<Blocker>,
    /// The body of a `## Tried and Failed` section, as written.
    pub tried_and_failed: Option<String>,
    pub next_steps: Vec<String>,
}

/// A `--since` range: the commits of `<since>..HEAD` and the time of `<since>` itself.
#[derive(Debug, Clone)]
pub struct Range {
    pub since: String,
    pub commits: HashSet<String>,
    pub from: Option<Stamp>,
}

/// The commits the session recorded in the tree `tree` (entries of kind `commit`), oldest first,
/// a commit recorded twice listed once.
pub fn code_commits(
    store: &SessionsRef,
    tree: gix::ObjectId,
    short: &str,
) -> Result<Vec<CodeCommit>> {
    let mut dir = layout::entries_dir(short);
    let mut names = store.list(tree, &dir)?;
    if names.is_empty() {
        dir = format!("{}/entries", layout::flat_journal_dir(short));
        names = store.list(tree, &dir)?;
    }
    let mut out: Vec<CodeCommit> = Vec::new();
    let mut seen = HashSet::new();
    names.sort_by(|a, b| a.name.cmp(&b.name));
    for e in names {
        if e.is_tree || !e.name.contains("-commit-") {
            continue;
        }
        let Ok(entry) = JournalEntry::parse(&e.name, &store.blob(e.id)?) else {
            continue;
        };
        if entry.meta.kind != "commit" {
            continue;
        }
        let get = |k: &str| {
            entry
                .meta
                .extra
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let Some(commit) = get("commit") else {
            continue;
        };
        if !seen.insert(commit.clone()) {
            continue;
        }
        out.push(CodeCommit {
            subject: get("subject").unwrap_or_else(|| text::one_line(&entry.body)),
            patch_id: get("patch_id"),
            commit,
            at: entry.meta.at.clone(),
        });
    }
    Ok(out)
}

/// The export of `file` (at `path`) with its recorded `commits`, limited to `range` when given.
pub fn build(
    path: &SessionPath,
    file: &SessionFile,
    commits: Vec<CodeCommit>,
    range: Option<&Range>,
) -> Export {
    let v = file.view();
    let after = |at: &Option<String>| match (range.and_then(|r| r.from), at) {
        (Some(from), Some(at)) => time::parse_human(at).is_none_or(|t| t >= from),
        _ => true,
    };
    // Tried and Failed, as written (any of the headings the tool reads as that section).
    let tried = Some(
        file.section_text(crate::model::session::Sec::DeadEnds)
            .to_string(),
    )
    .filter(|s| !s.is_empty());
    Export {
        id: v.id.clone(),
        session: path.label(),
        title: v.title.clone(),
        status: v.status.as_str().to_string(),
        git_branch: v.git_branch.clone(),
        created_at: v.created_at.clone(),
        updated_at: v.updated_at.clone(),
        since: range.map(|r| r.since.clone()),
        tldr: v.tldr.clone(),
        commits: commits
            .into_iter()
            .filter(|c| range.is_none_or(|r| r.commits.contains(&c.commit)))
            .collect(),
        decisions: v.decisions.into_iter().filter(|d| after(&d.at)).collect(),
        discoveries: v.discoveries.into_iter().filter(|d| after(&d.at)).collect(),
        open_blockers: v.blockers.into_iter().filter(|b| !b.resolved).collect(),
        tried_and_failed: tried,
        next_steps: v.next_steps,
    }
}

fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

fn item(out: &mut String, text: &str) {
    let mut lines = text.trim().lines();
    out.push_str(&format!("- {}\n", lines.next().unwrap_or("")));
    for l in lines {
        out.push_str(&format!("  {l}\n"));
    }
}

/// The export as markdown: a title, one line about the session, then TL;DR, What changed,
/// Decisions, Discoveries, Open blockers, Tried and Failed, Next steps. Empty sections are left
/// out, except What changed, which says when no commit was recorded.
pub fn markdown(e: &Export) -> String {
    let mut out = format!("# {}\n\n", text::one_line(&e.title));
    out.push_str(&format!("Session `{}` ({})", e.session, e.status));
    out.push_str(&format!(
        ", {} to {}",
        day(&e.created_at),
        day(&e.updated_at)
    ));
    if let Some(b) = &e.git_branch {
        out.push_str(&format!(", branch `{b}`"));
    }
    if let Some(s) = &e.since {
        out.push_str(&format!(", changes since `{s}`"));
    }
    out.push_str(".\n");
    if !e.tldr.trim().is_empty() {
        out.push_str(&format!("\n## TL;DR\n\n{}\n", e.tldr.trim()));
    }
    out.push_str("\n## What changed\n\n");
    if e.commits.is_empty() {
        out.push_str("No code commits were recorded by this session.\n");
    }
    for c in &e.commits {
        out.push_str(&format!(
            "- `{}` {}\n",
            c.commit.get(..10).unwrap_or(&c.commit),
            text::one_line(&c.subject)
        ));
    }
    if !e.decisions.is_empty() {
        out.push_str("\n## Decisions\n");
        for (i, d) in e.decisions.iter().enumerate() {
            let n = d.number.map(|n| n as usize).unwrap_or(i + 1);
            out.push_str(&format!("\n### {n}. {}\n\n", text::one_line(&d.title)));
            for (label, v) in [
                ("Context", &d.context),
                ("Options", &d.options),
                ("Choice", &d.choice),
                ("Rationale", &d.rationale),
            ] {
                if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                    out.push_str(&format!("- **{label}**: {}\n", v.trim()));
                }
            }
        }
    }
    let list = |out: &mut String, title: &str, items: Vec<&str>| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("\n## {title}\n\n"));
        for i in items {
            item(out, i);
        }
    };
    list(
        &mut out,
        "Discoveries",
        e.discoveries.iter().map(|d| d.text.as_str()).collect(),
    );
    list(
        &mut out,
        "Open blockers",
        e.open_blockers.iter().map(|b| b.text.as_str()).collect(),
    );
    if let Some(t) = &e.tried_and_failed {
        out.push_str(&format!("\n## Tried and Failed\n\n{}\n", t.trim()));
    }
    list(
        &mut out,
        "Next steps",
        e.next_steps.iter().map(String::as_str).collect(),
    );
    out
}
