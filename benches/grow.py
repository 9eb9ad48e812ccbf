#!/usr/bin/env python3
"""Grow a repository the way real use does: with the CLI itself, `init`, `log`, `close` per session.

Usage: grow.py BIN REPO SESSIONS [--base N]

With --base N, the first N sessions are written by the CLI's own `import` of a generated seed-era
`.sessions/` tree (so in exactly the layout that binary writes), then `git gc` packs them, as
`git gc --auto` would have in a repository used for months; the rest are grown by the CLI one
command at a time, leaving loose objects or small packs exactly as the binary leaves them.

Resumable: sessions already in the journal (counted from the mirror's archive/) are kept and the
growth continues from there, so an interrupted run loses nothing. Prints progress and the time
taken. Three commands per session, as the repository in issue 17 (1,000 sessions: 3,044 commits).
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_sessions  # noqa: E402
import uuid  # noqa: E402

ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com", NO_COLOR="1")


def run(args, cwd):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    if p.returncode != 0:
        sys.exit(f"failed: {args}: {p.stderr.decode()}")


def existing(repo):
    archive = os.path.join(repo, ".sessions", "archive")
    return len([n for n in os.listdir(archive) if n.startswith("grown-")]) if os.path.isdir(archive) else 0


def seed_tree(path, n, per=5):
    """A seed-era `.sessions/` tree of n archived sessions with `per` entries each."""
    os.makedirs(os.path.join(path, "archive"))
    for k in range(n):
        sid = str(uuid.uuid4())
        short = sid.replace("-", "")[-8:]
        name = f"grown-{k}"
        with open(os.path.join(path, "archive", f"{name}-{short}.md"), "w") as f:
            f.write(gen_sessions.session_file(sid, short, name))
        entries = os.path.join(path, "journal", short, "entries")
        os.makedirs(entries)
        with open(os.path.join(path, "journal", short, "progress.md"), "w") as f:
            f.write(f"# {name}\n")
        for i in range(per):
            with open(os.path.join(entries, f"2025-01-15T10-00-{i % 60:02d}.{i:03d}Z-progress-{i:04x}.md"), "w") as f:
                f.write(gen_sessions.entry(sid, i))


def grow(bin_, repo, sessions, log=sys.stderr, base=0):
    if not os.path.isdir(os.path.join(repo, ".git")):
        os.makedirs(repo, exist_ok=True)
        for args in (["git", "init", "-q", "-b", "main"], ["git", "config", "user.name", "Bench"],
                     ["git", "config", "user.email", "bench@example.com"],
                     ["git", "commit", "-q", "--allow-empty", "-m", "first"]):
            run(args, repo)
        if base:
            seed = repo + ".seed"
            shutil.rmtree(seed, ignore_errors=True)
            t = time.time()
            seed_tree(seed, base)
            run([bin_, "import", seed, "-q"], repo)
            shutil.rmtree(seed, ignore_errors=True)
            print(f"grow: imported {base} sessions in {time.time() - t:.0f} s", file=log, flush=True)
            run(["git", "gc", "-q"], repo)
    start, t0 = existing(repo), time.time()
    for k in range(start, sessions):
        run([bin_, "init", "--name", f"grown-{k}", "--goal", f"Grown session {k}", "--step", "one", "--step", "two", "-q"], repo)
        run([bin_, "log", "--progress", f"worked on {k}", "-q"], repo)
        run([bin_, "close", "--complete", "-q"], repo)
        if (k + 1) % 500 == 0:
            el = time.time() - t0
            print(f"grow: {k + 1}/{sessions} sessions, {el:.0f} s, {el * 1000 / ((k + 1 - start) * 3):.1f} ms per command", file=log, flush=True)
    return time.time() - t0


if __name__ == "__main__":
    b, r, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    base = int(sys.argv[sys.argv.index("--base") + 1]) if "--base" in sys.argv else 0
    print(f"grew {n} sessions in {grow(b, r, n, base=base):.0f} s", file=sys.stderr)
