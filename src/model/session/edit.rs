//! Section edits: each returns a new file and leaves every byte outside its span alone.

use crate::model::error::{ModelError, Result};
use crate::model::text;
use crate::model::time::{self, Stamp};

use super::doc::{key_file, unescape_item};
use super::{Item, Sec, SessionFile};

impl SessionFile {
    /// Append a list item (`line` holds marker and text, no trailing newline), recreating the
    /// section when it is missing and replacing a placeholder such as `- None currently`.
    pub fn append_item(&self, sec: Sec, line: &str) -> Result<Self> {
        let file = self.ensure(sec)?;
        if let Some(last) = file.items(sec).last() {
            let mut ins = String::new();
            if !file.text[..last.range.end].ends_with('\n') {
                ins.push('\n');
            }
            ins.push_str(line);
            ins.push('\n');
            return file.splice(last.range.end..last.range.end, &ins);
        }
        if let Some(p) = file.placeholders(sec).first() {
            let nl = if file.text[..p.end].ends_with('\n') {
                "\n"
            } else {
                ""
            };
            return file.splice(p.clone(), &format!("{line}{nl}"));
        }
        file.splice_block(file.content_end(file.own_range(sec)), &format!("{line}\n"))
    }

    /// Append a block (a decision) at the end of a section, after its nested headings.
    pub fn append_block(&self, sec: Sec, block: &str) -> Result<Self> {
        let file = self.ensure(sec)?;
        file.splice_block(file.content_end(file.body_of(sec)), block)
    }

    /// Replace a section's body.
    pub fn replace_body(&self, sec: Sec, body: &str) -> Result<Self> {
        let file = self.ensure(sec)?;
        file.splice(file.body_of(sec), body)
    }

    /// Remove an item and number the section's numbered items 1, 2, 3… again.
    pub(crate) fn remove_and_renumber(
        &self,
        sec: Sec,
        range: std::ops::Range<usize>,
    ) -> Result<Self> {
        let mut file = self.remove_item(range)?;
        for (k, it) in file.items(sec).iter().enumerate().rev() {
            let want = k as u32 + 1;
            if it.number.is_some_and(|n| n != want) {
                let raw = &file.text[it.range.clone()];
                let lead = raw.len() - raw.trim_start().len();
                let digits = raw[lead..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                let at = it.range.start + lead;
                file = file.splice(at..at + digits, &want.to_string())?;
            }
        }
        Ok(file)
    }

    // ---- the operations of `log` and friends ----

    /// The current step: the `<- CURRENT` item of In Progress, else its first open step.
    pub fn current_step(&self) -> Option<Item> {
        let items = self.items(Sec::InProgress);
        items
            .iter()
            .find(|i| i.current)
            .or_else(|| items.iter().find(|i| i.checked == Some(false)))
            .cloned()
    }

    /// Add a step: it becomes current when nothing is in progress, else it is Remaining.
    pub fn add_step(&self, step: &str) -> Result<Self> {
        let t = text::list_item(step, 6);
        if self.current_step().is_none() {
            self.append_item(Sec::InProgress, &format!("- [ ] {t} <- CURRENT"))
        } else {
            self.append_item(Sec::Remaining, &format!("- [ ] {t}"))
        }
    }

    /// Mark a step done (adding it when absent), move `<- CURRENT` on, drop it from Next Steps.
    pub fn complete_step(&self, step: &str, now: Stamp) -> Result<Self> {
        let key = normalise(step);
        let mut file = self.clone();
        let open = |f: &SessionFile| {
            [Sec::InProgress, Sec::Remaining]
                .into_iter()
                .flat_map(|s| f.items(s))
                .find(|i| i.checked == Some(false) && normalise(&unescape_item(&i.head)) == key)
        };
        match open(&file) {
            Some(item) => {
                let was_current = file.current_step().is_some_and(|c| c.range == item.range);
                let raw = file.text[item.range.clone()].to_string();
                file = file.remove_item(item.range.clone())?;
                let rest = raw.split_once('\n').map(|(_, r)| r).unwrap_or_default();
                let done = format!("- [x] {} ({})", item.head, time::seed(now));
                let block = format!("{done}\n{rest}");
                file = file.append_item(Sec::Completed, block.trim_end_matches('\n'))?;
                if was_current && file.current_step().is_none() {
                    file = file.promote_next_step()?;
                }
            }
            None => {
                let already = file
                    .items(Sec::Completed)
                    .iter()
                    .any(|i| normalise(&unescape_item(&i.head)) == key);
                if !already {
                    let t = text::list_item(step, 6);
                    file = file
                        .append_item(Sec::Completed, &format!("- [x] {t} ({})", time::seed(now)))?;
                }
            }
        }
        if let Some(next) = file
            .items(Sec::NextSteps)
            .into_iter()
            .find(|i| normalise(&i.text()) == key)
        {
            file = file.remove_and_renumber(Sec::NextSteps, next.range)?;
        }
        Ok(file)
    }

    /// Replace a section's own body (up to its first nested heading).
    pub fn replace_own(&self, sec: Sec, body: &str) -> Result<Self> {
        let file = self.ensure(sec)?;
        file.splice(file.own_range(sec), body)
    }

    /// Replace the objective with markdown that is already escaped, in the form the file has:
    /// after `**Objective**:` on its line, or as the body of an `### Objective` section.
    pub fn set_objective_raw(&self, md: &str) -> Result<Self> {
        let file = self.ensure(Sec::Objective)?;
        let r = file.region(Sec::Objective).expect("ensured").clone();
        let own = file.own_range(Sec::Objective);
        let tail = if own.end < file.text.len() { "\n" } else { "" };
        match r.inline {
            Some(i) => file.splice(i..own.end, &format!(" {}\n{tail}", md.trim())),
            None => file.splice(own, &format!("{}\n{tail}", md.trim())),
        }
    }

    /// Move the first remaining step to In Progress as current.
    pub(crate) fn promote_next_step(&self) -> Result<Self> {
        let Some(item) = self
            .items(Sec::Remaining)
            .into_iter()
            .find(|i| i.checked == Some(false))
        else {
            return Ok(self.clone());
        };
        let raw = self.text[item.range.clone()].to_string();
        let file = self.remove_item(item.range.clone())?;
        let (first, rest) = raw.split_once('\n').unwrap_or((&raw, ""));
        let block = format!("{} <- CURRENT\n{rest}", first.trim_end());
        file.append_item(Sec::InProgress, block.trim_end_matches('\n'))
    }

    /// A timestamped note under the current step (or loose in In Progress when there is none).
    pub fn add_progress_note(&self, note: &str, now: Stamp) -> Result<Self> {
        match self.current_step() {
            Some(step) => {
                let pad = " ".repeat(step.indent);
                let t = text::list_item(note, step.indent + 2);
                let mut ins = String::new();
                if !self.text[..step.range.end].ends_with('\n') {
                    ins.push('\n');
                }
                ins.push_str(&format!("{pad}- {t} ({})\n", time::seed(now)));
                self.splice(step.range.end..step.range.end, &ins)
            }
            None => {
                let t = text::list_item(note, 2);
                self.append_item(Sec::InProgress, &format!("- {t} ({})", time::seed(now)))
            }
        }
    }

    /// Add an item to Next Steps: numbered like the seed, unless the list there has bullets.
    pub fn add_next(&self, next: &str) -> Result<Self> {
        let items = self.items(Sec::NextSteps);
        if items.last().is_some_and(|i| i.number.is_none()) {
            return self.append_item(Sec::NextSteps, &format!("- {}", text::list_item(next, 2)));
        }
        let n = self.next_number(Sec::NextSteps);
        let marker = format!("{n}. ");
        let t = text::list_item(next, marker.len());
        self.append_item(Sec::NextSteps, &format!("{marker}{t}"))
    }

    /// Add a numbered decision with its context, options, choice and rationale.
    pub fn add_decision(&self, d: &NewDecision, now: Stamp) -> Result<Self> {
        let n = self
            .decision_headings()
            .iter()
            .filter_map(|(n, _)| *n)
            .max()
            .unwrap_or(0)
            + 1;
        // The seed's shape: `### N. Title (time)`, then one `**Label**: value` line each.
        let mut block = format!(
            "### {n}. {} ({})\n",
            text::heading(&d.title),
            time::seed(now)
        );
        let field = |label: &str, v: &str| format!("**{label}**: {}\n", text::paragraphs(v));
        if let Some(c) = &d.context {
            block.push_str(&field("Context", c));
        }
        if let Some(o) = &d.options {
            block.push_str(&field("Options", o));
        }
        block.push_str(&field("Choice", &d.title));
        block.push_str(&field("Rationale", &d.rationale));
        self.append_block(Sec::Decisions, &block)
    }

    /// One more than the highest number in the section, an unnumbered item counting as its
    /// place in the list (so a new item never takes a number a hand-written bullet goes by).
    pub(super) fn next_number(&self, sec: Sec) -> u32 {
        self.items(sec)
            .iter()
            .enumerate()
            .map(|(k, i)| i.number.unwrap_or(k as u32 + 1))
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Add a numbered discovery: `N. **Title** (time): text` when it reads `Title: text`,
    /// as the seed writes them, else `N. text (time)`.
    pub fn add_discovery(&self, d: &str, now: Stamp) -> Result<Self> {
        let n = self.next_number(Sec::Discoveries);
        let indent = format!("{n}. ").len();
        let clean = text::clean(d);
        let titled = clean.split_once(": ").filter(|(title, body)| {
            !title.is_empty()
                && title.chars().count() <= 80
                && title.trim() == *title
                && !title.contains(['*', '`', '[', '\\', '\n', '_', '<', '('])
                && !body.trim().is_empty()
        });
        let line = match titled {
            Some((title, body)) => format!(
                "{n}. **{title}** ({}): {}",
                time::seed(now),
                text::list_item(body, indent)
            ),
            None => format!("{n}. {} ({})", text::list_item(d, indent), time::seed(now)),
        };
        self.append_item(Sec::Discoveries, &line)
    }

    /// Add a dead end to Tried and Failed (made after Discoveries when missing):
    /// `- **What** (time): why` with a reason, else `- What (time)`.
    pub fn add_dead_end(&self, what: &str, why: Option<&str>, now: Stamp) -> Result<Self> {
        let line = match why.map(text::clean).filter(|w| !w.is_empty()) {
            Some(w) => format!(
                "- **{}** ({}): {}",
                text::one_line(what).replace("**", ""),
                time::seed(now),
                text::list_item(&w, 2)
            ),
            None => format!("- {} ({})", text::list_item(what, 2), time::seed(now)),
        };
        self.append_item(Sec::DeadEnds, &line)
    }

    /// Add an open, numbered blocker; the TL;DR Blocker line follows.
    pub fn add_blocker(&self, b: &str, now: Stamp) -> Result<Self> {
        let n = self.next_number(Sec::Blockers);
        let indent = format!("{n}. ").len();
        let line = format!(
            "{n}. [ ] {} ({})",
            text::list_item(b, indent),
            time::seed(now)
        );
        self.append_item(Sec::Blockers, &line)?
            .refresh_blocker_line()
    }

    /// Resolve blocker `n`; the TL;DR Blocker line follows.
    pub fn resolve_blocker(&self, n: u32, now: Stamp) -> Result<Self> {
        let items = self.items(Sec::Blockers);
        // A blocker's number is the one written before it, else its place in the list (a
        // hand-written `- Waiting on API docs`); it is open until checked or marked resolved.
        let numbered: Vec<(u32, &Item)> = items
            .iter()
            .enumerate()
            .map(|(k, i)| (i.number.unwrap_or(k as u32 + 1), i))
            .filter(|(_, i)| i.checked != Some(true) && i.resolved_at.is_none())
            .collect();
        let Some(item) = numbered.iter().find(|(m, _)| *m == n).map(|(_, i)| *i) else {
            let open: Vec<String> = numbered.iter().map(|(n, _)| n.to_string()).collect();
            let open = if open.is_empty() {
                "none".to_string()
            } else {
                open.join(", ")
            };
            return Err(ModelError::NoOpenBlocker {
                number: n,
                session: self.meta.shortname.clone(),
                open,
            });
        };
        let raw = &self.text[item.range.clone()];
        let first_end = raw.find('\n').unwrap_or(raw.len());
        let line = &raw[..first_end];
        let first = if line.contains("[ ]") {
            line.replacen("[ ]", "[x]", 1)
        } else {
            // A bullet without a checkbox gets one after its marker.
            let marker =
                line.len() - line.trim_start().len() + item.indent.min(line.trim_start().len());
            let marker = marker.min(line.len());
            format!("{}[x] {}", &line[..marker], &line[marker..])
        };
        let new = format!(
            "{} (resolved {}){}",
            first.trim_end(),
            time::seed(now),
            &raw[first_end..]
        );
        self.splice(item.range.clone(), &new)?
            .refresh_blocker_line()
    }

    /// Add to Key Context.
    pub fn add_context(&self, c: &str) -> Result<Self> {
        self.append_item(Sec::KeyContext, &format!("- {}", text::list_item(c, 2)))
    }

    /// Add to Key Files (or update the reason of a file already listed).
    pub fn add_file(&self, path: &str, why: Option<&str>) -> Result<Self> {
        let span = text::code_span(path);
        let line = match why {
            Some(w) => format!("- {span} - {}", text::list_item(w, 2)),
            None => format!("- {span}"),
        };
        if let Some(existing) = self
            .items(Sec::KeyFiles)
            .into_iter()
            .find(|i| key_file(&i.head).0 == text::one_line(path))
        {
            let end = existing.range.end;
            let with_nl = if self.text[..end].ends_with('\n') {
                format!("{line}\n")
            } else {
                line
            };
            return self.splice(existing.range, &with_nl);
        }
        self.append_item(Sec::KeyFiles, &line)
    }

    /// Replace the TL;DR paragraph, keeping the status lines.
    pub fn set_summary(&self, summary: &str) -> Result<Self> {
        self.set_summary_raw(&text::paragraphs(summary))
    }

    /// What every checkpoint does to a session file once HEAD is known: the branch and
    /// commit (rewritten only when they differ), fresh TL;DR status lines, the summary when
    /// given, and `updated_at`.
    pub fn checkpoint(
        &self,
        branch: Option<&str>,
        commit: Option<&str>,
        summary: Option<&str>,
        now: Stamp,
    ) -> Result<Self> {
        let yaml = |v: Option<&str>| v.map(text::yaml_str).unwrap_or_else(|| "null".into());
        let mut file = self.clone();
        if file.meta.git_branch.as_deref() != branch {
            file = file.set_field("git_branch", &yaml(branch))?;
        }
        if file.meta.git_last_commit.as_deref() != commit {
            file = file.set_field("git_last_commit", &yaml(commit))?;
        }
        if let Some(s) = summary {
            file = file.set_summary(s)?;
        }
        file.refresh_status_lines()?.touch(now)
    }
}

fn normalise(s: &str) -> String {
    text::one_line(s).to_lowercase()
}

/// The fields of a new decision.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub title: String,
    pub rationale: String,
    pub options: Option<String>,
    pub context: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::template::sample::new_file;

    #[test]
    fn steps_move_through_progress() {
        let now = time::now();
        let f = new_file(&["Reproduce", "Fix", "Add test"]);
        assert_eq!(f.view().current.as_deref(), Some("Reproduce"));
        let f = f
            .add_progress_note("reproduced with -count=50", now)
            .unwrap();
        assert!(
            f.text()
                .contains("<- CURRENT\n  - reproduced with -count=50 ("),
            "{}",
            f.text()
        );
        let f = f.complete_step("reproduce", now).unwrap();
        let v = f.view();
        assert_eq!(v.current.as_deref(), Some("Fix"));
        assert_eq!(v.progress.completed[0].text, "Reproduce");
        assert_eq!(
            v.progress.completed[0].notes,
            vec!["reproduced with -count=50"]
        );
        assert_eq!(v.step_counts(), (1, 3));
        let f = f
            .add_step("Ship")
            .unwrap()
            .complete_step("Unplanned", now)
            .unwrap();
        assert_eq!(f.view().step_counts(), (2, 5));
    }

    #[test]
    fn edits_leave_other_bytes_alone() {
        let now = time::now();
        let f = new_file(&["A"]);
        let hand = f.text().replace(
            "## Blockers\n",
            "## Blockers\n\nhand-written note\n\n## My Notes\n\nkeep *this*  \n",
        );
        let f = SessionFile::parse("t.md", hand).unwrap();
        let before = f.text().to_string();
        let g = f.add_discovery("found it", now).unwrap();
        let (a, b) = (
            before.find("## Discoveries").unwrap(),
            before.find("## Blockers").unwrap(),
        );
        assert_eq!(&g.text()[..a], &before[..a]);
        assert!(g.text().ends_with(&before[b..]));
        let g = g
            .add_blocker("CI flaky", now)
            .unwrap()
            .resolve_blocker(1, now)
            .unwrap();
        assert!(g.text().contains("## My Notes\n\nkeep *this*  \n"));
        assert!(g.text().contains("hand-written note"));
        assert!(g.view().blockers[0].resolved);
    }

    #[test]
    fn hostile_text_does_not_create_sections() {
        let now = time::now();
        let f = new_file(&[]);
        let g = f
            .add_progress_note("x\n## Decisions\n### 9. fake\n---\n<- CURRENT", now)
            .unwrap()
            .add_discovery("## Discoveries\n1. fake", now)
            .unwrap()
            .set_summary("## Next Steps\n- nope")
            .unwrap()
            .add_decision(
                &NewDecision {
                    title: "T ##".into(),
                    rationale: "r\n## Blockers".into(),
                    options: None,
                    context: None,
                },
                now,
            )
            .unwrap();
        let v = g.view();
        assert_eq!(v.decisions.len(), 1);
        assert_eq!(v.discoveries.len(), 1);
        assert!(v.next_steps.is_empty());
        assert_eq!(v.tldr, "## Next Steps\n- nope");
        assert_eq!(v.decisions[0].rationale.as_deref(), Some("r\n## Blockers"));
    }

    #[test]
    fn decisions_are_appended_in_order() {
        let now = time::now();
        let d = |t: &str| NewDecision {
            title: t.into(),
            rationale: "r".into(),
            options: None,
            context: None,
        };
        let f = new_file(&[])
            .add_decision(&d("one"), now)
            .unwrap()
            .add_decision(&d("two"), now)
            .unwrap()
            .add_decision(&d("three"), now)
            .unwrap();
        let titles: Vec<(Option<u32>, String)> = f
            .view()
            .decisions
            .into_iter()
            .map(|d| (d.number, d.title))
            .collect();
        assert_eq!(
            titles,
            [
                (Some(1), "one".to_string()),
                (Some(2), "two".into()),
                (Some(3), "three".into())
            ]
        );
        assert!(
            f.text().contains("## Decisions\n### 1. one"),
            "{}",
            f.text()
        );
    }

    #[test]
    fn a_checkpoint_records_head_status_lines_summary_and_time() {
        let now = time::parse_rfc3339("2025-01-15T12:00:00.000Z").unwrap();
        let f = new_file(&["Reproduce", "Fix"])
            .complete_step("Reproduce", now)
            .unwrap();
        let g = f
            .checkpoint(Some("feature"), Some("abc123"), Some("Half way"), now)
            .unwrap();
        assert_eq!(g.meta.git_branch.as_deref(), Some("feature"));
        assert_eq!(g.meta.git_last_commit.as_deref(), Some("abc123"));
        assert_eq!(g.meta.updated_at, "2025-01-15T12:00:00.000Z");
        assert_eq!(g.view().tldr, "Half way");
        assert!(
            g.text().contains(
                "Half way\n\n**Progress**: 1/2 steps complete\n**Current**: Fix (step 2)\n**Blocker**: None\n"
            ),
            "{}",
            g.text()
        );
        // Without a summary the TL;DR paragraph stays; a detached HEAD writes null.
        let h = g.checkpoint(None, None, None, now).unwrap();
        assert_eq!(h.view().tldr, "Half way");
        assert!(
            h.text()
                .contains("\ngit_branch: null\ngit_last_commit: null\n")
        );
    }

    #[test]
    fn a_checkpoint_leaves_an_unchanged_branch_line_as_written() {
        let now = time::parse_rfc3339("2025-01-15T12:00:00.000Z").unwrap();
        let f = new_file(&[]);
        let hand = f
            .text()
            .replace("git_branch: main\n", "git_branch: 'main' # mine\n");
        let f = SessionFile::parse("t.md", hand).unwrap();
        let g = f.checkpoint(Some("main"), None, None, now).unwrap();
        assert!(
            g.text().contains("git_branch: 'main' # mine\n"),
            "{}",
            g.text()
        );
    }
}
