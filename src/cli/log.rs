//! `git session log`: one journal entry, and the matching section of the session file.

use clap::ArgGroup;

use crate::cli::Context;
use crate::error::{Error, Result};
use crate::model::session::NewDecision;
use crate::model::text;
use crate::store::JournalCommand;
use crate::workspace::SessionEdit;

#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("kind").required(true).multiple(false)))]
pub struct Args {
    /// A timestamped note under the current step.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    progress: Option<String>,
    /// A decision; needs --rationale.
    #[arg(
        long,
        group = "kind",
        value_name = "TEXT",
        allow_hyphen_values = true,
        requires = "rationale"
    )]
    decision: Option<String>,
    /// Something found out.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    discovery: Option<String>,
    /// Something in the way.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    blocker: Option<String>,
    /// Resolve blocker N.
    #[arg(long, group = "kind", value_name = "N")]
    unblock: Option<u32>,
    /// Add to Next Steps.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    next: Option<String>,
    /// Mark a step completed (added if absent); the next step becomes current.
    #[arg(long, group = "kind", value_name = "STEP", allow_hyphen_values = true)]
    done: Option<String>,
    /// Add a step to Remaining.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    step: Option<String>,
    /// Add to Key Context.
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    context: Option<String>,
    /// An approach that did not work, for Tried and Failed (with --why: the reason).
    #[arg(long, group = "kind", value_name = "TEXT", allow_hyphen_values = true)]
    dead_end: Option<String>,
    /// Add to Key Files (with --why).
    #[arg(long, group = "kind", value_name = "PATH", allow_hyphen_values = true)]
    file: Option<String>,
    /// Why the decision was taken.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    rationale: Option<String>,
    /// The options that were weighed (with --decision).
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    options: Option<String>,
    /// Context of a decision, why a file matters, or why an approach failed (with --decision,
    /// --file or --dead-end).
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    why: Option<String>,
    #[command(flatten)]
    session: crate::cli::SessionArg,
}

/// The one thing being logged, parsed from the flags.
enum Kind {
    Progress(String),
    Decision(NewDecision),
    Discovery(String),
    Blocker(String),
    Unblock(u32),
    Next(String),
    Done(String),
    Step(String),
    Context(String),
    File(String, Option<String>),
    DeadEnd(String, Option<String>),
}

/// Most bytes `-` reads from stdin for one text.
const STDIN_TEXT_LIMIT: u64 = 16 * 1024 * 1024;

/// `-` stands for standard input: a single argument is limited to 128 KiB on Linux.
fn text_arg(v: Option<String>) -> Result<Option<String>> {
    match v.as_deref() {
        Some("-") => {
            use std::io::Read;
            let mut buf = Vec::new();
            std::io::stdin()
                .take(STDIN_TEXT_LIMIT + 1)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io("stdin", e))?;
            if buf.len() as u64 > STDIN_TEXT_LIMIT {
                return Err(Error::Usage("text on stdin is larger than 16 MiB".into()));
            }
            Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
        }
        _ => Ok(v),
    }
}

impl Kind {
    fn from_args(mut a: Args) -> Result<(Kind, Option<String>)> {
        for slot in [
            &mut a.progress,
            &mut a.decision,
            &mut a.discovery,
            &mut a.blocker,
            &mut a.next,
            &mut a.done,
            &mut a.step,
            &mut a.context,
            &mut a.dead_end,
            &mut a.rationale,
        ] {
            *slot = text_arg(slot.take())?;
        }
        let nonempty = |flag: &str, v: String| {
            if text::clean(&v).is_empty() {
                Err(Error::Usage(format!("--{flag} needs some text")))
            } else {
                Ok(v)
            }
        };
        if a.rationale.is_some() && a.decision.is_none() {
            return Err(Error::Usage("--rationale goes with --decision".into()));
        }
        if a.options.is_some() && a.decision.is_none() {
            return Err(Error::Usage("--options goes with --decision".into()));
        }
        if a.why.is_some() && a.decision.is_none() && a.file.is_none() && a.dead_end.is_none() {
            return Err(Error::Usage(
                "--why goes with --decision, --file or --dead-end".into(),
            ));
        }
        let kind = if let Some(t) = a.progress {
            Kind::Progress(nonempty("progress", t)?)
        } else if let Some(t) = a.decision {
            Kind::Decision(NewDecision {
                title: nonempty("decision", t)?,
                rationale: nonempty("rationale", a.rationale.expect("clap requires it"))?,
                options: a.options,
                context: a.why,
            })
        } else if let Some(t) = a.discovery {
            Kind::Discovery(nonempty("discovery", t)?)
        } else if let Some(t) = a.blocker {
            Kind::Blocker(nonempty("blocker", t)?)
        } else if let Some(n) = a.unblock {
            Kind::Unblock(n)
        } else if let Some(t) = a.next {
            Kind::Next(nonempty("next", t)?)
        } else if let Some(t) = a.done {
            Kind::Done(nonempty("done", t)?)
        } else if let Some(t) = a.step {
            Kind::Step(nonempty("step", t)?)
        } else if let Some(t) = a.context {
            Kind::Context(nonempty("context", t)?)
        } else if let Some(t) = a.file {
            Kind::File(nonempty("file", t)?, a.why)
        } else if let Some(t) = a.dead_end {
            Kind::DeadEnd(nonempty("dead-end", t)?, a.why)
        } else {
            unreachable!("clap requires one kind")
        };
        Ok((kind, a.session.session))
    }

    fn name(&self) -> &'static str {
        match self {
            Kind::Progress(_) => "progress",
            Kind::Decision(_) => "decision",
            Kind::Discovery(_) => "discovery",
            Kind::Blocker(_) => "blocker",
            Kind::Unblock(_) => "unblock",
            Kind::Next(_) => "next",
            Kind::Done(_) => "done",
            Kind::Step(_) => "step",
            Kind::Context(_) => "context",
            Kind::File(..) => "file",
            Kind::DeadEnd(..) => "dead-end",
        }
    }
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let (kind, session) = Kind::from_args(a)?;
    let (ws, lock) = ctx.workspace_for_write()?;
    let (target, _) = ws.change_session(
        &lock,
        JournalCommand::Log,
        session.as_deref(),
        |file, now| {
            let (file, body, summary) = match &kind {
                Kind::Progress(t) => (
                    file.add_progress_note(t, now)?,
                    text::clean(t),
                    text::one_line(t),
                ),
                Kind::Decision(d) => {
                    let f = file.add_decision(d, now)?;
                    let mut body = format!("**Decision:** {}\n", text::clean(&d.title));
                    for (label, v) in [("Context", &d.context), ("Options", &d.options)] {
                        if let Some(v) = v {
                            body.push_str(&format!("\n**{label}:** {}\n", text::clean(v)));
                        }
                    }
                    body.push_str(&format!("\n**Rationale:** {}\n", text::clean(&d.rationale)));
                    (f, body, text::one_line(&d.title))
                }
                Kind::Discovery(t) => (
                    file.add_discovery(t, now)?,
                    text::clean(t),
                    text::one_line(t),
                ),
                Kind::Blocker(t) => (file.add_blocker(t, now)?, text::clean(t), text::one_line(t)),
                Kind::Unblock(n) => {
                    let b = file
                        .view()
                        .blockers
                        .into_iter()
                        .find(|b| b.number == Some(*n))
                        .map(|b| b.text)
                        .unwrap_or_default();
                    let f = file.resolve_blocker(*n, now)?;
                    (
                        f,
                        format!("Resolved blocker {n}: {}", text::clean(&b)),
                        format!("blocker {n} resolved"),
                    )
                }
                Kind::Next(t) => (file.add_next(t)?, text::clean(t), text::one_line(t)),
                Kind::Done(t) => (
                    file.complete_step(t, now)?,
                    text::clean(t),
                    text::one_line(t),
                ),
                Kind::Step(t) => (file.add_step(t)?, text::clean(t), text::one_line(t)),
                Kind::Context(t) => (file.add_context(t)?, text::clean(t), text::one_line(t)),
                Kind::File(p, why) => {
                    let f = file.add_file(p, why.as_deref())?;
                    let body = match why {
                        Some(w) => format!("{} — {}", text::code_span(p), text::clean(w)),
                        None => text::code_span(p),
                    };
                    (f, body, text::one_line(p))
                }
                Kind::DeadEnd(t, why) => {
                    let f = file.add_dead_end(t, why.as_deref(), now)?;
                    let body = match why {
                        Some(w) => format!(
                            "**Tried:** {}\n\n**Why it failed:** {}\n",
                            text::clean(t),
                            text::clean(w)
                        ),
                        None => format!("**Tried:** {}\n", text::clean(t)),
                    };
                    (f, body, text::one_line(t))
                }
            };
            // The TL;DR's status lines (progress fraction, current step, blocker) follow the
            // commands that change what they say — the seed's rule; other bytes stay.
            let file = match &kind {
                Kind::Done(_) | Kind::Step(_) | Kind::Blocker(_) | Kind::Unblock(_) => {
                    file.refresh_status_lines()?
                }
                _ => file,
            };
            Ok(SessionEdit {
                file: file.touch(now)?,
                kind: kind.name().into(),
                body,
                summary: format!("{}: {summary}", kind.name()),
            })
        },
    )?;
    ctx.flush_warnings(&ws);
    ctx.printer.committed(
        &format!("Logged {} to {}", kind.name(), target.shortname),
        &serde_json::json!({
            "command": "log",
            "kind": kind.name(),
            "session": target.shortname,
            "short": target.short,
            "path": format!(".sessions/{}", target.render()),
        }),
    );
    Ok(0)
}
