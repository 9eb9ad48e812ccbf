//! The subject line of a journal commit: `<command>(<scope>): <summary>`, rendered and parsed
//! in this one place.

use std::fmt;

use crate::model::text;

/// The longest summary kept in a subject, in characters (git's advice for a subject line).
const MAX_SUMMARY: usize = 72;

/// The command that made a journal commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JournalCommand {
    Init,
    Log,
    Checkpoint,
    Pause,
    Resume,
    Close,
    /// A compaction recorded by a hook.
    Compact,
    Sync,
    Doctor,
    /// Session files adopted from a seed-era tree, or dropped in by hand.
    Import,
    /// Secrets replaced by `[REDACTED:<rule>]` in one file (`git session redact`).
    Redact,
}

impl JournalCommand {
    /// Every command, for parsing.
    pub const ALL: [JournalCommand; 11] = [
        JournalCommand::Init,
        JournalCommand::Log,
        JournalCommand::Checkpoint,
        JournalCommand::Pause,
        JournalCommand::Resume,
        JournalCommand::Close,
        JournalCommand::Compact,
        JournalCommand::Sync,
        JournalCommand::Doctor,
        JournalCommand::Import,
        JournalCommand::Redact,
    ];

    /// The command's name as it appears in subjects.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalCommand::Init => "init",
            JournalCommand::Log => "log",
            JournalCommand::Checkpoint => "checkpoint",
            JournalCommand::Pause => "pause",
            JournalCommand::Resume => "resume",
            JournalCommand::Close => "close",
            JournalCommand::Compact => "compact",
            JournalCommand::Sync => "sync",
            JournalCommand::Doctor => "doctor",
            JournalCommand::Import => "import",
            JournalCommand::Redact => "redact",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for JournalCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<command>(<scope>): <summary>`: the scope is a session's shortname, or what a sync merged
/// from (a remote's name), or `journal` for changes to several sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSubject {
    pub command: JournalCommand,
    pub scope: String,
    pub summary: String,
}

impl CommitSubject {
    /// A subject; the summary is folded to one line and shortened to 72 characters with `…`.
    pub fn new(command: JournalCommand, scope: &str, summary: &str) -> Self {
        let mut s = text::one_line(summary);
        if s.chars().count() > MAX_SUMMARY {
            s = s.chars().take(MAX_SUMMARY - 1).collect::<String>() + "…";
        }
        CommitSubject {
            command,
            scope: text::one_line(scope),
            summary: s,
        }
    }

    /// Read the first line of a commit message back; `None` when it is not one of ours.
    pub fn parse(message: &str) -> Option<Self> {
        let subject = message.lines().next()?;
        let (head, summary) = subject.split_once("): ")?;
        let (command, scope) = head.split_once('(')?;
        Some(CommitSubject {
            command: JournalCommand::parse(command)?,
            scope: scope.to_string(),
            summary: summary.to_string(),
        })
    }
}

impl fmt::Display for CommitSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({}): {}", self.command, self.scope, self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_round_trip() {
        let s = CommitSubject::new(JournalCommand::Log, "fix-sweep", "progress: it builds");
        assert_eq!(s.to_string(), "log(fix-sweep): progress: it builds");
        assert_eq!(CommitSubject::parse(&s.to_string()), Some(s));
    }

    #[test]
    fn long_and_multi_line_summaries_become_one_short_line() {
        let s = CommitSubject::new(JournalCommand::Log, "x", &"word ".repeat(40));
        assert_eq!(s.summary.chars().count(), 72);
        assert!(s.summary.ends_with('…'));
        let s = CommitSubject::new(JournalCommand::Log, "x", "a\nb");
        assert!(!s.to_string().contains('\n'));
    }

    #[test]
    fn other_subjects_are_not_ours() {
        for other in [
            "Merge branch 'sessions'",
            "fix(parser): handle CRLF",
            "log fix: x",
            "",
        ] {
            assert_eq!(CommitSubject::parse(other), None, "{other}");
        }
    }
}
