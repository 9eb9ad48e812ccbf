//! What can be wrong with a journal file or a name, said without deciding how the program exits.

/// A file that does not parse, or a name that may not be used; each names the thing and the place.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A session file or journal entry that does not parse, at `file:line`.
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        /// 1-based line of `file` the problem was found on.
        line: usize,
        message: String,
        /// The YAML parser's own error, when the frontmatter was the problem.
        #[source]
        source: Option<serde_yaml::Error>,
    },
    /// A shortname that cannot be a session's name.
    #[error("invalid session name '{name}': {why}")]
    InvalidName { name: String, why: &'static str },
    /// `--unblock N` names a blocker that is not open; `open` lists the open ones.
    #[error("no open blocker {number} in {session} (open blockers: {open})")]
    NoOpenBlocker {
        number: u32,
        session: String,
        open: String,
    },
}

/// Results of the model.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

impl ModelError {
    /// A parse error with no underlying cause.
    pub(crate) fn parse(file: &str, line: usize, message: impl Into<String>) -> Self {
        ModelError::Parse {
            file: file.into(),
            line,
            message: message.into(),
            source: None,
        }
    }

    /// A frontmatter that serde_yaml rejected; `first_line` is the frontmatter's first line
    /// in the file, so the error names a line of the file, not of the YAML.
    pub(crate) fn yaml(file: &str, first_line: usize, e: serde_yaml::Error) -> Self {
        let line = e
            .location()
            .map(|l| first_line + l.line() - 1)
            .unwrap_or(first_line);
        ModelError::Parse {
            file: file.into(),
            line,
            message: format!(
                "frontmatter: {}",
                e.to_string().lines().next().unwrap_or_default()
            ),
            source: Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{entry::JournalEntry, ids, session::SessionFile};

    #[test]
    fn a_bad_name_is_a_usage_error_and_a_bad_file_is_not() {
        let name = ids::validate_name("a/b").unwrap_err();
        assert!(matches!(name, ModelError::InvalidName { .. }));
        assert_eq!(crate::cli::exit_code(&crate::error::Error::from(name)), 2);
        let parse = SessionFile::parse("s.md", "nope\n".into()).unwrap_err();
        assert_eq!(
            parse.to_string(),
            "s.md:1: missing YAML frontmatter (the file must start with a '---' line)"
        );
        assert_eq!(crate::cli::exit_code(&crate::error::Error::from(parse)), 1);
    }

    #[test]
    fn a_frontmatter_error_carries_the_yaml_error_as_its_source() {
        use std::error::Error as _;
        let err = JournalEntry::parse("e.md", b"---\nkind: [\n---\n\nbody\n").unwrap_err();
        assert!(matches!(err, ModelError::Parse { line: 2, .. }), "{err}");
        let source = err.source().expect("the YAML error is kept");
        assert!(source.downcast_ref::<serde_yaml::Error>().is_some());
        // The crate error says the same and keeps the chain.
        let top = crate::error::Error::from(err);
        assert!(
            top.to_string().starts_with("e.md:2: frontmatter: "),
            "{top}"
        );
    }
}
