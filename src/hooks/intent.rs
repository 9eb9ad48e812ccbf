//! Does a prompt mean "continue where we left off"? A small grammar, not a word search.
//!
//! The prompt is lower-cased, stripped of punctuation and of short polite wrappers ("ok",
//! "please", "claude", "thanks", …); what remains must be one of the continuation forms as a
//! whole. A prompt that merely contains the words ("continue the loop until i == n", "add a
//! resume button", "where were we storing the tokens?") is not a continuation: the words are
//! followed by something that is about the code, not about the session.

/// Longest prompt (in bytes) worth looking at; continuations are short.
const MAX_LEN: usize = 200;

const LEADING: &[&str] = &[
    "ok",
    "okay",
    "k",
    "alright",
    "all right",
    "right",
    "so",
    "well",
    "hey",
    "hi",
    "hello",
    "claude",
    "please",
    "pls",
    "now",
    "and",
    "then",
    "cool",
    "great",
    "good",
    "thanks",
    "thank you",
    "yes",
    "yeah",
    "yep",
    "sure",
    "fine",
    "go",
    "lets",
    "let us",
    "can you",
    "could you",
    "would you",
    "will you",
    "can we",
    "could we",
    "shall we",
    "i want you to",
    "i would like you to",
    "id like you to",
    "just",
    "kindly",
];

const TRAILING: &[&str] = &[
    "please",
    "pls",
    "thanks",
    "thank you",
    "now",
    "then",
    "again",
    "for me",
    "claude",
    "ok",
    "okay",
    "if you can",
    "when ready",
    "when youre ready",
    "already",
];

/// Forms that are a continuation on their own.
const WHOLE: &[&str] = &[
    "continue",
    "resume",
    "proceed",
    "carry on",
    "keep going",
    "go on",
    "go ahead",
    "keep at it",
    "keep working",
    "continue working",
    "continue on",
    "back to work",
    "get back to work",
    "get back to it",
    "back to it",
    "where were we",
    "where was i",
    "where are we",
    "where are we at",
    "where were we at",
    "where was i at",
    "where did we leave off",
    "where did i leave off",
    "where did you leave off",
    "where did we stop",
    "where did we get to",
    "where had we got to",
    "what was i doing",
    "what were we doing",
    "what were you doing",
    "what was i working on",
    "what were we working on",
    "what were you working on",
    "whats next",
    "what next",
    "what now",
    "now what",
    "what is next",
    "whats the status",
    "status",
    "session status",
    "where do we stand",
    "remind me what we were doing",
    "remind me what i was doing",
    "remind me where we were",
    "remind me where we left off",
    "pick up where we left off",
    "pick up where you left off",
    "pick up where i left off",
    "pick it up",
    "pick it back up",
    "pick up from where we left off",
    "pick up from where you left off",
    "pick up where we stopped",
    "lets pick up where we left off",
    "restore context",
    "restore the session",
    "load the session",
    "catch me up",
    "catch up",
];

/// Verbs that, followed by one of [`TAILS`], are a continuation.
const HEADS: &[&str] = &[
    "continue",
    "resume",
    "proceed",
    "carry on",
    "keep going",
    "go on",
    "pick up",
    "keep working",
    "get back",
];

const TAILS: &[&str] = &[
    "where we left off",
    "where you left off",
    "where i left off",
    "from where we left off",
    "from where you left off",
    "from where i left off",
    "where we stopped",
    "where you stopped",
    "from where we stopped",
    "from where you stopped",
    "from there",
    "from here",
    "from the last checkpoint",
    "from the checkpoint",
    "with the task",
    "the task",
    "with the session",
    "the session",
    "our session",
    "my session",
    "the work",
    "with the work",
    "our work",
    "my work",
    "with what you were doing",
    "what you were doing",
    "what we were doing",
    "with what we were doing",
    "with that",
    "with it",
    "on it",
    "on",
    "working",
    "to work",
    "to it",
    "the plan",
    "with the plan",
    "the previous task",
    "the last task",
    "where we were",
    "where you were",
    "after the compaction",
    "after compaction",
    "from before",
    "as before",
    "working on it",
    "work",
    "on the task",
    "the job",
    "as planned",
    "with the next step",
    "the next step",
    "to the next step",
    "to where we were",
    "where it stopped",
    "where things stopped",
];

fn normalise(prompt: &str) -> String {
    let lower = prompt.to_lowercase().replace(['\u{2019}', '\''], "");
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.join(" ")
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

/// True when the prompt as a whole asks to continue the session.
pub fn is_continuation(prompt: &str) -> bool {
    let p = prompt.trim();
    // Code punctuation means the prompt is about code ("continue;", "resume()").
    if p.is_empty()
        || p.len() > MAX_LEN
        || p.lines().filter(|l| !l.trim().is_empty()).count() > 2
        || p.contains([';', '{', '}', '(', ')', '=', '<', '>', '[', ']', '`'])
    {
        return false;
    }
    let norm = normalise(p);
    let core = strip_wrappers(&norm);
    if WHOLE.contains(&core) {
        return true;
    }
    HEADS.iter().any(|h| {
        core.strip_prefix(h)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|tail| {
                TAILS.contains(&tail)
                    || TAILS.iter().any(|t| {
                        tail.strip_suffix(t)
                            .is_some_and(|x| x == "on " || x == "with ")
                    })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Precision and recall over a labelled set: `1` or `0`, a tab, the prompt.
    fn score(name: &str, data: &str) -> (f64, f64, usize, usize) {
        let (mut tp, mut fp, mut fne, mut tn) = (0, 0, 0, 0);
        let mut wrong = Vec::new();
        for line in data
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (label, prompt) = line.split_once('\t').expect("label<TAB>prompt");
            let prompt = prompt.replace("\\n", "\n");
            let want = label == "1";
            let got = is_continuation(&prompt);
            match (want, got) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    wrong.push(format!("false positive: {prompt}"));
                }
                (true, false) => {
                    fne += 1;
                    wrong.push(format!("missed: {prompt}"));
                }
                (false, false) => tn += 1,
            }
        }
        let precision = tp as f64 / (tp + fp) as f64;
        let recall = tp as f64 / (tp + fne) as f64;
        println!(
            "{name}: {} positive, {} negative; precision {precision:.3}, recall {recall:.3}",
            tp + fne,
            tn + fp
        );
        for w in &wrong {
            println!("  {w}");
        }
        (precision, recall, tp + fne, tn + fp)
    }

    /// The detector on one labelled set: at least `min` examples of each kind, precision ≥ 0.95,
    /// recall ≥ 0.85.
    fn meets_targets(name: &str, data: &str, min: (usize, usize)) {
        let (precision, recall, pos, neg) = score(name, data);
        assert!(
            pos >= min.0 && neg >= min.1,
            "the set is too small to mean anything"
        );
        assert!(precision >= 0.95, "precision {precision:.3}");
        assert!(recall >= 0.85, "recall {recall:.3}");
    }

    #[test]
    fn tuning_set_meets_precision_and_recall_targets() {
        meets_targets(
            "prompts.tsv",
            include_str!("../../tests/data/prompts.tsv"),
            (60, 100),
        );
    }

    #[test]
    fn held_out_set_meets_precision_and_recall_targets() {
        meets_targets(
            "prompts-heldout.tsv",
            include_str!("../../tests/data/prompts-heldout.tsv"),
            (30, 30),
        );
    }

    #[test]
    fn words_inside_a_request_are_not_a_continuation() {
        assert!(!is_continuation("continue the loop until i == n"));
        assert!(!is_continuation("add a resume button"));
        assert!(!is_continuation("where were we storing the tokens?"));
        assert!(is_continuation("ok, continue please"));
        assert!(is_continuation("Where were we?"));
    }
}
