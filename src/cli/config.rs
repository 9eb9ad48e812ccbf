//! `git session config <key> [<value>]`: git-session's settings, kept in git config under
//! `session.*` (`git session config sync.auto true` is `git config session.sync.auto true`,
//! with the value checked first).

use crate::cli::Context;
use crate::error::{Error, Result};

/// The keys git-session reads, with what each holds (docs/cli.md, "config").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// `sync.auto`: SessionStart (startup, resume, clear) fetches and merges the remote journal.
    SyncAuto,
    /// `sync.budget`: the most SessionStart spends on that, in milliseconds.
    SyncBudget,
    /// `commit.trailer`: a boolean read by the commit-trailer git hook.
    CommitTrailer,
    /// `secrets.allow`: allow-list entries of the secret guard; a list, so a value is added.
    SecretsAllow,
}

impl Key {
    const ALL: [(&'static str, Key); 4] = [
        ("sync.auto", Key::SyncAuto),
        ("sync.budget", Key::SyncBudget),
        ("commit.trailer", Key::CommitTrailer),
        ("secrets.allow", Key::SecretsAllow),
    ];

    fn parse(s: &str) -> Option<Key> {
        // git's section names are case-insensitive (git-config(1), "Syntax").
        let s = match s.get(..8) {
            Some(head) if head.eq_ignore_ascii_case("session.") => &s[8..],
            _ => s,
        };
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, k)| *k)
    }

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .expect("every key is in ALL")
    }

    /// What an unset key means.
    fn default(self) -> Option<String> {
        match self {
            Key::SyncAuto => Some("false".into()),
            // On unless turned off (src/code.rs, decision 111).
            Key::CommitTrailer => Some("true".into()),
            Key::SyncBudget => Some(crate::hooks::SYNC_BUDGET.as_millis().to_string()),
            Key::SecretsAllow => None,
        }
    }

    /// `value` as it is stored, or why it is not a value of this key (what follows the value
    /// in `session.<key>: '<value>' …`).
    fn check(self, value: &str) -> std::result::Result<String, String> {
        match self {
            Key::SyncAuto | Key::CommitTrailer => parse_bool(value)
                .map(|b| b.to_string())
                .ok_or_else(|| "is not a boolean (true or false)".to_string()),
            Key::SyncBudget => value
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=crate::hooks::MAX_SYNC_BUDGET_MS).contains(ms))
                .map(|ms| ms.to_string())
                .ok_or_else(|| {
                    format!(
                        "is not milliseconds, 1 to {}",
                        crate::hooks::MAX_SYNC_BUDGET_MS
                    )
                }),
            Key::SecretsAllow => {
                let (_, bad) =
                    crate::sync::secrets::AllowList::parse(std::slice::from_ref(&value.into()));
                match bad.into_iter().next() {
                    None => Ok(value.to_string()),
                    Some((_, why)) => Err(why),
                }
            }
        }
    }
}

/// git's boolean spellings (git-config(1), "Values").
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key: sync.auto, sync.budget, commit.trailer, secrets.allow (session. optional).
    #[arg(value_name = "KEY")]
    key: String,
    /// The new value (a list key adds it); without it, the value in force is printed.
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    value: Option<String>,
    /// Remove the key (every value of a list).
    #[arg(long, conflicts_with = "value")]
    unset: bool,
}

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let names: Vec<&str> = Key::ALL.iter().map(|(n, _)| *n).collect();
    let Some(key) = Key::parse(&a.key) else {
        return Err(Error::Usage(format!(
            "'{}' is not a git-session setting; the settings are: {}",
            a.key,
            names.join(", ")
        )));
    };
    let ws = ctx.workspace_for_reading()?;
    let full = format!("session.{}", key.name());
    let git = |args: &[&str]| -> Result<std::process::Output> {
        crate::gitproc::command(ws.worktree())
            .arg("config")
            .args(args)
            .output()
            .map_err(|e| Error::io("git", e))
    };
    let failed = |out: &std::process::Output| {
        Error::Usage(format!(
            "git config {full}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    let p = &ctx.printer;
    if a.unset {
        let out = git(&["--unset-all", &full])?;
        // 5: the key was not set, which is what was asked for.
        if !out.status.success() && out.status.code() != Some(5) {
            return Err(failed(&out));
        }
        if p.json {
            p.json(&serde_json::json!({ "key": full, "set": false }));
        }
        return Ok(0);
    }
    let Some(value) = a.value else {
        let out = git(&["--get-all", &full])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let values: Vec<&str> = text.lines().collect();
        if key == Key::SecretsAllow {
            // A list: the entries in force, the default being none (exit 1 when none, as `git
            // config`). One the guard ignores (set with plain git config) is named on stderr, as
            // `sync` names it, and kept out of the list in force.
            let (in_force, ignored): (Vec<&str>, Vec<&str>) =
                values.iter().partition(|v| match key.check(v) {
                    Ok(_) => true,
                    Err(why) => {
                        p.warn(&crate::sync::secrets::ignored_entry(v, &why));
                        false
                    }
                });
            if p.json {
                let mut doc = serde_json::json!({ "key": full, "values": in_force });
                if !ignored.is_empty() {
                    doc["ignored"] = ignored.into();
                }
                p.json(&doc);
            } else {
                in_force.iter().for_each(|v| p.out(v));
            }
            return Ok(if in_force.is_empty() { 1 } else { 0 });
        }
        // The value in force, as the hooks read it: one they cannot read (set with plain git
        // config, `bogus`) leaves the default in force, which is said, with the value.
        let default = key.default().unwrap_or_default();
        let (shown, stored) = match values.last() {
            None => (default, None),
            Some(last) => match key.check(last) {
                Ok(v) => (v, None),
                Err(why) => {
                    p.warn(&format!(
                        "{full}: '{last}' {why}; the default, {default}, is in force"
                    ));
                    (default, Some(*last))
                }
            },
        };
        if p.json {
            let mut doc =
                serde_json::json!({ "key": full, "value": shown, "set": !values.is_empty() });
            if let Some(stored) = stored {
                doc["stored"] = stored.into();
            }
            p.json(&doc);
        } else {
            p.out(&shown);
        }
        return Ok(0);
    };
    let stored = key
        .check(&value)
        .map_err(|why| Error::Usage(format!("{full}: '{value}' {why}")))?;
    // A list gets a value added, unless it is there already; any other key gets it set.
    let already = key == Key::SecretsAllow
        && String::from_utf8_lossy(&git(&["--get-all", &full])?.stdout)
            .lines()
            .any(|l| l == stored);
    if !already {
        let out = if key == Key::SecretsAllow {
            git(&["--add", &full, &stored])?
        } else {
            git(&[&full, &stored])?
        };
        if !out.status.success() {
            return Err(failed(&out));
        }
    }
    if p.json {
        p.json(&serde_json::json!({ "key": full, "value": stored, "set": true }));
    }
    Ok(0)
}
