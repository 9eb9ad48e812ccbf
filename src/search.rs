//! Search over everything the journal holds: every session file (active and archived, section by
//! section) and every journal entry, read from the tree of `refs/sessions` (decision 115).
//!
//! There is no index: each blob of the tree is read once, lowercased, and searched with
//! `memchr::memmem` (or `regex` with `--regex`). Entry kind and time come from the entry's file
//! name, so filters on them skip a blob without reading it; status and time of a session come
//! from its file's frontmatter, read by a line scan rather than the full parser.
//!
//! Ranking (decision 116): for each hit, `Σ over query words (1 + ln(occurrences))`, doubled when
//! the whole query occurs as written (a phrase), times a weight for what the text is (decisions
//! 2.0, the title and TL;DR 1.6, discoveries 1.5, blockers 1.3, the rest 1.0), times a recency
//! factor `1 / (1 + age in years)`. Ties go to the newer hit.

use std::collections::HashMap;

use gix::ObjectId;
use memchr::memmem;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::layout::{self, SessionDir, SessionPath};
use crate::model::entry;
use crate::model::time::{self, Stamp};
use crate::store::SessionsRef;

/// What to look for, parsed once from the command line.
pub enum Pattern {
    /// Literal words, lowercased; every one must occur (case-insensitively).
    Words {
        words: Vec<String>,
        /// The whole query, lowercased, for the phrase bonus (only with two words or more).
        phrase: Option<String>,
    },
    /// A regular expression (`--regex`), case-insensitive.
    Regex(regex::bytes::Regex),
}

impl Pattern {
    /// The query as literal text: split on white space, each word matched without regard to
    /// case. An empty query is a usage error.
    pub fn literal(query: &str) -> Result<Self> {
        let lower = query.to_lowercase();
        let words: Vec<String> = lower.split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return Err(Error::Usage("search needs some text to look for".into()));
        }
        let phrase = (words.len() > 1).then(|| words.join(" "));
        Ok(Pattern::Words { words, phrase })
    }

    /// The query as a regular expression (the `regex` crate's syntax), case-insensitive; a bad
    /// one is a usage error naming it.
    pub fn regex(query: &str) -> Result<Self> {
        regex::bytes::RegexBuilder::new(query)
            .case_insensitive(true)
            .size_limit(1 << 22)
            .build()
            .map(Pattern::Regex)
            .map_err(|e| {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("invalid").trim();
                Error::Usage(format!(
                    "--regex '{}' is not a valid regular expression: {}",
                    crate::model::ids::printable(query),
                    why.trim_start_matches("error: ")
                ))
            })
    }
}

/// The filters of a search; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// An entry kind (`decision`, `progress`, …), `session` for session-file hits only, or a
    /// kind whose section of the session file also counts (`decision` → `## Decisions`).
    pub kind: Option<String>,
    pub since: Option<Stamp>,
    pub until: Option<Stamp>,
    pub status: Option<crate::model::session::Status>,
    /// A case-insensitive part of the entry's `author:` (session-file hits have no author and
    /// are left out when this is given).
    pub author: Option<String>,
    /// Only this session's file and entries (its short id).
    pub session: Option<String>,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// `<shortname>-<short>`.
    pub session: String,
    pub session_status: String,
    /// `entry` or `session` (a section of the session file).
    pub source: &'static str,
    /// The entry's kind, or `session` for a session-file section.
    pub kind: String,
    /// The section of the session file (`Decisions`, `Title`, …); `None` for entries.
    pub section: Option<String>,
    /// The tree path of the blob the hit is in.
    pub path: String,
    /// The entry's time, or the session file's `updated_at` (RFC 3339).
    pub at: String,
    pub author: Option<String>,
    /// One line around the first match, at most about 120 characters.
    pub snippet: String,
    /// The rank (higher first); see the module documentation.
    pub score: f64,
    #[serde(skip)]
    stamp: Option<Stamp>,
    /// For an entry: its blob, where its body starts, and the match's offset in the body; the
    /// snippet is cut only for the hits that are kept (a common word can match every entry).
    #[serde(skip)]
    source_at: Option<(ObjectId, usize, usize)>,
}

/// The frontmatter fields a search needs, read by a line scan.
#[derive(Debug, Default, Clone)]
struct Front {
    status: String,
    updated_at: String,
    author: Option<String>,
}

/// The YAML frontmatter's simple `key: value` lines (quotes removed); the body's byte offset.
fn front(bytes: &[u8]) -> (Front, usize) {
    let mut f = Front::default();
    let Some(rest) = bytes.strip_prefix(b"---\n") else {
        return (f, 0);
    };
    let end = memmem::find(rest, b"\n---\n").map(|i| i + 1);
    let head = &rest[..end.unwrap_or(0)];
    for line in head.split(|b| *b == b'\n') {
        let line = String::from_utf8_lossy(line);
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
            match k {
                "status" => f.status = v,
                "updated_at" => f.updated_at = v,
                "author" => f.author = Some(v),
                _ => {}
            }
        }
    }
    (f, end.map(|e| 4 + e + 4).unwrap_or(0))
}

/// The kind whose entries belong in a session file's section (`## Decisions` ↔ `decision`).
fn section_kind(section: &str) -> &'static str {
    match section.to_ascii_lowercase().as_str() {
        "decisions" => "decision",
        "discoveries" => "discovery",
        "blockers" => "blocker",
        "tried and failed" => "dead-end",
        "next steps" => "next",
        "progress" => "progress",
        "context" => "context",
        _ => "session",
    }
}

fn weight(kind: &str, section: Option<&str>) -> f64 {
    let k = section.map(section_kind).unwrap_or(kind);
    match (k, section) {
        (_, Some("Title")) => 1.6,
        (_, Some(s)) if s.starts_with("TL;DR") => 1.6,
        ("decision", _) => 2.0,
        ("discovery", _) => 1.5,
        ("blocker", _) => 1.3,
        _ => 1.0,
    }
}

/// Matching state reused across blobs.
struct Matcher<'p> {
    pattern: &'p Pattern,
    finders: Vec<memmem::Finder<'p>>,
    phrase: Option<memmem::Finder<'p>>,
    ascii: bool,
    lower: Vec<u8>,
}

impl<'p> Matcher<'p> {
    fn new(pattern: &'p Pattern) -> Self {
        match pattern {
            Pattern::Words { words, phrase } => Matcher {
                pattern,
                finders: words.iter().map(memmem::Finder::new).collect(),
                phrase: phrase.as_ref().map(memmem::Finder::new),
                ascii: words.iter().all(|w| w.is_ascii()),
                lower: Vec::new(),
            },
            Pattern::Regex(_) => Matcher {
                pattern,
                finders: Vec::new(),
                phrase: None,
                ascii: true,
                lower: Vec::new(),
            },
        }
    }

    /// The text score of `text` and the byte offset of its first match, when every word occurs.
    fn score(&mut self, text: &[u8]) -> Option<(f64, usize)> {
        match self.pattern {
            Pattern::Regex(re) => {
                let mut it = re.find_iter(text);
                let first = it.next()?;
                let n = 1 + it.count();
                Some((1.0 + (n as f64).ln(), first.start()))
            }
            Pattern::Words { .. } => {
                // Cheap rejection on the raw bytes is not possible (case), so lowercase once.
                self.lower.clear();
                if self.ascii {
                    self.lower.extend(text.iter().map(u8::to_ascii_lowercase));
                } else {
                    self.lower
                        .extend_from_slice(String::from_utf8_lossy(text).to_lowercase().as_bytes());
                }
                let mut score = 0.0;
                let mut first = usize::MAX;
                for f in &self.finders {
                    let mut it = f.find_iter(&self.lower);
                    let at = it.next()?;
                    first = first.min(at);
                    score += 1.0 + ((1 + it.count()) as f64).ln();
                }
                if let Some(p) = &self.phrase
                    && let Some(at) = p.find(&self.lower)
                {
                    score *= 2.0;
                    first = at;
                }
                // An offset into the lowercased text is one into the original for ASCII; for
                // other text it is approximate and only places the snippet.
                Some((score, first.min(text.len())))
            }
        }
    }
}

/// One line of `text` around byte `at`, white space folded, clipped to about 120 characters.
fn snippet(text: &[u8], at: usize) -> String {
    let start = text[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| at + i);
    let line = String::from_utf8_lossy(&text[start..end]);
    let line = crate::model::text::one_line(&line);
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= 120 {
        return line;
    }
    // Keep the match in view: start a little before it.
    let before = String::from_utf8_lossy(&text[start..at]).chars().count();
    let from = before
        .saturating_sub(30)
        .min(chars.len().saturating_sub(120));
    let mut out: String = chars[from..(from + 117).min(chars.len())].iter().collect();
    if from > 0 {
        out = format!("…{out}");
    }
    out.push('…');
    out
}

/// A session file, as the search knows it.
struct Session {
    path: SessionPath,
    front: Front,
}

/// Search the tree `tree` of the journal. Results are ranked, best first, at most `limit`.
pub fn search(
    store: &SessionsRef,
    tree: ObjectId,
    pattern: &Pattern,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>> {
    let now = time::now();
    let mut m = Matcher::new(pattern);
    let mut hits: Vec<Hit> = Vec::new();
    let kind = filters.kind.as_deref();
    let author = filters.author.as_ref().map(|a| a.to_lowercase());
    let in_time = |t: Option<Stamp>| match t {
        Some(t) => filters.since.is_none_or(|s| t >= s) && filters.until.is_none_or(|u| t <= u),
        None => filters.since.is_none() && filters.until.is_none(),
    };
    // Session files: every one is read (they carry status and the session's own text).
    let mut sessions: HashMap<String, Session> = HashMap::new();
    for dir in SessionDir::ALL {
        for e in store.list(tree, dir.as_str())? {
            if e.is_tree {
                continue;
            }
            let Some(path) = SessionPath::from_file_name(dir, &e.name) else {
                continue;
            };
            if filters.session.as_ref().is_some_and(|s| *s != path.short) {
                continue;
            }
            let bytes = store.blob(e.id)?;
            let (front, body) = front(&bytes);
            if filters
                .status
                .is_some_and(|s| s.as_str() != front.status.as_str())
            {
                continue;
            }
            let session = Session { path, front };
            let stamp = time::parse_rfc3339(&session.front.updated_at);
            let want_sections = author.is_none() && in_time(stamp);
            if want_sections {
                for (section, range) in sections(&bytes[body..]) {
                    let range = body + range.start..body + range.end;
                    let skind = section_kind(&section);
                    if kind.is_some_and(|k| k != "session" && k != skind) {
                        continue;
                    }
                    let Some((score, at)) = m.score(&bytes[range.clone()]) else {
                        continue;
                    };
                    hits.push(Hit {
                        session: session.path.label(),
                        session_status: session.front.status.clone(),
                        source: "session",
                        kind: "session".into(),
                        path: session.path.render(),
                        at: session.front.updated_at.clone(),
                        author: None,
                        snippet: snippet(&bytes[range.clone()], at),
                        score: score * weight("session", Some(&section)) * recency(stamp, now),
                        section: Some(section),
                        stamp,
                        source_at: None,
                    });
                }
            }
            // An active copy wins over a stale archived one with the same short id.
            sessions
                .entry(session.path.short.clone())
                .or_insert(session);
        }
    }
    // Journal entries: kind and time from the file name, the blob only when those pass.
    if kind == Some("session") {
        return Ok(rank(hits, limit));
    }
    // Which journals to read, and for which session.
    let mut jobs: Vec<(crate::store::DirEntry, Option<&Session>)> = Vec::new();
    for fan in store.list(tree, "journal")? {
        if !fan.is_tree {
            continue;
        }
        let journals = if layout::is_fanout_name(&fan.name) {
            store
                .list(fan.id, "")?
                .into_iter()
                .filter(|j| j.is_tree)
                .collect()
        } else {
            // The flat layout (`journal/<short>/`) of a tree not migrated yet.
            vec![fan]
        };
        for j in journals {
            let session = sessions.get(&j.name);
            // A journal without a session file is only searched when nothing filters on what
            // the session file says.
            if session.is_none() && (filters.status.is_some() || filters.session.is_some()) {
                continue;
            }
            jobs.push((j, session));
        }
    }
    // Two readers, each with its own repository handle (gix is built without its `parallel`
    // feature, so a handle cannot be shared): reading and inflating ~50,000 entries is most of
    // the time, and it splits evenly (decision 115). A handle that cannot be opened leaves its
    // half to this thread.
    let git_dir = store.repo().git_dir().to_path_buf();
    let halves: [Vec<_>; 2] = [
        jobs.iter().step_by(2).cloned().collect(),
        jobs.iter().skip(1).step_by(2).cloned().collect(),
    ];
    let ctx = JournalSearch {
        filters,
        author: &author,
        now,
    };
    let other = std::thread::scope(|scope| {
        let worker = scope.spawn(|| -> Option<Vec<Hit>> {
            let repo = gix::open_opts(&git_dir, gix::open::Options::isolated()).ok()?;
            let store = SessionsRef::new(&repo);
            let mut m = Matcher::new(pattern);
            let mut out = Vec::new();
            for (j, s) in &halves[1] {
                search_journal(&store, &mut m, j, *s, &ctx, &mut out).ok()?;
            }
            Some(out)
        });
        let mine = halves[0]
            .iter()
            .try_for_each(|(j, s)| search_journal(store, &mut m, j, *s, &ctx, &mut hits));
        (mine, worker.join().ok().flatten())
    });
    other.0?;
    match other.1 {
        Some(found) => hits.extend(found),
        None => {
            for (j, s) in &halves[1] {
                search_journal(store, &mut m, j, *s, &ctx, &mut hits)?;
            }
        }
    }
    let mut hits = rank(hits, limit);
    for h in &mut hits {
        if let Some((blob, body, at)) = h.source_at {
            let bytes = store.blob(blob)?;
            h.snippet = snippet(&bytes[body.min(bytes.len())..], at);
        }
    }
    Ok(hits)
}

/// What every journal's search shares.
struct JournalSearch<'a> {
    filters: &'a Filters,
    /// `--author`, lowercased.
    author: &'a Option<String>,
    now: Stamp,
}

fn search_journal(
    store: &SessionsRef,
    m: &mut Matcher,
    journal: &crate::store::DirEntry,
    session: Option<&Session>,
    ctx: &JournalSearch,
    hits: &mut Vec<Hit>,
) -> Result<()> {
    let (filters, author, now) = (ctx.filters, ctx.author, ctx.now);
    let Some(entries) = store
        .list(journal.id, "")?
        .into_iter()
        .find(|e| e.is_tree && e.name == "entries")
    else {
        return Ok(());
    };
    let label = session
        .map(|s| s.path.label())
        .unwrap_or_else(|| journal.name.clone());
    let status = session.map(|s| s.front.status.clone()).unwrap_or_default();
    let dir = session
        .map(|s| layout::entries_dir(&s.path.short))
        .unwrap_or_else(|| layout::entries_dir(&journal.name));
    for e in store.list(entries.id, "")? {
        if e.is_tree {
            continue;
        }
        let (name_kind, name_time) = entry_name_parts(&e.name);
        if let (Some(k), Some(nk)) = (filters.kind.as_deref(), name_kind)
            && k != nk
        {
            continue;
        }
        if name_time.is_some()
            && (filters.since.is_some_and(|s| name_time < Some(s))
                || filters.until.is_some_and(|u| name_time > Some(u)))
        {
            continue;
        }
        let bytes = store.blob(e.id)?;
        let (front, body) = front(&bytes);
        let text = &bytes[body..];
        let Some((score, at)) = m.score(text) else {
            continue;
        };
        let kind = name_kind
            .map(str::to_string)
            .or_else(|| {
                entry::JournalEntry::parse(&e.name, &bytes)
                    .ok()
                    .map(|x| x.meta.kind)
            })
            .unwrap_or_else(|| "note".into());
        if filters.kind.as_ref().is_some_and(|k| *k != kind) {
            continue;
        }
        let stamp = name_time.or_else(|| {
            entry::JournalEntry::parse(&e.name, &bytes)
                .ok()
                .and_then(|x| time::parse_rfc3339(&x.meta.at))
        });
        if stamp.is_none() && (filters.since.is_some() || filters.until.is_some()) {
            continue;
        }
        if let Some(a) = author
            && !front
                .author
                .as_ref()
                .is_some_and(|x| x.to_lowercase().contains(a.as_str()))
        {
            continue;
        }
        hits.push(Hit {
            session: label.clone(),
            session_status: status.clone(),
            source: "entry",
            score: score * weight(&kind, None) * recency(stamp, now),
            kind,
            section: None,
            path: format!("{dir}/{}", e.name),
            at: stamp.map(time::rfc3339).unwrap_or_default(),
            author: front.author,
            snippet: String::new(),
            stamp,
            source_at: Some((e.id, body, at)),
        });
    }
    Ok(())
}

/// The kind and time an entry's file name says (`<time>-<kind>-<hex>.md`).
fn entry_name_parts(name: &str) -> (Option<&str>, Option<Stamp>) {
    if !entry::is_entry_name(name) {
        return (None, None);
    }
    let stem = &name[..name.len() - 3];
    let kind = &stem[25..stem.len() - 5];
    let at = crate::journal::parse_loose_time(&stem[..24]);
    (Some(kind), at)
}

fn recency(stamp: Option<Stamp>, now: Stamp) -> f64 {
    match stamp {
        Some(t) => {
            let years = (now - t).num_seconds().max(0) as f64 / (365.25 * 86_400.0);
            1.0 / (1.0 + years)
        }
        None => 0.5,
    }
}

fn rank(mut hits: Vec<Hit>, limit: usize) -> Vec<Hit> {
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.stamp.cmp(&a.stamp))
            .then_with(|| a.path.cmp(&b.path))
    });
    hits.truncate(limit);
    for h in &mut hits {
        h.score = (h.score * 1000.0).round() / 1000.0;
    }
    hits
}

/// The `##` sections of a session file's body: `Title` for what comes before the first one
/// (the `# Session:` line), then each heading's text with its byte range (heading included).
fn sections(body: &[u8]) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut name = "Title".to_string();
    let mut start = 0;
    let mut pos = 0;
    let mut in_fence = false;
    for line in body.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"```") || line.starts_with(b"~~~") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with(b"## ") {
            if pos > start {
                out.push((name, start..pos));
            }
            name = String::from_utf8_lossy(&line[3..]).trim().to_string();
            start = pos;
        }
        pos += line.len();
    }
    if pos > start {
        out.push((name, start..pos));
    }
    out
}

/// A date or time on the command line: `2026-01-15` (that day's start, or with `end_of_day` its
/// last millisecond) or an RFC 3339 time.
pub fn parse_date(s: &str, end_of_day: bool) -> Option<Stamp> {
    if let Some(t) = time::parse_human(s) {
        return Some(t);
    }
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = if end_of_day {
        d.and_hms_milli_opt(23, 59, 59, 999)?
    } else {
        d.and_hms_opt(0, 0, 0)?
    };
    Some(t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_occur_and_a_phrase_ranks_higher() {
        let p = Pattern::literal("Lock ordering").unwrap();
        let mut m = Matcher::new(&p);
        assert!(m.score(b"the lock is taken").is_none());
        let (loose, _) = m.score(b"ordering of the LOCK").unwrap();
        let (phrase, at) = m.score(b"we fixed the lock ordering").unwrap();
        assert!(phrase > loose);
        assert_eq!(at, 13);
    }

    #[test]
    fn metacharacters_are_literal_without_regex_and_a_bad_regex_is_a_usage_error() {
        let p = Pattern::literal("a.b(").unwrap();
        let mut m = Matcher::new(&p);
        assert!(m.score(b"axb(").is_none());
        assert!(m.score(b"see a.b( here").is_some());
        assert!(matches!(Pattern::regex("a("), Err(Error::Usage(_))));
        assert!(matches!(Pattern::literal("  "), Err(Error::Usage(_))));
    }

    #[test]
    fn sections_are_split_at_level_two_headings_outside_fences() {
        let body = b"# Session: t\n\n## TL;DR\nx\n```\n## not\n```\n## Decisions\n### 1. a\n";
        let s = sections(body);
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Title", "TL;DR", "Decisions"]);
    }

    #[test]
    fn entry_names_give_kind_and_time() {
        let (k, t) = entry_name_parts("2025-01-15T10-00-00.123Z-decision-7f3a.md");
        assert_eq!(k, Some("decision"));
        assert_eq!(
            t.map(time::rfc3339).as_deref(),
            Some("2025-01-15T10:00:00.123Z")
        );
        assert_eq!(entry_name_parts("notes.md"), (None, None));
    }

    #[test]
    fn a_snippet_is_one_line_with_the_match() {
        let text = b"first line\nthe lock ordering matters\nlast";
        assert_eq!(snippet(text, 15), "the lock ordering matters");
        let long = format!("{}lock{}", "x".repeat(200), "y".repeat(200));
        let s = snippet(long.as_bytes(), 200);
        assert!(s.contains("lock") && s.chars().count() <= 122, "{s}");
    }
}
