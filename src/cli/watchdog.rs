//! A deadline for the commands an agent client waits on (hooks, the statusline): when it
//! passes, the process prints one line (or nothing) and exits, whatever it was doing.
//!
//! An `alarm(2)` whose SIGALRM handler writes with `write(2)` and leaves with `_exit(2)` —
//! both async-signal-safe (signal-safety(7)) — rather than a thread that sleeps: these run on
//! every prompt, and starting and tearing down a thread (its stack and its malloc arena) cost
//! more than the rest of an ordinary prompt's work after process start (docs/performance.md).
//! Leaving mid-write loses nothing: every file and ref is written atomically.

use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};

static MESSAGE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static MESSAGE_LEN: AtomicUsize = AtomicUsize::new(0);
static CODE: AtomicI32 = AtomicI32::new(1);

/// After `secs` seconds (≥ 1; `alarm(2)` counts whole seconds), write `message` to stderr (an
/// empty one writes nothing) and exit with `code`. One deadline per process: arming again
/// replaces it.
pub fn arm(secs: u32, message: &'static str, code: i32) {
    extern "C" fn on_alarm(_: libc::c_int) {
        let (ptr, len) = (
            MESSAGE.load(Ordering::SeqCst),
            MESSAGE_LEN.load(Ordering::SeqCst),
        );
        // SAFETY: only async-signal-safe calls; `ptr`/`len` describe a `&'static str`.
        unsafe {
            if !ptr.is_null() && len > 0 {
                libc::write(2, ptr.cast(), len);
            }
            libc::_exit(CODE.load(Ordering::SeqCst));
        }
    }
    MESSAGE.store(message.as_ptr().cast_mut(), Ordering::SeqCst);
    MESSAGE_LEN.store(message.len(), Ordering::SeqCst);
    CODE.store(code, Ordering::SeqCst);
    // SAFETY: the handler calls only async-signal-safe functions, and nothing else in this
    // program uses SIGALRM or alarm(2).
    unsafe {
        libc::signal(libc::SIGALRM, on_alarm as *const () as libc::sighandler_t);
        libc::alarm(secs.max(1));
    }
}
