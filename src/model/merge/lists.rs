//! List sections merge item by item, matched by key; text between items stays.

use std::collections::HashSet;

use crate::model::error::Result;
use crate::model::session::{Item, Sec, SessionFile};
use crate::model::{text, time};

use super::rule::{Case, three_way};

fn item_key(sec: Sec, it: &Item) -> String {
    let head = text::one_line(&it.head).to_lowercase();
    match sec {
        // The path: before the reason, whichever dash separates them (the seed writes ` - `).
        Sec::KeyFiles => head
            .split(" — ")
            .next()
            .and_then(|h| h.split(" - ").next())
            .unwrap_or(&head)
            .to_string(),
        Sec::Completed | Sec::InProgress | Sec::Remaining | Sec::NextSteps | Sec::KeyContext => {
            head
        }
        _ => format!("{head}|{}", it.at.map(time::rfc3339).unwrap_or_default()),
    }
}

/// Three-way merge of one list section, edited in place on `r` (ours so far), so that text
/// between items stays. Items are matched by key: removed on one side and untouched on the
/// other stays removed; changed on one side takes that change; changed on both keeps the
/// lines of both; added on either side is kept.
pub(super) fn merge_list(
    r: &SessionFile,
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
    sec: Sec,
    numbered: bool,
) -> Result<SessionFile> {
    // Items are compared without their number: renumbering on one side is not an edit.
    let raw =
        |f: &SessionFile, it: &Item| renumber(f.text()[it.range.clone()].trim_end_matches('\n'), 0);
    let keyed = |f: &SessionFile| -> Vec<(String, String)> {
        f.items(sec)
            .iter()
            .map(|i| (item_key(sec, i), raw(f, i)))
            .collect()
    };
    let (bk, ok, tk) = (b.map(keyed).unwrap_or_default(), keyed(o), keyed(t));
    let mut r = r.clone();
    if ok != tk {
        let get = |v: &[(String, String)], k: &str| {
            v.iter().find(|(x, _)| x == k).map(|(_, r)| r.clone())
        };
        let items = r.items(sec);
        for it in items.iter().rev() {
            let k = item_key(sec, it);
            let oraw = raw(&r, it);
            let (braw, traw) = (get(&bk, &k), get(&tk, &k));
            let replacement = match three_way(braw.as_ref(), Some(&oraw), traw.as_ref()) {
                Case::RemovedByTheirs => Some(None),
                Case::OnlyTheirsChanged => traw.map(Some),
                // Changed on both sides: the lines of both.
                Case::BothChanged | Case::AddedBothDifferent => {
                    traw.map(|traw| Some(union_item(&oraw, &traw)))
                }
                Case::Unchanged
                | Case::OnlyOursChanged
                | Case::BothSameChange
                | Case::AddedOnlyOurs
                | Case::AddedBothSame
                | Case::RemovedByTheirsChangedByOurs => None,
                // Ours has the item, so these do not arise.
                Case::AddedOnlyTheirs
                | Case::RemovedByOurs
                | Case::RemovedByOursChangedByTheirs
                | Case::RemovedByBoth
                | Case::Absent => None,
            };
            match replacement {
                Some(None) => r = r.remove_item(it.range.clone())?,
                Some(Some(text)) => {
                    // Keep our number for an item we already had.
                    let text = match it.number {
                        Some(n) => renumber(&text, n),
                        None => text,
                    };
                    let nl = if r.text()[..it.range.end].ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    r = r.splice(it.range.clone(), &format!("{text}{nl}"))?;
                }
                None => {}
            }
        }
        let o_keys: HashSet<&String> = ok.iter().map(|(k, _)| k).collect();
        let mut next = r
            .items(sec)
            .iter()
            .filter_map(|i| i.number)
            .max()
            .unwrap_or(0)
            + 1;
        for (k, traw) in &tk {
            // Only theirs has it: added there, or removed by ours (kept only if theirs changed it).
            if o_keys.contains(k)
                || three_way(get(&bk, k).as_ref(), None, Some(traw)) == Case::RemovedByOurs
            {
                continue;
            }
            let line = if numbered {
                next += 1;
                renumber(traw, next - 1)
            } else {
                traw.clone()
            };
            r = r.append_item(sec, &line)?;
        }
    }
    merge_paragraphs(&r, b, t, sec)
}

/// Paragraphs (text outside items) that the other side added to a section are appended to it.
fn merge_paragraphs(
    r: &SessionFile,
    b: Option<&SessionFile>,
    t: &SessionFile,
    sec: Sec,
) -> Result<SessionFile> {
    let paras = |f: &SessionFile| -> Vec<String> {
        let own = f.own_range(sec);
        let mut text = f.text()[own.clone()].to_string();
        for it in f.items(sec).iter().rev() {
            text.replace_range(it.range.start - own.start..it.range.end - own.start, "");
        }
        text.split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    };
    let (bp, rp) = (b.map(paras).unwrap_or_default(), paras(r));
    let mut r = r.clone();
    for p in paras(t) {
        let present = |v: &[String]| v.contains(&p).then_some(&p);
        if three_way(present(&bp), present(&rp), Some(&p)) == Case::AddedOnlyTheirs {
            r = r.append_block(sec, &format!("{p}\n"))?;
        }
    }
    Ok(r)
}

/// One item changed on both sides: the first line of the side that checked it off (else ours),
/// then every continuation line of either side.
pub(super) fn union_item(o: &str, t: &str) -> String {
    let (ofirst, orest) = o.split_once('\n').unwrap_or((o, ""));
    let (tfirst, trest) = t.split_once('\n').unwrap_or((t, ""));
    let checked = |l: &str| l.contains("[x]") || l.contains("[X]");
    let first = if checked(tfirst) && !checked(ofirst) {
        tfirst
    } else {
        ofirst
    };
    let mut lines: Vec<&str> = orest.lines().collect();
    for l in trest.lines() {
        if !l.trim().is_empty() && !lines.iter().any(|x| x.trim() == l.trim()) {
            lines.push(l);
        }
    }
    let mut out = first.to_string();
    for l in lines {
        out.push('\n');
        out.push_str(l);
    }
    out
}

fn renumber(raw: &str, n: u32) -> String {
    let lead = raw.len() - raw.trim_start().len();
    let body = &raw[lead..];
    let digits = body.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return raw.to_string();
    }
    format!("{}{n}{}", &raw[..lead], &body[digits..])
}

/// A step completed on either side ends completed: drop its open copies, keeping their notes.
pub(super) fn settle_completed_steps(r: &SessionFile) -> Result<SessionFile> {
    let mut r = r.clone();
    loop {
        let done: Vec<Item> = r.items(Sec::Completed);
        let done_keys: HashSet<String> = done.iter().map(|i| item_key(Sec::Completed, i)).collect();
        let open = [Sec::InProgress, Sec::Remaining]
            .into_iter()
            .flat_map(|s| r.items(s))
            .find(|i| i.checked == Some(false) && done_keys.contains(&item_key(Sec::Completed, i)));
        let Some(stale) = open else { break };
        let key = item_key(Sec::Completed, &stale);
        let target = done
            .iter()
            .find(|i| item_key(Sec::Completed, i) == key)
            .expect("key came from done")
            .clone();
        let stale_raw = r.text()[stale.range.clone()].to_string();
        let target_raw = r.text()[target.range.clone()].to_string();
        let missing: Vec<&str> = stale_raw
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty() && !target_raw.contains(l.trim()))
            .collect();
        let was_current = stale.current;
        r = r.remove_item(stale.range.clone())?;
        if !missing.is_empty() {
            let target = r
                .items(Sec::Completed)
                .into_iter()
                .find(|i| item_key(Sec::Completed, i) == key)
                .expect("still there");
            let mut ins = missing.join("\n");
            ins.push('\n');
            let at = target.range.end;
            let ins = if r.text()[..at].ends_with('\n') {
                ins
            } else {
                format!("\n{ins}")
            };
            r = r.splice(at..at, &ins)?;
        }
        if was_current && r.current_step().is_none() {
            r = r.promote_next_step()?;
        }
    }
    // A step open in both In Progress and Remaining (a merge without a base) stays in progress.
    loop {
        let open: HashSet<String> = r
            .items(Sec::InProgress)
            .iter()
            .filter(|i| i.checked == Some(false))
            .map(|i| item_key(Sec::Remaining, i))
            .collect();
        let Some(dup) = r
            .items(Sec::Remaining)
            .into_iter()
            .find(|i| open.contains(&item_key(Sec::Remaining, i)))
        else {
            break;
        };
        r = r.remove_item(dup.range)?;
    }
    // At most one `<- CURRENT`.
    let currents: Vec<Item> = r
        .items(Sec::InProgress)
        .into_iter()
        .filter(|i| i.current)
        .collect();
    for extra in currents.iter().skip(1).rev() {
        let raw = r.text()[extra.range.clone()].to_string();
        let fixed = raw.replacen(" <- CURRENT", "", 1);
        r = r.splice(extra.range.clone(), &fixed)?;
    }
    Ok(r)
}
