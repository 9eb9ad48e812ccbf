//! Typos and shorthand of the key words: mended before matching.

/// Shorthand and typos of the key words, mended before matching.
pub(super) const MENDS: &[(&str, &str)] = &[
    ("continuing", "continue"),
    ("resuming", "resume"),
    ("proceeding", "proceed"),
    ("picking", "pick"),
    ("cont", "continue"),
    ("contd", "continue"),
    ("conti", "continue"),
    ("contin", "continue"),
    ("pls", "please"),
    ("plz", "please"),
    ("plss", "please"),
    ("thx", "thanks"),
    ("ty", "thanks"),
    ("tnx", "thanks"),
    ("k", "ok"),
    ("kk", "ok"),
    ("okk", "ok"),
    ("okey", "ok"),
    ("u", "you"),
    ("ur", "your"),
    ("wat", "what"),
    ("wht", "what"),
    ("whta", "what"),
    ("wer", "were"),
    ("wher", "where"),
    ("whre", "where"),
    ("wehre", "where"),
    ("weher", "where"),
    ("pickup", "pick up"),
    ("goin", "going"),
    ("gong", "going"),
    ("giong", "going"),
    ("goign", "going"),
    ("resme", "resume"),
    ("reume", "resume"),
    ("rsume", "resume"),
    ("resuem", "resume"),
    ("reusme", "resume"),
    ("onn", "on"),
    ("lemme", "let me"),
    ("gm", "good morning"),
    ("weve", "we have"),
    ("youve", "you have"),
    ("wb", "im back"),
    // "why'd you stop": a contraction of "did".
    ("whyd", "why did"),
    ("whatd", "what did"),
    // Slang for "alright" and "let's go": "aight keep it going", "lessgo continue".
    ("aight", "alright"),
    ("ight", "alright"),
    ("aite", "alright"),
    ("ayt", "alright"),
    ("lessgo", "lets go"),
    ("lesgo", "lets go"),
    ("letsgo", "lets go"),
    ("lezgo", "lets go"),
    ("letsgoo", "lets go"),
];

/// Words one typo away from these are taken for them (not their real neighbours).
pub(super) const FUZZY: &[(&str, &[&str])] = &[
    (
        "continue",
        &["continued", "continues", "continua", "continuez"],
    ),
    ("proceed", &["proceeds", "preceed"]),
    ("carry", &["cary", "curry", "carly"]),
    ("ahead", &[]),
    (
        "keep",
        &[
            "kept", "keen", "keel", "kelp", "kemp", "keys", "kepi", "keeps",
        ],
    ),
];

/// Key words whose letters are typed in the wrong order ("contunie", "conitnue", "pleaes"):
/// a word with the same first letter and the same letters is taken for them.
const SHUFFLED: &[&str] = &["continue", "please", "resume", "proceed"];

/// `w` has the letters of `target` in another order, with the same first letter, at most two
/// letters moved.
fn is_shuffled(w: &[u8], target: &[u8]) -> bool {
    if w.len() != target.len() || w == target || w.first() != target.first() {
        return false;
    }
    let mut count = [0i32; 26];
    for (a, b) in w.iter().zip(target) {
        if !a.is_ascii_lowercase() || !b.is_ascii_lowercase() {
            return false;
        }
        count[usize::from(a - b'a')] += 1;
        count[usize::from(b - b'a')] -= 1;
    }
    count.iter().all(|c| *c == 0) && distance(w, target, 2).is_some()
}

/// Optimal string alignment distance, capped: `None` when above `max`. Allocation-free for
/// short words; longer ones are never close enough to matter.
pub(super) fn distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    const N: usize = 48;
    if a.len().abs_diff(b.len()) > max || a.len() >= N || b.len() >= N {
        return None;
    }
    // Three rolling rows, indexed by i % 3: nothing is copied between rows.
    let mut rows = [[0usize; N]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
            best = best.min(d);
        }
        if best > max {
            return None;
        }
    }
    let d = rows[a.len() % 3][b.len()];
    (d <= max).then_some(d)
}

/// `w` is "continue" with letters left out, the way it is shortened in a hurry: "ctnu",
/// "cntnu", "contnu" (four to seven letters, in order, starting with its "c" and keeping its
/// "t" and an "n"; "cnt" alone is a count).
pub(super) fn is_short_for_continue(w: &[u8]) -> bool {
    if !(4..=7).contains(&w.len()) || !w[0].eq_ignore_ascii_case(&b'c') {
        return false;
    }
    let mut target = b"continue".iter();
    let in_order = w.iter().all(|c| target.any(|t| t.eq_ignore_ascii_case(c)));
    in_order
        && w.iter().any(|c| c.eq_ignore_ascii_case(&b't'))
        && w.iter().any(|c| c.eq_ignore_ascii_case(&b'n'))
}

pub(super) fn mend(word: &str) -> &str {
    if let Some((_, to)) = MENDS.iter().find(|(from, _)| *from == word) {
        return to;
    }
    if is_short_for_continue(word.as_bytes()) {
        return "continue";
    }
    if word.len() >= 4 && word.is_ascii() {
        if let Some(t) = SHUFFLED
            .iter()
            .find(|t| is_shuffled(word.as_bytes(), t.as_bytes()))
        {
            return t;
        }
        for (target, not) in FUZZY {
            // A short word shares its first letter with the key word ("crry"), not only an end
            // ("marry"); a long one may differ at either end.
            if target.len() < 6 && word.as_bytes()[0] != target.as_bytes()[0] {
                continue;
            }
            // A typo seldom hits both ends: a cheap filter before the distance.
            let (w, t) = (word.as_bytes(), target.as_bytes());
            if w[..2] != t[..2] && w[w.len() - 2..] != t[t.len() - 2..] {
                continue;
            }
            if word != *target
                && !not.contains(&word)
                && distance(word.as_bytes(), target.as_bytes(), 1).is_some()
            {
                return target;
            }
        }
    }
    word
}
