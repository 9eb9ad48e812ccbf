//! `sync` over real transports (issue 14): a local path, `file://`, `git daemon` (`git://`),
//! smart HTTP through `git http-backend` behind a CGI server written here, and ssh to localhost
//! where `sshd` can be started. Every server listens on 127.0.0.1 on a free port and is stopped
//! when its guard drops. For each transport: the first push to a remote without a journal, two
//! clones converging, a declined push, an unreachable server and a stalled one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::Env;

/// The bound on every sync that should succeed: a hung test fails instead of hanging.
const SYNC_BOUND: &str = "20";

// ---- servers ----

/// A server process in its own process group: killed with everything it started on drop.
struct Process {
    child: Child,
}

impl Process {
    fn spawn(mut cmd: Command, log: &Path) -> Process {
        let log = std::fs::File::create(log).expect("server log");
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("server starts");
        Process { child }
    }

    /// Wait (bounded) until `port` accepts connections; `Err` with the server's log when it
    /// exited first or never listened.
    fn wait_listening(&mut self, port: u16, log: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                let last = text.lines().last().unwrap_or_default().to_string();
                return Err(format!("exited ({status}): {last}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("not listening on {port} after 10 s"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // SAFETY: signalling the process group this guard created.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 that nothing listens on (just now).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A listener on its own thread that stops (with the connections it serves) when dropped.
struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Accept connections and give each to `serve` on its own thread, with the stop flag.
    fn start(serve: impl Fn(TcpStream, &AtomicBool) + Send + Sync + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let serve = Arc::new(serve);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).expect("blocking");
                        let (serve, flag) = (serve.clone(), flag.clone());
                        std::thread::spawn(move || serve(stream, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Listener {
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// A server that accepts every connection and never says a word.
    fn stalled() -> Listener {
        Listener::start(|stream, stop| {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(stream);
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Smart HTTP: `git http-backend` as a CGI program behind a one-request-per-connection server,
/// serving the repositories under `root`.
fn http_server(env: &Env, root: &Path) -> (Listener, Arc<Requests>) {
    let (root, home) = (root.to_path_buf(), env.home());
    let requests = Arc::new(Requests::default());
    let count = requests.clone();
    let server = Listener::start(move |stream, _| {
        // A broken request fails the git client that sent it, which the test reports.
        let _ = serve_cgi(stream, &root, &home, &count);
    });
    (server, requests)
}

/// What the HTTP server was asked.
#[derive(Default)]
struct Requests {
    /// Requests whose body came chunked.
    chunked: AtomicUsize,
    /// Conversations with upload-pack (`ls-remote` and `fetch` each start one with
    /// `GET …/info/refs?service=git-upload-pack`).
    reads: AtomicUsize,
}

/// One HTTP request: read it (a chunked body too, as git sends large pushes), run
/// `git http-backend` with the CGI variables, and send its answer back.
fn serve_cgi(
    mut stream: TcpStream,
    root: &Path,
    home: &Path,
    requests: &Requests,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut request = line.split_whitespace();
    let method = request.next().unwrap_or_default().to_string();
    let target = request.next().unwrap_or_default().to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if method == "GET" && path.ends_with("/info/refs") && query.contains("git-upload-pack") {
        requests.reads.fetch_add(1, Ordering::SeqCst);
    }
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        requests.chunked.fetch_add(1, Ordering::SeqCst);
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim().split(';').next().unwrap_or("0");
            let size = usize::from_str_radix(size, 16).unwrap_or(0);
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    }
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default());
    for (name, value) in &headers {
        if name != "content-length" && name != "content-type" && name != "transfer-encoding" {
            cmd.env(
                format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
                value,
            );
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let mut out = Vec::new();
    child.stdout.take().expect("piped").read_to_end(&mut out)?;
    let _ = writer.join();
    child.wait()?;
    // CGI output: headers (`Status:` among them), an empty line, the body.
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, content) = match split {
        Some((i, n)) => (
            String::from_utf8_lossy(&out[..i]).into_owned(),
            &out[i + n..],
        ),
        None => (String::new(), &out[..]),
    };
    let mut status = "200 OK".to_string();
    let mut response = Vec::new();
    for l in head.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        match l.split_once(':') {
            Some((n, v)) if n.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            _ => response.push(l.to_string()),
        }
    }
    let mut reply = format!("HTTP/1.1 {status}\r\n");
    for l in response {
        reply.push_str(&l);
        reply.push_str("\r\n");
    }
    reply.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        content.len()
    ));
    stream.write_all(reply.as_bytes())?;
    stream.write_all(content)?;
    stream.flush()
}

/// `git daemon` serving `root` with pushes enabled.
fn git_daemon(env: &Env, root: &Path) -> (Process, u16) {
    let port = free_port();
    let log = env.path("daemon.log");
    let mut cmd = Command::new("git");
    env.apply(&mut cmd);
    cmd.args([
        "daemon",
        "--reuseaddr",
        "--export-all",
        "--enable=receive-pack",
        "--informative-errors",
        "--listen=127.0.0.1",
    ])
    .arg(format!("--port={port}"))
    .arg(format!("--base-path={}", root.display()))
    .arg(root);
    let mut daemon = Process::spawn(cmd, &log);
    daemon
        .wait_listening(port, &log)
        .unwrap_or_else(|e| panic!("git daemon: {e}"));
    (daemon, port)
}

/// `sshd` as the current user with its own host key, config and authorized key under the
/// test's temp dir; the test's global git config gets the `core.sshCommand` that reaches it.
/// `Err` says why it cannot run here.
fn sshd(env: &Env) -> Result<(Process, u16), String> {
    let sshd = Path::new("/usr/sbin/sshd");
    if !sshd.exists() {
        return Err("no /usr/sbin/sshd".into());
    }
    let dir = env.path("sshd");
    std::fs::create_dir_all(&dir).expect("sshd dir");
    for key in ["host_key", "client_key"] {
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(dir.join(key))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("ssh-keygen failed".into());
        }
    }
    // The server's git reads the test's own global config, not the user's.
    let public = std::fs::read_to_string(dir.join("client_key.pub")).expect("key");
    let home = env.home();
    std::fs::write(
        dir.join("authorized_keys"),
        format!(
            "environment=\"HOME={0}\",environment=\"GIT_CONFIG_GLOBAL={0}/.gitconfig\",environment=\"GIT_CONFIG_NOSYSTEM=1\" {public}",
            home.display()
        ),
    )
    .expect("authorized_keys");
    let port = free_port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nPermitUserEnvironment yes\nLogLevel ERROR\n",
            d = dir.display()
        ),
    )
    .expect("sshd_config");
    let log = dir.join("sshd.log");
    let mut cmd = Command::new(sshd);
    cmd.args(["-D", "-e", "-f"]).arg(&config);
    let mut server = Process::spawn(cmd, &log);
    server.wait_listening(port, &log)?;
    let ssh = format!(
        "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR -i {}",
        dir.join("client_key").display()
    );
    env.git(
        env.tmp.path(),
        &["config", "--global", "core.sshCommand", &ssh],
    );
    Ok((server, port))
}

/// The current user's name, for ssh URLs.
fn user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// ---- what each transport must do ----

/// The served repositories under `root`: `journal.git` (no journal yet) and `declined.git`,
/// whose `pre-receive` hook declines every push with a reason and counts how often it ran.
fn served(env: &Env) -> PathBuf {
    let root = env.path("srv");
    std::fs::create_dir_all(&root).expect("srv");
    let seed = env.repo("seed");
    for name in ["journal.git", "declined.git"] {
        let repo = root.join(name);
        env.git(&root, &["init", "-q", "--bare", name]);
        env.git(&repo, &["config", "http.receivepack", "true"]);
        env.git(&seed, &["push", "-q", repo.to_str().unwrap(), "main"]);
    }
    let hook = root.join("declined.git/hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho run >> '{}'\necho 'journal pushes are closed today' >&2\nexit 1\n",
            env.path("hook-runs").display()
        ),
    )
    .expect("hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    root
}

/// How one transport is reached.
struct Transport {
    name: &'static str,
    /// The URL of a served repository.
    url: Box<dyn Fn(&str) -> String>,
    /// A URL nothing answers at, and what the one line must say about it.
    unreachable: (String, &'static [&'static str]),
    /// A URL whose server accepts and never answers (none for the local transports).
    stalled: Option<String>,
}

fn clone(env: &Env, url: &str, name: &str) -> PathBuf {
    let dir = env.path(name);
    env.git(env.tmp.path(), &["clone", "-q", url, dir.to_str().unwrap()]);
    dir
}

fn sync(env: &Env, dir: &Path) -> String {
    env.gs(dir, &["sync", "--timeout", SYNC_BOUND])
}

/// The journal files a user sees in `dir`'s mirror.
fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.join(".sessions")];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("mirror dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("inside").display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// `len` characters that barely compress (a xorshift over 64 symbols), split into words.
fn noise(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 60 == 59 {
                ' '
            } else {
                ALPHABET[(x % 64) as usize] as char
            }
        })
        .collect()
}

fn run(env: &Env, root: &Path, t: &Transport) {
    let name = t.name;
    let url = (t.url)("journal.git");

    // First push to a remote without a journal.
    let a = clone(env, &url, "a");
    env.gs(&a, &["init", "--name", "from-a", "--goal", "G"]);
    env.gs(&a, &["log", "--discovery", "found by a"]);
    // Large enough that the pack exceeds git's smallest HTTP post buffer (a chunked POST).
    let big = noise(100_000);
    env.gs(&a, &["log", "--context", &big]);
    let out = sync(env, &a);
    assert!(
        out.contains("the remote has no journal yet") && out.contains("pushed to origin"),
        "{name}: {out}"
    );
    assert_eq!(
        env.git(
            &root.join("journal.git"),
            &["rev-parse", "refs/git-session/sessions"]
        ),
        env.git(&a, &["rev-parse", "refs/sessions"]),
        "{name}"
    );

    // Two clones converge: each logs, each syncs.
    let b = clone(env, &url, "b");
    env.gs(&b, &["init", "--name", "from-b", "--goal", "G"]);
    env.gs(&b, &["log", "--discovery", "found by b"]);
    assert!(sync(env, &b).contains("merged"), "{name}");
    env.gs(&a, &["log", "--decision", "a decides", "--rationale", "r"]);
    assert!(sync(env, &a).contains("merged"), "{name}");
    assert!(sync(env, &b).contains("fast-forwarded"), "{name}");
    assert_eq!(
        env.git(&a, &["rev-parse", "refs/sessions"]),
        env.git(&b, &["rev-parse", "refs/sessions"]),
        "{name}: the same journal on both"
    );
    assert_eq!(entries(&a), entries(&b), "{name}: the same files on both");
    for dir in [&a, &b] {
        let list = env.gs(dir, &["list"]);
        assert!(
            list.contains("from-a") && list.contains("from-b"),
            "{name}: {list}"
        );
    }
    assert!(
        env.gs(&b, &["view", "from-a", "--decisions"])
            .contains("a decides")
    );
    assert!(
        env.gs(&b, &["view", "from-a", "--context"])
            .contains(&big[..1000])
    );

    // A declined push: the server's reason, nothing lost, no retries.
    let c = clone(env, &(t.url)("declined.git"), "c");
    env.gs(&c, &["init", "--name", "declined", "--goal", "G"]);
    let err = env.fails(&c, &["sync", "--timeout", SYNC_BOUND], 1);
    assert!(
        err.contains("journal pushes are closed today"),
        "{name}: {err}"
    );
    assert!(err.contains("nothing was lost"), "{name}: {err}");
    let runs = std::fs::read_to_string(env.path("hook-runs")).expect("hook ran");
    assert_eq!(runs.lines().count(), 1, "{name}: asked once, not retried");
    assert!(env.gs(&c, &["list"]).contains("declined"), "{name}");

    // An unreachable server: one line naming the reason.
    let (dead, reasons) = &t.unreachable;
    let started = Instant::now();
    let err = env.fails(&a, &["sync", dead, "--timeout", SYNC_BOUND], 1);
    assert!(
        reasons.iter().any(|r| err.contains(r)),
        "{name}: expected one of {reasons:?}: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "{name}");

    // A stalled server: stopped after the timeout; nothing left locked.
    if let Some(stalled) = &t.stalled {
        let started = Instant::now();
        let err = env.fails(&a, &["sync", stalled, "--timeout", "2"], 1);
        let took = started.elapsed();
        assert!(err.contains("no answer within 2 s"), "{name}: {err}");
        assert!(took < Duration::from_secs(8), "{name}: took {took:?}");
        env.gs(&a, &["log", "--progress", "right after the stall"]);
        assert!(
            env.gs(&a, &["view", "from-a"])
                .contains("right after the stall")
        );
    }
}

#[test]
fn transports_local_path_and_file_url() {
    for file_url in [false, true] {
        let env = Env::new();
        let root = served(&env);
        let at = root.clone();
        let url: Box<dyn Fn(&str) -> String> = if file_url {
            Box::new(move |r| format!("file://{}", at.join(r).display()))
        } else {
            Box::new(move |r| at.join(r).display().to_string())
        };
        let missing = url("missing.git");
        run(
            &env,
            &root,
            &Transport {
                name: if file_url { "file://" } else { "path" },
                url,
                unreachable: (missing, &["does not appear to be a git repository"]),
                stalled: None,
            },
        );
    }
}

#[test]
fn transports_git_daemon() {
    let env = Env::new();
    let root = served(&env);
    let (_daemon, port) = git_daemon(&env, &root);
    let stall = Listener::stalled();
    run(
        &env,
        &root,
        &Transport {
            name: "git://",
            url: Box::new(move |r| format!("git://127.0.0.1:{port}/{r}")),
            unreachable: (
                format!("git://127.0.0.1:{}/journal.git", free_port()),
                &["Connection refused"],
            ),
            stalled: Some(format!("git://127.0.0.1:{}/journal.git", stall.port)),
        },
    );
}

#[test]
fn transports_smart_http() {
    let env = Env::new();
    let root = served(&env);
    // git posts a body larger than http.postBuffer in chunks; its smallest value (64 KiB) makes
    // the large first push of `run` one.
    env.git(
        env.tmp.path(),
        &["config", "--global", "http.postBuffer", "65536"],
    );
    let (server, requests) = http_server(&env, &root);
    let port = server.port;
    let stall = Listener::stalled();
    run(
        &env,
        &root,
        &Transport {
            name: "http://",
            url: Box::new(move |r| format!("http://127.0.0.1:{port}/{r}")),
            unreachable: (
                format!("http://127.0.0.1:{}/journal.git", free_port()),
                &["Couldn't connect to server", "Failed to connect"],
            ),
            stalled: Some(format!("http://127.0.0.1:{}/journal.git", stall.port)),
        },
    );
    // The large first push went over `http.postBuffer`: its body came chunked.
    assert!(
        requests.chunked.load(Ordering::SeqCst) > 0,
        "no chunked push was made"
    );
    // A sync that finds nothing new on the server fetches nothing: its ls-remote is its one
    // conversation with upload-pack.
    let dir = env.path("b");
    let before = requests.reads.load(Ordering::SeqCst);
    let out = env.gs(&dir, &["sync", "--timeout", SYNC_BOUND]);
    assert!(out.contains("up to date"), "{out}");
    let reads = requests.reads.load(Ordering::SeqCst) - before;
    assert_eq!(reads, 1, "ls-remote, and no fetch");
}

#[test]
fn transports_ssh() {
    let env = Env::new();
    let root = served(&env);
    let (_sshd, port) = match sshd(&env) {
        Ok(s) => s,
        Err(reason) => {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let _ = writeln!(std::io::stderr(), "transports: ssh SKIPPED ({reason})");
            return;
        }
    };
    let stall = Listener::stalled();
    let (user, at) = (user(), root.clone());
    run(
        &env,
        &root,
        &Transport {
            name: "ssh://",
            url: Box::new(move |r| {
                format!("ssh://{user}@127.0.0.1:{port}{}", at.join(r).display())
            }),
            unreachable: (
                format!("ssh://127.0.0.1:{}/srv/journal.git", free_port()),
                &["Connection refused"],
            ),
            stalled: Some(format!("ssh://127.0.0.1:{}/srv/journal.git", stall.port)),
        },
    );
}
