//! The session as data: the JSON shapes `view --json` prints.

use serde::Serialize;

use crate::model::text;
use crate::model::time;

use super::doc::{key_file, strip_time, unescape_item};
use super::layout::label_of;
use super::{Item, Sec, SessionFile, Status};

impl SessionFile {
    /// The title: frontmatter `title`, else the `# Session: …` heading (the seed keeps it
    /// there), else the shortname.
    pub fn title(&self) -> String {
        if !self.meta.title.trim().is_empty() {
            return self.meta.title.clone();
        }
        self.body()
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .map(|t| {
                let t = t.trim();
                t.strip_prefix("Session:").unwrap_or(t).trim().to_string()
            })
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| self.meta.shortname.clone())
    }

    /// The objective: the text after `**Objective**:` (and the lines that follow it), or the
    /// body of an `### Objective` section.
    pub fn objective_markdown(&self) -> String {
        let Some(r) = self.region(Sec::Objective) else {
            return String::new();
        };
        let own = self.own_range(Sec::Objective);
        let mut t = String::new();
        if let Some(i) = r.inline {
            t.push_str(self.text[i..r.head_end].trim());
            t.push('\n');
        }
        t.push_str(&self.text[own]);
        t.trim().to_string()
    }

    /// Everything the file says, as data.
    pub fn view(&self) -> SessionView {
        let m = &self.meta;
        let tldr = self.tldr_markdown();
        let step = |i: &Item| Step {
            text: unescape_item(&i.head),
            at: i.at.map(time::rfc3339),
            done: i.checked == Some(true),
            step: i.checked.is_some(),
            notes: i
                .rest
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix("- "))
                .map(|l| strip_time(l).0)
                .collect(),
        };
        let in_progress: Vec<Step> = self.items(Sec::InProgress).iter().map(step).collect();
        SessionView {
            id: m.id.clone(),
            shortname: m.shortname.clone(),
            title: self.title(),
            status: m.status,
            task_ids: m.task_ids.clone(),
            created_at: m.created_at.clone(),
            updated_at: m.updated_at.clone(),
            compaction_count: m.compaction_count,
            git_branch: m.git_branch.clone(),
            git_last_commit: m.git_last_commit.clone(),
            tldr: text::unescape_paragraphs(tldr.trim()),
            objective: text::unescape_paragraphs(&self.objective_markdown()),
            key_files: self
                .items(Sec::KeyFiles)
                .iter()
                .map(|i| {
                    let (path, why) = key_file(&i.head);
                    KeyFile { path, why }
                })
                .collect(),
            key_context: self.items(Sec::KeyContext).iter().map(Item::text).collect(),
            current: self.current_step().map(|i| unescape_item(&i.head)),
            progress: ProgressView {
                completed: self.items(Sec::Completed).iter().map(step).collect(),
                in_progress,
                remaining: self.items(Sec::Remaining).iter().map(step).collect(),
            },
            decisions: self.decisions(),
            discoveries: self.items(Sec::Discoveries).iter().map(discovery).collect(),
            dead_ends: self.items(Sec::DeadEnds).iter().map(discovery).collect(),
            blockers: self
                .items(Sec::Blockers)
                .iter()
                .enumerate()
                .map(|(k, i)| Blocker {
                    // A hand-written bullet has no number: its place in the list is its number.
                    number: i.number.or(Some(k as u32 + 1)),
                    text: i.text(),
                    at: i.at.map(time::rfc3339),
                    resolved: i.checked == Some(true) || i.resolved_at.is_some(),
                    resolved_at: i.resolved_at.map(time::rfc3339),
                })
                .collect(),
            next_steps: self.items(Sec::NextSteps).iter().map(Item::text).collect(),
        }
    }

    pub(super) fn decisions(&self) -> Vec<Decision> {
        self.decision_spans()
            .into_iter()
            .map(|(number, idx, range)| {
                let h = &self.headings[idx];
                let title = h
                    .title
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start_matches('.')
                    .trim();
                let (title, at) = strip_time(title);
                let mut d = Decision {
                    number,
                    title,
                    at: at.map(time::rfc3339),
                    ..Decision::default()
                };
                for (label, value) in decision_fields(&self.text[h.end..range.end]) {
                    let slot = match label.to_lowercase().as_str() {
                        "context" | "why" => &mut d.context,
                        "options" | "alternatives" => &mut d.options,
                        "choice" | "decision" => &mut d.choice,
                        "rationale" | "reason" => &mut d.rationale,
                        _ => continue,
                    };
                    if slot.is_none() {
                        *slot = Some(value);
                    }
                }
                d
            })
            .collect()
    }
}

/// A decision's `**Label**: value` lines (the seed's) or `- **Label:** value` items (older),
/// each value with its continuation lines.
fn decision_fields(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut blank = false;
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        let bare = line.strip_prefix("- ").unwrap_or(line);
        if let Some((label, after)) = label_of(bare, false) {
            out.push((label, bare[after..].trim().to_string()));
            blank = false;
        } else if line.trim().is_empty() {
            blank = true;
        } else if let Some((_, v)) = out.last_mut() {
            let strip = (line.len() - line.trim_start().len()).min(2);
            v.push_str(if blank { "\n\n" } else { "\n" });
            v.push_str(&line[strip..]);
            blank = false;
        }
    }
    out.into_iter()
        .map(|(l, v)| (l, text::unescape_paragraphs(v.trim_end())))
        .collect()
}

/// A discovery: the seed's `**Title** (time): text` or `text (time)`.
fn discovery(i: &Item) -> TextItem {
    let plain = || TextItem {
        title: None,
        text: i.text(),
        at: i.at.map(time::rfc3339),
    };
    let Some(inner) = i.head.strip_prefix("**") else {
        return plain();
    };
    let Some(close) = inner.find("**") else {
        return plain();
    };
    let title = inner[..close].trim_end_matches(':').trim().to_string();
    let mut rest = inner[close + 2..].trim_start();
    let mut at = i.at;
    if let Some(paren) = rest.strip_prefix('(')
        && let Some(end) = paren.find(')')
        && let Some(t) = time::parse_human(&paren[..end])
    {
        at = Some(t);
        rest = paren[end + 1..].trim_start();
    }
    let body = rest.strip_prefix(':').unwrap_or(rest).trim();
    let mut text = title.clone();
    if !body.is_empty() {
        text.push_str(": ");
        text.push_str(&unescape_item(body));
    }
    if !i.rest.trim().is_empty() {
        text.push('\n');
        text.push_str(i.rest.trim_end());
    }
    TextItem {
        title: Some(title),
        text,
        at: at.map(time::rfc3339),
    }
}

/// A session as data: what `view --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: String,
    pub shortname: String,
    pub title: String,
    pub status: Status,
    pub task_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub compaction_count: u64,
    pub git_branch: Option<String>,
    pub git_last_commit: Option<String>,
    pub tldr: String,
    pub objective: String,
    pub key_files: Vec<KeyFile>,
    pub key_context: Vec<String>,
    pub progress: ProgressView,
    pub current: Option<String>,
    pub decisions: Vec<Decision>,
    pub discoveries: Vec<TextItem>,
    /// Tried and Failed: approaches known not to work, and why (`**What** (time): why`).
    pub dead_ends: Vec<TextItem>,
    pub blockers: Vec<Blocker>,
    pub next_steps: Vec<String>,
}

impl SessionView {
    /// Steps done and steps in all.
    pub fn step_counts(&self) -> (usize, usize) {
        let p = &self.progress;
        let done = p.completed.len();
        (
            done,
            done + p.in_progress.iter().filter(|s| s.step).count() + p.remaining.len(),
        )
    }
}

/// Completed, in progress and remaining steps.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub completed: Vec<Step>,
    pub in_progress: Vec<Step>,
    pub remaining: Vec<Step>,
}

/// A step (or a loose progress note in In Progress, with `step: false`).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub text: String,
    pub at: Option<String>,
    pub done: bool,
    pub step: bool,
    pub notes: Vec<String>,
}

/// A file worth knowing about.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFile {
    pub path: String,
    pub why: Option<String>,
}

/// A decision as recorded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Decision {
    pub number: Option<u32>,
    pub title: String,
    pub at: Option<String>,
    pub context: Option<String>,
    pub options: Option<String>,
    pub choice: Option<String>,
    pub rationale: Option<String>,
}

/// A discovery or other timestamped text.
#[derive(Debug, Clone, Serialize)]
pub struct TextItem {
    /// The seed's bold title (`**Lock ordering** (time): …`); the text starts with it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub text: String,
    pub at: Option<String>,
}

/// A blocker, open or resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Blocker {
    pub number: Option<u32>,
    pub text: String,
    pub at: Option<String>,
    pub resolved: bool,
    pub resolved_at: Option<String>,
}
