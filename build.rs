//! Link the `git-session` executable at a fixed address on Linux (`-no-pie`).
//!
//! The hooks start a process on every prompt an agent receives, and most of that process's
//! time went to the dynamic loader applying ~22,000 relative relocations of a
//! position-independent executable (each pointer in its tables and vtables, and the page
//! faults of writing them): docs/performance.md, "Row 1". A non-PIE executable has them
//! resolved by the linker. Only the binaries get the flag (`rustc-link-arg-bins`): the
//! library, tests and proc-macros link as before. The trade-off — the executable's own code
//! is not placed at a random address (its libraries, stack and heap still are) — is
//! decision 141.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
