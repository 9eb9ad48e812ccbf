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

/// `2025-01-15T10:30Z`, for the session file's items: the seed's form, with its zone said.
pub fn seed(t: Stamp) -> String {
    t.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// Read a time as people write it in a session file: [`human`], the seed's `2025-01-15T10:30`,
/// with seconds (and fractions), with `Z`, ` UTC` or an offset, `T` or a space. A time without
/// a zone is UTC. Anything else is simply not a time.
pub fn parse_human(s: &str) -> Option<Stamp> {
    let s = s.trim();
    if !s.starts_with(|c: char| c.is_ascii_digit()) || s.len() < 16 {
        return None;
    }
    if let Some(t) = parse_rfc3339(s) {
        return Some(t);
    }
    let with_t = s.replacen(' ', "T", 1);
    for fmt in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(t) = DateTime::parse_from_str(&with_t, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = s
        .strip_suffix(" UTC")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s)
        .replacen(' ', "T", 1);
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|fmt| NaiveDateTime::parse_from_str(&naive, fmt).ok())
    .map(|n| n.and_utc())
}

/// Read back [`rfc3339`] (or any RFC 3339 time).
pub fn parse_rfc3339(s: &str) -> Option<Stamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_people_write_them() {
        let t = parse_rfc3339("2025-01-15T10:30:00Z").unwrap();
        for s in [
            "2025-01-15T10:30",
            "2025-01-15 10:30 UTC",
            "2025-01-15T10:30Z",
            "2025-01-15T10:30:00",
            "2025-01-15T10:30:00.000Z",
            "2025-01-15T12:30+02:00",
            "2025-01-15T12:30:00+02:00",
            "2025-01-15 10:30",
        ] {
            assert_eq!(parse_human(s), Some(t), "{s}");
        }
        assert_eq!(parse_human(&seed(t)), Some(t));
        for s in ["yesterday", "2025-01-15", "10:30", "see note"] {
            assert_eq!(parse_human(s), None, "{s}");
        }
    }
}
