fn main() {
    std::process::exit(git_session::cli::main(std::env::args_os()));
}
