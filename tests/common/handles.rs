//! Handles: closing them, making ones with chosen rights, and reading their basic info.
use crate::info::get_info;
use zircon::handle::{Rights, HANDLES};
use zircon::prelude::*;

/// A handle value with the fixed bits set that no table slot matches.
pub const FORGED: zx_handle_t = 0xDEAD_BEEF;

pub fn close(h: zx_handle_t) {
    assert_eq!(zx_handle_close(h), ZX_OK);
}

/// A duplicate of `h` with exactly `rights` (through `zx_handle_duplicate`, so `h` must
/// hold `DUPLICATE` and every right asked for).
pub fn with_rights(h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    let mut d = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, rights, &mut d), ZX_OK);
    d
}

/// Another handle to `h`'s object with exactly `rights`, installed straight into the
/// handle table: for handles without `DUPLICATE` (pagers) and for rights the object's type
/// never carries, so that checks after the rights check can be reached.
pub fn with_any_rights(h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    let object = HANDLES.get(h).expect("live handle").object;
    HANDLES
        .add(object, Rights::from_raw(rights))
        .expect("handle table")
}

/// `ZX_INFO_HANDLE_BASIC` of `h`, or the status of the call.
pub fn try_basic_info(h: zx_handle_t) -> Result<zx_info_handle_basic_t, zx_status_t> {
    get_info(h, ZX_INFO_HANDLE_BASIC)
}

/// `ZX_INFO_HANDLE_BASIC` of a live handle.
pub fn basic_info(h: zx_handle_t) -> zx_info_handle_basic_t {
    try_basic_info(h).expect("ZX_INFO_HANDLE_BASIC")
}

pub fn rights_of(h: zx_handle_t) -> zx_rights_t {
    basic_info(h).rights
}

/// True if `h` names a live handle (`ZX_INFO_HANDLE_VALID`).
pub fn is_valid(h: zx_handle_t) -> bool {
    zx_object_get_info(
        h,
        ZX_INFO_HANDLE_VALID,
        std::ptr::null_mut(),
        0,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
    ) == ZX_OK
}
