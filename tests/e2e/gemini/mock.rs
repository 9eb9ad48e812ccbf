//! A mock Gemini API on 127.0.0.1: every request recorded, each answered with a short text.
//!
//! Gemini CLI in `-p` mode with `-m <model>` asks only
//! `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (server-sent events, one
//! `data: <GenerateContentResponse>` per chunk). `generateContent` (the router's classifier, the
//! summariser), `countTokens` and anything else get a harmless answer. Std only: one thread per
//! connection, one request per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// What the model answers every prompt.
pub const REPLY: &str = "ok from the gemini mock";
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
    /// Is this the model being asked (a streamed generation)?
    pub fn is_stream(&self) -> bool {
        self.method == "POST" && self.path.contains(":streamGenerateContent")
    }

    /// The text parts of the user's turns, in order: what the user side of the conversation
    /// holds (Gemini's own `<session_context>`, prompts, and hook contexts).
    pub fn user_parts(&self) -> Vec<String> {
        self.body["contents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["role"] == "user")
            .flat_map(|c| c["parts"].as_array().into_iter().flatten())
            .filter_map(|p| p["text"].as_str().map(str::to_string))
            .collect()
    }
}

/// The running mock; dropping it stops it.
pub struct Mock {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Mock {
    pub fn start() -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
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
                    std::thread::spawn(move || {
                        let _ = serve(conn, &requests);
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

    /// The streamed generations (the model being asked), in order.
    pub fn model_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_stream)
            .collect()
    }

    /// A short listing of what was received, for failure messages.
    pub fn describe(&self) -> String {
        self.requests()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let parts = r
                    .user_parts()
                    .iter()
                    .map(|p| {
                        let p: String = p.chars().take(400).collect();
                        format!("    user part: {}", p.replace('\n', "⏎"))
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                format!("#{i} {} {}\n{parts}", r.method, r.path)
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

/// A generation's answer: one candidate with [`REPLY`], finished, with token counts.
fn response(model: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": REPLY}]},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 5,
                          "totalTokenCount": 1005},
        "modelVersion": model
    })
}

/// Read one HTTP request, record it, answer it, close.
fn serve(conn: TcpStream, requests: &Mutex<Vec<Request>>) -> std::io::Result<()> {
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
    let req = Request {
        method,
        path: path.clone(),
        body,
    };
    requests.lock().expect("requests lock").push(req.clone());
    // `/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse` → model and method.
    let route = path.split('?').next().unwrap_or("");
    let (model, action) = route
        .rsplit('/')
        .next()
        .and_then(|last| last.split_once(':'))
        .unwrap_or(("", ""));
    let mut w = conn;
    match action {
        "streamGenerateContent" => {
            write!(
                w,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n"
            )?;
            write!(w, "data: {}\r\n\r\n", response(model))?;
        }
        "generateContent" => write_json(&mut w, &response(model))?,
        "countTokens" => write_json(&mut w, &json!({"totalTokens": 1000}))?,
        _ => {
            eprintln!(
                "e2e gemini mock: answered an unknown request {} {path} with {{}}",
                req.method
            );
            write_json(&mut w, &json!({}))?;
        }
    }
    w.flush()?;
    let _ = w.shutdown(Shutdown::Both);
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

fn write_json(w: &mut impl Write, doc: &Value) -> std::io::Result<()> {
    let body = doc.to_string();
    write!(
        w,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}
