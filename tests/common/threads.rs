//! Threads in tests: waiting with a deadline, so that a test waiting for something that
//! never comes fails instead of hanging the run, and running tests one at a time.
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Deadline for anything a test waits on: generous, but a hang fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Runs `f` on a new thread; [`Joiner::join`] fails the test if it has not finished within
/// [`PATIENCE`] (the thread is then leaked, still blocked, rather than hanging the run).
pub struct Joiner<T> {
    rx: Receiver<T>,
}

pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Joiner<T> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    Joiner { rx }
}

impl<T> Joiner<T> {
    pub fn join(self) -> T {
        self.rx
            .recv_timeout(PATIENCE)
            .expect("thread still blocked at the deadline (or panicked)")
    }

    /// The result if the thread has finished within `ms`, else `None`.
    pub fn try_join(&self, ms: u64) -> Option<T> {
        self.rx.recv_timeout(Duration::from_millis(ms)).ok()
    }
}

/// Holds the tests of one test binary that take it to one at a time: for the tests that
/// count or check something of the whole process (handles, file descriptors, the root
/// VMAR). A test that panicked while holding it does not stop the others.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
