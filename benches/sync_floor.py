#!/usr/bin/env python3
"""What one sync costs when K other clones pushed new entries since it last synced, beside
what plain git costs to move the same refs (issue 20: the floor under the team-scale ratio).

Usage: python3 benches/sync_floor.py [--bin PATH] [--clones 16] [--repeat 5] [--warm 3]
                                     [--packed-remote] [--latency MS] [--fewest-objects]
                                     [--json] [--tmp DIR]

Set-up: a bare remote (`git init --bare`, one commit on main), N clones of it (`--clones`,
default 16), each with its own identity, its own session (`init --name agent-<i>`) and one
`sync`; then `--warm` rounds (default 3) in which every clone in turn runs `log --progress` and
`sync`, so the journal and the remote hold some history.

Then for K = 0, 1 and N-1, `--repeat` times (default 5): clones 1..K each `log` and `sync`
(not measured); clone 0 `log`s; the remote and clone 0 are copied (`cp -a`) and in the copies
plain git runs the recipe of docs/sync.md without the merge: `git fetch --prune` of the three
journal refspecs, then `git push` of `refs/sessions` to the clone's ref and the shared ref;
then in the originals `git-session sync` runs. For each: wall time and CPU time (user +
system of the process and every process it waited for, from `wait4`: git's children, and for
a local remote its upload-pack and receive-pack too).

One row per K: median wall and CPU of `sync` and of plain git, the CPU also as a ratio to its
own K = 0 (`--json` has the wall ratios too), and sync / git. Plain git's ratio is the floor for anything that moves the journal with
git: at K = N-1 a sync must fetch and index the others' new objects and update their tracking
refs, which a sync at K = 0 does not; `sync` adds the merge and the mirror's files on top.
`--packed-remote` sets `receive.unpackLimit = 1` on the remote, so that every push is kept as
a pack instead of being exploded into loose objects (git's default below 100 objects), as a
remote that is kept packed would be. The exit status is 0 (a benchmark). See
docs/performance.md, "Team scale".

`--fewest-objects` measures, instead of the journal, what no layout of it could go below: each
clone writes the fewest objects a commit can carry (one blob, a tree of that one file, a commit
on its own ref, with `hash-object`, `mktree`, `commit-tree`), and one "sync" is a plain `git
fetch --prune` of every clone's ref plus a `git push` of its own; git-session does not run. A
journal entry writes about 14 objects per writer and round (10 for the entry: the commit, six
trees down to `journal/<xx>/<short>/entries/`, the entry, `progress.md` and the session file;
4 for the sync's merge), so the two floors' difference is what the layout of the journal costs.
"""
import argparse
import asyncio
import json
import os
import socket
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "git-session")
REFSPECS = [
    "+refs/git-session/clones/*:refs/git-session/remotes/origin/clones/*",
    "+refs/git-session/sessions*:refs/git-session/remotes/origin/sessions*",
]


def env_for(home):
    env = dict(os.environ, HOME=home, GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    for k in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
              "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL",
              "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"):
        env.pop(k, None)
    return env


def run(args, cwd, env):
    """Run, fail loudly; return stdout."""
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sync_floor: {' '.join(args)} in {cwd}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def measured(args, cwd, env):
    """(wall s, cpu s) of one command and everything it waited for; fails loudly."""
    start = time.perf_counter()
    p = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"sync_floor: {' '.join(args)}: exit {p.returncode}: {err.decode(errors='replace').strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_relay(listen, target, delay_s):
    """A TCP relay on 127.0.0.1:listen to 127.0.0.1:target that delivers every chunk delay_s
    after it arrived, in order, in both directions (a link with that one-way latency)."""
    loop = asyncio.new_event_loop()

    async def pipe(reader, writer):
        queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                wait = at + delay_s - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = loop.create_task(deliver())
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time(), data or None))
            if not data:
                break
        await sender

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pipe(cr, sw), pipe(sr, cw), return_exceptions=True)

    async def serve():
        server = await asyncio.start_server(handle, "127.0.0.1", listen)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True).start()


def remote_far_away(base, name, latency_ms, env):
    """`git daemon` serving the repositories under `base` on 127.0.0.1 (pushes allowed), behind a
    relay that delays each chunk `latency_ms` each way: (the daemon's process, the git:// URL of
    `base/name` through the relay), once the URL answers `ls-remote` (5 s at most)."""
    port, relay_port = free_port(), free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
         f"--base-path={base}", "--listen=127.0.0.1", f"--port={port}", base],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start_relay(relay_port, port, latency_ms / 1000)
    url = f"git://127.0.0.1:{relay_port}/{name}"
    for _ in range(100):
        if subprocess.run(["git", "ls-remote", url], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    return daemon, url


def plain_git(clone, clone_id, env):
    """The recipe of docs/sync.md without the merge: fetch the journal refs, push ours."""
    w1, c1 = measured(["git", "fetch", "--quiet", "--no-tags", "--prune", "origin", *REFSPECS], clone, env)
    w2, c2 = measured(["git", "push", "--quiet", "origin",
                       f"refs/sessions:refs/git-session/clones/{clone_id}",
                       "+refs/sessions:refs/git-session/sessions"], clone, env)
    return w1 + w2, c1 + c2


FEWEST_SPEC = "+refs/floor/clones/*:refs/floor/remotes/origin/clones/*"


def fewest_objects(clones, env, warm, repeat):
    """Rows for K = 0, 1, N-1 of plain git moving one-blob commits, each on its writer's ref."""
    n = [0]

    def write(i):
        c = clones[i]
        n[0] += 1

        def git(args, stdin=None):
            return subprocess.run(["git", *args], cwd=c, env=env, input=stdin, capture_output=True,
                                  text=True, check=True).stdout.strip()

        blob = git(["hash-object", "-w", "--stdin"], f"entry {n[0]}\n")
        tree = git(["mktree"], f"100644 blob {blob}\tentry.md\n")
        parent = subprocess.run(["git", "rev-parse", "-q", "--verify", "refs/floor/mine"], cwd=c, env=env,
                                capture_output=True, text=True).stdout.strip()
        commit = git(["commit-tree", tree, "-m", "entry", *(["-p", parent] if parent else [])])
        git(["update-ref", "refs/floor/mine", commit])

    def sync(i, measure=False):
        fetch = ["git", "fetch", "--quiet", "--no-tags", "--prune", "origin", FEWEST_SPEC]
        push = ["git", "push", "--quiet", "origin", f"refs/floor/mine:refs/floor/clones/c{i}"]
        if not measure:
            run(fetch, clones[i], env)
            run(push, clones[i], env)
            return None
        w1, c1 = measured(fetch, clones[i], env)
        w2, c2 = measured(push, clones[i], env)
        return w1 + w2, c1 + c2

    for _ in range(warm):
        for i in range(len(clones)):
            write(i)
            sync(i)
    rows = []
    for k in sorted({0, 1, len(clones) - 1}):
        got = []
        for _ in range(repeat):
            for j in range(1, k + 1):
                write(j)
                sync(j)
            write(0)
            got.append(sync(0, measure=True))
        rows.append({"k": k, "git_wall_ms": statistics.median(w for w, _ in got) * 1000,
                     "git_cpu_ms": statistics.median(c for _, c in got) * 1000})
    for r in rows:
        r["git_wall_ratio"] = r["git_wall_ms"] / rows[0]["git_wall_ms"]
        r["git_cpu_ratio"] = r["git_cpu_ms"] / rows[0]["git_cpu_ms"]
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=BIN)
    ap.add_argument("--clones", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warm", type=int, default=3)
    ap.add_argument("--packed-remote", action="store_true")
    ap.add_argument("--latency", type=float, default=0.0, help="one-way ms to a git daemon remote")
    ap.add_argument("--fewest-objects", action="store_true",
                    help="plain git moving one-blob commits instead of the journal")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--tmp")
    a = ap.parse_args()
    if a.clones < 2:
        ap.error("--clones must be at least 2 (one measured, the others writing)")
    if a.repeat < 1 or a.warm < 0:
        ap.error("--repeat must be at least 1 and --warm at least 0")
    if a.latency < 0:
        ap.error("--latency must be 0 or more milliseconds")
    if a.tmp and not os.path.isdir(a.tmp):
        ap.error(f"--tmp {a.tmp}: no such directory")
    if not a.fewest_objects and not os.path.exists(a.bin):
        if a.bin != BIN:
            ap.error(f"--bin {a.bin}: no such file")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    # A SIGTERM (`timeout`, a CI runner) unwinds like Ctrl-C, so the temp tree and the
    # daemon are cleaned up by the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base = tempfile.mkdtemp(prefix="gs-floor-", dir=a.tmp)
    daemon = None
    try:
        home = os.path.join(base, "home")
        os.makedirs(home)
        with open(os.path.join(home, ".gitconfig"), "w") as f:
            f.write("[init]\n\tdefaultBranch = main\n[user]\n\tname = bench\n\temail = bench@example.com\n")
        env = env_for(home)
        remote = os.path.join(base, "remote.git")
        run(["git", "init", "-q", "--bare", remote], base, env)
        if a.packed_remote:
            run(["git", "config", "receive.unpackLimit", "1"], remote, env)
        url = remote
        if a.latency:
            daemon, url = remote_far_away(base, "remote.git", a.latency, env)
        seed = os.path.join(base, "seed")
        run(["git", "clone", "-q", url, seed], base, env)
        run(["git", "commit", "-q", "--allow-empty", "-m", "init"], seed, env)
        run(["git", "push", "-q", "origin", "main"], seed, env)
        clones = []
        if a.fewest_objects:
            for i in range(a.clones):
                clones.append(os.path.join(base, f"c{i}"))
                run(["git", "clone", "-q", url, clones[-1]], base, env)
            rows = fewest_objects(clones, env, a.warm, a.repeat)
            git_version = run(["git", "--version"], base, env).strip()
            if a.json:
                print(json.dumps({"clones": a.clones, "repeat": a.repeat, "warm": a.warm, "fewest_objects": True,
                                  "packed_remote": a.packed_remote, "latency_ms": a.latency,
                                  "git": git_version, "rows": rows}, indent=2))
                return
            print(f"plain git alone, one blob + one tree + one commit per writer on its own ref;"
                  f" median of {a.repeat}; {git_version}; remote"
                  f" {'packed (receive.unpackLimit=1)' if a.packed_remote else 'as git init --bare makes it'}"
                  + (f", git daemon {a.latency:g} ms away each way" if a.latency else ""))
            print(f"{'K':>3}  {'git wall':>8} {'cpu':>7} {'cpu/K=0':>8} {'wall/K=0':>9}")
            for r in rows:
                print(f"{r['k']:>3}  {r['git_wall_ms']:>6.0f}ms {r['git_cpu_ms']:>5.0f}ms"
                      f" {r['git_cpu_ratio']:>7.2f}x {r['git_wall_ratio']:>8.2f}x")
            return
        for i in range(a.clones):
            c = os.path.join(base, f"c{i}")
            run(["git", "clone", "-q", url, c], base, env)
            run(["git", "config", "user.name", f"agent-{i}"], c, env)
            run(["git", "config", "user.email", f"agent-{i}@example.com"], c, env)
            run([a.bin, "init", "--name", f"agent-{i}"], c, env)
            run([a.bin, "sync"], c, env)
            clones.append(c)
        n = 0

        def log(c):
            nonlocal n
            n += 1
            run([a.bin, "log", "--progress", f"entry {n}: measured the floor"], c, env)

        for _ in range(a.warm):
            for c in clones:
                log(c)
                run([a.bin, "sync"], c, env)
        clone_id = run(["git", "config", "--local", "session.cloneId"], clones[0], env).strip()
        rows = []
        for k in sorted({0, 1, a.clones - 1}):
            ours, git = [], []
            for _ in range(a.repeat):
                for c in clones[1:k + 1]:
                    log(c)
                    run([a.bin, "sync"], c, env)
                log(clones[0])
                rcopy, ccopy = os.path.join(base, "remote-copy.git"), os.path.join(base, "c0-copy")
                shutil.copytree(remote, rcopy, symlinks=True)
                shutil.copytree(clones[0], ccopy, symlinks=True)
                run(["git", "remote", "set-url", "origin",
                     url.replace("/remote.git", "/remote-copy.git") if a.latency else rcopy], ccopy, env)
                git.append(plain_git(ccopy, clone_id, env))
                shutil.rmtree(rcopy)
                shutil.rmtree(ccopy)
                ours.append(measured([a.bin, "sync"], clones[0], env))
            rows.append({
                "k": k,
                "sync_wall_ms": statistics.median(w for w, _ in ours) * 1000,
                "sync_cpu_ms": statistics.median(c for _, c in ours) * 1000,
                "git_wall_ms": statistics.median(w for w, _ in git) * 1000,
                "git_cpu_ms": statistics.median(c for _, c in git) * 1000,
            })
        k0 = rows[0]
        for r in rows:
            for key in ("sync_wall_ms", "sync_cpu_ms", "git_wall_ms", "git_cpu_ms"):
                r[key.replace("_ms", "_ratio")] = r[key] / k0[key] if k0[key] else float("nan")
            r["sync_over_git_cpu"] = r["sync_cpu_ms"] / r["git_cpu_ms"] if r["git_cpu_ms"] else float("nan")
        git_version = run(["git", "--version"], base, env).strip()
        if a.json:
            print(json.dumps({"clones": a.clones, "repeat": a.repeat, "warm": a.warm,
                              "packed_remote": a.packed_remote, "latency_ms": a.latency, "git": git_version,
                              "bin": a.bin, "rows": rows}, indent=2))
            return
        print(f"one sync after K of {a.clones} clones pushed an entry each; median of {a.repeat};"
              f" {git_version}; remote {'packed (receive.unpackLimit=1)' if a.packed_remote else 'as git init --bare makes it'}"
              + (f", git daemon {a.latency:g} ms away each way (cpu: the client side only)" if a.latency else ""))
        print(f"{'K':>3}  {'sync wall':>9} {'cpu':>7} {'cpu/K=0':>8}   {'git wall':>8} {'cpu':>7} {'cpu/K=0':>8}   {'sync/git cpu':>12}")
        for r in rows:
            print(f"{r['k']:>3}  {r['sync_wall_ms']:>7.0f}ms {r['sync_cpu_ms']:>5.0f}ms {r['sync_cpu_ratio']:>7.2f}x"
                  f"   {r['git_wall_ms']:>6.0f}ms {r['git_cpu_ms']:>5.0f}ms {r['git_cpu_ratio']:>7.2f}x"
                  f"   {r['sync_over_git_cpu']:>11.2f}x")
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
