#!/usr/bin/env python3
"""git-session sync over each transport, next to a plain git fetch + git push of the same ref.

Usage: python3 benches/transports.py [--runs N] [--entries N] [--tmp DIR]

Builds the release binary, grows a journal of N entries (default 1,000) with the CLI itself
(`git session init` and `git session log`, no generator), syncs it once to a bare remote, then
adds N more entries on top and times pushing them: `git session sync` against
`git fetch origin +refs/git-session/sessions:…` + `git push origin refs/sessions:refs/git-session/sessions`,
from identical copies of the repository to identical copies of the remote, alternating run by
run so that machine noise falls on both alike. Transports: a local path, file://, git daemon
(git://), smart HTTP (git http-backend behind a small CGI server in this script), and ssh to
localhost when /usr/sbin/sshd can be started as this user in a temp dir. Every server listens on
127.0.0.1 on a free port and is stopped at the end. Ratios are ours / baseline, medians.

Each run copies the repository and the remote twice; the repository is packed first and the
copies live in /dev/shm when it exists, since removing thousands of files from a filesystem
mounted with `discard` takes seconds each time.
"""
import argparse
import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "git-session")
ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com", NO_COLOR="1")


def sh(args, cwd, check=True):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    if check and p.returncode != 0:
        sys.exit(f"failed: {args}: {p.stderr.decode()}")
    return p.stdout.decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.02)
    sys.exit(f"{what} did not listen on {port}")


def cgi_handler(root):
    """Smart HTTP: git http-backend as a CGI program, one request per connection."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # so that `Expect: 100-continue` is answered

        def log_message(self, *args):
            pass

        def body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():
                            pass
                        return bytes(out)
                    out += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def run_cgi(self):
            body = self.body()
            path, _, query = self.path.partition("?")
            env = dict(ENV, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", REQUEST_METHOD=self.command,
                       PATH_INFO=path, QUERY_STRING=query, REMOTE_ADDR="127.0.0.1", CONTENT_LENGTH=str(len(body)),
                       CONTENT_TYPE=self.headers.get("Content-Type", ""), GATEWAY_INTERFACE="CGI/1.1")
            for k, v in self.headers.items():
                if k.lower() not in ("content-length", "content-type", "transfer-encoding"):
                    env["HTTP_" + k.upper().replace("-", "_")] = v
            out = subprocess.run(["git", "http-backend"], input=body, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, env=env).stdout
            head, _, content = out.partition(b"\r\n\r\n")
            status, headers = "200 OK", []
            for line in head.decode().splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = value.strip()
                elif line:
                    headers.append((name, value.strip()))
            code, _, reason = status.partition(" ")
            self.send_response(int(code), reason)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(content)

        do_GET = run_cgi
        do_POST = run_cgi

    return Handler


class Servers:
    """The servers of every transport, all on 127.0.0.1, stopped by close()."""

    def __init__(self, tmp, root):
        self.procs, self.urls, self.skipped = [], {}, {}
        self.urls["path"] = lambda r: os.path.join(root, r)
        self.urls["file://"] = lambda r: "file://" + os.path.join(root, r)
        port = free_port()
        daemon = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                                   "--listen=127.0.0.1", f"--port={port}", f"--base-path={root}", root],
                                  env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(daemon)
        wait_listening(port, daemon, "git daemon")
        self.urls["git://"] = lambda r, p=port: f"git://127.0.0.1:{p}/{r}"
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), cgi_handler(root))
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.urls["http://"] = lambda r, p=self.http.server_address[1]: f"http://127.0.0.1:{p}/{r}"
        reason = self.start_sshd(tmp)
        if reason:
            self.skipped["ssh://"] = reason
        else:
            self.urls["ssh://"] = lambda r, p=self.ssh_port: f"ssh://127.0.0.1:{p}{os.path.join(root, r)}"

    def start_sshd(self, tmp):
        if not os.path.exists("/usr/sbin/sshd"):
            return "no /usr/sbin/sshd"
        d = os.path.join(tmp, "sshd")
        os.makedirs(d)
        for key in ("host_key", "client_key"):
            sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(d, key)], d)
        with open(os.path.join(d, "client_key.pub")) as f, open(os.path.join(d, "authorized_keys"), "w") as out:
            out.write('environment="GIT_CONFIG_NOSYSTEM=1" ' + f.read())
        self.ssh_port = free_port()
        with open(os.path.join(d, "sshd_config"), "w") as f:
            f.write(f"Port {self.ssh_port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n"
                    f"AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nPermitUserEnvironment yes\n"
                    "LogLevel ERROR\n")
        log = open(os.path.join(d, "sshd.log"), "w")
        sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", os.path.join(d, "sshd_config")],
                                stdout=log, stderr=log, start_new_session=True)
        self.procs.append(sshd)
        if not wait_listening(self.ssh_port, sshd, "sshd"):
            with open(os.path.join(d, "sshd.log")) as f:
                return (f.read().strip().splitlines() or ["sshd exited"])[-1]
        ENV["GIT_SSH_COMMAND"] = (f"ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes "
                                  f"-o IdentitiesOnly=yes -o LogLevel=ERROR -i {d}/client_key")
        return None

    def close(self):
        self.http.shutdown()
        for p in self.procs:
            try:
                os.killpg(p.pid, 9)
            except ProcessLookupError:
                pass
            p.wait()


def grow(path, entries, first):
    """Add `entries` journal entries with the CLI: sessions of 100 entries each."""
    n = 0
    while n < entries:
        sh([BIN, "init", "--name", f"s{first + n // 100}", "--goal", "Benchmark the journal", "-q"], path)
        n += 1
        for i in range(min(99, entries - n)):
            sh([BIN, "log", "--progress", f"note {n + i} of the benchmark journal", "-q"], path)
        n += min(99, entries - n)


def count_entries(path):
    names = sh(["git", "ls-tree", "-r", "--name-only", "refs/sessions", "journal/"], path).split()
    return sum(1 for p in names if "/entries/" in p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--entries", type=int, default=1000)
    ap.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="gs-transports-", dir=a.tmp)
    servers = None
    try:
        root = os.path.join(tmp, "srv")
        os.makedirs(root)
        template_remote = os.path.join(tmp, "template.git")
        sh(["git", "init", "-q", "--bare", template_remote], tmp)
        # No automatic gc in the middle of a timing (or of removing a copy), on either side.
        sh(["git", "config", "receive.autogc", "false"], template_remote)
        sh(["git", "config", "gc.auto", "0"], template_remote)
        repo = os.path.join(tmp, "repo")
        os.makedirs(repo)
        sh(["git", "init", "-q", "-b", "main"], repo)
        sh(["git", "config", "gc.auto", "0"], repo)
        with open(os.path.join(repo, "README"), "w") as f:
            f.write("bench\n")
        sh(["git", "add", "README"], repo)
        sh(["git", "commit", "-q", "-m", "first"], repo)
        sh(["git", "remote", "add", "origin", template_remote], repo)
        sh(["git", "push", "-q", "origin", "main"], repo)
        t = time.perf_counter()
        grow(repo, a.entries, 0)
        sh([BIN, "sync", "-q"], repo)
        synced = count_entries(repo)
        grow(repo, a.entries, a.entries // 100 + 1)
        grown = count_entries(repo)
        took = time.perf_counter() - t
        # Both sides push from the same packed copy (as after git's own gc); fewer files to copy.
        sh(["git", "repack", "-adq"], repo)
        sh(["git", "prune-packed"], repo)
        print(f"journal grown by the CLI ({took:.0f} s): {synced} entries synced, then {grown - synced} more; "
              f"each run pushes those {grown - synced} ({grown} in all)")
        servers = Servers(tmp, root)
        print(f"{a.runs} runs per transport, alternating; times are whole processes\n")
        print(f"{'transport':10} {'sync median':>12} {'fetch+push median':>18} {'ratio':>7}")
        for name, url in servers.urls.items():
            ours_t, base_t = [], []
            for r in range(a.runs):
                copies = {}
                for side in ("a", "b"):
                    remote = os.path.join(root, f"{side}{r}.git")
                    shutil.copytree(template_remote, remote, symlinks=True)
                    sh(["git", "config", "http.receivepack", "true"], remote)
                    work = os.path.join(tmp, f"{side}{r}")
                    shutil.copytree(repo, work, symlinks=True)
                    sh(["git", "remote", "set-url", "origin", url(f"{side}{r}.git")], work)
                    copies[side] = (work, remote)
                (a_dir, a_remote), (b_dir, b_remote) = copies["a"], copies["b"]
                steps = [(ours_t, [[BIN, "sync", "-q"]], a_dir),
                         (base_t, [["git", "fetch", "-q", "origin", "+refs/git-session/sessions:refs/git-session/remotes/origin/sessions"],
                                   ["git", "push", "-q", "origin", "refs/sessions:refs/git-session/sessions"]], b_dir)]
                if r % 2:
                    steps.reverse()
                for times, cmds, where in steps:
                    t = time.perf_counter()
                    for cmd in cmds:
                        sh(cmd, where)
                    times.append((time.perf_counter() - t) * 1000)
                pushed_a = sh(["git", "rev-parse", "refs/git-session/sessions"], a_remote)
                pushed_b = sh(["git", "rev-parse", "refs/git-session/sessions"], b_remote)
                if pushed_a != pushed_b:
                    sys.exit(f"{name}: the two pushes differ: {pushed_a} {pushed_b}")
                for d in (a_dir, b_dir, a_remote, b_remote):
                    shutil.rmtree(d, ignore_errors=True)
            ours, base = statistics.median(ours_t), statistics.median(base_t)
            print(f"{name:10} {ours:9.1f} ms {base:15.1f} ms {ours / base:6.2f}x")
        for name, why in servers.skipped.items():
            print(f"{name:10} skipped ({why})")
    finally:
        if servers:
            servers.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
