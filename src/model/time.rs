//! The three ways the journal writes a moment: frontmatter, file names, and prose.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A UTC instant with millisecond precision.
pub type Stamp = DateTime<Utc>;

/// Now, truncated to milliseconds so that every rendering of it agrees.
pub fn now() -> Stamp {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).expect("current time is in range")
}

/// `2025-01-15T10:00:00.123Z`, for frontmatter.
pub fn rfc3339(t: Stamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `2025-01-15T10-00-00.123Z`, valid in a file name on every OS and sorting chronologically.
pub fn file_stamp(t: Stamp) -> String {
    t.format("%Y-%m-%dT%H-%M-%S%.3fZ").to_string()
}

/// `2025-01-15 10:00 UTC`, for the session file's prose.
pub fn human(t: Stamp) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Read back [`human`]; hand-written variants that do not match are simply not times.
pub fn parse_human(s: &str) -> Option<Stamp> {
    let s = s.strip_suffix(" UTC")?;
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .ok()
        .map(|n| n.and_utc())
}

/// Read back [`rfc3339`] (or any RFC 3339 time).
pub fn parse_rfc3339(s: &str) -> Option<Stamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
