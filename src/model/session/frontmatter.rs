//! Frontmatter edits: one key at a time, every other line (comments, unknown keys) kept.

use std::ops::Range;

use crate::model::error::Result;
use crate::model::text;
use crate::model::time::{self, Stamp};

use super::{SessionFile, Status};

impl SessionFile {
    /// Set one top-level frontmatter key to a one-line YAML value, keeping every other line.
    pub fn set_field(&self, key: &str, yaml_value: &str) -> Result<Self> {
        let fm = &self.text[self.fm.clone()];
        let mut offset = 0;
        let mut found: Option<Range<usize>> = None;
        let lines: Vec<&str> = fm.split_inclusive('\n').collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let start = offset;
            offset += line.len();
            i += 1;
            if found.is_none() && line.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
                let mut end = offset;
                while i < lines.len()
                    && (lines[i].starts_with([' ', '\t', '-']) || lines[i].trim().is_empty())
                {
                    if lines[i].trim().is_empty()
                        && !lines[i + 1..]
                            .first()
                            .is_some_and(|l| l.starts_with([' ', '\t']))
                    {
                        break;
                    }
                    end += lines[i].len();
                    offset += lines[i].len();
                    i += 1;
                }
                found = Some(start..end);
            }
        }
        let new_line = format!("{key}: {yaml_value}\n");
        match found {
            Some(r) => self.splice(self.fm.start + r.start..self.fm.start + r.end, &new_line),
            None => {
                let mut ins = String::new();
                if !fm.is_empty() && !fm.ends_with('\n') {
                    ins.push('\n');
                }
                ins.push_str(&new_line);
                self.splice(self.fm.end..self.fm.end, &ins)
            }
        }
    }

    /// Set `updated_at`.
    pub fn touch(&self, now: Stamp) -> Result<Self> {
        self.set_field("updated_at", &time::rfc3339(now))
    }

    /// Change `status`, recording when (`status_changed_at`), so merges can tell the later change.
    pub fn set_status(&self, status: Status, now: Stamp) -> Result<Self> {
        self.set_field("status", status.as_str())?
            .set_field("status_changed_at", &time::rfc3339(now))
    }

    /// Add a Claude Code session id to the frontmatter list `claude_session_ids`, once.
    pub fn record_claude_session(&self, cid: &str) -> Result<Self> {
        self.record_agent_session(crate::agent::Agent::Claude, cid)
    }

    /// Add an agent's own session id to its frontmatter list (`claude_session_ids`,
    /// `codex_session_ids`, …), once, after the ones already there.
    ///
    /// A value that is not a list of strings is replaced by a list holding `id`.
    pub fn record_agent_session(&self, agent: crate::agent::Agent, id: &str) -> Result<Self> {
        let key = agent.session_ids_key();
        let mut ids: Vec<String> = match self.meta.extra.get(&key) {
            Some(serde_yaml::Value::Sequence(seq)) => seq
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        if ids.iter().any(|i| i == id) {
            return Ok(self.clone());
        }
        ids.push(id.to_string());
        let list = ids
            .iter()
            .map(|i| text::yaml_str(i))
            .collect::<Vec<_>>()
            .join(", ");
        self.set_field(&key, &format!("[{list}]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::template::sample::new_file;

    #[test]
    fn frontmatter_edit_keeps_unknown_keys_and_comments() {
        let f = new_file(&[]);
        let t = f.text().replacen(
            "compaction_count: 0\n",
            "compaction_count: 0\n# mine\ncustom:\n  - a\n",
            1,
        );
        let f = SessionFile::parse("t.md", t).unwrap();
        let g = f
            .set_field("compaction_count", "3")
            .unwrap()
            .set_field("task_ids", "[a, b]")
            .unwrap();
        assert_eq!(g.meta.compaction_count, 3);
        assert_eq!(g.meta.task_ids, vec!["a", "b"]);
        assert!(g.text().contains("# mine\ncustom:\n  - a\n"));
        assert!(g.meta.extra.contains_key("custom"));
    }

    #[test]
    fn a_claude_session_id_is_recorded_once_after_the_ones_already_there() {
        let f = new_file(&[]);
        let g = f.record_claude_session("abc").unwrap();
        assert!(
            g.text().contains("\nclaude_session_ids: [abc]\n"),
            "{}",
            g.text()
        );
        let h = g.record_claude_session("def").unwrap();
        assert!(h.text().contains("\nclaude_session_ids: [abc, def]\n"));
        assert_eq!(h.record_claude_session("abc").unwrap().text(), h.text());
        assert_eq!(h.body(), f.body());
    }

    #[test]
    fn a_claude_session_id_replaces_a_value_that_is_not_a_list() {
        let f = new_file(&[])
            .set_field("claude_session_ids", "oops")
            .unwrap();
        let g = f.record_claude_session("abc").unwrap();
        assert!(
            g.text().contains("\nclaude_session_ids: [abc]\n"),
            "{}",
            g.text()
        );
        assert_eq!(g.text().matches("claude_session_ids").count(), 1);
    }
}
