//! The session file: YAML frontmatter plus markdown sections, edited span by span.
//!
//! A `SessionFile` keeps the exact text it was parsed from. Every edit replaces one byte
//! range and re-parses, so bytes outside the edited span never change, hand edits and
//! unknown sections included.

mod doc;
mod edit;
mod frontmatter;
mod item;
mod layout;
mod recreate;
#[cfg(test)]
mod seed_tests;
mod status;
pub(in crate::model) mod template;
mod view;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::time::{self, Stamp};
use doc::{Heading, unescape_item};
use layout::Region;

pub use edit::NewDecision;
pub use template::{NewSession, render_new};
pub use view::{Blocker, Decision, KeyFile, ProgressView, SessionView, Step, TextItem};

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Paused,
    Completed,
    Abandoned,
}

impl Status {
    /// The word used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Completed => "completed",
            Status::Abandoned => "abandoned",
        }
    }

    /// Completed and abandoned sessions live under `archive/`.
    pub fn is_archived(self) -> bool {
        matches!(self, Status::Completed | Status::Abandoned)
    }

    /// The directory a session file with this status lives in.
    pub fn dir(self) -> &'static str {
        if self.is_archived() {
            "archive"
        } else {
            "active"
        }
    }
}

/// The frontmatter, typed; keys we do not know are kept in `extra`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: String,
    pub shortname: String,
    #[serde(default)]
    pub title: String,
    pub status: Status,
    #[serde(default)]
    pub task_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub compaction_count: u64,
    #[serde(default)]
    pub git_branch: Option<String>,
    #[serde(default)]
    pub git_last_commit: Option<String>,
    /// When `status` last changed; a merge keeps the status of the later change.
    #[serde(default)]
    pub status_changed_at: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

impl SessionMeta {
    /// `updated_at` as a time. `None` when it is not RFC 3339 (a hand edit); `None` orders
    /// before every time, so a malformed stamp never counts as the later edit.
    pub fn updated(&self) -> Option<Stamp> {
        time::parse_rfc3339(&self.updated_at)
    }

    /// When `status` last changed: `status_changed_at`, else `updated_at`. `None` when that
    /// value is not RFC 3339 (no fallback to `updated_at` then); it orders before every time.
    pub fn status_changed(&self) -> Option<Stamp> {
        time::parse_rfc3339(
            self.status_changed_at
                .as_deref()
                .unwrap_or(&self.updated_at),
        )
    }
}

/// The sections the tool reads and writes. Anything else in the file is kept as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sec {
    Tldr,
    Context,
    Objective,
    KeyFiles,
    KeyContext,
    Progress,
    Completed,
    InProgress,
    Remaining,
    Decisions,
    Discoveries,
    DeadEnds,
    Blockers,
    NextSteps,
}

impl Sec {
    /// Every section, in file order.
    pub const ALL: [Sec; 14] = [
        Sec::Tldr,
        Sec::Context,
        Sec::Objective,
        Sec::KeyFiles,
        Sec::KeyContext,
        Sec::Progress,
        Sec::Completed,
        Sec::InProgress,
        Sec::Remaining,
        Sec::Decisions,
        Sec::Discoveries,
        Sec::DeadEnds,
        Sec::Blockers,
        Sec::NextSteps,
    ];

    /// The heading text as the tool writes it.
    pub fn title(self) -> &'static str {
        match self {
            Sec::Tldr => "TL;DR (Read This First)",
            Sec::Context => "Context",
            Sec::Objective => "Objective",
            Sec::KeyFiles => "Key Files",
            Sec::KeyContext => "Key Context",
            Sec::Progress => "Progress",
            Sec::Completed => "Completed",
            Sec::InProgress => "In Progress",
            Sec::Remaining => "Remaining",
            Sec::Decisions => "Decisions",
            Sec::Discoveries => "Discoveries",
            Sec::DeadEnds => "Tried and Failed",
            Sec::Blockers => "Blockers",
            Sec::NextSteps => "Next Steps",
        }
    }

    /// The section this one is nested in, if any.
    pub fn parent(self) -> Option<Sec> {
        match self {
            Sec::Objective | Sec::KeyFiles | Sec::KeyContext => Some(Sec::Context),
            Sec::Completed | Sec::InProgress | Sec::Remaining => Some(Sec::Progress),
            _ => None,
        }
    }

    /// Markdown heading level: 2 for sections, 3 for the nested ones.
    pub fn level(self) -> u8 {
        if self.parent().is_some() { 3 } else { 2 }
    }

    /// The heading line as written.
    pub fn heading(self) -> String {
        format!("{} {}", "#".repeat(self.level() as usize), self.title())
    }

    /// How the seed writes this section: a heading, or for Context's parts a `**Label**:` line.
    pub fn seed_heading(self) -> String {
        match self {
            Sec::Objective => "**Objective**:".into(),
            Sec::KeyFiles => "**Key Files**:".into(),
            Sec::KeyContext => "**Key Context** (survives compaction):".into(),
            other => other.heading(),
        }
    }
}

/// One top-level list item, parsed from its raw lines.
#[derive(Debug, Clone)]
pub struct Item {
    /// Byte range of the whole item (its lines, newline included).
    pub range: Range<usize>,
    pub number: Option<u32>,
    pub checked: Option<bool>,
    /// First line after marker, checkbox, time and `<- CURRENT`.
    pub head: String,
    /// Following lines, with the item's indent removed.
    pub rest: String,
    pub current: bool,
    pub at: Option<Stamp>,
    pub resolved_at: Option<Stamp>,
    /// Width of the marker plus its space: where continuation lines start.
    pub indent: usize,
}

impl Item {
    /// The item's text as a reader sees it: head and continuation lines, markers unescaped.
    pub fn text(&self) -> String {
        let mut t = unescape_item(&self.head);
        if !self.rest.trim().is_empty() {
            t.push('\n');
            t.push_str(self.rest.trim_end());
        }
        t
    }
}

/// A parsed session file that remembers its exact text.
#[derive(Debug, Clone)]
pub struct SessionFile {
    /// Where the text came from, for error messages.
    pub origin: String,
    text: String,
    pub meta: SessionMeta,
    fm: Range<usize>,
    headings: Vec<Heading>,
    items: Vec<Range<usize>>,
    /// Lines of top-level paragraphs: where labels and TL;DR status lines stand.
    paragraph_lines: Vec<Range<usize>>,
    regions: Vec<Region>,
    /// Sections found twice, said as warnings.
    duplicates: Vec<String>,
    /// Sections the edits so far recreated, carried from edit to edit.
    recreated: Vec<String>,
}
