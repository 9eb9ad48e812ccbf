//! Continuation forms of the kinds heldout6's misses fell into (docs/hooks.md, "What heldout6
//! taught, as kinds"). Each takes a normalised clause with its wrappers stripped.

use super::lists::{DETERMINERS, LOOPISH, WHOLE, WORK};

/// Modifiers that make "back to the old plan" a going back to something older than the
/// session's work.
const OLDER: &[&str] = &[
    "old", "previous", "original", "initial", "first", "default", "earlier", "prior", "former",
];

/// Verbs that go on with a piece of work named after them ("continue with the refactor",
/// "returning to the i18n work"), and whether they go back to it (then an older thing is not
/// the session's).
const WORK_VERBS: &[(&str, bool)] = &[
    ("resume", false),
    ("continue", false),
    ("continue with", false),
    ("carry on with", false),
    ("keep going with", false),
    ("keep working on", false),
    ("proceed with", false),
    ("go on with", false),
    ("get on with", false),
    ("go forward with", false),
    ("move forward with", false),
    ("push on with", false),
    ("finish", false),
    ("back to", true),
    ("get back to", true),
    ("go back to", true),
    ("return to", true),
    ("returning to", true),
    ("getting back to", true),
    ("going back to", true),
    ("heading back to", true),
];

/// Extra nouns for a piece of work, beside [`WORK`]: "the flaky test hunt", "the main task".
const MORE_WORK: &[&str] = &["hunt", "work", "sprint", "milestone", "ticket"];

/// Words that do not belong among the modifiers of a piece of work: people, joins, and the
/// loop words that make "continue with the next row" the loop statement.
const NOT_A_MODIFIER: &[&str] = &[
    "me", "us", "him", "her", "them", "and", "but", "with", "if", "when", "not", "a", "an",
];

/// First words of the forms below: any other clause is passed over without further work (the
/// cue-laden path stays about as fast as before them).
const FIRST_WORDS: &[&str] = &[
    "resume",
    "continue",
    "carry",
    "keep",
    "proceed",
    "go",
    "get",
    "push",
    "move",
    "finish",
    "back",
    "return",
    "returning",
    "getting",
    "going",
    "heading",
    "do",
    "make",
    "a",
    "the",
    "continuation",
    "close",
    "complete",
    "tackle",
    "handle",
    "knock",
    "polish",
    "wrap",
    "clear",
    "work",
    "where",
    "how",
    "brief",
    "fill",
    "update",
    "catch",
    "bring",
    "remind",
    "what",
    "which",
    "any",
    "anything",
    "redo",
    "restart",
    "start",
    "rerun",
    "retry",
];

/// Whether `core` opens with one of [`FIRST_WORDS`].
pub(super) fn may_be_a_form(core: &str) -> bool {
    let first = core.split(' ').next().unwrap_or_default();
    FIRST_WORDS.contains(&first)
}

/// "resume the rate limiter implementation", "continue with the refactor", "resume the refactor
/// of the payment module", "back to the main task", "let's continue our conversation about the
/// caching layer": a verb of going on, a determiner, at most two modifiers and a noun for a piece
/// of work, perhaps "of", "on", "for" or "in" and a few words of what it is about.
pub(super) fn goes_on_with_work(core: &str) -> bool {
    WORK_VERBS.iter().any(|(verb, back)| {
        let Some(rest) = core.strip_prefix(verb).and_then(|r| r.strip_prefix(' ')) else {
            return false;
        };
        let words: Vec<&str> = rest.split(' ').collect();
        let [det, more @ ..] = words.as_slice() else {
            return false;
        };
        if !DETERMINERS.contains(det) {
            return false;
        }
        // The noun is the last word, or the word before "of"/"on"/"for"/"in"/"about".
        let cut = more
            .iter()
            .position(|w| matches!(*w, "of" | "on" | "for" | "about"))
            .unwrap_or(more.len());
        let (phrase, about) = more.split_at(cut);
        let Some((noun, mods)) = phrase.split_last() else {
            return false;
        };
        // "our conversation about the caching layer": the session's own talk.
        let talk =
            *det == "our" && matches!(*noun, "conversation" | "discussion" | "chat") && !back;
        let work = WORK.contains(noun) || MORE_WORK.contains(noun) || talk;
        // Two modifiers or an "of …" only before a noun that is always the session's kind of
        // work: "the rate limiter implementation", not "the paused worker job" or "the update
        // of the user record".
        let plain = !matches!(
            *noun,
            "job" | "update" | "changes" | "fix" | "feature" | "review"
        );
        let mods_ok = (mods.len() <= 1 || plain && mods.len() == 2)
            && mods.iter().all(|m| {
                let older = *back && OLDER.contains(m);
                let code_word = NOT_A_MODIFIER.contains(m) || LOOPISH.contains(m);
                !older && !code_word && m.bytes().all(|c| c.is_ascii_alphanumeric())
            });
        let about_ok = match about {
            [] => true,
            // "of the payment module", not "of quicksort in C": the session's thing is named
            // as one already known.
            [_, what @ ..] => {
                plain
                    && (2..=4).contains(&what.len())
                    && DETERMINERS.contains(&what[0])
                    && !what.iter().any(|w| NOT_A_MODIFIER.contains(w))
            }
        };
        work && mods_ok && about_ok
    })
}

/// "with previous job", "from last point", "the unfinished task": where the session was, as a
/// tail after a verb of going on.
pub(super) fn names_session_place(tail: &str) -> bool {
    if tail.split(' ').count() > 4 {
        return false;
    }
    let mut w: Vec<&str> = tail.split(' ').collect();
    if let ["with" | "from" | "on" | "at", ..] = w.as_slice() {
        w.remove(0);
    }
    if let ["the" | "our" | "my" | "your", ..] = w.as_slice() {
        w.remove(0);
    }
    matches!(
        w.as_slice(),
        [
            "previous" | "last" | "earlier" | "unfinished" | "same" | "current",
            "task" | "job" | "work" | "session" | "plan" | "step" | "point" | "spot" | "checkpoint"
        ]
    )
}

/// "please do continuation of the task", "make continue": the continuing said as a noun, or
/// after a light verb, as non-native speakers put it.
pub(super) fn light_verb_continue(core: &str, is_tail: fn(&str) -> bool) -> bool {
    let core = ["do ", "make ", "a ", "the "]
        .iter()
        .find_map(|v| core.strip_prefix(v))
        .unwrap_or(core);
    if let Some(rest) = core.strip_prefix("continuation of ") {
        return is_tail(rest) || goes_on_with_work(&format!("continue {rest}"));
    }
    false
}

/// "make continue", "do proceed": a light verb before a bare continuation.
pub(super) fn light_verb_bare(core: &str) -> bool {
    matches!(
        core,
        "make continue" | "do continue" | "make proceed" | "do proceed" | "make resume"
    )
}

/// "finish whatever's still pending", "knock out the rest of the tasks", "let's close this
/// out": the rest of the session's work, finished.
pub(super) fn finishes_what_is_left(core: &str) -> bool {
    if matches!(
        core,
        "close this out" | "close it out" | "close things out" | "close out the task"
    ) {
        return true;
    }
    let words: Vec<&str> = core.split(' ').collect();
    let mut w = words.as_slice();
    w = match w {
        ["finish" | "knock" | "polish", "off" | "out", more @ ..] => more,
        [
            "finish" | "complete" | "do" | "tackle" | "handle",
            more @ ..,
        ] => more,
        ["wrap", "up", more @ ..] => more,
        ["knock" | "clear", more @ ..] => more,
        ["get" | "work", "through", more @ ..] => more,
        _ => return false,
    };
    // "knock out the rest of the tasks": out first, or after the thing.
    if let ["out", more @ ..] = w {
        w = more;
    }
    match w {
        // "whatevers still pending", "everything thats left", "what is still open".
        [
            "whatever" | "whatevers" | "everything" | "what" | "whats" | "anything" | "all",
            more @ ..,
        ] => {
            let mut m = more;
            if let ["is" | "thats" | "that" | "s", r @ ..] = m {
                m = r;
            }
            if let ["still", r @ ..] = m {
                m = r;
            }
            matches!(
                m,
                ["pending"
                    | "left"
                    | "remaining"
                    | "outstanding"
                    | "unfinished"
                    | "undone"
                    | "open"]
                    | ["left", "to", "do"]
                    | ["left", "on", "the", "list" | "plan"]
            )
        }
        // "the rest of the tasks", "the remaining items".
        ["the", "rest", "of", "the" | "our" | "my", noun] | ["the", "remaining", noun] => matches!(
            *noun,
            "tasks" | "items" | "steps" | "todos" | "work" | "list" | "plan" | "todo"
        ),
        _ => false,
    }
}

/// "where did we leave things with the parser", "where were we on the migration": a where-form
/// of [`WHOLE`], then what it is about in a few words.
pub(super) fn where_form_about(core: &str) -> bool {
    if !core.starts_with("where") && !core.starts_with("how far") {
        return false;
    }
    [" with ", " on ", " about "].iter().any(|sep| {
        core.split_once(sep).is_some_and(|(form, rest)| {
            WHOLE.contains(&form)
                && (1..=4).contains(&rest.split(' ').count())
                && !rest
                    .split(' ')
                    .any(|w| NOT_A_MODIFIER.contains(&w) || LOOPISH.contains(&w))
        })
    })
}

/// "brief me on where things stand", "update me on progress": a briefing on the session.
pub(super) fn briefing(core: &str) -> bool {
    let Some(rest) = [
        "brief me",
        "fill me in",
        "update me",
        "catch me up",
        "bring me up to speed",
        "get me up to speed",
    ]
    .iter()
    .find_map(|l| core.strip_prefix(l)) else {
        return false;
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("on ").unwrap_or(rest);
    matches!(
        rest,
        "" | "where things stand"
            | "where we stand"
            | "where things are"
            | "where we are"
            | "where we are at"
            | "progress"
            | "the progress"
            | "our progress"
            | "the status"
            | "status"
            | "what we did"
            | "what you did"
            | "what happened"
    )
}

/// "remind me of the plan", "remind me of our next steps": the session's plan asked back.
pub(super) fn reminds_of_plan(core: &str) -> bool {
    let Some(rest) = core.strip_prefix("remind me of ") else {
        return false;
    };
    let words: Vec<&str> = rest.split(' ').collect();
    match words.as_slice() {
        [det, noun] => {
            DETERMINERS.contains(det)
                && matches!(
                    *noun,
                    "plan" | "task" | "goal" | "progress" | "status" | "todo" | "todos"
                )
        }
        [det, "next", "step" | "steps"] | [det, "todo", "list"] => DETERMINERS.contains(det),
        _ => false,
    }
}

/// "what did we decide about the schema last time", "what was the approach we agreed on for
/// retries", "remind me why we chose sqlite again": the session's own decision asked back. A
/// "why did we choose X" alone is a design question, so a "why" needs "remind me" or "again".
pub(super) fn asks_our_decision(core: &str) -> bool {
    let words: Vec<&str> = core.split(' ').collect();
    if words.len() > 14 {
        return false;
    }
    let decided = words.windows(2).any(|p| {
        matches!(
            p,
            [
                "we" | "you",
                "decided" | "agreed" | "chose" | "settled" | "picked" | "landed"
            ] | ["did" | "had", "we"]
        )
    }) && words.iter().any(|w| {
        matches!(
            *w,
            "decided"
                | "decide"
                | "agreed"
                | "agree"
                | "chose"
                | "choose"
                | "settled"
                | "settle"
                | "picked"
                | "landed"
        )
    });
    if !decided {
        return false;
    }
    match words.as_slice() {
        ["remind", "me", ..] => true,
        ["what" | "which", ..] => true,
        [..] => {
            words
                .iter()
                .any(|w| matches!(*w, "again" | "earlier" | "yesterday"))
                || core.contains("last time")
        }
    }
}

/// "what have we done so far on this branch", "what did you change so far in this task", "what
/// did we still need to test", "what were the open questions we had left", "which items on the
/// todo list are still open": where the session's work stands, with we or you (or its list) as
/// the subject and a word of progress.
pub(super) fn asks_our_progress(core: &str) -> bool {
    let words: Vec<&str> = core.split(' ').collect();
    if words.len() > 14
        || !matches!(
            words.first(),
            Some(&("what" | "which" | "anything" | "any"))
        )
    {
        return false;
    }
    let progress = core.contains("so far")
        || core.contains("until now")
        || words.iter().any(|w| {
            matches!(
                *w,
                "still" | "left" | "open" | "remaining" | "pending" | "yet" | "outstanding"
            )
        });
    if !progress {
        return false;
    }
    let ours = words.windows(2).any(|p| {
        matches!(
            p,
            ["did" | "had" | "were", "we" | "you"] | ["we" | "you", "had" | "did"]
        )
    }) || (core.contains("have we") || core.contains("have you"))
        && (core.contains("so far") || core.contains("until now"));
    // The session's own list, not a "todo" comment in the code.
    let list = [
        "todo list",
        "checklist",
        "backlog",
        "task list",
        "the plan",
        "our todos",
    ]
    .iter()
    .any(|l| core.contains(l));
    ours || list
}

/// "there are still 3 endpoints to do", "theres more left": the work not yet done, said beside a
/// continuation as its reason.
pub(super) fn says_work_remains(norm: &str) -> bool {
    let rest = [
        "there are still ",
        "theres still ",
        "there is still ",
        "still ",
    ]
    .iter()
    .find_map(|l| norm.strip_prefix(l));
    let Some(rest) = rest else {
        return matches!(
            norm,
            "theres more" | "theres more to do" | "theres more left" | "there is more to do"
        );
    };
    rest.split(' ').count() <= 5
        && [
            "to do",
            "left",
            "remaining",
            "to go",
            "pending",
            "to fix",
            "to write",
        ]
        .iter()
        .any(|e| rest.ends_with(e))
}

/// "if there's more", "if anything is left": a condition on the session's own work, not a
/// loop's, before "keep going".
pub(super) fn if_work_remains(norm: &str) -> bool {
    matches!(
        norm,
        "if theres more"
            | "if there is more"
            | "if theres more to do"
            | "if theres more left"
            | "if theres anything left"
            | "if anything is left"
            | "if anything remains"
            | "if its not done"
            | "if its not finished"
            | "if youre not done"
            | "if you arent done"
    )
}

/// "is the refactor complete", "are the tasks done": asks whether the session's work is done.
pub(super) fn asks_work_done(norm: &str) -> bool {
    if !(norm.starts_with("is ") || norm.starts_with("are ")) {
        return false;
    }
    let words: Vec<&str> = norm.split(' ').collect();
    match words.as_slice() {
        [
            "is" | "are",
            det,
            mods @ ..,
            noun,
            "complete" | "done" | "finished" | "ready",
        ] if mods.len() <= 1 => {
            DETERMINERS.contains(det) && (WORK.contains(noun) || MORE_WORK.contains(noun))
        }
        _ => false,
    }
}

/// "redo from the last checkpoint", "restart from where we left off": begun again from the
/// session's own place.
pub(super) fn restarts_from_place(core: &str, is_tail: fn(&str) -> bool) -> bool {
    ["redo ", "restart ", "start again ", "rerun ", "retry "]
        .iter()
        .find_map(|v| core.strip_prefix(v))
        .is_some_and(|rest| {
            rest.starts_with("from ")
                && (rest.contains("checkpoint") || rest.contains("left off"))
                && is_tail(rest)
        })
}

/// "before the break you said you'd refactor the handler next", "you were going to add the
/// tests": what the session said it would do.
pub(super) fn tells_what_was_next(words: &[&str]) -> bool {
    words.windows(3).any(|p| {
        matches!(
            p,
            ["you", "said", "youd" | "you"]
                | ["you", "were", "going"]
                | ["you", "planned", "to"]
                | ["you", "promised", "to"]
                | ["you", "were", "about"]
        )
    })
}

/// "the tests can wait", "docs can wait till later": something else put off, beside a
/// continuation.
pub(super) fn puts_off(norm: &str) -> bool {
    let n = norm.split(' ').count();
    n <= 6 && (norm.ends_with(" can wait") || norm.ends_with(" can wait till later"))
}
