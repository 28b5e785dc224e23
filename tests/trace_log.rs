//! Call logging: off by default, turned on by `ZX_SHIM_LOG` with an `EnvFilter` directive.
//! Each case re-runs this test binary as a child with the variable set, because the
//! subscriber is installed once per process.
use std::process::Command;
use zircon::prelude::*;

const CHILD: &str = "ZX_TRACE_TEST_CHILD";

/// Runs inside the child: makes two calls, one failing.
#[test]
fn child_makes_calls() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(8192, 0, &mut h), ZX_OK);
    assert_eq!(zx_handle_close(0x7777_7777), ZX_ERR_BAD_HANDLE);
}

fn run_child(log: Option<&str>) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_makes_calls",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1");
    cmd.env_remove("ZX_SHIM_LOG");
    if let Some(filter) = log {
        cmd.env("ZX_SHIM_LOG", filter);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// With `ZX_SHIM_LOG=debug`, every call is logged with its name, arguments and status.
#[test]
fn trace_logs_name_arguments_and_status() {
    let err = run_child(Some("debug"));
    assert!(
        err.contains("zx_vmo_create(size=8192, options=0, out="),
        "{err}"
    );
    assert!(err.contains("-> ZX_OK"), "{err}");
    assert!(
        err.contains("zx_handle_close(handle=2004318071) -> ZX_ERR_BAD_HANDLE"),
        "{err}"
    );
}

/// Without the variable nothing is logged.
#[test]
fn trace_is_off_by_default() {
    let err = run_child(None);
    assert!(!err.contains("zx_vmo_create("), "{err}");
}

/// The filter is honoured: `warn` hides the per-call debug lines.
#[test]
fn trace_filter_is_honoured() {
    let err = run_child(Some("warn"));
    assert!(!err.contains("zx_vmo_create("), "{err}");
}
