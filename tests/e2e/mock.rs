//! A mock Anthropic Messages API on 127.0.0.1: scripted streamed replies, every request recorded.
//!
//! What the mock receives is what the model would see, so scenarios assert on it. Std only: a
//! listener on an ephemeral port, a thread per connection, one request per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// A prompt that holds `RUN: <command>` (up to the end of its line) makes the mock answer with a
/// Bash `tool_use` that runs the command: the agent then runs `git session …` for real.
pub const RUN_MARKER: &str = "RUN: ";
/// A prompt that holds this makes the mock report a context nearly full, so the client
/// compacts on its own before the next request.
pub const HUGE_MARKER: &str = "[[huge-usage]]";
/// A conversation that holds this in an earlier prompt is refused as too long (HTTP 400
/// "prompt is too long"), the way the real API refuses an overfull context: the client then
/// compacts reactively and retries.
pub const TOO_LONG_MARKER: &str = "[[too-long]]";
/// What the mock answers the summariser with.
pub const SUMMARY: &str = "SUMMARY-FROM-MOCK: the user and the agent worked on the e2e test.";
/// Input tokens reported for an ordinary reply, and for one marked [`HUGE_MARKER`].
const SMALL_USAGE: u64 = 1_000;
const HUGE_USAGE: u64 = 5_000_000;
/// A connection that sends nothing for this long is dropped; the mock never waits forever.
const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Value,
}

impl Request {
    /// Is this a Messages API call (the model being asked something)?
    pub fn is_messages(&self) -> bool {
        self.method == "POST" && self.path.split('?').next() == Some("/v1/messages")
    }

    /// Is this the summariser's request (the client compacting the conversation)?
    pub fn is_summary(&self) -> bool {
        self.is_messages() && is_summary_request(&self.body)
    }

    /// The text of the messages only (what the conversation holds, without the system prompt).
    pub fn messages_text(&self) -> String {
        let mut out = String::new();
        collect_text(&self.body["messages"], &mut out);
        out
    }
}

/// Every string under "text" or "content" keys, in order, one per line.
fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if k == "text" || k == "content" || k == "input" {
                    if k == "input" {
                        out.push_str(&v.to_string());
                        out.push('\n');
                    } else {
                        collect_text(v, out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The text blocks of the last user message (the prompt or a tool result).
fn last_user_blocks(body: &Value) -> Vec<Value> {
    let Some(last) = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
    else {
        return Vec::new();
    };
    match &last["content"] {
        Value::String(s) => vec![json!({"type": "text", "text": s})],
        Value::Array(a) => a.clone(),
        _ => Vec::new(),
    }
}

/// The summariser's request: its last user message asks for a summary of the conversation.
fn is_summary_request(body: &Value) -> bool {
    last_user_blocks(body).iter().any(|b| {
        b["text"].as_str().is_some_and(|t| {
            let t = t.to_lowercase();
            t.contains("summary of the conversation") || t.contains("create a detailed summary")
        })
    })
}

/// What the mock answers.
enum Reply {
    TooLong,
    Text { text: String, input_tokens: u64 },
    Bash { command: String },
}

/// The scripted model: the summariser gets [`SUMMARY`]; a prompt holding [`RUN_MARKER`] gets a
/// Bash call; a tool result gets "done"; anything else gets a short text.
fn reply_to(body: &Value) -> Reply {
    if is_summary_request(body) {
        // The client wants an analysis and then the summary in tags; without them it asks again.
        return Reply::Text {
            text: format!("<analysis>the e2e test</analysis>\n<summary>{SUMMARY}</summary>"),
            input_tokens: SMALL_USAGE,
        };
    }
    let blocks = last_user_blocks(body);
    let last_prompt_has = blocks.iter().any(|b| {
        b["text"]
            .as_str()
            .is_some_and(|t| t.contains(TOO_LONG_MARKER))
    });
    if !last_prompt_has && body["messages"].to_string().contains(TOO_LONG_MARKER) {
        return Reply::TooLong;
    }
    if blocks.iter().any(|b| b["type"] == "tool_result") {
        return Reply::Text {
            text: "done".into(),
            input_tokens: SMALL_USAGE,
        };
    }
    // The prompt is the last text block; injected context comes in other blocks.
    let prompt = blocks
        .iter()
        .filter_map(|b| b["text"].as_str())
        .filter(|t| !t.starts_with("<system-reminder>"))
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(at) = prompt.find(RUN_MARKER) {
        let command = prompt[at + RUN_MARKER.len()..]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        return Reply::Bash { command };
    }
    let input_tokens = if prompt.contains(HUGE_MARKER) {
        HUGE_USAGE
    } else {
        SMALL_USAGE
    };
    Reply::Text {
        text: "ok".into(),
        input_tokens,
    }
}

/// The running mock; dropping it stops it.
pub struct Mock {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// How a mock answers one recorded request: `n` counts the requests so far.
pub type Respond = fn(&Request, usize, &mut TcpStream) -> std::io::Result<()>;

impl Mock {
    /// The Messages API.
    pub fn start() -> Mock {
        Mock::serving(respond_messages)
    }

    /// A mock that records every request and answers it with `respond`.
    pub fn serving(respond: Respond) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicUsize::new(0));
        let accept = {
            let requests = requests.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let requests = requests.clone();
                    let counter = counter.clone();
                    std::thread::spawn(move || {
                        let _ = serve(conn, &requests, &counter, respond);
                    });
                }
            })
        };
        Mock {
            port,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests lock").clone()
    }

    /// The Messages API calls that are not the summariser's.
    pub fn model_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.is_messages() && !r.is_summary())
            .collect()
    }

    /// The summariser's requests.
    pub fn summary_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_summary)
            .collect()
    }

    /// A short listing of what was received, for failure messages.
    pub fn describe(&self) -> String {
        self.requests()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let text = r.messages_text();
                let tail: String = text
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!(
                    "#{i} {} {} summary={} …{}",
                    r.method,
                    r.path,
                    r.is_summary(),
                    tail.replace('\n', "⏎")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Read one HTTP request, record it, answer it with `respond`, close.
fn serve(
    conn: TcpStream,
    requests: &Mutex<Vec<Request>>,
    counter: &AtomicUsize,
    respond: Respond,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)?
    } else {
        let mut b = vec![0; length.min(64 << 20)];
        reader.read_exact(&mut b)?;
        b
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let req = Request { method, path, body };
    requests.lock().expect("requests lock").push(req.clone());
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let mut w = conn;
    respond(&req, n, &mut w)?;
    w.flush()?;
    let _ = w.shutdown(Shutdown::Both);
    Ok(())
}

/// The Messages API's answer to one request.
fn respond_messages(req: &Request, n: usize, w: &mut TcpStream) -> std::io::Result<()> {
    let (method, path) = (&req.method, &req.path);
    let route = path.split('?').next().unwrap_or("");
    match (method.as_str(), route) {
        ("POST", "/v1/messages") => {
            let model = req.body["model"]
                .as_str()
                .unwrap_or("claude-mock")
                .to_string();
            let reply = reply_to(&req.body);
            if let Reply::TooLong = reply {
                write_status(
                    w,
                    400,
                    &json!({"type": "error", "error": {"type": "invalid_request_error",
                            "message": "prompt is too long: 250000 tokens > 200000 maximum"}}),
                )?;
            } else if req.body["stream"] == true {
                write_head(w, "text/event-stream")?;
                stream(w, n, &model, &reply)?;
            } else {
                let doc = message(n, &model, &reply);
                write_json(w, &doc)?;
            }
        }
        ("POST", "/v1/messages/count_tokens") => {
            write_json(w, &json!({"input_tokens": SMALL_USAGE}))?;
        }
        _ => {
            eprintln!("e2e mock: answered an unknown request {method} {path} with {{}}");
            write_json(w, &json!({}))?;
        }
    }
    Ok(())
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let n =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if n == 0 {
            let mut end = String::new();
            let _ = reader.read_line(&mut end);
            return Ok(out);
        }
        let mut chunk = vec![0; n];
        reader.read_exact(&mut chunk)?;
        out.extend_from_slice(&chunk);
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
    }
}

pub fn write_head(w: &mut impl Write, content_type: &str) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncache-control: no-cache\r\nconnection: close\r\nrequest-id: req_mock\r\n\r\n"
    )
}

pub fn write_json(w: &mut impl Write, doc: &Value) -> std::io::Result<()> {
    write_status(w, 200, doc)
}

pub fn write_status(w: &mut impl Write, status: u16, doc: &Value) -> std::io::Result<()> {
    let body = doc.to_string();
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    write!(
        w,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn usage(reply: &Reply) -> u64 {
    match reply {
        Reply::Text { input_tokens, .. } => *input_tokens,
        Reply::Bash { .. } | Reply::TooLong => SMALL_USAGE,
    }
}

/// A complete `usage`: the client adds the cache counts to the input tokens, so they must be
/// numbers, not absent.
fn usage_doc(reply: &Reply, output_tokens: u64) -> Value {
    json!({"input_tokens": usage(reply), "output_tokens": output_tokens,
           "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0})
}

/// The reply as one (non-streamed) message.
fn message(n: usize, model: &str, reply: &Reply) -> Value {
    let (content, stop) = match reply {
        Reply::Text { text, .. } => (json!([{"type": "text", "text": text}]), "end_turn"),
        Reply::TooLong => (json!([]), "end_turn"),
        Reply::Bash { command } => (
            json!([{"type": "tool_use", "id": format!("toolu_mock{n}"), "name": "Bash",
                    "input": {"command": command, "description": "run it"}}]),
            "tool_use",
        ),
    };
    json!({"id": format!("msg_mock{n}"), "type": "message", "role": "assistant", "model": model,
           "content": content, "stop_reason": stop, "stop_sequence": null,
           "usage": usage_doc(reply, 10)})
}

/// The reply as server-sent events, the way the Messages API streams it.
fn stream(w: &mut impl Write, n: usize, model: &str, reply: &Reply) -> std::io::Result<()> {
    let mut event = |name: &str, data: Value| -> std::io::Result<()> {
        write!(w, "event: {name}\ndata: {data}\n\n")?;
        w.flush()
    };
    event(
        "message_start",
        json!({"type": "message_start", "message": {"id": format!("msg_mock{n}"), "type": "message",
            "role": "assistant", "model": model, "content": [], "stop_reason": null,
            "stop_sequence": null, "usage": usage_doc(reply, 1)}}),
    )?;
    let stop = match reply {
        Reply::TooLong => "end_turn",
        Reply::Text { text, .. } => {
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                       "content_block": {"type": "text", "text": ""}}),
            )?;
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "text_delta", "text": text}}),
            )?;
            "end_turn"
        }
        Reply::Bash { command } => {
            event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                       "content_block": {"type": "tool_use", "id": format!("toolu_mock{n}"),
                                         "name": "Bash", "input": {}}}),
            )?;
            let input = json!({"command": command, "description": "run it"}).to_string();
            event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "input_json_delta", "partial_json": input}}),
            )?;
            "tool_use"
        }
    };
    event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    )?;
    event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
               "usage": usage_doc(reply, 10)}),
    )?;
    event("message_stop", json!({"type": "message_stop"}))
}
