//! End-to-end: the real Claude Code client, OpenAI Codex CLI and Gemini CLI, with git-session's
//! hooks, against a mock Messages API, a mock Responses API and a mock Gemini API.
//!
//! Its own runner (`harness = false`) for the three [`SUITES`]: each client is located (or
//! installed) once, and when one cannot be had its scenarios are skipped with one line
//! (`e2e: SKIPPED (<reason>)` for Claude Code, `e2e: codex SKIPPED (<reason>)`,
//! `e2e: gemini SKIPPED (<reason>)`) and the suite passes. Scenarios of all three run in one
//! pool, a few at a time; `cargo test --test e2e -- NAME` runs those whose name contains NAME, and
//! `--skip NAME` leaves them out. Scenarios named `defect_…` (behaviour git-session does not
//! have yet) run only when a NAME selects them.

mod client;
mod codex;
mod codex_mock;
mod codex_scenarios;
mod gemini;
mod mock;
mod scenarios;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A finished scenario: its name, whether it passed, how long it took in seconds.
type Outcome = (&'static str, bool, f64);

/// A scenario to run: its name, its body, its client's binary.
type Job = (&'static str, fn(&std::path::Path), PathBuf);

/// A scenario: its name and body, which gets the client's binary.
pub type Scenario = (&'static str, fn(&std::path::Path));

/// The scenarios of one client, how to get the client, and the line that says it was skipped.
struct Suite {
    scenarios: &'static [Scenario],
    locate: fn() -> Result<PathBuf, String>,
    skipped: &'static str,
}

const SUITES: &[Suite] = &[
    Suite {
        scenarios: scenarios::ALL,
        locate: client::locate,
        skipped: "e2e: SKIPPED",
    },
    Suite {
        scenarios: codex_scenarios::ALL,
        locate: codex::locate,
        skipped: "e2e: codex SKIPPED",
    },
    Suite {
        scenarios: gemini::scenarios::ALL,
        locate: gemini::locate,
        skipped: "e2e: gemini SKIPPED",
    },
];

/// How many scenarios run at once. Each is one client (a busy process for a second or two,
/// then mostly waiting on hooks and the mock); more than this on two cores only slows each.
fn parallelism() -> usize {
    std::env::var("GIT_SESSION_E2E_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for suite in SUITES {
            for (name, _) in suite.scenarios {
                println!("{name}: test");
            }
        }
        return;
    }
    // libtest's way: free words select by substring, `--skip WORD` leaves out.
    let mut filters: Vec<&str> = Vec::new();
    let mut skips: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--skip" {
            skips.extend(it.next().map(String::as_str));
        } else if !a.starts_with('-') {
            filters.push(a);
        }
    }
    let selected = |name: &str| {
        let named = filters.iter().any(|f| name.contains(f));
        (named || (filters.is_empty() && !name.starts_with("defect_")))
            && !skips.iter().any(|s| name.contains(s))
    };
    // Each chosen scenario with its client's binary; a client that cannot be had skips its own.
    let mut chosen: Vec<Job> = Vec::new();
    let mut clients: Vec<String> = Vec::new();
    let mut matched = false;
    for suite in SUITES {
        let mine: Vec<Scenario> = suite
            .scenarios
            .iter()
            .copied()
            .filter(|(name, _)| selected(name))
            .collect();
        if mine.is_empty() {
            continue;
        }
        matched = true;
        match (suite.locate)() {
            Ok(bin) => {
                clients.push(bin.display().to_string());
                chosen.extend(mine.into_iter().map(|(n, b)| (n, b, bin.clone())));
            }
            Err(reason) => println!("{} ({})", suite.skipped, reason.replace('\n', " ")),
        }
    }
    if !matched {
        println!("e2e: no scenario matches {filters:?}");
        return;
    }
    if chosen.is_empty() {
        return;
    }
    let started = Instant::now();
    println!(
        "e2e: {} scenario(s) with {} ({} at a time)",
        chosen.len(),
        clients.join(" and "),
        parallelism()
    );

    // A panic's message goes to the failure report, not to interleaved stderr.
    let messages: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    {
        let messages = messages.clone();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("?").to_string();
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            messages
                .lock()
                .expect("messages lock")
                .push((name, format!("{at}: {msg}")));
        }));
    }

    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let workers: Vec<_> = (0..parallelism().min(chosen.len()))
        .map(|_| {
            let (next, results, chosen) = (next.clone(), results.clone(), chosen.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((name, body, bin)) = chosen.get(i).cloned() else {
                        break;
                    };
                    let t = Instant::now();
                    let ok = std::thread::Builder::new()
                        .name(name.into())
                        .spawn(move || {
                            std::panic::catch_unwind(AssertUnwindSafe(|| body(&bin))).is_ok()
                        })
                        .expect("scenario thread")
                        .join()
                        .unwrap_or(false);
                    let secs = t.elapsed().as_secs_f64();
                    println!(
                        "test {name} ... {} ({secs:.1} s)",
                        if ok { "ok" } else { "FAILED" }
                    );
                    results.lock().expect("results lock").push((name, ok, secs));
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }

    let results = results.lock().expect("results lock");
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(n, _, _)| *n)
        .collect();
    if !failed.is_empty() {
        println!("\nfailures:");
        for (name, msg) in messages.lock().expect("messages lock").iter() {
            if failed.contains(&name.as_str()) {
                println!("\n---- {name} ----\n{msg}");
            }
        }
        println!("\nfailed: {}", failed.join(", "));
    }
    println!(
        "\ne2e: {} passed; {} failed; finished in {:.1} s",
        results.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
