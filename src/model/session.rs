//! The session file: YAML frontmatter plus markdown sections, edited span by span.
//!
//! A `SessionFile` keeps the exact text it was parsed from. Every edit replaces one byte
//! range and re-parses, so bytes outside the edited span never change, hand edits and
//! unknown sections included.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::text;
use crate::model::time::{self, Stamp};

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
    Blockers,
    NextSteps,
}

impl Sec {
    /// Every section, in file order.
    pub const ALL: [Sec; 13] = [
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

    fn matches(self, title: &str) -> bool {
        let t = title.trim().to_ascii_lowercase();
        match self {
            Sec::Tldr => t.starts_with("tl;dr") || t.starts_with("tldr"),
            other => t == other.title().to_ascii_lowercase(),
        }
    }

    /// The heading line as written.
    pub fn heading(self) -> String {
        format!("{} {}", "#".repeat(self.level() as usize), self.title())
    }
}

#[derive(Debug, Clone)]
struct Heading {
    level: u8,
    title: String,
    /// Byte offset of the heading's first line.
    start: usize,
    /// Byte offset just past the heading's last line.
    end: usize,
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

fn unescape_item(s: &str) -> String {
    let s = s
        .strip_prefix('\\')
        .filter(|r| r.starts_with('['))
        .unwrap_or(s);
    let s = s.strip_suffix(" \\").unwrap_or(s);
    s.replace("<\\- CURRENT", "<- CURRENT")
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
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

impl SessionFile {
    /// Parse `bytes` read from `origin`; the error names the file and line.
    pub fn parse_bytes(origin: &str, bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Parse {
            file: origin.into(),
            line: line_of(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                e.valid_up_to().min(bytes.len()),
            ),
            message: "not valid UTF-8 text".into(),
        })?;
        Self::parse(origin, text.to_string())
    }

    /// Parse a session file's text.
    pub fn parse(origin: &str, text: String) -> Result<Self> {
        let err = |line: usize, message: String| Error::Parse {
            file: origin.into(),
            line,
            message,
        };
        if text.contains('\0') {
            return Err(err(
                line_of(&text, text.find('\0').expect("checked")),
                "contains a NUL byte; not a text file".into(),
            ));
        }
        let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
        if text[..first_end].trim_end() != "---" {
            return Err(err(
                1,
                "missing YAML frontmatter (the file must start with a '---' line)".into(),
            ));
        }
        let mut pos = first_end;
        let fm_end = loop {
            if pos >= text.len() {
                return Err(err(
                    line_of(&text, text.len()),
                    "frontmatter is not closed by a '---' line".into(),
                ));
            }
            let end = text[pos..]
                .find('\n')
                .map(|i| pos + i + 1)
                .unwrap_or(text.len());
            if text[pos..end].trim_end() == "---" {
                break (pos, end);
            }
            pos = end;
        };
        let fm = first_end..fm_end.0;
        let meta: SessionMeta = serde_yaml::from_str(&text[fm.clone()]).map_err(|e| {
            let line = e.location().map(|l| l.line() + 1).unwrap_or(2);
            err(
                line,
                format!("frontmatter: {}", one_line_error(&e.to_string())),
            )
        })?;
        let body_start = fm_end.1;
        let (headings, items) = scan_body(&text, body_start);
        let file = SessionFile {
            origin: origin.into(),
            text,
            meta,
            fm,
            headings,
            items,
        };
        for sec in Sec::ALL {
            if file.span(sec).is_none() {
                let line = line_of(&file.text, file.text.len());
                return Err(err(line, format!("missing section '{}'", sec.heading())));
            }
        }
        Ok(file)
    }

    /// The exact text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The markdown after the frontmatter.
    pub fn body(&self) -> &str {
        let end = self.text[self.fm.end..]
            .find('\n')
            .map(|i| self.fm.end + i + 1)
            .unwrap_or(self.text.len());
        &self.text[end..]
    }

    fn reparse(&self, text: String) -> Result<Self> {
        Self::parse(&self.origin, text)
    }

    /// Heading index and body byte range of a section.
    fn span(&self, sec: Sec) -> Option<(usize, Range<usize>)> {
        let within = match sec.parent() {
            Some(p) => self.span(p)?.1,
            None => 0..self.text.len(),
        };
        let idx = self.headings.iter().position(|h| {
            h.start >= within.start
                && h.start < within.end
                && h.level == sec.level()
                && sec.matches(&h.title)
        })?;
        let h = &self.headings[idx];
        let end = self.headings[idx + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map(|n| n.start)
            .unwrap_or(self.text.len());
        Some((idx, h.end..end))
    }

    fn body_of(&self, sec: Sec) -> Range<usize> {
        self.span(sec)
            .expect("parse checked every section exists")
            .1
    }

    /// The section's raw markdown, heading included.
    pub fn section_markdown(&self, sec: Sec) -> &str {
        let (idx, body) = self.span(sec).expect("parse checked every section exists");
        &self.text[self.headings[idx].start..body.end]
    }

    /// The section's body text, trimmed.
    pub fn section_text(&self, sec: Sec) -> &str {
        self.text[self.body_of(sec)].trim()
    }

    /// A section's own body: up to its first nested heading.
    pub fn own_range(&self, sec: Sec) -> Range<usize> {
        let body = self.body_of(sec);
        let end = self
            .headings
            .iter()
            .map(|h| h.start)
            .find(|&s| s >= body.start && s < body.end)
            .unwrap_or(body.end);
        body.start..end
    }

    /// The whole body of a section, nested headings included.
    pub fn body_range(&self, sec: Sec) -> Range<usize> {
        self.body_of(sec)
    }

    /// Level-2 sections the tool does not know: `(title, range from heading to section end)`.
    pub fn unknown_sections(&self) -> Vec<(String, Range<usize>)> {
        let mut out = Vec::new();
        for (i, h) in self.headings.iter().enumerate() {
            if h.level != 2
                || Sec::ALL
                    .iter()
                    .any(|s| s.level() == 2 && s.matches(&h.title))
            {
                continue;
            }
            let end = self.headings[i + 1..]
                .iter()
                .find(|n| n.level <= 2)
                .map(|n| n.start)
                .unwrap_or(self.text.len());
            out.push((h.title.clone(), h.start..end));
        }
        out
    }

    /// Decisions as `(number, heading index, range of heading and body)`.
    fn decision_spans(&self) -> Vec<(Option<u32>, usize, Range<usize>)> {
        let heads = self.decision_headings();
        let body = self.body_of(Sec::Decisions);
        heads
            .iter()
            .enumerate()
            .map(|(k, (number, idx))| {
                let end = heads
                    .get(k + 1)
                    .map(|(_, j)| self.headings[*j].start)
                    .unwrap_or(body.end);
                (*number, *idx, self.headings[*idx].start..end)
            })
            .collect()
    }

    /// Decisions as `(heading title, range of heading and body)`.
    pub fn decision_blocks(&self) -> Vec<(String, Range<usize>)> {
        self.decision_spans()
            .into_iter()
            .map(|(_, idx, range)| (self.headings[idx].title.clone(), range))
            .collect()
    }

    /// Top-level list items of a section (not of its nested sections).
    pub fn items(&self, sec: Sec) -> Vec<Item> {
        let body = self.body_of(sec);
        let end = self
            .headings
            .iter()
            .map(|h| h.start)
            .find(|&s| s >= body.start && s < body.end)
            .unwrap_or(body.end);
        self.items_in(body.start..end)
    }

    fn items_in(&self, range: Range<usize>) -> Vec<Item> {
        self.items
            .iter()
            .filter(|r| r.start >= range.start && r.start < range.end)
            .map(|r| parse_item(&self.text, r.clone()))
            .collect()
    }

    // ---- edits: each returns a new file and leaves every byte outside its span alone ----

    pub(crate) fn splice(&self, range: Range<usize>, with: &str) -> Result<Self> {
        let mut t = String::with_capacity(self.text.len() + with.len());
        t.push_str(&self.text[..range.start]);
        t.push_str(with);
        t.push_str(&self.text[range.end..]);
        self.reparse(t)
    }

    /// Remove an item, and the blank line it would leave doubled.
    pub(crate) fn remove_item(&self, range: Range<usize>) -> Result<Self> {
        let mut end = range.end;
        if self.text[..range.start].ends_with("\n\n") && self.text[end..].starts_with('\n') {
            end += 1;
        }
        self.splice(range.start..end, "")
    }

    /// Insert a block at `pos` with one blank line on each side.
    fn splice_block(&self, pos: usize, block: &str) -> Result<Self> {
        let before = &self.text[..pos];
        let after = &self.text[pos..];
        let mut ins = String::new();
        if !before.is_empty() && !before.ends_with('\n') {
            ins.push('\n');
        }
        if !before.is_empty() && !before.ends_with("\n\n") {
            ins.push('\n');
        }
        ins.push_str(block);
        if !block.ends_with('\n') {
            ins.push('\n');
        }
        if !after.is_empty() && !after.starts_with('\n') {
            ins.push('\n');
        }
        self.splice(pos..pos, &ins)
    }

    /// End of the last non-blank line of a section's own body.
    fn content_end(&self, range: Range<usize>) -> usize {
        let trimmed = self.text[range.clone()].trim_end_matches(['\n', ' ', '\t', '\r']);
        if trimmed.is_empty() {
            return range.start;
        }
        let end = range.start + trimmed.len();
        self.text[end..]
            .find('\n')
            .map(|i| end + i + 1)
            .unwrap_or(self.text.len())
    }

    /// Append a list item (`line` holds marker and text, no trailing newline).
    pub fn append_item(&self, sec: Sec, line: &str) -> Result<Self> {
        match self.items(sec).last() {
            Some(last) => {
                let mut ins = String::new();
                if !self.text[..last.range.end].ends_with('\n') {
                    ins.push('\n');
                }
                ins.push_str(line);
                ins.push('\n');
                self.splice(last.range.end..last.range.end, &ins)
            }
            None => self.splice_block(self.content_end(self.own_range(sec)), &format!("{line}\n")),
        }
    }

    /// Append a block (a decision) at the end of a section, after its nested headings.
    pub fn append_block(&self, sec: Sec, block: &str) -> Result<Self> {
        self.splice_block(self.content_end(self.body_of(sec)), block)
    }

    /// Replace a section's body.
    pub fn replace_body(&self, sec: Sec, body: &str) -> Result<Self> {
        self.splice(self.body_of(sec), body)
    }

    /// Set one top-level frontmatter key to a one-line YAML value, keeping every other line.
    pub fn set_field(&self, key: &str, yaml_value: &str) -> Result<Self> {
        let fm = &self.text[self.fm.clone()];
        let mut offset = 0;
        let mut found: Option<Range<usize>> = None;
        let lines: Vec<&str> = fm.split_inclusive('\n').collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let start = offset;
            offset += line.len();
            i += 1;
            if found.is_none() && line.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
                let mut end = offset;
                while i < lines.len()
                    && (lines[i].starts_with([' ', '\t', '-']) || lines[i].trim().is_empty())
                {
                    if lines[i].trim().is_empty()
                        && !lines[i + 1..]
                            .first()
                            .is_some_and(|l| l.starts_with([' ', '\t']))
                    {
                        break;
                    }
                    end += lines[i].len();
                    offset += lines[i].len();
                    i += 1;
                }
                found = Some(start..end);
            }
        }
        let new_line = format!("{key}: {yaml_value}\n");
        match found {
            Some(r) => self.splice(self.fm.start + r.start..self.fm.start + r.end, &new_line),
            None => {
                let mut ins = String::new();
                if !fm.is_empty() && !fm.ends_with('\n') {
                    ins.push('\n');
                }
                ins.push_str(&new_line);
                self.splice(self.fm.end..self.fm.end, &ins)
            }
        }
    }

    /// Set `updated_at`.
    pub fn touch(&self, now: Stamp) -> Result<Self> {
        self.set_field("updated_at", &time::rfc3339(now))
    }

    /// Change `status`, recording when (`status_changed_at`), so merges can tell the later change.
    pub fn set_status(&self, status: Status, now: Stamp) -> Result<Self> {
        self.set_field("status", status.as_str())?
            .set_field("status_changed_at", &time::rfc3339(now))
    }

    // ---- the operations of `log` and friends ----

    /// The current step: the `<- CURRENT` item of In Progress, else its first open step.
    pub fn current_step(&self) -> Option<Item> {
        let items = self.items(Sec::InProgress);
        items
            .iter()
            .find(|i| i.current)
            .or_else(|| items.iter().find(|i| i.checked == Some(false)))
            .cloned()
    }

    /// Add a step: it becomes current when nothing is in progress, else it is Remaining.
    pub fn add_step(&self, step: &str) -> Result<Self> {
        let t = text::list_item(step, 6);
        if self.current_step().is_none() {
            self.append_item(Sec::InProgress, &format!("- [ ] {t} <- CURRENT"))
        } else {
            self.append_item(Sec::Remaining, &format!("- [ ] {t}"))
        }
    }

    /// Mark a step done (adding it when absent), move `<- CURRENT` on, drop it from Next Steps.
    pub fn complete_step(&self, step: &str, now: Stamp) -> Result<Self> {
        let key = normalise(step);
        let mut file = self.clone();
        let open = |f: &SessionFile| {
            [Sec::InProgress, Sec::Remaining]
                .into_iter()
                .flat_map(|s| f.items(s))
                .find(|i| i.checked == Some(false) && normalise(&unescape_item(&i.head)) == key)
        };
        match open(&file) {
            Some(item) => {
                let was_current = file.current_step().is_some_and(|c| c.range == item.range);
                let raw = file.text[item.range.clone()].to_string();
                file = file.remove_item(item.range.clone())?;
                let rest = raw.split_once('\n').map(|(_, r)| r).unwrap_or_default();
                let done = format!("- [x] {} ({})", item.head, time::human(now));
                let block = format!("{done}\n{rest}");
                file = file.append_item(Sec::Completed, block.trim_end_matches('\n'))?;
                if was_current && file.current_step().is_none() {
                    file = file.promote_next_step()?;
                }
            }
            None => {
                let already = file
                    .items(Sec::Completed)
                    .iter()
                    .any(|i| normalise(&unescape_item(&i.head)) == key);
                if !already {
                    let t = text::list_item(step, 6);
                    file = file.append_item(
                        Sec::Completed,
                        &format!("- [x] {t} ({})", time::human(now)),
                    )?;
                }
            }
        }
        if let Some(next) = file
            .items(Sec::NextSteps)
            .into_iter()
            .find(|i| normalise(&i.text()) == key)
        {
            file = file.remove_item(next.range)?;
        }
        Ok(file)
    }

    /// Replace a section's own body (up to its first nested heading).
    pub fn replace_own(&self, sec: Sec, body: &str) -> Result<Self> {
        self.splice(self.own_range(sec), body)
    }

    /// Replace the TL;DR paragraph with markdown that is already escaped.
    pub fn set_summary_raw(&self, md: &str) -> Result<Self> {
        let items = self.items(Sec::Tldr);
        let mut body = String::from("\n");
        for it in items.iter().filter(|i| is_status_item(i)) {
            let raw = &self.text[it.range.clone()];
            body.push_str(raw);
            if !raw.ends_with('\n') {
                body.push('\n');
            }
        }
        if body.len() > 1 {
            body.push('\n');
        }
        body.push_str(md.trim());
        body.push_str("\n\n");
        self.replace_body(Sec::Tldr, &body)
    }

    /// Move the first remaining step to In Progress as current.
    pub(crate) fn promote_next_step(&self) -> Result<Self> {
        let Some(item) = self
            .items(Sec::Remaining)
            .into_iter()
            .find(|i| i.checked == Some(false))
        else {
            return Ok(self.clone());
        };
        let raw = self.text[item.range.clone()].to_string();
        let file = self.remove_item(item.range.clone())?;
        let (first, rest) = raw.split_once('\n').unwrap_or((&raw, ""));
        let block = format!("{} <- CURRENT\n{rest}", first.trim_end());
        file.append_item(Sec::InProgress, block.trim_end_matches('\n'))
    }

    /// A timestamped note under the current step (or loose in In Progress when there is none).
    pub fn add_progress_note(&self, note: &str, now: Stamp) -> Result<Self> {
        match self.current_step() {
            Some(step) => {
                let pad = " ".repeat(step.indent);
                let t = text::list_item(note, step.indent + 2);
                let mut ins = String::new();
                if !self.text[..step.range.end].ends_with('\n') {
                    ins.push('\n');
                }
                ins.push_str(&format!("{pad}- {t} ({})\n", time::human(now)));
                self.splice(step.range.end..step.range.end, &ins)
            }
            None => {
                let t = text::list_item(note, 2);
                self.append_item(Sec::InProgress, &format!("- {t} ({})", time::human(now)))
            }
        }
    }

    /// Add an item to Next Steps.
    pub fn add_next(&self, next: &str) -> Result<Self> {
        self.append_item(Sec::NextSteps, &format!("- {}", text::list_item(next, 2)))
    }

    /// Add a numbered decision with its context, options, choice and rationale.
    pub fn add_decision(&self, d: &NewDecision, now: Stamp) -> Result<Self> {
        let n = self
            .decision_headings()
            .iter()
            .filter_map(|(n, _)| *n)
            .max()
            .unwrap_or(0)
            + 1;
        let mut block = format!(
            "### {n}. {} ({})\n\n",
            text::heading(&d.title),
            time::human(now)
        );
        let field = |label: &str, v: &str| format!("- **{label}:** {}\n", text::list_item(v, 2));
        if let Some(c) = &d.context {
            block.push_str(&field("Context", c));
        }
        if let Some(o) = &d.options {
            block.push_str(&field("Options", o));
        }
        block.push_str(&field("Choice", &d.title));
        block.push_str(&field("Rationale", &d.rationale));
        self.append_block(Sec::Decisions, &block)
    }

    fn decision_headings(&self) -> Vec<(Option<u32>, usize)> {
        let body = self.body_of(Sec::Decisions);
        self.headings
            .iter()
            .enumerate()
            .filter(|(_, h)| h.start >= body.start && h.start < body.end && h.level == 3)
            .map(|(i, h)| {
                let digits: String = h.title.chars().take_while(|c| c.is_ascii_digit()).collect();
                (digits.parse().ok(), i)
            })
            .collect()
    }

    fn next_number(&self, sec: Sec) -> u32 {
        self.items(sec)
            .iter()
            .filter_map(|i| i.number)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Add a numbered discovery.
    pub fn add_discovery(&self, d: &str, now: Stamp) -> Result<Self> {
        let n = self.next_number(Sec::Discoveries);
        let indent = format!("{n}. ").len();
        self.append_item(
            Sec::Discoveries,
            &format!("{n}. {} ({})", text::list_item(d, indent), time::human(now)),
        )
    }

    /// Add an open, numbered blocker; the TL;DR Blocker line follows.
    pub fn add_blocker(&self, b: &str, now: Stamp) -> Result<Self> {
        let n = self.next_number(Sec::Blockers);
        let indent = format!("{n}. ").len();
        let line = format!(
            "{n}. [ ] {} ({})",
            text::list_item(b, indent),
            time::human(now)
        );
        self.append_item(Sec::Blockers, &line)?
            .refresh_blocker_line()
    }

    /// Resolve blocker `n`; the TL;DR Blocker line follows.
    pub fn resolve_blocker(&self, n: u32, now: Stamp) -> Result<Self> {
        let items = self.items(Sec::Blockers);
        let Some(item) = items
            .iter()
            .find(|i| i.number == Some(n) && i.checked == Some(false))
        else {
            let open: Vec<String> = items
                .iter()
                .filter(|i| i.checked == Some(false))
                .filter_map(|i| i.number)
                .map(|n| n.to_string())
                .collect();
            let open = if open.is_empty() {
                "none".to_string()
            } else {
                open.join(", ")
            };
            return Err(Error::Usage(format!(
                "no open blocker {n} in {} (open blockers: {open})",
                self.meta.shortname
            )));
        };
        let raw = &self.text[item.range.clone()];
        let first_end = raw.find('\n').unwrap_or(raw.len());
        let first = raw[..first_end].replacen("[ ]", "[x]", 1);
        let new = format!(
            "{} (resolved {}){}",
            first.trim_end(),
            time::human(now),
            &raw[first_end..]
        );
        self.splice(item.range.clone(), &new)?
            .refresh_blocker_line()
    }

    /// Add to Key Context.
    pub fn add_context(&self, c: &str) -> Result<Self> {
        self.append_item(Sec::KeyContext, &format!("- {}", text::list_item(c, 2)))
    }

    /// Add to Key Files (or update the reason of a file already listed).
    pub fn add_file(&self, path: &str, why: Option<&str>) -> Result<Self> {
        let span = text::code_span(path);
        let line = match why {
            Some(w) => format!("- {span} — {}", text::list_item(w, 2)),
            None => format!("- {span}"),
        };
        if let Some(existing) = self
            .items(Sec::KeyFiles)
            .into_iter()
            .find(|i| key_file(&i.head).0 == text::one_line(path))
        {
            let end = existing.range.end;
            let with_nl = if self.text[..end].ends_with('\n') {
                format!("{line}\n")
            } else {
                line
            };
            return self.splice(existing.range, &with_nl);
        }
        self.append_item(Sec::KeyFiles, &line)
    }

    /// Set one TL;DR status line (`- **Key:** value`), adding it if missing.
    pub fn set_status_line(&self, key: &str, value: &str) -> Result<Self> {
        let prefix = format!("**{key}:**");
        let items = self.items(Sec::Tldr);
        let line = format!("- {prefix} {}", text::list_item(value, 2));
        if let Some(it) = items.iter().find(|i| i.head.starts_with(&prefix)) {
            let nl = if self.text[..it.range.end].ends_with('\n') {
                "\n"
            } else {
                ""
            };
            return self.splice(it.range.clone(), &format!("{line}{nl}"));
        }
        match items.iter().rfind(|i| is_status_item(i)) {
            Some(last) => self.splice(last.range.end..last.range.end, &format!("{line}\n")),
            None => self.splice_block(self.body_of(Sec::Tldr).start, &format!("{line}\n")),
        }
    }

    fn refresh_blocker_line(&self) -> Result<Self> {
        let open: Vec<String> = self
            .view()
            .blockers
            .into_iter()
            .filter(|b| !b.resolved)
            .map(|b| text::one_line(&b.text))
            .collect();
        let value = if open.is_empty() {
            "none".to_string()
        } else {
            open.join("; ")
        };
        self.set_status_line("Blocker", &value)
    }

    /// Regenerate all TL;DR status lines from the file's own state.
    pub fn refresh_status_lines(&self) -> Result<Self> {
        let v = self.view();
        let total = v.progress.completed.len()
            + v.progress.in_progress.iter().filter(|s| s.step).count()
            + v.progress.remaining.len();
        let status = match &v.current {
            Some(c) => format!(
                "{} — step {} of {}: {}",
                v.status.as_str(),
                v.progress.completed.len() + 1,
                total,
                text::one_line(c)
            ),
            None => format!(
                "{} — {} of {} steps done",
                v.status.as_str(),
                v.progress.completed.len(),
                total
            ),
        };
        let next = v
            .next_steps
            .first()
            .cloned()
            .or_else(|| v.progress.remaining.first().map(|s| s.text.clone()))
            .unwrap_or_else(|| "none".into());
        self.set_status_line("Status", &status)?
            .refresh_blocker_line()?
            .set_status_line("Next", &text::one_line(&next))
    }

    /// Replace the TL;DR paragraph, keeping the status lines.
    pub fn set_summary(&self, summary: &str) -> Result<Self> {
        self.set_summary_raw(&text::paragraphs(summary))
    }

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

    fn decisions(&self) -> Vec<Decision> {
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

fn is_status_item(i: &Item) -> bool {
    ["**Status:**", "**Blocker:**", "**Next:**"]
        .iter()
        .any(|p| i.head.starts_with(p))
}

fn key_file(head: &str) -> (String, Option<String>) {
    let h = head.trim();
    let ticks = h.chars().take_while(|&c| c == '`').count();
    if ticks > 0 {
        let fence = "`".repeat(ticks);
        if let Some(end) = h[ticks..].find(&fence) {
            let path = h[ticks..ticks + end].trim().to_string();
            let rest = h[ticks + end + ticks..]
                .trim()
                .trim_start_matches('—')
                .trim();
            return (path, (!rest.is_empty()).then(|| unescape_item(rest)));
        }
    }
    match h.split_once(" — ") {
        Some((p, w)) => (p.to_string(), Some(unescape_item(w))),
        None => (h.to_string(), None),
    }
}

fn normalise(s: &str) -> String {
    text::one_line(s).to_lowercase()
}

/// Split a trailing ` (2025-01-15 10:00 UTC)` off a line.
fn strip_time(s: &str) -> (String, Option<Stamp>) {
    let s = s.trim_end();
    if let Some(open) = s.rfind(" (")
        && s.ends_with(')')
        && let Some(t) = time::parse_human(&s[open + 2..s.len() - 1])
    {
        return (s[..open].to_string(), Some(t));
    }
    (s.to_string(), None)
}

fn parse_item(text: &str, range: Range<usize>) -> Item {
    let raw = &text[range.clone()];
    let (first, rest) = raw.split_once('\n').unwrap_or((raw, ""));
    let lead = first.len() - first.trim_start().len();
    let line = first.trim_start();
    let (number, after) = {
        let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && line[digits..].starts_with(['.', ')']) {
            (line[..digits].parse().ok(), &line[digits + 1..])
        } else {
            (None, line.get(1..).unwrap_or(""))
        }
    };
    let indent = lead + (line.len() - after.len()) + 1;
    let mut head = after.strip_prefix(' ').unwrap_or(after).to_string();
    let checked = if head.starts_with("[ ] ") || head == "[ ]" {
        head = head[3..].trim_start().to_string();
        Some(false)
    } else if head.starts_with("[x] ") || head.starts_with("[X] ") || head == "[x]" {
        head = head[3..].trim_start().to_string();
        Some(true)
    } else {
        None
    };
    let mut current = false;
    if let Some(h) = head.trim_end().strip_suffix("<- CURRENT") {
        head = h.trim_end().to_string();
        current = true;
    }
    let mut resolved_at = None;
    if let Some(open) = head.rfind(" (resolved ")
        && head.ends_with(')')
        && let Some(t) = time::parse_human(&head[open + 11..head.len() - 1])
    {
        resolved_at = Some(t);
        head.truncate(open);
    }
    let (head, mut at) = strip_time(&head);
    let mut rest = rest
        .lines()
        .map(|l| {
            let strip = l.len() - l.trim_start().len();
            &l[strip.min(indent)..]
        })
        .collect::<Vec<_>>()
        .join("\n");
    // A multi-line text carries its time at the end of its last line.
    if at.is_none() && !rest.trim().is_empty() && !rest.trim_start().starts_with("- ") {
        let trimmed = rest.trim_end().to_string();
        let (last_start, last) = match trimmed.rfind('\n') {
            Some(i) => (i + 1, &trimmed[i + 1..]),
            None => (0, trimmed.as_str()),
        };
        let (stripped, t) = strip_time(last);
        if t.is_some() {
            at = t;
            rest = format!("{}{stripped}", &trimmed[..last_start]);
        }
    }
    Item {
        range,
        number,
        checked,
        head,
        rest,
        current,
        at,
        resolved_at,
        indent,
    }
}

fn one_line_error(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

/// Top-level headings and list items of the markdown body, as byte ranges of the whole text.
fn scan_body(text: &str, body_start: usize) -> (Vec<Heading>, Vec<Range<usize>>) {
    use comrak::nodes::NodeValue;
    let starts = line_starts(text);
    let first_line = text[..body_start].matches('\n').count();
    let at_line = |l: usize| -> usize {
        // `l` is a 1-based line of the body.
        starts
            .get(first_line + l - 1)
            .copied()
            .unwrap_or(text.len())
    };
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, &text[body_start..], &comrak::Options::default());
    let mut headings = Vec::new();
    let mut items = Vec::new();
    for node in root.children() {
        let data = node.data();
        let pos = data.sourcepos;
        match &data.value {
            NodeValue::Heading(h) => {
                let start = at_line(pos.start.line);
                let end = at_line(pos.end.line + 1);
                let first = text[start..].lines().next().unwrap_or_default();
                let title = if h.setext {
                    first.trim().to_string()
                } else {
                    let t = first.trim().trim_start_matches('#');
                    let t = t.trim_end();
                    let stripped = t.trim_end_matches('#');
                    let t = if stripped.len() != t.len()
                        && (stripped.is_empty() || stripped.ends_with(' '))
                    {
                        stripped
                    } else {
                        t
                    };
                    t.trim().to_string()
                };
                headings.push(Heading {
                    level: h.level,
                    title,
                    start,
                    end,
                });
            }
            NodeValue::List(_) => {
                for item in node.children() {
                    let p = item.data().sourcepos;
                    let start = at_line(p.start.line);
                    let mut end = at_line(p.end.line + 1);
                    // comrak counts blank lines after an item as part of it; they belong between items.
                    while end > start {
                        let prev = text[..end - 1].rfind('\n').map(|i| i + 1).unwrap_or(0);
                        if prev >= start
                            && prev < end
                            && text[prev..end].trim().is_empty()
                            && prev != start
                        {
                            end = prev;
                        } else {
                            break;
                        }
                    }
                    items.push(start..end);
                }
            }
            _ => {}
        }
    }
    (headings, items)
}

/// The fields of a new decision.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub title: String,
    pub rationale: String,
    pub options: Option<String>,
    pub context: Option<String>,
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

/// What a new session starts with.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub shortname: String,
    pub title: String,
    pub goal: Option<String>,
    pub task_ids: Vec<String>,
    pub steps: Vec<String>,
    pub git_branch: Option<String>,
    pub git_last_commit: Option<String>,
    pub now: Stamp,
}

/// The text of a new session file.
pub fn render_new(s: &NewSession) -> String {
    let now = time::rfc3339(s.now);
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(text::yaml_str)
            .unwrap_or_else(|| "null".into())
    };
    let tasks = s
        .task_ids
        .iter()
        .map(|t| text::yaml_str(t))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "---\nid: {}\nshortname: {}\ntitle: {}\nstatus: active\ntask_ids: [{tasks}]\ncreated_at: {now}\nupdated_at: {now}\ncompaction_count: 0\ngit_branch: {}\ngit_last_commit: {}\n---\n\n",
        s.id,
        text::yaml_str(&s.shortname),
        text::yaml_str(&text::one_line(&s.title)),
        opt(&s.git_branch),
        opt(&s.git_last_commit),
    );
    out.push_str(&format!("# Session: {}\n\n", text::heading(&s.title)));
    out.push_str("## TL;DR (Read This First)\n\n");
    let first = s.steps.first().map(|f| text::one_line(f));
    let total = s.steps.len();
    let status = match &first {
        Some(f) => format!("active — step 1 of {total}: {f}"),
        None => "active — no steps yet".into(),
    };
    out.push_str(&format!("- **Status:** {}\n", text::list_item(&status, 2)));
    out.push_str("- **Blocker:** none\n");
    out.push_str(&format!(
        "- **Next:** {}\n\n",
        text::list_item(first.as_deref().unwrap_or("none"), 2)
    ));
    let goal = s.goal.clone().unwrap_or_else(|| s.title.clone());
    out.push_str(&text::paragraphs(&goal));
    out.push_str("\n\n## Context\n\n### Objective\n\n");
    out.push_str(&text::paragraphs(&goal));
    out.push_str("\n\n### Key Files\n\n### Key Context\n\n## Progress\n\n### Completed\n\n### In Progress\n\n");
    for (i, step) in s.steps.iter().enumerate() {
        let t = text::list_item(step, 6);
        if i == 0 {
            out.push_str(&format!("- [ ] {t} <- CURRENT\n\n### Remaining\n\n"));
        } else {
            out.push_str(&format!("- [ ] {t}\n"));
        }
    }
    if s.steps.is_empty() {
        out.push_str("### Remaining\n\n");
    } else if s.steps.len() > 1 {
        out.push('\n');
    }
    out.push_str("## Decisions\n\n## Discoveries\n\n## Blockers\n\n## Next Steps\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_file(steps: &[&str]) -> SessionFile {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "fix-sweep".into(),
            title: "Fix the race".into(),
            goal: Some("Fix the race in the sweeper".into()),
            task_ids: vec![],
            steps: steps.iter().map(|s| s.to_string()).collect(),
            git_branch: Some("main".into()),
            git_last_commit: None,
            now: time::now(),
        };
        SessionFile::parse("t.md", render_new(&s)).unwrap()
    }

    #[test]
    fn steps_move_through_progress() {
        let now = time::now();
        let f = new_file(&["Reproduce", "Fix", "Add test"]);
        assert_eq!(f.view().current.as_deref(), Some("Reproduce"));
        let f = f
            .add_progress_note("reproduced with -count=50", now)
            .unwrap();
        assert!(
            f.text()
                .contains("<- CURRENT\n  - reproduced with -count=50 ("),
            "{}",
            f.text()
        );
        let f = f.complete_step("reproduce", now).unwrap();
        let v = f.view();
        assert_eq!(v.current.as_deref(), Some("Fix"));
        assert_eq!(v.progress.completed[0].text, "Reproduce");
        assert_eq!(
            v.progress.completed[0].notes,
            vec!["reproduced with -count=50"]
        );
        assert_eq!(v.step_counts(), (1, 3));
        let f = f
            .add_step("Ship")
            .unwrap()
            .complete_step("Unplanned", now)
            .unwrap();
        assert_eq!(f.view().step_counts(), (2, 5));
    }

    #[test]
    fn edits_leave_other_bytes_alone() {
        let now = time::now();
        let f = new_file(&["A"]);
        let hand = f.text().replace(
            "## Blockers\n",
            "## Blockers\n\nhand-written note\n\n## My Notes\n\nkeep *this*  \n",
        );
        let f = SessionFile::parse("t.md", hand).unwrap();
        let before = f.text().to_string();
        let g = f.add_discovery("found it", now).unwrap();
        let (a, b) = (
            before.find("## Discoveries").unwrap(),
            before.find("## Blockers").unwrap(),
        );
        assert_eq!(&g.text()[..a], &before[..a]);
        assert!(g.text().ends_with(&before[b..]));
        let g = g
            .add_blocker("CI flaky", now)
            .unwrap()
            .resolve_blocker(1, now)
            .unwrap();
        assert!(g.text().contains("## My Notes\n\nkeep *this*  \n"));
        assert!(g.text().contains("hand-written note"));
        assert!(g.view().blockers[0].resolved);
    }

    #[test]
    fn hostile_text_does_not_create_sections() {
        let now = time::now();
        let f = new_file(&[]);
        let g = f
            .add_progress_note("x\n## Decisions\n### 9. fake\n---\n<- CURRENT", now)
            .unwrap()
            .add_discovery("## Discoveries\n1. fake", now)
            .unwrap()
            .set_summary("## Next Steps\n- nope")
            .unwrap()
            .add_decision(
                &NewDecision {
                    title: "T ##".into(),
                    rationale: "r\n## Blockers".into(),
                    options: None,
                    context: None,
                },
                now,
            )
            .unwrap();
        let v = g.view();
        assert_eq!(v.decisions.len(), 1);
        assert_eq!(v.discoveries.len(), 1);
        assert!(v.next_steps.is_empty());
        assert_eq!(v.tldr, "## Next Steps\n- nope");
        assert_eq!(v.decisions[0].rationale.as_deref(), Some("r\n## Blockers"));
    }

    #[test]
    fn decisions_are_appended_in_order() {
        let now = time::now();
        let d = |t: &str| NewDecision {
            title: t.into(),
            rationale: "r".into(),
            options: None,
            context: None,
        };
        let f = new_file(&[])
            .add_decision(&d("one"), now)
            .unwrap()
            .add_decision(&d("two"), now)
            .unwrap()
            .add_decision(&d("three"), now)
            .unwrap();
        let titles: Vec<(Option<u32>, String)> = f
            .view()
            .decisions
            .into_iter()
            .map(|d| (d.number, d.title))
            .collect();
        assert_eq!(
            titles,
            [
                (Some(1), "one".to_string()),
                (Some(2), "two".into()),
                (Some(3), "three".into())
            ]
        );
        assert!(
            f.text().contains("## Decisions\n\n### 1. one"),
            "{}",
            f.text()
        );
    }

    #[test]
    fn frontmatter_edit_keeps_unknown_keys_and_comments() {
        let f = new_file(&[]);
        let t = f.text().replacen(
            "compaction_count: 0\n",
            "compaction_count: 0\n# mine\ncustom:\n  - a\n",
            1,
        );
        let f = SessionFile::parse("t.md", t).unwrap();
        let g = f
            .set_field("compaction_count", "3")
            .unwrap()
            .set_field("task_ids", "[a, b]")
            .unwrap();
        assert_eq!(g.meta.compaction_count, 3);
        assert_eq!(g.meta.task_ids, vec!["a", "b"]);
        assert!(g.text().contains("# mine\ncustom:\n  - a\n"));
        assert!(g.meta.extra.contains_key("custom"));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = SessionFile::parse("s.md", "---\nid: [\n---\n".into())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.md:"), "{err}");
        let f = new_file(&[]);
        let err = SessionFile::parse("s.md", f.text().replace("## Blockers\n", ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing section '## Blockers'"), "{err}");
    }
}
