//! The TL;DR: one paragraph, then the seed's status lines `**Progress**: N/M steps complete`,
//! `**Current**: <step> (step k)`, `**Blocker**: None|<text>`. The older `- **Status:**` bullets
//! are read too, and replaced by the seed's lines when the tool rewrites the TL;DR.

use std::ops::Range;

use crate::model::error::Result;
use crate::model::text;

use super::doc::is_status_item;
use super::layout::{is_status_label, label_of};
use super::{Sec, SessionFile};

impl SessionFile {
    /// The status lines in the TL;DR: `(label, range)`, seed lines and older bullets alike.
    pub(super) fn status_lines(&self) -> Vec<(String, Range<usize>, bool)> {
        let own = self.own_range(Sec::Tldr);
        let mut out: Vec<(String, Range<usize>, bool)> = self
            .paragraph_lines
            .iter()
            .filter(|l| l.start >= own.start && l.start < own.end)
            .filter_map(|l| {
                let line = self.text[l.clone()].trim_end_matches(['\n', '\r']);
                let (label, _) = label_of(line, false)?;
                is_status_label(&label).then(|| (label.to_lowercase(), l.clone(), true))
            })
            .collect();
        for it in self.items_in(own).into_iter().filter(is_status_item) {
            let label = it.head[2..].split(':').next().unwrap_or("").to_lowercase();
            out.push((label, it.range, false));
        }
        out.sort_by_key(|(_, r, _)| r.start);
        out
    }

    /// The TL;DR paragraph's markdown, without the status lines.
    pub fn tldr_markdown(&self) -> String {
        let own = self.own_range(Sec::Tldr);
        let mut out = String::new();
        let mut pos = own.start;
        for (_, r, _) in self.status_lines() {
            out.push_str(&self.text[pos..r.start]);
            pos = r.end;
        }
        out.push_str(&self.text[pos..own.end]);
        out.trim().to_string()
    }

    /// The seed's three status lines for the file as it is now.
    pub fn status_block(&self) -> String {
        let v = self.view();
        let (done, total) = v.step_counts();
        let current = match &v.current {
            Some(c) => format!("{} (step {})", text::one_line(c), done + 1),
            None => "None".into(),
        };
        format!(
            "**Progress**: {done}/{total} steps complete\n**Current**: {current}\n**Blocker**: {}",
            self.blocker_value()
        )
    }

    fn blocker_value(&self) -> String {
        let open: Vec<String> = self
            .view()
            .blockers
            .into_iter()
            .filter(|b| !b.resolved)
            .map(|b| text::one_line(&b.text))
            .collect();
        if open.is_empty() {
            "None".into()
        } else {
            open.join("; ")
        }
    }

    /// Rewrite the TL;DR as the seed writes it: `md` (markdown, already escaped), a blank
    /// line, the status lines. Whatever else the TL;DR holds after its own text stays.
    pub fn set_summary_raw(&self, md: &str) -> Result<Self> {
        let file = self.ensure(Sec::Tldr)?;
        let own = file.own_range(Sec::Tldr);
        let mut body = String::new();
        if !md.trim().is_empty() {
            body.push_str(md.trim());
            body.push_str("\n\n");
        }
        body.push_str(&file.status_block());
        body.push('\n');
        if own.end < file.text.len() {
            body.push('\n');
        }
        if file.text[own.clone()] == body {
            return Ok(file);
        }
        file.splice(own, &body)
    }

    /// Regenerate the TL;DR status lines from the file's own state (the seed's form).
    pub fn refresh_status_lines(&self) -> Result<Self> {
        self.set_summary_raw(&self.tldr_markdown())
    }

    /// After a blocker changes: the `Blocker` line follows, in the form the file has.
    pub(super) fn refresh_blocker_line(&self) -> Result<Self> {
        let lines = self.status_lines();
        let Some((_, range, seed)) = lines.iter().find(|(l, _, _)| l.starts_with("blocker")) else {
            return self.refresh_status_lines();
        };
        let value = self.blocker_value();
        let line = if *seed {
            format!("**Blocker**: {}", text::one_line(&value))
        } else {
            format!("- **Blocker:** {}", text::list_item(&value, 2))
        };
        let nl = if self.text[..range.end].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        self.splice(range.clone(), &format!("{line}{nl}"))
    }
}
