//! `git session doctor`: do the ref, the mirror and the files agree and parse?

use std::collections::{BTreeMap, HashMap};

use crate::cli::Context;
use crate::error::Result;
use crate::layout::SessionPath;
use crate::mirror::MIRROR_DIR;
use crate::model::entry::{self, JournalEntry};
use crate::model::ids;
use crate::model::session::SessionFile;
use crate::store::JournalCommand;
use crate::store::{TreeChanges, blob_id};
use crate::workspace::{Planned, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fix what can be fixed without losing anything, and say what was done.
    #[arg(long)]
    repair: bool,
}

/// What can be done about a problem.
#[derive(Debug, Clone)]
enum Fix {
    /// Write the ref's blob into the mirror.
    Restore(String, gix::ObjectId),
    /// Commit the mirror's file.
    Commit(String),
    /// Bring the mirror up to the ref.
    Refresh,
    DropCurrent,
    /// Point a vanished refs/sessions back at the commit the mirror last matched.
    RestoreRef(gix::ObjectId),
}

/// What doctor found and did: `doctor --json` prints it as it is.
#[derive(Debug, Default, serde::Serialize)]
struct Report {
    /// Our hooks as installed for each agent: what runs, from which file.
    hooks: Vec<crate::install::Installed>,
    problems: Vec<String>,
    repaired: Vec<String>,
}

impl Report {
    /// Print for people (one line each) or as JSON; return `code`.
    fn emit(&self, ctx: &Context, code: i32) -> i32 {
        let p = &ctx.printer;
        if p.json {
            p.json(&serde_json::json!({"ok": code == 0, "hooks": self.hooks, "problems": self.problems, "repaired": self.repaired}));
            return code;
        }
        for i in &self.hooks {
            let mut events: Vec<&str> = i.hooks.iter().map(|(e, _)| e.as_str()).collect();
            events.dedup();
            p.out(&format!(
                "hooks: {:<6} {} ({})",
                i.agent.name(),
                i.file.display(),
                events.join(", ")
            ));
        }
        if self.problems.is_empty() && self.repaired.is_empty() {
            p.note("No problems found.");
        }
        for line in &self.problems {
            p.out(line);
        }
        for line in &self.repaired {
            p.out(&format!("repaired: {line}"));
        }
        code
    }
}

struct Problem {
    what: String,
    fix: Option<Fix>,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let ws = ctx.workspace_for_reading()?;
    // Without --repair doctor only reads: it catches up as a read command does (no lock, no
    // write when nothing needs writing), so a read-only repository can be checked.
    let lock = if a.repair { Some(ws.lock()?) } else { None };
    let mut report = Report::default();
    // Catch up first, as every command does: a mirror behind the ref because another worktree
    // committed is a lag the next command repairs, not a fault. (A ref that cannot be
    // refreshed is what the checks below are for.) Session files dropped in or renamed by
    // hand go back under their own names before repairs, so no repair commits one twice.
    let refreshed = match &lock {
        Some(lock) => ws.refresh(lock).is_ok(),
        None => ws.catch_up_for_read(false).is_ok(),
    };
    if let Some(lock) = lock.as_ref().filter(|_| refreshed) {
        // Every directory listed again, whatever its stamp says (decision 90): a file system
        // that does not move a directory's time would otherwise hide a file dropped there.
        ws.mirror().forget_scanned()?;
        ws.adopt_strays(lock)?;
    }
    // How Claude Code runs the hooks: not the journal, but what makes it work unattended.
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    let project = crate::install::Project::of(&ws);
    report.hooks = crate::install::installed_hooks(&project, home.as_deref());
    let mut setup = setup_problems(&ws, &project, home.as_deref(), &report.hooks);
    setup.extend(lock_problems(&ws));
    let setup_code = i32::from(!setup.is_empty());
    report.problems.extend(setup);
    let mut problems = check(&ws)?;
    if let Some(lock) = lock
        .as_ref()
        .filter(|_| problems.iter().any(|p| matches!(p.fix, Some(Fix::Refresh))))
    {
        ws.refresh(lock)?;
        report
            .repaired
            .push("brought .sessions/ up to refs/sessions".to_string());
        problems = check(&ws)?;
    }
    if problems.is_empty() {
        ctx.flush_warnings(&ws);
        return Ok(report.emit(ctx, setup_code));
    }
    for p in &problems {
        let hint = match (&p.fix, a.repair) {
            (Some(_), false) => " (doctor --repair fixes this)",
            // A problem whose text already names the command that fixes it needs no hint.
            (None, _) if p.what.contains("; run git session ") => "",
            (None, _) => " (needs a hand fix)",
            _ => "",
        };
        report.problems.push(format!("{}{hint}", p.what));
    }
    let Some(lock) = lock else {
        ctx.flush_warnings(&ws);
        return Ok(report.emit(ctx, 1));
    };
    let mut to_commit = TreeChanges::new();
    let mut unfixed = 0;
    for p in &problems {
        match &p.fix {
            Some(Fix::Restore(path, id)) => {
                ws.mirror().write(path, &ws.store().blob(*id)?)?;
                report
                    .repaired
                    .push(format!("restored {MIRROR_DIR}/{path} from refs/sessions"));
            }
            Some(Fix::Commit(path)) => {
                if let Some(bytes) = ws.mirror().read(path)? {
                    to_commit.insert(path.clone(), Some(bytes));
                }
            }
            Some(Fix::DropCurrent) => {
                ws.set_current(None)?;
                report
                    .repaired
                    .push("cleared the dangling current-session pointer".to_string());
            }
            Some(Fix::RestoreRef(id)) => {
                ws.store()
                    .compare_and_swap(None, *id, "doctor: restore refs/sessions")?;
                report
                    .repaired
                    .push(format!("refs/sessions points at {id} again"));
            }
            Some(Fix::Refresh) => {}
            None => unfixed += 1,
        }
    }
    if !to_commit.is_empty() {
        let n = to_commit.len();
        ws.commit(&lock, JournalCommand::Doctor, |_| {
            Ok(Planned {
                changes: to_commit.clone(),
                shortname: "journal".into(),
                summary: format!("commit {n} stray edits"),
                touched: vec![],
            })
        })?;
        for path in to_commit.keys() {
            report
                .repaired
                .push(format!("committed {MIRROR_DIR}/{path}"));
        }
    }
    ctx.flush_warnings(&ws);
    Ok(report.emit(ctx, if unfixed > 0 { 1 } else { setup_code }))
}

/// A lock file around `refs/sessions` (`refs/sessions.lock`, `packed-refs.lock`): while it
/// is there, every write of the journal waits, and git's own ref updates fail. A lock names no
/// owner, so doctor does not remove it: it says how old it is and how to remove it (decision 70).
fn lock_problems(ws: &Workspace) -> Vec<String> {
    let mut out = Vec::new();
    for rel in [
        format!("{}.lock", crate::store::SESSIONS_REF),
        "packed-refs.lock".to_string(),
    ] {
        let path = ws.common_dir().join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .map(|a| format!("{} s old", a.as_secs()))
            .unwrap_or_else(|| "age unknown".into());
        out.push(format!(
            "{rel} exists ({age}): a git process is updating refs, or one was killed doing so; if no git or git-session is running, remove it: rm '{}'",
            path.display()
        ));
    }
    out
}

/// Hooks that cannot run (a binary gone, `git session` left to PATH) or run twice (installed in
/// settings and as the plugin), each as one line.
fn setup_problems(
    ws: &Workspace,
    project: &crate::install::Project,
    home: Option<&std::path::Path>,
    installed: &[crate::install::Installed],
) -> Vec<String> {
    let mut out = crate::install::unrunnable_hooks(installed);
    out.extend(crate::install::codex_trust_problems(project, home));
    out.extend(crate::install::agent_problems(project, home));
    out.extend(crate::install::doubled_installs(ws.worktree(), home));
    if let Some(event) = crate::hooks::claude::doubled(ws.state_dir()) {
        out.push(format!(
            "git-session hooks ran twice for one event ({}), once from the plugin and once from settings: keep one (git session install --uninstall removes the settings copy)",
            event.split('\u{1f}').next().unwrap_or_default()
        ));
    }
    out
}

fn check(ws: &Workspace) -> Result<Vec<Problem>> {
    let mut out = Vec::new();
    let store = ws.store();
    let tip = match store.tip() {
        Ok(t) => t,
        Err(e) => {
            out.push(Problem {
                what: e.to_string(),
                fix: None,
            });
            return Ok(out);
        }
    };
    let problem = |what: String, fix: Option<Fix>| Problem { what, fix };
    // A fetched journal without its blobs (a plain filtered `git fetch` in a partial clone)
    // cannot be merged; the next `sync` fetches it again whole.
    for (key, id) in store.tracking_refs()? {
        if crate::sync::incomplete(ws, id) {
            out.push(problem(
                format!(
                    "the journal fetched from {key} ({id}) lacks objects (a filtered fetch in a partial clone); run git session sync, which fetches it again whole"
                ),
                None,
            ));
        }
    }
    let Some(tip) = tip else {
        let last = ws.mirror().last_seen()?.filter(|id| store.has_object(*id));
        if let Some(last) = last {
            out.push(problem(
                format!("refs/sessions is missing; {MIRROR_DIR}/ was last at {last}"),
                Some(Fix::RestoreRef(last)),
            ));
        } else if ws.mirror().exists() && !ws.mirror().walk("")?.is_empty() {
            out.push(problem(
                format!("{MIRROR_DIR}/ has files but refs/sessions does not exist"),
                None,
            ));
        }
        return Ok(out);
    };
    if !ws.is_bare() && ws.mirror().last_seen()? != Some(tip) {
        out.push(problem(
            format!("{MIRROR_DIR}/ has not caught up with refs/sessions"),
            Some(Fix::Refresh),
        ));
        return Ok(out);
    }
    let tree = store.tree_of(tip)?;
    let blobs: BTreeMap<String, gix::ObjectId> = store.walk(tree)?.into_iter().collect();
    // A bare repository has no mirror: only the ref is checked.
    if !ws.is_bare() {
        check_mirror(ws, &blobs, &mut out)?;
    }
    // The files in the ref parse and agree with their names.
    let mut ids_seen: HashMap<String, String> = HashMap::new();
    let mut shorts_seen: HashMap<String, String> = HashMap::new();
    for (path, id) in &blobs {
        let origin = format!("refs/sessions:{path}");
        if is_session_path(path) {
            let name = path.rsplit('/').next().unwrap_or_default();
            let Some((_, short)) = ids::parse_file_name(name) else {
                out.push(problem(
                    format!("{origin}: not named <shortname>-<8 hex>.md"),
                    None,
                ));
                continue;
            };
            let file = match SessionFile::parse_bytes(&origin, &store.blob(*id)?) {
                Ok(f) => f,
                Err(e) => {
                    out.push(problem(e.to_string(), None));
                    continue;
                }
            };
            if ids::short_of(&file.meta.id).as_deref() != Some(short) {
                out.push(problem(
                    format!(
                        "{origin}: id {} does not end in the file's short id {short}",
                        file.meta.id
                    ),
                    None,
                ));
            }
            if file.meta.status.is_archived() != path.starts_with("archive/") {
                out.push(problem(
                    format!(
                        "{origin}: status {} does not belong in {}",
                        file.meta.status.as_str(),
                        path.split('/').next().unwrap_or_default()
                    ),
                    None,
                ));
            }
            if let Some(other) = ids_seen.insert(file.meta.id.clone(), path.clone()) {
                out.push(problem(format!("{origin}: same id as {other}"), None));
            }
            if let Some(other) = shorts_seen.insert(short.to_string(), path.clone()) {
                out.push(problem(format!("{origin}: same short id as {other}"), None));
            }
        } else if let crate::layout::PathKind::Entry { short, name } =
            crate::layout::PathKind::of(path)
        {
            let (short, name) = (short.as_str(), name.as_str());
            {
                if !entry::is_entry_name(name) {
                    out.push(problem(
                        format!("{origin}: not named <time>-<kind>-<hex>.md"),
                        None,
                    ));
                }
                match JournalEntry::parse(&origin, &store.blob(*id)?) {
                    Ok(e) if ids::short_of(&e.meta.session).as_deref() != Some(short) => {
                        out.push(problem(
                            format!(
                                "{origin}: belongs to session {}, not {short}",
                                e.meta.session
                            ),
                            None,
                        ));
                    }
                    Ok(_) => {}
                    Err(e) => out.push(problem(e.to_string(), None)),
                }
            }
        }
    }
    if let Some(id) = ws.current_id()? {
        let exists = ids::short_of(&id)
            .map(|s| ws.by_short(&s))
            .transpose()?
            .flatten()
            .is_some();
        if !exists {
            out.push(problem(
                format!("current session {id} does not exist"),
                Some(Fix::DropCurrent),
            ));
        }
    }
    Ok(out)
}

/// The mirror against the ref's files `blobs`: missing, edited, renamed by hand, or extra files.
fn check_mirror(
    ws: &Workspace,
    blobs: &BTreeMap<String, gix::ObjectId>,
    out: &mut Vec<Problem>,
) -> Result<()> {
    let problem = |what: String, fix: Option<Fix>| Problem { what, fix };
    // A session file renamed by hand: the ref's path is gone from the mirror and another file
    // of the mirror has its short id. Committing the new name removes the old one.
    let mut renamed: HashMap<String, String> = HashMap::new();
    for s in ws.sessions()? {
        let path = s.render();
        if !blobs.contains_key(&path) {
            renamed.insert(s.short.clone(), path);
        }
    }
    // Mirror against ref.
    for (path, id) in blobs {
        match ws.mirror().read(path) {
            Ok(None) => match SessionPath::parse(path).and_then(|s| renamed.remove(&s.short)) {
                Some(new) => out.push(problem(
                    format!("{MIRROR_DIR}/{path}: renamed by hand to {MIRROR_DIR}/{new}"),
                    Some(Fix::Commit(new)),
                )),
                None => out.push(problem(
                    format!("{MIRROR_DIR}/{path}: missing from the mirror"),
                    Some(Fix::Restore(path.clone(), *id)),
                )),
            },
            Ok(Some(bytes)) if blob_id(&bytes) != *id => {
                let parses =
                    !is_session_path(path) || SessionFile::parse_bytes(path, &bytes).is_ok();
                let fix = parses.then(|| Fix::Commit(path.clone()));
                out.push(problem(
                    format!("{MIRROR_DIR}/{path}: edited but not committed"),
                    fix,
                ));
            }
            Ok(Some(_)) => {}
            Err(e) => out.push(problem(e.to_string(), None)),
        }
    }
    let renames: Vec<String> = out
        .iter()
        .filter_map(|p| match &p.fix {
            Some(Fix::Commit(path)) => Some(path.clone()),
            _ => None,
        })
        .collect();
    for path in ws.mirror().walk("")? {
        if blobs.contains_key(&path) || renames.contains(&path) {
            continue;
        }
        if path.ends_with(".theirs") {
            out.push(problem(format!("{MIRROR_DIR}/{path}: the other side of a merge that could not be done; merge it by hand, then delete it"), None));
            continue;
        }
        if is_session_path(&path) && SessionPath::parse(&path).is_none() {
            // Adopted (or refused, with the reason) by `doctor --repair`, never committed as it is.
            out.push(problem(
                format!("{MIRROR_DIR}/{path}: a session file not named <shortname>-<short>.md of its own id"),
                None,
            ));
            continue;
        }
        let parses = match ws.mirror().read(&path) {
            Ok(Some(b)) if is_session_path(&path) => SessionFile::parse_bytes(&path, &b).is_ok(),
            Ok(_) => true,
            Err(e) => {
                out.push(problem(e.to_string(), None));
                continue;
            }
        };
        out.push(problem(
            format!("{MIRROR_DIR}/{path}: not in refs/sessions"),
            parses.then(|| Fix::Commit(path.clone())),
        ));
    }
    Ok(())
}

fn is_session_path(path: &str) -> bool {
    (path.starts_with("active/") || path.starts_with("archive/"))
        && path.ends_with(".md")
        && path.matches('/').count() == 1
}
