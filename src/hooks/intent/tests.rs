use super::*;
use std::path::Path;

/// One labelled example: `C` (a continuation) or `O`, a TAB, the prompt with `\n`, `\t` and
/// `\\` escapes.
fn parse_line(line: &str) -> Option<(bool, String)> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let (label, prompt) = line.split_once('\t').expect("label<TAB>prompt");
    let want = match label.trim() {
        "C" => true,
        "O" => false,
        other => panic!("label {other:?} is neither C nor O: {line}"),
    };
    let mut out = String::new();
    let mut chars = prompt.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    Some((want, out))
}

/// Precision and recall of the detector on one labelled file, with what it got wrong.
fn score(path: &Path) -> (f64, f64, usize, usize, Vec<String>) {
    let data = std::fs::read_to_string(path).expect("a labelled set");
    let (mut tp, mut fp, mut fne, mut tn) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for (want, prompt) in data.lines().filter_map(parse_line) {
        match (want, is_continuation(&prompt)) {
            (true, true) => tp += 1,
            (false, true) => {
                fp += 1;
                wrong.push(format!("false positive: {prompt:?}"));
            }
            (true, false) => {
                fne += 1;
                wrong.push(format!("missed: {prompt:?}"));
            }
            (false, false) => tn += 1,
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (
        ratio(tp, tp + fp),
        ratio(tp, tp + fne),
        tp + fne,
        tn + fp,
        wrong,
    )
}

/// Every `*.tsv` in tests/data/continuation/, each on its own. The tuning sets must reach the
/// issue's target: recall ≥ 0.95 at precision ≥ 0.98. The `dev*` and `prompts*` sets were
/// written for tuning, `heldout.tsv` became tuning data once its one held-out score was taken,
/// and so did `heldout2.tsv`, scored once blind at precision 0.995 / recall 0.827 on 2026-11-29
/// and tuned on since, and `heldout3.tsv`, written by a helper who saw neither the rules nor the
/// other sets, scored once blind at precision 0.990 / recall 0.867 on 2026-11-29 and tuned on
/// since. `heldout4.tsv`, written blind by a fourth helper (2026-11-30), is the untuned one:
/// scored once after the heldout3 tuning, at precision 0.970 / recall 0.755 — short of the
/// target, so the target is not met on unseen prompts — its misses are not printed, and it
/// guards against regressions just under that score (precision ≥ 0.96, recall ≥ 0.74).
/// `--nocapture` shows the numbers.
#[test]
fn every_labelled_set_meets_recall_and_precision_targets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/continuation");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/continuation")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failed = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let untuned = name.starts_with("heldout4");
        let (precision, recall, pos, neg, wrong) = score(path);
        println!(
            "{name}: {pos} continuations, {neg} others; precision {precision:.3}, recall {recall:.3}"
        );
        if !untuned {
            for w in &wrong {
                println!("  {name}: {w}");
            }
        }
        if pos < 20 || neg < 20 {
            failed.push(format!("{name}: too small to mean anything ({pos}/{neg})"));
        }
        let (p_floor, r_floor) = if untuned { (0.96, 0.74) } else { (0.98, 0.95) };
        if precision < p_floor || recall < r_floor {
            failed.push(format!(
                "{name}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn words_inside_a_request_are_not_a_continuation() {
    assert!(!is_continuation("continue the loop until i == n"));
    assert!(!is_continuation("add a resume button"));
    assert!(!is_continuation("where were we storing the tokens?"));
    assert!(is_continuation("ok, continue please"));
    assert!(is_continuation("Where were we?"));
}

#[test]
fn the_kinds_heldout3_missed_are_caught() {
    // A vocative or an interjection around the ask.
    assert!(is_continuation("keep going mate"));
    assert!(is_continuation("oh wait what were we working on"));
    // Where the session landed, a numbered step of its plan, an earlier conversation.
    assert!(is_continuation("so where did we land?"));
    assert!(is_continuation("pick up from phase 2"));
    assert!(is_continuation("resume the previous chat"));
    // Going on with an activity of the session's own.
    assert!(is_continuation("continue refactoring the billing module"));
    assert!(is_continuation("let's get going again on the importer"));
    // Why it stopped, until it is done, "remind me".
    assert!(is_continuation("why did you stop? carry on"));
    assert!(is_continuation(
        "keep going and don't stop until everything is finished"
    ));
    assert!(is_continuation("I forgot where we left off, remind me"));
    // A leading continuation, then news, an error or a further task.
    assert!(is_continuation(
        "keep going. also bump the version at the end"
    ));
    assert!(is_continuation("carry on\nbtw the build on main is red"));
    assert!(is_continuation(
        "resume, here's the error you saw:\n```\nNo such file\n```\nit was the path"
    ));
    // More languages.
    assert!(is_continuation("retomemos donde lo dejamos"));
    assert!(is_continuation("riprendi da dove eri rimasto"));
    assert!(is_continuation("kontynuujmy"));
    assert!(is_continuation("계속 해"));
}

#[test]
fn the_same_words_in_other_senses_stay_ordinary() {
    assert!(!is_continuation("continue the loop when the row is empty"));
    assert!(!is_continuation("git rebase --continue says no changes"));
    assert!(!is_continuation("update my résumé with the new job"));
    assert!(!is_continuation("where were the config files loaded from?"));
    assert!(!is_continuation(
        "continue training the model for 3 more epochs"
    ));
    assert!(!is_continuation("what did I break? the page is blank"));
    assert!(!is_continuation("go ahead, and also delete the old branch"));
    assert!(!is_continuation("carry on, but use tabs not spaces"));
    assert!(!is_continuation(
        "continue. also rename src/lib.rs to core.rs"
    ));
    assert!(!is_continuation("keep going, and also, no, stop"));
    assert!(!is_continuation("resume work item 42 is blocked"));
    assert!(!is_continuation(
        "ファイルのアップロードを再開する機能を追加して"
    ));
}

#[test]
fn the_escapes_of_a_labelled_line_are_read() {
    assert_eq!(
        parse_line("O\ta\\nb\\tc\\\\n"),
        Some((false, "a\nb\tc\\n".into()))
    );
    assert_eq!(parse_line("# comment"), None);
}

/// Time per call on ordinary prompts of about 10, 60 and 200 characters, and on a long one (the
/// hook runs on every prompt). Prints, asserts nothing: `cargo test --lib --release
/// intent::tests::time -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_per_call_on_ordinary_prompts() {
    let long = "fix the flaky upload test in tests/upload.rs. ".repeat(40);
    let prompts = [
        "fix the bug",
        "please add a unit test for the date parser in src/date.rs ok",
        "refactor the storage layer so every write goes through the journal and the index is \
         rebuilt lazily on open; also update docs/storage.md and add tests for the crash-recovery \
         path in tests/rec.rs",
        "what does the go keyword do when the worker state is still on the queue, and where do we \
         pick up the next job after the previous one was cancelled by the scheduler in src/jobs?",
        long.as_str(),
    ];
    for p in prompts {
        let n = 20_000;
        let start = std::time::Instant::now();
        let mut yes = 0;
        for _ in 0..n {
            yes += usize::from(is_continuation(std::hint::black_box(p)));
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!(
            "{:>5} chars: {ns:>8.0} ns per call ({yes} continuations)",
            p.len()
        );
    }
}
