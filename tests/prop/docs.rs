//! Random session documents: valid frontmatter, every known section, hand-written paragraphs
//! and unknown sections, in random order; and near-valid mutations of them.

use proptest::prelude::*;

/// Text that stays one paragraph: starts with a letter, no markdown block openers.
fn words() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9 ,.:*_`]{0,30}[a-zA-Z0-9.]".prop_map(|s| s)
}

fn frontmatter() -> impl Strategy<Value = String> {
    (
        prop::option::of("[a-z]{1,8}"),
        prop::option::of(words()),
        any::<bool>(),
    )
        .prop_map(|(branch, extra, comment)| {
            let mut fm = String::from(
                "---\nid: 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\nshortname: p\ntitle: Prop\nstatus: active\ntask_ids: []\ncreated_at: 2025-01-15T10:00:00.000Z\nupdated_at: 2025-01-15T10:00:00.000Z\ncompaction_count: 0\n",
            );
            fm.push_str(&format!(
                "git_branch: {}\ngit_last_commit: null\n",
                branch.as_deref().unwrap_or("null")
            ));
            if comment {
                fm.push_str("# a hand-written comment\n");
            }
            if let Some(e) = extra {
                fm.push_str(&format!("mine: {:?}\n", e));
            }
            fm.push_str("---\n");
            fm
        })
}

/// A section body: optional paragraphs before and after the items.
fn body(items: Vec<String>) -> impl Strategy<Value = String> {
    (prop::option::of(words()), prop::option::of(words())).prop_map(move |(before, after)| {
        let mut b = String::from("\n");
        if let Some(p) = before {
            b.push_str(&format!("{p}\n\n"));
        }
        for it in &items {
            b.push_str(it);
            b.push('\n');
        }
        if !items.is_empty() {
            b.push('\n');
        }
        if let Some(p) = after {
            b.push_str(&format!("{p}\n\n"));
        }
        b
    })
}

const AT: &str = "(2025-01-15 10:00 UTC)";

fn numbered(n: usize, f: impl Fn(usize) -> String) -> Vec<String> {
    (1..=n).map(f).collect()
}

/// A whole document that parses.
pub fn document() -> impl Strategy<Value = String> {
    let counts = prop::collection::vec(0usize..3, 11);
    (
        frontmatter(),
        counts,
        any::<bool>(),
        prop::collection::vec(words(), 0..3),
        any::<bool>(),
    )
        .prop_flat_map(|(fm, n, current, unknown, status_lines)| {
            let tldr = if status_lines {
                vec![
                    "- **Status:** active".to_string(),
                    "- **Blocker:** none".into(),
                    "- **Next:** none".into(),
                ]
            } else {
                vec![]
            };
            let in_progress = numbered(n[4], |i| {
                let cur = if current && i == 1 { " <- CURRENT" } else { "" };
                format!("- [ ] step{i}{cur}")
            });
            let decisions: String = (1..=n[6])
                .map(|i| format!("### {i}. dec{i} {AT}\n\n- **Rationale:** why{i}\n\n"))
                .collect();
            let bodies = (
                body(tldr),
                body(vec![]),
                body(numbered(n[1], |i| format!("- `src/p{i}.rs` — why{i}"))),
                body(numbered(n[2], |i| format!("- ctx{i}"))),
                body(numbered(n[3], |i| format!("- [x] done{i} {AT}"))),
                body(in_progress),
                body(numbered(n[5], |i| format!("- [ ] rem{i}"))),
                body(numbered(n[7], |i| format!("{i}. disc{i} {AT}"))),
                body(numbered(n[8], |i| {
                    if i % 2 == 0 {
                        format!("{i}. [x] blk{i} {AT} (resolved 2025-01-15 11:00 UTC)")
                    } else {
                        format!("{i}. [ ] blk{i} {AT}")
                    }
                })),
                body(numbered(n[9], |i| format!("- next{i}"))),
                body(numbered(n[10], |i| format!("- note{i}"))),
            );
            let unknown: Vec<_> = unknown
                .into_iter()
                .enumerate()
                .map(|(i, w)| (Just(format!("Notes{i}")), body(vec![format!("- {w}")])))
                .collect();
            (
                Just(fm),
                bodies,
                unknown,
                Just(decisions),
                Just((0..3).collect::<Vec<usize>>()).prop_shuffle(),
                Just((0..3).collect::<Vec<usize>>()).prop_shuffle(),
            )
        })
        .prop_flat_map(|(fm, b, unknown, decisions, ctx_order, prog_order)| {
            // Every top-level section, known or not, in a random order.
            let order = (0..7 + unknown.len()).collect::<Vec<usize>>();
            (
                Just((fm, b, unknown, decisions, ctx_order, prog_order)),
                Just(order).prop_shuffle(),
            )
        })
        .prop_map(
            |((fm, b, unknown, decisions, ctx_order, prog_order), order)| {
                let ctx = [
                    ("Objective", &b.1),
                    ("Key Files", &b.2),
                    ("Key Context", &b.3),
                ];
                let prog = [
                    ("Completed", &b.4),
                    ("In Progress", &b.5),
                    ("Remaining", &b.6),
                ];
                let mut context = String::from("\n");
                for i in ctx_order {
                    context.push_str(&format!("### {}\n{}", ctx[i].0, ctx[i].1));
                }
                let mut progress = String::from("\n");
                for i in prog_order {
                    progress.push_str(&format!("### {}\n{}", prog[i].0, prog[i].1));
                }
                let mut sections: Vec<(String, String)> = vec![
                    ("TL;DR (Read This First)".into(), b.0.clone()),
                    ("Context".into(), context),
                    ("Progress".into(), progress),
                    ("Decisions".into(), format!("\n{decisions}")),
                    ("Discoveries".into(), b.7.clone()),
                    ("Blockers".into(), b.8.clone()),
                    ("Next Steps".into(), b.9.clone()),
                ];
                sections.extend(unknown);
                let mut out = fm;
                out.push_str("\n# Session: Prop\n\n");
                for i in order {
                    let (title, body) = &sections[i];
                    out.push_str(&format!("## {title}\n{body}"));
                }
                out
            },
        )
}

/// One way of damaging a document's lines.
#[derive(Debug, Clone)]
pub enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    IndentLine(usize, usize),
    TrailingSpace(usize),
    Crlf(Option<usize>),
    Unicode(usize, &'static str),
    CutLine(usize, usize),
    TruncateBytes(usize),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), 1usize..6).prop_map(|(l, n)| Mutation::IndentLine(l, n)),
        any::<usize>().prop_map(Mutation::TrailingSpace),
        prop::option::of(any::<usize>()).prop_map(Mutation::Crlf),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "é", "🦀", "\u{200b}", "\u{202e}", "日本", "\u{feff}", "\t"
            ])
        )
            .prop_map(|(l, s)| Mutation::Unicode(l, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(l, at)| Mutation::CutLine(l, at)),
        any::<usize>().prop_map(Mutation::TruncateBytes),
    ]
}

/// Apply mutations to a document's bytes (the last may leave a cut UTF-8 sequence).
pub fn mutate(doc: &str, ms: &[Mutation]) -> Vec<u8> {
    let mut lines: Vec<String> = doc.split_inclusive('\n').map(str::to_string).collect();
    let mut truncate = None;
    for m in ms {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *m {
            Mutation::DeleteLine(l) => {
                lines.remove(l % n);
            }
            Mutation::DuplicateLine(l) => {
                let line = lines[l % n].clone();
                lines.insert(l % n, line);
            }
            Mutation::IndentLine(l, k) => lines[l % n].insert_str(0, &" ".repeat(k)),
            Mutation::TrailingSpace(l) => {
                let line = &mut lines[l % n];
                let at = line.trim_end_matches('\n').len();
                line.insert_str(at, "  ");
            }
            Mutation::Crlf(which) => {
                for (i, line) in lines.iter_mut().enumerate() {
                    if which.is_none_or(|w| w % n == i) && line.ends_with('\n') {
                        line.pop();
                        line.push_str("\r\n");
                    }
                }
            }
            Mutation::Unicode(l, s) => {
                let line = &mut lines[l % n];
                let at = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(l % (line.chars().count().max(1)))
                    .unwrap_or(0);
                line.insert_str(at, s);
            }
            Mutation::CutLine(l, at) => {
                let line = &mut lines[l % n];
                let cut = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(at % line.chars().count().max(1))
                    .unwrap_or(0);
                line.truncate(cut);
            }
            Mutation::TruncateBytes(at) => truncate = Some(at),
        }
    }
    let mut bytes = lines.concat().into_bytes();
    if let Some(at) = truncate {
        bytes.truncate(at % (bytes.len() + 1));
    }
    bytes
}

/// A time as people write them in seed-era files.
fn seed_time() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "2025-01-15T10:30",
        "2025-01-15T10:30:00",
        "2025-01-15T10:30Z",
        "2025-01-15T12:30+02:00",
    ])
}

/// A document in the seed's format: labelled Context, TL;DR status lines, decisions with
/// `**Label**:` lines, discoveries with continuation lines, placeholders, numbered or bulleted
/// Next Steps; sections in random order, some missing, spelled in other ways, and the user's
/// own sections among them.
pub fn seed_document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(0usize..3, 8),
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(words(), 0..3),
        seed_time(),
        1usize..12,
    )
        .prop_flat_map(|(n, present, variant, unknown, at, pad)| {
            let order = (0..7 + unknown.len()).collect::<Vec<usize>>();
            (
                Just((n, present, variant, unknown, at, pad)),
                Just(order).prop_shuffle(),
                words(),
            )
        })
        .prop_map(|((n, present, variant, unknown, at, pad), order, para)| {
            let mut fm = String::from(
                "---\nid: 019abc12-3456-7def-8901-234567890abc\nshortname: fix-sweep-bug\nstatus: active\ntask_ids:\n  - 019def45-6789-7abc-0123-456789abcdef\ncreated_at: 2025-01-15T10:00:00Z\nupdated_at: 2025-01-15T14:30:00Z\ncompaction_count: 2\ngit_branch: fix/sweep-trigger\ngit_last_commit: abc123f\n---\n\n# Session: Fix Sweep Trigger Bug\n\n",
            );
            let heading = |i: usize, title: &str, alt: &str| {
                if variant[i] {
                    format!("## {alt}\n")
                } else {
                    format!("## {title}\n")
                }
            };
            let list = |k: usize, f: &dyn Fn(usize) -> String| -> String {
                (1..=k).map(|i| f(i) + "\n").collect()
            };
            let mut tldr = heading(0, "TL;DR (Read This First)", "tl;dr");
            tldr.push_str(&format!("{para}\n"));
            if present[7] {
                tldr.push_str("\n**Progress**: 1/3 steps complete\n**Current**: step1 (step 2)\n**Blocker**: None\n");
            }
            let mut context = heading(1, "Context", "context");
            if present[6] {
                let label = if variant[6] { "**Objective:**" } else { "**Objective**:" };
                context.push_str(&format!("{label} {para}\n\n"));
            }
            context.push_str("**Key Files**:\n");
            context.push_str(&list(n[0], &|i| format!("- `src/p{i}.rs` - why{i}")));
            context.push_str("\n**Key Context** (survives compaction):\n");
            context.push_str(&list(n[1], &|i| format!("- ctx{i}")));
            let mut progress = heading(2, "Progress", "progress");
            progress.push_str("### Completed\n");
            progress.push_str(&list(n[2], &|i| format!("- [x] done{i} ({at})")));
            progress.push_str("\n### In Progress\n");
            if variant[2] {
                progress.push_str(&format!("- [ ] step1{}<- CURRENT\n", " ".repeat(pad)));
            }
            progress.push_str("\n### Remaining\n");
            progress.push_str(&list(n[3], &|i| format!("- [ ] rem{i}")));
            let mut decisions = heading(3, "Decisions", "Decisions made");
            for i in 1..=n[4] {
                decisions.push_str(&format!(
                    "### {i}. dec{i} ({at})\n**Context**: c{i}\n**Options**: (1) a, (2) b\n**Choice**: a\n**Rationale**: why{i}\n\n"
                ));
            }
            let mut discoveries = heading(4, "Discoveries", "discoveries");
            discoveries.push_str(&list(n[5], &|i| {
                if i % 2 == 1 {
                    format!("{i}. **disc{i}** ({at}): text{i} goes on\n   and on{i}")
                } else {
                    format!("{i}. plain{i} ({at})")
                }
            }));
            let mut blockers = heading(5, "Blockers", "blockers");
            if n[6] == 0 {
                blockers.push_str(if variant[5] { "- None currently\n" } else { "None\n" });
            }
            blockers.push_str(&list(n[6], &|i| format!("{i}. [ ] blk{i} ({at})")));
            let mut next = heading(6, "Next Steps", "Next steps");
            if n[7] == 0 {
                next.push_str("- None currently\n");
            }
            next.push_str(&list(n[7], &|i| {
                if variant[4] { format!("{i}. next{i}") } else { format!("- next{i}") }
            }));
            let mut sections = vec![tldr, context, progress, decisions, discoveries, blockers, next];
            // Some known sections are missing altogether.
            for (i, s) in sections.iter_mut().enumerate() {
                if !present[i] && i != 2 {
                    s.clear();
                }
            }
            sections.extend(
                unknown
                    .into_iter()
                    .enumerate()
                    .map(|(i, w)| format!("## Notes{i}\n- {w}\n")),
            );
            let mut out = fm.split_off(0);
            for i in order {
                if !sections[i].is_empty() {
                    out.push_str(&sections[i]);
                    out.push('\n');
                }
            }
            out
        })
}
