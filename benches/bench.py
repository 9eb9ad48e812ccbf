#!/usr/bin/env python3
"""git-session benchmarks: each measurement next to a git baseline run in the same script.

Usage: python3 benches/bench.py [--runs N] [--quick] [--only 1,3]

Builds the release binary, makes repositories in a temp dir (big ones with
benches/gen_sessions.py, which writes the tree through `git fast-import` instead of running
thousands of commands), then times whole processes: median and spread (p10–p90) over N runs.
Ratios are ours / baseline, medians; below 1.0 means faster than the baseline.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "git-session")
ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com", NO_COLOR="1")


def sh(args, cwd, stdin=None, check=True):
    p = subprocess.run(args, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    if check and p.returncode != 0:
        sys.exit(f"failed: {args}: {p.stderr.decode()}")
    return p.stdout.decode()


def pair(ours, base, cwd, runs, ours_stdin=None, base_stdin=None, base_cwd=None):
    """Time two commands alternately, run by run, so that machine noise falls on both alike."""
    a, b = [], []
    for _ in range(runs):
        for args, stdin, where, out in ((ours, ours_stdin, cwd, a), (base, base_stdin, base_cwd or cwd, b)):
            t = time.perf_counter()
            subprocess.run(args, cwd=where, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
            out.append((time.perf_counter() - t) * 1000)
    stat = lambda ts: (statistics.median(ts), sorted(ts)[int(0.1 * len(ts))], sorted(ts)[min(len(ts) - 1, int(0.9 * len(ts)))])
    return stat(a), stat(b)


def repo(path, sessions=0, entries=0):
    os.makedirs(path)
    sh(["git", "init", "-q", "-b", "main"], path)
    sh(["git", "config", "user.name", "Bench"], path)
    sh(["git", "config", "user.email", "bench@example.com"], path)
    with open(os.path.join(path, "README"), "w") as f:
        f.write("bench\n")
    sh(["git", "add", "README"], path)
    sh(["git", "commit", "-q", "-m", "first"], path)
    if sessions:
        sh([sys.executable, os.path.join(ROOT, "benches", "gen_sessions.py"), path, str(sessions), str(entries)], path)
    sh([BIN, "init", "--name", "bench", "--goal", "Benchmark the journal", "--step", "one", "--step", "two", "-q"], path)
    for i in range(12):
        sh([BIN, "log", "--progress", f"note {i}", "-q"], path)
    sh([BIN, "log", "--blocker", "a blocker", "-q"], path)
    sh([BIN, "log", "--next", "the next thing", "-q"], path)
    return path


def row(label, ours, base, goal=None):
    ratio = ours[0] / base[0]
    verdict = "" if goal is None else ("  goal <= %.1fx: %s" % (goal, "met" if ratio <= goal else "NOT met"))
    print(f"{label}\n    ours {ours[0]:8.2f} ms (p10 {ours[1]:.2f}, p90 {ours[2]:.2f})   "
          f"baseline {base[0]:8.2f} ms (p10 {base[1]:.2f}, p90 {base[2]:.2f})   ratio {ratio:5.2f}x{verdict}")
    return ratio


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="1,000 instead of 10,000 sessions")
    ap.add_argument("--only", default="1,2,3,4,5,6")
    ap.add_argument("--sync-sessions", type=int, default=200, help="row 6: new sessions to push")
    ap.add_argument("--sync-entries", type=int, default=5, help="row 6: journal entries per new session")
    a = ap.parse_args()
    only = {int(x) for x in a.only.split(",")}
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print(f"git-session benchmarks on {os.cpu_count()} cores, {a.runs} runs each; times are whole processes")
    tmp = tempfile.mkdtemp(prefix="gs-bench-")
    try:
        small = repo(os.path.join(tmp, "small"))
        session_file = sh(["git", "ls-tree", "--name-only", "refs/sessions", "active/"], small).split()[0]
        ev = lambda prompt: json.dumps({"session_id": "bench", "cwd": small, "hook_event_name": "UserPromptSubmit", "prompt": prompt}).encode()
        if 1 in only:
            ours, base = pair([BIN, "hook", "user-prompt-submit"], ["git", "rev-parse", "--git-dir"], small, a.runs, ours_stdin=ev("refactor the lexer to use a state machine"))
            row("1. hook user-prompt-submit, ordinary prompt  vs  git rev-parse --git-dir", ours, base, 1.0)
        if 2 in only:
            ours, base = pair([BIN, "hook", "user-prompt-submit"], ["git", "cat-file", "-p", f"refs/sessions:{session_file}"], small, a.runs, ours_stdin=ev("ok, where were we?"))
            row("2. hook user-prompt-submit, \"where were we?\"  vs  git cat-file -p refs/sessions:<file>", ours, base, 2.0)
        if 3 in only:
            ours, base = pair([BIN, "log", "--progress", "benchmark note", "-q"], ["git", "notes", "--ref=bench", "append", "-m", "benchmark note", "HEAD"], small, a.runs)
            row("3. log --progress  vs  git notes append", ours, base, 0.7)
        if only & {4, 5}:
            n = 1000 if a.quick else 10000
            big = repo(os.path.join(tmp, "big"), sessions=n, entries=5)
            ten = repo(os.path.join(tmp, "ten"), sessions=10, entries=5)
            if 4 in only:
                ours, base = pair([BIN, "log", "--progress", "benchmark note", "-q"], [BIN, "log", "--progress", "benchmark note", "-q"], big, a.runs, base_cwd=ten)
                row(f"4. log --progress at {n} archived sessions ({n * 5} entries)  vs  at 10", ours, base, 1.1)
            if 5 in only:
                for args, label in [(["list", "--all"], "list --all"), (["list"], "list"), (["resume"], "resume"), (["view", "--json"], "view --json")]:
                    ours, base = pair([BIN] + args, [BIN] + args, big, max(5, a.runs // 5), base_cwd=ten)
                    row(f"5. {label} at {n} sessions  vs  at 10", ours, base)
        if 6 in only:
            have = subprocess.run([BIN, "sync", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            if not have:
                print("6. sync: not measured (this build has no sync command)")
            else:
                bench_sync(tmp, a.runs, a.sync_sessions, a.sync_entries)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_sync(tmp, runs, sessions, entries):
    """Push new sessions (default 200 x 5 entries = 1,000 entries) to a local bare remote: our sync
    against plain git fetch + git push of the same ref, from identical copies, to identical remotes."""
    runs = max(5, runs // 10)
    ours_t, base_t = [], []
    for r in range(runs):
        ra, rb = os.path.join(tmp, f"remote-a-{r}.git"), os.path.join(tmp, f"remote-b-{r}.git")
        sh(["git", "init", "-q", "--bare", ra], tmp)
        a = repo(os.path.join(tmp, f"sync-a-{r}"))
        sh(["git", "remote", "add", "origin", ra], a)
        sh([BIN, "sync", "-q"], a)
        sh([sys.executable, os.path.join(ROOT, "benches", "gen_sessions.py"), a, str(sessions), str(entries), "--on-top"], a)
        # The entries were written behind the tool's back; in use, the commands that make them keep
        # .sessions/ current. Bring it up to date so that the timing is the sync alone.
        sh([BIN, "list", "-q"], a)
        b = os.path.join(tmp, f"sync-b-{r}")
        shutil.copytree(a, b, symlinks=True)
        shutil.copytree(ra, rb, symlinks=True)
        sh(["git", "remote", "set-url", "origin", rb], b)
        t = time.perf_counter()
        sh([BIN, "sync", "-q"], a)
        ours_t.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        sh(["git", "fetch", "-q", "origin", "+refs/git-session/sessions:refs/remotes/origin/sessions"], b)
        sh(["git", "push", "-q", "origin", "refs/sessions:refs/git-session/sessions"], b)
        base_t.append((time.perf_counter() - t) * 1000)
    stats = lambda ts: (statistics.median(ts), sorted(ts)[int(0.1 * len(ts))], sorted(ts)[min(len(ts) - 1, int(0.9 * len(ts)))])
    row(f"6. sync of {sessions} new sessions ({sessions * entries} entries) to a local bare remote  vs  git fetch + git push", stats(ours_t), stats(base_t), 1.5)


if __name__ == "__main__":
    main()
