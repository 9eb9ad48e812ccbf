//! A section a command needs but the file lacks is recreated in its canonical place, and said.

use crate::model::error::Result;

use super::{Sec, SessionFile};

/// The top-level sections in the order the seed writes them.
const TOP: [Sec; 8] = [
    Sec::Tldr,
    Sec::Context,
    Sec::Progress,
    Sec::Decisions,
    Sec::Discoveries,
    Sec::DeadEnds,
    Sec::Blockers,
    Sec::NextSteps,
];

/// The order of one section's siblings.
fn siblings(sec: Sec) -> Vec<Sec> {
    match sec.parent() {
        Some(p) => Sec::ALL
            .into_iter()
            .filter(|s| s.parent() == Some(p))
            .collect(),
        None => TOP.to_vec(),
    }
}

impl SessionFile {
    /// Where a missing section goes: after the nearest earlier sibling that is there, else
    /// before the nearest later one, else at the end of its parent (or of the file).
    pub(super) fn insertion_point(&self, sec: Sec) -> usize {
        let order = siblings(sec);
        let at = order.iter().position(|&s| s == sec).expect("listed");
        if let Some(r) = order[..at].iter().rev().find_map(|&s| self.region(s)) {
            return r.end;
        }
        if let Some(r) = order[at + 1..].iter().find_map(|&s| self.region(s)) {
            return r.start;
        }
        match sec.parent() {
            Some(p) => self.body_of(p).end,
            None => self.text.len(),
        }
    }

    /// The file with `sec` present: as it is when the section is there, else with the section's
    /// heading (or, in a Context written with labels, its label) recreated, and recorded so
    /// that [`SessionFile::warnings`] says so.
    pub(crate) fn ensure(&self, sec: Sec) -> Result<Self> {
        if self.has(sec) {
            return Ok(self.clone());
        }
        let file = match sec.parent() {
            Some(p) => self.ensure(p)?,
            None => self.clone(),
        };
        // Context's parts as labels, like the seed, unless the file gives them headings.
        let labelled = sec.parent() == Some(Sec::Context)
            && !file
                .regions
                .iter()
                .any(|r| r.sec.parent() == Some(Sec::Context) && r.heading.is_some());
        let head = if labelled {
            sec.seed_heading()
        } else {
            sec.heading()
        };
        let pos = file.insertion_point(sec);
        let (before, after) = (&file.text[..pos], &file.text[pos..]);
        let mut block = String::new();
        if !before.is_empty() && !before.ends_with('\n') {
            block.push('\n');
        }
        let last_line = before
            .trim_end_matches('\n')
            .rsplit('\n')
            .next()
            .unwrap_or("");
        let after_heading = last_line.starts_with('#') && before.ends_with('\n');
        if !before.is_empty() && !before.ends_with("\n\n") && !after_heading {
            block.push('\n');
        }
        block.push_str(&head);
        block.push('\n');
        if !after.is_empty() {
            block.push('\n');
        }
        let mut f = file.splice(pos..pos, &block)?;
        // Tried and Failed is newer than the seed's format: its absence is no damage to report.
        if sec != Sec::DeadEnds {
            f.recreated.push(head);
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::session::template::sample::new_file;
    use crate::model::session::{Sec, SessionFile};
    use crate::model::time;

    fn without(f: &SessionFile, secs: &[Sec]) -> SessionFile {
        let mut t = f.text().to_string();
        for &s in secs {
            let md = f.section_markdown(s).to_string();
            t = t.replacen(&md, "", 1);
        }
        SessionFile::parse("t.md", t).unwrap()
    }

    #[test]
    fn a_missing_section_is_recreated_in_its_place_and_said_once() {
        let now = time::now();
        let f = without(&new_file(&["A"]), &[Sec::Blockers]);
        assert!(!f.has(Sec::Blockers));
        assert!(f.warnings().is_empty());
        assert!(f.view().blockers.is_empty());
        let g = f.add_blocker("CI down", now).unwrap();
        let (d, b, n) = (
            g.text().find("## Discoveries").unwrap(),
            g.text().find("## Blockers").unwrap(),
            g.text().find("## Next Steps").unwrap(),
        );
        assert!(d < b && b < n, "{}", g.text());
        assert_eq!(g.view().blockers[0].text, "CI down");
        assert_eq!(
            g.warnings(),
            ["t.md: recreated missing section '## Blockers'"]
        );
        // Once there, later edits do not say it again (the list is carried, not grown).
        let h = g.add_blocker("more", now).unwrap();
        assert_eq!(h.warnings().len(), 1);
    }

    #[test]
    fn a_missing_context_part_is_recreated_as_a_seed_label() {
        let f = without(&new_file(&[]), &[Sec::KeyContext]);
        let g = f.add_context("lock order matters").unwrap();
        assert!(
            g.text()
                .contains("**Key Context** (survives compaction):\n- lock order matters\n"),
            "{}",
            g.text()
        );
        assert_eq!(g.view().key_context, ["lock order matters"]);
        let f = without(&new_file(&[]), &[Sec::Context]);
        let g = f.add_file("a.rs", Some("why")).unwrap();
        assert!(g.text().contains("## Context\n"), "{}", g.text());
        assert_eq!(g.view().key_files[0].path, "a.rs");
        assert_eq!(g.recreated(), ["## Context", "**Key Files**:"]);
    }

    #[test]
    fn a_file_without_progress_gets_one_when_a_step_is_added() {
        let f = without(&new_file(&[]), &[Sec::Progress]);
        let g = f.add_step("first").unwrap();
        assert_eq!(g.view().current.as_deref(), Some("first"));
        let p = g.text().find("## Progress").unwrap();
        assert!(p > g.text().find("## Context").unwrap());
        assert!(p < g.text().find("## Decisions").unwrap());
    }
}
