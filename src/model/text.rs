//! Turning user text into markdown and YAML that cannot change the file's structure.

/// Normalise line endings, make control characters visible, trim surrounding blank space.
///
/// Control characters (other than newline and tab) become their Unicode "control picture"
/// (NUL → ␀), so text is stored and shown back as text and never as bytes that break a file.
pub fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => out
                .push(char::from_u32(0x2400 + c as u32).expect("control pictures are valid chars")),
            '\u{7f}' => out.push('\u{2421}'),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// [`clean`], then fold every run of white space (newlines included) to one space.
pub fn one_line(text: &str) -> String {
    clean(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for the content of a list item whose continuation lines are indented by `indent` spaces.
///
/// Everything stays inside the item: later lines are indented, so a line such as `## Decisions`
/// becomes a heading nested in the item, never a section of the file. The markers the tool
/// itself reads on an item's first line (`[ ]`, `<- CURRENT`, a trailing time) are escaped.
pub fn list_item(text: &str, indent: usize) -> String {
    let text = clean(text).replace("<- CURRENT", "<\\- CURRENT");
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            let line = line.trim_start();
            if line.starts_with('[') {
                out.push('\\');
            }
            out.push_str(line);
        } else if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push('\n');
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    if ends_like_time(&out) {
        out.push_str(" \\");
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

/// Text ending in ` (a time)` would lose it to the item's own time when read back.
fn ends_like_time(s: &str) -> bool {
    s.ends_with(')')
        && s.rfind(" (").is_some_and(|open| {
            crate::model::time::parse_human(&s[open + 2..s.len() - 1]).is_some()
        })
}

/// Text for free paragraphs (TL;DR summary, objective): every line that could open a block
/// (heading, list, quote, fence, HTML, rule, table) is backslash-escaped.
pub fn paragraphs(text: &str) -> String {
    let text = clean(text);
    let mut out = String::new();
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() {
            blank_run += 1;
            if blank_run == 1 {
                out.push('\n');
            }
            continue;
        }
        blank_run = 0;
        out.push_str(&escape_line_start(line));
        out.push('\n');
    }
    let out = out.trim_end().to_string();
    if out.is_empty() {
        "(empty)".into()
    } else {
        out
    }
}

fn escape_line_start(line: &str) -> String {
    let first = line.chars().next().expect("caller skips empty lines");
    if matches!(
        first,
        '#' | '>' | '-' | '*' | '+' | '=' | '`' | '~' | '<' | '|' | '[' | '_' | '\\'
    ) {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && matches!(line[digits..].chars().next(), Some('.' | ')')) {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line.to_string()
}

/// Undo [`paragraphs`] escaping for display and JSON.
pub fn unescape_paragraphs(md: &str) -> String {
    md.lines()
        .map(|line| {
            let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
            if let Some(rest) = line.strip_prefix('\\') {
                rest.to_string()
            } else if digits > 0
                && (line[digits..].starts_with("\\.") || line[digits..].starts_with("\\)"))
            {
                format!("{}{}", &line[..digits], &line[digits + 1..])
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for an ATX heading: one line, no trailing `#` that markdown would eat.
pub fn heading(text: &str) -> String {
    let mut t = one_line(text);
    if t.ends_with('#') {
        t.push_str(" \\");
        t.insert(t.len() - 2, ' ');
    }
    if t.is_empty() { "(untitled)".into() } else { t }
}

/// A string as a YAML scalar on one line: plain when that is unambiguous, else double-quoted.
pub fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/@+-".contains(c))
        && !s.starts_with([' ', '-', '.', '@'])
        && !s.ends_with(' ')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings always serialise")
    }
}

/// A code span that holds `s` whatever backticks it contains.
pub fn code_span(s: &str) -> String {
    let s = one_line(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {s} {fence}")
    } else {
        format!("`{s}`")
    }
}

/// Length in UTF-16 code units: how JavaScript, and so Claude Code, measures a string (an emoji
/// outside the Basic Multilingual Plane counts 2).
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `s` (cut at a char boundary) that is at most `max` UTF-16 code units.
pub fn utf16_prefix(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

/// `s` cut to at most `max` UTF-16 code units, ending in `tail` when it had to be cut.
pub fn clip_utf16(s: &str, max: usize, tail: &str) -> String {
    if utf16_len(s) <= max {
        return s.to_string();
    }
    let room = max.saturating_sub(utf16_len(tail));
    format!("{}{tail}", utf16_prefix(s, room))
}

/// `s` cut to at most `max` UTF-8 bytes (at a char boundary), ending in `tail` when it had to
/// be cut.
pub fn clip_bytes(s: &str, max: usize, tail: &str) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(tail.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{tail}", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_bytes_cuts_between_chars() {
        assert_eq!(clip_bytes("héllo", 10, "…"), "héllo");
        assert_eq!(clip_bytes("ééé", 5, "."), "éé.");
        assert_eq!(clip_bytes("ééé", 4, "."), "é.");
    }

    #[test]
    fn utf16_counts_an_emoji_twice_and_cuts_between_chars() {
        assert_eq!(utf16_len("a🚀é"), 4);
        assert_eq!(utf16_prefix("🚀🚀", 3), "🚀");
        assert_eq!(utf16_prefix("🚀🚀", 1), "");
        assert_eq!(clip_utf16("🚀🚀🚀", 5, "…"), "🚀🚀…");
        assert_eq!(clip_utf16("🚀", 2, "…"), "🚀");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(clean("a\0b\x1bc\r\nd"), "a\u{2400}b\u{241b}c\nd");
    }

    #[test]
    fn list_item_keeps_headings_inside_the_item() {
        assert_eq!(
            list_item("note\n## Decisions\n\nmore", 2),
            "note\n  ## Decisions\n\n  more"
        );
        assert_eq!(
            list_item("[x] done <- CURRENT", 2),
            "\\[x] done <\\- CURRENT"
        );
    }

    #[test]
    fn paragraphs_escape_block_openers() {
        assert_eq!(
            paragraphs("## Decisions\n- a\n1. b\nplain"),
            "\\## Decisions\n\\- a\n1\\. b\nplain"
        );
        assert_eq!(unescape_paragraphs(&paragraphs("## X\n1) y")), "## X\n1) y");
    }

    #[test]
    fn yaml_str_quotes_anything_ambiguous() {
        assert_eq!(yaml_str("fix-sweep"), "fix-sweep");
        assert_eq!(yaml_str("yes"), "\"yes\"");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
        assert_eq!(yaml_str("12"), "\"12\"");
        assert_eq!(yaml_str("x\ny"), "\"x\\ny\"");
    }
}
