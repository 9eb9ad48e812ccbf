//! One integration-test binary: the real `git-session` against real repositories.

mod adopt;
mod agents;
mod attacks;
mod bare;
mod common;
mod foundation;
mod guard;
mod help;
mod hooks;
mod hostile;
mod layout;
mod lifecycle;
mod listing;
mod locks;
mod remotes;
mod repos;
mod safety;
mod search;
mod seed;
mod shapes;
mod statusline;
mod storage;
mod stress;
mod sync;
mod transports;
mod trust;
