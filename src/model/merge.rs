//! Three-way merge of session files: the rules of SPEC §4, section by section.
//!
//! Lists are merged as sets of items (an item removed on one side and untouched on the other
//! stays removed; anything added or changed on either side survives); text sections edited
//! differently on both sides keep both versions, marked; frontmatter merges field by field.

use std::collections::HashSet;
use std::ops::Range;

use crate::error::Result;
use crate::model::session::{Item, Sec, SessionFile};
use crate::model::{text, time};

/// The merged text and the sections that needed both versions kept.
#[derive(Debug, Clone)]
pub struct Merged {
    pub text: String,
    pub conflicts: Vec<String>,
}

/// The marker line placed between two versions of a section edited on both sides.
pub const CONFLICT_MARKER: &str = "> **git-session merge:** this section was edited in two places; the other version follows. Keep what is right, delete the rest.";

/// Merge session file bytes; fails only when `ours` or `theirs` does not parse.
pub fn merge_session_bytes(
    origin: &str,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
) -> Result<Merged> {
    let o = SessionFile::parse_bytes(origin, ours)?;
    let t = SessionFile::parse_bytes(&format!("{origin} (other side)"), theirs)?;
    let b = base.and_then(|b| SessionFile::parse_bytes(origin, b).ok());
    merge_sessions(b.as_ref(), &o, &t)
}

/// Merge two versions of a session file given their common base (if any).
pub fn merge_sessions(b: Option<&SessionFile>, o: &SessionFile, t: &SessionFile) -> Result<Merged> {
    let same = |x: Option<&SessionFile>, y: &SessionFile| x.is_some_and(|x| x.text() == y.text());
    if o.text() == t.text() || same(b, t) {
        return Ok(Merged {
            text: o.text().into(),
            conflicts: vec![],
        });
    }
    if same(b, o) {
        return Ok(Merged {
            text: t.text().into(),
            conflicts: vec![],
        });
    }
    let mut conflicts = Vec::new();
    let mut r = merge_frontmatter(b, o, t)?;

    // Text sections.
    let tldr = |f: &SessionFile| f.tldr_markdown();
    let tb = b.map(tldr);
    if let Some(text) = merge_text(tb.as_deref(), &tldr(o), &tldr(t)) {
        if text.1 {
            conflicts.push(Sec::Tldr.title().to_string());
        }
        r = r.set_summary_raw(&text.0)?;
    }
    let obj = |f: &SessionFile| f.text()[f.own_range(Sec::Objective)].trim().to_string();
    if let Some((merged, conflict)) = merge_text(b.map(obj).as_deref(), &obj(o), &obj(t)) {
        if conflict {
            conflicts.push(Sec::Objective.title().to_string());
        }
        r = r.replace_own(Sec::Objective, &format!("\n{merged}\n\n"))?;
    }

    // List sections.
    for sec in [
        Sec::KeyFiles,
        Sec::KeyContext,
        Sec::Completed,
        Sec::InProgress,
        Sec::Remaining,
        Sec::NextSteps,
    ] {
        r = merge_list(&r, b, o, t, sec, false)?;
    }
    for sec in [Sec::Discoveries, Sec::Blockers] {
        r = merge_list(&r, b, o, t, sec, true)?;
    }
    r = settle_completed_steps(&r)?;
    r = merge_decisions(&r, b, o, t)?;
    r = merge_unknown_sections(&r, b, o, t, &mut conflicts)?;
    Ok(Merged {
        text: r.text().into(),
        conflicts,
    })
}

/// `Some((text, conflict))` when the result differs from ours.
fn merge_text(b: Option<&str>, o: &str, t: &str) -> Option<(String, bool)> {
    if o == t || b == Some(t) {
        return None;
    }
    if b == Some(o) {
        return Some((t.to_string(), false));
    }
    if o.contains(t) {
        return None;
    }
    if t.contains(o) {
        return Some((t.to_string(), false));
    }
    Some((format!("{o}\n\n{CONFLICT_MARKER}\n\n{t}"), true))
}

fn later(o: &SessionFile, t: &SessionFile) -> bool {
    let ot = time::parse_rfc3339(&o.meta.updated_at);
    let tt = time::parse_rfc3339(&t.meta.updated_at);
    tt > ot
}

fn merge_frontmatter(
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
) -> Result<SessionFile> {
    let mut r = o.clone();
    let theirs_later = later(o, t);
    if theirs_later {
        r = r.set_field("updated_at", &text::yaml_str(&t.meta.updated_at))?;
    }
    let base_count = b.map(|b| b.meta.compaction_count);
    let count = match base_count {
        Some(bc) => o.meta.compaction_count + t.meta.compaction_count.saturating_sub(bc),
        None => o.meta.compaction_count.max(t.meta.compaction_count),
    };
    if count != o.meta.compaction_count {
        r = r.set_field("compaction_count", &count.to_string())?;
    }
    let mut tasks = o.meta.task_ids.clone();
    for id in &t.meta.task_ids {
        if !tasks.contains(id) {
            tasks.push(id.clone());
        }
    }
    if tasks != o.meta.task_ids {
        let list = tasks
            .iter()
            .map(|t| text::yaml_str(t))
            .collect::<Vec<_>>()
            .join(", ");
        r = r.set_field("task_ids", &format!("[{list}]"))?;
    }
    let base_status = b.map(|b| b.meta.status);
    let status = if o.meta.status == t.meta.status || base_status == Some(t.meta.status) {
        o.meta.status
    } else if base_status == Some(o.meta.status) || theirs_later {
        t.meta.status
    } else {
        o.meta.status
    };
    if status != o.meta.status {
        r = r.set_field("status", status.as_str())?;
    }
    let pick = |bo: Option<&Option<String>>,
                ov: &Option<String>,
                tv: &Option<String>|
     -> Option<Option<String>> {
        if ov == tv || bo == Some(tv) {
            None
        } else if bo == Some(ov) || theirs_later {
            Some(tv.clone())
        } else {
            None
        }
    };
    for (key, bo, ov, tv) in [
        (
            "git_branch",
            b.map(|b| &b.meta.git_branch),
            &o.meta.git_branch,
            &t.meta.git_branch,
        ),
        (
            "git_last_commit",
            b.map(|b| &b.meta.git_last_commit),
            &o.meta.git_last_commit,
            &t.meta.git_last_commit,
        ),
    ] {
        if let Some(v) = pick(bo, ov, tv) {
            r = r.set_field(
                key,
                &v.as_deref()
                    .map(text::yaml_str)
                    .unwrap_or_else(|| "null".into()),
            )?;
        }
    }
    let title_b = b.map(|b| Some(b.meta.title.clone()));
    if let Some(Some(title)) = pick(
        title_b.as_ref(),
        &Some(o.meta.title.clone()),
        &Some(t.meta.title.clone()),
    ) {
        r = r.set_field("title", &text::yaml_str(&title))?;
    }
    for (key, tv) in &t.meta.extra {
        let ov = o.meta.extra.get(key);
        let bv = b.and_then(|b| b.meta.extra.get(key));
        let take = match ov {
            None => bv != Some(tv),
            Some(ov) => ov != tv && bv == Some(ov),
        };
        if take {
            let v = serde_json::to_string(tv).unwrap_or_else(|_| "null".into());
            r = r.set_field(key, &v)?;
        }
    }
    Ok(r)
}

fn item_key(sec: Sec, it: &Item) -> String {
    let head = text::one_line(&it.head).to_lowercase();
    match sec {
        Sec::KeyFiles => head.split(" — ").next().unwrap_or(&head).to_string(),
        Sec::Completed | Sec::InProgress | Sec::Remaining | Sec::NextSteps | Sec::KeyContext => {
            head
        }
        _ => format!("{head}|{}", it.at.map(time::rfc3339).unwrap_or_default()),
    }
}

/// Three-way set merge of one list section's items, result spliced into `r` (which is ours so far).
fn merge_list(
    r: &SessionFile,
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
    sec: Sec,
    numbered: bool,
) -> Result<SessionFile> {
    let raw = |f: &SessionFile, it: &Item| {
        f.text()[it.range.clone()]
            .trim_end_matches('\n')
            .to_string()
    };
    let keyed = |f: &SessionFile| -> Vec<(String, String)> {
        f.items(sec)
            .iter()
            .map(|i| (item_key(sec, i), raw(f, i)))
            .collect()
    };
    let (bk, ok, tk) = (b.map(keyed).unwrap_or_default(), keyed(o), keyed(t));
    if ok == tk {
        return Ok(r.clone());
    }
    let in_b = |k: &str| bk.iter().find(|(x, _)| x == k).map(|(_, r)| r.clone());
    let in_t = |k: &str| tk.iter().find(|(x, _)| x == k).map(|(_, r)| r.clone());
    let o_keys: HashSet<&String> = ok.iter().map(|(k, _)| k).collect();
    let mut out: Vec<String> = Vec::new();
    for (k, oraw) in &ok {
        match (in_b(k), in_t(k)) {
            (_, Some(traw)) => {
                // Present on both sides: take theirs only if ours did not change it.
                let braw = in_b(k);
                out.push(if braw.as_deref() == Some(oraw.as_str()) {
                    traw
                } else {
                    oraw.clone()
                });
            }
            (Some(braw), None) => {
                if braw != *oraw {
                    out.push(oraw.clone());
                }
            }
            (None, None) => out.push(oraw.clone()),
        }
    }
    let mut next = ok
        .iter()
        .filter_map(|(_, raw)| leading_number(raw))
        .max()
        .unwrap_or(0)
        + 1;
    for (k, traw) in &tk {
        if o_keys.contains(k) {
            continue;
        }
        match in_b(k) {
            Some(braw) if braw == *traw => continue,
            _ => {}
        }
        if numbered {
            out.push(renumber(traw, next));
            next += 1;
        } else {
            out.push(traw.clone());
        }
    }
    let own = r.items(sec);
    let mut new_list = out.join("\n");
    new_list.push('\n');
    match (own.first(), own.last()) {
        (Some(first), Some(last)) => r.splice(
            first.range.start..last.range.end,
            &ensure_nl(&new_list, r, last.range.end),
        ),
        _ if out.is_empty() => Ok(r.clone()),
        _ => r.append_item(sec, new_list.trim_end_matches('\n')),
    }
}

fn ensure_nl(s: &str, r: &SessionFile, end: usize) -> String {
    if r.text()[..end].ends_with('\n') {
        s.to_string()
    } else {
        s.trim_end_matches('\n').to_string()
    }
}

fn leading_number(raw: &str) -> Option<u32> {
    let d: String = raw
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    d.parse().ok()
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
fn settle_completed_steps(r: &SessionFile) -> Result<SessionFile> {
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
        // Remove the later range first so the earlier one stays valid.
        let (first, second) = if stale.range.start > target.range.start {
            (stale.range.clone(), None)
        } else {
            (stale.range.clone(), Some(()))
        };
        let _ = second;
        r = r.remove_item(first)?;
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
            r = r.promote_pub()?;
        }
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

fn decision_key(title: &str) -> String {
    let t = title
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches('.')
        .trim();
    text::one_line(t).to_lowercase()
}

fn merge_decisions(
    r: &SessionFile,
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
) -> Result<SessionFile> {
    let blocks = |f: &SessionFile| -> Vec<(String, String)> {
        f.decision_blocks()
            .into_iter()
            .map(|(title, range)| (decision_key(&title), f.text()[range].to_string()))
            .collect()
    };
    let (bb, ob, tb) = (b.map(blocks).unwrap_or_default(), blocks(o), blocks(t));
    let o_keys: HashSet<&String> = ob.iter().map(|(k, _)| k).collect();
    let mut n = r
        .view()
        .decisions
        .iter()
        .filter_map(|d| d.number)
        .max()
        .unwrap_or(0)
        + 1;
    let mut r = r.clone();
    for (k, traw) in &tb {
        if o_keys.contains(k) || bb.iter().any(|(bk, braw)| bk == k && braw == traw) {
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

fn merge_unknown_sections(
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
                if braw != Some(traw.as_str()) {
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
                    r = r.splice(range_fix(&r, range), &new)?;
                }
            }
        }
    }
    Ok(r)
}

fn range_fix(r: &SessionFile, range: Range<usize>) -> Range<usize> {
    range.start..range.end.min(r.text().len())
}
