//! Three-way merge of session files: the rules of SPEC §4, section by section.
//!
//! Lists are merged as sets of items (an item removed on one side and untouched on the other
//! stays removed; anything added or changed on either side survives); text sections edited
//! differently on both sides keep both versions, marked; frontmatter merges field by field.
//! Every site asks [`rule::three_way`] which case it is in; only what to do when both sides
//! changed a value differently is decided per site.

mod frontmatter;
mod lists;
pub mod rule;
mod sections;

use crate::model::error::Result;
use crate::model::session::{Sec, SessionFile};

use rule::{Case, Side, three_way};

/// The merged text and the sections that needed both versions kept.
#[derive(Debug, Clone)]
pub struct Merged {
    pub text: String,
    pub conflicts: Vec<String>,
}

/// The marker line placed between two versions of a section edited on both sides.
pub const CONFLICT_MARKER: &str = "> **git-session merge:** this section was edited in two places; the other version follows. Keep what is right, delete the rest.";

/// Merge session file bytes; fails only when `ours` or `theirs` does not parse.
pub fn merge_session_bytes(
    origin: &str,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> Result<Merged> {
    let o = SessionFile::parse_bytes(origin, ours)?;
    let t = SessionFile::parse_bytes(&format!("{origin} (other side)"), theirs)?;
    let b = base.and_then(|b| SessionFile::parse_bytes(origin, b).ok());
    merge_sessions(b.as_ref(), &o, &t)
}

/// Merge two versions of a session file given their common base (if any).
pub fn merge_sessions(b: Option<&SessionFile>, o: &SessionFile, t: &SessionFile) -> Result<Merged> {
    let whole = |side: Side| Merged {
        text: match side {
            Side::Ours => o.text().into(),
            Side::Theirs => t.text().into(),
        },
        conflicts: vec![],
    };
    if let Some(side) = three_way(b.map(SessionFile::text), Some(o.text()), Some(t.text())).clean()
    {
        return Ok(whole(side));
    }
    let mut conflicts = Vec::new();
    let mut r = frontmatter::merge_frontmatter(b, o, t)?;

    // Text sections.
    let tldr = |f: &SessionFile| f.tldr_markdown();
    let tb = b.map(tldr);
    if let Some(text) = merge_text(tb.as_deref(), &tldr(o), &tldr(t)) {
        if text.1 {
            conflicts.push(Sec::Tldr.title().to_string());
        }
        r = r.set_summary_raw(&text.0)?;
    }
    let obj = |f: &SessionFile| f.objective_markdown();
    if let Some((merged, conflict)) = merge_text(b.map(obj).as_deref(), &obj(o), &obj(t)) {
        if conflict {
            conflicts.push(Sec::Objective.title().to_string());
        }
        r = r.set_objective_raw(&merged)?;
    }

    // The `# Session:` title line: follows a change on their side only.
    let h1 = |f: &SessionFile| {
        f.body()
            .lines()
            .find(|l| l.starts_with("# "))
            .map(str::to_string)
    };
    let (bh, oh, th) = (b.and_then(h1), h1(o), h1(t));
    if three_way(bh.as_ref(), oh.as_ref(), th.as_ref()) == Case::OnlyTheirsChanged
        && let (Some(oh), Some(th)) = (oh, th)
        && let Some(pos) = r.text().find(&format!("\n{oh}\n"))
    {
        r = r.splice(pos + 1..pos + 1 + oh.len(), &th)?;
    }

    // List sections.
    for sec in [
        Sec::KeyFiles,
        Sec::KeyContext,
        Sec::Completed,
        Sec::InProgress,
        Sec::Remaining,
        Sec::DeadEnds,
        Sec::NextSteps,
    ] {
        r = lists::merge_list(&r, b, o, t, sec, false)?;
    }
    for sec in [Sec::Discoveries, Sec::Blockers] {
        r = lists::merge_list(&r, b, o, t, sec, true)?;
    }
    r = lists::settle_completed_steps(&r)?;
    r = sections::merge_decisions(&r, b, o, t)?;
    r = sections::merge_unknown_sections(&r, b, o, t, &mut conflicts)?;
    Ok(Merged {
        text: r.text().into(),
        conflicts,
    })
}

/// A text section: `Some((text, conflict))` when the result differs from ours. Changed on both
/// sides, the version that contains the other wins; else both are kept around the marker.
fn merge_text(b: Option<&str>, o: &str, t: &str) -> Option<(String, bool)> {
    match three_way(b, Some(o), Some(t)).clean() {
        Some(Side::Ours) => None,
        Some(Side::Theirs) => Some((t.to_string(), false)),
        None if o.contains(t) => None,
        None if t.contains(o) => Some((t.to_string(), false)),
        None => Some((format!("{o}\n\n{CONFLICT_MARKER}\n\n{t}"), true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::{NewDecision, NewSession, render_new};
    use crate::model::time;

    fn base() -> SessionFile {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "m".into(),
            title: "Merge me".into(),
            goal: Some("Goal".into()),
            task_ids: vec!["T-1".into()],
            steps: vec!["one".into(), "two".into(), "three".into()],
            git_branch: Some("main".into()),
            git_last_commit: None,
            now: time::parse_rfc3339("2025-01-15T10:00:00.000Z").unwrap(),
        };
        SessionFile::parse("b.md", render_new(&s)).unwrap()
    }

    fn at(min: u32) -> time::Stamp {
        time::parse_rfc3339(&format!("2025-01-15T11:{min:02}:00.000Z")).unwrap()
    }

    fn merged(b: &SessionFile, o: &SessionFile, t: &SessionFile) -> (SessionFile, Vec<String>) {
        let m = merge_sessions(Some(b), o, t).unwrap();
        (SessionFile::parse("m.md", m.text).unwrap(), m.conflicts)
    }

    #[test]
    fn frontmatter_merges_field_by_field() {
        let b = base()
            .set_field("compaction_count", "2")
            .unwrap()
            .set_field("mine", "x")
            .unwrap();
        let o = b
            .set_field("compaction_count", "3")
            .unwrap()
            .set_field("task_ids", "[T-1, T-2]")
            .unwrap()
            .touch(at(1))
            .unwrap();
        let t = b
            .set_field("compaction_count", "5")
            .unwrap()
            .set_field("task_ids", "[T-1, T-3]")
            .unwrap()
            .set_field("status", "paused")
            .unwrap()
            .set_field("theirs", "y")
            .unwrap()
            .touch(at(2))
            .unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.meta.compaction_count, 2 + 1 + 3);
        assert_eq!(m.meta.task_ids, ["T-1", "T-2", "T-3"]);
        assert_eq!(m.meta.status, crate::model::session::Status::Paused);
        assert_eq!(m.meta.updated_at, "2025-01-15T11:02:00.000Z");
        assert!(m.meta.extra.contains_key("mine") && m.meta.extra.contains_key("theirs"));
    }

    #[test]
    fn status_follows_the_later_status_change_not_the_later_edit() {
        use crate::model::session::Status;
        let b = base();
        // Theirs paused first; ours closed later; theirs then edited the file last.
        let t = b
            .set_status(Status::Paused, at(1))
            .unwrap()
            .add_discovery("late", at(3))
            .unwrap()
            .touch(at(3))
            .unwrap();
        let o = b
            .set_status(Status::Completed, at(2))
            .unwrap()
            .touch(at(2))
            .unwrap();
        for (x, y) in [(&o, &t), (&t, &o)] {
            let (m, _) = merged(&b, x, y);
            assert_eq!(m.meta.status, Status::Completed);
            assert_eq!(m.view().discoveries.len(), 1);
        }
    }

    #[test]
    fn additions_on_both_sides_are_all_kept_and_renumbered() {
        let b = base();
        let o = b
            .add_discovery("ours", at(1))
            .unwrap()
            .add_next("n-ours")
            .unwrap()
            .add_blocker("b-ours", at(1))
            .unwrap();
        let t = b
            .add_discovery("theirs", at(2))
            .unwrap()
            .add_next("n-theirs")
            .unwrap()
            .add_blocker("b-theirs", at(2))
            .unwrap();
        let (m, c) = merged(&b, &o, &t);
        let v = m.view();
        assert!(c.is_empty());
        assert_eq!(
            v.discoveries
                .iter()
                .map(|d| d.text.as_str())
                .collect::<Vec<_>>(),
            ["ours", "theirs"]
        );
        assert_eq!(v.next_steps, ["n-ours", "n-theirs"]);
        assert_eq!(
            v.blockers.iter().map(|b| b.number).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );
    }

    #[test]
    fn a_step_completed_on_one_side_ends_completed_with_the_other_sides_notes() {
        let b = base();
        let o = b.complete_step("one", at(1)).unwrap();
        let t = b.add_progress_note("note from theirs", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        let v = m.view();
        assert_eq!(v.progress.completed.len(), 1);
        assert_eq!(v.progress.completed[0].notes, ["note from theirs"]);
        assert_eq!(v.current.as_deref(), Some("two"));
        assert_eq!(v.step_counts(), (1, 3));
        // And the other way round.
        let (m, _) = merged(&b, &t, &o);
        assert_eq!(m.view().progress.completed[0].notes, ["note from theirs"]);
        assert_eq!(m.view().step_counts(), (1, 3));
    }

    #[test]
    fn notes_added_under_the_same_step_on_both_sides_are_both_kept() {
        let b = base();
        let o = b.add_progress_note("ours", at(1)).unwrap();
        let t = b.add_progress_note("theirs", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.view().progress.in_progress[0].notes, ["ours", "theirs"]);
    }

    #[test]
    fn a_decision_changed_on_one_side_takes_that_change() {
        let d = NewDecision {
            title: "D".into(),
            rationale: "first".into(),
            options: None,
            context: None,
        };
        let b = base().add_decision(&d, at(0)).unwrap();
        let t = SessionFile::parse(
            "t.md",
            b.text()
                .replace("**Rationale**: first", "**Rationale**: corrected"),
        )
        .unwrap();
        let o = b.set_objective_raw("New objective").unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(
            m.view().decisions[0].rationale.as_deref(),
            Some("corrected")
        );
        assert_eq!(m.view().objective, "New objective");
    }

    #[test]
    fn text_between_items_and_new_paragraphs_survive() {
        let b = base().add_next("a").unwrap().add_next("b").unwrap();
        let o = SessionFile::parse(
            "o.md",
            b.text().replace(
                "1. a\n2. b\n",
                "1. a\n\nA paragraph of ours between items.\n\n2. b\n",
            ),
        )
        .unwrap();
        let t = b.add_next("c").unwrap();
        let t = SessionFile::parse(
            "t.md",
            t.text().replace(
                "## Blockers\n",
                "## Blockers\n\nTheirs wrote a note here.\n",
            ),
        )
        .unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert!(
            m.text().contains("A paragraph of ours between items."),
            "{}",
            m.text()
        );
        assert!(
            m.text().contains("Theirs wrote a note here."),
            "{}",
            m.text()
        );
        assert_eq!(m.view().next_steps, ["a", "b", "c"]);
    }

    #[test]
    fn a_tldr_edited_on_both_sides_keeps_both_marked() {
        let b = base();
        let o = b.set_summary("ours says this").unwrap();
        let t = b.set_summary("theirs says that").unwrap();
        let (m, c) = merged(&b, &o, &t);
        assert_eq!(c, [Sec::Tldr.title()]);
        let tldr = m.view().tldr;
        assert!(
            tldr.contains("ours says this")
                && tldr.contains("theirs says that")
                && tldr.contains("git-session merge"),
            "{tldr}"
        );
    }

    #[test]
    fn removed_on_one_side_and_untouched_on_the_other_stays_removed() {
        let b = base().add_next("x").unwrap().add_next("y").unwrap();
        let o = b.complete_step("x", at(1)).unwrap(); // drops "x" from Next Steps
        let t = b.add_discovery("d", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.view().next_steps, ["y"]);
        assert_eq!(m.view().discoveries.len(), 1);
    }

    #[test]
    fn without_a_base_a_step_is_not_duplicated() {
        let b = base();
        let o = b.complete_step("one", at(1)).unwrap();
        let m = merge_sessions(None, &o, &b).unwrap();
        let m = SessionFile::parse("m.md", m.text).unwrap();
        assert_eq!(m.view().step_counts(), (1, 3), "{}", m.text());
    }

    #[test]
    fn the_title_line_follows_a_change_on_one_side() {
        let b = base();
        let t = SessionFile::parse(
            "t.md",
            b.text()
                .replace("# Session: Merge me", "# Session: Renamed"),
        )
        .unwrap();
        let o = b.add_next("n").unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert!(m.text().contains("# Session: Renamed\n"));
    }
}

#[cfg(test)]
mod numbering {
    use super::*;
    use crate::model::session::{NewSession, render_new};
    use crate::model::time;

    #[test]
    fn the_other_sides_renumbering_is_not_an_edit() {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "n".into(),
            title: "N".into(),
            goal: None,
            task_ids: vec![],
            steps: vec![],
            git_branch: None,
            git_last_commit: None,
            now: time::parse_rfc3339("2025-01-15T10:00:00.000Z").unwrap(),
        };
        let at = time::parse_rfc3339("2025-01-15T11:00:00.000Z").unwrap();
        let empty = SessionFile::parse("e.md", render_new(&s)).unwrap();
        let b = empty.add_blocker("bC1", at).unwrap();
        let o = b.add_blocker("bC2", at).unwrap();
        let a = empty.add_blocker("bA1", at).unwrap();
        let t =
            SessionFile::parse("t.md", merge_sessions(Some(&empty), &a, &b).unwrap().text).unwrap();
        let m = SessionFile::parse("m.md", merge_sessions(Some(&b), &o, &t).unwrap().text).unwrap();
        let got: Vec<(Option<u32>, String)> = m
            .view()
            .blockers
            .into_iter()
            .map(|x| (x.number, x.text))
            .collect();
        assert_eq!(
            got,
            [
                (Some(1), "bC1".to_string()),
                (Some(2), "bC2".into()),
                (Some(3), "bA1".into())
            ],
            "{}",
            m.text()
        );
    }
}
