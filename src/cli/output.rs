//! The one printer: knows `--json`, `--quiet`, colour and `NO_COLOR`. Nothing else prints.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// `--color` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Styles used in human output.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    Bold,
    Dim,
    Green,
    Yellow,
    Red,
    Cyan,
}

/// Where a command's output goes, and how it looks.
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    color: bool,
    /// The first failure to write to stdout (a full disk, say), which the
    /// command's exit status must report: the reader never got what it asked for.
    write_error: std::cell::RefCell<Option<std::io::Error>>,
}

impl Printer {
    /// Decide colour once: `always`, or `auto` on a terminal without `NO_COLOR`.
    pub fn new(json: bool, quiet: bool, choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Printer {
            json,
            quiet,
            color: color && !json,
            write_error: std::cell::RefCell::new(None),
        }
    }

    /// A confirmation line for people; `--quiet` silences it.
    pub fn note(&self, s: &str) {
        if !self.quiet {
            self.out(s);
        }
    }

    /// A command's main output (what a read command was asked for).
    pub fn out(&self, s: &str) {
        let mut o = std::io::stdout().lock();
        if let Err(e) = writeln!(o, "{s}") {
            self.write_error.borrow_mut().get_or_insert(e);
        }
    }

    /// Flush stdout and return the first failure to write to it, if any: `None` also when the
    /// reader went away (a broken pipe, `git session list | head -1`), which is the reader's
    /// choice, as git treats it.
    pub fn write_failure(&self) -> Option<std::io::Error> {
        if let Err(e) = std::io::stdout().lock().flush() {
            self.write_error.borrow_mut().get_or_insert(e);
        }
        self.write_error
            .borrow_mut()
            .take()
            .filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe)
    }

    /// What a write command says once its change is committed: `text` for people (silenced by
    /// `--quiet`), or with `--json` the document `v` (printed with `--quiet` too: a program asked
    /// for it).
    pub fn committed(&self, text: &str, v: &impl Serialize) {
        if self.json {
            self.json(v);
        } else {
            self.note(text);
        }
    }

    /// One JSON document.
    pub fn json(&self, v: &impl Serialize) {
        let s = serde_json::to_string_pretty(v).expect("our JSON values always serialise");
        self.out(&s);
    }

    /// An error line on stderr, shaped like the one `main` prints for a failed command: for
    /// commands that name several problems before their final error.
    pub fn error(&self, s: &str) {
        let _ = writeln!(std::io::stderr().lock(), "git-session: error: {s}");
    }

    /// A warning line on stderr.
    pub fn warn(&self, s: &str) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {s}");
    }

    /// `s` in `style` when colour is on.
    /// Whether [`Printer::paint`] colours (otherwise it returns its text unchanged).
    pub fn color(&self) -> bool {
        self.color
    }

    pub fn paint(&self, s: &str, style: Style) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match style {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::Cyan => "36",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }
}

/// Lay rows out in columns padded to the widest cell (by characters).
pub fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| visible_len(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < r.len() {
                    line.push_str(&" ".repeat(widths[i] - visible_len(cell) + 2));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

pub fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}
