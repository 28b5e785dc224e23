//! `zx_vmo_*` (zircon-abi.md §2.2). Each call looks the handle up (BAD_HANDLE → WRONG_TYPE
//! → ACCESS_DENIED), hands decoded arguments to `object::vmo`, and writes out-params last.
//! `zx_vmo_create_child` and the physical/contiguous/transfer calls are in `unsupported`.
use super::entry::zx_call;
use super::user::{UserBufferMut, UserOut};
use crate::handle::{lookup_vmo, HandleEntry, Object, Rights, HANDLES};
use crate::host::memfd::{CallerBuf, CallerBufMut};
use crate::object::vmo::{self, Vmo};
use crate::status::{Status, ZxResult};
use std::ffi::c_void;
use std::mem::size_of;
use zx_sys::*;

/// Adds `entry` as a new handle and writes it to `out` (see [`super::hand_out`]).
fn add_and_write(entry: HandleEntry, out: *mut zx_handle_t) -> ZxResult {
    let value = HANDLES.add(entry.object, entry.rights)?;
    super::hand_out(out, value)
}

/// `zx_vmo_create`: options and size are decoded by `Vmo::create_with_options`; the handle
/// has `ZX_DEFAULT_VMO_RIGHTS` (+ `RESIZE` if resizable). A bad `out` → `INVALID_ARGS`, and
/// nothing is created.
#[no_mangle]
pub extern "C" fn zx_vmo_create(size: u64, options: u32, out: *mut zx_handle_t) -> zx_status_t {
    zx_call!(zx_vmo_create(size, options, out) {
        let vmo = Vmo::create_with_options(size, options)?;
        let rights = vmo.default_rights();
        add_and_write(HandleEntry { object: Object::Vmo(vmo), rights }, out)
    })
}

/// `zx_vmo_read`: lookup(READ); the range (`OUT_OF_RANGE`) before the buffer; an
/// inaccessible buffer (NULL included) → `NOT_FOUND`. Bytes go straight from the memfd to
/// `buffer` (`pread`).
#[no_mangle]
pub extern "C" fn zx_vmo_read(
    handle: zx_handle_t,
    buffer: *mut c_void,
    offset: u64,
    buffer_size: usize,
) -> zx_status_t {
    zx_call!(zx_vmo_read(handle, buffer, offset, buffer_size) {
        let (vmo, _) = lookup_vmo(handle, Rights::READ)?;
        // SAFETY: the C caller passes `buffer_size` writable bytes, as the ABI requires, or
        // memory the host kernel refuses with EFAULT; only `pread` writes to it.
        let buf = unsafe { CallerBufMut::new(buffer.cast(), buffer_size) };
        vmo.read(&buf, offset)
    })
}

/// `zx_vmo_write`: lookup(WRITE); otherwise as `zx_vmo_read` (`pwrite`).
#[no_mangle]
pub extern "C" fn zx_vmo_write(
    handle: zx_handle_t,
    buffer: *const c_void,
    offset: u64,
    buffer_size: usize,
) -> zx_status_t {
    zx_call!(zx_vmo_write(handle, buffer, offset, buffer_size) {
        let (vmo, _) = lookup_vmo(handle, Rights::WRITE)?;
        // SAFETY: the C caller passes `buffer_size` readable bytes, or memory the host
        // kernel refuses with EFAULT; only `pwrite` reads it.
        let buf = unsafe { CallerBuf::new(buffer.cast(), buffer_size) };
        vmo.write(&buf, offset)
    })
}

/// `zx_vmo_get_size`: no rights needed; page-aligned; a bad `size` pointer → `INVALID_ARGS`.
#[no_mangle]
pub extern "C" fn zx_vmo_get_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t {
    zx_call!(zx_vmo_get_size(handle, size) {
        let (vmo, _) = lookup_vmo(handle, Rights::NONE)?;
        UserOut::new(size)?.write(vmo.size());
        Ok(())
    })
}

/// `zx_vmo_set_size`: lookup(WRITE), then `Vmo::set_size` (RESIZE right for resizable
/// VMOs, `UNAVAILABLE` for the others).
#[no_mangle]
pub extern "C" fn zx_vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    zx_call!(zx_vmo_set_size(handle, size) {
        let (vmo, rights) = lookup_vmo(handle, Rights::WRITE)?;
        vmo.set_size(size, rights)
    })
}

/// `zx_vmo_get_stream_size`: no rights needed; the unrounded content size.
#[no_mangle]
pub extern "C" fn zx_vmo_get_stream_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t {
    zx_call!(zx_vmo_get_stream_size(handle, size) {
        let (vmo, _) = lookup_vmo(handle, Rights::NONE)?;
        UserOut::new(size)?.write(vmo.stream_size());
        Ok(())
    })
}

/// `zx_vmo_set_stream_size`: lookup(WRITE), then `Vmo::set_stream_size`.
#[no_mangle]
pub extern "C" fn zx_vmo_set_stream_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    zx_call!(zx_vmo_set_stream_size(handle, size) {
        let (vmo, _) = lookup_vmo(handle, Rights::WRITE)?;
        vmo.set_stream_size(size)
    })
}

/// `zx_vmo_op_range`: lookup with no rights; `Vmo::op_range` checks each op's rights. The
/// `ZX_VMO_OP_LOCK` result is copied to `buffer` (NULL → `INVALID_ARGS`, lock undone).
#[no_mangle]
pub extern "C" fn zx_vmo_op_range(
    handle: zx_handle_t,
    op: u32,
    offset: u64,
    size: u64,
    buffer: *mut c_void,
    buffer_size: usize,
) -> zx_status_t {
    zx_call!(zx_vmo_op_range(handle, op, offset, size, buffer, buffer_size) {
        let (vmo, rights) = lookup_vmo(handle, Rights::NONE)?;
        vmo.op_range(op, offset, size, rights, buffer_size, |state| {
            let out = UserBufferMut::new(buffer.cast(), buffer_size)?;
            out.write_struct(0, state, size_of::<zx_vmo_lock_state_t>());
            Ok(())
        })
    })
}

/// `zx_vmo_set_cache_policy`: bad policy bits → `INVALID_ARGS` before the lookup;
/// lookup(MAP); mapped → `BAD_STATE`.
#[no_mangle]
pub extern "C" fn zx_vmo_set_cache_policy(handle: zx_handle_t, cache_policy: u32) -> zx_status_t {
    zx_call!(zx_vmo_set_cache_policy(handle, cache_policy) {
        vmo::check_cache_policy(cache_policy)?;
        let (vmo, _) = lookup_vmo(handle, Rights::MAP)?;
        vmo.set_cache_policy(cache_policy)
    })
}

/// `zx_vmo_replace_as_executable`: `vmex` may be `ZX_HANDLE_INVALID` (the ambient
/// mark-executable policy, which zx-shim always grants); any other `vmex` would have to be
/// a VMEX resource, which zx-shim has none of (not a handle → `BAD_HANDLE`, else
/// `WRONG_TYPE`). `handle` is consumed whenever it names a handle, even on failure, and only
/// then are the `vmex` error and the type (non-VMO → `BAD_HANDLE`) reported. The new
/// handle has the old rights plus `EXECUTE`.
#[no_mangle]
pub extern "C" fn zx_vmo_replace_as_executable(
    handle: zx_handle_t,
    vmex: zx_handle_t,
    out: *mut zx_handle_t,
) -> zx_status_t {
    zx_call!(zx_vmo_replace_as_executable(handle, vmex, out) {
        let vmex_status = if vmex == ZX_HANDLE_INVALID {
            Ok(())
        } else {
            HANDLES.get(vmex).and(Err(Status::WRONG_TYPE))
        };
        let entry = HANDLES.remove(handle)?;
        vmex_status?;
        let Object::Vmo(_) = entry.object else {
            return Err(Status::BAD_HANDLE);
        };
        let rights = vmo::executable_rights(entry.rights);
        add_and_write(HandleEntry { object: entry.object, rights }, out)
    })
}
