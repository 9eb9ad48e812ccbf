//! Where each section is: headings matched by meaning (level 2 or 3, any case, trailing words,
//! common variants), `**Label**:` lines inside Context as the seed writes them, and the first of
//! two sections of one meaning.

use std::ops::Range;

use super::Sec;
use super::doc::Heading;

/// One section found in the file.
#[derive(Debug, Clone)]
pub(super) struct Region {
    pub(super) sec: Sec,
    /// Start of its heading or label line.
    pub(super) start: usize,
    /// Just past its heading or label line.
    pub(super) head_end: usize,
    /// Where its text ends (the next section's start, or the end of the file).
    pub(super) end: usize,
    /// For a `**Label**: text` line: where the text after the label starts.
    pub(super) inline: Option<usize>,
    /// Index in the heading list, for heading-based regions.
    pub(super) heading: Option<usize>,
}

impl Region {
    pub(super) fn body(&self) -> Range<usize> {
        self.head_end..self.end
    }
}

/// The words that name each section, lowercase; a title names a section when it is one of
/// them or starts with one followed by something that is not a letter or digit.
fn names(sec: Sec) -> &'static [&'static str] {
    match sec {
        Sec::Tldr => &["tl;dr", "tldr", "tl; dr", "tl dr", "tl-dr"],
        Sec::Context => &["context"],
        Sec::Objective => &["objective", "objectives", "goal"],
        Sec::KeyFiles => &["key files", "files"],
        Sec::KeyContext => &["key context"],
        Sec::Progress => &["progress"],
        Sec::Completed => &["completed", "done"],
        Sec::InProgress => &["in progress", "in-progress", "current"],
        Sec::Remaining => &["remaining", "todo", "to do"],
        Sec::Decisions => &["decisions", "decision log"],
        Sec::Discoveries => &["discoveries", "findings"],
        Sec::DeadEnds => &[
            "tried and failed",
            "dead ends",
            "dead end",
            "failed approaches",
            "what did not work",
            "what didn't work",
        ],
        Sec::Blockers => &["blockers", "blocked"],
        Sec::NextSteps => &["next steps", "next step", "next"],
    }
}

/// The section a heading or label title means, if any.
pub(super) fn classify(title: &str) -> Option<Sec> {
    let t = title
        .trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| c == ':' || c.is_whitespace())
        .to_lowercase();
    // "In progress" before "progress"-less matches; "key context" never reads as "context".
    Sec::ALL.into_iter().find(|&sec| {
        names(sec).iter().any(|n| {
            t == *n
                || t.strip_prefix(n)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
        })
    })
}

/// A `**Label**:` line: the label and the offset just past its colon. Also `**Label:**`,
/// `**Label** (note):` and, when `plain` is allowed, `Label:`.
pub(super) fn label_of(line: &str, plain: bool) -> Option<(String, usize)> {
    if let Some(inner) = line.strip_prefix("**") {
        let close = inner.find("**")?;
        let label = &inner[..close];
        let after = 2 + close + 2;
        if let Some(l) = label.strip_suffix(':') {
            return Some((l.trim().to_string(), after));
        }
        let rest = &line[after..];
        let mut pos = after + (rest.len() - rest.trim_start().len());
        if line[pos..].starts_with('(') {
            pos += line[pos..].find(')')? + 1;
            pos += line[pos..].len() - line[pos..].trim_start().len();
        }
        return line[pos..]
            .starts_with(':')
            .then(|| (label.trim().to_string(), pos + 1));
    }
    if !plain {
        return None;
    }
    // Plain `Objective:` only for the Context labels themselves, so prose is never a label.
    let colon = line.find(':')?;
    let label = &line[..colon];
    ["objective", "key files", "key context"]
        .contains(&label.to_lowercase().as_str())
        .then(|| (label.to_string(), colon + 1))
}

/// Find every section. `paragraph_lines` are the byte ranges of the lines of top-level
/// paragraphs (where labels may stand). Returns the regions and a warning per duplicate.
pub(super) fn find_regions(
    text: &str,
    headings: &[Heading],
    paragraph_lines: &[Range<usize>],
    line_of: impl Fn(usize) -> usize,
) -> (Vec<Region>, Vec<String>) {
    let mut regions: Vec<Region> = Vec::new();
    let mut duplicates = Vec::new();
    let found = |regions: &[Region], sec: Sec| regions.iter().any(|r| r.sec == sec);
    let mut enclosing: Option<Sec> = None;
    // A section with parts (Progress, Context) written one level down (`### Progress`): its
    // parts may stand at its level or one below.
    let mut demoted: Option<Sec> = None;
    let mut classified: Vec<Option<Sec>> = vec![None; headings.len()];
    for (i, h) in headings.iter().enumerate() {
        let cand = match h.level {
            2 => {
                let c = classify(&h.title);
                enclosing = c;
                demoted = None;
                c
            }
            3 if enclosing == Some(Sec::Decisions) => None,
            3 => {
                let c = classify(&h.title).filter(|s| {
                    s.parent().is_none() || s.parent() == enclosing || s.parent() == demoted
                });
                if let Some(s) = c
                    && s.parent().is_none()
                {
                    demoted = matches!(s, Sec::Progress | Sec::Context).then_some(s);
                }
                c
            }
            4 if demoted.is_some() => {
                classify(&h.title).filter(|s| s.parent().is_some() && s.parent() == demoted)
            }
            _ => {
                if h.level < 2 {
                    enclosing = None;
                    demoted = None;
                }
                None
            }
        };
        let Some(sec) = cand else { continue };
        if found(&regions, sec) {
            duplicates.push(format!(
                "duplicate section '{}' at line {}: the first '{}' is used",
                h.title,
                line_of(h.start),
                sec.title()
            ));
            continue;
        }
        classified[i] = Some(sec);
        regions.push(Region {
            sec,
            start: h.start,
            head_end: h.end,
            end: text.len(),
            inline: None,
            heading: Some(i),
        });
    }
    // Heading-based ends: the next heading higher up; one as high unless it is a part of this
    // section written at its level (a demoted `### Progress` with `### Completed`) or, in
    // Decisions, a numbered decision at its level; or the next section that is not a part.
    for r in &mut regions {
        let i = r.heading.expect("heading-based so far");
        let level = headings[i].level;
        let sec = r.sec;
        r.end = headings[i + 1..]
            .iter()
            .zip(&classified[i + 1..])
            .find(|(n, c)| {
                if n.level < level {
                    return true;
                }
                match c {
                    Some(c) => c.parent() != Some(sec),
                    None if n.level > level => false,
                    None => {
                        !(sec == Sec::Decisions
                            && n.title
                                .trim_start()
                                .starts_with(|ch: char| ch.is_ascii_digit()))
                    }
                }
            })
            .map(|(n, _)| n.start)
            .unwrap_or(text.len());
    }
    // The seed's Context: `**Objective**: text`, `**Key Files**:`, `**Key Context** (…):`,
    // looked for under `## Context`, or under a part of it written as a heading of its own
    // (`## Objective:` followed by the other two as labels).
    let scopes: Vec<Region> = regions
        .iter()
        .filter(|r| r.sec == Sec::Context || r.sec.parent() == Some(Sec::Context))
        .cloned()
        .collect();
    let scope = scopes
        .iter()
        .find(|r| r.sec == Sec::Context)
        .cloned()
        .or_else(|| {
            let start = scopes.iter().map(|r| r.head_end).min()?;
            let end = scopes.iter().map(|r| r.end).max()?;
            let mut r = scopes[0].clone();
            r.head_end = start;
            r.end = end;
            Some(r)
        });
    if let Some(ctx) = scope {
        for line in paragraph_lines
            .iter()
            .filter(|l| l.start >= ctx.head_end && l.start < ctx.end)
        {
            let raw = text[line.clone()].trim_end_matches(['\n', '\r']);
            let Some((label, after)) = label_of(raw, true) else {
                continue;
            };
            let Some(sec) = classify(&label).filter(|s| s.parent() == Some(Sec::Context)) else {
                continue;
            };
            if found(&regions, sec) && !raw.starts_with("**") {
                continue;
            }
            if found(&regions, sec) {
                duplicates.push(format!(
                    "duplicate '{label}' at line {}: the first '{}' is used",
                    line_of(line.start),
                    sec.title()
                ));
                continue;
            }
            let next_heading = headings
                .iter()
                .map(|h| h.start)
                .find(|&s| s > line.start)
                .unwrap_or(text.len());
            regions.push(Region {
                sec,
                start: line.start,
                head_end: line.end,
                end: next_heading.min(ctx.end),
                inline: Some(line.start + after),
                heading: None,
            });
        }
        // A child ends where the next child starts.
        let starts: Vec<usize> = regions
            .iter()
            .filter(|r| r.sec.parent() == Some(Sec::Context))
            .map(|r| r.start)
            .collect();
        for r in regions
            .iter_mut()
            .filter(|r| r.sec.parent() == Some(Sec::Context))
        {
            if let Some(&next) = starts.iter().filter(|&&s| s > r.start).min() {
                r.end = r.end.min(next);
            }
        }
    }
    (regions, duplicates)
}

/// Item texts that stand for "nothing here": never items.
pub(super) fn is_placeholder(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '*' || c == '_' || c == '.' || c == '(' || c == ')')
        .trim()
        .to_lowercase();
    matches!(
        t.as_str(),
        "none" | "none currently" | "none yet" | "none so far" | "nothing yet" | "n/a" | "-"
    )
}

/// The TL;DR status labels, seed (`**Progress**:`) or older (`- **Status:**`).
pub(super) fn is_status_label(label: &str) -> bool {
    matches!(
        label.to_lowercase().as_str(),
        "progress" | "current" | "blocker" | "blockers" | "status" | "next"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_matched_by_meaning() {
        for (t, s) in [
            ("TL;DR (Read This First)", Sec::Tldr),
            ("tldr", Sec::Tldr),
            ("📋 TL;DR", Sec::Tldr),
            ("Next steps", Sec::NextSteps),
            ("NEXT STEPS:", Sec::NextSteps),
            ("Key context", Sec::KeyContext),
            ("Objective:", Sec::Objective),
            ("Progress (3/5)", Sec::Progress),
            ("In Progress", Sec::InProgress),
            ("Decisions made", Sec::Decisions),
        ] {
            assert_eq!(classify(t), Some(s), "{t}");
        }
        for t in ["Notes", "1. Progress notes", "Contextual", "Nextcloud"] {
            assert_eq!(classify(t), None, "{t}");
        }
    }

    #[test]
    fn labels_are_read_in_every_spelling() {
        assert_eq!(
            label_of("**Objective**: Fix it", false),
            Some(("Objective".into(), 14))
        );
        assert_eq!(
            label_of("**Key Context** (survives compaction):", false),
            Some(("Key Context".into(), 38))
        );
        assert_eq!(
            label_of("**Choice:** lock", false),
            Some(("Choice".into(), 11))
        );
        assert_eq!(
            label_of("Objective: x", true),
            Some(("Objective".into(), 10))
        );
        assert_eq!(label_of("Objective: x", false), None);
        assert_eq!(label_of("**bold** text: no", false), None);
    }
}
