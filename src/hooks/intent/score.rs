//! The scored reading, for what the grammar does not know word for word.
//!
//! Each clause gets a cue strength: how surely it asks about, or to go on with, the session's own
//! work. A clause starts (after greetings and politeness) with a cue — a verb of going on
//! ("continue", "keep working on", "pick … back up", "back to"), a question about where the
//! session stands ("where did we stop", "what were you in the middle of"), "the next step",
//! "the rest", or a German, French or Spanish one. What follows the cue adds to it when it points
//! back at the session ("from before", "we started", "the plan", "the search feature *work*") and
//! takes from it when it names a code object ("the loop", "parser.rs", `resume_session`). The
//! prompt is a continuation when one clause is strong enough and no other clause brings code, a
//! condition ("if the file is missing"), a new task ("explain …", "add …"), a question about
//! something else, or a "no".

use super::cues::*;
use super::lists::{AFTER_REF, LOOPISH, NEUTRAL, SESSION_REFS};
use super::typos::distance;

/// Verbs whose very sense is to go back to something already under way: they need no marker.
const RESUMING: &[&str] = &["keep", "back", "jump", "dive", "hop", "return"];

/// The cue verbs a typo is mended towards, when a word is not a real one.
const TYPO_TARGETS: &[&str] = &["continue", "resume", "proceed", "going", "where"];

fn is(w: &str, list: &[&str]) -> bool {
    list.contains(&w)
}

/// `w`, or the cue verb it is a typo of ("contineu", "resum", "proced").
fn mended(w: &str) -> &str {
    if w.len() < 4 || !w.is_ascii() || is(w, FILLER) {
        return w;
    }
    // A letter held down: "weee", "keeep", "gooo".
    if let Some(held) = held_letter(w) {
        return held;
    }
    for t in TYPO_TARGETS {
        let max = 1;
        // Real words next to the cue verbs are not typos of them.
        if w.as_bytes()[0] == t.as_bytes()[0]
            && !matches!(
                w,
                "resumes"
                    | "resumed"
                    | "continued"
                    | "continues"
                    | "proceeds"
                    | "proceeded"
                    | "whereas"
                    | "wherever"
                    | "doing"
                    | "gone"
                    | "goings"
                    | "resort"
                    | "result"
                    | "reuse"
                    | "rescue"
                    | "resume"
                    | "continue"
                    | "proceed"
                    | "going"
                    | "where"
                    | "were"
                    | "here"
                    | "there"
                    | "wheres"
            )
            && distance(w.as_bytes(), t.as_bytes(), max).is_some()
        {
            return t;
        }
    }
    w
}

/// Evidence of code in the raw prompt: identifiers, paths, file names, quotes.
pub(super) fn code_evidence(raw: &str) -> bool {
    raw.split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | ':' | ';' | '(' | ')'))
        .any(|w| {
            let w = w.trim_end_matches('.');
            let b = w.as_bytes();
            b.len() > 1
                && (w.contains('_')
                    || w.contains("::")
                    || w.contains('/') && b.len() > 2
                    || w.contains('"')
                    // "parser.rs", "resume.tex", "PLAN.md"; not "e.g".
                    || w.split_once('.').is_some_and(|(a, e)| {
                        !a.is_empty() && (2..=4).contains(&e.len()) && e.bytes().all(|c| c.is_ascii_alphabetic())
                    })
                    // camelCase and PascalCase inside a word: "forEach", "resumeSession".
                    || b.windows(2).skip(1).any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase())
                        && !NAMES.iter().any(|n| n.eq_ignore_ascii_case(w)))
        })
}

/// Names written in camel case that are not identifiers: "port the modules to TypeScript".
const NAMES: &[&str] = &[
    "typescript",
    "javascript",
    "github",
    "gitlab",
    "bitbucket",
    "postgresql",
    "graphql",
    "youtube",
    "powershell",
    "iphone",
    "ipad",
    "macos",
    "ios",
    "linkedin",
    "openai",
    "devops",
    "nodejs",
    "mysql",
    "mongodb",
    "webpack",
    "pypi",
    "npm",
    "sqlite",
];

/// Articles, pronouns and particles: not the thing a cue goes on with.
const NOISE: &[&str] = &[
    "the", "a", "an", "our", "my", "your", "this", "that", "it", "them", "these", "those", "all",
    "up", "off", "back", "again", "too",
];

/// Where a noun phrase ends: a preposition, or a pronoun starting a clause ("the refactor we
/// started").
const PHRASE_ENDS: &[&str] = &[
    "with", "on", "in", "of", "from", "to", "for", "after", "at", "about", "into", "through", "we",
    "you", "i", "when", "where", "while", "by",
];

/// How surely the words after a cue point at the session's own work: markers pointing back
/// ("from before", "we started"), the head nouns of its phrases ("the auth *work*", not "the
/// plan *view*"), minus code nouns, conditions, numbers and "a/another" (something new).
fn object(rest: &[&str], resuming: bool) -> i32 {
    let content = |w: &&str| !is(w, FILLER) && !is(w, NOISE) && !is(w, PHRASE_ENDS);
    // Markers and code are looked for in every word but the small ones.
    let words: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|w| content(w) || is(w, &["where", "when", "while"]))
        .collect();
    if words.is_empty() {
        return 2;
    }
    let mut score = i32::from(resuming) * 2;
    let subject = rest
        .iter()
        .any(|w| is(w, &["we", "you", "i", "things", "our"]));
    let joined = rest.join(" ");
    if SESSION_REFS.iter().any(|r| joined.contains(r)) {
        score += 3;
    }
    for w in &words {
        if let Some((_, s)) = MARKERS.iter().find(|(m, _)| m == w)
            && (subject || !is(w, NEEDS_SUBJECT))
        {
            score += s;
        }
    }
    // A condition or a refusal; but "the failing tests", "the missing docs" only say which.
    for (i, w) in rest.iter().enumerate() {
        let adjective = is(w, &["failing", "failed", "missing", "empty"])
            && i > 0
            && is(rest[i - 1], &["the", "those", "these", "all", "our"]);
        if is(w, AGAINST) && !adjective {
            score -= 4;
        }
    }
    // "the tests you were writing", "the bug we were chasing": the session's own doing.
    if rest.windows(3).any(|t| {
        is(t[0], &["we", "you", "i"]) && is(t[1], &["were", "was"]) && t[2].ends_with("ing")
    }) {
        score += 2;
    }
    for (i, w) in words.iter().enumerate() {
        // "resume from byte offset 1024": a number of two digits or more is data; "step 12" is
        // the plan's.
        let step = i > 0 && is(words[i - 1], STEP_WORDS);
        if w.len() >= 2 && w.bytes().all(|c| c.is_ascii_digit()) && !step {
            score -= 3;
        }
    }
    // "the previous session", "your last message": ours; "the previous implementation": code.
    for (i, w) in rest.iter().enumerate() {
        if is(w, &["previous", "last"]) && i + 1 < rest.len() {
            // "the last step", "the last successful step".
            let next = if rest.len() > i + 2 && rest[i + 1].ends_with("ful") {
                rest[i + 2]
            } else {
                rest[i + 1]
            };
            score += if is(next, WORK_HEADS)
                || is(
                    next,
                    &[
                        "message",
                        "answer",
                        "reply",
                        "conversation",
                        "chat",
                        "discussion",
                    ],
                ) {
                2
            } else {
                -1
            };
        }
    }
    // "after the tab becomes visible", "after a network error": a condition; "after the
    // compaction", "after lunch": the session's own pause.
    for (i, w) in rest.iter().enumerate() {
        if is(w, &["after", "once"]) {
            let pause = rest[i + 1..]
                .iter()
                .all(|w| is(w, NEUTRAL) || is(w, &["the", "a", "compaction", "reset", "restart"]));
            if !pause {
                score -= 4;
            }
        }
    }
    // "the remaining endpoints", "the rest of the files", "the other handlers": the rest of a
    // batch the session was working through; what it names is not code to go on with.
    // Only when nothing else is named before it but the work ("the refactor to the other
    // files", not "the conversion for the remaining modules" nor "the same approach for the
    // other files"), and not "on the next call" (a time).
    let batch = rest.iter().enumerate().position(|(i, w)| {
        is(w, &["remaining", "other", "others", "next", "rest"])
            && (i == 0 || is(rest[i - 1], &["the", "with", "to", "for", "our", "your"]))
            && !(i >= 2 && is(rest[i - 2], &["on", "at", "in", "until", "after", "before"]))
            && rest[..i]
                .iter()
                .filter(|w| content(w))
                .all(|w| is(w, WORK_HEADS) || is(w, WORK_KINDS) || *w == "same")
            && rest_of_a_batch(w, &rest[i + 1..])
    });
    if batch.is_some() {
        score += 2;
    }
    // Code nouns, unless they only say which work ("the *parser* rewrite" is a rewrite).
    for phrase in rest[..batch.unwrap_or(rest.len())].split(|w| is(w, PHRASE_ENDS)) {
        let last = phrase.iter().rposition(content);
        for (j, w) in phrase.iter().enumerate() {
            let names_the_work = last == Some(j + 1) && is(phrase[j + 1], WORK_KINDS);
            if is(w, CODE) && !names_the_work {
                score -= 3;
            }
        }
    }
    // "continue with what's left", "whatever was next": the session's own list, if it ends
    // there ("what's left of the cake recipe" is about the recipe).
    let tail = rest
        .iter()
        .rev()
        .skip_while(|w| is(w, FILLER))
        .take(2)
        .copied()
        .collect::<Vec<_>>();
    if matches!(tail.as_slice(), ["left" | "next", "whats" | "was" | "is"]) {
        score += 3;
    }
    // "a claude code session", "another branch", "a new feature": not ours.
    if rest
        .iter()
        .any(|w| is(w, &["a", "an", "another", "new", "any"]))
    {
        score -= 3;
    }
    // The head of each phrase (its last word, numbers aside): the work itself, or its kind.
    let work = rest
        .split(|w| is(w, PHRASE_ENDS))
        .filter_map(|phrase| {
            phrase
                .iter()
                .rev()
                .find(|w| content(w) && !w.bytes().all(|c| c.is_ascii_digit()))
        })
        .map(|head| {
            if is(head, WORK_HEADS) {
                2
            } else {
                i32::from(is(head, WORK_KINDS))
            }
        })
        .max()
        .unwrap_or(0);
    // "continue with the refactor", "keep going on the migration": already under way.
    let under_way = work > 0 && rest.first().is_some_and(|w| is(w, &["with", "on", "into"]));
    // "continue the todo list", "where are we on the checklist": the session's list, when the
    // clause ends on it ("the list of countries" is a list to write).
    if rest
        .iter()
        .rev()
        .find(|w| content(w))
        .is_some_and(|w| is(w, &["list", "checklist"]))
    {
        score += 2;
    }
    // "our list", "our plan": the session's own.
    score += i32::from(rest.contains(&"our"));
    score += work + i32::from(under_way);
    if words.len() > 7 {
        score -= 2;
    }
    score
}

/// What may follow the thing of a batch: "too", "the same way you did the first ones", "you
/// haven't gotten to yet", "like we discussed".
const BATCH_TAIL: &[&str] = &[
    "too",
    "as",
    "well",
    "also",
    "yet",
    "you",
    "we",
    "i",
    "havent",
    "hadnt",
    "didnt",
    "gotten",
    "got",
    "to",
    "done",
    "left",
    "like",
    "discussed",
    "the",
    "same",
    "way",
    "did",
    "first",
    "ones",
    "before",
    "earlier",
    "still",
    "in",
    "this",
    "that",
    "list",
    "plan",
    "from",
];

/// The words after "remaining", "next", "other", "others" or "rest" name the rest of a batch,
/// and the clause ends there: "[of the] [6] services [too]", "of them", "one"; for "others",
/// nothing but [`BATCH_TAIL`] words.
pub(super) fn rest_of_a_batch(trigger: &str, after: &[&str]) -> bool {
    let mut r = after;
    if trigger == "others" {
        return r.iter().all(|w| is(w, BATCH_TAIL));
    }
    if let ["of", more @ ..] = r {
        r = more;
        if let ["them" | "those", tail @ ..] = r {
            return tail.iter().all(|w| is(w, BATCH_TAIL));
        }
    }
    if let ["the" | "these" | "those" | "our" | "my" | "your", more @ ..] = r {
        r = more;
    }
    if let [n, more @ ..] = r
        && n.len() <= 3
        && n.bytes().all(|c| c.is_ascii_digit())
    {
        r = more;
    }
    let [noun, tail @ ..] = r else {
        return false;
    };
    noun.len() >= 3
        && noun.bytes().all(|c| c.is_ascii_lowercase())
        && !is(noun, PHRASE_ENDS)
        && !is(noun, NOISE)
        && !is(noun, AGAINST)
        && tail.iter().all(|w| is(w, BATCH_TAIL))
}

/// Strip the fillers at the start of a clause.
fn skip_fillers<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    let n = words
        .iter()
        .enumerate()
        .take_while(|(i, w)| {
            is(w, FILLER)
                // "back to the task" is a cue, "back" alone ("i'm back") a greeting.
                && !(**w == "back" && words.get(i + 1).is_some_and(|n| is(n, &["to", "into", "on", "in"])))
        })
        .count();
    &words[n..]
}

/// The cue strength of one normalised clause; `None` when it has no cue at all.
fn clause_cue(clause: &str) -> Option<i32> {
    let all: Vec<&str> = clause.split(' ').map(mended).collect();
    // "you were partway through the api docs", "we were in the middle of something": the
    // session's own past, told.
    if let [who, "were" | "was", how, ..] = all.as_slice()
        && is(who, &["you", "we", "i"])
        && !all.contains(&"wrong")
        && is(
            how,
            &["partway", "halfway", "in", "working", "doing", "busy"],
        )
    {
        return Some(3);
    }
    // "can i resume a session from another machine?": the user asks how, not us to go on.
    if let ["can" | "could", "i", ..] = all.as_slice() {
        return None;
    }
    if asks_if_done(&all) {
        return Some(3);
    }
    let mut words = skip_fillers(&all);
    // "continue if not", "keep going otherwise": the condition is on the work just asked about.
    if let [more @ .., "if", "not"] | [more @ .., "otherwise"] = words {
        words = more;
    }
    // "if not, keep going", "otherwise keep going": what to do after a question about our work.
    if let ["if", "not", rest @ ..] | ["otherwise", rest @ ..] = words {
        words = rest;
    }
    if words.is_empty() {
        return None;
    }
    // A German, French or Spanish cue, in a short clause.
    let foreign_phrase = || {
        FOREIGN_PHRASES
            .iter()
            .any(|p| clause.starts_with(p) || clause.contains(&format!(" {p}")))
    };
    let cjk = || {
        !clause.is_ascii()
            && CJK.iter().any(|p| clause.contains(p))
            && !CJK_TASK.iter().any(|p| clause.contains(p))
    };
    if clause.split(' ').any(|w| is(w, FOREIGN))
        || all == ["on", "continue"]
        || words == ["on", "continue"]
        || foreign_phrase()
        || cjk()
    {
        // "nicht weitermachen", "不要继续了", "mat continue karo": told not to go on.
        let negated = clause.split(' ').any(|w| is(w, FOREIGN_NOT))
            || !clause.is_ascii() && CJK_NOT.iter().any(|n| clause.contains(n));
        return Some(if all.len() <= 8 && !negated { 3 } else { 0 });
    }
    // A question about where the session stands: "where did we stop", "what were you in the
    // middle of", "what did we leave unfinished", "what was the last thing you did".
    // "how far did you get" asks where things stand, as "where did you get to" does.
    let asked = match words {
        ["how", "far", more @ ..] => Some(("where", more)),
        // "how much is left", "how much work remains": what is left of the session's work, with
        // nothing else named ("how much is left of the budget" is about the budget).
        ["how", "much", more @ ..] => {
            let ours = more.iter().all(|w| {
                is(
                    w,
                    &[
                        "is",
                        "left",
                        "remains",
                        "remaining",
                        "still",
                        "to",
                        "do",
                        "go",
                        "there",
                        "work",
                        "of",
                        "the",
                        "task",
                        "plan",
                        "our",
                    ],
                )
            });
            let left = more
                .iter()
                .any(|w| is(w, &["left", "remains", "remaining", "go"]));
            return (ours && left && more.len() <= 6).then_some(3);
        }
        [wh, more @ ..] => Some((*wh, more)),
        [] => None,
    };
    if let Some((wh, [aux, rest @ ..])) = asked {
        // "where'd", "where's".
        let wh = wh
            .strip_suffix(['d', 's'])
            .filter(|w| *w == "where")
            .unwrap_or(wh);
        if matches!(wh, "what" | "where" | "whered" | "whats")
            && matches!(
                *aux,
                "were"
                    | "was"
                    | "did"
                    | "had"
                    | "have"
                    | "we"
                    | "is"
                    | "remaining"
                    | "remains"
                    | "still"
                    | "left"
                    | "outstanding"
                    | "pending"
                    | "open"
                    | "the"
                    | "on"
                    | "been"
            )
        {
            // "what's on the agenda from yesterday": what is on it must be ours.
            if *aux == "on" {
                return Some(object(rest, false));
            }
            if is(aux, &["was", "were"]) && asks_our_doing(rest) {
                return Some(3);
            }
            let subject = is(aux, &["we", "you", "i"])
                || rest
                    .iter()
                    .take(4)
                    .any(|w| is(w, &["we", "you", "i", "things", "our"]));
            // "before the break", not "what did i break".
            let a_pause = |i: usize| {
                i > 0
                    && is(
                        rest[i - 1],
                        &["the", "a", "my", "our", "lunch", "coffee", "short"],
                    )
            };
            let tail_ok = rest.iter().enumerate().all(|(i, w)| {
                if *w == "break" {
                    return a_pause(i);
                }
                is(
                    w,
                    &[
                        "we",
                        "you",
                        "i",
                        "doing",
                        "working",
                        "on",
                        "in",
                        "the",
                        "middle",
                        "of",
                        "up",
                        "to",
                        "do",
                        "did",
                        "stop",
                        "stopped",
                        "leave",
                        "left",
                        "off",
                        "get",
                        "got",
                        "end",
                        "land",
                        "landed",
                        "away",
                        "while",
                        "was",
                        "break",
                        "unfinished",
                        "things",
                        "our",
                        "done",
                        "context",
                        "reset",
                        "about",
                        "compaction",
                        "compacted",
                        "last",
                        "thing",
                        "at",
                        "with",
                        "remaining",
                        "left",
                        "still",
                        "status",
                        "from",
                        "plan",
                        "next",
                        "step",
                        "have",
                        "task",
                        "work",
                        "session",
                        // "what was next on the todo list we made", "what's still pending from
                        // our todo", "what did you finish before i left".
                        "todo",
                        "todos",
                        "list",
                        "checklist",
                        "made",
                        "pending",
                        "completed",
                        "finish",
                        "finished",
                        "been",
                        // "what remains to be done", "what were the open items again".
                        "be",
                        "open",
                        "outstanding",
                    ],
                ) || is(w, AFTER_REF)
                    // "what were the remaining steps", "the open items".
                    || is(w, WORK_HEADS)
                    // "before lunch", "asking you": greetings, breaks and the compaction.
                    || is(w, NEUTRAL)
                    || is(w, FILLER)
            });
            let standing = matches!(
                *aux,
                "left"
                    | "remaining"
                    | "remains"
                    | "still"
                    | "next"
                    | "outstanding"
                    | "pending"
                    | "open"
                    | "been"
            ) || rest.first() == Some(&"next");
            if tail_ok
                && (subject
                    || standing
                    || rest.iter().any(|w| {
                        is(
                            w,
                            &[
                                "plan",
                                "yesterday",
                                "before",
                                "earlier",
                                "remaining",
                                "left",
                                "unfinished",
                                "open",
                                "outstanding",
                                "pending",
                            ],
                        )
                    }))
            {
                return Some(3);
            }
            // "where was i with the report generator", "whats the status of the migration": a
            // few words of the thing after "with", "on" or "of".
            // "where'd we end up on the search feature", "where did we land on the caching
            // question", "what did we decide last time about the schema".
            if let Some(i) = rest
                .iter()
                .position(|w| is(w, &["with", "on", "of", "about"]))
            {
                let (before, thing) = rest.split_at(i);
                let asks = before.iter().all(|w| {
                    is(
                        w,
                        &[
                            "we", "you", "i", "get", "got", "to", "did", "were", "was", "leave",
                            "left", "off", "stop", "status", "the", "progress", "state", "at",
                            "current", "do", "end", "up", "land", "landed", "decide", "decided",
                            "agree", "agreed", "last", "time", "done", "finished", "so", "far",
                            "have",
                        ],
                    )
                });
                // "what was left on the todo list": the standing of our own list; "what's left
                // of the budget" is about the budget, so what is left must be of the work.
                let thing = &thing[1..];
                let status = before.contains(&"status");
                let work = thing.iter().any(|w| {
                    is(w, WORK_HEADS) || is(w, WORK_KINDS) || is(w, &["list", "checklist"])
                });
                let standing = (is(aux, &["left", "remaining", "remains"])
                    || before.iter().any(|w| is(w, &["left", "remaining"])))
                    && work
                    || status;
                // "what have you done so far on the migration", not "what have you done with
                // my changes".
                let accuses = before.contains(&"done") && !before.contains(&"far");
                if asks && !accuses && object(thing, subject || standing) >= 2 {
                    return Some(3);
                }
            }
            // "where did we leave the auth refactor": the work, not "the backup script".
            if let Some(i) = rest.iter().position(|w| *w == "leave")
                && subject
                && object(&rest[i + 1..], false) >= 1
                && rest[i + 1..]
                    .iter()
                    .any(|w| is(w, WORK_HEADS) || is(w, WORK_KINDS))
            {
                return Some(3);
            }
            // "where's the migration at", "where is our plan at": how far the work has got.
            let at = match (*aux, rest) {
                ("the" | "our", [thing @ .., "at"]) => Some(thing),
                ("is", ["the" | "our", thing @ .., "at"]) => Some(thing),
                _ => None,
            };
            if wh == "where"
                && let Some(thing) = at
                && (1..=2).contains(&thing.len())
                && thing
                    .last()
                    .is_some_and(|w| is(w, WORK_HEADS) || is(w, WORK_KINDS))
                && !thing.iter().any(|w| is(w, CODE))
            {
                return Some(3);
            }
            return None;
        }
    }
    // "which items from the checklist are still open", "what todo items are remaining".
    if let ["which" | "what", rest @ ..] = words {
        let ours = rest.iter().all(|w| {
            is(w, WORK_HEADS)
                || is(
                    w,
                    &[
                        "items",
                        "from",
                        "the",
                        "checklist",
                        "list",
                        "todo",
                        "our",
                        "plan",
                        "are",
                        "is",
                        "still",
                        "open",
                        "left",
                        "remaining",
                        "remain",
                        "pending",
                        "unfinished",
                        "done",
                        "not",
                        "yet",
                    ],
                )
        });
        let standing = rest.iter().any(|w| {
            is(
                w,
                &[
                    "still",
                    "left",
                    "remaining",
                    "remain",
                    "pending",
                    "unfinished",
                ],
            )
        });
        return (ours && standing).then_some(3);
    }
    // "catch me up on what happened while i was away", "get me up to speed on the task", "fill
    // me in on the migration": on the session's own doings or its work.
    let briefed = match words {
        ["catch", "me" | "us", "up", "on" | "with", about @ ..]
        | ["catch", "up", "on" | "with", about @ ..]
        | [
            "get" | "bring",
            "me" | "us",
            "up",
            "to",
            "speed",
            "on" | "with",
            about @ ..,
        ]
        | ["fill", "me" | "us", "in", "on", about @ ..]
        | ["brief" | "update", "me" | "us", "on", about @ ..] => Some(about),
        _ => None,
    };
    if let Some(about) = briefed {
        let ours = about.iter().all(|w| {
            is(
                w,
                &[
                    "what",
                    "happened",
                    "while",
                    "i",
                    "was",
                    "were",
                    "away",
                    "gone",
                    "out",
                    "you",
                    "did",
                    "we",
                    "where",
                    "are",
                    "so",
                    "far",
                    "progress",
                    "been",
                    "done",
                    "have",
                    "everything",
                    "the",
                    "since",
                    "left",
                    "our",
                ],
            )
        });
        // "on the task", "on our migration"; not "on how kubernetes operators work".
        let the_work = about
            .first()
            .is_some_and(|w| is(w, &["the", "our", "this", "that", "my", "your"]))
            && object(about, false) >= 1;
        if ours || the_work {
            return Some(3);
        }
    }
    // "can you tell me what's been completed": the question that follows is the ask.
    if let ["tell", "me", rest @ ..] = words
        && !rest.is_empty()
    {
        return clause_cue(&rest.join(" "));
    }
    // "remind me where we left off", "recap what we did", "catch me up".
    if let [first, rest @ ..] = words
        && matches!(*first, "remind" | "recap" | "catch")
        // "catch the exception": catch only as "catch up".
        && (*first != "catch" || rest.iter().find(|w| **w != "me") == Some(&"up"))
    {
        let rest: Vec<&str> = rest.iter().copied().filter(|w| *w != "me").collect();
        // "catch me up", "catch up": on the session, when nothing else is named.
        if *first == "catch" && rest == ["up"] {
            return Some(3);
        }
        return clause_cue(&rest.join(" ")).or(Some(0));
    }
    // "the next step", "next task on the list", "the remaining items in the plan".
    if let Some(i) = words
        .iter()
        .position(|w| *w == "next" || *w == "remaining" || *w == "rest")
    {
        let lead_ok = words[..i].iter().all(|w| {
            is(
                w,
                &[
                    "the", "do", "on", "to", "go", "with", "move", "ok", "continue", "onto",
                    "proceed", "whats", "what", "is", "our", "execute", "complete", "finish",
                    "handle", "tackle",
                ],
            )
        });
        let rest = &words[i + 1..];
        let head_ok = rest.first().is_none_or(|w| {
            is(
                w,
                &[
                    "step", "steps", "item", "items", "task", "tasks", "part", "one", "thing",
                    "of", "bit", "on", "in", "from", "todo", "todos",
                ],
            )
        });
        // A bare "what's next?" after other words asks about those words ("here's the stack
        // trace, what's next?"): the grammar takes it alone or beside a greeting.
        let bare_question = rest.is_empty() && words[..i].iter().any(|w| is(w, &["what", "whats"]));
        // "the next item on the list", not "the remaining items in the cart disappear": the
        // phrase ends on the work, the plan or its list.
        let ends_on_work = rest.iter().rev().find(|w| !is(w, FILLER)).is_none_or(|w| {
            is(w, WORK_HEADS)
                || is(w, &["list", "plan", "todo", "todos", "agenda"])
                // "do the rest of them": of what the session had.
                || is(w, &["them", "those"])
                || MARKERS.iter().any(|(m, _)| m == w)
        });
        if lead_ok && head_ok && ends_on_work && !bare_question && object(rest, false) + 1 >= 2 {
            return Some(3);
        }
        // "ok next file", "do the remaining ones", "the next batch": on through the batch.
        if lead_ok && !bare_question && rest_of_a_batch(words[i], rest) {
            return Some(3);
        }
    }
    // "keep rolling", "keep pushing", "keep at it": keep, and a verb of doing.
    if let ["keep", how, rest @ ..] = words
        && (how.ends_with("ing") && !is(how, &["going", "working"]) || *how == "on")
    {
        // "keep iterating until they pass", "keep fixing until eslint is clean".
        let rest = match rest.iter().position(|w| *w == "until") {
            Some(u) if until_done(&rest[u + 1..]) => &rest[..u],
            _ => rest,
        };
        // "keep fixing the type errors": what a verb of the session's doing works on is
        // named, not gone on with.
        if is(how, DOING) {
            return Some(object(&without_code(how, rest), true));
        }
        return Some(object(rest, true));
    }
    // A verb of going on, and what it goes on with.
    for verb in GO_ON {
        if words.len() >= verb.len() && words[..verb.len()] == **verb {
            let mut rest = &words[verb.len()..];
            // "continue but skip the windows part": what follows "but" only says how.
            // After a bare "keep going" it may name code ("but commit after each file"), so long
            // as it is no condition.
            if let Some(b) = rest.iter().position(|w| *w == "but") {
                let how = &rest[b + 1..];
                let bare_how = b == 0 && !how.iter().any(|w| is(w, AGAINST))
                    // "but don't touch the config files": a limit, whatever it names.
                    || matches!(
                        how,
                        [
                            "dont" | "never",
                            "touch" | "change" | "modify" | "edit" | "delete" | "remove" | "push",
                            ..
                        ]
                    ) && !how.iter().any(|w| is(w, &["if", "unless", "when", "until"]));
                if !bare_how && !is_other_clause_ok(how, false, false) {
                    return Some(0);
                }
                rest = &rest[..b];
            }
            // "keep going until it's done", "until the tests you were fixing pass": until the
            // session's own work is done, not until a condition of the code.
            if let Some(u) = rest.iter().position(|w| *w == "until")
                && until_done(&rest[u + 1..])
            {
                rest = &rest[..u];
            }
            // "pick up the thread on the logging changes": an idiom of going back to it.
            // "continue implementing the auth flow", "resume debugging that test": going on
            // with an activity of the session's own (not "continue training the model").
            let doing = matches!(verb[0], "continue" | "resume" | "carry")
                && rest.first().is_some_and(|w| is(w, DOING));
            let doing_verb = if doing { rest[0] } else { "" };
            if doing {
                rest = &rest[1..];
            }
            // "pick up at step 5", "continue from phase 2", "on to phase 2 of the plan": a
            // numbered step of the plan.
            let step_n = |p: &[&str]| {
                is(p[0], STEP_WORDS) && p[1].len() <= 3 && p[1].bytes().all(|c| c.is_ascii_digit())
            };
            // After "on to": the step alone, or of the plan ("move on to stage 2 of the
            // pipeline" is the pipeline's).
            let numbered = rest
                .windows(3)
                .any(|p| is(p[0], &["at", "from", "with", "on", "to"]) && step_n(&p[1..]))
                || is(verb[verb.len() - 1], &["to", "onto", "at", "from"])
                    && rest.len() >= 2
                    && step_n(rest)
                    && (rest.len() == 2
                        || rest[2] == "of"
                            && rest.last().is_some_and(|w| {
                                is(w, WORK_HEADS) || is(w, &["list", "checklist"])
                            }));
            // "continue with the api endpoints", "proceed with the docs": a short noun phrase
            // after "with" is work under way, as after "carry on with" (not "continue with the
            // loop", code, nor "with the defaults if the file is missing").
            let with_work = matches!(
                verb,
                ["continue"] | ["proceed"] | ["keep", "going"] | ["go", "on"] | ["keep", "working"]
            ) && matches!(rest, ["with", det, more @ ..]
            if is(det, &["the", "our", "my", "your", "those", "these", "that", "this"])
                && (1..=3).contains(&more.len())
                && more.iter().all(|w| {
                    w.bytes().all(|c| c.is_ascii_lowercase())
                        && !is(w, PHRASE_ENDS)
                        && !is(w, AGAINST)
                        && !is(w, NOISE)
                }));
            let thread =
                verb[0] == "pick" && rest.starts_with(&["up", "the", "thread"]) || numbered;
            // "carry on with the benchmarks": under way ("carry on the conversion for dates"
            // carries it over to something new).
            let resuming = is(verb[0], RESUMING)
                || verb[0] == "carry" && rest.first() == Some(&"with")
                || with_work
                || thread
                || doing
                || verb.contains(&"back")
                || rest.iter().any(|w| is(w, &["again", "back"]));
            // "back to" and "return to" go back to anything ("back to square one"): they need
            // the work named, or a marker, where "keep working on" does not.
            let weak = verb.contains(&"back") && verb[0] != "jump" || verb[0] == "return";
            let uncoded;
            if doing {
                uncoded = without_code(doing_verb, rest);
                rest = &uncoded;
            }
            let mut s = object(rest, resuming) - 2 * i32::from(weak);
            // Going back to something needs it named as the work ("back to the caching work"),
            // not only a kind of it ("back to the old implementation").
            let joined = rest.join(" ");
            let named = rest.iter().any(|w| is(w, WORK_HEADS))
                || SESSION_REFS.iter().any(|r| joined.contains(r))
                // "the caching layer we were building".
                || rest.windows(3).any(|t| {
                    is(t[0], &["we", "you", "i"])
                        && is(t[1], &["were", "was"])
                        && t[2].ends_with("ing")
                })
                || verb.last().is_some_and(|w| is(w, &["into", "on"]))
                || rest.first().is_some_and(|w| is(w, &["into", "on"]));
            if weak && !rest.is_empty() && !named {
                s = s.min(1);
            }
            // "pick up X" is only a continuation with "back" or "again" ("pick X back up").
            if matches!(
                verb[0],
                "pick"
                    | "picking"
                    | "do"
                    | "work"
                    | "restart"
                    | "on"
                    | "move"
                    | "same"
                    | "apply"
                    | "handle"
            ) && !resuming
                && s < 3
            {
                return Some(0);
            }
            return Some(s);
        }
    }
    None
}

/// Words that may follow "are we done with", "is there anything left", "anything else": the
/// session's work, its list, and where it stands.
const DONE_TAIL: &[&str] = &[
    "left",
    "remaining",
    "to",
    "do",
    "still",
    "open",
    "pending",
    "outstanding",
    "unfinished",
    "on",
    "in",
    "with",
    "of",
    "the",
    "our",
    "this",
    "that",
    "it",
    "everything",
    "all",
    "list",
    "checklist",
    "todo",
    "yet",
    "now",
];

/// "are we done with the plan or is there more?", "is there anything left from before?",
/// "anything else left to do?": whether the session's work is finished, asked (not "is there
/// anything left in the buffer", "are we done parsing at EOF", "is there more than one way").
fn asks_if_done(words: &[&str]) -> bool {
    let words = match words {
        [
            "ok" | "so" | "and" | "alright" | "hey" | "well" | "claude" | "hmm",
            more @ ..,
        ] => more,
        _ => words,
    };
    let tail_ok = |tail: &[&str]| {
        tail.iter()
            .all(|w| is(w, DONE_TAIL) || is(w, AFTER_REF) || is(w, WORK_HEADS) || is(w, WORK_KINDS))
    };
    let standing = |tail: &[&str]| {
        tail.iter().any(|w| {
            is(
                w,
                &[
                    "left",
                    "remaining",
                    "do",
                    "open",
                    "pending",
                    "outstanding",
                    "unfinished",
                ],
            )
        })
    };
    let part_asks = |part: &[&str]| match part {
        ["are" | "were", "we" | "you", more @ ..] => {
            let more = more.strip_prefix(&["all"]).unwrap_or(more);
            matches!(more, ["done" | "finished" | "through" | "complete", tail @ ..] if tail_ok(tail))
        }
        ["is" | "are", "there", what, more @ ..] => {
            let tail = more.strip_prefix(&["else"]).unwrap_or(more);
            is(
                what,
                &["anything", "more", "something", "much", "stuff", "work"],
            ) && tail_ok(tail)
                && (*what == "more" && tail.is_empty() || standing(tail))
        }
        ["anything" | "something" | "much", more @ ..] => {
            let tail = more.strip_prefix(&["else"]).unwrap_or(more);
            tail_ok(tail) && standing(tail)
        }
        _ => false,
    };
    let mut parts = words.split(|w| *w == "or").filter(|p| !p.is_empty());
    let Some(first) = parts.next() else {
        return false;
    };
    part_asks(first) && parts.all(part_asks)
}

/// What a verb of the session's doing works on, without the code it names in passing: "the
/// tests for the parser" → "the tests for the"; after a verb of fixing ("fixing the type
/// errors") its object too, but not after others ("writing the migration script" writes code).
fn without_code<'a>(verb: &str, rest: &[&'a str]) -> Vec<&'a str> {
    let fixing = is(
        verb,
        &["fixing", "debugging", "chasing", "fixed", "debugged"],
    );
    let object_ends = rest
        .iter()
        .position(|w| is(w, PHRASE_ENDS))
        .unwrap_or(rest.len());
    rest.iter()
        .enumerate()
        .filter(|(i, w)| !is(w, CODE) || !fixing && *i < object_ends)
        .map(|(_, w)| *w)
        .collect()
}

/// Words naming a numbered step of the session's plan ("step 5", "phase 2").
const STEP_WORDS: &[&str] = &["step", "phase", "stage", "part"];

/// Verbs of the session's own work, in "what were we debugging", "the file you were editing".
const DOING: &[&str] = &[
    "iterating",
    "refining",
    "translating",
    "tweaking",
    "converting",
    "cleaning",
    "implementing",
    "debugging",
    "cleaning",
    "updating",
    "porting",
    "documenting",
    "wiring",
    "polishing",
    "tidying",
    "rewriting",
    "optimizing",
    "optimising",
    "removing",
    "renaming",
    "moving",
    "converting",
    "debugging",
    "fixing",
    "chasing",
    "editing",
    "writing",
    "building",
    "adding",
    "implementing",
    "refactoring",
    "testing",
    "changing",
    "migrating",
    "investigating",
    "reviewing",
    "finishing",
    "tackling",
    "touching",
    "finished",
    "fixed",
    "changed",
    "edited",
    "wrote",
    "built",
    "added",
    "touched",
    "debugged",
    "implemented",
    "refactored",
];

/// After "what was/were": the session's own doing asked back ("we debugging before", "the bug we
/// were chasing", "the last thing you finished before we stopped"), nothing else named.
fn asks_our_doing(rest: &[&str]) -> bool {
    let mut r = rest;
    if let ["the", more @ ..] = r {
        r = more;
        if let ["last" | "first", more @ ..] = r {
            r = more;
        }
        // The one thing asked about: "the bug", "the last file".
        match r {
            [_, more @ ..] => r = more,
            [] => return false,
        }
    }
    let [who, more @ ..] = r else {
        return false;
    };
    if !is(who, &["we", "you", "i"]) {
        return false;
    }
    r = more;
    if let ["were" | "was" | "had", more @ ..] = r {
        r = more;
    }
    let [verb, tail @ ..] = r else {
        return false;
    };
    is(verb, DOING)
        && tail.iter().all(|w| {
            is(w, AFTER_REF) || is(w, FILLER) || is(w, &["stopped", "left", "broke", "paused"])
        })
}

/// What follows "until" is the session's work being done: "it's done", "everything is finished",
/// "the tests you were fixing pass" (not "the queue is empty", "all the tests pass").
pub(super) fn until_done(rest: &[&str]) -> bool {
    let done = matches!(
        rest,
        ["done" | "finished" | "complete"]
            | [
                "its" | "everything" | "youre" | "were" | "all",
                "done" | "finished" | "complete"
            ]
            | [
                "it" | "everything" | "you" | "we",
                "is" | "are",
                "done" | "finished" | "complete"
            ]
    );
    let ours = rest
        .windows(3)
        .any(|t| is(t[0], &["we", "you"]) && is(t[1], &["were", "was"]) && t[2].ends_with("ing"));
    done || ours || checks_pass(rest)
}

/// "the tests pass", "they all pass", "all the tests are green", "eslint is clean",
/// "everything on the plan is done": the session's checks or plan reach their goal (not "the
/// queue is empty", "it succeeds", "i == n").
fn checks_pass(rest: &[&str]) -> bool {
    let [subject @ .., state] = rest else {
        return false;
    };
    !subject.is_empty()
        && is(
            state,
            &[
                "pass", "passes", "green", "clean", "done", "finished", "complete", "fixed",
                "compiles", "resolved",
            ],
        )
        && subject.iter().all(|w| {
            is(
                w,
                &[
                    "the",
                    "all",
                    "tests",
                    "test",
                    "suite",
                    "they",
                    "it",
                    "its",
                    "everything",
                    "build",
                    "ci",
                    "checks",
                    "lint",
                    "linter",
                    "lints",
                    "eslint",
                    "clippy",
                    "mypy",
                    "types",
                    "typecheck",
                    "on",
                    "plan",
                    "our",
                    "list",
                    "them",
                    "of",
                    "is",
                    "are",
                    "theyre",
                    "every",
                    "one",
                    "each",
                    "todo",
                    "todos",
                    "tasks",
                    "items",
                ],
            )
        })
}

/// The scored verdict on a prompt that passed the gates (short, no code punctuation).
pub(super) fn is_scored_continuation(raw: &str, parts: &[String]) -> bool {
    if code_evidence(raw) {
        return false;
    }
    let cues: Vec<Option<i32>> = parts.iter().map(|p| clause_cue(p)).collect();
    // A further task may come before a continuation that ends the prompt ("fix it and then
    // continue with the plan") or after a strong one ("keep going through the list and fix
    // each lint"), as the labelled sets have it; a bare "go ahead" or "continue" is not strong.
    let last_is_cue = cues.last().copied().flatten().is_some_and(|s| s >= 3)
        && parts.last().is_some_and(|p| goes_on(p));
    let mut best = 0;
    let mut strong_before = false;
    for (i, part) in parts.iter().enumerate() {
        match cues[i] {
            Some(s) if s >= 2 => {
                best = best.max(s);
                strong_before |= s >= 3 && goes_on(part);
            }
            Some(_) => {}
            None => {
                let words: Vec<&str> = part.split(' ').collect();
                let after_if_not = i > 0 && parts[i - 1].ends_with("if not");
                let tasks_ok = (last_is_cue || strong_before) && !asks_how(&words);
                if !is_other_clause_ok(&words, after_if_not, tasks_ok) {
                    return false;
                }
            }
        }
    }
    best >= 2
}

/// A clause that opens with a verb of going on and has a cue strong enough on its own.
pub(super) fn goes_on_strongly(clause: &str) -> bool {
    goes_on(clause) && clause_cue(clause).is_some_and(|s| s >= 2)
}

/// The clause opens (after greetings) with a verb of going on: "keep going through the list",
/// not "next" or "where did i leave the todo".
fn goes_on(clause: &str) -> bool {
    let words: Vec<&str> = clause.split(' ').map(mended).collect();
    skip_fillers(&words).first().is_some_and(|w| {
        is(
            w,
            &[
                "continue", "keep", "carry", "resume", "proceed", "pick", "get", "back", "jump",
                "dive", "go",
            ],
        )
    })
}

/// A clause beside the cue may greet, tell news ("i merged the pr") or say how to go on ("skip
/// the windows part"); it must not bring code, a condition, a refusal or a new task.
pub(super) fn is_other_clause_ok(words: &[&str], after_if_not: bool, tasks_ok: bool) -> bool {
    if is_news(words) || is_narration(words) || asks_why_stopped(words) {
        return true;
    }
    // "don't stop now": the continuation said twice.
    if let ["dont", "stop", more @ ..] = words
        && more
            .iter()
            .all(|w| is(w, &["now", "yet", "there", "here", "please", "again"]))
    {
        return true;
    }
    let compaction = words
        .iter()
        .any(|w| w.starts_with("compact") || *w == "context");
    let bad_word = words.iter().any(|w| {
        is(w, CODE)
            || is(w, AGAINST)
                && !(*w == "dont"
                    || *w == "if" && words.contains(&"not")
                    || *w == "when" && compaction)
    });
    let rest = skip_fillers(words);
    // "next, implement the eviction", "also fix the lints".
    let rest = match rest {
        ["next" | "first" | "also" | "and", more @ ..] => more,
        _ => rest,
    };
    let first = rest.first().copied().unwrap_or("");
    !bad_word && (tasks_ok || !is(first, NEW_TASK) || after_if_not || is(first, &["do", "is"]))
}

/// "how do i recover the state lock", "how to resume a download", "can i skip it": the user
/// asks how they themselves do something.
pub(super) fn asks_how(words: &[&str]) -> bool {
    matches!(
        words,
        [
            "how",
            "do" | "can" | "should" | "would" | "could",
            "i" | "we",
            ..
        ] | ["how", "to", ..]
            | ["can" | "could" | "should", "i", ..]
    )
}

/// "why did you stop", "how come you stopped", "did you stop?": the user asks why the session
/// paused, which is why a continuation follows.
pub(super) fn asks_why_stopped(words: &[&str]) -> bool {
    let words = match words {
        ["why" | "wait", more @ ..] => more,
        ["how", "come", more @ ..] => more,
        _ => words,
    };
    let words = match words {
        ["did" | "have" | "do", more @ ..] => more,
        _ => words,
    };
    matches!(
        words,
        [
            "you" | "we",
            "stop" | "stopped" | "pause" | "paused" | "quit" | "halt" | "halted"
        ] | [
            "you" | "we",
            "stop" | "stopped" | "pause" | "paused",
            "there" | "again" | "halfway"
        ] | ["you" | "we", "stop" | "stopped", "working"]
    )
}

/// Words that open a clause only to place it: "ok", "so", "btw", "last time".
const PLACING: &[&str] = &[
    "ok",
    "so",
    "btw",
    "fyi",
    "earlier",
    "yesterday",
    "remember",
    "last",
    "time",
    "before",
];

/// News the user tells beside the continuation, whatever it names: something done ("i pushed
/// the fix for the lint errors", "i've renamed the branch", "we got the login flow working") or
/// a state reached ("the ci is green now", "the flaky test is fixed on main") — not a
/// condition ("if the row failed") nor a failure.
pub(super) fn is_news(words: &[&str]) -> bool {
    if words.iter().any(|w| is(w, AGAINST)) {
        return false;
    }
    let state = words.windows(2).any(|p| {
        is(p[0], &["is", "are", "was", "were", "s"])
            && is(
                p[1],
                &[
                    "fixed", "green", "merged", "done", "deployed", "passing", "back", "ready",
                    "finished", "resolved", "sorted", "live", "pushed", "landed", "updated",
                ],
            )
    });
    // "the deploy finished", "ci passed": something the user waited on came through.
    let said = skip_fillers(words);
    let came_through = said.len() <= 5
        && said
            .first()
            .is_some_and(|w| is(w, &["the", "my", "our", "ci", "it", "that"]))
        && said.last().is_some_and(|w| {
            is(
                w,
                &[
                    "finished",
                    "passed",
                    "succeeded",
                    "worked",
                    "completed",
                    "landed",
                    "merged",
                    "deployed",
                    "shipped",
                ],
            )
        });
    // A state of the code beside a bare "continue" is the loop's ("the loop is done").
    is_told(words) || (state || came_through) && !words.iter().any(|w| is(w, LOOPISH))
}

/// News of something the user (or "we") did: "i pushed the fix for the lint errors", "i've
/// renamed the branch", "last time we got the login flow working".
pub(super) fn is_told(words: &[&str]) -> bool {
    let past = |w: &str| {
        w.len() >= 4 && w.ends_with("ed")
            || is(
                w,
                &["got", "ran", "made", "wrote", "built", "did", "put", "set"],
            )
    };
    !words.iter().any(|w| is(w, AGAINST))
        && words
            .first()
            .is_some_and(|w| is(w, &["i", "ive", "we"]) || is(w, PLACING))
        && words
            .windows(2)
            .any(|p| is(p[0], &["i", "ive", "we", "have", "just", "already"]) && past(p[1]))
}

/// Verbs of meeting something rather than doing it: "we were getting an error".
const OBSERVING: &[&str] = &[
    "getting",
    "seeing",
    "having",
    "hitting",
    "using",
    "expecting",
    "thinking",
    "talking",
    "saying",
    "wondering",
    "going",
    "asking",
];

/// The user telling what the session was doing, whatever code it names: "you were adding
/// continue statements in parse_rows", "we were building the résumé parser", "you stopped in
/// the middle of the edit", "you were cut off mid-sentence".
pub(super) fn is_narration(words: &[&str]) -> bool {
    let n = words.iter().take_while(|w| is(w, PLACING)).count();
    let mut words = &words[n..];
    // "it looks like you stopped before finishing the test file".
    for lead in [
        &["it", "looks", "like"][..],
        &["looks", "like"],
        &["it", "seems"],
        &["seems", "like"],
        &["i", "think"],
    ] {
        if let Some(rest) = words.strip_prefix(lead) {
            words = rest;
        }
    }
    if words
        .iter()
        .any(|w| is(w, &["if", "unless", "until", "when", "whenever", "wrong"]))
    {
        return false;
    }
    match words {
        // Doing something, not meeting it: "we were getting an error" is a report.
        [who, "were" | "was", how, ..] if is(who, &["we", "you", "i"]) => {
            how.len() >= 5 && how.ends_with("ing") && !is(how, OBSERVING)
                || is(
                    how,
                    &[
                        "cut",
                        "interrupted",
                        "halfway",
                        "partway",
                        "midway",
                        "busy",
                        "in",
                        // "you were on the third migration file".
                        "on",
                    ],
                )
        }
        // "you stopped in the middle of the edit", "you got cut off"; not "you stopped the
        // server".
        [who, how, more @ ..] if is(who, &["we", "you"]) => match *how {
            "stopped" | "paused" => more.first().is_none_or(|w| {
                is(
                    w,
                    &["in", "at", "mid", "midway", "halfway", "there", "before"],
                )
            }),
            "got" => more.first() == Some(&"cut"),
            _ => false,
        },
        _ => false,
    }
}

/// The cue or filler word `w` is with a held-down letter let go ("weee" → "we", "keeep" →
/// "keep"), if any.
fn held_letter(w: &str) -> Option<&'static str> {
    let b = w.as_bytes();
    let i = b.windows(3).position(|t| t[0] == t[1] && t[1] == t[2])?;
    let c = b[i];
    let n = b[i..].iter().take_while(|x| **x == c).count();
    let (head, tail) = (&w[..i], &w[i + n..]);
    let known = |s: &str| {
        FILLER
            .iter()
            .chain(TYPO_TARGETS)
            .chain(&["keep", "go", "we", "next", "on"])
            .find(|k| **k == s)
            .copied()
    };
    let one = format!("{head}{}{tail}", c as char);
    let two = format!("{head}{0}{0}{tail}", c as char);
    known(&one).or_else(|| known(&two))
}
