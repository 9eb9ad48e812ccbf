//! Context restoration: what `resume` prints and what hooks inject after a compaction.
//!
//! Order is by importance, so that a capped rendering keeps what matters: where you left off
//! (current step, last note, blockers, next steps, code position), then the session file with
//! its TL;DR first, then the most recent journal entries.

use gix::ObjectId;
use serde::Serialize;

use crate::error::Result;
use crate::model::entry::JournalEntry;
use crate::model::session::{SessionFile, SessionView};
use crate::model::{ids, text};
use crate::workspace::{SessionEntry, Workspace};

/// How many journal entries `resume` shows.
pub const RECENT_ENTRIES: usize = 12;

/// Where the user's code is compared with where the session last saw it.
#[derive(Debug, Clone, Serialize)]
pub struct HeadState {
    pub branch: Option<String>,
    pub commit: Option<String>,
    /// HEAD is not the commit recorded on the session.
    pub moved: bool,
    /// Commits from the recorded one to HEAD, when the recorded one is an ancestor.
    pub commits_since: Option<usize>,
    pub branch_changed: bool,
}

/// The "Where You Left Off" block as data.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOff {
    pub current_step: Option<String>,
    pub step_number: usize,
    pub steps_total: usize,
    pub last_progress: Option<String>,
    pub last_progress_at: Option<String>,
    pub open_blockers: Vec<String>,
    /// Tried and Failed, oldest first: what not to try again, and why.
    pub dead_ends: Vec<String>,
    pub next_steps: Vec<String>,
    pub session_branch: Option<String>,
    pub session_commit: Option<String>,
    pub head: HeadState,
}

/// One journal entry, shortened for display.
#[derive(Debug, Clone, Serialize)]
pub struct RecentEntry {
    pub at: String,
    pub kind: String,
    pub text: String,
}

/// Everything `resume` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Restoration {
    pub session: SessionView,
    pub where_you_left_off: LeftOff,
    pub recent_entries: Vec<RecentEntry>,
    #[serde(skip)]
    pub body: String,
}

fn clip(s: &str, n: usize) -> String {
    let s = text::one_line(s);
    if s.chars().count() <= n {
        s
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Gather the restoration for `entry` from the mirror and the user's repository.
pub fn build(ws: &Workspace, entry: &SessionEntry, file: &SessionFile) -> Result<Restoration> {
    let v = file.view();
    // A journal not moved to its fanout directory yet (no command has written since a clone of
    // the flat layout brought it) is read where it is.
    let mut dir = crate::layout::entries_dir(&entry.short);
    let mut names = ws.mirror().list(&dir)?;
    if names.is_empty() {
        dir = format!("{}/entries", crate::layout::flat_journal_dir(&entry.short));
        names = ws.mirror().list(&dir)?;
    }
    let read = |name: &String| -> Option<JournalEntry> {
        let bytes = ws.mirror().read(&format!("{dir}/{name}")).ok()??;
        JournalEntry::parse(name, &bytes).ok()
    };
    let recent: Vec<RecentEntry> = names
        .iter()
        .rev()
        .take(RECENT_ENTRIES)
        .rev()
        .filter_map(&read)
        .map(|e| RecentEntry {
            at: e.meta.at.clone(),
            kind: e.meta.kind.clone(),
            // "decision: Decision: X" says it twice: drop the label the kind already gives.
            text: clip(
                e.body
                    .replace("**", "")
                    .trim_start_matches("Decision:")
                    .trim_start(),
                200,
            ),
        })
        .collect();
    let last_progress = names
        .iter()
        .rev()
        .filter(|n| n.contains("-progress-"))
        .find_map(read);
    let (done, total) = v.step_counts();
    let (branch, commit) = ws.head();
    let moved = commit.is_some() && commit != v.git_last_commit;
    let commits_since = match (&commit, &v.git_last_commit) {
        (Some(now), Some(then)) if moved => commits_between(ws, then, now),
        (Some(_), Some(_)) => Some(0),
        _ => None,
    };
    let left_off = LeftOff {
        current_step: v.current.clone(),
        step_number: if v.current.is_some() { done + 1 } else { done },
        steps_total: total,
        last_progress: last_progress.as_ref().map(|e| e.body.clone()),
        last_progress_at: last_progress.map(|e| e.meta.at),
        open_blockers: v
            .blockers
            .iter()
            .filter(|b| !b.resolved)
            .map(|b| format!("{}. {}", b.number.unwrap_or(0), b.text))
            .collect(),
        dead_ends: v.dead_ends.iter().map(|d| d.text.clone()).collect(),
        next_steps: v.next_steps.clone(),
        session_branch: v.git_branch.clone(),
        session_commit: v.git_last_commit.clone(),
        head: HeadState {
            branch_changed: branch.is_some() && branch != v.git_branch,
            branch,
            commit,
            moved,
            commits_since,
        },
    };
    Ok(Restoration {
        session: v,
        where_you_left_off: left_off,
        recent_entries: recent,
        body: file.body().trim().to_string(),
    })
}

fn commits_between(ws: &Workspace, ancestor: &str, tip: &str) -> Option<usize> {
    let a = ObjectId::from_hex(ancestor.as_bytes()).ok()?;
    let t = ObjectId::from_hex(tip.as_bytes()).ok()?;
    ws.store().distance(a, t, 2000)
}

/// The restoration as text, most important first, cut to `cap` UTF-16 code units when given
/// (the unit Claude Code measures its 10,000 cap in).
pub fn render(r: &Restoration, cap: Option<usize>) -> String {
    let v = &r.session;
    let w = &r.where_you_left_off;
    let short = ids::short_of(&v.id).unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    parts.push(format!(
        "# Resuming Session: {} ({short}) — {}\n\n{}\n",
        v.shortname,
        v.status.as_str(),
        text::one_line(&v.title)
    ));
    // The seed's "Where You Left Off": the TL;DR first, then the facts.
    let mut b = String::from("## Where You Left Off\n\n");
    if !v.tldr.trim().is_empty() {
        b.push_str(&format!("{}\n\n", clip(&v.tldr, 600)));
    }
    match &w.current_step {
        Some(s) => b.push_str(&format!(
            "- Current step ({} of {}): {}\n",
            w.step_number,
            w.steps_total,
            clip(s, 300)
        )),
        None => b.push_str(&format!(
            "- No current step ({} of {} steps done)\n",
            w.step_number, w.steps_total
        )),
    }
    if let Some(p) = &w.last_progress {
        let when = w
            .last_progress_at
            .as_deref()
            .and_then(crate::model::time::parse_rfc3339)
            .map(crate::model::time::human)
            .unwrap_or_default();
        b.push_str(&format!("- Last progress: {} ({when})\n", clip(p, 300)));
    }
    if w.open_blockers.is_empty() {
        b.push_str("- Open blockers: none\n");
    } else {
        b.push_str("- Open blockers:\n");
        for x in &w.open_blockers {
            b.push_str(&format!("  - {}\n", clip(x, 300)));
        }
    }
    if !w.next_steps.is_empty() {
        b.push_str("- Next steps:\n");
        for x in w.next_steps.iter().take(10) {
            b.push_str(&format!("  - {}\n", clip(x, 300)));
        }
    }
    let at = |br: &Option<String>, c: &Option<String>| {
        format!(
            "{} @ {}",
            br.as_deref().unwrap_or("(no branch)"),
            c.as_deref()
                .map(|c| c.chars().take(10).collect::<String>())
                .unwrap_or_else(|| "(no commit)".into())
        )
    };
    b.push_str(&format!(
        "- Code: the session was on {}",
        at(&w.session_branch, &w.session_commit)
    ));
    let h = &w.head;
    if !h.moved && !h.branch_changed {
        b.push_str("; HEAD is still there\n");
    } else {
        b.push_str(&format!("; HEAD is now {}", at(&h.branch, &h.commit)));
        match h.commits_since {
            Some(1) if h.moved => b.push_str(" (1 commit later)\n"),
            Some(n) if h.moved => b.push_str(&format!(" ({n} commits later)\n")),
            None if h.moved => b.push_str(" (not a descendant of the recorded commit)\n"),
            _ => b.push('\n'),
        }
    }
    parts.push(b);
    // Right after where things stand: not repeating what failed is what an agent needs most
    // after a compaction (it is also in the session file below, which may be cut).
    if !w.dead_ends.is_empty() {
        let mut d = String::from("## Tried and Failed (do not retry without a new reason)\n\n");
        for x in w
            .dead_ends
            .iter()
            .rev()
            .take(10)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            d.push_str(&format!("- {}\n", clip(x, 300)));
        }
        parts.push(d);
    }
    parts.push(format!("## Session file\n\n{}\n", r.body));
    if !r.recent_entries.is_empty() {
        let mut j = format!(
            "## Recent journal (last {}, newest last)\n\n",
            r.recent_entries.len()
        );
        for e in &r.recent_entries {
            let when = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
            j.push_str(&format!("- {when} {}: {}\n", e.kind, e.text));
        }
        parts.push(j);
    }
    let mut out = String::new();
    for p in parts {
        let sep = if out.is_empty() { "" } else { "\n" };
        if let Some(cap) = cap {
            let room = cap.saturating_sub(text::utf16_len(&out) + sep.len() + 80);
            if text::utf16_len(&p) > room {
                if room > 200 {
                    out.push_str(sep);
                    out.push_str(text::utf16_prefix(&p, room));
                }
                out.push_str("\n\n[…cut to fit; run `git session resume` for the full context]\n");
                return out;
            }
        }
        out.push_str(sep);
        out.push_str(&p);
    }
    out
}
