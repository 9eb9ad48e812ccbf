//! Warnings gathered while a command works: a hand edit not saved yet, a merge that kept both
//! versions. Deep code records them; the command (or the hook) prints them at the end.

use std::cell::RefCell;

/// Warnings gathered while a command works, printed by the command (or the hook) at the end.
#[derive(Debug, Default)]
pub struct Warnings(RefCell<Vec<String>>);

impl Warnings {
    /// Add one warning line.
    pub fn push(&self, msg: String) {
        self.0.borrow_mut().push(msg);
    }

    /// Whether this warning was gathered already (a plan that runs again after a lost race says
    /// it once).
    pub fn contains(&self, msg: &str) -> bool {
        self.0.borrow().iter().any(|w| w == msg)
    }

    /// Take every warning gathered so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}
