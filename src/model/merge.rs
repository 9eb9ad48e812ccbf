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

    // The `# Session:` title line.
    let h1 = |f: &SessionFile| {
        f.body()
            .lines()
            .find(|l| l.starts_with("# "))
            .map(str::to_string)
    };
    if let (Some(oh), Some(th)) = (h1(o), h1(t))
        && oh != th
        && b.and_then(h1).as_deref() == Some(oh.as_str())
        && let Some(pos) = r.text().find(&format!("\n{oh}\n"))
    {
        r = r.splice(pos + 1..pos + 1 + oh.len(), &th)?;
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
    // Status by the later *status change* (status_changed_at), not the later edit of the file.
    let changed_at = |f: &SessionFile| {
        time::parse_rfc3339(
            f.meta
                .status_changed_at
                .as_deref()
                .unwrap_or(&f.meta.updated_at),
        )
    };
    let theirs_status_later = changed_at(t) > changed_at(o);
    let status = if o.meta.status == t.meta.status || base_status == Some(t.meta.status) {
        o.meta.status
    } else if base_status == Some(o.meta.status) || theirs_status_later {
        t.meta.status
    } else {
        o.meta.status
    };
    if status != o.meta.status {
        r = r.set_field("status", status.as_str())?;
        if let Some(at) = &t.meta.status_changed_at {
            r = r.set_field("status_changed_at", &text::yaml_str(at))?;
        }
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

/// Three-way merge of one list section, edited in place on `r` (ours so far), so that text
/// between items stays. Items are matched by key: removed on one side and untouched on the
/// other stays removed; changed on one side takes that change; changed on both keeps the
/// lines of both; added on either side is kept.
fn merge_list(
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
            let replacement = match (get(&bk, &k), get(&tk, &k)) {
                (Some(braw), None) if braw == oraw => Some(None),
                (braw, Some(traw)) if traw != oraw => {
                    if braw.as_deref() == Some(oraw.as_str()) {
                        Some(Some(traw))
                    } else if braw.as_deref() == Some(traw.as_str()) {
                        None
                    } else {
                        Some(Some(union_item(&oraw, &traw)))
                    }
                }
                _ => None,
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
            if o_keys.contains(k) || get(&bk, k).as_deref() == Some(traw.as_str()) {
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
        if !bp.contains(&p) && !rp.contains(&p) {
            r = r.append_block(sec, &format!("{p}\n"))?;
        }
    }
    Ok(r)
}

/// One item changed on both sides: the first line of the side that checked it off (else ours),
/// then every continuation line of either side.
fn union_item(o: &str, t: &str) -> String {
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
            .map(|(title, range)| (decision_key(&title), f.text()[range].trim_end().to_string()))
            .collect()
    };
    let (bb, ob, tb) = (b.map(blocks).unwrap_or_default(), blocks(o), blocks(t));
    let get =
        |v: &[(String, String)], k: &str| v.iter().find(|(x, _)| x == k).map(|(_, r)| r.clone());
    let mut r = r.clone();
    // Decisions on both sides: take theirs where only theirs changed, both where both did.
    for (k, oraw) in &ob {
        let Some(traw) = get(&tb, k) else { continue };
        if traw == *oraw {
            continue;
        }
        let braw = get(&bb, k);
        let body = |x: &str| {
            x.split_once('\n')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or_default()
        };
        let head = oraw.lines().next().unwrap_or_default().to_string();
        let merged = if braw.as_deref() == Some(oraw.as_str()) {
            format!("{head}\n{}", body(&traw))
        } else if braw.as_deref() == Some(traw.as_str()) {
            continue;
        } else {
            format!(
                "{head}\n{}",
                union_item("", &format!("\n{}\n{}", body(oraw), body(&traw)))
                    .trim_start_matches('\n')
            )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::{NewDecision, NewSession, render_new};

    fn base() -> SessionFile {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "m".into(),
            title: "Merge me".into(),
            goal: Some("Goal".into()),
            task_ids: vec!["T-1".into()],
            steps: vec!["one".into(), "two".into(), "three".into()],
            git_branch: Some("main".into()),
            git_last_commit: None,
            now: time::parse_rfc3339("2025-01-15T10:00:00.000Z").unwrap(),
        };
        SessionFile::parse("b.md", render_new(&s)).unwrap()
    }

    fn at(min: u32) -> time::Stamp {
        time::parse_rfc3339(&format!("2025-01-15T11:{min:02}:00.000Z")).unwrap()
    }

    fn merged(b: &SessionFile, o: &SessionFile, t: &SessionFile) -> (SessionFile, Vec<String>) {
        let m = merge_sessions(Some(b), o, t).unwrap();
        (SessionFile::parse("m.md", m.text).unwrap(), m.conflicts)
    }

    #[test]
    fn frontmatter_merges_field_by_field() {
        let b = base()
            .set_field("compaction_count", "2")
            .unwrap()
            .set_field("mine", "x")
            .unwrap();
        let o = b
            .set_field("compaction_count", "3")
            .unwrap()
            .set_field("task_ids", "[T-1, T-2]")
            .unwrap()
            .touch(at(1))
            .unwrap();
        let t = b
            .set_field("compaction_count", "5")
            .unwrap()
            .set_field("task_ids", "[T-1, T-3]")
            .unwrap()
            .set_field("status", "paused")
            .unwrap()
            .set_field("theirs", "y")
            .unwrap()
            .touch(at(2))
            .unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.meta.compaction_count, 2 + 1 + 3);
        assert_eq!(m.meta.task_ids, ["T-1", "T-2", "T-3"]);
        assert_eq!(m.meta.status, crate::model::session::Status::Paused);
        assert_eq!(m.meta.updated_at, "2025-01-15T11:02:00.000Z");
        assert!(m.meta.extra.contains_key("mine") && m.meta.extra.contains_key("theirs"));
    }

    #[test]
    fn status_follows_the_later_status_change_not_the_later_edit() {
        use crate::model::session::Status;
        let b = base();
        // Theirs paused first; ours closed later; theirs then edited the file last.
        let t = b
            .set_status(Status::Paused, at(1))
            .unwrap()
            .add_discovery("late", at(3))
            .unwrap()
            .touch(at(3))
            .unwrap();
        let o = b
            .set_status(Status::Completed, at(2))
            .unwrap()
            .touch(at(2))
            .unwrap();
        for (x, y) in [(&o, &t), (&t, &o)] {
            let (m, _) = merged(&b, x, y);
            assert_eq!(m.meta.status, Status::Completed);
            assert_eq!(m.view().discoveries.len(), 1);
        }
    }

    #[test]
    fn additions_on_both_sides_are_all_kept_and_renumbered() {
        let b = base();
        let o = b
            .add_discovery("ours", at(1))
            .unwrap()
            .add_next("n-ours")
            .unwrap()
            .add_blocker("b-ours", at(1))
            .unwrap();
        let t = b
            .add_discovery("theirs", at(2))
            .unwrap()
            .add_next("n-theirs")
            .unwrap()
            .add_blocker("b-theirs", at(2))
            .unwrap();
        let (m, c) = merged(&b, &o, &t);
        let v = m.view();
        assert!(c.is_empty());
        assert_eq!(
            v.discoveries
                .iter()
                .map(|d| d.text.as_str())
                .collect::<Vec<_>>(),
            ["ours", "theirs"]
        );
        assert_eq!(v.next_steps, ["n-ours", "n-theirs"]);
        assert_eq!(
            v.blockers.iter().map(|b| b.number).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );
    }

    #[test]
    fn a_step_completed_on_one_side_ends_completed_with_the_other_sides_notes() {
        let b = base();
        let o = b.complete_step("one", at(1)).unwrap();
        let t = b.add_progress_note("note from theirs", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        let v = m.view();
        assert_eq!(v.progress.completed.len(), 1);
        assert_eq!(v.progress.completed[0].notes, ["note from theirs"]);
        assert_eq!(v.current.as_deref(), Some("two"));
        assert_eq!(v.step_counts(), (1, 3));
        // And the other way round.
        let (m, _) = merged(&b, &t, &o);
        assert_eq!(m.view().progress.completed[0].notes, ["note from theirs"]);
        assert_eq!(m.view().step_counts(), (1, 3));
    }

    #[test]
    fn notes_added_under_the_same_step_on_both_sides_are_both_kept() {
        let b = base();
        let o = b.add_progress_note("ours", at(1)).unwrap();
        let t = b.add_progress_note("theirs", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.view().progress.in_progress[0].notes, ["ours", "theirs"]);
    }

    #[test]
    fn a_decision_changed_on_one_side_takes_that_change() {
        let d = NewDecision {
            title: "D".into(),
            rationale: "first".into(),
            options: None,
            context: None,
        };
        let b = base().add_decision(&d, at(0)).unwrap();
        let t = SessionFile::parse(
            "t.md",
            b.text()
                .replace("**Rationale:** first", "**Rationale:** corrected"),
        )
        .unwrap();
        let o = b
            .replace_own(Sec::Objective, "\nNew objective\n\n")
            .unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(
            m.view().decisions[0].rationale.as_deref(),
            Some("corrected")
        );
        assert_eq!(m.view().objective, "New objective");
    }

    #[test]
    fn text_between_items_and_new_paragraphs_survive() {
        let b = base().add_next("a").unwrap().add_next("b").unwrap();
        let o = SessionFile::parse(
            "o.md",
            b.text().replace(
                "- a\n- b\n",
                "- a\n\nA paragraph of ours between items.\n\n- b\n",
            ),
        )
        .unwrap();
        let t = b.add_next("c").unwrap();
        let t = SessionFile::parse(
            "t.md",
            t.text().replace(
                "## Blockers\n",
                "## Blockers\n\nTheirs wrote a note here.\n",
            ),
        )
        .unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert!(
            m.text().contains("A paragraph of ours between items."),
            "{}",
            m.text()
        );
        assert!(
            m.text().contains("Theirs wrote a note here."),
            "{}",
            m.text()
        );
        assert_eq!(m.view().next_steps, ["a", "b", "c"]);
    }

    #[test]
    fn a_tldr_edited_on_both_sides_keeps_both_marked() {
        let b = base();
        let o = b.set_summary("ours says this").unwrap();
        let t = b.set_summary("theirs says that").unwrap();
        let (m, c) = merged(&b, &o, &t);
        assert_eq!(c, [Sec::Tldr.title()]);
        let tldr = m.view().tldr;
        assert!(
            tldr.contains("ours says this")
                && tldr.contains("theirs says that")
                && tldr.contains("git-session merge"),
            "{tldr}"
        );
    }

    #[test]
    fn removed_on_one_side_and_untouched_on_the_other_stays_removed() {
        let b = base().add_next("x").unwrap().add_next("y").unwrap();
        let o = b.complete_step("x", at(1)).unwrap(); // drops "x" from Next Steps
        let t = b.add_discovery("d", at(2)).unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert_eq!(m.view().next_steps, ["y"]);
        assert_eq!(m.view().discoveries.len(), 1);
    }

    #[test]
    fn without_a_base_a_step_is_not_duplicated() {
        let b = base();
        let o = b.complete_step("one", at(1)).unwrap();
        let m = merge_sessions(None, &o, &b).unwrap();
        let m = SessionFile::parse("m.md", m.text).unwrap();
        assert_eq!(m.view().step_counts(), (1, 3), "{}", m.text());
    }

    #[test]
    fn the_title_line_follows_a_change_on_one_side() {
        let b = base();
        let t = SessionFile::parse(
            "t.md",
            b.text()
                .replace("# Session: Merge me", "# Session: Renamed"),
        )
        .unwrap();
        let o = b.add_next("n").unwrap();
        let (m, _) = merged(&b, &o, &t);
        assert!(m.text().contains("# Session: Renamed\n"));
    }
}

#[cfg(test)]
mod numbering {
    use super::*;
    use crate::model::session::{NewSession, render_new};

    #[test]
    fn the_other_sides_renumbering_is_not_an_edit() {
        let s = NewSession {
            id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            shortname: "n".into(),
            title: "N".into(),
            goal: None,
            task_ids: vec![],
            steps: vec![],
            git_branch: None,
            git_last_commit: None,
            now: time::parse_rfc3339("2025-01-15T10:00:00.000Z").unwrap(),
        };
        let at = time::parse_rfc3339("2025-01-15T11:00:00.000Z").unwrap();
        let empty = SessionFile::parse("e.md", render_new(&s)).unwrap();
        let b = empty.add_blocker("bC1", at).unwrap();
        let o = b.add_blocker("bC2", at).unwrap();
        let a = empty.add_blocker("bA1", at).unwrap();
        let t =
            SessionFile::parse("t.md", merge_sessions(Some(&empty), &a, &b).unwrap().text).unwrap();
        let m = SessionFile::parse("m.md", merge_sessions(Some(&b), &o, &t).unwrap().text).unwrap();
        let got: Vec<(Option<u32>, String)> = m
            .view()
            .blockers
            .into_iter()
            .map(|x| (x.number, x.text))
            .collect();
        assert_eq!(
            got,
            [
                (Some(1), "bC1".to_string()),
                (Some(2), "bC2".into()),
                (Some(3), "bA1".into())
            ],
            "{}",
            m.text()
        );
    }
}
