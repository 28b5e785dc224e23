//! `zx_handle_*`.
use super::entry::zx_call;
use crate::handle::{Rights, HANDLES};
use crate::status::Status;
use zx_sys::*;

/// `zx_handle_close`: `ZX_HANDLE_INVALID` is OK; the object goes away with its last handle
/// (VMARs and mappings are not destroyed by closing).
#[no_mangle]
pub extern "C" fn zx_handle_close(handle: zx_handle_t) -> zx_status_t {
    zx_call!(zx_handle_close(handle) {
        if handle == ZX_HANDLE_INVALID {
            return Ok(());
        }
        let entry = HANDLES.remove(handle)?;
        drop(entry);
        Ok(())
    })
}

/// `zx_handle_close_many`: closes every valid entry; any invalid or repeated entry makes the
/// result `BAD_HANDLE`, but the valid ones are still closed.
/// `handles` must point to `num_handles` readable values (or be null with 0); a null
/// pointer with a non-zero count is `INVALID_ARGS`.
#[no_mangle]
pub extern "C" fn zx_handle_close_many(
    handles: *const zx_handle_t,
    num_handles: usize,
) -> zx_status_t {
    zx_call!(zx_handle_close_many(handles, num_handles) {
        if num_handles == 0 {
            return Ok(());
        }
        let values = super::user::UserBuffer::new(handles.cast(), num_handles.checked_mul(4).ok_or(Status::INVALID_ARGS)?)?;
        if !handles.is_aligned() {
            return Err(Status::INVALID_ARGS);
        }
        let bytes = values.to_vec();
        let mut result = Ok(());
        for chunk in bytes.chunks_exact(4) {
            let value = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if value == ZX_HANDLE_INVALID {
                continue;
            }
            if let Err(status) = HANDLES.remove(value) {
                result = Err(status);
            }
        }
        result
    })
}

/// `zx_handle_duplicate`: BAD_HANDLE → no DUPLICATE right (ACCESS_DENIED) → rights not a
/// subset (INVALID_ARGS) → bad out pointer (INVALID_ARGS, nothing created).
#[no_mangle]
pub extern "C" fn zx_handle_duplicate(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: *mut zx_handle_t,
) -> zx_status_t {
    zx_call!(zx_handle_duplicate(handle, rights, out) {
        let new = HANDLES.duplicate(handle, Rights::from_raw(rights))?;
        super::hand_out(out, new)
    })
}

/// `zx_handle_replace`: the old handle is consumed even when the call fails after lookup.
#[no_mangle]
pub extern "C" fn zx_handle_replace(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: *mut zx_handle_t,
) -> zx_status_t {
    zx_call!(zx_handle_replace(handle, rights, out) {
        let new = HANDLES.replace(handle, Rights::from_raw(rights))?;
        super::hand_out(out, new)
    })
}

/// `zx_handle_check_valid`: 0 → INVALID_ARGS; low bits not both set → OUT_OF_RANGE;
/// well-formed but unknown → NOT_FOUND.
#[no_mangle]
pub extern "C" fn zx_handle_check_valid(handle: zx_handle_t) -> zx_status_t {
    zx_call!(zx_handle_check_valid(handle) {
        if handle == ZX_HANDLE_INVALID {
            return Err(Status::INVALID_ARGS);
        }
        if handle & ZX_HANDLE_FIXED_BITS_MASK != ZX_HANDLE_FIXED_BITS_MASK {
            return Err(Status::OUT_OF_RANGE);
        }
        HANDLES.get(handle).map(drop).map_err(|_| Status::NOT_FOUND)
    })
}
