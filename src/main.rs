fn main() {
    // The UserPromptSubmit hook runs on every prompt an agent receives: skip building the
    // whole command line parser for it (see docs/hooks.md, "The hot path"). Only the exact form
    // Claude Code runs takes it; with any flag (`-C dir hook …`) the full parser decides.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() >= 3 && args[1] == "hook" && args[2] == "user-prompt-submit" {
        let agent = match &args[3..] {
            [] => Some(git_session::agent::Agent::Claude),
            [flag, name] if flag == "--agent" => {
                name.to_str().and_then(git_session::agent::Agent::from_name)
            }
            _ => None,
        };
        if let Some(agent) = agent {
            std::process::exit(git_session::cli::hook_fast_path(agent));
        }
    }
    // Claude Code's statusLine runs as often: the same shortcut for its exact form.
    if args.len() == 2 && args[1] == "statusline" {
        std::process::exit(git_session::cli::statusline_fast_path());
    }
    std::process::exit(git_session::cli::main(args));
}
