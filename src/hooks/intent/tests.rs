use super::*;
use std::path::Path;

/// One labelled example: `C` (a continuation) or `O`, a TAB, the prompt with `\n`, `\t` and
/// `\\` escapes.
pub(super) fn parse_line(line: &str) -> Option<(bool, String)> {
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

/// Every `*.tsv` in tests/data/continuation/, sorted by name.
pub(super) fn labelled_sets() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/continuation");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/continuation")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files
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

/// The sets no rule was tuned on and the model never learned from, with floors (precision,
/// recall) a little under the shipped model's latest look at each: a guard against a change
/// that reads them worse, no longer a blind score. Their misses are not printed. `heldout15.tsv`
/// was written by a helper who saw neither the rules, the model nor the other sets, and scored
/// once on 2026-11-30, numbers only, before anything learned from it: the ninth model 0.923 /
/// 0.923, the tenth (the `wide-*.tsv` sets learned) 0.929 / 0.941, the grammar alone 0.983 /
/// 0.613. The eleventh also learned `heldout14.tsv` (blind: 0.929 / 0.845 by the eighth), the
/// twelfth, shipped, the break attempt's `probes11.tsv`. `heldout16.tsv`, written the same way
/// by another helper (ten developers from Lagos to Tokyo), was scored once by the twelfth, numbers
/// only: 0.944 / 0.875 (the ninth: 0.959 / 0.854). `heldout18.tsv` (twelve developers from
/// Accra to Austin), written the same way after the thirteenth model shipped, was scored once:
/// the thirteenth 0.947 / 0.819, the twelfth 0.930 / 0.813; the fourteenth read it at 0.948 /
/// 0.834 (second look), the fifteenth, shipped, at 0.966 / 0.883. The sets before them were
/// each scored once blind, then learned from (docs/hooks.md): `heldout17.tsv` last, blind
/// 0.912 / 0.774 by the twelfth and 0.947 / 0.771 by the thirteenth. `heldout19.tsv` (twelve
/// developers from Lagos to Chicago), written the same way before anything of the stop of
/// 2026-11-30 evening changed, was scored blind once by the fourteenth: 0.920 / 0.817 (the grammar
/// alone 0.962 / 0.296); then, numbers only, the fifteenth, shipped, after the changes of
/// decision 158 and four new training sets, read it at 0.915 / 0.855, and the same code
/// trained without those sets at 0.920 / 0.852. `probes15.tsv`, a break attempt's 665 probes
/// aimed at that change (short lines with no cue word), the fifteenth reads at 0.917 / 0.585;
/// a model that learned them read the four sets above, pooled, at 0.958 / 0.920 against the
/// fifteenth's 0.959 / 0.919, so it was not shipped, and the probes stay untuned. Each set
/// keeps the prompts other writers also wrote (decision 159: 50–258 a set are word for word in
/// a learned one); the floors are on the whole set.
pub(super) const UNTUNED: &[(&str, f64, f64)] = &[
    ("heldout15.tsv", 0.96, 0.98),
    ("heldout16.tsv", 0.99, 0.94),
    ("heldout18.tsv", 0.96, 0.88),
    ("heldout19.tsv", 0.91, 0.85),
    ("probes15.tsv", 0.91, 0.58),
];

/// Sets learned from that stay short of the target, with their floors. `probes.tsv` (a break
/// attempt's aimed probes): pasted or quoted text that ends the way a go-on does ("translate to
/// French:\nwhere were we", "the tooltip:\nContinue where you left off"), which the grammar
/// alone reads at precision 0.805, most of it since before the model. `everyday.tsv`: "working
/// now" (ordinary) against `weak.tsv`'s "did the webpack->vite switch work out" (a
/// continuation), and "go for it", ordinary here, a continuation (an approval) in `wide-en.tsv`
/// and `wide-mx.tsv`. `wide-short.tsv` and `wide-poke.tsv` (short pokes and approvals, and
/// their ordinary twins): the same words labelled both ways by different writers ("do it" is a
/// continuation in `wide-short.tsv` and `wide-poke.tsv`, ordinary in `heldout3.tsv`,
/// `heldout4.tsv`, `prompts.tsv` and `everyday.tsv`; "ship it" likewise), and
/// pokes the model is not sure of without a cue word (decision 158). The sets that were here
/// for the cue gate alone (`multilingual`, `weak`, `probes8`, `probes11`, `probes13`,
/// `heldout14` and the other `wide-*.tsv`) meet the target since the model reads short prompts
/// without a cue word.
const SHORT_OF_TARGET: &[(&str, f64, f64)] = &[
    ("probes.tsv", 0.83, 0.93),
    ("everyday.tsv", 0.95, 0.97),
    ("wide-short.tsv", 0.99, 0.90),
    ("wide-poke.tsv", 0.99, 0.90),
];

/// Every `*.tsv` in tests/data/continuation/, each on its own. The sets the rules were tuned on
/// and the model learned from must reach the issue's target, recall ≥ 0.95 at precision ≥ 0.98;
/// the [`UNTUNED`] ones their floors. Each `heldout*.tsv` was first scored once blind, then
/// tuned on (their blind scores: docs/hooks.md, "Continuation prompts"). `--nocapture` shows
/// the numbers and the tuning sets' misses.
#[test]
fn every_labelled_set_meets_recall_and_precision_targets() {
    let files = labelled_sets();
    assert!(!files.is_empty());
    let mut failed = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let untuned = UNTUNED.iter().find(|(n, ..)| *n == name);
        let (precision, recall, pos, neg, wrong) = score(path);
        println!(
            "{name}: {pos} continuations, {neg} others; precision {precision:.3}, recall {recall:.3}"
        );
        if untuned.is_none() {
            for w in &wrong {
                println!("  {name}: {w}");
            }
        }
        if pos < 20 || neg < 20 {
            failed.push(format!("{name}: too small to mean anything ({pos}/{neg})"));
        }
        let short = SHORT_OF_TARGET.iter().find(|(n, ..)| *n == name);
        let (p_floor, r_floor) = untuned.or(short).map_or((0.98, 0.95), |(_, p, r)| (*p, *r));
        if precision < p_floor || recall < r_floor {
            failed.push(format!(
                "{name}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Everyday replies and where-questions about code that the first model took for continuations
/// (found by the break attempt of 2026-11-30): the grammar's gates and its decision on "where
/// were we <doing> <something>" hold for the model too.
#[test]
fn what_the_model_must_not_overrule() {
    for p in [
        "sorry",
        "agreed",
        "fine by me",
        "where were we storing the passwords?",
        "where was I sending the metrics from",
        "ok\nthanks\nfine\ngot it",
        "resume -n 5",
        "Keep going VS fail fast",
        // What a lone surrogate becomes once replaced: no letter, no cue.
        "fix \u{fffd} \u{fffd}A \\ud83d",
    ] {
        assert!(!is_continuation(p), "{p:?}");
    }
    assert!(is_continuation("where were we going with the importer?"));
    assert!(is_continuation("where were we?"));
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
fn the_kinds_heldout4_missed_are_caught() {
    // Until the session's checks pass or its plan is done.
    assert!(is_continuation("keep going until the tests pass"));
    assert!(is_continuation("keep fixing until eslint is clean"));
    assert!(is_continuation(
        "run the tests again and keep iterating until they pass"
    ));
    // Going on with a doing of the session's own, whatever code it names on the way.
    assert!(is_continuation("keep fixing the type errors"));
    assert!(is_continuation("continue writing the tests for the parser"));
    assert!(is_continuation("continue translating the docs into German"));
    assert!(is_continuation(
        "carry on porting the rest of the modules to TypeScript"
    ));
    // The rest of a batch: remaining, other, next, the rest of.
    assert!(is_continuation("continue with the remaining endpoints"));
    assert!(is_continuation("do the remaining ones"));
    assert!(is_continuation("ok next file"));
    assert!(is_continuation("same thing for the rest of the files"));
    assert!(is_continuation(
        "do the same for the other handlers you haven't gotten to yet"
    ));
    assert!(is_continuation("continue the list"));
    // Where the session stands, asked in more ways.
    assert!(is_continuation("what was next on the todo list we made?"));
    assert!(is_continuation("wheres we at with the migration"));
    assert!(is_continuation(
        "ok where did we land on the caching question?"
    ));
    assert!(is_continuation(
        "what did we decide last time about the schema?"
    ));
    assert!(is_continuation(
        "which items from the checklist are still open? then work on them"
    ));
    assert!(is_continuation(
        "catch me up on what happened while I was away"
    ));
    assert!(is_continuation("what did you finish before I left?"));
    assert!(is_continuation("i forgot what we were doing lol"));
    // Going back to the work named as such.
    assert!(is_continuation("ok back to the refactor"));
    assert!(is_continuation(
        "let's get back to the caching layer we were building"
    ));
    // Told what the session was doing, in brackets or after "it looks like".
    assert!(is_continuation("continue (you were writing the README)"));
    assert!(is_continuation(
        "keep going, you were on the third migration file"
    ));
    assert!(is_continuation(
        "it looks like you stopped before finishing the test file. keep going"
    ));
    assert!(is_continuation("[Request interrupted by user] continue"));
    // News of something awaited, a limit, a further task after a strong continuation.
    assert!(is_continuation(
        "ok the deploy finished. you can proceed with the next steps"
    ));
    assert!(is_continuation(
        "keep going but don't touch the config files"
    ));
    assert!(is_continuation(
        "keep going through the list and fix each lint"
    ));
    assert!(is_continuation("status update + continue"));
    assert!(is_continuation(
        "continuing from before: the second endpoint still needs pagination"
    ));
    // Output shown, then a continuation as the last paragraph, even past 250 bytes.
    assert!(is_continuation(
        "ran the tests locally:\n\n```\n===== 42 passed, 3 failed in 12.3s =====\nFAILED \
         tests/test_api.py::test_create_user - AssertionError\nFAILED \
         tests/test_api.py::test_delete_user - KeyError: 'id'\nFAILED \
         tests/test_api.py::test_list_users - TimeoutError\n```\n\nkeep going until they all pass"
    ));
    assert!(is_continuation(
        "Here's the output:\n\nTraceback (most recent call last):\n  File \"app.py\", line \
         12\nImportError: cannot import name 'billing'\n\nfix it and then continue with the plan"
    ));
    // Hindi in Latin letters, Italian.
    assert!(is_continuation("continue karo"));
    assert!(is_continuation("hum kaha tak pahuche the?"));
    assert!(is_continuation("vai avanti"));
}

#[test]
fn the_kinds_heldout5_missed_are_caught() {
    // "continue" cut short in a hurry; slang or another language's urging before a cue.
    assert!(is_continuation("cntnu pls"));
    assert!(is_continuation("ctnue"));
    assert!(is_continuation("aight continue"));
    assert!(is_continuation("lesgo keep going"));
    assert!(is_continuation("yalla carry on"));
    assert!(is_continuation("allez on continue"));
    assert!(is_continuation("dale, sigan"));
    // Picking it up, bare or with a pronoun; keeping it moving.
    assert!(is_continuation("ok I'm back, pick up please"));
    assert!(is_continuation("pick it up from there"));
    assert!(is_continuation("keep things moving"));
    // A form asked back, a report asked for, a briefing on the work.
    assert!(is_continuation("hey, remind me what's next"));
    assert!(is_continuation("can you give me a quick progress report"));
    assert!(is_continuation("fill me in on the project"));
    // Going on with a short noun phrase, or on to a numbered step of the plan.
    assert!(is_continuation("proceed with the docs"));
    assert!(is_continuation("onto phase 3 of the plan"));
    // The session's memory read back, a new session announced, a header in brackets.
    assert!(is_continuation("you lost context, reload the session"));
    assert!(is_continuation("read the session log and continue"));
    assert!(is_continuation(
        "fresh chat, continue from the previous one"
    ));
    assert!(is_continuation(
        "brand new conversation, so resume the task from the last one"
    ));
    assert!(is_continuation("[continued from last conversation]"));
    // Where the work stands, asked in more ways.
    assert!(is_continuation(
        "what have we finished so far on the importer?"
    ));
    assert!(is_continuation("what remains to be done?"));
    assert!(is_continuation(
        "are we finished with the task or is there more?"
    ));
    assert!(is_continuation("anything else left on the list?"));
    assert!(is_continuation("what steps remain"));
    assert!(is_continuation("where is the migration at"));
    assert!(is_continuation("what were the open items again?"));
}

#[test]
fn the_kinds_heldout5_taught_keep_their_other_senses() {
    assert!(!is_continuation("increment cnt in the loop"));
    assert!(!is_continuation("aight, add a test for the parser"));
    assert!(!is_continuation("pick it up from the environment"));
    assert!(!is_continuation("keep things simple"));
    assert!(!is_continuation("remind me what a monad is"));
    assert!(!is_continuation(
        "status update: the deploy failed, check the logs"
    ));
    assert!(!is_continuation("fill me in on how async works"));
    assert!(!is_continuation(
        "catch me up on how Kubernetes operators work"
    ));
    assert!(!is_continuation("continue with the loop"));
    assert!(!is_continuation(
        "keep going with the default if the config file is missing"
    ));
    assert!(!is_continuation("move on to stage 2 of the pipeline"));
    assert!(!is_continuation("reload the session cookie"));
    assert!(!is_continuation(
        "restore the session state from localStorage"
    ));
    assert!(!is_continuation(
        "check the logs and tell me why it crashed"
    ));
    assert!(!is_continuation("new session id on every request, why?"));
    assert!(!is_continuation("continued from line 12"));
    assert!(!is_continuation("(the build is failing again)"));
    assert!(!is_continuation(
        "is there anything left in the buffer after read?"
    ));
    assert!(!is_continuation("is there more to it?"));
    assert!(!is_continuation(
        "are we done with the lock before dropping it?"
    ));
    assert!(!is_continuation("what's left of the budget"));
    assert!(!is_continuation("what remains on the heap"));
    assert!(!is_continuation("what items are left in the cart"));
    assert!(!is_continuation("where's the config file at"));
    assert!(!is_continuation("what have you done with my changes?"));
}

/// Decision 156: prompts the grammar's foreign cues take ("sigue", "continuar", "продолжить",
/// "weitermachen") that the model, having learned their kind, overrules — and a go-on it leaves alone.
/// Through a loop, so the trainer's reader of asserted examples does not learn these.
#[test]
fn the_model_overrules_the_grammar_on_hard_negatives_it_learned() {
    for p in [
        "¿Sigue siendo Plutón un planeta?",
        "Podemos continuar em português?",
        "Mi impresora sigue sin funcionar",
        "Как продолжить выполнение в gdb после точки останова?",
        "Ab jetzt bitte immer ohne Rückfrage weitermachen.",
    ] {
        assert!(by_rules(p), "the grammar alone takes {p:?}");
        assert!(!is_continuation(p), "the model overrules {p:?}");
    }
    for p in ["continua da dove eravamo rimasti", "sigue con la migración"] {
        assert!(by_rules(p) && is_continuation(p), "{p:?} stands");
    }
}

/// A program's error line or a terminal's prompt, pasted alone, is shown rather than asked; the
/// multi-line forms were already ordinary (a newcomer found the one-line ones injected). Read
/// through a loop, so the trainer does not learn them.
#[test]
fn a_pasted_error_line_or_key_prompt_is_not_a_go_on() {
    for p in [
        "ValueError: continue",
        "KeyError: 'resume'",
        "Traceback\nValueError: continue",
        "Traceback (most recent call last)\nValueError: continue",
        "Error: boom\nValueError: continue",
        "Press any key to continue",
        "press any key to continue",
        "Press Enter to continue",
    ] {
        assert!(!is_continuation(p), "{p:?}");
    }
    for p in [
        "KeyError: 'x'\nok, continue",
        "continue",
        "press on, continue with the tests",
    ] {
        assert!(is_continuation(p), "{p:?}");
    }
}

#[test]
fn the_same_words_in_other_senses_stay_ordinary() {
    // Slash commands other than Claude Code's /continue and /resume.
    assert!(!is_continuation("/status"));
    assert!(!is_continuation("/resume-parser"));
    assert!(is_continuation("/resume"));
    // Told not to go on, in other languages.
    assert!(!is_continuation(
        "nicht weitermachen, ich will den Plan erst überarbeiten"
    ));
    assert!(!is_continuation("不要继续了，重新开始设计数据库"));
    assert!(!is_continuation(
        "mat continue karo, naye tarike se shuru karte hain"
    ));
    // The user asks how they go on.
    assert!(!is_continuation(
        "the terraform apply was interrupted — how do I recover the state lock and continue?"
    ));
    // A list to write, a loop's next item. (Going on with the work on more of it, or with a
    // change of how — "carry on the conversion for the remaining modules", "carry on, but use
    // tabs not spaces" — is a continuation under the one labelling rule, decision 144.)
    assert!(!is_continuation(
        "can you continue the list of countries with their capitals?"
    ));
    assert!(!is_continuation(
        "catch the exception and keep going with the next file"
    ));
    assert!(!is_continuation("on failure, continue with the next file"));
    assert!(!is_continuation(
        "the generator should yield, then resume from the same state on the next call"
    ));
    assert!(!is_continuation("next, add a test"));
    assert!(!is_continuation("back to the old implementation please"));
    assert!(!is_continuation("keep going until the queue is empty"));
    // A long prompt whose last paragraph is about the code shown.
    assert!(!is_continuation(
        "```python\nfor row in rows:\n    if not row:\n        continue\n    process(row)\n```\nis \
         there a more pythonic way to write this? I want to keep the loop readable and fast for \
         large inputs, and ideally avoid the explicit continue statement entirely if possible"
    ));
    assert!(!is_continuation("continue the loop when the row is empty"));
    assert!(!is_continuation("git rebase --continue says no changes"));
    assert!(!is_continuation("update my résumé with the new job"));
    assert!(!is_continuation("where were the config files loaded from?"));
    assert!(!is_continuation(
        "continue training the model for 3 more epochs"
    ));
    assert!(!is_continuation("what did I break? the page is blank"));
    assert!(!is_continuation("go ahead, and also delete the old branch"));
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

#[test]
fn the_kinds_heldout6_missed_are_caught() {
    // Letters typed out of order, a letter doubled in the wrong place, "ahead" short a letter,
    // "why'd".
    assert!(is_continuation("cotninue"));
    assert!(is_continuation("contineu plaese"));
    assert!(is_continuation("kepp at it"));
    assert!(is_continuation("go ahaed"));
    assert!(is_continuation("whyd you pause? carry on"));
    // Going on with a piece of work: two modifiers, "of the …", "continue with", going back to
    // the main one, the conversation of our own.
    assert!(is_continuation("resume the search index rewrite"));
    assert!(is_continuation(
        "proceed with the cleanup of the auth module"
    ));
    assert!(is_continuation("alright, carry on with the port"));
    assert!(is_continuation("ok forget that, back to the main work"));
    assert!(is_continuation("returning to the onboarding work"));
    assert!(is_continuation(
        "let's continue our discussion about the retry logic"
    ));
    assert!(is_continuation("move forward with the plan"));
    // Where the session was, named loosely; the continuing said as a noun or after "make".
    assert!(is_continuation("please carry on with previous task"));
    assert!(is_continuation("continue from last step"));
    assert!(is_continuation("do continuation of the work"));
    assert!(is_continuation("make continue"));
    assert!(is_continuation("restart from the last checkpoint"));
    // Finishing what is left.
    assert!(is_continuation("wrap up whatever is still open"));
    assert!(is_continuation("let's knock out the remaining items"));
    assert!(is_continuation("alright, let's close it out"));
    // The session's decisions and progress asked back, a briefing, the plan reminded.
    assert!(is_continuation("what did we agree on for the cache keys?"));
    assert!(is_continuation("remind me why we picked redis again"));
    assert!(is_continuation("what have you done so far on this ticket?"));
    assert!(is_continuation("any items on the checklist still open?"));
    assert!(is_continuation("where did we leave off with the importer?"));
    assert!(is_continuation("brief me on the progress"));
    assert!(is_continuation("remind me of our next steps"));
    assert!(is_continuation(
        "remind me what we were doing before you crashed"
    ));
    // Beside the continuation: the work left, a condition on it, something put off, a status
    // asked first, what the session said it would do, the plan's items listed.
    assert!(is_continuation("keep going, there are still 2 pages left"));
    assert!(is_continuation(
        "is the fix done? if not finished, continue"
    ));
    assert!(is_continuation(
        "the docs can wait. carry on with the refactor"
    ));
    assert!(is_continuation("how far are we? continue afterwards"));
    assert!(is_continuation(
        "you said you'd write the tests next. do it"
    ));
    assert!(is_continuation(
        "continue\n- add the docs\n- bump the version"
    ));
}

#[test]
fn the_kinds_heldout6_taught_keep_their_other_senses() {
    assert!(!is_continuation("resume the paused worker job"));
    assert!(!is_continuation(
        "continue the implementation of quicksort in C"
    ));
    assert!(!is_continuation(
        "continue with the update of the user record"
    ));
    assert!(!is_continuation("back to the old implementation"));
    assert!(!is_continuation("return to the previous page after login"));
    assert!(!is_continuation(
        "continue the conversation between Alice and Bob"
    ));
    assert!(!is_continuation("which items are still open in the queue?"));
    assert!(!is_continuation(
        "any todo comments still open in the codebase?"
    ));
    assert!(!is_continuation("what is still pending in the promise?"));
    assert!(!is_continuation("why did we choose sqlite over postgres"));
    assert!(!is_continuation("remind me of the syntax for match"));
    assert!(!is_continuation("remind me what you were doing wrong"));
    assert!(!is_continuation("brief me on how OAuth works"));
    assert!(!is_continuation("where did we leave the api keys?"));
    assert!(!is_continuation("finish what is left of the loop body"));
    assert!(!is_continuation("do everything that's left in the queue"));
    assert!(!is_continuation("redo the last commit"));
    assert!(!is_continuation("restart from scratch"));
    assert!(!is_continuation(
        "redo from the last checkpoint in train.py"
    ));
    assert!(!is_continuation("make continue work in the loop"));
    assert!(!is_continuation("the function can wait"));
    assert!(!is_continuation(
        "is the migration complete on prod? check the logs"
    ));
    assert!(!is_continuation("keep going vs stopping on error in bash"));
    assert!(!is_continuation("go forward one step in the debugger"));
    assert!(!is_continuation("what did you change in the config?"));
    assert!(!is_continuation(
        "I kept going with the old approach, was that wrong?"
    ));
}

#[test]
fn a_go_on_that_ends_what_was_shown_or_answered_is_read() {
    // The last line after output pasted, the last sentence after an answer (decision 145).
    assert!(is_continuation(
        "deploy finished:\n$ kubectl get pods\nweb-1   Running\nweb-2   Running\ncarry on"
    ));
    assert!(is_continuation("it's `main` not `master`. keep going"));
    assert!(is_continuation(
        "the bucket is `assets-prod-eu`. continue with the upload step"
    ));
    assert!(is_continuation(
        "reviewed it:\n- names are fine\n- the tests pass\ncontinue with the next part"
    ));
    // What follows a question elaborates on it; a question at the end asks about what came
    // before; a list item or an indented line is part of what was pasted.
    assert!(!is_continuation(
        "status of the npm registry? it keeps returning 503"
    ));
    assert!(!is_continuation(
        "getting this when I run it:\nError: connect ECONNREFUSED 127.0.0.1:5432\nwhat's going on"
    ));
    assert!(!is_continuation(
        "summarise these notes:\n- drop IE\n- Q3 is about speed\n- keep going with hiring"
    ));
    assert!(!is_continuation(
        "for x in xs:\n    if not x:\n        continue\n    total += x"
    ));
    assert!(!is_continuation(
        "the loop skips the last item. why does continue do that?"
    ));
}

#[test]
fn punctuation_that_is_prose_does_not_stop_the_reading() {
    // A product name, a Greek question mark, a frown, an aside, many commas.
    assert!(is_continuation("reopened vs code, can you continue"));
    assert!(is_continuation("πού είχαμε μείνει;"));
    assert!(is_continuation(
        "the laptop died :( carry on from where you were"
    ));
    assert!(is_continuation("(on my phone) carry on pls"));
    assert!(is_continuation(
        "so, um, right, ok, yeah, so, keep going with the, um, caching layer"
    ));
    // Code stays code, options stay options, and a thing kept is not work kept going.
    assert!(!is_continuation("continue -f"));
    assert!(!is_continuation("what does `continue` do in a for loop?"));
    assert!(!is_continuation("continue=1 -> break"));
    assert!(!is_continuation("keep it"));
    assert!(!is_continuation("keep both"));
    assert!(is_continuation("keep it up"));
    assert!(!is_continuation("Keep going VS Code's defaults or ours?"));
}

#[test]
fn what_was_pasted_quoted_or_described_does_not_go_on() {
    // Found by the break attempt on the sixth model: each injected the journal there.
    for p in [
        "Error: process exited\nPress any key to continue",
        "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nValueError: continue",
        "Add a button labelled:\nContinue",
        "Slack thread:\nDan: is the deploy done?\nMe: not yet\nDan: ok keep going",
        "for x in items:\n    if x is None:\n        continue\n    process(x)\ncontinue",
        "README:\nTo build, run make.\nThen continue with the installation.",
        "Stop the pipeline if a stage fails. Otherwise continue.",
        "The coroutine suspends at await. Then it resumes.",
        "Make the retry loop log each attempt. Keep going until it succeeds.",
        "Skip empty lines. Continue with the next line.",
        "step 1 -> step 2 -> next",
        "close the PR",
        "all of them",
        "then run the tests",
    ] {
        assert!(!is_continuation(p), "{p:?}");
    }
    // The user's own go-on after what they pasted stays one.
    assert!(is_continuation(
        "ok the tests pass now:\n\ntest result: ok. 42 passed; 0 failed\n\ncontinue"
    ));
    assert!(is_continuation(
        "I installed the missing package:\n$ pip install requests\nSuccessfully installed requests-2.31\nplease continue"
    ));
}

/// Short asks with no cue word, from learned sets the gate kept from the model before decision
/// 158, now reach it; a prompt with no cue word is still never read when it is longer than a
/// line, code, a program's text or a slash command. (A loop, so that the trainer, which learns
/// the literal examples this file asserts, does not learn these.)
#[test]
fn a_short_ask_with_no_cue_word_is_read_by_the_model() {
    for p in [
        "wie ist der Stand?",
        "tulifika wapi?",
        "ok now the other 3",
        "anything still blocked?",
        "kamel ya basha",
    ] {
        assert!(!has_cue_word(p), "{p:?} has a cue word");
        assert!(is_continuation(p), "{p:?}");
    }
    // Each of these the model alone is sure of; a gate stops it: two lines, code, a slash
    // command, a program's text, more than 80 bytes.
    let long = |n: usize| format!("eta{}?", " ".repeat(n - 4));
    let gated = [
        "and?\nand?".to_owned(),
        "`x` any update? eta? still on it?".to_owned(),
        "/any update? eta? still on it?".to_owned(),
        "ValueError: any update? eta? still on it?".to_owned(),
        long(81),
    ];
    for p in &gated {
        assert!(!has_cue_word(p), "{p:?} has a cue word");
        assert!(
            model::score(p.trim()) > model::SURE,
            "{p:?} is not a gate's case"
        );
        assert!(!is_continuation(p), "{p:?}");
    }
    assert!(is_continuation(&long(80)), "80 bytes are read");
}
