//! The one place a `git` process is built. git-session may be started with relative
//! repository paths in its environment (`GIT_DIR=dot.git GIT_WORK_TREE=home`, or
//! `git --git-dir=dot.git --work-tree=home session …`, which sets them as typed): they are
//! relative to the directory git-session was started in, not to the directory the child git
//! runs in. Every git process therefore gets those paths made absolute against our own
//! current directory (git-session never changes it), runs in a directory its caller names,
//! without prompts and in the C locale, so that what it prints can be read.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// git's environment variables that hold one path.
const PATH_VARS: [&str; 5] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
];

/// git's environment variable that holds a `:`-separated list of paths.
const PATH_LIST_VAR: &str = "GIT_ALTERNATE_OBJECT_DIRECTORIES";

/// `git`, to run in `dir`, with every repository path of the inherited environment absolute.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C");
    let Ok(base) = std::env::current_dir() else {
        return cmd;
    };
    for var in PATH_VARS {
        if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            cmd.env(var, absolute(&base, &value));
        }
    }
    if let Some(list) = std::env::var_os(PATH_LIST_VAR).filter(|v| !v.is_empty())
        && let Ok(joined) = std::env::join_paths(
            std::env::split_paths(&list).map(|p| absolute(&base, p.as_os_str())),
        )
    {
        cmd.env(PATH_LIST_VAR, joined);
    }
    cmd
}

/// `value` as a path, relative to `base` unless it is absolute already.
fn absolute(base: &Path, value: &OsStr) -> OsString {
    let path = PathBuf::from(value);
    if path.is_absolute() {
        value.to_os_string()
    } else {
        base.join(path).into_os_string()
    }
}
