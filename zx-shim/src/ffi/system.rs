//! `<zircon/process.h>`, `<zircon/status.h>`, the clock and `zx_system_*`.
use super::entry::{zx_call, zx_value};
use super::user::UserOut;
use crate::handle::{Object, Rights, HANDLES};
use crate::status::Status;
use std::ffi::c_char;
use std::sync::OnceLock;
use zx_sys::*;

static ROOT_VMAR_HANDLE: OnceLock<zx_handle_t> = OnceLock::new();

/// `zx_vmar_root_self`: the root VMAR of this process, created (reserved) on first use.
/// Always the same value, as Fuchsia's libc keeps it in a global; `ZX_HANDLE_INVALID` if the
/// host refused every reservation size.
#[no_mangle]
pub extern "C" fn zx_vmar_root_self() -> zx_handle_t {
    zx_value!(zx_vmar_root_self() ZX_HANDLE_INVALID => {
        *ROOT_VMAR_HANDLE.get_or_init(|| {
            match crate::object::vmar::Vmar::root() {
                Ok(root) => HANDLES
                    .add(Object::Vmar(root), crate::object::vmar::ROOT_RIGHTS)
                    .unwrap_or(ZX_HANDLE_INVALID),
                Err(status) => {
                    tracing::error!(target: "zx_shim::vmar", "cannot reserve the root VMAR: {status:?}");
                    ZX_HANDLE_INVALID
                }
            }
        })
    })
}

/// `zx_process_self`: zx-shim has no process objects yet; `ZX_HANDLE_INVALID`.
#[no_mangle]
pub extern "C" fn zx_process_self() -> zx_handle_t {
    zx_value!(zx_process_self() ZX_HANDLE_INVALID => { ZX_HANDLE_INVALID })
}

/// `zx_job_default`: zx-shim has no job objects yet; `ZX_HANDLE_INVALID`.
#[no_mangle]
pub extern "C" fn zx_job_default() -> zx_handle_t {
    zx_value!(zx_job_default() ZX_HANDLE_INVALID => { ZX_HANDLE_INVALID })
}

/// `zx_status_get_string`: the status's C name, `"(UNKNOWN)"` for other values.
#[no_mangle]
pub extern "C" fn zx_status_get_string(status: zx_status_t) -> *const c_char {
    zx_value!(zx_status_get_string(status) c"(UNKNOWN)".as_ptr() => {
        Status::from_raw(status).name().as_ptr()
    })
}

/// `zx_clock_get_monotonic`: host `CLOCK_MONOTONIC` in nanoseconds.
#[no_mangle]
pub extern "C" fn zx_clock_get_monotonic() -> zx_instant_mono_t {
    zx_value!(zx_clock_get_monotonic() 0 => { monotonic_now() })
}

/// `zx_deadline_after`: now plus `nanoseconds`, saturating at `ZX_TIME_INFINITE` /
/// `ZX_TIME_INFINITE_PAST`.
#[no_mangle]
pub extern "C" fn zx_deadline_after(nanoseconds: zx_duration_t) -> zx_instant_mono_t {
    zx_value!(zx_deadline_after(nanoseconds) ZX_TIME_INFINITE => {
        monotonic_now().saturating_add(nanoseconds)
    })
}

/// Host `CLOCK_MONOTONIC` in nanoseconds (lives in the host layer; re-exported here).
pub use crate::host::clock::monotonic_now;

/// `zx_system_get_page_size`: 4096.
#[no_mangle]
pub extern "C" fn zx_system_get_page_size() -> u32 {
    zx_value!(zx_system_get_page_size() ZX_PAGE_SIZE => { ZX_PAGE_SIZE })
}

/// `zx_system_get_features`: `ZX_FEATURE_KIND_VM` is 0 (no execute-only mappings on the
/// host, so `ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED` means `ZX_VM_PERM_READ`); the CPU and debug
/// kinds report 0 features; other kinds are `NOT_SUPPORTED`.
#[no_mangle]
pub extern "C" fn zx_system_get_features(kind: u32, features: *mut u32) -> zx_status_t {
    zx_call!(zx_system_get_features(kind, features) {
        let out = UserOut::new(features)?;
        match kind {
            ZX_FEATURE_KIND_CPU
            | ZX_FEATURE_KIND_HW_BREAKPOINT_COUNT
            | ZX_FEATURE_KIND_HW_WATCHPOINT_COUNT
            | ZX_FEATURE_KIND_ADDRESS_TAGGING
            | ZX_FEATURE_KIND_VM => {
                out.write(0);
                Ok(())
            }
            _ => Err(Status::NOT_SUPPORTED),
        }
    })
}

#[allow(dead_code)]
fn _rights_used(_: Rights) {}
