//! One list item of a session file, read from its raw lines: marker, number, checkbox,
//! `<- CURRENT`, its time, and its continuation lines.

use std::ops::Range;

use crate::model::time::{self, Stamp};

use super::Item;

pub(super) fn unescape_item(s: &str) -> String {
    let s = s
        .strip_prefix('\\')
        .filter(|r| r.starts_with('['))
        .unwrap_or(s);
    let s = s.strip_suffix(" \\").unwrap_or(s);
    s.replace("<\\- CURRENT", "<- CURRENT")
}

pub(super) fn is_status_item(i: &Item) -> bool {
    ["**Status:**", "**Blocker:**", "**Next:**"]
        .iter()
        .any(|p| i.head.starts_with(p))
}

pub(super) fn key_file(head: &str) -> (String, Option<String>) {
    let h = head.trim();
    let ticks = h.chars().take_while(|&c| c == '`').count();
    if ticks > 0 {
        let fence = "`".repeat(ticks);
        if let Some(end) = h[ticks..].find(&fence) {
            let path = h[ticks..ticks + end].trim().to_string();
            let rest = h[ticks + end + ticks..]
                .trim()
                .trim_start_matches(['—', '–', '-', ':'])
                .trim();
            return (path, (!rest.is_empty()).then(|| unescape_item(rest)));
        }
    }
    match h.split_once(" — ").or_else(|| h.split_once(" - ")) {
        Some((p, w)) => (p.to_string(), Some(unescape_item(w))),
        None => (h.to_string(), None),
    }
}

/// Split a trailing ` (2025-01-15 10:00 UTC)` off a line.
pub(super) fn strip_time(s: &str) -> (String, Option<Stamp>) {
    let s = s.trim_end();
    if let Some(open) = s.rfind(" (")
        && s.ends_with(')')
        && let Some(t) = time::parse_human(&s[open + 2..s.len() - 1])
    {
        return (s[..open].to_string(), Some(t));
    }
    (s.to_string(), None)
}

pub(super) fn parse_item(text: &str, range: Range<usize>) -> Item {
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
