#!/usr/bin/env python3
"""git-session benchmarks: each measurement next to a git baseline run in the same script.

Usage: python3 benches/bench.py [--runs N] [--quick] [--only 1,3] [--bin PATH --storage V]

Builds the release binary (or takes --bin), grows repositories the way real use does (see
benches/grow.py: the binary's own `import` of a generated seed tree, packed as `git gc --auto`
would have, then the last sessions by `init`/`log`/`close` one command at a time, so loose objects
or small packs are what the binary leaves), caches them in $TMPDIR/gs-bench-cache keyed by the
binary's storage version (layout.rs STORAGE_VERSION) and copies the cache for every run, then
times whole processes alternately with their baseline: median and spread (p10-p90) over N runs.
Ratios are ours / baseline, medians; below 1.0 means faster than the baseline. Every row of issue
17's table prints with its goal. Row 9 (issue 18): `search` over every session file and entry.
Team scale (issue 20: N agents logging and syncing against one remote at once) is benches/team.py.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grow  # noqa: E402

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


def git_repo(path):
    os.makedirs(path)
    for args in (["git", "init", "-q", "-b", "main"], ["git", "config", "user.name", "Bench"],
                 ["git", "config", "user.email", "bench@example.com"]):
        sh(args, path)
    with open(os.path.join(path, "README"), "w") as f:
        f.write("bench\n")
    sh(["git", "add", "README"], path)
    sh(["git", "commit", "-q", "-m", "first"], path)
    return path


def bench_session(path):
    """The active session the measured commands work on: a dozen entries, a blocker, a next step."""
    sh([BIN, "init", "--name", "bench", "--goal", "Benchmark the journal", "--step", "one", "--step", "two", "-q"], path)
    for i in range(12):
        sh([BIN, "log", "--progress", f"note {i}", "-q"], path)
    sh([BIN, "log", "--blocker", "a blocker", "-q"], path)
    sh([BIN, "log", "--next", "the next thing", "-q"], path)


def storage_version():
    text = open(os.path.join(ROOT, "src", "layout.rs")).read()
    m = re.search(r"pub const STORAGE_VERSION: u32 = (\d+);", text)
    return int(m.group(1)) if m else 1


def grown(tmp, name, sessions, tail, storage):
    """A repository of `sessions` sessions, the last `tail` grown by the CLI one command at a time,
    plus the bench session; built once per storage version and size, copied for each run."""
    cache = os.path.join(tempfile.gettempdir(), "gs-bench-cache", f"storage{storage}-{sessions}-{tail}")
    if not os.path.isdir(os.path.join(cache, "ready")):
        shutil.rmtree(cache, ignore_errors=True)
        t = time.time()
        grow.grow(BIN, os.path.join(cache, "repo"), sessions, base=sessions - tail)
        bench_session(os.path.join(cache, "repo"))
        os.makedirs(os.path.join(cache, "ready"))
        print(f"   (grew {sessions} sessions in {time.time() - t:.0f} s, cached in {cache})", flush=True)
    dest = os.path.join(tmp, name)
    subprocess.run(["cp", "-a", os.path.join(cache, "repo"), dest], check=True)
    return dest


def git_kb(path):
    out = sh(["git", "count-objects", "-v"], path)
    v = dict(line.split(": ") for line in out.splitlines())
    return int(v["size"]) + int(v["size-pack"])


def row(label, ours, base, goal=None):
    ratio = ours[0] / base[0]
    verdict = "" if goal is None else ("  goal <= %.1fx: %s" % (goal, "met" if ratio <= goal else "NOT met"))
    print(f"{label}\n    ours {ours[0]:8.2f} ms (p10 {ours[1]:.2f}, p90 {ours[2]:.2f})   "
          f"baseline {base[0]:8.2f} ms (p10 {base[1]:.2f}, p90 {base[2]:.2f})   ratio {ratio:5.2f}x{verdict}", flush=True)
    return ratio


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="1,000 instead of 10,000 sessions")
    ap.add_argument("--only", default="1,2,3,4,5,6,7,8,9")
    ap.add_argument("--tail", type=int, default=300, help="sessions grown one command at a time")
    ap.add_argument("--bin", help="measure this binary instead of building one")
    ap.add_argument("--storage", type=int, help="with --bin: its STORAGE_VERSION (cache key)")
    ap.add_argument("--sync-sessions", type=int, default=200, help="row 7: new sessions to push")
    a = ap.parse_args()
    only = {int(x) for x in a.only.split(",")}
    if a.bin:
        BIN = os.path.abspath(a.bin)
        storage = a.storage or 1
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        storage = storage_version()
    load = open("/proc/loadavg").read().split()[:3]
    print(f"git-session benchmarks on {os.cpu_count()} cores, load {' '.join(load)}, {a.runs} runs each, "
          f"storage version {storage}; times are whole processes", flush=True)
    tmp = tempfile.mkdtemp(prefix="gs-bench-")
    try:
        small = git_repo(os.path.join(tmp, "small"))
        bench_session(small)
        session_file = sh(["git", "ls-tree", "--name-only", "refs/sessions", "active/"], small).split()[0]
        ev = lambda cwd, prompt: json.dumps({"session_id": "bench", "cwd": cwd, "hook_event_name": "UserPromptSubmit", "prompt": prompt}).encode()
        if 1 in only:
            ours, base = pair([BIN, "hook", "user-prompt-submit"], ["git", "rev-parse", "--git-dir"], small, a.runs, ours_stdin=ev(small, "refactor the lexer to use a state machine"))
            row("1. hook user-prompt-submit, ordinary prompt  vs  git rev-parse --git-dir", ours, base, 0.8)
            # A short line with no cue word is the one ordinary prompt the model reads (decision 158).
            ours, base = pair([BIN, "hook", "user-prompt-submit"], ["git", "rev-parse", "--git-dir"], small, a.runs, ours_stdin=ev(small, "fix the bug"))
            row("1c. hook user-prompt-submit, short prompt with no cue word  vs  git rev-parse --git-dir", ours, base, 0.8)
        if 2 in only:
            ours, base = pair([BIN, "hook", "user-prompt-submit"], ["git", "cat-file", "-p", f"refs/sessions:{session_file}"], small, a.runs, ours_stdin=ev(small, "ok, where were we?"))
            row("2. hook user-prompt-submit, \"where were we?\"  vs  git cat-file -p refs/sessions:<file>", ours, base, 2.0)
        if 9 in only:
            # Claude Code runs the statusLine command after every assistant message, like the prompt hook.
            status = json.dumps({"session_id": "bench", "cwd": small, "workspace": {"current_dir": small}, "model": {"display_name": "Opus"}}).encode()
            ours, base = pair([BIN, "statusline"], ["git", "rev-parse", "--git-dir"], small, a.runs, ours_stdin=status)
            row("1b. statusline  vs  git rev-parse --git-dir", ours, base)
        if 3 in only:
            ours, base = pair([BIN, "log", "--progress", "benchmark note", "-q"], ["git", "notes", "--ref=bench", "append", "-m", "benchmark note", "HEAD"], small, a.runs)
            row("3. log --progress  vs  git notes append", ours, base, 1.0)
            # git notes append writes loose objects, which git does not fsync by default; our pack
            # is fsynced as git fsyncs packs (core.fsync). The same log with core.fsync=none:
            nofsync = git_repo(os.path.join(tmp, "nofsync"))
            sh(["git", "config", "core.fsync", "none"], nofsync)
            bench_session(nofsync)
            ours, base = pair([BIN, "log", "--progress", "benchmark note", "-q"], ["git", "notes", "--ref=bench", "append", "-m", "benchmark note", "HEAD"], nofsync, a.runs)
            row("3b. log --progress with core.fsync=none (no fsync, as for git's loose objects)  vs  git notes append", ours, base)
        if only & {4, 5, 6, 8, 9}:
            n = 1000 if a.quick else 10000
            big = grown(tmp, "big", n, a.tail, storage)
            ten = grown(tmp, "ten", 10, 10, storage)
            loose = lambda p: sh(["git", "count-objects", "-v"], p).splitlines()
            print(f"   big repository: {' '.join(l for l in loose(big) if l.split(':')[0] in ('count', 'in-pack', 'packs'))}; "
                  f"{sh(['git', 'rev-list', '--count', 'refs/sessions'], big).strip()} commits", flush=True)
            kb = (git_kb(big), git_kb(ten))
            logs = ([BIN, "log", "--progress", "benchmark note", "-q"])
            if 4 in only or 8 in only:
                ours, base = pair(logs, logs, big, a.runs, base_cwd=ten)
                if 4 in only:
                    row(f"4. log --progress at {n} sessions  vs  at 10 (both grown by the CLI)", ours, base, 1.1)
            if 8 in only:
                per = ((git_kb(big) - kb[0]) / a.runs, (git_kb(ten) - kb[1]) / a.runs)
                ratio = per[0] / per[1] if per[1] else float("inf")
                print(f"8. bytes added to .git per log (git count-objects -v) at {n} sessions  vs  at 10\n"
                      f"    ours {per[0]:8.1f} KB   baseline {per[1]:8.1f} KB   ratio {ratio:5.2f}x  goal <= 1.1x: {'met' if ratio <= 1.1 else 'NOT met'}", flush=True)
            if 5 in only:
                for args, label, goal in [(["list", "--all"], "list --all", 3.0), (["list"], "list", None), (["view", "--json"], "view --json", None)]:
                    ours, base = pair([BIN] + args, [BIN] + args, big, max(5, a.runs // 5), base_cwd=ten)
                    row(f"5. {label} at {n} sessions  vs  at 10", ours, base, goal)
            if 6 in only:
                ours, base = pair([BIN, "resume"], [BIN, "resume"], big, max(5, a.runs // 5), base_cwd=ten)
                row(f"6. resume at {n} sessions  vs  at 10", ours, base, 1.1)
                # The same session named by an id prefix (unique: it reaches into the random bits).
                prefix = lambda cwd: json.loads(sh([BIN, "view", "--json"], cwd))["id"][:23]
                ours, base = pair([BIN, "resume", prefix(big)], [BIN, "resume", prefix(ten)], big, max(5, a.runs // 5), base_cwd=ten)
                row(f"6. resume <id prefix> at {n} sessions  vs  at 10", ours, base, 1.1)
                compact = lambda cwd: json.dumps({"session_id": "bench", "cwd": cwd, "hook_event_name": "SessionStart", "source": "compact"}).encode()
                ours, base = pair([BIN, "hook", "session-start"], [BIN, "hook", "session-start"], big, max(5, a.runs // 5), ours_stdin=compact(big), base_stdin=compact(ten), base_cwd=ten)
                row(f"6. hook session-start (compact) at {n} sessions  vs  at 10", ours, base, 1.1)
            if 9 in only:
                # Every session file and journal entry read from the tree, as git grep reads every
                # blob of it: a rare phrase (the bench session's goal) and one in almost every entry.
                for query in ("benchmark the journal", "generated entry"):
                    ours, base = pair([BIN, "search", query], ["git", "grep", "-i", "-F", "-e", query, "refs/sessions"],
                                      big, max(5, a.runs // 5))
                    row(f"9. search \"{query}\" at {n} sessions  vs  git grep -i -F over refs/sessions", ours, base, 2.0)
        if 7 in only:
            bench_sync(tmp, a.runs, a.sync_sessions)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_sync(tmp, runs, sessions):
    """Push new sessions (default 200 x 5 entries = 1,000 entries, written by the binary's own
    import) to a local bare remote: our sync against plain git fetch + git push of the same ref,
    from identical copies, to identical remotes."""
    runs = max(5, runs // 10)
    ours_t, base_t = [], []
    for r in range(runs):
        ra, rb = os.path.join(tmp, f"remote-a-{r}.git"), os.path.join(tmp, f"remote-b-{r}.git")
        sh(["git", "init", "-q", "--bare", ra], tmp)
        a = git_repo(os.path.join(tmp, f"sync-a-{r}"))
        bench_session(a)
        sh(["git", "remote", "add", "origin", ra], a)
        sh([BIN, "sync", "-q"], a)
        seed = os.path.join(tmp, f"seed-{r}")
        grow.seed_tree(seed, sessions)
        sh([BIN, "import", seed, "-q"], a)
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
    row(f"7. sync of {sessions} new sessions ({sessions * 5} entries) to a local bare remote  vs  git fetch + git push", stats(ours_t), stats(base_t), 1.1)


if __name__ == "__main__":
    main()
