//! One integration-test binary: the real `git-session` against real repositories.

mod adopt;
mod agents;
mod attacks;
mod bare;
mod common;
mod foundation;
mod githooks;
mod guard;
mod hooks;
mod hostile;
mod layout;
mod lifecycle;
mod listing;
mod locks;
mod remotes;
mod repos;
mod safety;
mod seed;
mod shapes;
mod storage;
mod stress;
mod sync;
mod transports;
mod trust;
