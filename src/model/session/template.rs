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

/// The text of a new session file.
pub fn render_new(s: &NewSession) -> String {
    let now = time::rfc3339(s.now);
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(text::yaml_str)
            .unwrap_or_else(|| "null".into())
    };
    let tasks = s
        .task_ids
        .iter()
        .map(|t| text::yaml_str(t))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = format!(
        "---\nid: {}\nshortname: {}\ntitle: {}\nstatus: active\ntask_ids: [{tasks}]\ncreated_at: {now}\nupdated_at: {now}\ncompaction_count: 0\ngit_branch: {}\ngit_last_commit: {}\n---\n\n",
        s.id,
        text::yaml_str(&s.shortname),
        text::yaml_str(&text::one_line(&s.title)),
        opt(&s.git_branch),
        opt(&s.git_last_commit),
    );
    out.push_str(&format!("# Session: {}\n\n", text::heading(&s.title)));
    out.push_str("## TL;DR (Read This First)\n\n");
    let first = s.steps.first().map(|f| text::one_line(f));
    let total = s.steps.len();
    let status = match &first {
        Some(f) => format!("active — step 1 of {total}: {f}"),
        None => "active — no steps yet".into(),
    };
    out.push_str(&format!("- **Status:** {}\n", text::list_item(&status, 2)));
    out.push_str("- **Blocker:** none\n");
    out.push_str(&format!(
        "- **Next:** {}\n\n",
        text::list_item(first.as_deref().unwrap_or("none"), 2)
    ));
    let goal = s.goal.clone().unwrap_or_else(|| s.title.clone());
    out.push_str(&text::paragraphs(&goal));
    out.push_str("\n\n## Context\n\n### Objective\n\n");
    out.push_str(&text::paragraphs(&goal));
    out.push_str("\n\n### Key Files\n\n### Key Context\n\n## Progress\n\n### Completed\n\n### In Progress\n\n");
    for (i, step) in s.steps.iter().enumerate() {
        let t = text::list_item(step, 6);
        if i == 0 {
            out.push_str(&format!("- [ ] {t} <- CURRENT\n\n### Remaining\n\n"));
        } else {
            out.push_str(&format!("- [ ] {t}\n"));
        }
    }
    if s.steps.is_empty() {
        out.push_str("### Remaining\n\n");
    } else if s.steps.len() > 1 {
        out.push('\n');
    }
    out.push_str("## Decisions\n\n## Discoveries\n\n## Blockers\n\n## Next Steps\n");
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
