//! `git session completions <shell>`: shell completions made from the command line definitions
//! (clap_complete). For bash, also `_git_session`, which git's own completion
//! (git-completion.bash) calls for `git session <TAB>`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Context};
use crate::error::Result;

/// The shells we print completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// For git's bash completion: `__git_main` calls `_git_<subcommand>` when it is defined, with
/// `words`/`cword` holding the whole line and `__git_cmd_idx` the index of `session` in it (git
/// 2.31 and later; before that the subcommand is `words[1]`). It completes with clap's function
/// as if the line were `git-session …`.
const GIT_BASH: &str = r#"
# `git session <TAB>` under git's own bash completion, which calls _git_session.
_git_session() {
    local i=${__git_cmd_idx:-1}
    local COMP_WORDS=(git-session "${words[@]:i+1}")
    local COMP_CWORD=$((cword - i))
    COMPREPLY=()
    _git__session git-session "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

pub fn run(ctx: &Context, a: Args) -> Result<i32> {
    let _ = ctx;
    print!("{}", script(a.shell));
    let _ = std::io::stdout().flush();
    Ok(0)
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    let name = "git-session";
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, name, &mut buf)
        }
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, name, &mut buf),
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, name, &mut buf)
        }
    }
    let mut text = String::from_utf8(buf).expect("clap_complete writes UTF-8");
    if shell == Shell::Bash {
        // clap_complete 4.6 names the subcommands' cases of a hyphenated binary
        // `git__subcmd__session__subcmd__log` but sets `cmd` to `git__session__subcmd__log`,
        // so no subcommand's flags completed: make the cases match.
        text = text.replace("git__subcmd__session__subcmd__", "git__session__subcmd__");
        text.push_str(GIT_BASH);
    }
    text
}
