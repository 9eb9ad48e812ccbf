//! The journal's files: parse and render, no I/O.

pub mod entry;
mod error;
pub mod ids;
pub mod merge;
pub mod progress;
pub mod session;
pub mod text;
pub mod time;

pub use error::ModelError;
