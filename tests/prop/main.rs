//! Property tests of the session file model and its merge.

use git_session::model::merge::merge_sessions;
use git_session::model::session::{NewDecision, NewSession, Sec, SessionFile, render_new};
use git_session::model::time;
use proptest::prelude::*;

fn base() -> SessionFile {
    let s = NewSession {
        id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        shortname: "p".into(),
        title: "Prop".into(),
        goal: Some("Goal".into()),
        task_ids: vec![],
        steps: vec!["s0".into(), "s1".into(), "s2".into()],
        git_branch: None,
        git_last_commit: None,
        now: time::parse_rfc3339("2025-01-15T10:00:00.000Z").unwrap(),
    };
    SessionFile::parse("b.md", render_new(&s)).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Discovery,
    Next,
    Context,
    Step,
    Note,
    Done(u8),
    Blocker,
    Decision,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Discovery),
        Just(Op::Next),
        Just(Op::Context),
        Just(Op::Step),
        Just(Op::Note),
        (0u8..3).prop_map(Op::Done),
        Just(Op::Blocker),
        Just(Op::Decision),
    ]
}

/// Apply ops, returning the file and the texts that must survive any merge.
fn apply(f: &SessionFile, ops: &[Op], side: &str) -> (SessionFile, Vec<String>) {
    let mut f = f.clone();
    let mut keep = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let t = format!("{side}{i}");
        let now = time::parse_rfc3339(&format!("2025-01-15T11:{:02}:00.000Z", i % 60)).unwrap();
        f = match op {
            Op::Discovery => f.add_discovery(&t, now),
            Op::Next => f.add_next(&t),
            Op::Context => f.add_context(&t),
            Op::Step => f.add_step(&t),
            Op::Note => f.add_progress_note(&t, now),
            Op::Done(n) => f.complete_step(&format!("s{n}"), now),
            Op::Blocker => f.add_blocker(&t, now),
            Op::Decision => f.add_decision(
                &NewDecision {
                    title: t.clone(),
                    rationale: "r".into(),
                    options: None,
                    context: None,
                },
                now,
            ),
        }
        .unwrap();
        if !matches!(op, Op::Done(_) | Op::Next) {
            keep.push(t);
        }
    }
    (f, keep)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn merging_two_edit_sequences_loses_nothing(a in prop::collection::vec(op(), 0..12), b in prop::collection::vec(op(), 0..12)) {
        let base = base();
        let (o, keep_o) = apply(&base, &a, "a");
        let (t, keep_t) = apply(&base, &b, "b");
        for (x, y) in [(&o, &t), (&t, &o)] {
            let m = merge_sessions(Some(&base), x, y).unwrap();
            let merged = SessionFile::parse("m.md", m.text.clone()).unwrap();
            for k in keep_o.iter().chain(keep_t.iter()) {
                prop_assert!(merged.text().contains(k.as_str()), "lost {} in\n{}", k, merged.text());
            }
            let done: Vec<String> = merged.view().progress.completed.iter().map(|s| s.text.clone()).collect();
            for side in [x, y] {
                for s in side.view().progress.completed {
                    prop_assert!(done.contains(&s.text), "a step completed on one side is not completed: {}", s.text);
                }
            }
        }
    }

    #[test]
    fn editing_one_section_changes_no_byte_outside_it(
        hand in prop::collection::vec("[a-zA-Z0-9 *_`.,:-]{1,40}", 4),
        which in 0usize..5,
        text in "[ -~]{1,60}",
    ) {
        // Hand-written text in several sections and an unknown one.
        let t = base().text()
            .replace("### Key Files\n", &format!("### Key Files\n\n{}\n", hand[0]))
            .replace("## Decisions\n", &format!("## Decisions\n\n{}\n", hand[1]))
            .replace("## Blockers\n", &format!("## Blockers\n\n{}\n\n## Notes\n\n{}\n", hand[2], hand[3]));
        let f = SessionFile::parse("h.md", t).unwrap();
        let now = time::parse_rfc3339("2025-01-15T12:00:00.000Z").unwrap();
        let (g, sec) = match which {
            0 => (f.add_discovery(&text, now), Sec::Discoveries),
            1 => (f.add_next(&text), Sec::NextSteps),
            2 => (f.add_context(&text), Sec::KeyContext),
            3 => (f.add_decision(&NewDecision { title: text.clone(), rationale: "r".into(), options: None, context: None }, now), Sec::Decisions),
            _ => (f.add_file(&text, Some("why")), Sec::KeyFiles),
        };
        let g = g.unwrap();
        let (before, after) = (f.text(), g.text());
        let span = f.body_range(sec);
        let span_after = g.body_range(sec);
        prop_assert_eq!(&before[..span.start], &after[..span_after.start]);
        prop_assert_eq!(&before[span.end..], &after[span_after.end..]);
    }

    #[test]
    fn any_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = SessionFile::parse_bytes("x.md", &bytes);
    }

    #[test]
    fn parse_then_render_is_byte_identical(extra in "[ -~\n]{0,200}") {
        let text = base().text().replace("## Next Steps\n", &format!("## Next Steps\n\n{extra}\n"));
        if let Ok(f) = SessionFile::parse("x.md", text.clone()) {
            prop_assert_eq!(f.text(), text.as_str());
        }
    }
}
