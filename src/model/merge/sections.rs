//! Decisions and the sections the tool does not know.

use std::collections::HashSet;

use crate::model::error::Result;
use crate::model::session::{Sec, SessionFile};
use crate::model::text;

use super::lists::union_item;
use super::merge_text;
use super::rule::{Case, Side, three_way};

fn decision_key(title: &str) -> String {
    let t = title
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches('.')
        .trim();
    text::one_line(t).to_lowercase()
}

/// Decisions merge by title: a change on one side is taken, changes on both keep the lines
/// of both, a decision only theirs has is appended with the next number.
pub(super) fn merge_decisions(
    r: &SessionFile,
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
) -> Result<SessionFile> {
    let blocks = |f: &SessionFile| -> Vec<(String, String)> {
        f.decision_blocks()
            .into_iter()
            .map(|(title, range)| (decision_key(&title), f.text()[range].trim_end().to_string()))
            .collect()
    };
    let (bb, ob, tb) = (b.map(blocks).unwrap_or_default(), blocks(o), blocks(t));
    let get =
        |v: &[(String, String)], k: &str| v.iter().find(|(x, _)| x == k).map(|(_, r)| r.clone());
    let mut r = r.clone();
    // Decisions on both sides: take theirs where only theirs changed, both where both did.
    for (k, oraw) in &ob {
        let body = |x: &str| {
            x.split_once('\n')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or_default()
        };
        let head = oraw.lines().next().unwrap_or_default().to_string();
        let (braw, traw) = (get(&bb, k), get(&tb, k));
        let merged = match three_way(braw.as_ref(), Some(oraw), traw.as_ref()) {
            Case::OnlyTheirsChanged => {
                format!("{head}\n{}", body(traw.as_deref().unwrap_or_default()))
            }
            Case::BothChanged | Case::AddedBothDifferent => format!(
                "{head}\n{}",
                union_item(
                    "",
                    &format!(
                        "\n{}\n{}",
                        body(oraw),
                        body(traw.as_deref().unwrap_or_default())
                    )
                )
                .trim_start_matches('\n')
            ),
            // Unlike a list item, a decision removed on their side stays: decisions are a record.
            Case::Unchanged
            | Case::OnlyOursChanged
            | Case::BothSameChange
            | Case::AddedBothSame
            | Case::AddedOnlyOurs
            | Case::RemovedByTheirs
            | Case::RemovedByTheirsChangedByOurs => continue,
            // Ours has the decision, so these do not arise.
            Case::AddedOnlyTheirs
            | Case::RemovedByOurs
            | Case::RemovedByOursChangedByTheirs
            | Case::RemovedByBoth
            | Case::Absent => continue,
        };
        if let Some((_, range)) = r
            .decision_blocks()
            .into_iter()
            .find(|(title, _)| decision_key(title) == *k)
        {
            let tail = &r.text()[range.clone()];
            let trailing = &tail[tail.trim_end().len()..];
            r = r.splice(range, &format!("{}{trailing}", merged.trim_end()))?;
        }
    }
    let o_keys: HashSet<&String> = ob.iter().map(|(k, _)| k).collect();
    let mut n = r
        .view()
        .decisions
        .iter()
        .filter_map(|d| d.number)
        .max()
        .unwrap_or(0)
        + 1;
    for (k, traw) in &tb {
        // The base's copy equal to theirs if there is one (keys may repeat), else its first.
        let braw = bb
            .iter()
            .find(|(bk, braw)| bk == k && braw == traw)
            .map(|(_, braw)| braw.clone())
            .or_else(|| get(&bb, k));
        if o_keys.contains(k) || three_way(braw.as_ref(), None, Some(traw)) == Case::RemovedByOurs {
            continue;
        }
        let body = traw.trim_start_matches('#').trim_start();
        let digits = body.chars().take_while(|c| c.is_ascii_digit()).count();
        let block = if digits > 0 {
            format!("### {n}{}", &body[digits..])
        } else {
            format!("### {body}")
        };
        n += 1;
        r = r.append_block(Sec::Decisions, block.trim_end())?;
    }
    Ok(r)
}

/// Sections the tool does not know: one only theirs has is appended; one both have merges as
/// text, both versions kept around the marker when both changed it.
pub(super) fn merge_unknown_sections(
    r: &SessionFile,
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
    conflicts: &mut Vec<String>,
) -> Result<SessionFile> {
    let get = |f: &SessionFile| -> Vec<(String, String)> {
        f.unknown_sections()
            .into_iter()
            .map(|(title, range)| (title, f.text()[range].to_string()))
            .collect()
    };
    let (bs, os, ts) = (b.map(get).unwrap_or_default(), get(o), get(t));
    let mut r = r.clone();
    for (title, traw) in &ts {
        let braw = bs.iter().find(|(x, _)| x == title).map(|(_, r)| r.as_str());
        match os.iter().find(|(x, _)| x == title) {
            None => {
                if three_way(braw, None, Some(traw.as_str())).clean() == Some(Side::Theirs) {
                    let end = r.text().len();
                    r = r.splice(
                        end..end,
                        &format!(
                            "{}{}",
                            if r.text().ends_with("\n\n") { "" } else { "\n" },
                            traw.trim_end()
                        ),
                    )?;
                    let end = r.text().len();
                    r = r.splice(end..end, "\n")?;
                }
            }
            Some((_, oraw)) => {
                let heading_end = |s: &str| s.find('\n').map(|i| i + 1).unwrap_or(s.len());
                let body = |s: &str| s[heading_end(s)..].trim().to_string();
                let merged = merge_text(braw.map(body).as_deref(), &body(oraw), &body(traw));
                if let Some((text, conflict)) = merged {
                    if conflict {
                        conflicts.push(title.clone());
                    }
                    let range = r
                        .unknown_sections()
                        .into_iter()
                        .find(|(x, _)| x == title)
                        .map(|(_, r)| r)
                        .expect("ours has it");
                    let head =
                        &r.text()[range.start..range.start + heading_end(&r.text()[range.clone()])];
                    let new = format!("{head}\n{text}\n\n");
                    r = r.splice(range, &new)?;
                }
            }
        }
    }
    Ok(r)
}
