//! Conformance tests for the clock, `zx_system_*` and `zx_status_get_string`.
//! Reference: spec/README.md ("Supporting names the contract relies on"), zircon-abi.md
//! §1.12 (features), §1.13 (process.h, status.h).
use std::ffi::CStr;
use zircon::prelude::*;

/// spec/README.md: `zx_clock_get_monotonic()` is host CLOCK_MONOTONIC nanoseconds: it never
/// goes backwards and advances with real time.
#[test]
fn clock_get_monotonic_is_monotonic_nanoseconds() {
    let a = zx_clock_get_monotonic();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let b = zx_clock_get_monotonic();
    assert!(a > 0);
    assert!(b - a >= zx_msec(20), "{a} -> {b}");
    assert!(b - a < zx_sec(5));
    let mut last = zx_clock_get_monotonic();
    for _ in 0..10_000 {
        let now = zx_clock_get_monotonic();
        assert!(now >= last);
        last = now;
    }
}

/// `zx_deadline_after(d)` is now + d, saturating at the infinities.
#[test]
fn deadline_after_adds_and_saturates() {
    let before = zx_clock_get_monotonic();
    let d = zx_deadline_after(zx_msec(5));
    let after = zx_clock_get_monotonic();
    assert!(d >= before + zx_msec(5) && d <= after + zx_msec(5));
    assert_eq!(zx_deadline_after(ZX_TIME_INFINITE), ZX_TIME_INFINITE);
    assert!(zx_deadline_after(0) >= before);
}

/// §1.1: the page size is 4096 (`ZX_PAGE_SIZE`).
#[test]
fn system_get_page_size_is_4096() {
    assert_eq!(zx_system_get_page_size(), ZX_PAGE_SIZE);
}

/// §1.12: "A Linux shim should report 0 for KIND_VM (no execute-only)"; unknown kinds are
/// `NOT_SUPPORTED`; a null out pointer is `INVALID_ARGS`.
#[test]
fn system_get_features_vm_has_no_xom() {
    let mut features = 0xFFFF_FFFFu32;
    assert_eq!(
        zx_system_get_features(ZX_FEATURE_KIND_VM, &mut features),
        ZX_OK
    );
    assert_eq!(features & ZX_VM_FEATURE_CAN_MAP_XOM, 0);
    assert_eq!(
        zx_system_get_features(999, &mut features),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_eq!(
        zx_system_get_features(ZX_FEATURE_KIND_VM, std::ptr::null_mut()),
        ZX_ERR_INVALID_ARGS
    );
}

/// `zx_status_get_string` names every status by its C name; unknown values give a fixed
/// placeholder, never a null pointer.
#[test]
fn status_get_string_names_codes() {
    let name = |s| {
        // SAFETY: zx_status_get_string returns a pointer to a static NUL-terminated string.
        unsafe { CStr::from_ptr(zx_status_get_string(s)) }
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(name(ZX_OK), "ZX_OK");
    assert_eq!(name(ZX_ERR_BAD_HANDLE), "ZX_ERR_BAD_HANDLE");
    assert_eq!(
        name(ZX_ERR_INTERNAL_INTR_KILLED),
        "ZX_ERR_INTERNAL_INTR_KILLED"
    );
    assert_eq!(name(ZX_ERR_CONNECTION_ABORTED), "ZX_ERR_CONNECTION_ABORTED");
    assert_eq!(name(-5), "(UNKNOWN)");
    for c in CONSTANTS.iter().filter(|c| c.name.starts_with("ZX_ERR_")) {
        assert_eq!(name(c.value as i32), c.name);
    }
}

/// Process-global handles zx-shim does not model yet are `ZX_HANDLE_INVALID`.
#[test]
fn process_self_and_job_default_are_invalid() {
    assert_eq!(zx_process_self(), ZX_HANDLE_INVALID);
    assert_eq!(zx_job_default(), ZX_HANDLE_INVALID);
}
