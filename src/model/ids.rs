//! Session ids, short ids and shortnames: what names a session and what may be a file name.

use crate::model::ModelError;

/// The longest shortname we accept; it is part of a file name.
pub const MAX_NAME: usize = 64;

/// A fresh UUID v7 and its 8-hex-character short id taken from the random bits.
pub fn new_id() -> (String, String) {
    let id = uuid::Uuid::now_v7();
    let full = id.hyphenated().to_string();
    let short = short_of(&full).expect("a fresh v7 id has random bits");
    (full, short)
}

/// The short id of a full id: the last 8 hex digits, which come from v7's random bits.
pub fn short_of(id: &str) -> Option<String> {
    let hex: String = id.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (hex.len() >= 8).then(|| hex[hex.len() - 8..].to_ascii_lowercase())
}

/// Check a shortname the user typed. Names are rejected rather than silently changed, so
/// that the name a user asks for is the name they get.
pub fn validate_name(name: &str) -> Result<(), ModelError> {
    let bad = |why| {
        Err(ModelError::InvalidName {
            name: printable(name),
            why,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().count() > MAX_NAME {
        return bad("it is longer than 64 characters");
    }
    if name.contains(['/', '\\']) {
        return bad("it contains a path separator");
    }
    if name.contains("..") {
        return bad("it contains '..'");
    }
    if name.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    if name.starts_with(['-', '.']) {
        return bad("it starts with '-' or '.'");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return bad("use only letters, digits, '-', '_' and '.'");
    }
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    let reserved = ["con", "prn", "aux", "nul"].contains(&stem.as_str())
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        return bad("it is a reserved device name on Windows");
    }
    Ok(())
}

/// A shortname made from free text (a goal or a branch): lowercase words joined by '-'.
pub fn derive_name(text: &str) -> Option<String> {
    let mut name = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !["the", "a", "an", "in", "of", "to", "and", "for", "on"].contains(&w.as_str()))
        .take(5)
    {
        if name.len() + word.len() + 1 > 40 {
            break;
        }
        if !name.is_empty() {
            name.push('-');
        }
        name.push_str(&word);
    }
    (!name.is_empty() && validate_name(&name).is_ok()).then_some(name)
}

/// A session file's name: `<shortname>-<short>.md`.
pub fn file_name(shortname: &str, short: &str) -> String {
    format!("{shortname}-{short}.md")
}

/// Split a session file name back into shortname and short id.
pub fn parse_file_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".md")?;
    let (shortname, short) = stem.rsplit_once('-')?;
    (short.len() == 8 && short.chars().all(|c| c.is_ascii_hexdigit()) && !shortname.is_empty())
        .then_some((shortname, short))
}

/// `(short id, file name)` of a session file's path: `active/<name>-<short>.md` or `archive/…`.
pub fn session_path(path: &str) -> Option<(String, String)> {
    let (dir, name) = path.split_once('/')?;
    if (dir != "active" && dir != "archive") || name.contains('/') {
        return None;
    }
    let (_, short) = parse_file_name(name)?;
    Some((short.to_string(), name.to_string()))
}

/// A name for an error message, with control characters shown and the length bounded.
pub fn printable(name: &str) -> String {
    let shown: String = name
        .chars()
        .take(60)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if name.chars().count() > 60 {
        format!("{shown}…")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_id_is_the_random_tail() {
        let (id, short) = new_id();
        assert_eq!(short.len(), 8);
        assert!(id.replace('-', "").ends_with(&short));
    }

    #[test]
    fn hostile_names_are_rejected() {
        for name in [
            "",
            "a/b",
            "..",
            "a..b",
            "-x",
            ".x",
            "a\nb",
            "con",
            "LPT1",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(validate_name(name).is_err(), "{name:?} accepted");
        }
        validate_name("fix-sweep_bug.2").unwrap();
    }

    #[test]
    fn names_derive_from_goals() {
        assert_eq!(
            derive_name("Fix the race in the sweeper").as_deref(),
            Some("fix-race-sweeper")
        );
        assert_eq!(
            derive_name("feature/login-page").as_deref(),
            Some("feature-login-page")
        );
        assert_eq!(derive_name("!!!"), None);
    }

    #[test]
    fn file_names_round_trip() {
        assert_eq!(
            parse_file_name("fix-sweep-1a2b3c4d.md"),
            Some(("fix-sweep", "1a2b3c4d"))
        );
        assert_eq!(parse_file_name("x.md"), None);
    }
}
