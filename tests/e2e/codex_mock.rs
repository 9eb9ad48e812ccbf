//! A mock OpenAI Responses API (`POST /v1/responses`, streamed as server-sent events) for the
//! Codex CLI, on the same recording server as the Messages API mock.
//!
//! Codex sends the whole conversation as `input`: `message` items (`role` `developer`, `user`
//! or `assistant`, content blocks with `text`), `function_call` and `function_call_output`
//! items. Each hook's `additionalContext` arrives as a `developer` message of its own, so
//! scenarios look for it there.

use std::io::Write;
use std::net::TcpStream;

use serde_json::{Value, json};

use crate::mock::{Mock, Request, write_head, write_json};

/// A prompt that holds `RUN: <command>` (up to the end of its line) makes the mock answer with
/// an `exec_command` call that runs the command: Codex then runs it through its shell tool.
pub const RUN_MARKER: &str = "RUN: ";
/// A prompt that holds this makes the mock report a context nearly full on its reply; with a
/// function call in that reply, Codex compacts before it sends the call's output back.
pub const HUGE_MARKER: &str = "[[huge-usage]]";
/// What the mock answers the summariser with.
pub const SUMMARY: &str = "SUMMARY-FROM-MOCK: the user and the agent worked on the e2e test.";
/// How Codex's summariser request begins (its last user message).
const SUMMARY_PROMPT: &str = "CONTEXT CHECKPOINT COMPACTION";
/// Tokens reported for an ordinary reply, and for one to a prompt marked [`HUGE_MARKER`].
const SMALL_USAGE: u64 = 1_000;
const HUGE_USAGE: u64 = 5_000_000;

pub fn start() -> Mock {
    Mock::serving(respond)
}

/// Is this a Responses API call?
pub fn is_responses(r: &Request) -> bool {
    r.method == "POST" && r.path.split('?').next() == Some("/v1/responses")
}

/// Is this the summariser's request (Codex compacting the conversation)?
pub fn is_summary(r: &Request) -> bool {
    is_responses(r) && last_user_text(&r.body).contains(SUMMARY_PROMPT)
}

/// The Responses calls that are not the summariser's, in order.
pub fn model_requests(m: &Mock) -> Vec<Request> {
    m.requests()
        .into_iter()
        .filter(|r| is_responses(r) && !is_summary(r))
        .collect()
}

/// The conversation items of a request.
pub fn items(r: &Request) -> Vec<Value> {
    r.body["input"].as_array().cloned().unwrap_or_default()
}

/// The text of one message item, its blocks joined by newlines.
pub fn message_text(item: &Value) -> String {
    match &item["content"] {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The texts of the messages with `role`, in order.
pub fn texts_of(r: &Request, role: &str) -> Vec<String> {
    items(r)
        .iter()
        .filter(|i| i["role"] == role)
        .map(message_text)
        .collect()
}

/// The `developer` messages that hold `needle`: where a hook's context lands.
pub fn developer_with(r: &Request, needle: &str) -> Vec<String> {
    texts_of(r, "developer")
        .into_iter()
        .filter(|t| t.contains(needle))
        .collect()
}

/// A short listing of what the mock received, for failure messages.
pub fn describe(m: &Mock) -> String {
    m.requests()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let lines: Vec<String> = items(r)
                .iter()
                .map(|it| {
                    let kind = it["type"].as_str().unwrap_or("?");
                    let role = it["role"].as_str().unwrap_or("");
                    let text = match kind {
                        "message" => message_text(it),
                        "function_call" => it["arguments"].as_str().unwrap_or("").to_string(),
                        "function_call_output" => it["output"].to_string(),
                        _ => String::new(),
                    };
                    let short: String = text.chars().take(160).collect();
                    format!("    {kind} {role}: {}", short.replace('\n', "⏎"))
                })
                .collect();
            format!(
                "#{i} {} {} summary={}\n{}",
                r.method,
                r.path,
                is_summary(r),
                lines.join("\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the last `user` message: the prompt of this turn (hook contexts are
/// `developer` messages), or after a compaction the summary Codex hands over.
fn last_user_text(body: &Value) -> String {
    body["input"]
        .as_array()
        .and_then(|items| items.iter().rev().find(|i| i["role"] == "user"))
        .map(message_text)
        .unwrap_or_default()
}

/// What the mock answers.
enum Reply {
    Text { text: String, tokens: u64 },
    Call { command: String, tokens: u64 },
}

/// The scripted model: the summariser gets [`SUMMARY`]; a function call's output gets "done";
/// a prompt holding [`RUN_MARKER`] gets an `exec_command` call; anything else gets "ok".
fn reply_to(body: &Value) -> Reply {
    let prompt = last_user_text(body);
    if prompt.contains(SUMMARY_PROMPT) {
        return Reply::Text {
            text: SUMMARY.into(),
            tokens: SMALL_USAGE,
        };
    }
    let last_is_output = body["input"]
        .as_array()
        .and_then(|i| i.last())
        .is_some_and(|i| i["type"] == "function_call_output");
    if last_is_output {
        return Reply::Text {
            text: "done".into(),
            tokens: SMALL_USAGE,
        };
    }
    let tokens = if prompt.contains(HUGE_MARKER) {
        HUGE_USAGE
    } else {
        SMALL_USAGE
    };
    if let Some(at) = prompt.find(RUN_MARKER) {
        let command = prompt[at + RUN_MARKER.len()..]
            .lines()
            .next()
            .unwrap_or("")
            .replace(HUGE_MARKER, "")
            .trim()
            .to_string();
        return Reply::Call { command, tokens };
    }
    Reply::Text {
        text: "ok".into(),
        tokens,
    }
}

fn respond(req: &Request, n: usize, w: &mut TcpStream) -> std::io::Result<()> {
    if !is_responses(req) {
        eprintln!(
            "e2e codex mock: answered an unknown request {} {} with {{}}",
            req.method, req.path
        );
        return write_json(w, &json!({}));
    }
    write_head(w, "text/event-stream")?;
    stream(w, n, &reply_to(&req.body))
}

/// The reply as the Responses API streams it.
fn stream(w: &mut impl Write, n: usize, reply: &Reply) -> std::io::Result<()> {
    let mut event = |data: Value| -> std::io::Result<()> {
        let name = data["type"].as_str().unwrap_or("").to_string();
        write!(w, "event: {name}\ndata: {data}\n\n")?;
        w.flush()
    };
    let id = format!("resp_mock{n}");
    event(json!({"type": "response.created", "response": {"id": id}}))?;
    let (item, tokens) = match reply {
        Reply::Text { text, tokens } => (
            json!({"type": "message", "role": "assistant", "id": format!("msg_mock{n}"),
                   "content": [{"type": "output_text", "text": text}]}),
            *tokens,
        ),
        Reply::Call { command, tokens } => (
            json!({"type": "function_call", "id": format!("fc_mock{n}"),
                   "call_id": format!("call_mock{n}"), "name": "exec_command",
                   "arguments": json!({"cmd": command}).to_string()}),
            *tokens,
        ),
    };
    event(json!({"type": "response.output_item.added", "output_index": 0, "item": item}))?;
    if let Reply::Text { text, .. } = reply {
        event(
            json!({"type": "response.output_text.delta", "item_id": format!("msg_mock{n}"),
                     "output_index": 0, "content_index": 0, "delta": text}),
        )?;
    }
    event(json!({"type": "response.output_item.done", "output_index": 0, "item": item}))?;
    event(
        json!({"type": "response.completed", "response": {"id": id, "usage": {
        "input_tokens": tokens, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": tokens + 10}}}),
    )
}
