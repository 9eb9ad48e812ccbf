//! The secret guard: obvious secrets (private keys, cloud keys, forge tokens, `password=`
//! assignments) in what a push would send, found before `git push` runs, and their redaction.
//!
//! The rules are a small table derived from gitleaks' default configuration
//! (<https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml>, MIT licence,
//! Copyright (c) 2019 Zachary Rice): the rule ids are gitleaks' own, the patterns are
//! gitleaks' simplified to what a journal of prose holds (no entropy checks but the generic
//! rule's, no per-rule allow-lists). Decision 105 says why a table and not a crate.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::Regex;

/// One rule: gitleaks' id, its keywords and the pattern that finds it. A pattern with a group
/// named `v` is an assignment whose value must also look like a secret ([`looks_secret`]).
struct Rule {
    id: &'static str,
    /// Lowercase words of which every match of `pattern` holds one, in any ASCII case
    /// (gitleaks' `keywords`): a text holding none of them is not matched against the pattern
    /// ([`scan`]). A `(?i)` pattern also matches two non-ASCII letters for ASCII ones (Unicode
    /// simple case folding, which the regex crate follows): `ſ` (U+017F) for `s` and `K`
    /// (U+212A, the Kelvin sign) for `k`; a keyword holding `s` or `k` of such a rule needs
    /// those characters as keywords too.
    keywords: &'static [&'static str],
    pattern: &'static str,
}

/// The rules, most specific first (a match of an earlier rule hides a later one's at the same
/// place).
const RULES: &[Rule] = &[
    // A key block through its END line when there is one, else the BEGIN line alone.
    Rule {
        id: "private-key",
        keywords: &["-----begin"],
        pattern: r"(?s)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|[^\n]*)",
    },
    Rule {
        id: "aws-access-token",
        keywords: &["a3t", "akia", "asia", "abia", "acca"],
        pattern: r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
    },
    Rule {
        id: "github-pat",
        keywords: &["ghp_"],
        pattern: r"\bghp_[0-9a-zA-Z]{36}\b",
    },
    Rule {
        id: "github-oauth",
        keywords: &["gho_"],
        pattern: r"\bgho_[0-9a-zA-Z]{36}\b",
    },
    Rule {
        id: "github-app-token",
        keywords: &["ghu_", "ghs_"],
        pattern: r"\b(?:ghu|ghs)_[0-9a-zA-Z]{36}\b",
    },
    Rule {
        id: "github-refresh-token",
        keywords: &["ghr_"],
        pattern: r"\bghr_[0-9a-zA-Z]{36}\b",
    },
    Rule {
        id: "github-fine-grained-pat",
        keywords: &["github_pat_"],
        pattern: r"\bgithub_pat_\w{82}\b",
    },
    Rule {
        id: "gitlab-pat",
        keywords: &["glpat-"],
        pattern: r"\bglpat-[\w-]{20,}",
    },
    Rule {
        id: "slack-token",
        keywords: &["xox"],
        pattern: r"\bxox[baprse]-[0-9A-Za-z-]{10,}",
    },
    Rule {
        id: "slack-webhook-url",
        keywords: &["hooks.slack.com/"],
        pattern: r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
    },
    Rule {
        id: "gcp-api-key",
        keywords: &["aiza"],
        pattern: r"\bAIza[\w-]{35}\b",
    },
    Rule {
        id: "stripe-access-token",
        // Not `sk_` alone: `task_ids` is in every session file.
        keywords: &[
            "sk_test_", "sk_live_", "sk_prod_", "rk_test_", "rk_live_", "rk_prod_",
        ],
        pattern: r"\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}\b",
    },
    Rule {
        id: "anthropic-api-key",
        keywords: &["sk-ant-"],
        pattern: r"\bsk-ant-(?:api03|admin01)-[\w-]{80,}",
    },
    Rule {
        id: "openai-api-key",
        keywords: &["sk-proj-", "sk-svcacct-", "sk-admin-"],
        pattern: r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}",
    },
    Rule {
        id: "npm-access-token",
        keywords: &["npm_"],
        pattern: r"(?i)\bnpm_[a-z0-9]{36}\b",
    },
    Rule {
        id: "jwt",
        // Not `ey` (in "they", "key", "money") nor `eyj` (the pattern takes any `ey…`, not
        // only the `eyJ` a JSON header encodes to): the `.ey` joining header and payload is in
        // every match and rare in prose.
        keywords: &[".ey"],
        pattern: r"\bey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.[a-zA-Z0-9/\\_-]{10,}={0,2}",
    },
    // gitleaks' generic-api-key, narrowed to the words people write before a secret.
    Rule {
        id: "generic-secret",
        // Every alternative holds one of the words; `ſ` and `K` are the non-ASCII letters `(?i)`
        // takes for `s` and `k` (`paſſword`, `to\u{212A}en`), see [`Rule::keywords`].
        keywords: &[
            "password", "passwd", "pwd", "secret", "api", "token", "\u{17F}", "\u{212A}",
        ],
        pattern: r#"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key)["']?[ \t]*[:=][ \t]*["'`]?(?P<v>[^\s"'`,;]{8,})"#,
    },
];

/// The compiled rules, in table order, each built on its first use: compiling one costs far
/// more than running it over a journal's files (the Unicode classes of `\b`, `\w` and `(?i)`
/// become large automata), so a rule no file's keywords call for is never built. One
/// `RegexSet` of all of them exceeds the regex crate's 10 MB compiled-size limit, hence one
/// regex per rule and [`Keywords`].
static COMPILED: [OnceLock<Regex>; RULES.len()] = [const { OnceLock::new() }; RULES.len()];

/// `RULES[i]`, compiled.
fn compiled(i: usize) -> &'static Regex {
    COMPILED[i]
        .get_or_init(|| Regex::new(RULES[i].pattern).expect("the rule table's patterns are valid"))
}

/// Every rule's keywords in one Aho–Corasick automaton (ASCII case-insensitive), and for each
/// keyword the index of its rule in [`RULES`].
struct Keywords {
    automaton: AhoCorasick,
    rule_of: Vec<usize>,
}

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(|| {
    let (words, rule_of): (Vec<&str>, Vec<usize>) = RULES
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.keywords.iter().map(move |k| (*k, i)))
        .unzip();
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("the rule table's keywords are few and short");
    Keywords { automaton, rule_of }
});

/// A set of rules, bit `i` for `RULES[i]`.
type RuleSet = u32;

/// Every rule of the table.
const ALL_RULES: RuleSet = (1 << RULES.len()) - 1;
const _: () = assert!(RULES.len() < RuleSet::BITS as usize);

/// The rules whose keywords occur in `text`: one pass over it, stopped once every rule is in.
/// Overlapping matches, so that no keyword hides another that shares its letters (`akia` and
/// `aiza` in `akiaiza`).
fn candidates(text: &str) -> RuleSet {
    let kw = &*KEYWORDS;
    let mut set = 0;
    for m in kw.automaton.find_overlapping_iter(text) {
        set |= 1 << kw.rule_of[m.pattern().as_usize()];
        if set == ALL_RULES {
            break;
        }
    }
    set
}

/// Whether an assignment's value is a secret rather than a placeholder, a variable or code:
/// at least 8 characters, no template or call syntax, not one character repeated, and varied
/// enough (Shannon entropy of at least 3 bits per character, gitleaks' generic rule uses 3.5
/// on longer values).
fn looks_secret(v: &str) -> bool {
    const PLACEHOLDERS: [&str; 8] = [
        "password", "changeme", "example", "redacted", "xxxxxxxx", "********", "your_", "dummy",
    ];
    let lower = v.to_lowercase();
    if v.chars().count() < 8
        || v.contains(['(', ')', '[', ']', '{', '}', '$', '<', '>', '%'])
        || PLACEHOLDERS.iter().any(|p| lower.contains(p))
        || lower.starts_with("env.")
        || lower.starts_with("os.")
        || lower.starts_with("process.")
    {
        return false;
    }
    entropy(v) >= 3.0
}

/// Shannon entropy of `s`, in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line of the match's start.
    pub line: usize,
    /// The rule's id (gitleaks').
    pub rule: &'static str,
    /// Byte range of the match (the value alone for an assignment).
    pub range: std::ops::Range<usize>,
}

/// Every secret in `text`, in order; matches of several rules at one place count once (the
/// first rule of the table). Only the rules whose keywords occur in `text` are run (gitleaks
/// does the same): the others cannot match.
pub fn scan(text: &str) -> Vec<Finding> {
    scan_rules(text, candidates(text))
}

/// [`scan`] with every rule run, as it was before the keywords: the tests' reference.
#[cfg(test)]
fn scan_all(text: &str) -> Vec<Finding> {
    scan_rules(text, ALL_RULES)
}

/// [`scan`] with the rules of `rules` only.
fn scan_rules(text: &str, rules: RuleSet) -> Vec<Finding> {
    let mut found: Vec<Finding> = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        if rules & (1 << i) == 0 {
            continue;
        }
        for caps in compiled(i).captures_iter(text) {
            let whole = caps.get(0).expect("group 0 is the match");
            let range = match caps.name("v") {
                Some(v) if looks_secret(v.as_str()) => v.range(),
                Some(_) => continue,
                None => whole.range(),
            };
            if found
                .iter()
                .any(|f| f.range.start < range.end && range.start < f.range.end)
            {
                continue;
            }
            let line = 1 + text[..range.start].bytes().filter(|&b| b == b'\n').count();
            found.push(Finding {
                line,
                rule: rule.id,
                range,
            });
        }
    }
    found.sort_by_key(|f| f.range.start);
    found
}

/// `text` with each secret [`scan`] finds (only those on `line`, only of `rule`, when given)
/// replaced by `[REDACTED:<rule>]`; and how many were replaced.
pub fn redact(text: &str, line: Option<usize>, rule: Option<&str>) -> (String, usize) {
    let hits: Vec<Finding> = scan(text)
        .into_iter()
        .filter(|f| line.is_none_or(|l| l == f.line) && rule.is_none_or(|r| r == f.rule))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in &hits {
        out.push_str(&text[at..f.range.start]);
        out.push_str(&format!("[REDACTED:{}]", f.rule));
        at = f.range.end;
    }
    out.push_str(&text[at..]);
    (out, hits.len())
}

/// Whether `rule` is a rule id of the table.
pub fn is_rule(rule: &str) -> bool {
    RULES.iter().any(|r| r.id == rule)
}

/// The rule ids, for messages.
pub fn rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

/// The allow-list (`git config session.secrets.allow`, one value per entry): `<path>:<rule>`
/// passes that rule in that file, `<path>:<line>:<rule>` one line of it. Paths are as the
/// guard prints them (`.sessions/…`), the prefix optional.
#[derive(Debug, Default)]
pub struct AllowList {
    entries: Vec<(String, Option<usize>, String)>,
}

/// The one line `sync` and `config` give for an allow-list entry the guard ignores: `value` as
/// stored, `why` from [`AllowList::parse`].
pub fn ignored_entry(value: &str, why: &str) -> String {
    format!("session.secrets.allow: '{value}' {why}; ignored")
}

impl AllowList {
    /// Parse the config values. A value that allows nothing is returned beside the list with
    /// what is wrong with it, to be refused or warned of: one of neither shape, or one naming no
    /// rule of [`RULES`] (a misspelt rule would otherwise pass nothing, silently).
    pub fn parse(values: &[String]) -> (Self, Vec<(String, String)>) {
        let mut list = AllowList::default();
        let mut bad = Vec::new();
        let shape =
            || "is neither <path>:<rule> nor <path>:<line>:<rule> (a line from 1)".to_string();
        for v in values {
            let v = v.trim();
            let Some((head, rule)) = v.rsplit_once(':') else {
                bad.push((v.to_string(), shape()));
                continue;
            };
            // A journal path holds no `:` (entry names are timestamps written with `-`, session
            // names letters, digits, `-`, `_` and `.`: `model::ids::validate_name`), so a
            // second `:` ends the path and starts a line number, 1 or more, digits only.
            let (path, line) = match head.split_once(':') {
                None => (head, None),
                Some((p, l)) => match l.parse::<usize>() {
                    Ok(n) if n >= 1 && l.bytes().all(|b| b.is_ascii_digit()) => (p, Some(n)),
                    _ => {
                        bad.push((v.to_string(), shape()));
                        continue;
                    }
                },
            };
            if path.is_empty() || rule.is_empty() || v.chars().any(char::is_control) {
                bad.push((v.to_string(), shape()));
                continue;
            }
            if !is_rule(rule) {
                bad.push((
                    v.to_string(),
                    format!(
                        "names no rule of the guard: '{rule}' (the rules: {})",
                        rule_ids().join(", ")
                    ),
                ));
                continue;
            }
            list.entries
                .push((tree_path(path).to_string(), line, rule.to_string()));
        }
        (list, bad)
    }

    /// Whether the finding of `rule` at `path` (a tree path) and `line` is allowed.
    pub fn allows(&self, path: &str, line: usize, rule: &str) -> bool {
        self.entries
            .iter()
            .any(|(p, l, r)| p == path && r == rule && l.is_none_or(|l| l == line))
    }
}

/// A path as the user or a forge gives it (`.sessions/journal/…`, `./.sessions/…`,
/// `journal/…`) as a path in the journal's tree.
pub fn tree_path(path: &str) -> &str {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.strip_prefix(".sessions/").unwrap_or(p)
}

/// The forge whose push protection refused a push, told by its lines (the `remote: ` prefix
/// removed): GitHub's secret scanning says `GH013: Repository rule violations found` and
/// `Push cannot contain secrets` (docs.github.com, "Working with push protection from the
/// command line"); GitLab's secret push protection says `PUSH BLOCKED: Secrets detected in
/// code changes` (docs.gitlab.com, "Secret push protection").
pub fn forge_protection(lines: &[&str]) -> Option<&'static str> {
    let any = |needle: &str| {
        lines
            .iter()
            .any(|l| l.to_lowercase().contains(&needle.to_lowercase()))
    };
    if any("Push cannot contain secrets") || (any("GH013") && any("push protection")) {
        return Some("GitHub push protection");
    }
    if any("PUSH BLOCKED: Secrets detected") || any("secret push protection") {
        return Some("GitLab secret push protection");
    }
    None
}

/// What a forge's refusal names: `(path, line, secret type)` for each location it lists.
/// GitHub prints a `—— <type> ———` heading and then `path: <path>:<line>` per location;
/// GitLab prints `-- <path>:<line> | <type>`.
pub fn forge_findings(lines: &[&str]) -> Vec<(String, Option<usize>, String)> {
    let mut out = Vec::new();
    let mut kind = String::new();
    let split_line = |place: &str| match place.rsplit_once(':') {
        Some((p, l)) if l.trim().parse::<usize>().is_ok() => {
            (p.trim().to_string(), l.trim().parse().ok())
        }
        _ => (place.trim().to_string(), None),
    };
    for l in lines.iter().map(|l| l.trim()) {
        if let Some(head) = l.strip_prefix("——") {
            kind = head
                .trim_matches(|c: char| c == '—' || c.is_whitespace())
                .to_string();
        } else if let Some(place) = l.strip_prefix("path:") {
            let (path, line) = split_line(place);
            out.push((path, line, kind.clone()));
        } else if let Some(rest) = l.strip_prefix("-- ")
            && let Some((place, what)) = rest.split_once(" | ")
        {
            let (path, line) = split_line(place);
            out.push((path, line, what.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;

    use super::*;

    fn rules_in(text: &str) -> Vec<(&'static str, usize)> {
        scan(text).into_iter().map(|f| (f.rule, f.line)).collect()
    }

    #[test]
    fn each_rule_finds_its_secret_and_names_the_line() {
        let key = format!(
            "notes\n-----BEGIN OPENSSH {}-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH {}-----\n",
            "PRIVATE KEY", "PRIVATE KEY"
        );
        assert_eq!(rules_in(&key), vec![("private-key", 2)]);
        let a = "a".repeat(36);
        for (text, rule) in [
            (format!("id AKIA{}", "ABCDEFGHIJKLMNOP"), "aws-access-token"),
            (format!("ghp_{a}"), "github-pat"),
            (format!("gho_{a}"), "github-oauth"),
            (format!("ghs_{a}"), "github-app-token"),
            (format!("ghr_{a}"), "github-refresh-token"),
            (
                format!("github_pat_{}", "b".repeat(82)),
                "github-fine-grained-pat",
            ),
            (format!("glpat-{}", "c".repeat(20)), "gitlab-pat"),
            (format!("xoxb-{}", "1234567890-abc"), "slack-token"),
            (format!("AIza{}", "d".repeat(35)), "gcp-api-key"),
            (
                format!("sk_live_{}", "e1f2".repeat(6)),
                "stripe-access-token",
            ),
            ("password = Tr0ub4dor&3x!".to_string(), "generic-secret"),
            ("api_key: 9f8e7d6c5b4a3210".to_string(), "generic-secret"),
        ] {
            assert_eq!(rules_in(&text), vec![(rule, 1)], "{text}");
        }
    }

    /// One secret of `RULES[rule]`, its variable part made of `body` (at least 100 ASCII
    /// letters and digits).
    /// 120 characters cycling through `a-zA-Z0-9`: the body of every sample secret.
    fn sample_body() -> String {
        ('a'..='z')
            .chain('A'..='Z')
            .chain('0'..='9')
            .cycle()
            .take(120)
            .collect()
    }

    fn secret_of(rule: usize, body: &str) -> String {
        let b = |n: usize| &body[..n];
        let base32 = |n: usize| -> String {
            body.bytes()
                .take(n)
                .map(|c| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[usize::from(c) % 32] as char)
                .collect()
        };
        let pick = |options: &[&'static str]| options[body.len() % options.len()];
        match RULES[rule].id {
            "private-key" => {
                let kind = "RSA PRIVATE KEY";
                format!("-----BEGIN {kind}-----\n{}\n-----END {kind}-----", b(64))
            }
            "aws-access-token" => {
                let prefix = pick(&["AKIA", "ASIA", "ABIA", "ACCA", "A3TX"]);
                format!("{prefix}{}", base32(16))
            }
            "github-pat" => format!("ghp_{}", b(36)),
            "github-oauth" => format!("gho_{}", b(36)),
            "github-app-token" => format!("{}_{}", pick(&["ghu", "ghs"]), b(36)),
            "github-refresh-token" => format!("ghr_{}", b(36)),
            "github-fine-grained-pat" => format!("github_pat_{}", b(82)),
            "gitlab-pat" => format!("glpat-{}", b(26)),
            "slack-token" => format!("xoxb-{}", b(24)),
            "slack-webhook-url" => format!("https://hooks.slack.com/services/{}", b(48)),
            "gcp-api-key" => format!("AIza{}", b(35)),
            "stripe-access-token" => format!("{}_live_{}", pick(&["sk", "rk"]), b(24)),
            "anthropic-api-key" => format!("sk-ant-api03-{}", b(90)),
            "openai-api-key" => format!("sk-{}-{}", pick(&["proj", "svcacct", "admin"]), b(48)),
            "npm-access-token" => format!("npm_{}", b(36).to_lowercase()),
            "jwt" => format!("eyJ{}.eyJ{}.{}", b(20), &body[20..50], &body[50..80]),
            "generic-secret" => {
                let word = pick(&[
                    "password",
                    "PASSWD",
                    "pa\u{17F}\u{17F}word",
                    "api_key",
                    "auth_to\u{212A}en",
                    "client-secret",
                ]);
                format!("{word} = \"{}!x9\"", b(12))
            }
            other => unreachable!("no sample for rule {other}"),
        }
    }

    /// The texts every test of this module scans.
    fn known_texts() -> Vec<String> {
        let key = format!(
            "notes\n-----BEGIN OPENSSH {}-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH {}-----\n",
            "PRIVATE KEY", "PRIVATE KEY"
        );
        let a = "a".repeat(36);
        let mut texts = vec![
            key,
            format!("id AKIA{}", "ABCDEFGHIJKLMNOP"),
            format!("ghp_{a}"),
            format!("gho_{a}"),
            format!("ghs_{a}"),
            format!("ghr_{a}"),
            format!("github_pat_{}", "b".repeat(82)),
            format!("glpat-{}", "c".repeat(20)),
            format!("xoxb-{}", "1234567890-abc"),
            format!("AIza{}", "d".repeat(35)),
            format!("sk_live_{}", "e1f2".repeat(6)),
            "password = Tr0ub4dor&3x!".into(),
            "api_key: 9f8e7d6c5b4a3210".into(),
            "password = changeme123".into(),
            "api_key = os.environ['KEY']".into(),
            "secret: ${SECRET}".into(),
            "password=<your password>".into(),
            "password: aaaaaaaaaaaa".into(),
            "the secret is to keep going".into(),
            "token = short".into(),
            format!("one\ntoken ghp_{a} here\nthree\n"),
            "they say the key to money is .eyes".into(),
        ];
        let body = sample_body();
        for rule in 0..RULES.len() {
            texts.push(format!("before {} after\n", secret_of(rule, &body)));
        }
        texts
    }

    #[test]
    fn every_sample_secret_is_found_by_its_rule_with_and_without_keywords() {
        let body = sample_body();
        for (i, rule) in RULES.iter().enumerate() {
            for len in 100..106 {
                let text = format!("x {} y", secret_of(i, &body[..len]));
                let all = scan_all(&text);
                assert_eq!(
                    all.iter().map(|f| f.rule).collect::<Vec<_>>(),
                    vec![rule.id],
                    "{text}"
                );
                assert_eq!(scan(&text), all, "{text}");
            }
        }
        for text in known_texts() {
            assert_eq!(scan(&text), scan_all(&text), "{text}");
        }
    }

    #[test]
    fn keywords_are_ascii_lowercase_and_each_rule_has_some() {
        for rule in RULES {
            assert!(!rule.keywords.is_empty(), "{}", rule.id);
            for k in rule.keywords {
                assert_eq!(*k, k.to_ascii_lowercase(), "{}", rule.id);
            }
        }
    }

    /// The keywords are found in any ASCII case only; a `(?i)` rule takes a non-ASCII letter
    /// for an ASCII one exactly where that letter is `ſ` or `K`, which the generic rule lists.
    #[test]
    fn case_insensitive_rules_take_no_other_non_ascii_letter_for_an_ascii_one() {
        let ascii_letter = Regex::new("(?i)^[a-z]$").unwrap();
        let odd: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| ascii_letter.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(odd, vec!['\u{17F}', '\u{212A}']);
        let generic = RULES.iter().find(|r| r.id == "generic-secret").unwrap();
        assert!(generic.keywords.contains(&"\u{17F}") && generic.keywords.contains(&"\u{212A}"));
        for rule in RULES.iter().filter(|r| r.pattern.starts_with("(?i)")) {
            for k in rule.keywords {
                if k.contains(['s', 'k']) {
                    assert_eq!(rule.id, "generic-secret", "{k}");
                }
            }
        }
    }

    /// Pieces of journal prose, near-misses of the keywords and the odd letters.
    const PIECES: &[&str] = &[
        " ",
        "\n",
        "the ",
        "key ",
        "they ",
        "money ",
        "=",
        ": ",
        "\"",
        "'",
        "-",
        "_",
        ".",
        "/",
        "password",
        "PassWord ",
        "pa\u{17F}\u{17F}word",
        "to\u{212A}en",
        "api",
        "secret",
        "token",
        "sk",
        "sk-",
        "ey",
        ".ey",
        "eyJ",
        "ghp",
        "xox",
        "AKIA",
        "aiza",
        "hooks.slack.com/services/",
        "-----BEGIN ",
        "PRIVATE KEY-----",
        "-----END ",
        "npm_",
        "é",
        "—",
        "\u{17F}",
        "\u{212A}",
        "Tr0ub4dor&3x!",
        "9f8e7d6c5b4a3210",
        "${SECRET}",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Random prose with secrets of every rule put in: the keywords change nothing.
        #[test]
        fn scan_with_keywords_equals_every_rule_run(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(PIECES).prop_map(str::to_string),
                    "[a-zA-Z0-9_./=:-]{1,40}",
                    (0..RULES.len(), "[a-zA-Z0-9]{100,110}")
                        .prop_map(|(rule, body)| secret_of(rule, &body)),
                ],
                0..40,
            )
        ) {
            let text: String = parts.concat();
            proptest::prop_assert_eq!(scan(&text), scan_all(&text), "{}", text);
        }
    }

    #[test]
    fn placeholders_and_code_are_no_secrets() {
        for text in [
            "password = changeme123",
            "api_key = os.environ['KEY']",
            "secret: ${SECRET}",
            "password=<your password>",
            "password: aaaaaaaaaaaa",
            "the secret is to keep going",
            "token = short",
        ] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }

    #[test]
    fn redact_replaces_the_match_and_keeps_everything_else() {
        let text = format!("one\ntoken ghp_{} here\nthree\n", "a".repeat(36));
        let (out, n) = redact(&text, Some(2), None);
        assert_eq!(n, 1);
        assert_eq!(out, "one\ntoken [REDACTED:github-pat] here\nthree\n");
        assert_eq!(redact(&text, Some(1), None).1, 0);
        assert_eq!(redact(&text, None, Some("jwt")).1, 0);
        let (out, _) = redact("password = Tr0ub4dor&3x!\n", None, None);
        assert_eq!(out, "password = [REDACTED:generic-secret]\n");
    }

    #[test]
    fn the_allow_list_matches_path_rule_and_line() {
        let (list, bad) = AllowList::parse(&[
            ".sessions/journal/1a/x/entries/e.md:3:jwt".into(),
            "active/s.md:generic-secret".into(),
            "nonsense".into(),
            "active/s.md:4:generic-secrets".into(),
            "active/s.md::jwt".into(),
            "active/s.md:9:9:jwt".into(),
            "active/s.md:x:jwt".into(),
            "active/s.md:0:jwt".into(),
            "active/s.md:-1:jwt".into(),
            "active/s.md:+3:jwt".into(),
            "x\ny.md:jwt".into(),
        ]);
        let named: Vec<&str> = bad.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(
            named,
            [
                "nonsense",
                "active/s.md:4:generic-secrets",
                "active/s.md::jwt",
                "active/s.md:9:9:jwt",
                "active/s.md:x:jwt",
                "active/s.md:0:jwt",
                "active/s.md:-1:jwt",
                "active/s.md:+3:jwt",
                "x\ny.md:jwt",
            ]
        );
        assert!(bad[0].1.contains("<path>:<rule>"), "{bad:?}");
        assert!(
            bad[1].1.contains("no rule") && bad[1].1.contains("jwt, generic-secret)"),
            "{bad:?}"
        );
        assert!(list.allows("journal/1a/x/entries/e.md", 3, "jwt"));
        assert!(!list.allows("journal/1a/x/entries/e.md", 4, "jwt"));
        assert!(list.allows("active/s.md", 40, "generic-secret"));
        assert!(!list.allows("active/s.md", 40, "jwt"));
    }

    #[test]
    fn a_forges_refusal_is_recognised_with_what_it_names() {
        let github = [
            "error: GH013: Repository rule violations found for refs/git-session/sessions.",
            "",
            "- GITHUB PUSH PROTECTION",
            "  —————————————————————————————————————————",
            "    Resolve the following violations before pushing again",
            "",
            "    - Push cannot contain secrets",
            "",
            "      —— GitHub Personal Access Token ——————————————————————",
            "       locations:",
            "         - commit: 4f21c0d8b1a54e0f9c3d2b7a6e5f4c3d2b1a0f9e",
            "           path: journal/1a/1a2b3c4d/entries/e.md:3",
        ];
        assert_eq!(forge_protection(&github), Some("GitHub push protection"));
        assert_eq!(
            forge_findings(&github),
            vec![(
                "journal/1a/1a2b3c4d/entries/e.md".to_string(),
                Some(3),
                "GitHub Personal Access Token".to_string()
            )]
        );
        let gitlab = [
            "PUSH BLOCKED: Secrets detected in code changes",
            "Secret push protection found the following secrets in commit: 123abc",
            "-- active/s.md:2 | GitLab personal access token",
        ];
        assert_eq!(
            forge_protection(&gitlab),
            Some("GitLab secret push protection")
        );
        assert_eq!(forge_findings(&gitlab)[0].1, Some(2));
        assert_eq!(forge_protection(&["journal pushes are closed"]), None);
    }
}
