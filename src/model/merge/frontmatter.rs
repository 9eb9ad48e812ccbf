//! The frontmatter merges field by field.

use crate::model::error::Result;
use crate::model::session::SessionFile;
use crate::model::text;

use super::rule::{Side, three_way};

/// Counters add, lists unite, `updated_at` is the later one; every other field follows the
/// three-way rule, and when both sides changed it, the later edit (for `status`: the later
/// status change) wins.
pub(super) fn merge_frontmatter(
    b: Option<&SessionFile>,
    o: &SessionFile,
    t: &SessionFile,
) -> Result<SessionFile> {
    let mut r = o.clone();
    // A missing or malformed `updated_at` counts as older than any real time.
    let theirs_later = t.meta.updated() > o.meta.updated();
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
    // Status by the later *status change* (status_changed_at), not the later edit of the file.
    let theirs_status_later = t.meta.status_changed() > o.meta.status_changed();
    let status = three_way(
        b.map(|b| &b.meta.status),
        Some(&o.meta.status),
        Some(&t.meta.status),
    )
    .clean()
    .unwrap_or(if theirs_status_later {
        Side::Theirs
    } else {
        Side::Ours
    });
    if status == Side::Theirs && t.meta.status != o.meta.status {
        r = r.set_field("status", t.meta.status.as_str())?;
        if let Some(at) = &t.meta.status_changed_at {
            r = r.set_field("status_changed_at", &text::yaml_str(at))?;
        }
    }
    // Both changed: the later edit wins.
    let later_wins = |side: Option<Side>| {
        side.unwrap_or(if theirs_later {
            Side::Theirs
        } else {
            Side::Ours
        })
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
        if later_wins(three_way(bo, Some(ov), Some(tv)).clean()) == Side::Theirs && ov != tv {
            r = r.set_field(
                key,
                &tv.as_deref()
                    .map(text::yaml_str)
                    .unwrap_or_else(|| "null".into()),
            )?;
        }
    }
    let title = three_way(
        b.map(|b| &b.meta.title),
        Some(&o.meta.title),
        Some(&t.meta.title),
    );
    if later_wins(title.clean()) == Side::Theirs && o.meta.title != t.meta.title {
        r = r.set_field("title", &text::yaml_str(&t.meta.title))?;
    }
    // Keys we do not know: only theirs' are looked at; both changed keeps ours.
    for (key, tv) in &t.meta.extra {
        let ov = o.meta.extra.get(key);
        let bv = b.and_then(|b| b.meta.extra.get(key));
        if three_way(bv, ov, Some(tv)).clean() == Some(Side::Theirs) {
            let v = serde_json::to_string(tv).unwrap_or_else(|_| "null".into());
            r = r.set_field(key, &v)?;
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session::template::sample::new_file;

    fn with_updated(f: &SessionFile, at: &str) -> SessionFile {
        f.set_field("updated_at", at).unwrap()
    }

    #[test]
    fn updated_at_is_compared_as_a_time_not_as_text() {
        let b = new_file(&[]);
        // As text "12:00+02:00" sorts after "11:00Z"; as a time it is 10:00Z, the earlier.
        let o = with_updated(&b, "2025-01-15T11:00:00.000Z");
        let t = with_updated(&b, "2025-01-15T12:00:00.000+02:00");
        let r = merge_frontmatter(Some(&b), &o, &t).unwrap();
        assert_eq!(r.meta.updated_at, "2025-01-15T11:00:00.000Z");
        let r = merge_frontmatter(Some(&b), &t, &o).unwrap();
        assert_eq!(r.meta.updated_at, "2025-01-15T11:00:00.000Z");
    }

    #[test]
    fn a_malformed_updated_at_never_counts_as_the_later_edit() {
        let b = new_file(&[]);
        let good = with_updated(&b, "2025-01-15T11:00:00.000Z");
        let bad = with_updated(&b, "yesterday");
        assert_eq!(bad.meta.updated(), None);
        let r = merge_frontmatter(Some(&b), &good, &bad).unwrap();
        assert_eq!(r.meta.updated_at, "2025-01-15T11:00:00.000Z");
        let r = merge_frontmatter(Some(&b), &bad, &good).unwrap();
        assert_eq!(r.meta.updated_at, "2025-01-15T11:00:00.000Z");
        // Both malformed: neither is later, ours stays.
        let worse = with_updated(&b, "last week");
        let r = merge_frontmatter(Some(&b), &bad, &worse).unwrap();
        assert_eq!(r.meta.updated_at, "yesterday");
    }
}
