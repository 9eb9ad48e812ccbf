//! The session as data: the JSON shapes `view --json` prints.

use serde::Serialize;

use crate::model::text;
use crate::model::time;

use super::doc::{is_status_item, key_file, strip_time, unescape_item};
use super::{Item, Sec, SessionFile, Status};

impl SessionFile {
    /// The TL;DR paragraph's markdown, without the status lines.
    pub fn tldr_markdown(&self) -> String {
        let body = self.body_of(Sec::Tldr);
        let mut out = String::new();
        let mut pos = body.start;
        for it in self.items(Sec::Tldr).into_iter().filter(is_status_item) {
            out.push_str(&self.text[pos..it.range.start]);
            pos = it.range.end;
        }
        out.push_str(&self.text[pos..body.end]);
        out.trim().to_string()
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
            title: m.title.clone(),
            status: m.status,
            task_ids: m.task_ids.clone(),
            created_at: m.created_at.clone(),
            updated_at: m.updated_at.clone(),
            compaction_count: m.compaction_count,
            git_branch: m.git_branch.clone(),
            git_last_commit: m.git_last_commit.clone(),
            tldr: text::unescape_paragraphs(tldr.trim()),
            objective: text::unescape_paragraphs(self.section_text(Sec::Objective)),
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
            discoveries: self
                .items(Sec::Discoveries)
                .iter()
                .map(|i| TextItem {
                    text: i.text(),
                    at: i.at.map(time::rfc3339),
                })
                .collect(),
            blockers: self
                .items(Sec::Blockers)
                .iter()
                .map(|i| Blocker {
                    number: i.number,
                    text: i.text(),
                    at: i.at.map(time::rfc3339),
                    resolved: i.checked == Some(true),
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
                let end = range.end;
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
                for it in self.items_in(h.end..end) {
                    let t = it.text();
                    for (label, slot) in [
                        ("**Context:**", &mut d.context),
                        ("**Options:**", &mut d.options),
                        ("**Choice:**", &mut d.choice),
                        ("**Rationale:**", &mut d.rationale),
                    ] {
                        if let Some(v) = t.strip_prefix(label) {
                            *slot = Some(v.trim().to_string());
                        }
                    }
                }
                d
            })
            .collect()
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
