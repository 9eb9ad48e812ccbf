//! Property tests of the session file model and its merge.

mod docs;

use std::ops::Range;

use git_session::model::ModelError;
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
        // "a1" would also be found in "a10": a closing letter keeps each text distinct.
        let t = format!("{side}{i}z");
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
            .replace("**Key Files**:\n", &format!("**Key Files**:\n\n{}\n", hand[0]))
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
}

/// One edit of the session file, with the text it adds.
#[derive(Debug, Clone)]
enum Edit {
    Discovery(String),
    Next(String),
    Context(String),
    File(String),
    Step(String),
    Note(String),
    Done(String),
    Blocker(String),
    Resolve(u32),
    Decision(String),
    Summary(String),
    Field(&'static str, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Words with single spaces: a heading collapses runs of spaces, which is not under test.
    let t = || "[a-zA-Z][a-zA-Z0-9]{0,7}( [a-zA-Z0-9]{1,8}){0,2}";
    prop_oneof![
        t().prop_map(Edit::Discovery),
        t().prop_map(Edit::Next),
        t().prop_map(Edit::Context),
        "[a-z]{3,8}\\.rs".prop_map(Edit::File),
        t().prop_map(Edit::Step),
        t().prop_map(Edit::Note),
        prop_oneof!["(step|rem|done)[1-3]", t()].prop_map(Edit::Done),
        t().prop_map(Edit::Blocker),
        (1u32..4).prop_map(Edit::Resolve),
        t().prop_map(Edit::Decision),
        t().prop_map(Edit::Summary),
        (
            prop::sample::select(vec!["git_branch", "compaction_count", "x_custom"]),
            "[1-9][0-9]{0,3}"
        )
            .prop_map(|(k, v)| Edit::Field(k, v)),
    ]
}

const NOW: &str = "2025-01-15T12:34:00.000Z";

/// Apply an edit; also say which sections it may change (empty: only the frontmatter).
fn apply_edit(f: &SessionFile, e: &Edit) -> (Result<SessionFile, String>, Vec<Sec>) {
    let now = time::parse_rfc3339(NOW).unwrap();
    let steps = vec![Sec::InProgress, Sec::Remaining];
    let (r, secs) = match e {
        Edit::Discovery(t) => (f.add_discovery(t, now), vec![Sec::Discoveries]),
        Edit::Next(t) => (f.add_next(t), vec![Sec::NextSteps]),
        Edit::Context(t) => (f.add_context(t), vec![Sec::KeyContext]),
        Edit::File(p) => (f.add_file(p, Some("why")), vec![Sec::KeyFiles]),
        Edit::Step(t) => (f.add_step(t), steps),
        Edit::Note(t) => (f.add_progress_note(t, now), vec![Sec::InProgress]),
        Edit::Done(t) => (
            f.complete_step(t, now),
            vec![
                Sec::Completed,
                Sec::InProgress,
                Sec::Remaining,
                Sec::NextSteps,
            ],
        ),
        Edit::Blocker(t) => (f.add_blocker(t, now), vec![Sec::Tldr, Sec::Blockers]),
        Edit::Resolve(n) => (f.resolve_blocker(*n, now), vec![Sec::Tldr, Sec::Blockers]),
        Edit::Decision(t) => (
            f.add_decision(
                &NewDecision {
                    title: t.clone(),
                    rationale: "r".into(),
                    options: None,
                    context: None,
                },
                now,
            ),
            vec![Sec::Decisions],
        ),
        Edit::Summary(t) => (f.set_summary(t), vec![Sec::Tldr]),
        Edit::Field(k, v) => (f.set_field(k, v), vec![]),
    };
    (r.map_err(|e| e.to_string()), secs)
}

/// The byte range of the frontmatter's YAML in `text`.
fn frontmatter_of(text: &str) -> Range<usize> {
    4..text[3..].find("\n---\n").expect("closed") + 4
}

/// `input` and `output` agree outside `spans_in`/`spans_out` (same sections, in order).
fn same_outside(
    input: &str,
    output: &str,
    mut spans_in: Vec<Range<usize>>,
    mut spans_out: Vec<Range<usize>>,
) -> Result<(), TestCaseError> {
    spans_in.sort_by_key(|r| r.start);
    spans_out.sort_by_key(|r| r.start);
    let (mut i, mut o) = (0, 0);
    for (ri, ro) in spans_in.iter().zip(&spans_out) {
        prop_assert_eq!(&input[i..ri.start], &output[o..ro.start]);
        i = ri.end;
        o = ro.end;
    }
    prop_assert_eq!(&input[i..], &output[o..]);
    Ok(())
}

fn view_json(f: &SessionFile) -> serde_json::Value {
    serde_json::to_value(f.view()).unwrap()
}

fn push(v: &mut serde_json::Value, key: &str, item: serde_json::Value) {
    v[key].as_array_mut().unwrap().push(item);
}

fn max_number(v: &serde_json::Value, key: &str) -> u64 {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["number"].as_u64())
        .max()
        .unwrap_or(0)
}

/// What the view must say after `e`, computed from the view before it; `None` when the edit's
/// effect on the view is checked separately.
fn expected_view(before: &serde_json::Value, e: &Edit) -> Option<serde_json::Value> {
    use serde_json::json;
    let mut v = before.clone();
    match e {
        Edit::Discovery(t) => push(&mut v, "discoveries", json!({"text": t, "at": NOW})),
        Edit::Next(t) => push(&mut v, "next_steps", json!(t)),
        Edit::Context(t) => push(&mut v, "key_context", json!(t)),
        Edit::File(p) => push(&mut v, "key_files", json!({"path": p, "why": "why"})),
        Edit::Step(t) => {
            let step = json!({"text": t, "at": null, "done": false, "step": true, "notes": []});
            if v["current"].is_null() {
                v["progress"]["in_progress"]
                    .as_array_mut()
                    .unwrap()
                    .push(step);
                v["current"] = json!(t);
            } else {
                v["progress"]["remaining"]
                    .as_array_mut()
                    .unwrap()
                    .push(step);
            }
        }
        Edit::Note(t) => {
            let cur = v["current"].clone();
            let ip = v["progress"]["in_progress"].as_array_mut().unwrap();
            match ip.iter_mut().find(|s| !cur.is_null() && s["text"] == cur) {
                Some(step) => step["notes"].as_array_mut().unwrap().push(json!(t)),
                None => ip
                    .push(json!({"text": t, "at": NOW, "done": false, "step": false, "notes": []})),
            }
        }
        Edit::Blocker(t) => {
            let n = max_number(&v, "blockers") + 1;
            push(
                &mut v,
                "blockers",
                json!({"number": n, "text": t, "at": NOW, "resolved": false, "resolved_at": null}),
            );
        }
        Edit::Resolve(n) => {
            for b in v["blockers"].as_array_mut().unwrap() {
                if b["number"] == json!(n) && b["resolved"] == json!(false) {
                    b["resolved"] = json!(true);
                    b["resolved_at"] = json!(NOW);
                    break;
                }
            }
        }
        Edit::Decision(t) => {
            let n = max_number(&v, "decisions") + 1;
            push(
                &mut v,
                "decisions",
                json!({"number": n, "title": t, "at": NOW, "context": null, "options": null, "choice": t, "rationale": "r"}),
            );
        }
        Edit::Summary(t) => v["tldr"] = json!(t),
        Edit::Field("git_branch", b) => v["git_branch"] = json!(b),
        Edit::Field("compaction_count", n) => {
            v["compaction_count"] = json!(n.parse::<u64>().unwrap())
        }
        Edit::Field(..) => {}
        Edit::Done(_) => return None,
    }
    Some(v)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn an_edit_changes_no_byte_outside_its_sections_and_the_view_gains_it(doc in docs::document(), e in edit()) {
        let input = doc.clone();
        let f = SessionFile::parse("d.md", doc).map_err(|e| TestCaseError::fail(format!("{e}\n{input}")))?;
        let (g, secs) = apply_edit(&f, &e);
        let g = match g {
            Ok(g) => g,
            // The one edit that may refuse: resolving a blocker that is not open.
            Err(msg) => {
                let Edit::Resolve(n) = e else {
                    return Err(TestCaseError::fail(format!("{e:?} failed: {msg}")));
                };
                prop_assert!(!f.view().blockers.iter().any(|b| b.number == Some(n) && !b.resolved));
                return Ok(());
            }
        };
        let output = g.text();
        if secs.is_empty() {
            let (fi, fo) = (frontmatter_of(&input), frontmatter_of(output));
            same_outside(&input, output, vec![fi.clone()], vec![fo.clone()])?;
            let Edit::Field(key, value) = &e else { unreachable!() };
            let others = |t: &str| t.lines().filter(|l| !l.starts_with(&format!("{key}:"))).map(str::to_string).collect::<Vec<_>>();
            prop_assert_eq!(others(&input[fi]), others(&output[fo.clone()]));
            let line = format!("\n{key}: {value}\n");
            prop_assert!(output[fo.start - 1..fo.end + 1].contains(&line));
        } else {
            same_outside(
                &input,
                output,
                secs.iter().map(|s| f.body_range(*s)).collect(),
                secs.iter().map(|s| g.body_range(*s)).collect(),
            )?;
        }
        let (before, after) = (view_json(&f), view_json(&g));
        match expected_view(&before, &e) {
            Some(expected) => prop_assert_eq!(after, expected, "after {:?} in\n{}", e, output),
            None => {
                let Edit::Done(t) = &e else { unreachable!() };
                let done: Vec<String> = g.view().progress.completed.iter().map(|s| s.text.to_lowercase()).collect();
                prop_assert!(done.contains(&t.to_lowercase()), "{} not completed in\n{}", t, output);
                let open = g.view().progress.in_progress.iter().chain(&g.view().progress.remaining)
                    .any(|s| !s.done && s.step && s.text.eq_ignore_ascii_case(t));
                prop_assert!(!open, "{} still open in\n{}", t, output);
                for k in ["decisions", "discoveries", "blockers", "key_files", "key_context", "tldr", "objective"] {
                    prop_assert_eq!(&after[k], &before[k]);
                }
                for s in f.view().progress.completed {
                    prop_assert!(done.contains(&s.text.to_lowercase()));
                }
            }
        }
    }

    #[test]
    fn near_valid_documents_never_panic_the_parser_and_errors_name_a_line_inside(
        doc in docs::document(),
        ms in prop::collection::vec(docs::mutation(), 1..5),
    ) {
        let bytes = docs::mutate(&doc, &ms);
        match SessionFile::parse_bytes("x.md", &bytes) {
            Ok(f) => {
                prop_assert_eq!(f.text().as_bytes(), bytes.as_slice());
                let _ = f.view();
            }
            Err(ModelError::Parse { file, line, .. }) => {
                let lines = String::from_utf8_lossy(&bytes).lines().count().max(1);
                prop_assert_eq!(file, "x.md");
                prop_assert!((1..=lines).contains(&line), "line {} of {} in\n{}", line, lines, String::from_utf8_lossy(&bytes));
            }
            Err(other) => prop_assert!(false, "not a parse error: {}", other),
        }
    }
}

/// The sections an edit may change, with their parents (a recreated child recreates its parent).
fn with_parents(secs: &[Sec]) -> Vec<Sec> {
    let mut all: Vec<Sec> = secs.to_vec();
    for s in secs {
        if let Some(p) = s.parent()
            && !all.contains(&p)
        {
            all.push(p);
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn seed_format_documents_keep_every_byte_outside_the_edit_and_the_view_gains_it(doc in docs::seed_document(), e in edit()) {
        let input = doc.clone();
        let f = SessionFile::parse("s.md", doc).map_err(|e| TestCaseError::fail(format!("{e}\n{input}")))?;
        prop_assert!(f.warnings().is_empty(), "{:?}", f.warnings());
        let (g, secs) = apply_edit(&f, &e);
        let g = match g {
            Ok(g) => g,
            Err(msg) => {
                let Edit::Resolve(n) = e else {
                    return Err(TestCaseError::fail(format!("{e:?} failed: {msg}\n{input}")));
                };
                prop_assert!(!f.view().blockers.iter().any(|b| b.number == Some(n) && !b.resolved));
                return Ok(());
            }
        };
        let output = g.text();
        if secs.is_empty() {
            let (fi, fo) = (frontmatter_of(&input), frontmatter_of(output));
            same_outside(&input, output, vec![fi], vec![fo])?;
        } else if !secs.iter().any(|s| !f.has(*s) && g.has(*s)) {
            // Every section it edits was there (or stays absent): the exact bytes outside.
            let there: Vec<Sec> = secs.iter().copied().filter(|s| f.has(*s)).collect();
            same_outside(
                &input,
                output,
                there.iter().map(|s| f.section_span(*s).expect("present")).collect(),
                there.iter().map(|s| g.section_span(*s).expect("still present")).collect(),
            )?;
        } else {
            // A section was recreated: every other section, and the frontmatter, is still
            // there byte for byte, in the same order.
            let touched = with_parents(&secs);
            let mut pos = 0;
            let mut spans: Vec<(usize, String)> = Sec::ALL
                .iter()
                .filter(|s| !touched.contains(s) && s.parent().is_none_or(|p| !touched.contains(&p)))
                .filter_map(|s| f.section_span(*s))
                .map(|r| (r.start, input[r].to_string()))
                .chain(f.unknown_sections().into_iter().map(|(_, r)| (r.start, input[r].to_string())))
                .collect();
            spans.sort();
            for (_, text) in spans {
                let found = output[pos..].find(&text);
                prop_assert!(found.is_some(), "lost {:?} in\n{}", text, output);
                pos += found.unwrap();
            }
            prop_assert_eq!(&input[frontmatter_of(&input)], &output[frontmatter_of(output)]);
            prop_assert!(g.warnings().iter().any(|w| w.contains("recreated missing section")));
        }
        let (before, after) = (view_json(&f), view_json(&g));
        match expected_view(&before, &e) {
            Some(expected) => prop_assert_eq!(after, expected, "after {:?} in\n{}", e, output),
            None => {
                let Edit::Done(t) = &e else { unreachable!() };
                let done: Vec<String> = g.view().progress.completed.iter().map(|s| s.text.to_lowercase()).collect();
                prop_assert!(done.contains(&t.to_lowercase()), "{} not completed in\n{}", t, output);
                for k in ["decisions", "discoveries", "blockers", "key_files", "key_context", "tldr", "objective"] {
                    prop_assert_eq!(&after[k], &before[k]);
                }
            }
        }
    }
}
