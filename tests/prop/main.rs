//! Property tests of the session file model and its merge.

use git_session::model::merge::merge_sessions;
use git_session::model::session::{NewDecision, NewSession, SessionFile, render_new};
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
