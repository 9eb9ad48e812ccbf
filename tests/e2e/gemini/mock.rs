//! A mock Gemini API on the recording server of `../mock.rs`: every request recorded, each
//! answered with a short text.
//!
//! Gemini CLI in `-p` mode with `-m <model>` asks only
//! `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (server-sent events, one
//! `data: <GenerateContentResponse>` per chunk). `generateContent` (the router's classifier, the
//! summariser), `countTokens` and anything else get a harmless answer.

use std::io::Write;
use std::net::TcpStream;

use serde_json::{Value, json};

use crate::mock::{Mock, Request, write_head, write_json};

/// What the model answers every prompt.
pub const REPLY: &str = "ok from the gemini mock";

pub fn start() -> Mock {
    Mock::serving(respond)
}

/// Is this the model being asked (a streamed generation)?
pub fn is_stream(r: &Request) -> bool {
    r.method == "POST" && r.path.contains(":streamGenerateContent")
}

/// The text parts of the user's turns, in order: what the user side of the conversation
/// holds (Gemini's own `<session_context>`, prompts, and hook contexts).
pub fn user_parts(r: &Request) -> Vec<String> {
    r.body["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["role"] == "user")
        .flat_map(|c| c["parts"].as_array().into_iter().flatten())
        .filter_map(|p| p["text"].as_str().map(str::to_string))
        .collect()
}

/// The streamed generations (the model being asked), in order.
pub fn model_requests(m: &Mock) -> Vec<Request> {
    m.requests().into_iter().filter(is_stream).collect()
}

/// A short listing of what was received, for failure messages.
pub fn describe(m: &Mock) -> String {
    m.requests()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let parts = user_parts(r)
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

/// The Gemini API's answer to one request.
fn respond(req: &Request, _n: usize, w: &mut TcpStream) -> std::io::Result<()> {
    // `/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse` → model and method.
    let route = req.path.split('?').next().unwrap_or("");
    let (model, action) = route
        .rsplit('/')
        .next()
        .and_then(|last| last.split_once(':'))
        .unwrap_or(("", ""));
    match action {
        "streamGenerateContent" => {
            write_head(w, "text/event-stream")?;
            write!(w, "data: {}\r\n\r\n", response(model))
        }
        "generateContent" => write_json(w, &response(model)),
        "countTokens" => write_json(w, &json!({"totalTokens": 1000})),
        _ => {
            eprintln!(
                "e2e gemini mock: answered an unknown request {} {} with {{}}",
                req.method, req.path
            );
            write_json(w, &json!({}))
        }
    }
}
