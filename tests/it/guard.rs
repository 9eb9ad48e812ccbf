//! Issue 19: the secret guard before a push, `redact`, the allow-list, a forge's push
//! protection, and `sync.auto` at session start.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::Env;
use crate::remotes::{procs_with, stalled_remote};

/// A bare remote holding `main`, and a clone `a` of it with a session started.
fn remote_and_clone(env: &Env) -> (PathBuf, PathBuf) {
    let remote = env.bare_remote();
    let a = env.path("a");
    env.git(
        env.tmp.path(),
        &["clone", "-q", remote.to_str().unwrap(), a.to_str().unwrap()],
    );
    env.gs(
        &a,
        &["init", "--name", "keys", "--goal", "Rotate the deploy keys"],
    );
    (remote, a)
}

/// A private key block as people paste them (the header built at run time, so that this
/// file is no key to a scanner).
fn private_key() -> String {
    let kind = "RSA PRIVATE KEY";
    format!("-----BEGIN {kind}-----\nMIIEowIBAAKCAQEAzx1Ym6u3o7nqA9YtRz\n-----END {kind}-----")
}

/// The `(path, line, rule)` of each `git-session: error: <path>:<line>: <rule>` line.
fn hits(stderr: &str) -> Vec<(String, usize, String)> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("git-session: error: .sessions/"))
        .filter_map(|l| {
            let (place, rule) = l.split_once(": ")?;
            let (path, line) = place.rsplit_once(':')?;
            Some((
                format!(".sessions/{path}"),
                line.parse().ok()?,
                rule.to_string(),
            ))
        })
        .collect()
}

fn sync_fails(env: &Env, dir: &Path) -> String {
    let out = env.run(dir, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Everything the remote's journal holds, as text.
fn remote_journal_text(env: &Env, remote: &Path) -> String {
    env.git(
        remote,
        &["grep", "-h", "-I", "-e", ".", "refs/git-session/sessions"],
    )
}

#[test]
fn a_planted_private_key_blocks_sync_with_file_and_line_and_redact_lets_it_through() {
    let env = Env::new();
    let (remote, a) = remote_and_clone(&env);
    env.gs(&a, &["log", "--context", &private_key()]);
    let err = sync_fails(&env, &a);
    let found = hits(&err);
    // The session file's Key Context and the context entry: each named with its line.
    assert!(
        found
            .iter()
            .any(|(p, _, r)| p.starts_with(".sessions/active/keys-") && r == "private-key"),
        "{err}"
    );
    assert!(
        found.iter().any(|(p, _, r)| p.contains("/entries/")
            && p.contains("-context-")
            && r == "private-key"),
        "{err}"
    );
    for (path, line, _) in &found {
        let text = std::fs::read_to_string(a.join(path)).unwrap();
        let at = text.lines().nth(line - 1).unwrap();
        assert!(at.contains("BEGIN RSA PRIVATE KEY"), "{path}:{line}: {at}");
    }
    assert!(err.contains("nothing was pushed"), "{err}");
    assert!(err.contains("git session redact"), "{err}");
    assert!(
        env.git(&remote, &["for-each-ref", "refs/git-session"])
            .trim()
            .is_empty(),
        "something was pushed"
    );
    // Redact each file named; the next sync pushes, and the remote's tip holds no key.
    let commits = env.count(&a);
    let mut paths: Vec<&String> = found.iter().map(|(p, _, _)| p).collect();
    paths.dedup();
    for path in &paths {
        let out = env.gs(&a, &["redact", path]);
        assert!(out.contains("Redacted"), "{out}");
    }
    assert_eq!(
        env.count(&a),
        commits + paths.len(),
        "one commit per redact"
    );
    let file = std::fs::read_to_string(a.join(paths[0])).unwrap();
    assert!(file.contains("[REDACTED:private-key]"), "{file}");
    assert!(
        !file.contains("MIIEowIBAAKCAQEA"),
        "the mirror still holds it"
    );
    env.gs(&a, &["sync"]);
    let text = remote_journal_text(&env, &remote);
    assert!(text.contains("[REDACTED:private-key]"), "{text}");
    assert!(!text.contains("PRIVATE KEY-----"), "{text}");
    assert!(!text.contains("MIIEowIBAAKCAQEA"), "{text}");
    env.gs(&a, &["doctor"]);
}

#[test]
fn a_token_in_a_file_committed_by_hand_is_found() {
    let env = Env::new();
    let (_remote, a) = remote_and_clone(&env);
    env.gs(&a, &["sync"]);
    // An entry written with plumbing, on top of refs/sessions: no command of ours saw it.
    let token = format!("ghp_{}", "Ab1".repeat(12));
    let tip = env.git(&a, &["rev-parse", "refs/sessions"]);
    let tip = tip.trim();
    let idx = env.path("idx");
    let envs = [("GIT_INDEX_FILE", idx.to_str().unwrap())];
    let run = |args: &[&str], input: Option<&str>| -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(&a).args(args);
        env.apply(&mut cmd);
        cmd.envs(envs);
        if let Some(i) = input {
            use std::io::Write;
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            child.stdin.take().unwrap().write_all(i.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            return String::from_utf8(out.stdout).unwrap();
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let dir = env.git(&a, &["ls-tree", "-d", "--name-only", "-r", tip]);
    let entries = dir
        .lines()
        .find(|l| l.ends_with("/entries"))
        .expect("an entries directory")
        .to_string();
    let blob = run(
        &["hash-object", "-w", "--stdin"],
        Some(&format!("# note\n\nline two\nthe token is {token}\n")),
    );
    run(&["read-tree", tip], None);
    let path = format!("{entries}/2026-01-01T00-00-00.000Z-progress-beef.md");
    run(
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{},{path}", blob.trim()),
        ],
        None,
    );
    let tree = run(&["write-tree"], None);
    let commit = run(
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            tip,
            "-m",
            "log(keys): by hand",
        ],
        None,
    );
    env.git(&a, &["update-ref", "refs/sessions", commit.trim(), tip]);
    let err = sync_fails(&env, &a);
    assert_eq!(
        hits(&err),
        vec![(format!(".sessions/{path}"), 4, "github-pat".to_string())],
        "{err}"
    );
    assert!(
        !err.contains(&token),
        "the error line shows the secret: {err}"
    );
    // An entry named by its file name alone.
    let name = path.rsplit('/').next().unwrap();
    env.gs(&a, &["redact", name, "--line", "4", "--rule", "github-pat"]);
    env.gs(&a, &["sync"]);
    let shown = env.git(&a, &["show", &format!("refs/sessions:{path}")]);
    assert_eq!(
        shown,
        "# note\n\nline two\nthe token is [REDACTED:github-pat]\n"
    );
}

#[test]
fn redact_where_there_is_no_secret_changes_nothing() {
    let env = Env::new();
    let (_remote, a) = remote_and_clone(&env);
    let file = env.active_file(&a);
    let rel = format!(
        ".sessions/active/{}",
        file.file_name().unwrap().to_str().unwrap()
    );
    let commits = env.count(&a);
    let err = env.fails(&a, &["redact", &rel], 1);
    assert!(err.contains("no secret found"), "{err}");
    let err = env.fails(&a, &["redact", ".sessions/active/none.md"], 2);
    assert!(err.contains("no such file"), "{err}");
    let err = env.fails(&a, &["redact", &rel, "--rule", "nope"], 2);
    assert!(err.contains("no such rule"), "{err}");
    assert_eq!(env.count(&a), commits);
}

/// A clone whose journal holds a test fixture's password, which the user means to share, and
/// the refusal of its first sync: `(remote, clone, stderr)`.
fn a_fixture_password_refused(env: &Env) -> (PathBuf, PathBuf, String) {
    let (remote, a) = remote_and_clone(env);
    env.gs(
        &a,
        &[
            "log",
            "--discovery",
            "the fixture logs in with password = Fixture-9x7Q",
        ],
    );
    let err = sync_fails(env, &a);
    (remote, a, err)
}

#[test]
fn the_allow_list_passes_a_false_positive() {
    let env = Env::new();
    let (remote, a, err) = a_fixture_password_refused(&env);
    let found = hits(&err);
    assert!(!found.is_empty(), "{err}");
    assert!(found.iter().all(|(_, _, r)| r == "generic-secret"), "{err}");
    for (path, line, rule) in &found {
        env.gs(
            &a,
            &["config", "secrets.allow", &format!("{path}:{line}:{rule}")],
        );
    }
    let listed = env.gs(&a, &["config", "secrets.allow"]);
    assert_eq!(listed.lines().count(), found.len(), "{listed}");
    env.gs(&a, &["sync"]);
    assert!(remote_journal_text(&env, &remote).contains("Fixture-9x7Q"));
    let err = env.fails(&a, &["config", "secrets.allow", "no-rule-here"], 2);
    assert!(err.contains("<path>:<rule>"), "{err}");
}

/// A misspelt rule allowed nothing, silently: `config` took it, and the guard went on refusing
/// the push with no word about the entry.
#[test]
fn an_allow_list_entry_naming_no_rule_is_refused_or_warned_of() {
    let env = Env::new();
    let (_remote, a, err) = a_fixture_password_refused(&env);
    let (path, line, rule) = hits(&err).into_iter().next().expect("a hit");
    let misspelt = format!("{path}:{line}:{rule}s");
    let err = env.fails(&a, &["config", "secrets.allow", &misspelt], 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&misspelt), "{err}");
    assert!(err.contains("names no rule of the guard"), "{err}");
    assert!(err.contains(&rule), "the rules are listed: {err}");
    let listed = env.run(&a, &["config", "secrets.allow"]);
    assert!(listed.stdout.is_empty(), "nothing was stored");
    // Set behind git-session's back, it is named when the guard reads the list.
    env.git(&a, &["config", "--add", "session.secrets.allow", &misspelt]);
    let err = sync_fails(&env, &a);
    assert!(
        err.lines().any(|l| l.contains(&misspelt)
            && l.contains("names no rule of the guard")
            && l.ends_with("; ignored")),
        "{err}"
    );
    assert!(!hits(&err).is_empty(), "still refused: {err}");
    // `config` lists the entries in force and names the ignored one as `sync` does.
    let listed = env.run(&a, &["config", "secrets.allow"]);
    assert_eq!(listed.status.code(), Some(1), "none in force");
    assert!(listed.stdout.is_empty(), "{listed:?}");
    let err = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&misspelt) && err.trim_end().ends_with("; ignored"),
        "{err}"
    );
    let good = format!("{path}:{line}:{rule}");
    env.gs(&a, &["config", "secrets.allow", &good]);
    let json = env.gs(&a, &["--json", "config", "secrets.allow"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc["values"], serde_json::json!([good]), "{doc}");
    assert_eq!(doc["ignored"], serde_json::json!([misspelt]), "{doc}");
}

/// Entries whose line is no line (`::`, `:0:`, `:-1:`, `:x:`, `:9:9:`) were stored as paths
/// with a `:` in them, which no journal file has, and allowed nothing, silently (a newcomer's
/// test found them).
#[test]
fn an_allow_list_entry_whose_line_is_no_line_is_refused() {
    let env = Env::new();
    let (_remote, a, err) = a_fixture_password_refused(&env);
    let (path, line, rule) = hits(&err).into_iter().next().expect("a hit");
    for entry in [
        format!("{path}::{rule}"),
        format!("{path}:0:{rule}"),
        format!("{path}:-1:{rule}"),
        format!("{path}:x:{rule}"),
        format!("{path}:{line}:{line}:{rule}"),
        format!("{path}\nx:{rule}"),
    ] {
        let err = env.fails(&a, &["config", "secrets.allow", &entry], 2);
        assert_eq!(err.trim().lines().count(), 1, "{entry:?}: {err}");
        assert!(err.contains("is neither <path>:<rule>"), "{entry:?}: {err}");
    }
    let listed = env.run(&a, &["config", "secrets.allow"]);
    assert!(listed.stdout.is_empty(), "nothing was stored");
    env.git(
        &a,
        &[
            "config",
            "--add",
            "session.secrets.allow",
            &format!("{path}:0:{rule}"),
        ],
    );
    let err = sync_fails(&env, &a);
    assert!(
        err.lines()
            .any(|l| l.contains(&format!("{path}:0:{rule}")) && l.ends_with("; ignored")),
        "{err}"
    );
}

/// `--json` is global, and `config` printed text for it.
#[test]
fn config_answers_json_when_asked() {
    let env = Env::new();
    let (_remote, a, err) = a_fixture_password_refused(&env);
    let (path, line, rule) = hits(&err).into_iter().next().expect("a hit");
    let doc = |args: &[&str]| -> serde_json::Value {
        let out = env.gs(&a, args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let v = doc(&["--json", "config", "sync.auto"]);
    assert_eq!(v["key"], "session.sync.auto");
    assert_eq!(v["value"], "false");
    assert_eq!(v["set"], false);
    let v = doc(&["--json", "config", "sync.auto", "yes"]);
    assert_eq!(
        (v["value"].as_str(), v["set"].as_bool()),
        (Some("true"), Some(true))
    );
    assert_eq!(env.git(&a, &["config", "session.sync.auto"]).trim(), "true");
    let entry = format!("{path}:{line}:{rule}");
    doc(&["--json", "config", "secrets.allow", &entry]);
    // Twice, and with the section name as git allows it: stored once.
    doc(&["--json", "config", "SESSION.secrets.allow", &entry]);
    let v = doc(&["--json", "config", "secrets.allow"]);
    assert_eq!(v["values"], serde_json::json!([entry]));
    let v = doc(&["--json", "config", "secrets.allow", "--unset"]);
    assert_eq!(v["set"], false);
    let out = env.run(&a, &["--json", "config", "secrets.allow"]);
    assert_eq!(out.status.code(), Some(1), "none set");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one document");
    assert_eq!(v["values"], serde_json::json!([]));
}

/// GitHub's refusal as its push protection prints it (docs.github.com, "Working with push
/// protection from the command line"; the sample in issue threads), from a pre-receive hook.
const GH013: &str = r#"#!/bin/sh
cat >&2 <<'EOF'
error: GH013: Repository rule violations found for refs/git-session/sessions.

- GITHUB PUSH PROTECTION
  —————————————————————————————————————————
    Resolve the following violations before pushing again

    - Push cannot contain secrets

      —— GitHub Personal Access Token ——————————————————————
       locations:
         - commit: 4f21c0d8b1a54e0f9c3d2b7a6e5f4c3d2b1a0f9e
           path: active/keys-0000.md:31

       (?) To push, remove secret from commit(s) or follow this URL to allow the secret.
       https://github.com/o/r/security/secret-scanning/unblock-secret/2xYzAbC

EOF
exit 1
"#;

#[test]
fn a_forges_push_protection_is_reported_like_the_guard() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let (remote, a) = remote_and_clone(&env);
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, GH013).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = sync_fails(&env, &a);
    assert_eq!(
        hits(&err),
        vec![(
            ".sessions/active/keys-0000.md".to_string(),
            31,
            "GitHub Personal Access Token".to_string()
        )],
        "{err}"
    );
    let last = err.lines().last().unwrap();
    assert!(last.contains("GitHub push protection"), "{err}");
    assert!(last.contains("nothing was pushed"), "{err}");
    assert!(last.contains("git session redact"), "{err}");
}

/// The SessionStart event of a new conversation.
fn start_event(dir: &Path) -> String {
    serde_json::json!({
        "session_id": "c1",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": dir.to_str().unwrap(),
        "hook_event_name": "SessionStart",
        "source": "startup",
    })
    .to_string()
}

#[test]
fn session_start_with_a_stalled_remote_answers_with_the_local_digest() {
    let env = Env::new();
    let dir = env.repo("a");
    stalled_remote(&env, &dir, 719);
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    env.gs(&dir, &["log", "--next", "written here"]);
    env.gs(&dir, &["config", "sync.auto", "true"]);
    env.gs(&dir, &["config", "sync.budget", "500"]);
    assert_eq!(env.gs(&dir, &["config", "sync.budget"]).trim(), "500");
    let before = env.git(&dir, &["rev-parse", "refs/sessions"]);
    let started = Instant::now();
    let out = env
        .cmd(&dir)
        .args(["hook", "session-start"])
        .write_stdin(start_event(&dir))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("hook prints JSON");
    let context = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(context.contains("written here"), "{context}");
    assert!(err.contains("did not answer within 500 ms"), "{err}");
    assert_eq!(env.git(&dir, &["rev-parse", "refs/sessions"]), before);
    // The stalled child is gone (the kill is sent before the hook answers; reaping may lag).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = procs_with("sleep\x00719");
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = procs_with("sleep\x00719");
    }
    assert!(left.is_empty(), "git children left running: {left:?}");
}

#[test]
fn session_start_brings_in_what_another_clone_pushed() {
    let env = Env::new();
    let (remote, a) = remote_and_clone(&env);
    env.gs(&a, &["sync"]);
    let b = env.path("b");
    env.git(
        env.tmp.path(),
        &["clone", "-q", remote.to_str().unwrap(), b.to_str().unwrap()],
    );
    env.gs(&b, &["sync"]);
    env.gs(&b, &["resume", "keys"]);
    env.gs(&a, &["log", "--next", "step written on machine A"]);
    env.gs(&a, &["sync"]);
    // Off by default: the digest is b's own.
    let out = env
        .cmd(&b)
        .args(["hook", "session-start"])
        .write_stdin(start_event(&b))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("machine A"));
    env.gs(&b, &["config", "sync.auto", "on"]);
    assert_eq!(env.gs(&b, &["config", "sync.auto"]).trim(), "true");
    let out = env
        .cmd(&b)
        .args(["hook", "session-start"])
        .write_stdin(start_event(&b).replace("c1", "c2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("hook prints JSON");
    let context = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(context.contains("step written on machine A"), "{context}");
}

#[test]
fn config_checks_keys_and_values() {
    let env = Env::new();
    let dir = env.repo("a");
    assert_eq!(env.gs(&dir, &["config", "sync.auto"]).trim(), "false");
    assert_eq!(env.gs(&dir, &["config", "sync.budget"]).trim(), "1500");
    // The trailer is on unless turned off.
    assert_eq!(env.gs(&dir, &["config", "commit.trailer"]).trim(), "true");
    env.gs(&dir, &["config", "commit.trailer", "no"]);
    assert_eq!(
        env.git(&dir, &["config", "session.commit.trailer"]).trim(),
        "false"
    );
    env.gs(&dir, &["config", "commit.trailer", "--unset"]);
    assert_eq!(env.gs(&dir, &["config", "commit.trailer"]).trim(), "true");
    let err = env.fails(&dir, &["config", "sync.auto", "maybe"], 2);
    assert!(err.contains("boolean"), "{err}");
    let err = env.fails(&dir, &["config", "sync.budget", "0"], 2);
    assert!(err.contains("milliseconds"), "{err}");
    let err = env.fails(&dir, &["config", "color.ui", "true"], 2);
    assert!(err.contains("not a git-session setting"), "{err}");
}

/// A value set with plain `git config` that the hooks cannot read was printed as it was
/// stored, while the hooks read the default: `config` said "bogus" and the trailer was on.
#[test]
fn config_shows_the_value_in_force_when_the_stored_one_cannot_be_read() {
    let env = Env::new();
    let dir = env.repo("a");
    for (key, bad, in_force) in [
        ("commit.trailer", "bogus", "true"),
        ("sync.auto", "maybe", "false"),
        ("sync.budget", "soon", "1500"),
    ] {
        env.git(&dir, &["config", &format!("session.{key}"), bad]);
        let out = env.run(&dir, &["config", key]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            in_force,
            "{key}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("'{bad}'"))
                && err.contains(&format!("the default, {in_force}, is in force")),
            "{err}"
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&env.run(&dir, &["--json", "config", key]).stdout).unwrap();
        assert_eq!(
            (doc["value"].as_str(), doc["stored"].as_str()),
            (Some(in_force), Some(bad))
        );
    }
}

/// `sync.auto` never reaches the network from an ordinary prompt, nor from the SessionStart
/// that follows a compaction: the remote's transport leaves a mark if it is ever started.
#[test]
fn only_session_start_on_a_new_conversation_fetches() {
    let env = Env::new();
    let dir = env.repo("a");
    let mark = env.path("transport-started");
    env.git(
        &dir,
        &["remote", "add", "origin", "ssh://marked.invalid/x.git"],
    );
    env.git(
        &dir,
        &[
            "config",
            "core.sshCommand",
            &format!("touch {} #", mark.display()),
        ],
    );
    env.gs(&dir, &["init", "--name", "s", "--goal", "G"]);
    env.gs(&dir, &["config", "sync.auto", "true"]);
    let event = |extra: serde_json::Value| {
        let mut e = serde_json::json!({
            "session_id": "c1",
            "transcript_path": "/tmp/transcript.jsonl",
            "cwd": dir.to_str().unwrap(),
        });
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        e.to_string()
    };
    for (kind, extra) in [
        (
            "user-prompt-submit",
            serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": "continue"}),
        ),
        (
            "session-start",
            serde_json::json!({"hook_event_name": "SessionStart", "source": "compact"}),
        ),
    ] {
        let out = env
            .cmd(&dir)
            .args(["hook", kind])
            .write_stdin(event(extra))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{kind}: {out:?}");
        assert!(!mark.exists(), "{kind} started the remote's transport");
    }
    let out = env
        .cmd(&dir)
        .args(["hook", "session-start"])
        .write_stdin(event(
            serde_json::json!({"hook_event_name": "SessionStart", "source": "startup", "session_id": "c2"}),
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(mark.exists(), "SessionStart(startup) did not fetch");
}
