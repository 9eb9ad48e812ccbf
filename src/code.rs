//! The journal meets the code: the `Session:` trailer on the user's commits, `commit` entries
//! recording them in the journal, and finding a commit's session from either side.
//!
//! Everything here that git's hooks run (`prepare-commit-msg`, `post-commit`) must never fail a
//! commit: the callers turn any error into at most one `warning:` line.

use std::path::Path;
use std::process::Stdio;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::layout::SessionPath;
use crate::model::entry::JournalEntry;
use crate::model::time;
use crate::workspace::Workspace;

/// The trailer's key: `Session: <shortname>-<short>`.
pub const TRAILER: &str = "Session";

/// The `git config` key that turns the trailer off (`false`); on by default.
pub const TRAILER_KEY: &str = "session.commit.trailer";

/// The journal entry kind that records a commit.
pub const COMMIT_KIND: &str = "commit";

/// The worktree's git dir (where `rebase-merge/` and friends live).
fn git_dir(ws: &Workspace) -> &Path {
    ws.state_dir().parent().unwrap_or(ws.state_dir())
}

/// Whether a rebase is under way in this worktree (git's own markers, `wt-status.c`).
pub fn rebase_in_progress(ws: &Workspace) -> bool {
    let d = git_dir(ws);
    d.join("rebase-merge").is_dir() || d.join("rebase-apply").is_dir()
}

/// The comment prefix git uses in commit message templates: `core.commentString`, else
/// `core.commentChar` (`auto` is taken as `#`), else `#` (git-config(1)).
fn comment_prefix(ws: &Workspace) -> String {
    let store = ws.store();
    store
        .config_string("core.commentString")
        .or_else(|| store.config_string("core.commentChar"))
        .filter(|c| !c.is_empty() && c != "auto")
        .unwrap_or_else(|| "#".into())
}

/// Why a message gets no trailer, or `None` when it gets one. `message` is the message file's
/// text; `source` is prepare-commit-msg's second argument.
pub fn trailer_skip_reason(
    message: &str,
    source: Option<&str>,
    comment: &str,
) -> Option<&'static str> {
    if matches!(source, Some("merge" | "squash")) {
        return Some("a merge or squash message");
    }
    // The editor is about to open on a template: a trailer would make git take the untouched
    // template as edited and commit it; commit-msg adds the trailer after the editor.
    if source == Some("template") {
        return Some("a template the editor opens on");
    }
    let scissors = format!("{comment} ------------------------ >8 ------------------------");
    let content: Vec<&str> = message
        .lines()
        .take_while(|l| *l != scissors)
        .filter(|l| !l.starts_with(comment))
        .collect();
    let Some(subject) = content.iter().find(|l| !l.trim().is_empty()) else {
        // The editor is about to open on an empty message: a trailer would make git commit a
        // message of nothing but the trailer instead of aborting (decision 111).
        return Some("an empty message");
    };
    // A `Session:` line already (an amend, `-c`/`-C`, a message written with one): it keeps
    // its own, whether or not git would read its paragraph as trailers.
    let key = format!("{}:", TRAILER.to_ascii_lowercase());
    if content
        .iter()
        .any(|l| l.to_ascii_lowercase().starts_with(&key))
    {
        return Some("a message with a Session: line");
    }
    if ["fixup! ", "squash! ", "amend! "]
        .iter()
        .any(|p| subject.starts_with(p))
    {
        return Some("a fixup!/squash! commit");
    }
    None
}

/// prepare-commit-msg: add `Session: <label>` to the message in `file` when a session is
/// current, the user has not turned it off, and the message is an ordinary one (see
/// [`trailer_skip_reason`]). git's own trailer rules place it (`git interpret-trailers`,
/// `--if-exists doNothing`: a message with a `Session:` trailer already keeps its one).
pub fn add_trailer(ws: &Workspace, file: &Path, source: Option<&str>) -> Result<()> {
    let store = ws.store();
    if store.repo().config_snapshot().boolean(TRAILER_KEY) == Some(false) {
        return Ok(());
    }
    if rebase_in_progress(ws) {
        return Ok(());
    }
    let Some(target) = current(ws)? else {
        return Ok(());
    };
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let Ok(message) = std::str::from_utf8(&bytes) else {
        return Ok(());
    };
    if message.is_empty() || trailer_skip_reason(message, source, &comment_prefix(ws)).is_some() {
        return Ok(());
    }
    let out = crate::gitproc::command(ws.worktree())
        .args([
            "interpret-trailers",
            "--in-place",
            "--if-exists",
            "doNothing",
            "--if-missing",
            "add",
            "--where",
            "end",
            "--trailer",
        ])
        .arg(format!("{TRAILER}: {}", target.label()))
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("git interpret-trailers", e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git interpret-trailers: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// commit-msg: add the trailer to a message the user wrote in the editor (prepare-commit-msg ran
/// before it opened and left the empty message alone, decision 111), by the same rules as
/// [`add_trailer`]. git gives commit-msg no message source, so a merge is known by `MERGE_HEAD`
/// and a `merge --squash` by `SQUASH_MSG` in the worktree's git dir (the files `git commit`
/// itself reads, builtin/commit.c). A message that already has its `Session:` trailer (from
/// prepare-commit-msg) keeps its one; an empty one is left empty so that git aborts the commit.
pub fn add_trailer_after_edit(ws: &Workspace, file: &Path) -> Result<()> {
    // commit-msg runs before git compares the message with the template it opened the editor
    // on (builtin/commit.c: the hook, then `template_untouched`): a trailer added to an
    // untouched template would make git commit it instead of aborting.
    if let Some(template) = commit_template(ws)
        && let Ok(message) = std::fs::read(file)
        && same_text(&message, &template, &comment_prefix(ws))
    {
        return Ok(());
    }
    let d = git_dir(ws);
    let source = if d.join("MERGE_HEAD").exists() {
        Some("merge")
    } else if d.join("SQUASH_MSG").exists() {
        Some("squash")
    } else {
        None
    };
    add_trailer(ws, file, source)
}

/// The arguments after `verb` of the `git <verb>` this process was started under (a git hook
/// runs as a child of git, maybe through a shell: up to four ancestors are looked at), read
/// from `/proc/<pid>/cmdline`; `None` when not found or on a system without `/proc`.
pub fn invoking_git(verb: &str) -> Option<Vec<String>> {
    let mut pid = std::process::id();
    for _ in 0..4 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last ')'.
        let after = &stat[stat.rfind(')')? + 1..];
        pid = after.split_whitespace().nth(1)?.parse().ok()?;
        if pid <= 1 {
            return None;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_git = args
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some("git"));
        if is_git && let Some(at) = args.iter().position(|a| a == verb) {
            return Some(args[at + 1..].to_vec());
        }
    }
    None
}

/// The template `git commit` opened the editor on: `-t FILE`/`--template=FILE` of the running
/// `git commit`, else `commit.template` (git config, `~` expanded by `--path`).
fn commit_template(ws: &Workspace) -> Option<Vec<u8>> {
    let from_args = invoking_git("commit").and_then(|args| {
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "-t" || a == "--template" {
                return it.next().cloned();
            }
            if let Some(v) = a.strip_prefix("--template=") {
                return Some(v.to_string());
            }
            if let Some(v) = a.strip_prefix("-t")
                && !v.is_empty()
                && !a.starts_with("--")
            {
                return Some(v.to_string());
            }
        }
        None
    });
    let path = match from_args {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let out = crate::gitproc::command(ws.worktree())
                .args(["config", "--path", "--get", "commit.template"])
                .stdin(Stdio::null())
                .output()
                .ok()?;
            let p = String::from_utf8(out.stdout).ok()?;
            let p = p.trim();
            if !out.status.success() || p.is_empty() {
                return None;
            }
            std::path::PathBuf::from(p)
        }
    };
    let path = if path.is_relative() {
        ws.worktree().join(path)
    } else {
        path
    };
    std::fs::read(path).ok()
}

/// Whether two messages say the same once comment lines, trailing blanks and empty lines are
/// set aside (what `git commit`'s cleanup leaves of them).
fn same_text(a: &[u8], b: &[u8], comment: &str) -> bool {
    let norm = |t: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(t)
            .lines()
            .filter(|l| !l.starts_with(comment))
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    norm(a) == norm(b)
}

/// The commit `new` replaced when HEAD's newest reflog entry is `git commit --amend`'s
/// (its message starts `commit (amend)`, refs.c/builtin/commit.c): the entry before it, `HEAD@{1}`.
/// `None` for any other commit, without a reflog, or when the amend made the same commit.
fn amended_commit(dir: &Path, new: &str) -> Option<String> {
    let out = crate::gitproc::command(dir)
        .args([
            "log",
            "-g",
            "-n",
            "2",
            "--no-show-signature",
            "--format=%H%x00%gs",
            "HEAD",
            "--",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let (sha, message) = lines.next()?.split_once('\0')?;
    let (old, _) = lines.next()?.split_once('\0')?;
    (sha == new && message.starts_with("commit (amend)") && old != new && !old.is_empty())
        .then(|| old.to_string())
}

/// The current session of this worktree, or `None` (none set, or its file is gone).
fn current(ws: &Workspace) -> Result<Option<SessionPath>> {
    match ws.current() {
        Ok(s) => Ok(Some(s)),
        Err(Error::NoCurrentSession) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The stable patch id of commit `sha` (`git diff-tree -p | git patch-id --stable`), the same
/// for the commit after a rebase or a cherry-pick; `None` for a commit with no changes (empty,
/// or a merge, whose `diff-tree -p` prints nothing).
pub fn patch_id(dir: &Path, sha: &str) -> Result<Option<String>> {
    let io = |e| Error::io("git diff-tree | git patch-id", e);
    let mut diff = crate::gitproc::command(dir)
        .args([
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "diff-tree",
            "-p",
            "-r",
            "--root",
            "--no-commit-id",
            "--no-ext-diff",
            "--no-textconv",
            sha,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io)?;
    let pipe = diff.stdout.take().expect("piped");
    let out = crate::gitproc::command(dir)
        .args(["patch-id", "--stable"])
        .stdin(pipe)
        .stderr(Stdio::null())
        .output();
    let status = diff.wait().map_err(io)?;
    let out = out.map_err(io)?;
    if !status.success() || !out.status.success() {
        return Err(Error::Usage(format!("git patch-id failed for {sha}")));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .map(str::to_string))
}

/// One commit as git describes it.
#[derive(Debug, Clone, Serialize)]
pub struct CodeCommit {
    pub commit: String,
    pub subject: String,
    /// Committer time, Unix seconds.
    pub time: i64,
    /// The values of its `Session:` trailers.
    #[serde(skip)]
    pub trailers: Vec<String>,
}

/// Read commit `rev` (any commit-ish). Errors: `rev` names no commit (a usage error).
pub fn read_commit(dir: &Path, rev: &str) -> Result<CodeCommit> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(Error::Usage(format!("'{rev}' is not a commit")));
    }
    let out = crate::gitproc::command(dir)
        .args([
            "show",
            "-s",
            "--no-show-signature",
            &format!(
                "--format=%H%x00%ct%x00%(trailers:key={TRAILER},valueonly,separator=%x01)%x00%B"
            ),
            &format!("{rev}^{{commit}}"),
            "--",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("git show", e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "'{}' is not a commit",
            crate::model::ids::printable(rev)
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.splitn(4, '\0');
    let commit = parts.next().unwrap_or_default().trim().to_string();
    let time = parts.next().unwrap_or("0").trim().parse().unwrap_or(0);
    let trailers = parts
        .next()
        .unwrap_or_default()
        .split('\x01')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let subject = parts
        .next()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    Ok(CodeCommit {
        commit,
        subject,
        time,
        trailers,
    })
}

/// post-commit: record HEAD in the current session's journal as a `commit` entry (frontmatter
/// `commit`, `patch_id` unless the commit changes nothing, `subject`, and `amends: <old sha>`
/// after `git commit --amend` (decision 119); body: the subject).
/// Nothing when no session is current, or during a rebase (each rewritten commit keeps its
/// patch id, by which `show` finds it).
pub fn record_head(ws: &Workspace) -> Result<Option<String>> {
    if rebase_in_progress(ws) {
        return Ok(None);
    }
    if current(ws)?.is_none() {
        return Ok(None);
    }
    let c = read_commit(ws.worktree(), "HEAD")?;
    let pid = patch_id(ws.worktree(), &c.commit)?;
    let mut extra = vec![
        ("commit".to_string(), c.commit.clone()),
        ("subject".to_string(), c.subject.clone()),
    ];
    if let Some(p) = pid {
        extra.push(("patch_id".to_string(), p));
    }
    if let Some(old) = amended_commit(ws.worktree(), &c.commit) {
        extra.push(("amends".to_string(), old));
    }
    ws.author()?;
    let lock = ws.lock()?;
    let body = if c.subject.trim().is_empty() {
        c.commit.clone()
    } else {
        c.subject.clone()
    };
    let summary = format!(
        "commit {} {}",
        &c.commit[..c.commit.len().min(10)],
        c.subject
    );
    let target = ws.add_entry(&lock, None, COMMIT_KIND, body, &extra, &summary)?;
    Ok(Some(target.label()))
}

/// A `commit` entry of a session.
#[derive(Debug, Clone, Serialize)]
pub struct CommitRecord {
    pub commit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<String>,
    pub subject: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// The commit this one replaced by `git commit --amend` (its frontmatter `amends`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amends: Option<String>,
    /// A later recorded commit of the session that amends this one: this one is no longer on
    /// the branch (worked out from the other entry's `amends`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amended_by: Option<String>,
}

/// Every entry of session `s` whose file name has `-<kind>-` for one of `kinds` (all when
/// empty), oldest first, parsed; entries that do not parse are passed over.
pub fn session_entries(
    ws: &Workspace,
    s: &SessionPath,
    kinds: &[&str],
) -> Result<Vec<JournalEntry>> {
    let mut dir = crate::layout::entries_dir(&s.short);
    let mut names = ws.mirror().list(&dir)?;
    if names.is_empty() {
        dir = format!("{}/entries", crate::layout::flat_journal_dir(&s.short));
        names = ws.mirror().list(&dir)?;
    }
    let mut out = Vec::new();
    for name in names {
        if !kinds.is_empty() && !kinds.iter().any(|k| name.contains(&format!("-{k}-"))) {
            continue;
        }
        let Some(bytes) = ws.mirror().read(&format!("{dir}/{name}"))? else {
            continue;
        };
        if let Ok(e) = JournalEntry::parse(&name, &bytes)
            && (kinds.is_empty() || kinds.contains(&e.meta.kind.as_str()))
        {
            out.push(e);
        }
    }
    Ok(out)
}

/// The `commit` entries of session `s`, oldest first, each amended one with `amended_by` set.
pub fn session_commits(ws: &Workspace, s: &SessionPath) -> Result<Vec<CommitRecord>> {
    let key = |e: &JournalEntry, k: &str| {
        e.meta
            .extra
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let mut list: Vec<CommitRecord> = session_entries(ws, s, &[COMMIT_KIND])?
        .into_iter()
        .filter_map(|e| {
            Some(CommitRecord {
                commit: key(&e, "commit")?,
                patch_id: key(&e, "patch_id"),
                subject: key(&e, "subject").unwrap_or_default(),
                at: e.meta.at.clone(),
                amends: key(&e, "amends"),
                amended_by: None,
            })
        })
        .collect();
    let amends: Vec<(String, String)> = list
        .iter()
        .filter_map(|r| Some((r.amends.clone()?, r.commit.clone())))
        .filter(|(old, new)| old != new)
        .collect();
    for r in &mut list {
        // The newest amend of it wins (oldest first, so the last one).
        r.amended_by = amends
            .iter()
            .rev()
            .find(|(old, _)| *old == r.commit)
            .map(|(_, new)| new.clone());
    }
    Ok(list)
}

/// How `show` tied a commit to its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundBy {
    /// Its `Session:` trailer.
    Trailer,
    /// A `commit` entry with its sha.
    Commit,
    /// A `commit` entry with its patch id (the commit was rebased, squashed or amended).
    PatchId,
}

/// The session commit `c` belongs to, how that was found, and the matching `commit` entry.
pub fn session_of(
    ws: &Workspace,
    c: &CodeCommit,
) -> Result<Option<(SessionPath, FoundBy, Option<CommitRecord>)>> {
    let sessions = ws.sessions()?;
    let by_label = |label: &str| sessions.iter().find(|s| s.label() == label).cloned();
    let pid = patch_id(ws.worktree(), &c.commit).ok().flatten();
    let matching = |s: &SessionPath| -> Result<Option<(FoundBy, CommitRecord)>> {
        let records = session_commits(ws, s)?;
        if let Some(r) = records.iter().find(|r| r.commit == c.commit) {
            return Ok(Some((FoundBy::Commit, r.clone())));
        }
        Ok(records
            .into_iter()
            .find(|r| pid.is_some() && r.patch_id == pid)
            .map(|r| (FoundBy::PatchId, r)))
    };
    for t in &c.trailers {
        if let Some(s) = by_label(t) {
            let record = matching(&s)?.map(|(_, r)| r);
            return Ok(Some((s, FoundBy::Trailer, record)));
        }
    }
    let mut by_patch = None;
    for s in &sessions {
        match matching(s)? {
            Some((FoundBy::Commit, r)) => return Ok(Some((s.clone(), FoundBy::Commit, Some(r)))),
            Some((how, r)) if by_patch.is_none() => by_patch = Some((s.clone(), how, Some(r))),
            _ => {}
        }
    }
    Ok(by_patch)
}

/// A journal entry shown next to a commit.
#[derive(Debug, Clone, Serialize)]
pub struct ShownEntry {
    pub at: String,
    pub kind: String,
    pub text: String,
}

/// The decision, discovery and progress entries of `s` logged at or before `until` (Unix
/// seconds), oldest first.
pub fn entries_until(ws: &Workspace, s: &SessionPath, until: i64) -> Result<Vec<ShownEntry>> {
    Ok(
        session_entries(ws, s, &["decision", "discovery", "progress"])?
            .into_iter()
            .filter(|e| time::parse_rfc3339(&e.meta.at).is_some_and(|t| t.timestamp() <= until))
            .map(|e| ShownEntry {
                at: e.meta.at.clone(),
                kind: e.meta.kind.clone(),
                text: crate::model::text::one_line(
                    e.body
                        .replace("**", "")
                        .trim_start_matches("Decision:")
                        .trim_start(),
                ),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_messages_get_no_trailer() {
        let skip = |m: &str, s: Option<&str>| trailer_skip_reason(m, s, "#");
        assert_eq!(skip("Fix it\n", None), None);
        assert_eq!(skip("Fix it\n", Some("message")), None);
        assert!(skip("Merge branch 'x'\n", Some("merge")).is_some());
        assert!(skip("Squashed commit\n", Some("squash")).is_some());
        assert!(skip("fixup! Fix it\n", Some("message")).is_some());
        assert!(skip("squash! Fix it\n", None).is_some());
        assert!(skip("\n# Please enter the commit message\n#\n", None).is_some());
        assert!(skip("", None).is_some());
        assert_eq!(skip("\n\nReal subject\n# comment\n", None), None);
        assert!(skip("Fix\n\nsession: x-12345678\n", Some("commit")).is_some());
    }
}
