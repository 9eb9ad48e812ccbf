//! Does a prompt mean "continue where we left off"? A small grammar, not a word search.
//!
//! The prompt is cut into clauses (at sentence punctuation, commas, "and", "then"); each clause
//! is lower-cased, stripped of punctuation and of short polite wrappers ("ok", "please",
//! "claude", "thanks", …), and common typos of the key words are mended. A clause is a
//! continuation when what remains is one of the continuation forms as a whole. The prompt is one
//! when a clause is, and the other clauses only greet, acknowledge or mention the compaction
//! ("morning! where were we?"), or when the continuation comes last ("The tests pass now. Let's
//! continue."), not right after a condition ("if the item is empty, continue"). A prompt that
//! merely contains the words ("continue the loop until i == n", "add a resume button", "where
//! were we storing the tokens?") is not a continuation: the words are followed by something that
//! is about the code, not about the session.
//!
//! Beside the continuation the user may tell news ("I pushed the fix for the lint errors. Let's
//! continue.") or what the session was doing ("you were adding the catch blocks in
//! api/client.ts, keep going"): such clauses may name code. A prompt with code punctuation in it
//! is read only as that: a narration of the session's own doing and a bare "go on with it".

/// Longest prompt (in bytes) worth looking at; continuations are short.
const MAX_LEN: usize = 250;
/// Longest prompt (in bytes) read for output shown and then a continuation; past
/// [`MAX_LEN`] only its last paragraph is looked at.
const MAX_SHOWN_LEN: usize = 1000;
/// Most clauses a continuation prompt has.
const MAX_CLAUSES: usize = 6;
/// Longest prompt (in bytes) with no cue word that the model reads: of the continuations with
/// none that it caught in leave-one-set-out, none was longer than 80 bytes, and an ordinary
/// prompt longer than this stops at the cue scan, as before (decision 158).
const MAX_NO_CUE_LEN: usize = 80;

mod cues;
mod kinds6;
mod lists;
mod model;
mod score;
mod typos;

use lists::*;
use typos::*;

/// Lower-case words with typos mended, joined by single spaces. Apostrophes vanish ("let's"
/// → "lets"), `_` stays inside a word (an identifier is one word), anything else separates.
fn normalise(clause: &str) -> String {
    let mut out = String::with_capacity(clause.len());
    let mut word = String::new();
    for raw in
        clause.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\'' || c == '\u{2019}'))
    {
        word.clear();
        for c in raw.chars().filter(|c| *c != '\'' && *c != '\u{2019}') {
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
        }
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(mend(&word));
    }
    out
}

type Strip = for<'a> fn(&'a str, &str) -> Option<&'a str>;

fn strip_leading<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(w)?;
    rest.starts_with(' ').then(|| rest.trim_start())
}

fn strip_trailing<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    let rest = s.strip_suffix(w)?;
    rest.ends_with(' ').then(|| rest.trim_end())
}

/// Strip wrappers one at a time, stopping as soon as what is left is a whole continuation form
/// (so that "go on" and "what now" are not stripped to "on" and "what").
fn strip_wrappers(mut s: &str) -> &str {
    loop {
        if WHOLE.contains(&s) {
            return s;
        }
        let before = s;
        // Leading wrappers ("ok", "please"), then trailing ones ("please", "thanks"): a wrapper
        // is a whole word, followed (or preceded) by a space.
        let sides: [(&[&str], Strip); 2] = [(LEADING, strip_leading), (TRAILING, strip_trailing)];
        for (words, strip) in sides {
            for w in words {
                if let Some(rest) = strip(s, w) {
                    s = rest;
                    if WHOLE.contains(&s) {
                        return s;
                    }
                }
            }
        }
        if s == before {
            return s;
        }
    }
}

/// Whether stripping wrappers, in any order, leaves a continuation form ("go on please": the
/// trailing "please" goes, the leading "go" must not).
fn reduces_to_form(s: &str, depth: usize) -> bool {
    if is_form(s) {
        return true;
    }
    if depth == 0 {
        return false;
    }
    let sides: [(&[&str], Strip); 2] = [(LEADING, strip_leading), (TRAILING, strip_trailing)];
    sides.iter().any(|(words, strip)| {
        words
            .iter()
            .filter_map(|w| strip(s, w))
            .any(|rest| reduces_to_form(rest, depth - 1))
    })
}

/// `core` (wrappers stripped) is a continuation form: a whole form, a head verb with a known
/// tail, "remind me" and a whole form, a report asked for, "keep the ball rolling", the session
/// loaded back, "resume work on <thing>", or a phrase about the session's own past.
fn is_form(core: &str) -> bool {
    if core.is_empty() {
        return false;
    }
    if WHOLE.contains(&core) {
        return true;
    }
    // "keep going until it's done", "don't stop until everything is finished".
    if let Some((before, after)) = core.split_once(" until ")
        && score::until_done(&after.split(' ').collect::<Vec<_>>())
    {
        return is_form(before);
    }
    let head_tail = HEADS.iter().any(|h| {
        core.strip_prefix(h)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|tail| {
                is_tail(tail)
                    || TAILS.iter().any(|t| {
                        tail.strip_suffix(t)
                            .is_some_and(|x| x == "on " || x == "with ")
                    })
            })
    });
    if head_tail {
        return true;
    }
    // "(continued from previous session)": the header of a prompt that goes on from it.
    if let Some(rest) = core.strip_prefix("continued ")
        && rest.starts_with("from ")
        && is_tail(rest)
    {
        return true;
    }
    // "remind me what's next", "remind me whats the plan": a form asked back.
    if let Some(rest) = core.strip_prefix("remind me ")
        && WHOLE.contains(&rest)
    {
        return true;
    }
    if is_report(core) || keeps_it_moving(core) || restores_memory(core) == Some(true) {
        return true;
    }
    // The kinds heldout6 taught (kinds6.rs).
    if kinds6::may_be_a_form(core)
        && (kinds6::goes_on_with_work(core)
            || kinds6::light_verb_continue(core, is_tail)
            || kinds6::light_verb_bare(core)
            || kinds6::finishes_what_is_left(core)
            || kinds6::where_form_about(core)
            || kinds6::briefing(core)
            || kinds6::reminds_of_plan(core)
            || kinds6::asks_our_decision(core)
            || kinds6::asks_our_progress(core)
            || kinds6::restarts_from_place(core, is_tail))
    {
        return true;
    }
    // "resume work on the parser", "get back to the refactor": a few words of a thing.
    let thing = |rest: &str| {
        let n = rest.split(' ').count();
        (1..=4).contains(&n)
            && !rest
                .split(' ')
                .any(|w| ["me", "us", "him", "her", "them", "and", "but", "with"].contains(&w))
    };
    for verb in [
        "resume",
        "continue",
        "get back to",
        "go back to",
        "return to",
    ] {
        for work in ["work on", "working on"] {
            if let Some(rest) = core
                .strip_prefix(verb)
                .and_then(|r| r.strip_prefix(' '))
                .and_then(|r| r.strip_prefix(work))
                .and_then(|r| r.strip_prefix(' '))
                && thing(rest)
            {
                return true;
            }
        }
    }
    // "resume the refactor", "continue the migration work": a verb, then a piece of work.
    for verb in [
        "resume",
        "continue",
        "carry on with",
        "get back to",
        "go back to",
        "back to",
    ] {
        if let Some(rest) = core.strip_prefix(verb).and_then(|r| r.strip_prefix(' ')) {
            let words: Vec<&str> = rest.split(' ').collect();
            let work = |w: &str| WORK.contains(&w);
            // "back to the refactor", not "back to the old implementation".
            let fits = match words.as_slice() {
                [det, noun] => DETERMINERS.contains(det) && work(noun),
                [det, _, noun] if verb != "back to" => DETERMINERS.contains(det) && work(noun),
                _ => false,
            };
            if fits {
                return true;
            }
        }
    }
    if let Some(rest) = core.strip_prefix("get back to ")
        && thing(rest)
        && !rest.starts_with("the previous")
    {
        return true;
    }
    if let Some(rest) = core.strip_prefix("back to ")
        && thing(rest)
        && rest.ends_with(" work")
    {
        return true;
    }
    // A short clause that points at the session itself: "where we left off", "what we were
    // doing" (the subject is we, you or I: "where the parser left off" is about code).
    let past = core.split(' ').any(|w| {
        matches!(
            w,
            "were" | "was" | "left" | "stopped" | "started" | "are" | "did"
        )
    });
    if past && core.split(' ').count() <= 10 && SESSION_REFS.iter().any(|r| contains_words(core, r))
    {
        return true;
    }
    for lead in [
        "where are we with ",
        "where are we on ",
        "where are we at with ",
        "where were we with ",
        "where were we on ",
        "where we at with ",
        "wheres we at with ",
    ] {
        if let Some(rest) = core.strip_prefix(lead)
            && thing(rest)
        {
            return true;
        }
    }
    false
}

/// `tail` follows a head verb ("continue …"): one of [`TAILS`], the session named otherwise
/// ("from previous session", "from the last conversation"), or what, then from where, each a
/// tail ("the work from the previous session", "the task from yesterday").
fn is_tail(tail: &str) -> bool {
    if TAILS.contains(&tail) || kinds6::names_session_place(tail) {
        return true;
    }
    let named = session_named(tail);
    if named != tail && TAILS.contains(&named.as_str()) {
        return true;
    }
    tail.find(" from ").is_some_and(|i| {
        let (what, from) = (&tail[..i], &tail[i + 1..]);
        !what.starts_with("from") && TAILS.contains(&what) && is_tail(from)
    })
}

/// The session as the tails name it: "from previous session" → "from the previous session",
/// "the last conversation" → "the last session".
fn session_named(tail: &str) -> String {
    let mut out = tail
        .replace("from previous ", "from the previous ")
        .replace("from last ", "from the last ")
        .replace("from our last ", "from the last ")
        .replace("from our previous ", "from the previous ");
    for other in [" conversation", " chat", " thread"] {
        if let Some(head) = out.strip_suffix(other)
            && (head.ends_with(" previous") || head.ends_with(" last"))
        {
            out = format!("{head} session");
            break;
        }
    }
    out
}

/// A report on the session asked for: "status update", "give me a quick progress report",
/// "can i get an update".
fn is_report(core: &str) -> bool {
    let mut s = core;
    for lead in [
        "give me ",
        "can i get ",
        "can i have ",
        "i need ",
        "id like ",
        "send me ",
    ] {
        if let Some(rest) = s.strip_prefix(lead) {
            s = rest;
            break;
        }
    }
    let asked = s.len() != core.len();
    for skip in [&["a ", "an "][..], &["quick ", "brief ", "short "]] {
        if let Some(rest) = skip.iter().find_map(|w| s.strip_prefix(w)) {
            s = rest;
        }
    }
    matches!(
        s,
        "status update" | "status report" | "progress update" | "progress report" | "sitrep"
    ) || asked && matches!(s, "update" | "status" | "recap" | "summary of where we are")
}

/// "keep the ball rolling", "keep things moving", "keep it rolling": keep the work going.
fn keeps_it_moving(core: &str) -> bool {
    let Some(rest) = core.strip_prefix("keep ") else {
        return false;
    };
    [
        "it ",
        "things ",
        "this ",
        "the ball ",
        "the momentum ",
        "everything ",
        "the work ",
        "us ",
    ]
    .iter()
    .filter_map(|o| rest.strip_prefix(o))
    .any(|state| {
        matches!(
            state,
            "rolling" | "going" | "moving" | "going forward" | "moving forward" | "ticking"
        )
    })
}

/// "reload the session", "restore your memory", "read your notes", "check the session log": the
/// session's memory read back before going on. `Some(true)` when it loads the session itself
/// back (a continuation on its own), `Some(false)` when it only reads its notes or log (beside
/// one), `None` for anything else ("reload the page", "load the session from disk").
fn restores_memory(norm: &str) -> Option<bool> {
    let mut words = norm.split(' ');
    let verb = words.next()?;
    let loads = matches!(verb, "load" | "reload" | "restore" | "reread");
    if !loads && !matches!(verb, "read" | "check" | "review" | "reopen" | "open") {
        return None;
    }
    // Its notes or summary are the session's; a log or history only as the session's ("check
    // the session log", not "check the logs").
    let (mut own, mut notes, mut log) = (false, false, false);
    for w in words {
        match w {
            "session" | "journal" | "memory" | "context" | "transcript" => own = true,
            "notes" | "summary" => notes = true,
            "log" | "logs" | "history" => log = true,
            "the" | "your" | "our" | "my" | "up" | "back" | "in" | "previous" | "last" | "from"
            | "before" | "earlier" | "sessions" | "own" => {}
            _ => return None,
        }
    }
    (own || notes && !log).then_some(loads && own)
}

/// "new session", "this is a new conversation", "fresh chat": the user says the session is a
/// new one, which is why it goes on from the last; "same task as before" says what it goes on
/// with.
fn announces_new_session(norm: &str) -> bool {
    if !(norm.contains("new ") || norm.contains("fresh ") || norm.starts_with("same ")) {
        return false;
    }
    let words: Vec<&str> = norm.split(' ').collect();
    let mut w = words.as_slice();
    for lead in [
        &["this", "is"][..],
        &["its"],
        &["it", "is"],
        &["starting"],
        &["were", "in"],
        &["we", "are", "in"],
        &["im", "in"],
        &["in"],
    ] {
        if let Some(rest) = w.strip_prefix(lead) {
            w = rest;
            break;
        }
    }
    if let ["a" | "an" | "the" | "another", rest @ ..] = w {
        w = rest;
    }
    if let ["brand", rest @ ..] = w {
        w = rest;
    }
    let new = matches!(
        w,
        [
            "new" | "fresh",
            "session" | "conversation" | "chat" | "context" | "window" | "thread"
        ]
    );
    let same = matches!(
        w,
        ["same", "task" | "plan" | "work" | "project" | "goal", ..]
    ) && w[2..].iter().all(|x| *x == "as" || AFTER_REF.contains(x));
    new || same
}

/// `core` is one typo away from a whole form of two words or more ("pick up where we left of").
fn is_form_but_for_a_typo(core: &str) -> bool {
    core.len() >= 6
        && core.len() <= 32
        && WHOLE
            .iter()
            .chain(["pick up where we left off", "continue where we left off"].iter())
            .filter(|w| w.len().abs_diff(core.len()) <= 1 && w.len() >= 7 && w.contains(' '))
            // A typo seldom hits both ends: a cheap filter before the distance.
            .filter(|w| {
                w.as_bytes()[..2] == core.as_bytes()[..2]
                    || w.as_bytes()[w.len() - 2..] == core.as_bytes()[core.len() - 2..]
            })
            .any(|w| distance(core.as_bytes(), w.as_bytes(), 1).is_some())
}

/// A clause made only of greeting, acknowledging or compaction words.
fn is_neutral(norm: &str) -> bool {
    // "no need to check with me", not "no" alone (which undoes what came before).
    let norm = norm.strip_prefix("no need ").unwrap_or(norm);
    // "nope, that's fine", "no worries": a "no" that approves, not one that undoes.
    let approves = |rest: &str| {
        rest.split(' ').any(|w| {
            matches!(
                w,
                "fine" | "good" | "ok" | "okay" | "worries" | "problem" | "great" | "perfect"
            )
        })
    };
    let norm = ["no ", "nope ", "nah "]
        .iter()
        .find_map(|n| norm.strip_prefix(n).filter(|rest| approves(rest)))
        .unwrap_or(norm);
    score::asks_why_stopped(&norm.split(' ').collect::<Vec<_>>())
        || kinds6::says_work_remains(norm)
        || kinds6::if_work_remains(norm)
        || kinds6::asks_work_done(norm)
        || kinds6::puts_off(norm)
        || restores_memory(norm).is_some()
        || announces_new_session(norm)
        || norm
            .split(' ')
            .all(|w| NEUTRAL.contains(&w) || LEADING.contains(&w))
}

/// Cut a prompt into clauses: at sentence punctuation, commas, colons, dashes and new lines,
/// then at the words "and" and "then".
fn clauses(prompt: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Sentence punctuation, and symbols such as emoji ("back 👋 where were we?").
    let cut = |c: char| {
        matches!(
            c,
            '.' | '!'
                | '?'
                | ','
                | ':'
                | ';'
                | '\n'
                | '\u{2014}'
                | '\u{2013}'
                | '\u{2026}'
                // An aside in brackets ("continue (you were writing the README)"), and "+"
                // or "&" joining two asks ("status update + continue").
                | '('
                | ')'
                | '['
                | ']'
                | '+'
                | '&'
        ) || c as u32 >= 0x2190 && !c.is_alphanumeric() && c != '\u{2019}'
    };
    // A dot inside a word ("handlers.rs", "api/client.ts") does not end a sentence.
    let b = prompt.as_bytes();
    let inside_word = |i: usize| {
        b[i] == b'.'
            && i > 0
            && b[i - 1].is_ascii_alphanumeric()
            && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    };
    let mut start = 0;
    let mut sentences = Vec::new();
    for (i, c) in prompt.char_indices() {
        if cut(c) && !inside_word(i) {
            sentences.push(&prompt[start..i]);
            start = i + c.len_utf8();
        }
    }
    sentences.push(&prompt[start..]);
    for part in sentences {
        for part in part.split(" - ") {
            let norm = normalise(part);
            let mut cur: Vec<&str> = Vec::new();
            for w in norm.split(' ').filter(|w| !w.is_empty()) {
                // "the difference between break and continue": "and" joins the two things.
                if (w == "and" && !cur.contains(&"between")) || w == "then" {
                    if !cur.is_empty() {
                        out.push(cur.join(" "));
                        cur.clear();
                    }
                    continue;
                }
                cur.push(w);
            }
            if !cur.is_empty() {
                out.push(cur.join(" "));
            }
        }
    }
    out
}

/// Code, not conversation: brackets, operators, backticks, a `--flag`, a `;` ending a
/// statement.
fn looks_like_code(p: &str) -> bool {
    let b = p.as_bytes();
    // An aside in brackets that is prose ("(typing from the train) carry on"): opened at the
    // start or after a space, words and sentence punctuation inside, closed before a space, a
    // sentence mark or the end.
    let aside = |open: usize| -> Option<usize> {
        if open > 0 && !b[open - 1].is_ascii_whitespace() {
            return None;
        }
        let close = open + 1 + p[open + 1..].find(')')?;
        let inside = &p[open + 1..close];
        (inside.chars().next().is_some_and(char::is_alphabetic)
            && inside.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, ' ' | ',' | '.' | '\'' | '-' | '!' | '?' | '/')
            })
            && b.get(close + 1)
                .is_none_or(|n| matches!(n, b' ' | b'.' | b',' | b'!' | b'?' | b'\n')))
        .then_some(close)
    };
    let mut skip_to = 0;
    b.iter().enumerate().any(|(i, &c)| {
        if i < skip_to {
            return false;
        }
        match c {
            b'{' | b'}' | b'=' | b'<' | b'>' | b'[' | b']' | b'`' => true,
            // ":)" and ":-)" are smiles, not calls.
            b')' => !(i > 0 && matches!(b[i - 1], b':' | b'-')),
            // ":(" is a frown.
            b'(' => {
                if b.get(i + 1) == Some(&b':') || (i > 0 && b[i - 1] == b':') {
                    false
                } else if let Some(close) = aside(i) {
                    skip_to = close + 1;
                    false
                } else {
                    true
                }
            }
            // "--force", and a one-letter option after a word: "continue -f", "resume -n 5".
            b'-' => {
                b.get(i + 1) == Some(&b'-')
                    || (i > 0
                        && b[i - 1] == b' '
                        && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
                        && b.get(i + 2).is_none_or(|c| *c == b' '))
            }
            // "tl;dr" is shorthand, not a statement.
            b';' => {
                let tldr = i >= 2
                    && b[i - 2..i].eq_ignore_ascii_case(b"tl")
                    && b.get(i + 1..i + 3)
                        .is_some_and(|d| d.eq_ignore_ascii_case(b"dr"));
                // Greek writes its question mark as ';' ("πού είχαμε μείνει;").
                let greek = i + 1 == b.len()
                    && p[..i].chars().next_back().is_some_and(|c| {
                        ('\u{370}'..='\u{3ff}').contains(&c)
                            || ('\u{1f00}'..='\u{1fff}').contains(&c)
                    });
                !matches!(b.get(i + 1), Some(b' ')) && !tldr && !greek
            }
            _ => false,
        }
    })
}

/// Words (or their starts, when four letters or more) of which a continuation has at least one:
/// a cheap test that lets an ordinary prompt through without cutting it into clauses. Besides
/// English, the go-on and where-were-we words of the languages people write in Latin letters
/// without accents (`multilingual.tsv`: "fortsett", "jatka", "lanjut", "endelea", "tiep tuc", …),
/// and their words for where we stopped, what is left and done ("kalmistik", "fertig", "zostalo",
/// "xong", "hotovo"; `weak.tsv`);
/// a prompt with any non-ASCII letter passes anyway. Sorted by first letter (see [`CUE_RANGES`]).
const CUE_STARTS: &[&str] = &[
    "aage",
    "acaba",
    "again",
    "alcanzaste",
    "apucat",
    "arrivati",
    "aterstar",
    "atsarnu",
    "avanti",
    "b4",
    "ba2i",
    "baaki",
    "back",
    "baki",
    "belum",
    "berhenti",
    "bitir",
    "bitti",
    "brief",
    "budim",
    "carr",
    "catch",
    "chali",
    "checkl",
    "checkp",
    "chhod",
    "chybi",
    "cnt",
    "coming",
    "compact",
    "complete",
    "conseguiu",
    "cont",
    "context",
    "crack",
    "ctn",
    "dah",
    "dalej",
    "dau",
    "devam",
    "dive",
    "dodelej",
    "doko",
    "done",
    "door",
    "doorg",
    "durum",
    "edame",
    "endelea",
    "eodikkaji",
    "erava",
    "etait",
    "faisait",
    "falta",
    "faltou",
    "far",
    "fehlt",
    "ferdig",
    "fertig",
    "fill",
    "fini",
    "finish",
    "finito",
    "fixed",
    "folyt",
    "forts",
    "forward",
    "fwd",
    "ga",
    "gebl",
    "geschafft",
    "get",
    "ginagawa",
    "gm",
    "go",
    "goal",
    "gogo",
    "goo",
    "gotovo",
    "habis",
    "halverwege",
    "hanggang",
    "hatra",
    "hatua",
    "hoe",
    "hol",
    "hop",
    "hotovo",
    "huminto",
    "hvad",
    "hvor",
    "ibamos",
    "ituloy",
    "jaatiin",
    "jahan",
    "jak",
    "jari",
    "jatka",
    "jindu",
    "jixu",
    "jsme",
    "jump",
    "kaha",
    "kaldik",
    "kalmis",
    "kammel",
    "keep",
    "kelar",
    "kesz",
    "kiasi",
    "kilichobaki",
    "kimebaki",
    "klaar",
    "kontinyu",
    "kontyn",
    "kulang",
    "kurang",
    "kvar",
    "kya",
    "land",
    "langkah",
    "lanjut",
    "left",
    "let",
    "lets",
    "lipseste",
    "loput",
    "luck",
    "maak",
    "maliza",
    "manca",
    "meiname",
    "meinei",
    "mida",
    "nagawa",
    "natapos",
    "natitira",
    "nerede",
    "neste",
    "next",
    "ngerjain",
    "nxt",
    "onde",
    "onward",
    "ostalo",
    "ostanovil",
    "owatta",
    "param",
    "parou",
    "phase",
    "pick",
    "plan",
    "pokrac",
    "proce",
    "prodol",
    "prodov",
    "progres",
    "progress",
    "prosegu",
    "prossimo",
    "pudhe",
    "puis",
    "punto",
    "quedamos",
    "quedaste",
    "ready",
    "recap",
    "remain",
    "remaining",
    "remind",
    "rendu",
    "repren",
    "rest",
    "restart",
    "resum",
    "retom",
    "retourne",
    "return",
    "rimasto",
    "ripren",
    "rsm",
    "rsme",
    "saan",
    "sambung",
    "same",
    "sampai",
    "sampe",
    "segu",
    "selesai",
    "session",
    "seterus",
    "seuraava",
    "shall",
    "ship",
    "siamo",
    "siga",
    "sigu",
    "siguiente",
    "sitrep",
    "skoncil",
    "skonczy",
    "speed",
    "stage",
    "stali",
    "state",
    "status",
    "stavamo",
    "step",
    "stigli",
    "stop",
    "suntem",
    "synex",
    "tadi",
    "tamum",
    "tapos",
    "tapus",
    "tart",
    "task",
    "tava",
    "tee",
    "teleiose",
    "terminaste",
    "termine",
    "terminou",
    "terus",
    "thieu",
    "thueng",
    "tiep",
    "tinggal",
    "todo",
    "tsuzuki",
    "tulikuwa",
    "tuloy",
    "tumefika",
    "turudi",
    "udah",
    "umemaliza",
    "unde",
    "uspel",
    "valmis",
    "verder",
    "verderg",
    "vernem",
    "volgende",
    "w2ifna",
    "waar",
    "wapas",
    "waren",
    "wat",
    "wb",
    "weit",
    "weiter",
    "what",
    "wher",
    "wht",
    "wo",
    "woran",
    "work",
    "wracamy",
    "wrap",
    "wsalna",
    "xong",
    "zakonchil",
    "zalyshyl",
    "zaten",
    "zbyva",
    "zijn",
    "zostalo",
    "zupynyl",
];

/// Where the entries of [`CUE_STARTS`] with each first letter lie: a word is compared only with
/// the starts that share its first letter.
const CUE_RANGES: [(usize, usize); 26] = letter_ranges(CUE_STARTS);

/// The range of `list` (sorted by first letter, each entry starting with a-z; checked when
/// compiling) holding the entries that start with each letter a-z.
const fn letter_ranges(list: &[&str]) -> [(usize, usize); 26] {
    let mut out = [(0, 0); 26];
    let mut i = 0;
    while i < list.len() {
        let c = list[i].as_bytes()[0];
        assert!(c.is_ascii_lowercase(), "a cue start begins with a-z");
        assert!(
            i == 0 || list[i - 1].as_bytes()[0] <= c,
            "the cue starts are sorted by first letter"
        );
        let k = (c - b'a') as usize;
        if out[k].1 == 0 {
            out[k].0 = i;
        }
        out[k].1 = i + 1;
        i += 1;
    }
    out
}

/// Typos of the commonest cue words are let through too ("cnotinue", "kepp going").
const TYPO_STARTS: &[&str] = &[
    "continue", "resume", "proceed", "carry", "keep", "where", "were", "going",
];

/// Whether a word of `p` is, or starts as, one of [`CUE_STARTS`], or `p` has a non-ASCII letter
/// (the German, French and Spanish cues): no allocation, one pass.
fn has_cue_word(p: &str) -> bool {
    // A letter, not any character: emoji, symbols and the U+FFFD that replaced a lone surrogate
    // ("fix \u{fffd} \u{fffd}A") are no cue.
    (!p.is_ascii() && p.chars().any(|c| !c.is_ascii() && c.is_alphabetic()))
        || p.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
            let Some(first) = w.bytes().next().map(|c| c.to_ascii_lowercase()) else {
                return false;
            };
            let starts: &[&str] = match first {
                b'a'..=b'z' => {
                    let (from, to) = CUE_RANGES[usize::from(first - b'a')];
                    &CUE_STARTS[from..to]
                }
                _ => &[],
            };
            starts.iter().any(|s| {
                let n = s.len();
                w.len() >= n
                    && (w.len() == n || n >= 4)
                    && w.as_bytes()[..n].eq_ignore_ascii_case(s.as_bytes())
            }) || is_typo_of_a_cue(w)
                || is_short_for_continue(w.as_bytes())
        })
}

/// `w` is within one typo (two for "continue") of one of [`TYPO_STARTS`].
fn is_typo_of_a_cue(w: &str) -> bool {
    let b = w.as_bytes();
    if !(4..=10).contains(&b.len()) {
        return false;
    }
    let mut lower = [0u8; 10];
    for (l, c) in lower.iter_mut().zip(b) {
        *l = c.to_ascii_lowercase();
    }
    let w = &lower[..b.len()];
    TYPO_STARTS.iter().any(|t| {
        let (t, max) = (t.as_bytes(), if t.len() >= 8 { 2 } else { 1 });
        // A typo seldom changes both of the first two letters ("cnotinue", "ocntinue").
        w.len().abs_diff(t.len()) <= max
            && (w[0] == t[0] || w[1] == t[1] || w[0] == t[1])
            && distance(w, t, max).is_some()
    })
}

/// True when the prompt as a whole asks to continue the session: the grammar reads it as one and
/// the learned model does not overrule it; or, for a prompt that passes the grammar's gates but
/// not its reading, the model reads it as one; or, for a short line with no cue word, the model
/// is sure of it (`MAX_NO_CUE_LEN`, `model::SURE`; docs/hooks.md, "The learned model").
pub fn is_continuation(prompt: &str) -> bool {
    read(
        prompt,
        Some(&Opinion {
            yes: &model::is_continuation,
            no: &model::overrules,
            sure: &model::is_sure_continuation,
        }),
    )
}

/// The learned model as [`read`] consults it: `yes` reads a prompt the grammar did not take as
/// a continuation ([`model::THRESHOLD`]); `no` overrules the grammar's yes ([`model::VETO`]);
/// `sure` reads a prompt with no cue word ([`model::SURE`]).
struct Opinion<'a> {
    yes: &'a dyn Fn(&str) -> bool,
    no: &'a dyn Fn(&str) -> bool,
    sure: &'a dyn Fn(&str) -> bool,
}

/// The grammar's reading alone: see the module's documentation.
#[cfg(test)]
fn by_rules(prompt: &str) -> bool {
    read(prompt, None)
}

/// "keep going vs fail fast in make", "Continue VS Resume": a word such as "vs" between two
/// terms, in any case, on one line or across two.
fn compares_terms(p: &str) -> bool {
    let words: Vec<&str> = p.split_whitespace().collect();
    words.iter().enumerate().skip(1).any(|(i, w)| {
        (w.eq_ignore_ascii_case("vs")
            && !(words.get(i + 1).is_some_and(|n| {
                n.trim_end_matches(|c: char| !c.is_alphanumeric())
                    .eq_ignore_ascii_case("code")
            })))
            || w.eq_ignore_ascii_case("vs.")
            || w.eq_ignore_ascii_case("versus")
    })
}

/// "where were we storing the tokens?", "where was I sending the metrics": where the code does
/// something, asked in the past — a question about the code (decision: "where were we storing
/// the tokens?" is not a continuation, docs/hooks.md), which the model must not overrule. "where
/// were we going with this" and "where were we?" stay open to both readings.
fn asks_where_code_did(p: &str) -> bool {
    let words = normalise(p);
    let words: Vec<&str> = words.split(' ').collect();
    words.windows(5).any(|w| {
        w[0] == "where"
            && matches!(w[1], "were" | "was")
            && matches!(w[2], "we" | "you" | "i")
            && w[3].len() > 5
            && w[3].ends_with("ing")
            && !matches!(w[3], "going" | "heading" | "working")
    })
}

/// The prompt read whole ([`read_whole`]), else its last part alone ([`last_part`], decision
/// 145): "…\nall good, continue with the next part".
fn read(prompt: &str, model: Option<&Opinion>) -> bool {
    read_whole(prompt, model) || last_part(prompt.trim()).is_some_and(|l| read_whole(l, model))
}

/// The last line of a prompt of several lines, or the last sentence of a prompt of one line
/// (after a `.`, `!` or `?` and a space), when it reads as the user's own go-on after what they
/// showed or answered: "ran it:\n$ make\n…\nall good, carry on", "minor is fine. keep going".
/// Not when it is likely part of what was pasted, quoted or described: it opens with a capital
/// letter ("Press any key to continue", a button's "Continue", "Skip empty lines. Continue with
/// the next line."; "Please …" and "Ok …" excepted), a digit or a list
/// mark, holds a `:` ("ValueError: continue", "Dan: ok keep going"), follows a line ending in
/// `:` ("translate to French:\nwhere were we"), or is one word after lines of code. Not when it
/// describes what a program does ("Otherwise continue.", "Then it resumes."), follows a
/// question it elaborates on, or asks about what came before ("…\nwhat's going on").
fn last_part(p: &str) -> Option<&str> {
    let several_lines = p.contains('\n');
    let last = if several_lines {
        let line = p.lines().rev().find(|l| !l.trim().is_empty())?;
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        line
    } else {
        let b = p.as_bytes();
        let cut = (1..b.len())
            .rev()
            .find(|&i| b[i].is_ascii_whitespace() && matches!(b[i - 1], b'.' | b'!' | b'?'))?;
        &p[cut..]
    };
    let before = p[..p.len() - last.len()].trim_end();
    let last = last.trim();
    // Most last parts stop at the cue scan, before the costlier checks below.
    if last.is_empty() || last.len() >= p.len() || last.len() > 120 || !has_cue_word(last) {
        return None;
    }
    if before.ends_with(['?', ':']) || last.contains(':') {
        return None;
    }
    let first = last.chars().next()?;
    if !first.is_alphabetic() || (first.is_uppercase() && !opens_politely(last)) {
        return None;
    }
    let words = normalise(last);
    let head = words.split(' ').next().unwrap_or_default();
    let describes = matches!(
        head,
        "then"
            | "otherwise"
            | "after"
            | "afterwards"
            | "when"
            | "if"
            | "once"
            | "until"
            | "and"
            | "it"
            | "the"
            | "this"
            | "he"
            | "she"
            | "they"
            | "press"
            | "do"
            | "setup"
    ) || head.ends_with("ing")
        || words.contains(" until ")
        || words.ends_with(" on errors")
        || words.ends_with(" on error");
    let asks = last.ends_with('?') || matches!(head, "what" | "whats" | "how" | "why" | "status");
    let after_code = several_lines
        && !words.contains(' ')
        && before.lines().any(|l| {
            let l_end = l.trim_end();
            l.starts_with(char::is_whitespace)
                || l_end.ends_with([';', '{', '}'])
                || (l_end.ends_with(':')
                    && [
                        "for ", "while ", "if ", "def ", "class ", "else", "elif ", "try", "with ",
                    ]
                    .iter()
                    .any(|k| l.starts_with(k)))
        });
    (!describes && !asks && !after_code).then_some(last)
}

/// "Please continue", "Ok carry on", "OK, go on": a capital that is the user's own, not the
/// start of a pasted line.
fn opens_politely(s: &str) -> bool {
    [
        "please ", "pls ", "ok ", "ok, ", "okay ", "okay, ", "now ", "so ",
    ]
    .iter()
    .any(|w| {
        s.as_bytes()
            .get(..w.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// The grammar's gates, then its reading, then — for a prompt that passed every gate (at most
/// [`MAX_LEN`] bytes and three lines, a cue word, no code punctuation, not a slash command
/// alone, not "x vs y"; more than [`MAX_CLAUSES`] clauses leave only the model) and is not a
/// where-question about what the code did or a thing kept ("keep it") — `model`, when given.
/// A yes of the grammar's reading, for a prompt the model reads, stands unless the model
/// overrules it (decision 156). A prompt with no cue word skips the grammar: it is a
/// continuation only when it is one line of at most [`MAX_NO_CUE_LEN`] bytes, neither code nor
/// a program's text nor a slash command, and the model is sure of it (`sure`, decision 158);
/// the higher bar keeps everyday replies ("sorry", "agreed", "fine by me"), which the first
/// models took for continuations, out.
fn read_whole(prompt: &str, model: Option<&Opinion>) -> bool {
    let p = prompt.trim();
    if p.len() > MAX_LEN {
        return p.len() <= MAX_SHOWN_LEN && shows_then_continues(p);
    }
    if p.is_empty() {
        return false;
    }
    // No cue word: only a short line the model is sure of ("and?", "eta?", "wie ist der
    // Stand?"), and never pasted code, a program's text or a slash command (decision 158).
    if !has_cue_word(p) {
        return p.len() <= MAX_NO_CUE_LEN
            && !p.contains('\n')
            && !p.starts_with('/')
            && !looks_like_code(p)
            && !shows_program_text(p)
            && model.is_some_and(|m| (m.sure)(p));
    }
    // A slash command alone is Claude Code's: only its own "/continue" and "/resume" go on
    // ("/status" shows the settings, "/resume-parser" is a project's command).
    if p.starts_with('/') && !p.contains(char::is_whitespace) {
        return p.eq_ignore_ascii_case("/continue") || p.eq_ignore_ascii_case("/resume");
    }
    // "keep going vs fail fast in make": a cue word compared with another is a term asked about.
    if compares_terms(p) {
        return false;
    }
    // The note Claude Code leaves when the user pressed Escape is no part of what they typed.
    let p = strip_interrupt_note(p);
    // "(continued from previous session)": a note in brackets as the whole prompt, not code.
    let p = p
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| p.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
        .filter(|r| !r.contains(['(', ')', '[', ']']))
        .map_or(p, str::trim);
    if p.lines().filter(|l| !l.trim().is_empty()).count() > 3 {
        return leads_then_adds(p) || shows_then_continues(p);
    }
    if shows_program_text(p) {
        return false;
    }
    let mut parts = clauses(p);
    if parts.is_empty() {
        return false;
    }
    if parts.len() > MAX_CLAUSES {
        return !looks_like_code(p) && model_reads(p, model);
    }
    // "new session. continue from the last one": the last session.
    if parts.iter().any(|c| announces_new_session(c)) {
        for c in &mut parts {
            for one in ["the last one", "the previous one", "the old one"] {
                if c.ends_with(one) || c.contains(&format!("{one} ")) {
                    *c = c.replace(one, &one.replace(" one", " session"));
                }
            }
        }
    }
    if looks_like_code(p) {
        return narrated_resume(&parts);
    }
    if by_grammar(&parts)
        || score::is_scored_continuation(p, &parts)
        || narrated_resume(&parts)
        || leads_then_adds(p)
    {
        return model.is_none_or(|m| !(m.no)(p));
    }
    model_reads(p, model)
}

/// A program's text shown, not asked: an error line ("ValueError: continue", "KeyError:
/// 'resume'", "Error: boom"), a traceback's first line, or a terminal's prompt to press a key
/// ("Press any key to continue", "press enter to resume"). A go-on typed after it is read by
/// [`last_part`]: "KeyError: 'x'\nok, continue".
fn shows_program_text(p: &str) -> bool {
    let error_line = |l: &str| {
        l.split_once(':').is_some_and(|(label, _)| {
            label.starts_with(|c: char| c.is_ascii_uppercase())
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && ["Error", "Exception", "Warning"]
                    .iter()
                    .any(|e| label.ends_with(e))
        })
    };
    // Words are split and lower-cased only for a prompt that holds "press": this runs on every
    // prompt with a cue word.
    let press_to_go_on = || {
        let words: Vec<String> = p
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.iter().enumerate().any(|(i, w)| {
            w == "press"
                && words[i + 1..].windows(2).take(4).any(|pair| {
                    pair[0] == "to" && matches!(pair[1].as_str(), "continue" | "resume" | "proceed")
                })
        })
    };
    p.lines().any(|l| error_line(l.trim()))
        || p.trim_start().starts_with("Traceback")
        || (p
            .as_bytes()
            .windows(5)
            .any(|w| w.eq_ignore_ascii_case(b"press"))
            && press_to_go_on())
}

/// `model`'s reading of a prompt that passed the gates, unless the prompt is of a kind the
/// grammar decides against whatever the model says: a where-question about what the code did,
/// a thing kept ("keep it").
fn model_reads(p: &str, model: Option<&Opinion>) -> bool {
    model.is_some_and(|m| !asks_where_code_did(p) && !keeps_a_thing(p) && (m.yes)(p))
}

/// "keep it", "keep both", "keep the old one": a thing kept, not work kept going ("keep it up",
/// "keep at it", "keep it going" are not this). The model, which reads words rather than
/// grammar, does not learn the difference from the few examples there are (`everyday.tsv`).
fn keeps_a_thing(p: &str) -> bool {
    let words = normalise(p);
    let mut words = words.split(' ');
    words.next() == Some("keep")
        && words.next().is_some_and(|w| {
            matches!(
                w,
                "it" | "that" | "this" | "them" | "both" | "the" | "those" | "these" | "mine"
            )
        })
        && !words.any(|w| {
            matches!(
                w,
                "up" | "going" | "rolling" | "moving" | "movin" | "coming" | "on" | "running"
            )
        })
}

/// Output shown (a fenced block, or text under a first line ending in ':'), then a last paragraph
/// that goes on, perhaps after fixing what was shown: "ran the tests:\n```…```\nkeep going until
/// they all pass", "here's the traceback:\n\n…\n\nfix it and then continue with the plan". Only
/// the last paragraph is cut into clauses.
fn shows_then_continues(p: &str) -> bool {
    let Some(end) = p
        .rfind("```")
        .map(|i| i + 3)
        .or_else(|| p.rfind("\n\n").map(|i| i + 2))
    else {
        return false;
    };
    let (shown, ask) = (&p[..end], p[end..].trim());
    let introduced = shown.contains("```")
        || shown
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with(':'));
    if !introduced
        || ask.is_empty()
        || ask.len() > 120
        || ask.contains('\n')
        || !has_cue_word(ask)
        || looks_like_code(ask)
    {
        return false;
    }
    let parts = clauses(ask);
    let Some((last, before)) = parts.split_last() else {
        return false;
    };
    // "fix it", "fix them": what was shown.
    let fixes = |c: &str| {
        let mut w = c.split(' ');
        w.next() == Some("fix")
            && w.next()
                .is_some_and(|o| matches!(o, "it" | "that" | "this" | "them" | "those" | "these"))
            && w.next().is_none()
    };
    before.iter().all(|c| fixes(c) || is_neutral(c))
        && (reduces_to_form(last, 4) || score::goes_on_strongly(last))
}

/// The prompt without a leading "[Request interrupted by user]" (or "… for tool use"), the note
/// Claude Code puts before what the user types after interrupting the agent.
fn strip_interrupt_note(p: &str) -> &str {
    let b = p.as_bytes();
    let head = b"[request interrupted by user";
    if b.len() > head.len()
        && b[..head.len()].eq_ignore_ascii_case(head)
        && let Some(end) = p.find(']')
    {
        return p[end + 1..].trim_start();
    }
    p
}

/// Bare continuations that may open a prompt which then adds something: "keep going, and also
/// add a changelog entry", "continue\n\nbtw the tests now fail with: …".
const LEADS: &[&str] = &[
    "continue",
    "keep going",
    "carry on",
    "resume",
    "keep at it",
    "keep working",
    "continue working",
    "keep on going",
];

/// Words that open what is added after a leading continuation, and whether code may follow
/// them: news or an error shown ("btw …", "here's the error …") may quote code; a further task
/// ("and also …", "when you're done, …") may not.
const ADDS: &[(&str, bool)] = &[
    ("btw ", true),
    ("by the way ", true),
    ("fyi ", true),
    ("heres ", true),
    ("here is ", true),
    ("ps ", true),
    ("and also ", false),
    ("also ", false),
    ("and when youre done ", false),
    ("when youre done ", false),
    ("and once youre done ", false),
    ("once youre done ", false),
    ("and when you are done ", false),
    ("when you are done ", false),
    ("and after that ", false),
    ("after that ", false),
    ("and at the end ", false),
];

/// The prompt opens with a continuation standing alone (its own sentence, line or comma'd
/// clause) and goes on with news, an error shown or a further task: the labelled sets' rule that
/// "continue, and when you're done, commit" still asks to go on. After a continuation that names
/// the session's own place ("continue where we left off, but use pnpm this time") a "but …" may
/// add how. Not after "go on" or "go ahead" (approvals), nor when what follows takes it back
/// ("no", "stop", "revert") or brings code into a further task.
fn leads_then_adds(p: &str) -> bool {
    let Some(cut) = p.find(|c: char| {
        matches!(
            c,
            ',' | '.' | '!' | '?' | ';' | ':' | '\n' | '\u{2014}' | '\u{2013}'
        )
    }) else {
        return false;
    };
    let (head, tail) = p.split_at(cut);
    if head.len() > 60 {
        return false;
    }
    let head = normalise(head);
    let core = strip_wrappers(&head);
    let named_place = reduces_to_form(&head, 4)
        && ["continue", "keep", "carry", "resume", "pick"]
            .iter()
            .any(|v| core.starts_with(v))
        && SESSION_REFS.iter().any(|r| contains_words(core, r));
    // "continuing from before: the second endpoint still needs pagination": a colon after a
    // continuation that says from where tells what it is about.
    // Not "status update: the deploy failed": a report asked for, then what it is about.
    let colon_lead = p[cut..].starts_with(':')
        && !LEADS.contains(&core)
        && [
            "continue", "keep", "carry", "resume", "pick", "proceed", "get", "back",
        ]
        .iter()
        .any(|v| core.starts_with(v))
        && core.contains(' ')
        && reduces_to_form(&head, 4);
    if !LEADS.contains(&core) && !named_place && !colon_lead {
        return false;
    }
    let tail = normalise(tail);
    let tail = format!("{tail} ");
    // Only a further task is read for a take-back: an error shown may say "No module named".
    let takes_back = || {
        tail.split(' ').any(|w| {
            matches!(
                w,
                "no" | "nope"
                    | "stop"
                    | "revert"
                    | "undo"
                    | "cancel"
                    | "scrap"
                    | "forget"
                    | "never"
            )
        })
    };
    let raw_tail = &p[cut..];
    let code = || looks_like_code(raw_tail) || score::code_evidence(raw_tail);
    let condition = || {
        tail.split(' ')
            .any(|w| matches!(w, "if" | "unless" | "until" | "while" | "whenever"))
    };
    if named_place && tail.starts_with("but ") {
        return !code() && !condition() && !takes_back();
    }
    if colon_lead {
        return !code() && !condition() && !takes_back();
    }
    // "resume\n- finish the api endpoints\n- then write tests": the plan's next items, listed.
    let listed = raw_tail.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
    if p[cut..].starts_with('\n')
        && listed.lines().all(|l| {
            let l = l.trim_start();
            l.is_empty() || l.starts_with("- ") || l.starts_with("* ")
        })
        && listed.lines().any(|l| !l.trim().is_empty())
    {
        return !code() && !takes_back();
    }
    ADDS.iter().any(|(lead, code_ok)| {
        tail.starts_with(lead) && (*code_ok || !code() && !condition() && !takes_back())
    })
}

/// The grammar's verdict on a prompt's clauses (see the module documentation).
fn by_grammar(parts: &[String]) -> bool {
    let forms: Vec<bool> = parts
        .iter()
        .map(|c| reduces_to_form(c, 4) || is_form_but_for_a_typo(strip_wrappers(c)))
        .collect();
    let Some(first) = forms.iter().position(|f| *f) else {
        return false;
    };
    let others_neutral = parts.iter().zip(&forms).all(|(c, f)| *f || is_neutral(c));
    if others_neutral {
        return true;
    }
    // Something else was said: the continuation must come last, and not right after a
    // condition or a failure, where a bare "continue" is the loop statement.
    let last = parts.len() - 1;
    if !forms[last] || first == last && last == 0 {
        return false;
    }
    // Nor beside code or a new task ("… error when reading from the socket, … continue?").
    // Nor after the user asks how to do something ("how do i recover the state lock and
    // continue?"): the continuing is theirs.
    let others_ok = parts.iter().zip(&forms).all(|(c, f)| {
        let words: Vec<&str> = c.split(' ').collect();
        *f || score::is_other_clause_ok(&words, false, true) && !score::asks_how(&words)
    });
    if !others_ok {
        return false;
    }
    let core = strip_wrappers(&parts[last]);
    if QUESTIONS.contains(&core) {
        return false;
    }
    let before = &parts[last - 1];
    let bare = matches!(
        core,
        "continue" | "proceed" | "go on" | "carry on" | "keep going"
    );
    // "i pushed the fix for the lint errors. let's continue": news, not a loop's condition.
    let before: Vec<&str> = before.split(' ').collect();
    !(bare && before.iter().any(|w| LOOPISH.contains(w)) && !score::is_told(&before))
}

/// Words of a bare "go on with it": "keep going with that", "pick that back up", "finish it".
const GO_ON_WITH_IT: &[&str] = &[
    "continue", "keep", "going", "carry", "on", "go", "proceed", "resume", "pick", "back", "up",
    "get", "to", "finish", "with", "that", "it", "this", "do",
];

/// "You were adding `continue` statements in parse_rows. Keep going with that.", "keep going,
/// you were doing the catch blocks in api/client.ts": the user tells what the session was doing,
/// naming its code, and says to go on with it. Read even when the prompt has code in it.
fn narrated_resume(parts: &[String]) -> bool {
    let (mut told, mut go_on) = (false, false);
    for c in parts {
        let words: Vec<&str> = c.split(' ').collect();
        let core = strip_wrappers(c);
        if !core.is_empty()
            && core.split(' ').all(|w| GO_ON_WITH_IT.contains(&w))
            && core.split(' ').any(|w| {
                matches!(
                    w,
                    "continue"
                        | "keep"
                        | "carry"
                        | "go"
                        | "proceed"
                        | "resume"
                        | "pick"
                        | "get"
                        | "finish"
                        | "do"
                )
            })
        {
            go_on = true;
        } else if score::is_narration(&words) || kinds6::tells_what_was_next(&words) {
            told = true;
        } else if !is_neutral(c) {
            return false;
        }
    }
    told && go_on
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod train;
