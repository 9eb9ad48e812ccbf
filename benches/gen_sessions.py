#!/usr/bin/env python3
"""Write a large refs/sessions history directly with `git fast-import`, instead of N CLI calls.

Usage: gen_sessions.py REPO SESSIONS ENTRIES_PER_SESSION [--on-top]

Each session gets a session file under archive/ (status completed), a progress.md and
ENTRIES_PER_SESSION journal entries, all in the format git-session writes, in one commit.
"""
import os
import subprocess
import sys
import uuid


def session_file(sid, short, name):
    return f"""---
id: {sid}
shortname: {name}
title: Generated session {name}
status: completed
task_ids: []
created_at: 2025-01-15T10:00:00.000Z
updated_at: 2025-01-15T10:00:00.000Z
compaction_count: 0
git_branch: main
git_last_commit: null
---

# Session: Generated session {name}

## TL;DR (Read This First)

- **Status:** completed — 1 of 1 steps done
- **Blocker:** none
- **Next:** none

Generated for benchmarks.

## Context

### Objective

Generated for benchmarks.

### Key Files

### Key Context

## Progress

### Completed

- [x] only step (2025-01-15 10:00 UTC)

### In Progress

### Remaining

## Decisions

## Discoveries

1. something found (2025-01-15 10:00 UTC)

## Blockers

## Next Steps
"""


def entry(sid, i):
    return f"""---
kind: progress
at: 2025-01-15T10:00:{i % 60:02d}.000Z
session: {sid}
author: Bench <bench@example.com>
host: bench
---

generated entry {i}
"""


def main():
    repo, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    on_top = "--on-top" in sys.argv[4:]
    out = []

    def blob(path, text):
        data = text.encode()
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    for k in range(n):
        sid = str(uuid.uuid4())
        short = sid.replace("-", "")[-8:]
        name = f"gen-{k}"
        blob(f"archive/{name}-{short}.md", session_file(sid, short, name))
        blob(f"journal/{short}/progress.md", f"# {name}\n")
        for i in range(per):
            blob(f"journal/{short}/entries/2025-01-15T10-00-{i % 60:02d}.{i:03d}Z-progress-{i % 65536:04x}.md", entry(sid, i))
    msg = f"bench: {n} generated sessions".encode()
    head = (
        b"commit refs/sessions\n"
        b"committer Bench <bench@example.com> 1736935200 +0000\n"
        + f"data {len(msg)}\n".encode() + msg + b"\n"
        + (b"from refs/sessions^0\n" if on_top else b"")
    )
    proc = subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=head + b"".join(out) + b"\n", check=False)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
