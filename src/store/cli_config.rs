//! `git -c key=value session …`: git hands its `-c` settings to a subcommand in
//! `GIT_CONFIG_PARAMETERS`, which gix 0.90 does not read. They are parsed here as git's
//! `config.c` (`parse_config_env_list`, `sq_dequote_step`) does and given to gix as command-line
//! overrides, so that the repository is configured as for `git commit` in the same invocation.

/// The settings in `GIT_CONFIG_PARAMETERS`, as `key=value` (or `key` alone, an implicit true).
pub fn from_env() -> Vec<String> {
    std::env::var("GIT_CONFIG_PARAMETERS")
        .map(|v| parse(&v))
        .unwrap_or_default()
}

/// Parse git's encoding: whitespace-separated items, each `'key=value'` (old format), `'key'`
/// (no value) or `'key'='value'` (new format); inside quotes `'\''` is a quote and `'\!'` a `!`.
/// A malformed list yields what was read before the fault (git refuses it; gix is told nothing
/// it cannot parse).
pub fn parse(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = list;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        let Some((key, after)) = dequote(rest) else {
            return out;
        };
        rest = after;
        if let Some(after_eq) = rest.strip_prefix('=') {
            // New format: a quoted value follows (or nothing: an empty value).
            if after_eq.is_empty() || after_eq.starts_with(char::is_whitespace) {
                out.push(format!("{key}="));
                rest = after_eq;
            } else {
                let Some((value, after)) = dequote(after_eq) else {
                    return out;
                };
                out.push(format!("{key}={value}"));
                rest = after;
            }
        } else {
            out.push(key);
        }
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            return out;
        }
    }
}

/// One single-quoted word at the start of `s`, and what follows it.
fn dequote(s: &str) -> Option<(String, &str)> {
    let mut chars = s.strip_prefix('\'')?;
    let mut word = String::new();
    loop {
        let end = chars.find('\'')?;
        word.push_str(&chars[..end]);
        chars = &chars[end + 1..];
        // `'\''` and `'\!'`: an escaped character between two quoted runs.
        let mut it = chars.chars();
        match (it.next(), it.next(), it.next()) {
            (Some('\\'), Some(c @ ('\'' | '!')), Some('\'')) => {
                word.push(c);
                chars = &chars[3..];
            }
            _ => return Some((word, chars)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn both_formats_and_escapes_are_read_as_git_reads_them() {
        assert_eq!(
            parse("'user.name'='A B' 'user.email'='a@x'"),
            ["user.name=A B", "user.email=a@x"]
        );
        assert_eq!(
            parse("'core.bare=false' 'x.flag'"),
            ["core.bare=false", "x.flag"]
        );
        assert_eq!(parse("'a.b'='it'\\''s'\\!''"), ["a.b=it's!"]);
        assert_eq!(parse("'a.b'= 'c.d'='e'"), ["a.b=", "c.d=e"]);
        assert_eq!(parse("'a.b'='c' junk"), ["a.b=c"]);
    }
}
