//! The text of a new session file.

use crate::model::text;
use crate::model::time::{self, Stamp};

/// What a new session starts with.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub shortname: String,
    pub title: String,
    pub goal: Option<String>,
    pub task_ids: Vec<String>,
    pub steps: Vec<String>,
    pub git_branch: Option<String>,
    pub git_last_commit: Option<String>,
    pub now: Stamp,
}

/// The text of a new session file, shaped like the seed's example: no blank line under a
/// heading, `**Label**:` lines in Context, the TL;DR status lines, `- None currently` blockers.
pub fn render_new(s: &NewSession) -> String {
    let now = time::rfc3339(s.now);
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(text::yaml_str)
            .unwrap_or_else(|| "null".into())
    };
    let tasks = if s.task_ids.is_empty() {
        " []\n".to_string()
    } else {
        let mut t = String::from("\n");
        for id in &s.task_ids {
            t.push_str(&format!("  - {}\n", text::yaml_str(id)));
        }
        t
    };
    let mut out = format!(
        "---\nid: {}\nshortname: {}\ntitle: {}\nstatus: active\ntask_ids:{tasks}created_at: {now}\nupdated_at: {now}\ncompaction_count: 0\ngit_branch: {}\ngit_last_commit: {}\n---\n\n",
        s.id,
        text::yaml_str(&s.shortname),
        text::yaml_str(&text::one_line(&s.title)),
        opt(&s.git_branch),
        opt(&s.git_last_commit),
    );
    let goal = text::paragraphs(s.goal.as_deref().unwrap_or(&s.title));
    let total = s.steps.len();
    let current = match s.steps.first() {
        Some(f) => format!("{} (step 1)", text::one_line(f)),
        None => "None".into(),
    };
    out.push_str(&format!("# Session: {}\n\n", text::heading(&s.title)));
    out.push_str(&format!(
        "## TL;DR (Read This First)\n{goal}\n\n**Progress**: 0/{total} steps complete\n**Current**: {current}\n**Blocker**: None\n\n"
    ));
    out.push_str(&format!(
        "## Context\n**Objective**: {goal}\n\n**Key Files**:\n\n**Key Context** (survives compaction):\n\n"
    ));
    out.push_str("## Progress\n### Completed\n\n### In Progress\n");
    if let Some(first) = s.steps.first() {
        out.push_str(&format!("- [ ] {} <- CURRENT\n", text::list_item(first, 6)));
    }
    out.push_str("\n### Remaining\n");
    for step in s.steps.iter().skip(1) {
        out.push_str(&format!("- [ ] {}\n", text::list_item(step, 6)));
    }
    out.push_str(
        "\n## Decisions\n\n## Discoveries\n\n## Blockers\n- None currently\n\n## Next Steps\n",
    );
    out
}

/// A small rendered session, for the model's unit tests.
#[cfg(test)]
pub(in crate::model) mod sample {
    use super::*;
    use crate::model::session::SessionFile;

    /// A new session with `steps`, parsed.
    pub(in crate::model) fn new_file(steps: &[&str]) -> SessionFile {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "fix-sweep".into(),
            title: "Fix the race".into(),
            goal: Some("Fix the race in the sweeper".into()),
            task_ids: vec![],
            steps: steps.iter().map(|s| s.to_string()).collect(),
            git_branch: Some("main".into()),
            git_last_commit: None,
            now: time::now(),
        };
        SessionFile::parse("t.md", render_new(&s)).unwrap()
    }
}
