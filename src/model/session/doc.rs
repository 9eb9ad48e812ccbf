//! The byte-span engine: find the frontmatter, headings and list items of a session file as
//! byte ranges of its exact text, and splice one range at a time.

use std::ops::Range;

use crate::model::ModelError;
use crate::model::error::Result;

pub(super) use super::item::{is_status_item, key_file, parse_item, strip_time, unescape_item};
use super::layout::{self, Region};
use super::{Item, Sec, SessionFile, SessionMeta};

#[derive(Debug, Clone)]
pub(super) struct Heading {
    pub(super) level: u8,
    pub(super) title: String,
    /// Byte offset of the heading's first line.
    pub(super) start: usize,
    /// Byte offset just past the heading's last line.
    pub(super) end: usize,
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// The last line of `text`: what an error about the whole file (a missing section, an
/// unclosed frontmatter) names. Not the empty "line" after a final newline.
fn last_line(text: &str) -> usize {
    text.lines().count().max(1)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

impl SessionFile {
    /// Parse `bytes` read from `origin`; the error names the file and line.
    pub fn parse_bytes(origin: &str, bytes: &[u8]) -> Result<Self, ModelError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            ModelError::parse(origin, line, "not valid UTF-8 text")
        })?;
        Self::parse(origin, text.to_string())
    }

    /// Parse a session file's text.
    pub fn parse(origin: &str, text: String) -> Result<Self, ModelError> {
        let err = |line: usize, message: String| ModelError::parse(origin, line, message);
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
                    last_line(&text),
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
        // The frontmatter starts on the file's line 2.
        let meta: SessionMeta =
            serde_yaml::from_str(&text[fm.clone()]).map_err(|e| ModelError::yaml(origin, 2, e))?;
        let body_start = fm_end.1;
        let (headings, items, paragraph_lines) = scan_body(&text, body_start);
        let (regions, duplicates) =
            layout::find_regions(&text, &headings, &paragraph_lines, |o| line_of(&text, o));
        Ok(SessionFile {
            origin: origin.into(),
            text,
            meta,
            fm,
            headings,
            items,
            paragraph_lines,
            regions,
            duplicates,
            recreated: Vec::new(),
        })
    }

    /// What a command should print as `warning:` lines about this file: sections found twice
    /// (the first is used) and sections the edits had to recreate. One line each, naming the file.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .duplicates
            .iter()
            .map(|d| format!("{}: {d}", self.origin))
            .collect();
        if !self.recreated.is_empty() {
            out.push(format!(
                "{}: recreated missing section{} {}",
                self.origin,
                if self.recreated.len() > 1 { "s" } else { "" },
                self.recreated
                    .iter()
                    .map(|r| format!("'{r}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out
    }

    /// The sections the edits so far had to recreate, as written (`## Blockers`, `**Key Files**:`).
    pub fn recreated(&self) -> &[String] {
        &self.recreated
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

    pub(super) fn reparse(&self, text: String) -> Result<Self> {
        let mut f = Self::parse(&self.origin, text)?;
        f.recreated = self.recreated.clone();
        Ok(f)
    }

    /// The section as found in the file, if it is there.
    pub(super) fn region(&self, sec: Sec) -> Option<&Region> {
        self.regions.iter().find(|r| r.sec == sec)
    }

    /// Whether the file has this section (under any heading or label that means it).
    pub fn has(&self, sec: Sec) -> bool {
        self.region(sec).is_some()
    }

    /// The section from its heading (or label) line to its end; `None` when it is missing.
    pub fn section_span(&self, sec: Sec) -> Option<Range<usize>> {
        self.region(sec).map(|r| r.start..r.end)
    }

    /// The section's body; a missing section has an empty body where it would be recreated.
    pub(super) fn body_of(&self, sec: Sec) -> Range<usize> {
        match self.region(sec) {
            Some(r) => r.body(),
            None => {
                let p = self.insertion_point(sec);
                p..p
            }
        }
    }

    /// The section's raw markdown, heading included (empty when the section is missing).
    pub fn section_markdown(&self, sec: Sec) -> &str {
        self.section_span(sec).map(|r| &self.text[r]).unwrap_or("")
    }

    /// The section's body text, trimmed.
    pub fn section_text(&self, sec: Sec) -> &str {
        self.text[self.body_of(sec)].trim()
    }

    /// A section's own body: up to its first nested heading or labelled part.
    pub fn own_range(&self, sec: Sec) -> Range<usize> {
        let body = self.body_of(sec);
        let nested = self
            .headings
            .iter()
            .map(|h| h.start)
            .chain(self.regions.iter().map(|r| r.start))
            .filter(|&s| s >= body.start && s < body.end)
            .min()
            .unwrap_or(body.end);
        body.start..nested
    }

    /// The whole body of a section, nested headings included.
    pub fn body_range(&self, sec: Sec) -> Range<usize> {
        self.body_of(sec)
    }

    /// Level-2 sections the tool does not know: `(title, range from heading to section end)`.
    pub fn unknown_sections(&self) -> Vec<(String, Range<usize>)> {
        let mut out = Vec::new();
        for (i, h) in self.headings.iter().enumerate() {
            if h.level != 2 || self.regions.iter().any(|r| r.heading == Some(i)) {
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
    pub(super) fn decision_spans(&self) -> Vec<(Option<u32>, usize, Range<usize>)> {
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

    /// Top-level list items of a section (not of its nested sections); placeholders such as
    /// `- None currently` are not items.
    pub fn items(&self, sec: Sec) -> Vec<Item> {
        self.items_in(self.own_range(sec))
            .into_iter()
            .filter(|i| !layout::is_placeholder(&i.text()))
            .collect()
    }

    /// Placeholders in a section's own body (`- None currently`, a line `None`), as ranges.
    pub(super) fn placeholders(&self, sec: Sec) -> Vec<Range<usize>> {
        let own = self.own_range(sec);
        let items = self
            .items_in(own.clone())
            .into_iter()
            .filter(|i| layout::is_placeholder(&i.text()))
            .map(|i| i.range);
        let lines = self
            .paragraph_lines
            .iter()
            .filter(|l| l.start >= own.start && l.start < own.end)
            .filter(|l| layout::is_placeholder(&self.text[(*l).clone()]))
            .cloned();
        let mut all: Vec<Range<usize>> = items.chain(lines).collect();
        all.sort_by_key(|r| r.start);
        all
    }

    pub(super) fn items_in(&self, range: Range<usize>) -> Vec<Item> {
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
    pub(super) fn splice_block(&self, pos: usize, block: &str) -> Result<Self> {
        let before = &self.text[..pos];
        let after = &self.text[pos..];
        let mut ins = String::new();
        if !before.is_empty() && !before.ends_with('\n') {
            ins.push('\n');
        }
        // Right under a heading or label the seed writes no blank line.
        let under_head = self.headings.iter().any(|h| h.end == pos)
            || self.regions.iter().any(|r| r.head_end == pos);
        if !before.is_empty() && !before.ends_with("\n\n") && !under_head {
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
    pub(super) fn content_end(&self, range: Range<usize>) -> usize {
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

    pub(super) fn decision_headings(&self) -> Vec<(Option<u32>, usize)> {
        let Some(region) = self.region(Sec::Decisions) else {
            return Vec::new();
        };
        let level = region.heading.map(|i| self.headings[i].level).unwrap_or(2) + 1;
        let body = region.body();
        self.headings
            .iter()
            .enumerate()
            // One level below Decisions, or at its level when numbered (a demoted `### Decisions`
            // whose decisions stay `### 1. …`).
            .filter(|(_, h)| {
                h.start >= body.start
                    && h.start < body.end
                    && (h.level == level
                        || (h.level + 1 == level
                            && h.title.starts_with(|c: char| c.is_ascii_digit())))
            })
            .map(|(i, h)| {
                let digits: String = h.title.chars().take_while(|c| c.is_ascii_digit()).collect();
                (digits.parse().ok(), i)
            })
            .collect()
    }
}

/// Top-level headings, list items and paragraph lines of the markdown body, as byte ranges of
/// the whole text.
fn scan_body(
    text: &str,
    body_start: usize,
) -> (Vec<Heading>, Vec<Range<usize>>, Vec<Range<usize>>) {
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
    let mut paragraph_lines = Vec::new();
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
                        // Start of the line that ends at `end` (the text may not end in a newline).
                        let upto = &text[..end];
                        let prev = upto
                            .strip_suffix('\n')
                            .unwrap_or(upto)
                            .rfind('\n')
                            .map(|i| i + 1)
                            .unwrap_or(0);
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
            NodeValue::Paragraph => {
                for l in pos.start.line..=pos.end.line {
                    let start = at_line(l);
                    let end = at_line(l + 1);
                    if start < end {
                        paragraph_lines.push(start..end);
                    }
                }
            }
            _ => {}
        }
    }
    (headings, items, paragraph_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::template::sample::new_file;

    fn parse_error(text: &str) -> (usize, String) {
        match SessionFile::parse("s.md", text.into()).unwrap_err() {
            ModelError::Parse { line, message, .. } => (line, message),
            other => panic!("not a parse error: {other}"),
        }
    }

    #[test]
    fn a_last_item_ending_in_a_multibyte_character_without_a_newline_parses() {
        // Found by the near-valid-documents property: the item scan sliced one byte before
        // the end of the text, inside the '—'.
        let text = format!("{}\n- `a.rs` —", new_file(&[]).text());
        let f = SessionFile::parse("s.md", text).unwrap();
        assert_eq!(f.view().next_steps, ["`a.rs` —"]);
    }

    #[test]
    fn parse_errors_name_the_line() {
        let err = SessionFile::parse("s.md", "---\nid: [\n---\n".into())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.md:"), "{err}");
        let f = new_file(&[]);
        // A missing section is not an error (issue 12): it reads as empty.
        let no_blockers =
            SessionFile::parse("s.md", f.text().replace("## Blockers\n", "")).unwrap();
        assert!(no_blockers.view().blockers.is_empty());

        // The exact line, counted in the file (the frontmatter starts on line 2).
        let bad_yaml = f
            .text()
            .replacen("status: active\n", "status: [active\n", 1);
        let status_line = bad_yaml
            .lines()
            .position(|l| l.starts_with("status:"))
            .unwrap()
            + 1;
        assert_eq!(status_line, 5);
        let (line, message) = parse_error(&bad_yaml);
        assert!(message.starts_with("frontmatter: "), "{message}");
        assert_eq!(line, status_line, "{message}");
        let (line, message) =
            parse_error(&f.text().replacen("status: active\n", "status: bogus\n", 1));
        assert_eq!(
            (line, message.contains("status")),
            (status_line, true),
            "{message}"
        );
        assert_eq!(parse_error("# no frontmatter\n").0, 1);
        // Errors about the whole file name its last line, not one past the final newline.
        assert_eq!(parse_error("---\nid: x\n").0, 2);
        assert_eq!(parse_error("---\nid: x\n---\nok\n\0\n").0, 5);
        let err = SessionFile::parse_bytes("s.md", b"---\nid: x\n\xff\n").unwrap_err();
        assert!(matches!(err, ModelError::Parse { line: 3, .. }), "{err}");
    }
}
