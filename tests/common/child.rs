//! Scenarios that must end a process (a fatal fault taken on a thread of its own), run in
//! a child: this test binary re-executed to run one test, with [`CHILD_ENV`] set. A child
//! process, not a bare fork (as in [`crate::probe::in_child`]), because the test harness is
//! multi-threaded and the scenario needs threads of its own.
use crate::threads::PATIENCE;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the scenario a child process runs.
pub const CHILD_ENV: &str = "ZX_PAGER_TEST_CHILD";

/// How a scenario run in a child process (this test binary re-executed with
/// `CHILD_ENV=scenario`, running only `test_name`) ended: `Some(signal)` if killed by a
/// signal, `None` if it exited (its code must be 0).
pub fn child_signal(test_name: &str, scenario: &str) -> Option<i32> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, scenario)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn the test binary");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            if let Some(sig) = status.signal() {
                return Some(sig);
            }
            assert_eq!(status.code(), Some(0), "child scenario {scenario} failed");
            return None;
        }
        if start.elapsed() > PATIENCE * 2 {
            let _ = child.kill();
            panic!("child scenario {scenario} hung");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The scenario this process was started to run, if any.
pub fn child_scenario() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// Runs `body` in a child process of test `test_name`. In the child, runs it and exits with
/// status 0 if it returns (as the test would pass); in the test process, returns how the
/// child ended, as [`child_signal`].
pub fn signal_of_child(test_name: &str, scenario: &str, body: impl FnOnce()) -> Option<i32> {
    if child_scenario().is_some() {
        body();
        std::process::exit(0);
    }
    child_signal(test_name, scenario)
}
