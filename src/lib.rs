//! git-session: a journal for AI coding agents, stored on `refs/sessions`.
//!
//! Layers point one way: `cli` → `workspace` → `mirror` / `store` → gix; `model` is pure.

pub mod cli;
pub mod error;
pub mod model;
pub mod restore;
pub mod store;
pub mod sync;
pub mod tasks;

pub use error::{Error, Result};
pub mod hooks;
pub mod install;
pub mod mirror;
pub mod workspace;
