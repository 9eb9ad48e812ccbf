//! `progress.md`: a small generated digest of a session that hooks read instead of the session file.

use crate::model::session::SessionView;
use crate::model::text;

/// Longest text of any one item in the digest.
const ITEM_CHARS: usize = 300;
/// Most items of any one list in the digest.
const LIST_ITEMS: usize = 10;

fn clip(s: &str) -> String {
    let s = text::one_line(s);
    if s.chars().count() <= ITEM_CHARS {
        return s;
    }
    let mut c: String = s.chars().take(ITEM_CHARS).collect();
    c.push('…');
    c
}

/// Render the digest. Most important first: what the session is, where it stands, what blocks it, what is next.
pub fn render(v: &SessionView) -> String {
    let (done, total) = v.step_counts();
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&format!("id: {}\n", v.id));
    out.push_str(&format!("shortname: {}\n", text::yaml_str(&v.shortname)));
    out.push_str(&format!("status: {}\n", v.status.as_str()));
    out.push_str(&format!("updated_at: {}\n", text::yaml_str(&v.updated_at)));
    out.push_str("---\n");
    out.push_str(&format!(
        "# Session {}: {}\n\n",
        v.shortname,
        clip(&v.title)
    ));
    let mut facts = vec![
        format!("status {}", v.status.as_str()),
        format!("{done}/{total} steps done"),
    ];
    if v.compaction_count > 0 {
        facts.push(format!("{} compactions", v.compaction_count));
    }
    if let Some(b) = &v.git_branch {
        let commit = v
            .git_last_commit
            .as_deref()
            .map(|c| c.chars().take(10).collect::<String>())
            .unwrap_or_default();
        facts.push(format!("branch {b} {commit}").trim_end().to_string());
    }
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");
    if !v.tldr.trim().is_empty() {
        out.push_str(&format!("## TL;DR\n\n{}\n\n", clip(&v.tldr)));
    }
    out.push_str("## Current step\n\n");
    match &v.current {
        Some(c) => out.push_str(&format!("{}\n", clip(c))),
        None => out.push_str("none\n"),
    }
    let last_note = v
        .progress
        .in_progress
        .iter()
        .flat_map(|s| s.notes.iter())
        .last();
    if let Some(n) = last_note {
        out.push_str(&format!("Last note: {}\n", clip(n)));
    }
    out.push('\n');
    if !v.dead_ends.is_empty() {
        out.push_str("## Tried and Failed\n\n");
        let skip = v.dead_ends.len().saturating_sub(LIST_ITEMS);
        for d in v.dead_ends.iter().skip(skip) {
            out.push_str(&format!("- {}\n", clip(&d.text)));
        }
        out.push('\n');
    }
    let open: Vec<_> = v.blockers.iter().filter(|b| !b.resolved).collect();
    if !open.is_empty() {
        out.push_str("## Open blockers\n\n");
        for b in open.iter().take(LIST_ITEMS) {
            out.push_str(&format!("- {}. {}\n", b.number.unwrap_or(0), clip(&b.text)));
        }
        out.push('\n');
    }
    if !v.next_steps.is_empty() {
        out.push_str("## Next steps\n\n");
        for n in v.next_steps.iter().take(LIST_ITEMS) {
            out.push_str(&format!("- {}\n", clip(n)));
        }
        out.push('\n');
    }
    if !v.progress.remaining.is_empty() {
        out.push_str("## Remaining steps\n\n");
        for s in v.progress.remaining.iter().take(LIST_ITEMS) {
            out.push_str(&format!("- {}\n", clip(&s.text)));
        }
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}
