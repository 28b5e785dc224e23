//! `zx_pager_*` (zircon-abi.md §2.3). Argument checks that Zircon makes before the handle
//! lookups (alignment) come first; then pager, VMO, ownership, in the kernel's order. The
//! rules live in `crate::object::pager`.
use super::entry::zx_call;
use super::user::{UserBufferMut, UserOut};
use crate::handle::{lookup_pager, lookup_port, lookup_vmo, Object, Rights, HANDLES};
use crate::object::pager::Pager;
use crate::status::{Status, ZxResult};
use std::ffi::c_void;
use std::mem::size_of;
use zx_sys::*;

const PAGE: u64 = ZX_PAGE_SIZE as u64;

fn check_aligned(values: &[u64]) -> ZxResult {
    if values.iter().any(|v| v % PAGE != 0) {
        Err(Status::INVALID_ARGS)
    } else {
        Ok(())
    }
}

/// `zx_pager_create`: options must be 0 (`INVALID_ARGS`); a host without userfaultfd →
/// `NOT_SUPPORTED` (logged with how to enable it). Rights `ZX_DEFAULT_PAGER_RIGHTS`.
#[no_mangle]
pub extern "C" fn zx_pager_create(options: u32, out: *mut zx_handle_t) -> zx_status_t {
    zx_call!(zx_pager_create(options, out) {
        let pager = Pager::create(options)?;
        let handle = HANDLES.add(Object::Pager(pager), Rights::DEFAULT_PAGER)?;
        super::hand_out(out, handle)
    })
}

/// `zx_pager_create_vmo`: pager needs `ATTACH_VMO`, port `WRITE`; `TRAP_DIRTY` is split
/// off and the other options are `zx_vmo_create`'s. A bad `out` is `INVALID_ARGS`, checked
/// before the VMO exists, so no `COMPLETE` packet follows.
#[no_mangle]
pub extern "C" fn zx_pager_create_vmo(
    pager: zx_handle_t,
    options: u32,
    port: zx_handle_t,
    key: u64,
    size: u64,
    out: *mut zx_handle_t,
) -> zx_status_t {
    zx_call!(zx_pager_create_vmo(pager, options, port, key, size, out) {
        let (pager, _) = lookup_pager(pager, Rights::ATTACH_VMO)?;
        let (port, _) = lookup_port(port, Rights::WRITE)?;
        // Checked before the VMO exists: tearing a new pager VMO down would queue COMPLETE.
        UserOut::new(out)?;
        let vmo = pager.create_vmo(options, &port, key, size)?;
        let rights = vmo.default_rights();
        let handle = HANDLES.add(Object::Vmo(vmo), rights)?;
        super::hand_out(out, handle)
    })
}

/// `zx_pager_detach_vmo`: pager needs `ATTACH_VMO | MANAGE_VMO`, VMO `WRITE`; a VMO of
/// another pager (or none) → `INVALID_ARGS`.
#[no_mangle]
pub extern "C" fn zx_pager_detach_vmo(pager: zx_handle_t, vmo: zx_handle_t) -> zx_status_t {
    zx_call!(zx_pager_detach_vmo(pager, vmo) {
        let (pager, _) = lookup_pager(pager, Rights::ATTACH_VMO | Rights::MANAGE_VMO)?;
        let (vmo, _) = lookup_vmo(vmo, Rights::WRITE)?;
        pager.detach(&vmo)
    })
}

/// `zx_pager_supply_pages`: unaligned offset, length or aux offset → `INVALID_ARGS` before
/// any lookup; pager `MANAGE_VMO`; VMO `WRITE`; foreign → `INVALID_ARGS`; aux
/// `READ | WRITE`; pager-backed aux → `NOT_SUPPORTED`; detached → `BAD_STATE`; ranges →
/// `OUT_OF_RANGE`.
#[no_mangle]
pub extern "C" fn zx_pager_supply_pages(
    pager: zx_handle_t,
    pager_vmo: zx_handle_t,
    offset: u64,
    length: u64,
    aux_vmo: zx_handle_t,
    aux_offset: u64,
) -> zx_status_t {
    zx_call!(zx_pager_supply_pages(pager, pager_vmo, offset, length, aux_vmo, aux_offset) {
        check_aligned(&[offset, length, aux_offset])?;
        let (pager, _) = lookup_pager(pager, Rights::MANAGE_VMO)?;
        let (vmo, _) = lookup_vmo(pager_vmo, Rights::WRITE)?;
        pager.own(&vmo)?;
        let (aux, _) = lookup_vmo(aux_vmo, Rights::READ | Rights::WRITE)?;
        pager.supply(&vmo, offset, length, &aux, aux_offset)
    })
}

/// `zx_pager_op_range`: alignment first (`INVALID_ARGS`); pager `MANAGE_VMO`; VMO `WRITE`;
/// foreign → `INVALID_ARGS`; then the op's own rules (unknown op → `NOT_SUPPORTED`).
#[no_mangle]
pub extern "C" fn zx_pager_op_range(
    pager: zx_handle_t,
    op: u32,
    pager_vmo: zx_handle_t,
    offset: u64,
    length: u64,
    data: u64,
) -> zx_status_t {
    zx_call!(zx_pager_op_range(pager, op, pager_vmo, offset, length, data) {
        check_aligned(&[offset, length])?;
        let (pager, _) = lookup_pager(pager, Rights::MANAGE_VMO)?;
        let (vmo, _) = lookup_vmo(pager_vmo, Rights::WRITE)?;
        pager.op_range(op, &vmo, offset, length, data)
    })
}

/// `zx_pager_query_vmo_stats`: pager `MANAGE_VMO`, VMO `READ`; foreign → `INVALID_ARGS`;
/// options other than `ZX_PAGER_RESET_VMO_STATS` → `INVALID_ARGS`; a buffer under 4 bytes
/// → `BUFFER_TOO_SMALL`; a NULL one → `INVALID_ARGS`.
#[no_mangle]
pub extern "C" fn zx_pager_query_vmo_stats(
    pager: zx_handle_t,
    pager_vmo: zx_handle_t,
    options: u32,
    buffer: *mut c_void,
    buffer_size: usize,
) -> zx_status_t {
    zx_call!(zx_pager_query_vmo_stats(pager, pager_vmo, options, buffer, buffer_size) {
        let (pager, _) = lookup_pager(pager, Rights::MANAGE_VMO)?;
        let (vmo, _) = lookup_vmo(pager_vmo, Rights::READ)?;
        pager.own(&vmo)?;
        if options & !ZX_PAGER_RESET_VMO_STATS != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let len = size_of::<zx_pager_vmo_stats_t>();
        if buffer_size < len {
            return Err(Status::BUFFER_TOO_SMALL);
        }
        let out = UserBufferMut::new(buffer.cast(), buffer_size)?;
        let stats = pager.query_stats(&vmo, options)?;
        out.write_struct(0, &stats, len);
        Ok(())
    })
}

/// `zx_pager_query_dirty_ranges`: pager `MANAGE_VMO`, VMO `READ`; foreign →
/// `INVALID_ARGS`; the range is rounded out to pages (`OUT_OF_RANGE` beyond the VMO).
/// Writes as many `zx_vmo_dirty_range_t` as fit and reports `actual` and `avail`.
#[no_mangle]
pub extern "C" fn zx_pager_query_dirty_ranges(
    pager: zx_handle_t,
    pager_vmo: zx_handle_t,
    offset: u64,
    length: u64,
    buffer: *mut c_void,
    buffer_size: usize,
    actual: *mut usize,
    avail: *mut usize,
) -> zx_status_t {
    zx_call!(zx_pager_query_dirty_ranges(pager, pager_vmo, offset, length, buffer, buffer_size, actual, avail) {
        let (pager, _) = lookup_pager(pager, Rights::MANAGE_VMO)?;
        let (vmo, _) = lookup_vmo(pager_vmo, Rights::READ)?;
        pager.own(&vmo)?;
        let actual = UserOut::optional(actual)?;
        let avail = UserOut::optional(avail)?;
        let out = UserBufferMut::new(buffer.cast(), buffer_size)?;
        let ranges = pager.query_dirty(&vmo, offset, length)?;
        let rec = size_of::<zx_vmo_dirty_range_t>();
        let n = ranges.len().min(buffer_size / rec);
        for (i, r) in ranges[..n].iter().enumerate() {
            out.write_struct(i * rec, r, rec);
        }
        if let Some(a) = actual {
            a.write(n);
        }
        if let Some(a) = avail {
            a.write(ranges.len());
        }
        Ok(())
    })
}
