//! The seed's example file, byte for byte, and variants of it written by hand.

use serde_json::json;

use crate::model::session::{NewDecision, Sec, SessionFile};
use crate::model::time;

const SEED: &str = include_str!("../../../tests/data/seed/seed-session-example.md");

fn seed() -> SessionFile {
    SessionFile::parse("fix-sweep-bug-67890abc.md", SEED.to_string()).expect("the seed parses")
}

fn at() -> time::Stamp {
    time::parse_rfc3339("2025-01-15T15:00:00.000Z").unwrap()
}

/// `input` and `output` are equal outside `sec` (its span in each).
fn same_outside(input: &str, out: &SessionFile, sec: Sec) {
    let before = SessionFile::parse("in.md", input.to_string()).unwrap();
    let (a, b) = (
        before.section_span(sec).expect("in input"),
        out.section_span(sec).expect("in output"),
    );
    assert_eq!(&input[..a.start], &out.text()[..b.start], "before {sec:?}");
    assert_eq!(&input[a.end..], &out.text()[b.end..], "after {sec:?}");
}

#[test]
fn the_seeds_example_gives_every_field() {
    let v = serde_json::to_value(seed().view()).unwrap();
    assert_eq!(v["title"], "Fix Sweep Trigger Bug");
    assert_eq!(v["id"], "019abc12-3456-7def-8901-234567890abc");
    assert_eq!(v["compaction_count"], 2);
    assert_eq!(
        v["task_ids"],
        json!(["019def45-6789-7abc-0123-456789abcdef"])
    );
    assert_eq!(
        v["tldr"],
        "Fixing race condition in sweep trigger. Found root cause in sweeper.go:245.\nCurrently implementing mutex fix. Next: complete mutex, add tests."
    );
    assert_eq!(
        v["objective"],
        "Fix race condition causing intermittent sweep failures"
    );
    assert_eq!(
        v["key_files"],
        json!([
            {"path": "sweep/sweeper.go", "why": "Main sweeper logic"},
            {"path": "contractcourt/chain_watcher.go", "why": "Triggers sweeps"}
        ])
    );
    assert_eq!(
        v["key_context"],
        json!([
            "Race condition: state check before lock acquisition",
            "Lock ordering: chain_watcher -> sweeper (not reverse!)",
            "Test command: `go test -v -run TestSweepTrigger ./itest`"
        ])
    );
    let done: Vec<(&str, &str)> = v["progress"]["completed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["text"].as_str().unwrap(), s["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        done,
        [
            ("Reproduce bug in test", "2025-01-15T10:30:00.000Z"),
            ("Identify root cause", "2025-01-15T11:00:00.000Z"),
            ("Draft fix approach", "2025-01-15T12:00:00.000Z"),
        ]
    );
    assert_eq!(v["current"], "Implement fix");
    assert_eq!(v["progress"]["remaining"][0]["text"], "Add regression test");
    assert_eq!(seed().view().step_counts(), (3, 5));
    assert_eq!(
        v["decisions"],
        json!([{
            "number": 1,
            "title": "Lock-first approach",
            "at": "2025-01-15T12:15:00.000Z",
            "context": "Need to fix race without major refactor",
            "options": "(1) Lock before check, (2) Atomic state, (3) Separate mutex",
            "choice": "Lock before check",
            "rationale": "Simplest fix, performance impact minimal"
        }])
    );
    assert_eq!(
        v["discoveries"],
        json!([{
            "title": "Lock ordering",
            "text": "Lock ordering: chain_watcher must acquire\nlock before sweeper to avoid deadlock. Document this!",
            "at": "2025-01-15T13:00:00.000Z"
        }])
    );
    assert_eq!(v["blockers"], json!([]));
    assert_eq!(
        v["next_steps"],
        json!([
            "Complete mutex implementation in sweeper.go",
            "Add regression test",
            "Document lock ordering in CONTRIBUTING.md"
        ])
    );
    assert!(seed().warnings().is_empty());
}

#[test]
fn every_log_kind_on_the_seed_changes_only_its_section() {
    let d = NewDecision {
        title: "Use sync.Mutex".into(),
        rationale: "simpler than channels".into(),
        options: Some("(1) mutex (2) channel".into()),
        context: None,
    };
    let f = seed();
    let cases: Vec<(SessionFile, Sec)> = vec![
        (
            f.add_progress_note("mutex compiles", at()).unwrap(),
            Sec::InProgress,
        ),
        (f.add_decision(&d, at()).unwrap(), Sec::Decisions),
        (
            f.add_discovery("Found lock ordering issue", at()).unwrap(),
            Sec::Discoveries,
        ),
        (f.add_next("Add unit tests").unwrap(), Sec::NextSteps),
        (f.add_step("Write docs").unwrap(), Sec::Remaining),
        (
            f.add_context("sweeper holds the lock").unwrap(),
            Sec::KeyContext,
        ),
        (
            f.add_file("sweep/lock.go", Some("the new mutex")).unwrap(),
            Sec::KeyFiles,
        ),
    ];
    for (g, sec) in &cases {
        same_outside(SEED, g, *sec);
        assert!(g.warnings().is_empty(), "{:?}", g.warnings());
    }
    // The text each added, in the seed's own shapes.
    let t = |i: usize| cases[i].0.text().to_string();
    assert!(t(0).contains("<- CURRENT\n  - mutex compiles (2025-01-15T15:00Z)\n"));
    assert!(t(1).contains(
        "**Rationale**: Simplest fix, performance impact minimal\n\n### 2. Use sync.Mutex (2025-01-15T15:00Z)\n**Options**: (1) mutex (2) channel\n**Choice**: Use sync.Mutex\n**Rationale**: simpler than channels\n\n## Discoveries"
    ), "{}", t(1));
    assert!(t(2).contains("Document this!\n2. Found lock ordering issue (2025-01-15T15:00Z)\n"));
    assert!(t(3).contains("3. Document lock ordering in CONTRIBUTING.md\n4. Add unit tests\n"));
    assert!(t(6).contains(
        "- `contractcourt/chain_watcher.go` - Triggers sweeps\n- `sweep/lock.go` - the new mutex\n"
    ));
}

#[test]
fn a_blocker_replaces_the_placeholder_and_the_tldr_line_follows() {
    let g = seed().add_blocker("Waiting on API docs", at()).unwrap();
    assert!(
        g.text().contains(
            "## Blockers\n1. [ ] Waiting on API docs (2025-01-15T15:00Z)\n\n## Next Steps"
        ),
        "{}",
        g.text()
    );
    assert!(g.text().contains("**Blocker**: Waiting on API docs\n"));
    // Only the Blocker line of the TL;DR changed.
    let expected = SEED.replace("**Blocker**: None\n", "**Blocker**: Waiting on API docs\n");
    let g_tldr = g.section_markdown(Sec::Tldr);
    assert!(expected.contains(g_tldr));
    let h = g.resolve_blocker(1, at()).unwrap();
    assert!(h.text().contains("**Blocker**: None\n"));
    assert_eq!(h.view().blockers.len(), 1);
}

#[test]
fn completing_the_current_step_moves_current_and_the_status_lines_follow_a_checkpoint() {
    let g = seed().complete_step("Implement fix", at()).unwrap();
    let v = g.view();
    assert_eq!(v.current.as_deref(), Some("Add regression test"));
    assert_eq!(v.step_counts(), (4, 5));
    let h = g
        .checkpoint(Some("fix/sweep-trigger"), Some("abc123f"), None, at())
        .unwrap();
    assert!(h.text().contains(
        "Currently implementing mutex fix. Next: complete mutex, add tests.\n\n**Progress**: 4/5 steps complete\n**Current**: Add regression test (step 5)\n**Blocker**: None\n\n## Context"
    ), "{}", h.text());
    // "Add regression test" was also a Next Step: it is dropped and the list renumbered.
    let g = seed().complete_step("Add regression test", at()).unwrap();
    assert_eq!(
        g.view().next_steps,
        [
            "Complete mutex implementation in sweeper.go",
            "Document lock ordering in CONTRIBUTING.md"
        ]
    );
    assert!(
        g.text()
            .contains("1. Complete mutex implementation in sweeper.go\n2. Document lock ordering")
    );
}

#[test]
fn a_checkpoint_of_the_untouched_seed_keeps_its_tldr_byte_for_byte() {
    let g = seed().refresh_status_lines().unwrap();
    assert_eq!(g.text(), SEED);
}

#[test]
fn variants_read_the_same() {
    let base = serde_json::to_value(seed().view()).unwrap();
    let variants = [
        // Other spacing and case; headings at level 3; "Next steps"; labels with the colon inside.
        SEED.replace("## Next Steps", "### next steps")
            .replace("## TL;DR (Read This First)", "## tl;dr")
            .replace("**Objective**:", "**Objective:**")
            .replace(
                "Implement fix          <- CURRENT",
                "Implement fix <- CURRENT",
            )
            .replace("**Key Context** (survives compaction):", "**Key context**:"),
        // Bulleted next steps, CRLF line endings.
        SEED.replace("1. Complete", "- Complete")
            .replace("2. Add regression", "- Add regression")
            .replace("3. Document", "- Document")
            .replace('\n', "\r\n"),
        // An extra user section, sections reordered.
        {
            let f = seed();
            let d = f.section_markdown(Sec::Decisions).to_string();
            let n = f.section_markdown(Sec::NextSteps).to_string();
            SEED.replace(&d, "")
                .replace(&n, &format!("{n}\n\n## My Notes\nkeep\n\n{}", d.trim_end()))
        },
    ];
    for (i, text) in variants.iter().enumerate() {
        let f = SessionFile::parse("v.md", text.clone()).unwrap();
        let mut v = serde_json::to_value(f.view()).unwrap();
        if i == 1 {
            // CRLF: the view's texts are the same once the carriage returns go.
            let s = serde_json::to_string(&v).unwrap().replace("\\r", "");
            v = serde_json::from_str(&s).unwrap();
        }
        assert_eq!(v, base, "variant {i}:\n{text}");
    }
}

#[test]
fn crlf_files_keep_their_bytes_outside_the_edit() {
    let input = SEED.replace('\n', "\r\n");
    let f = SessionFile::parse("c.md", input.clone()).unwrap();
    let g = f.add_discovery("found: more", at()).unwrap();
    same_outside(&input, &g, Sec::Discoveries);
    assert_eq!(g.view().discoveries.len(), 2);
}

#[test]
fn duplicate_sections_use_the_first_and_warn_about_the_second() {
    let text = format!("{SEED}\n## Blockers\n- second list\n");
    let f = SessionFile::parse("d.md", text).unwrap();
    assert!(f.view().blockers.is_empty());
    let w = f.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("d.md: duplicate section 'Blockers' at line 67"),
        "{w:?}"
    );
}

#[test]
fn placeholders_are_never_items() {
    let text = SEED
        .replace("1. Complete mutex implementation in sweeper.go\n2. Add regression test\n3. Document lock ordering in CONTRIBUTING.md", "None")
        .replace("- None currently", "- None");
    let f = SessionFile::parse("p.md", text).unwrap();
    assert!(f.view().next_steps.is_empty() && f.view().blockers.is_empty());
    let g = f.add_next("first").unwrap();
    assert!(
        g.text().ends_with("## Next Steps\n1. first\n"),
        "{}",
        g.text()
    );
}

#[test]
fn a_seed_file_missing_sections_still_works_and_says_what_it_recreated() {
    let f = seed();
    let text = SEED
        .replace(f.section_markdown(Sec::Blockers), "")
        .replace(f.section_markdown(Sec::Tldr), "");
    let f = SessionFile::parse("m.md", text.clone()).unwrap();
    assert_eq!(f.view().next_steps.len(), 3);
    let g = f.add_blocker("stuck", at()).unwrap();
    assert_eq!(
        g.warnings(),
        ["m.md: recreated missing sections '## Blockers', '## TL;DR (Read This First)'"]
    );
    assert!(
        g.text()
            .starts_with(&text[..text.find("## Context").unwrap()])
    );
    assert!(
        g.text()
            .contains("## TL;DR (Read This First)\n**Progress**: 3/5 steps complete\n"),
        "{}",
        g.text()
    );
}
