//! Attacks on the real binary: many processes at once, kill -9 at random moments, corrupt input.
//! Long variants: GIT_SESSION_LONG=1 cargo test --locked attacks -- --nocapture

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::Env;

fn long() -> bool {
    std::env::var_os("GIT_SESSION_LONG").is_some()
}

fn entries(env: &Env, dir: &Path) -> Vec<String> {
    env.git(
        dir,
        &["ls-tree", "-r", "--name-only", "refs/sessions", "journal/"],
    )
    .lines()
    .filter(|l| l.contains("/entries/"))
    .map(str::to_string)
    .collect()
}

/// Run each job list in its own process chain, all chains at the same time.
fn run_parallel(env: &Env, chains: Vec<Vec<(std::path::PathBuf, Vec<String>)>>) {
    let handles: Vec<_> = chains
        .into_iter()
        .map(|jobs| {
            let cmds: Vec<_> = jobs
                .into_iter()
                .map(|(dir, args)| {
                    let mut c = env.std_cmd(&dir);
                    c.args(&args);
                    (c, args)
                })
                .collect();
            std::thread::spawn(move || {
                for (mut c, args) in cmds {
                    let out = c.output().unwrap();
                    assert!(
                        out.status.success(),
                        "{args:?}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn many_processes_logging_at_once_lose_nothing() {
    let (procs, each) = if long() { (16, 50) } else { (8, 8) };
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(
        &repo,
        &["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()],
    );
    env.gs(&repo, &["init", "--name", "one", "--goal", "G"]);
    env.gs(&wt, &["init", "--name", "two", "--goal", "H"]);
    let started = Instant::now();
    // Half the processes on one session from the main worktree, half on another from the linked one.
    let chains: Vec<Vec<_>> = (0..procs)
        .map(|p| {
            let (dir, session) = if p % 2 == 0 {
                (repo.clone(), "one")
            } else {
                (wt.clone(), "two")
            };
            (0..each)
                .map(|i| {
                    (
                        dir.clone(),
                        vec![
                            "log".to_string(),
                            "-s".into(),
                            session.into(),
                            "--progress".into(),
                            format!("p{p}-{i}"),
                        ],
                    )
                })
                .collect()
        })
        .collect();
    run_parallel(&env, chains);
    let total = procs * each;
    println!(
        "{total} logs from {procs} processes in {:?}",
        started.elapsed()
    );
    assert_eq!(entries(&env, &repo).len(), total + 2);
    // History is a chain: one parent per commit, one commit per command.
    assert_eq!(
        env.git(&repo, &["rev-list", "--merges", "--count", "refs/sessions"])
            .trim(),
        "0"
    );
    assert_eq!(env.count(&repo), total + 2);
    let one: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["view", "one", "--json"])).unwrap();
    let two: serde_json::Value =
        serde_json::from_str(&env.gs(&wt, &["view", "two", "--json"])).unwrap();
    let n = |v: &serde_json::Value| v["progress"]["in_progress"].as_array().unwrap().len();
    assert_eq!(
        n(&one) + n(&two),
        total,
        "every note is in the session files"
    );
    // And in both mirrors.
    for dir in [&repo, &wt] {
        let tree = env.git(dir, &["ls-tree", "-r", "--name-only", "refs/sessions"]);
        for path in tree.lines() {
            assert!(
                dir.join(".sessions").join(path).exists(),
                "{path} missing from {}",
                dir.display()
            );
        }
    }
    env.fsck(&repo);
}

#[test]
fn kill_9_at_random_moments_loses_nothing_that_was_acknowledged() {
    let rounds = if long() { 300 } else { 40 };
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &[
            "init", "--name", "victim", "--goal", "G", "--step", "a", "--step", "b",
        ],
    );
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    // Kill anywhere in [0, 2x) a measured command's time, so about half finish and half die.
    let t = Instant::now();
    env.gs(&repo, &["log", "--progress", "calibration"]);
    let mut window = (t.elapsed().as_micros() as u64 * 2).max(1_000);
    let mut acknowledged = Vec::new();
    let mut killed = 0;
    let mut i = 0;
    // Keep going until the quota is done and both outcomes happened (the window adapts to a
    // machine whose speed changes under load), within a bound.
    while i < rounds || ((killed == 0 || acknowledged.is_empty()) && i < rounds * 4) {
        if i > 0 && i % 10 == 0 {
            if acknowledged.is_empty() {
                window *= 2;
            } else if killed == 0 {
                window = (window / 2).max(1_000);
            }
        }
        i += 1;
        let text = format!("k{i}");
        let args: Vec<String> = match rnd(3) {
            0 => vec!["log".into(), "--progress".into(), text.clone()],
            1 => vec!["checkpoint".into(), "--note".into(), text.clone()],
            _ => vec!["log".into(), "--discovery".into(), text.clone()],
        };
        let mut child = env
            .std_cmd(&repo)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rnd(window)));
        match child.try_wait().unwrap() {
            Some(status) => {
                if status.success() {
                    acknowledged.push(text);
                }
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
                killed += 1;
            }
        }
    }
    println!(
        "{i} commands, {killed} killed with SIGKILL, {} acknowledged",
        acknowledged.len()
    );
    // Without both outcomes the run proves nothing: no kill tests no crash, no acknowledgement
    // leaves nothing to look for.
    assert!(killed > 0, "no command was killed in {i} tries");
    assert!(
        !acknowledged.is_empty(),
        "no command was acknowledged in {i} tries"
    );
    // The next command is never blocked by anything a killed process left behind.
    env.gs(&repo, &["log", "--progress", "after the storm"]);
    let bodies: String = entries(&env, &repo)
        .iter()
        .map(|p| env.git(&repo, &["show", &format!("refs/sessions:{p}")]))
        .collect();
    for t in &acknowledged {
        assert_eq!(
            bodies.matches(&format!("\n{t}\n")).count(),
            1,
            "acknowledged {t} has not exactly one journal entry on refs/sessions"
        );
    }
    // No mirror file is half-written: every session file and entry parses.
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    assert_eq!(v["shortname"], "victim");
    let out = env.run(&repo, &["doctor"]);
    if !out.status.success() {
        env.gs(&repo, &["doctor", "--repair"]);
        assert_eq!(env.gs(&repo, &["doctor"]).trim(), "No problems found.");
    }
    env.fsck(&repo);
}

#[test]
fn corrupt_files_give_one_clear_line_and_touch_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "c", "--goal", "G"]);
    let path = env.active_file(&repo);
    let good = fs::read(&path).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 3].to_vec(), ".md:"),
        ("binary", vec![0u8, 1, 2, 3, 255, 254, 0, 7], ".md:1"),
        (
            "not UTF-8",
            [b"---\nid: x\n".as_slice(), &[0xff, 0xfe, 0xfd], b"\n---\n"].concat(),
            "UTF-8",
        ),
        (
            "broken frontmatter",
            String::from_utf8(good.clone())
                .unwrap()
                .replacen("id: ", "id: [", 1)
                .into_bytes(),
            ".md:2",
        ),
        (
            "no frontmatter",
            b"# just markdown\n".to_vec(),
            "frontmatter",
        ),
    ];
    for (name, bytes, needle) in cases {
        fs::write(&path, &bytes).unwrap();
        let before = env.count(&repo);
        let err = env.fails(&repo, &["log", "--progress", "x"], 1);
        assert!(
            err.contains(".sessions/active/c-") && err.contains(needle),
            "{name}: {err}"
        );
        assert_eq!(fs::read(&path).unwrap(), bytes, "{name}: file changed");
        assert_eq!(env.count(&repo), before, "{name}: committed something");
    }
    fs::write(&path, &good).unwrap();
    env.gs(&repo, &["log", "--progress", "fine again"]);
}

#[test]
fn a_ref_at_a_non_commit_and_a_mirror_dir_replaced_by_a_file_are_clear_errors() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "c", "--goal", "G"]);
    let good = env.git(&repo, &["rev-parse", "refs/sessions"]);
    let blob = env.git(&repo, &["hash-object", "-w", "README"]);
    env.git(&repo, &["update-ref", "refs/sessions", blob.trim()]);
    let err = env.fails(&repo, &["log", "--progress", "x"], 1);
    assert!(
        err.contains("refs/sessions") && err.contains("not a commit"),
        "{err}"
    );
    env.git(&repo, &["update-ref", "refs/sessions", good.trim()]);
    let active = repo.join(".sessions/active");
    let saved = env.path("saved-active");
    fs::rename(&active, &saved).unwrap();
    fs::write(&active, "not a directory").unwrap();
    let err = env.fails(&repo, &["list"], 1);
    assert!(
        err.contains(".sessions/active") && err.contains("directory"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&active).unwrap(), "not a directory");
}

#[test]
fn huge_and_strange_text_is_stored_as_text() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(
        &repo,
        &["init", "--name", "t", "--goal", "G", "--step", "s"],
    );
    for t in [
        "\u{202e}right-to-left\u{202c} and zero\u{200b}width",
        "tab\tand\r\nCRLF",
        "<- CURRENT",
        "[x] fake done",
    ] {
        env.gs(&repo, &["log", "--discovery", t]);
    }
    // 1 MB does not fit in one argument (Linux caps one at 128 KiB): `-` reads stdin.
    let big = "word ".repeat(200_000);
    let out = env
        .cmd(&repo)
        .args(["log", "--discovery", "-"])
        .write_stdin(big.clone())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&env.gs(&repo, &["view", "--json"])).unwrap();
    let d: Vec<&str> = v["discoveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert_eq!(d.len(), 5);
    assert_eq!(d[0], "\u{202e}right-to-left\u{202c} and zero\u{200b}width");
    assert_eq!(d[1], "tab\tand\n   CRLF".replace("\n   ", "\n"));
    assert_eq!(d[2], "<- CURRENT");
    assert_eq!(d[3], "[x] fake done");
    // Compared whole, but reported briefly: a 1 MB diff helps nobody.
    let first_difference = |got: &str| {
        got.bytes()
            .zip(big.trim().bytes())
            .position(|(a, b)| a != b)
    };
    assert!(
        d[4] == big.trim(),
        "the 1 MB text came back changed: {} bytes instead of {}, first difference at byte {:?}",
        d[4].len(),
        big.trim().len(),
        first_difference(d[4])
    );
    let name = env
        .active_file(&repo)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let in_ref = env.git(&repo, &["show", &format!("refs/sessions:active/{name}")]);
    assert!(
        in_ref.contains(&format!("\n5. {} (", big.trim())),
        "refs/sessions does not hold the 1 MB text whole"
    );
    assert_eq!(
        v["current"], "s",
        "the marker in text did not move the current step"
    );
}
