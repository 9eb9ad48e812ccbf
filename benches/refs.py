#!/usr/bin/env python3
"""What discovering the journal's refs costs (issue 20): a no-op `git fetch` with sync's three
glob refspecs (protocol v2 sends them as `ref-prefix`, so the server lists only the journal's
refs) against the `git ls-remote <remote> refs/sessions refs/git-session/sessions` older
versions ran (ls-remote sends no ref-prefix for patterns: the server lists every ref), on a
bare remote holding 10,000 branches and 16, 1,000, then 10,000 clone refs.

Usage: python3 benches/refs.py [--runs N]
Medians over N runs (default 15) of whole git processes over file://, in milliseconds.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="B",
                   GIT_AUTHOR_EMAIL="b@e", GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@e")

        def git(*a, cwd=tmp, stdin=None):
            return subprocess.run(["git", *a], cwd=cwd, env=env, input=stdin, check=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()

        remote = os.path.join(tmp, "r.git")
        work = os.path.join(tmp, "w")
        git("init", "-q", "--bare", remote)
        git("init", "-q", work)
        git("commit", "-q", "--allow-empty", "-m", "x", cwd=work)
        commit = git("rev-parse", "HEAD", cwd=work).strip()
        url = "file://" + remote
        git("push", "-q", remote, "HEAD:refs/heads/main", cwd=work)

        def refs(names):
            git(f"--git-dir={remote}", "update-ref", "--stdin",
                stdin="".join(f"create {n} {commit}\n" for n in names).encode())
            git(f"--git-dir={remote}", "pack-refs", "--all")

        def median_ms(cmd):
            subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)  # warm
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
            return statistics.median(times) * 1000

        specs = ["+refs/git-session/clones/*:refs/git-session/remotes/o/clones/*",
                 "+refs/git-session/sessions*:refs/git-session/remotes/o/sessions*",
                 "+refs/sessions*:refs/git-session/remotes/o/own*"]
        fetch = ["git", "fetch", "--no-tags", "--no-filter", "--prune", "--refmap=", url, *specs]
        ls_remote = ["git", "ls-remote", url, "refs/sessions", "refs/git-session/sessions"]
        refs(["refs/git-session/sessions"] + [f"refs/heads/b{i}" for i in range(10000)])
        print(f"git {git('--version').split()[-1]}, {args.runs} runs, medians")
        print(f"{'remote holds':<34} {'fetch (ref-prefix)':>19} {'ls-remote (old)':>16}")
        done = 0
        for clones in (16, 1000, 10000):
            refs([f"refs/git-session/clones/c{i}" for i in range(done, clones)])
            done = clones
            row = f"10,000 branches + {clones:,} clone refs"
            print(f"{row:<34} {median_ms(fetch):>16.1f} ms {median_ms(ls_remote):>13.1f} ms")


if __name__ == "__main__":
    main()
