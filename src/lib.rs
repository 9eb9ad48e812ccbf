//! git-session: a journal for AI coding agents, stored on `refs/sessions`.
//!
//! Layers point one way (docs/architecture.md draws them):
//! `cli` → `hooks` / `sync` → `workspace` → `mirror` / `integrate` → `store` → gix;
//! `model`, `layout` and `journal` are pure and used by all.

pub mod agent;
pub mod cli;
pub mod code;
pub mod error;
pub mod export;
pub mod gitproc;
pub mod hooks;
pub mod import;
pub mod install;
pub mod integrate;
pub mod journal;
pub mod layout;
pub mod listing;
pub mod mirror;
pub mod model;
pub mod related;
pub mod remote;
pub mod restore;
pub mod search;
pub mod store;
pub mod sync;
pub mod tasks;
pub mod warnings;
pub mod workspace;

pub use error::{Error, Result};
