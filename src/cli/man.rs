//! `git session man` and `install --man`: manual pages made from the command line definitions
//! (clap_mangen), so that `git session --help`, which git turns into `man git-session`, finds
//! one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, Context};
use crate::error::{Error, IoContext, Result};
use crate::mirror::write_atomic;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page of one subcommand (`git-session-log`) instead of the main one.
    #[arg(value_name = "SUBCOMMAND")]
    sub: Option<String>,
}

/// Print one page's roff source on stdout (for packagers, or `man -l <(git session man)`).
pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let pages = pages();
    let want = match &a.sub {
        Some(s) => format!("git-session-{s}.1"),
        None => "git-session.1".to_string(),
    };
    let Some((_, roff)) = pages.iter().find(|(name, _)| *name == want) else {
        return Err(Error::Usage(format!(
            "no manual page for '{}': name a subcommand (see: git session -h)",
            a.sub.as_deref().unwrap_or_default()
        )));
    };
    let _ = ctx;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(roff.as_bytes());
    Ok(0)
}

/// Every page, by file name: `git-session.1`, then `git-session-<sub>.1` for each visible
/// subcommand, as roff text.
pub fn pages() -> Vec<(String, String)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Builds the subcommands' display names (`git-session-log`), which name their pages.
    cmd.build();
    let mut out = Vec::new();
    let render = |c: clap::Command| {
        let man = clap_mangen::Man::new(c).manual("Git Session Manual");
        let mut buf = Vec::new();
        man.render(&mut buf)
            .expect("rendering into memory does not fail");
        let text = String::from_utf8(buf).expect("clap_mangen writes UTF-8");
        // clap_mangen leaves out an empty date instead of writing `""`, which shifts the
        // source and manual into the date's and source's places in the page's header/footer.
        let text = text.replacen(" 1  \"", " 1 \"\" \"", 1);
        (man.get_filename(), text)
    };
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    out.push(render(cmd));
    for s in subs {
        out.push(render(s));
    }
    out
}

/// Where `install --man` writes the pages: `$XDG_DATA_HOME/man/man1`, else
/// `~/.local/share/man/man1`. man-db finds `~/.local/share/man` through its PATH-derived
/// search path when `~/.local/bin` is on `PATH` (man-db's manpath(5): for each PATH directory
/// `d`, `d/../share/man` is searched).
pub fn man_dir(home: Option<&Path>) -> Result<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute());
    match (data, home) {
        (Some(d), _) => Ok(d.join("man/man1")),
        (None, Some(h)) => Ok(h.join(".local/share/man/man1")),
        (None, None) => Err(Error::NoHome),
    }
}

/// What `install --man` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct ManReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Files left in place, with why.
    pub kept: Vec<(PathBuf, String)>,
    /// Whether `man` finds the page, and what to do if it does not.
    pub notes: Vec<String>,
}

/// Our mark in a page we wrote (clap_mangen's title line names the page and our manual).
fn is_ours(text: &str) -> bool {
    text.lines()
        .take(5)
        .any(|l| l.starts_with(".TH git-session") && l.contains("Git Session Manual"))
}

/// Write (or with `uninstall`, remove) every page in `dir`. A file there that is not one of
/// ours (a page the user wrote under the same name) is left alone; a link is never followed.
pub fn install(dir: &Path, uninstall: bool) -> Result<ManReport> {
    let mut report = ManReport::default();
    for (name, roff) in pages() {
        let path = dir.join(&name);
        let meta = fs::symlink_metadata(&path).ok();
        if meta.as_ref().is_some_and(|m| !m.is_file()) {
            report
                .kept
                .push((path, "not a regular file; left alone".into()));
            continue;
        }
        let existing = meta.and_then(|_| fs::read_to_string(&path).ok());
        match (uninstall, existing) {
            (false, Some(t)) if t == roff => report.unchanged.push(path),
            (false, Some(t)) if !is_ours(&t) => report
                .kept
                .push((path, "not written by git-session; not overwritten".into())),
            (false, _) => {
                write_atomic(&path, roff.as_bytes())?;
                report.written.push(path);
            }
            (true, Some(t)) if is_ours(&t) => {
                fs::remove_file(&path).at(&path)?;
                report.removed.push(path);
            }
            (true, Some(_)) => report
                .kept
                .push((path, "not written by git-session; not removed".into())),
            (true, None) => {}
        }
    }
    if uninstall {
        // man1/ and man/ only when we left them empty.
        for d in [Some(dir), dir.parent()].into_iter().flatten() {
            if fs::read_dir(d).is_ok_and(|mut r| r.next().is_none()) {
                let _ = fs::remove_dir(d);
            }
        }
    } else {
        report.notes.push(found_by_man(dir));
    }
    Ok(report)
}

/// Ask `man -w git-session` whether it finds the page just written; the note says so, or
/// what to change (PATH or MANPATH) when it does not.
fn found_by_man(dir: &Path) -> String {
    let ours = dir.join("git-session.1");
    let found = std::process::Command::new("man")
        .args(["-w", "git-session"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let man_root = dir.parent().unwrap_or(dir);
    match found {
        Err(_) => format!(
            "no `man` on this machine: the pages are in {}",
            man_root.display()
        ),
        Ok(o) => {
            let path = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let same =
                !path.is_empty() && fs::canonicalize(&path).ok() == fs::canonicalize(&ours).ok();
            if same {
                "man finds it: `git session --help` opens it".to_string()
            } else {
                format!(
                    "man does not look in {}: put {} on PATH, or add that directory to MANPATH",
                    man_root.display(),
                    man_root
                        .parent()
                        .and_then(Path::parent)
                        .map(|p| p.join("bin").display().to_string())
                        .unwrap_or_else(|| "its bin/ directory".into())
                )
            }
        }
    }
}
