fn main() {
    // The UserPromptSubmit hook runs on every prompt an agent receives: skip building the
    // whole command line parser for it (see docs/hooks.md, "The hot path"). Only the exact form
    // Claude Code runs takes it; with any flag (`-C dir hook …`) the full parser decides.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == "hook" && args[2] == "user-prompt-submit" {
        std::process::exit(git_session::cli::hook_fast_path());
    }
    std::process::exit(git_session::cli::main(args));
}
