//! One integration-test binary: the real `git-session` against real repositories.

mod attacks;
mod common;
mod foundation;
mod hooks;
mod hostile;
mod lifecycle;
mod safety;
mod seed;
mod sync;
mod trust;
