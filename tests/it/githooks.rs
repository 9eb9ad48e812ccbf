//! `install --git-hooks`: the Session: trailer, commits recorded in the journal, `commits`,
//! `show <commit>`, and the pre-push hook that takes the journal along.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::Env;

/// Every file of a directory: name → (bytes, mode).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            (
                e.file_name().into_string().unwrap(),
                (std::fs::read(e.path()).unwrap(), m.permissions().mode()),
            )
        })
        .collect()
}

fn write_hook(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A repository with a session `fix-bug` current and the git hooks installed.
fn session_repo(env: &Env) -> (PathBuf, String) {
    let repo = env.repo("r");
    env.gs(&repo, &["init", "--name", "fix-bug", "--goal", "G"]);
    env.gs(&repo, &["install", "--git-hooks"]);
    let label = label(env, &repo);
    (repo, label)
}

fn label(env: &Env, repo: &Path) -> String {
    env.active_file(repo)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn message(env: &Env, repo: &Path, rev: &str) -> String {
    env.git(repo, &["log", "-1", "--format=%B", rev])
}

fn commit_file(env: &Env, repo: &Path, name: &str, msg: &str) {
    std::fs::write(repo.join(name), format!("{name}\n")).unwrap();
    env.git(repo, &["add", name]);
    env.git(repo, &["commit", "-q", "-m", msg]);
}

fn trailers(msg: &str) -> usize {
    msg.lines().filter(|l| l.starts_with("Session: ")).count()
}

#[test]
fn install_chains_existing_hooks_and_uninstall_restores_the_directory_byte_for_byte() {
    let env = Env::new();
    let repo = env.repo("r");
    let hooks = repo.join(".git/hooks");
    write_hook(
        &hooks.join("prepare-commit-msg"),
        "#!/bin/sh\necho 'user hook was here' >> \"$1\"\n",
        0o750,
    );
    write_hook(&hooks.join("pre-push"), "#!/bin/sh\nexit 0\n", 0o700);
    let before = snapshot(&hooks);
    env.gs(&repo, &["install", "--git-hooks"]);
    let installed = snapshot(&hooks);
    assert!(installed.contains_key("prepare-commit-msg.git-session-chained"));
    assert!(installed.contains_key("post-commit"));
    let again = env.gs(&repo, &["install", "--git-hooks"]);
    assert!(again.contains("Nothing to change"), "{again}");
    assert_eq!(
        snapshot(&hooks),
        installed,
        "installing twice is installing once"
    );
    env.gs(&repo, &["install", "--git-hooks", "--uninstall"]);
    assert_eq!(snapshot(&hooks), before);
}

#[test]
fn core_hooks_path_is_honoured_relative_to_the_worktree_top() {
    let env = Env::new();
    let repo = env.repo("r");
    env.git(&repo, &["config", "core.hooksPath", "githooks"]);
    std::fs::create_dir(repo.join("sub")).unwrap();
    env.gs(&repo.join("sub"), &["install", "--git-hooks"]);
    for h in ["prepare-commit-msg", "post-commit", "pre-push"] {
        assert!(repo.join("githooks").join(h).is_file(), "{h}");
        assert!(!repo.join(".git/hooks").join(h).exists(), "{h}");
    }
}

#[test]
fn a_commit_gets_exactly_one_trailer_and_the_users_hook_still_runs() {
    let env = Env::new();
    let repo = env.repo("r");
    write_hook(
        &repo.join(".git/hooks/prepare-commit-msg"),
        "#!/bin/sh\necho 'user hook was here' >> \"$1\"\n",
        0o755,
    );
    env.gs(&repo, &["init", "--name", "fix-bug", "--goal", "G"]);
    env.gs(&repo, &["install", "--git-hooks"]);
    let label = label(&env, &repo);
    commit_file(&env, &repo, "a", "Lock before check");
    let msg = message(&env, &repo, "HEAD");
    assert_eq!(trailers(&msg), 1, "{msg}");
    assert!(msg.contains(&format!("Session: {label}")), "{msg}");
    assert!(msg.contains("user hook was here"), "{msg}");
    // Amending keeps the one trailer.
    env.git(&repo, &["commit", "-q", "--amend", "--no-edit"]);
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 1);
    // A message that already carries a Session: trailer keeps its own.
    commit_file(&env, &repo, "b", "Other\n\nSession: elsewhere-12345678");
    let msg = message(&env, &repo, "HEAD");
    assert_eq!(trailers(&msg), 1, "{msg}");
    assert!(msg.contains("Session: elsewhere-12345678"));
}

/// `git commit ARGS` in `repo` with `GIT_EDITOR` a script whose body is `editor` (`$1` is the
/// message file).
fn commit_with_editor(env: &Env, repo: &Path, editor: &str, args: &[&str]) -> std::process::Output {
    let script = env.path("editor.sh");
    write_hook(&script, &format!("#!/bin/sh\n{editor}\n"), 0o755);
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(repo)
        .arg("commit")
        .args(args)
        .env("GIT_EDITOR", &script);
    env.apply(&mut cmd);
    cmd.output().unwrap()
}

#[test]
fn a_commit_written_in_the_editor_gets_exactly_one_trailer_and_an_empty_one_still_aborts() {
    let env = Env::new();
    let (repo, label) = session_repo(&env);
    commit_file(&env, &repo, "a", "Base");
    // Written in the editor: prepare-commit-msg left the empty message alone, commit-msg adds it.
    std::fs::write(repo.join("b"), "b").unwrap();
    env.git(&repo, &["add", "b"]);
    let out = commit_with_editor(
        &env,
        &repo,
        "printf 'Written in the editor\\n\\nWith a body.\\n' > \"$1\"",
        &["-q"],
    );
    assert!(out.status.success(), "{out:?}");
    let msg = message(&env, &repo, "HEAD");
    assert_eq!(trailers(&msg), 1, "{msg}");
    assert!(
        msg.starts_with("Written in the editor\n\nWith a body.\n"),
        "{msg}"
    );
    assert!(msg.contains(&format!("Session: {label}")), "{msg}");
    // An editor that leaves the message empty still aborts the commit.
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("c"), "c").unwrap();
    env.git(&repo, &["add", "c"]);
    let out = commit_with_editor(&env, &repo, ":", &["-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("empty commit message"), "{stderr}");
    assert_eq!(env.git(&repo, &["rev-parse", "HEAD"]), head);
    // -m with -e: prepare-commit-msg adds it, the editor keeps it, commit-msg adds no second.
    let out = commit_with_editor(&env, &repo, ":", &["-q", "-e", "-m", "Message and editor"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 1);
    // -m alone: still exactly one.
    commit_file(&env, &repo, "d", "Plain -m");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 1);
    // Concluding a conflicted merge in the editor gets none (commit-msg sees MERGE_HEAD).
    env.git(&repo, &["checkout", "-q", "-b", "side", "HEAD~1"]);
    std::fs::write(repo.join("m"), "side\n").unwrap();
    env.git(&repo, &["add", "m"]);
    env.git(&repo, &["commit", "-q", "-m", "Side"]);
    env.git(&repo, &["checkout", "-q", "main"]);
    std::fs::write(repo.join("m"), "main\n").unwrap();
    env.git(&repo, &["add", "m"]);
    env.git(&repo, &["commit", "-q", "-m", "Main"]);
    let mut merge = std::process::Command::new("git");
    merge.current_dir(&repo).args(["merge", "-q", "side"]);
    env.apply(&mut merge);
    assert!(!merge.output().unwrap().status.success(), "a conflict");
    std::fs::write(repo.join("m"), "both\n").unwrap();
    env.git(&repo, &["add", "m"]);
    let out = commit_with_editor(&env, &repo, ":", &["-q"]);
    assert!(out.status.success(), "{out:?}");
    let msg = message(&env, &repo, "HEAD");
    assert!(msg.starts_with("Merge branch 'side'"), "{msg}");
    assert_eq!(trailers(&msg), 0, "{msg}");
    // A fixup! written in the editor gets none.
    std::fs::write(repo.join("d"), "changed").unwrap();
    let out = commit_with_editor(
        &env,
        &repo,
        "printf 'fixup! Plain -m\\n' > \"$1\"",
        &["-q", "-a"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
}

#[test]
fn a_users_commit_msg_hook_still_runs_and_can_still_reject() {
    let env = Env::new();
    let repo = env.repo("r");
    let log = env.path("user.log");
    let user = format!(
        "#!/bin/sh\necho ran >> '{}'\nif grep -q WIP \"$1\"; then echo 'no WIP commits' >&2; exit 3; fi\n",
        log.display()
    );
    write_hook(&repo.join(".git/hooks/commit-msg"), &user, 0o755);
    env.gs(&repo, &["init", "--name", "fix-bug", "--goal", "G"]);
    env.gs(&repo, &["install", "--git-hooks"]);
    assert!(
        repo.join(".git/hooks/commit-msg.git-session-chained")
            .is_file()
    );
    commit_file(&env, &repo, "a", "Good");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 1);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "ran\n");
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("b"), "b").unwrap();
    env.git(&repo, &["add", "b"]);
    let out = commit_with_editor(&env, &repo, "printf 'WIP: half\\n' > \"$1\"", &["-q"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no WIP commits"));
    assert_eq!(env.git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "ran\nran\n");
    env.gs(&repo, &["install", "--git-hooks", "--uninstall"]);
    assert_eq!(
        std::fs::read_to_string(repo.join(".git/hooks/commit-msg")).unwrap(),
        user
    );
    assert!(
        !repo
            .join(".git/hooks/commit-msg.git-session-chained")
            .exists()
    );
}

#[test]
fn an_amend_is_listed_once_and_json_keeps_both_with_the_relation() {
    let env = Env::new();
    let (repo, _) = session_repo(&env);
    commit_file(&env, &repo, "a", "First try");
    let old = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    env.git(&repo, &["commit", "-q", "--amend", "-m", "First, better"]);
    let new = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    commit_file(&env, &repo, "b", "Second");
    let text = env.gs(&repo, &["commits"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(&new[..10]) && lines[0].ends_with("First, better"),
        "{text}"
    );
    assert!(lines[1].ends_with("Second"), "{text}");
    assert!(!text.contains(&old[..10]), "{text}");
    let doc: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["--json", "commits"])).unwrap();
    let list = doc["commits"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{doc}");
    assert_eq!(list[0]["commit"], old.as_str());
    assert_eq!(list[0]["amended_by"], new.as_str());
    assert_eq!(list[1]["commit"], new.as_str());
    assert_eq!(list[1]["amends"], old.as_str());
    assert!(list[2].get("amends").is_none() && list[2].get("amended_by").is_none());
    // The entry keeps commit, patch_id and subject, and says what it amends.
    let entry = walk(&repo.join(".sessions/journal"))
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|t| t.contains(&format!("commit: {new}")))
        .unwrap();
    assert!(
        entry.contains(&format!("amends: {old}"))
            && entry.contains("patch_id: ")
            && entry.contains("subject: "),
        "{entry}"
    );
    // Amending the amend: only the newest is listed.
    env.git(&repo, &["commit", "-q", "--amend", "-m", "Second, again"]);
    let text = env.gs(&repo, &["commits"]);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().last().unwrap().ends_with("Second, again"),
        "{text}"
    );
}

#[test]
fn a_failing_user_hook_still_decides_the_commit() {
    let env = Env::new();
    let repo = env.repo("r");
    write_hook(
        &repo.join(".git/hooks/prepare-commit-msg"),
        "#!/bin/sh\nexit 1\n",
        0o755,
    );
    env.gs(&repo, &["install", "--git-hooks"]);
    std::fs::write(repo.join("a"), "a").unwrap();
    env.git(&repo, &["add", "a"]);
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&repo).args(["commit", "-q", "-m", "x"]);
    env.apply(&mut cmd);
    assert!(!cmd.output().unwrap().status.success());
}

#[test]
fn odd_commits_get_no_trailer() {
    let env = Env::new();
    let (repo, _) = session_repo(&env);
    // fixup!
    commit_file(&env, &repo, "a", "Base");
    std::fs::write(repo.join("a"), "changed\n").unwrap();
    env.git(&repo, &["commit", "-q", "-a", "--fixup", "HEAD"]);
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
    // A merge.
    env.git(&repo, &["checkout", "-q", "-b", "side", "HEAD~2"]);
    commit_file(&env, &repo, "s", "Side");
    env.git(&repo, &["checkout", "-q", "main"]);
    env.git(&repo, &["merge", "-q", "--no-ff", "--no-edit", "side"]);
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
    // An empty message is left alone.
    std::fs::write(repo.join("e"), "e").unwrap();
    env.git(&repo, &["add", "e"]);
    env.git(&repo, &["commit", "-q", "--allow-empty-message", "-m", ""]);
    assert_eq!(message(&env, &repo, "HEAD").trim(), "");
    // A message that is not UTF-8.
    std::fs::write(repo.join("f"), "f").unwrap();
    env.git(&repo, &["add", "f"]);
    std::fs::write(env.path("latin1"), b"Caf\xe9\n").unwrap();
    env.git(
        &repo,
        &[
            "-c",
            "i18n.commitEncoding=latin1",
            "commit",
            "-q",
            "-F",
            env.path("latin1").to_str().unwrap(),
        ],
    );
    let mut cat = std::process::Command::new("git");
    cat.current_dir(&repo).args(["cat-file", "commit", "HEAD"]);
    env.apply(&mut cat);
    let raw = String::from_utf8_lossy(&cat.output().unwrap().stdout).into_owned();
    assert!(raw.contains("Caf") && !raw.contains("Session:"), "{raw}");
    // Turned off by the user.
    env.git(&repo, &["config", "session.commit.trailer", "false"]);
    commit_file(&env, &repo, "g", "Off");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
    env.git(&repo, &["config", "session.commit.trailer", "true"]);
    // A rebase rewrites commits without adding trailers.
    env.git(
        &repo,
        &[
            "-c",
            "session.commit.trailer=false",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Plain",
        ],
    );
    env.git(&repo, &["rebase", "-q", "--force-rebase", "HEAD~1"]);
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
    // No session current.
    env.gs(&repo, &["pause"]);
    commit_file(&env, &repo, "h", "Paused");
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 0);
}

#[test]
fn commits_are_recorded_and_listed_oldest_first() {
    let env = Env::new();
    let (repo, label) = session_repo(&env);
    commit_file(&env, &repo, "a", "First change");
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "Empty one"]);
    let doc: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["--json", "commits"])).unwrap();
    assert_eq!(doc["session"], label.as_str());
    let list = doc["commits"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{doc}");
    let first = env.git(&repo, &["rev-parse", "HEAD~1"]).trim().to_string();
    assert_eq!(list[0]["commit"], first.as_str());
    assert_eq!(list[0]["subject"], "First change");
    let show = env.git(&repo, &["show", "HEAD~1"]);
    let pid = env.git_input(&repo, &["patch-id", "--stable"], show.as_bytes());
    assert_eq!(list[0]["patch_id"], pid.split_whitespace().next().unwrap());
    assert!(
        list[1].get("patch_id").is_none(),
        "an empty commit has none"
    );
    let text = env.gs(&repo, &["commits"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(&first[..10]) && lines[0].ends_with("First change"),
        "{text}"
    );
    assert!(lines[1].ends_with("Empty one"), "{text}");
    // The entry's frontmatter, as export reads it.
    let entry = std::fs::read_to_string(
        walk(&repo.join(".sessions/journal"))
            .into_iter()
            .find(|p| p.to_string_lossy().contains("-commit-"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        entry.contains("kind: commit") && entry.contains("commit: ") && entry.contains("subject: "),
        "{entry}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn show_names_the_session_and_what_was_logged_up_to_the_commit() {
    let env = Env::new();
    let (repo, label) = session_repo(&env);
    env.gs(
        &repo,
        &["log", "--decision", "Lock first", "--rationale", "races"],
    );
    env.gs(&repo, &["log", "--discovery", "The sweep runs twice"]);
    commit_file(&env, &repo, "a", "Lock before check");
    let out = env.gs(&repo, &["show", "HEAD"]);
    assert!(
        out.contains(&label) && out.contains("Session: trailer"),
        "{out}"
    );
    assert!(
        out.contains("Lock first") && out.contains("The sweep runs twice"),
        "{out}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["--json", "show", "HEAD"])).unwrap();
    assert_eq!(doc["session"], label.as_str());
    assert_eq!(doc["found_by"], "trailer");
    assert_eq!(doc["entries"].as_array().unwrap().len(), 2, "{doc}");
    // The trailer dropped and the commit rewritten, with no session current: found by its
    // patch id.
    env.gs(&repo, &["pause"]);
    env.git(&repo, &["commit", "-q", "--amend", "-m", "Reworded"]);
    let doc: serde_json::Value =
        serde_json::from_str(&env.gs(&repo, &["--json", "show", "HEAD"])).unwrap();
    assert_eq!(doc["session"], label.as_str());
    assert_eq!(doc["found_by"], "patch_id");
}

#[test]
fn show_of_a_commit_without_a_session_or_not_a_commit_is_one_line() {
    let env = Env::new();
    let (repo, _) = session_repo(&env);
    let err = env.fails(&repo, &["show", "HEAD"], 1);
    assert!(err.contains("belongs to no session"), "{err}");
    env.git(
        &repo,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "X\n\nSession: gone-12345678",
        ],
    );
    let err = env.fails(&repo, &["show", "HEAD"], 1);
    assert!(err.contains("names session gone-12345678"), "{err}");
    let err = env.fails(&repo, &["show", "no-such-rev"], 2);
    assert!(err.contains("is not a commit"), "{err}");
}

/// A clone `work` of a bare remote, with a session and the git hooks installed.
fn pushing(env: &Env) -> (PathBuf, PathBuf) {
    let remote = env.bare_remote();
    let work = env.path("work");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    env.gs(&work, &["init", "--name", "push-it", "--goal", "G"]);
    env.gs(&work, &["install", "--git-hooks"]);
    (remote, work)
}

fn push(env: &Env, dir: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(dir).args(["push", "-q", "origin", "main"]);
    env.apply(&mut cmd);
    cmd.output().unwrap()
}

#[test]
fn a_push_takes_the_journal_along_once() {
    let env = Env::new();
    let (remote, work) = pushing(&env);
    let log = env.path("pre-push.log");
    write_hook(
        &work.join(".git/hooks/pre-push.git-session-chained"),
        &format!("#!/bin/sh\ncat >> '{}'\n", log.display()),
        0o755,
    );
    commit_file(&env, &work, "a", "Change");
    let out = push(&env, &work);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    let tip = env.git(&work, &["rev-parse", "refs/sessions"]);
    let there = env.git(&remote, &["rev-parse", "refs/git-session/sessions"]);
    assert_eq!(tip, there);
    // The user's hook ran once, for the push the user asked for: the journal's push skips it
    // (it had just run) and started no other.
    let seen = std::fs::read_to_string(&log).unwrap();
    assert_eq!(seen.lines().count(), 1, "{seen}");
    assert!(!seen.contains("refs/git-session/sessions"), "{seen}");
}

/// `git push --dry-run` (or `-n`) runs pre-push too; it must not push the journal.
#[test]
fn a_dry_run_push_pushes_no_journal() {
    let env = Env::new();
    let (remote, work) = pushing(&env);
    commit_file(&env, &work, "a", "Change");
    assert!(push(&env, &work).status.success());
    let before = env.git(&remote, &["rev-parse", "refs/git-session/sessions"]);
    env.gs(&work, &["log", "--progress", "more"]);
    commit_file(&env, &work, "b", "Another");
    for flag in ["-n", "--dry-run", "-qn"] {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(&work)
            .args(["push", flag, "origin", "main"]);
        env.apply(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            env.git(&remote, &["rev-parse", "refs/git-session/sessions"]),
            before,
            "git push {flag} moved the remote's journal"
        );
    }
    assert!(push(&env, &work).status.success());
    assert_ne!(
        env.git(&remote, &["rev-parse", "refs/git-session/sessions"]),
        before
    );
}

/// A commit template the user leaves untouched still aborts the commit (git compares the
/// message with the template after commit-msg ran), with `-t` and with `commit.template`;
/// an edited one gets its one trailer.
#[test]
fn an_untouched_commit_template_still_aborts_the_commit() {
    let env = Env::new();
    let (repo, _) = session_repo(&env);
    env.gs(&repo, &["install", "--git-hooks"]);
    let template = env.path("template.txt");
    std::fs::write(&template, "Subject here\n\n# describe the change\n").unwrap();
    std::fs::write(repo.join("t"), "t").unwrap();
    env.git(&repo, &["add", "t"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let t = template.to_str().unwrap();
    let out = commit_with_editor(&env, &repo, "true", &["-t", t]);
    assert!(!out.status.success(), "committed an untouched template");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did not edit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.git(&repo, &["config", "commit.template", t]);
    let out = commit_with_editor(&env, &repo, "true", &[]);
    assert!(!out.status.success(), "committed an untouched template");
    assert_eq!(env.git(&repo, &["rev-parse", "HEAD"]), head);
    let out = commit_with_editor(&env, &repo, "printf 'Edited subject\\n' > \"$1\"", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(trailers(&message(&env, &repo, "HEAD")), 1);
}

#[test]
fn a_refused_journal_push_is_one_warning_and_the_branch_push_succeeds() {
    let env = Env::new();
    let (remote, work) = pushing(&env);
    write_hook(
        &remote.join("hooks/pre-receive"),
        "#!/bin/sh\nwhile read old new ref; do case \"$ref\" in refs/git-session/*) echo 'no journals here' >&2; exit 1;; esac; done\nexit 0\n",
        0o755,
    );
    commit_file(&env, &work, "a", "Change");
    let out = push(&env, &work);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(stderr.contains("journal was not pushed"), "{stderr}");
    let head = env.git(&work, &["rev-parse", "HEAD"]);
    assert_eq!(env.git(&remote, &["rev-parse", "main"]), head);
}

#[test]
fn a_user_pre_push_hook_that_refuses_stops_the_push_and_the_journal() {
    let env = Env::new();
    let (remote, work) = pushing(&env);
    write_hook(
        &work.join(".git/hooks/pre-push.git-session-chained"),
        "#!/bin/sh\nexit 3\n",
        0o755,
    );
    commit_file(&env, &work, "a", "Change");
    assert!(!push(&env, &work).status.success());
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&remote)
        .args(["rev-parse", "-q", "--verify", "refs/git-session/sessions"]);
    env.apply(&mut cmd);
    assert!(!cmd.output().unwrap().status.success());
}

#[test]
fn show_works_in_a_clone_that_fetched_the_journal_with_sync() {
    let env = Env::new();
    let (remote, work) = pushing(&env);
    env.gs(
        &work,
        &["log", "--decision", "Lock first", "--rationale", "races"],
    );
    commit_file(&env, &work, "a", "Lock before check");
    assert!(push(&env, &work).status.success());
    let sha = env.git(&work, &["rev-parse", "HEAD"]).trim().to_string();
    let other = env.path("other");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    env.gs(&other, &["sync"]);
    let doc: serde_json::Value =
        serde_json::from_str(&env.gs(&other, &["--json", "show", &sha])).unwrap();
    assert_eq!(doc["session"], label(&env, &work).as_str());
    assert_eq!(doc["entries"][0]["kind"], "decision", "{doc}");
}

#[test]
fn a_binary_that_moved_is_one_warning_and_the_commit_and_the_users_hook_go_on() {
    let env = Env::new();
    let repo = env.repo("r");
    let log = env.path("user.log");
    write_hook(
        &repo.join(".git/hooks/post-commit"),
        &format!("#!/bin/sh\necho ran >> '{}'\n", log.display()),
        0o755,
    );
    let bin = env.path("bin");
    std::fs::create_dir(&bin).unwrap();
    let copy = bin.join("git-session");
    std::fs::copy(env!("CARGO_BIN_EXE_git-session"), &copy).unwrap();
    let out = env
        .std_cmd_of(&copy, &repo)
        .args(["install", "--git-hooks"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::remove_file(&copy).unwrap();
    std::fs::write(repo.join("a"), "a").unwrap();
    env.git(&repo, &["add", "a"]);
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&repo)
        .args(["commit", "-q", "-m", "x"])
        .env("PATH", "/usr/bin:/bin");
    env.apply(&mut cmd);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // prepare-commit-msg, commit-msg and post-commit each say it once.
    assert_eq!(
        stderr
            .matches("warning: git-session: the binary is gone")
            .count(),
        3,
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "ran\n");
}

#[test]
fn a_hook_of_ours_that_you_edited_is_kept() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gs(&repo, &["install", "--git-hooks"]);
    let hook = repo.join(".git/hooks/post-commit");
    let edited = std::fs::read_to_string(&hook).unwrap() + "echo mine\n";
    std::fs::write(&hook, &edited).unwrap();
    let out = env.run(&repo, &["install", "--git-hooks", "--uninstall"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("edited by you; not removed"));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), edited);
    assert!(!repo.join(".git/hooks/pre-push").exists());
}

/// `export`'s "What changed" is what the branch changes: a recorded commit that a reset, an
/// amend or a rebase took out of HEAD's history is left out.
#[test]
fn export_lists_only_the_recorded_commits_still_in_heads_history() {
    let env = Env::new();
    let (repo, _) = session_repo(&env);
    commit_file(&env, &repo, "a", "Kept first");
    commit_file(&env, &repo, "b", "Dropped by a reset");
    env.git(&repo, &["reset", "-q", "--hard", "HEAD~1"]);
    commit_file(&env, &repo, "c", "Kept second");
    let listed = env.gs(&repo, &["commits"]);
    assert!(listed.contains("Dropped by a reset"), "{listed}");
    let md = env.gs(&repo, &["export"]);
    assert!(
        md.contains("Kept first") && md.contains("Kept second"),
        "{md}"
    );
    assert!(!md.contains("Dropped by a reset"), "{md}");
}
