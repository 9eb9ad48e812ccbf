//! One integration-test binary: the real `git-session` against real repositories.

mod attacks;
mod common;
mod foundation;
mod hooks;
mod lifecycle;
mod locks;
mod safety;
mod stress;
mod sync;
