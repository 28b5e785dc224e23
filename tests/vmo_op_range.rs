//! Conformance tests for `zx_vmo_op_range`. Reference: zircon-abi.md §1.6 (op codes,
//! `zx_vmo_lock_state_t`), §2 conventions, §2.2 (`zx_vmo_op_range`), linux-host.md "What this
//! means" 4 (commit and decommit on the host).
use std::mem::size_of;
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const RW: zx_rights_t = ZX_RIGHT_READ | ZX_RIGHT_WRITE;

fn lock(h: zx_handle_t, offset: u64, len: u64) -> Result<zx_vmo_lock_state_t, zx_status_t> {
    let mut state = zx_vmo_lock_state_t::default();
    let status = zx_vmo_op_range(
        h,
        ZX_VMO_OP_LOCK,
        offset,
        len,
        (&mut state as *mut zx_vmo_lock_state_t).cast(),
        size_of::<zx_vmo_lock_state_t>(),
    );
    if status == ZX_OK {
        Ok(state)
    } else {
        Err(status)
    }
}

/// §2.2: "handle looked up with no rights" — BAD_HANDLE, then WRONG_TYPE (with no rights
/// too), for every op.
#[test]
fn vmo_op_range_bad_and_wrong_type_handles() {
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, 0, PAGE_U64), ZX_ERR_BAD_HANDLE);
        assert_eq!(
            vmo_op(h, ZX_VMO_OP_DONT_NEED, 0, PAGE_U64),
            ZX_ERR_BAD_HANDLE
        );
        assert_eq!(vmo_op(h, 0xFFFF, 0, PAGE_U64), ZX_ERR_BAD_HANDLE);
    }
    let other = non_vmo_handle(ZX_RIGHT_NONE);
    assert_eq!(
        vmo_op(other, ZX_VMO_OP_COMMIT, 0, PAGE_U64),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(
        vmo_op(other, ZX_VMO_OP_DONT_NEED, 0, PAGE_U64),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(vmo_op(other, 0xFFFF, 0, PAGE_U64), ZX_ERR_WRONG_TYPE);
    close(other);
}

/// §2.2: "Unknown op → `INVALID_ARGS`" (5 is the retired LOOKUP).
#[test]
fn vmo_op_range_unknown_op_is_invalid_args() {
    let h = vmo(PAGE_U64);
    for code in [0, 5, 15, 100, u32::MAX] {
        assert_eq!(
            vmo_op(h, code, 0, PAGE_U64),
            ZX_ERR_INVALID_ARGS,
            "op {code}"
        );
    }
    close(h);
}

/// §2.2: "COMMIT/DECOMMIT/ZERO need `WRITE`"; nothing changes without it.
#[test]
fn vmo_op_range_commit_decommit_zero_need_write() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, &[1; PAGE]), ZX_OK);
    let r = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_WRITE);
    for code in [ZX_VMO_OP_COMMIT, ZX_VMO_OP_DECOMMIT, ZX_VMO_OP_ZERO] {
        assert_eq!(
            vmo_op(r, code, 0, PAGE_U64),
            ZX_ERR_ACCESS_DENIED,
            "op {code}"
        );
    }
    assert_bytes(h, 0, PAGE, 1);
    assert_eq!(committed(h), PAGE_U64);
    let w = with_rights(h, ZX_RIGHT_WRITE);
    assert_eq!(vmo_op(w, ZX_VMO_OP_ZERO, 0, PAGE_U64), ZX_OK);
    close(w);
    close(r);
    close(h);
}

/// linux-host.md 4: "COMMIT = `fallocate(0)`": committed bytes grow; contents read zero.
#[test]
fn vmo_op_range_commit_commits_pages() {
    let h = vmo(4 * PAGE_U64);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, PAGE_U64, 2 * PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    assert_bytes(h, 0, 4 * PAGE, 0);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, 0, 4 * PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 4 * PAGE_U64);
    close(h);
}

/// COMMIT covers every page the byte range touches.
#[test]
fn vmo_op_range_commit_unaligned_range_rounds_outward() {
    let h = vmo(4 * PAGE_U64);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, PAGE_U64 - 1, 2), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, 3 * PAGE_U64, 0), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    close(h);
}

/// §2.2: "Range beyond size → `OUT_OF_RANGE`" (overflow included); nothing is committed.
#[test]
fn vmo_op_range_commit_beyond_size_is_out_of_range() {
    let h = vmo(2 * PAGE_U64);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_COMMIT, PAGE_U64, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_COMMIT, u64::MAX - PAGE_U64 + 1, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_COMMIT, 3 * PAGE_U64, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(committed(h), 0);
    close(h);
}

/// §2.2: "decommitted bytes read back as zero"; linux-host.md 4: "DECOMMIT =
/// `fallocate(PUNCH_HOLE)`" frees the pages.
#[test]
fn vmo_op_range_decommit_zeroes_and_frees_pages() {
    let h = vmo(4 * PAGE_U64);
    assert_eq!(write(h, 0, &[2; 4 * PAGE]), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_DECOMMIT, PAGE_U64, 2 * PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    assert_bytes(h, 0, PAGE, 2);
    assert_bytes(h, PAGE_U64, 2 * PAGE, 0);
    assert_bytes(h, 3 * PAGE_U64, PAGE, 2);
    close(h);
}

/// §2.2: "DECOMMIT requires page-aligned range (`INVALID_ARGS`)"; nothing is decommitted.
#[test]
fn vmo_op_range_decommit_unaligned_is_invalid_args() {
    let h = vmo(4 * PAGE_U64);
    assert_eq!(write(h, 0, &[3; 4 * PAGE]), ZX_OK);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_DECOMMIT, 1, PAGE_U64),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_DECOMMIT, 0, PAGE_U64 + 1),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(committed(h), 4 * PAGE_U64);
    assert_bytes(h, 0, 4 * PAGE, 3);
    close(h);
}

/// §2.2: "Range beyond size → `OUT_OF_RANGE`" for DECOMMIT too.
#[test]
fn vmo_op_range_decommit_beyond_size_is_out_of_range() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"x"), ZX_OK);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_DECOMMIT, 0, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(committed(h), PAGE_U64);
    close(h);
}

/// §2.2 ZERO: an unaligned range is zeroed exactly, whole pages inside it are decommitted.
#[test]
fn vmo_op_range_zero_unaligned_range_zeroes_exactly() {
    let h = vmo(4 * PAGE_U64);
    assert_eq!(write(h, 0, &[4; 4 * PAGE]), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_ZERO, 100, 3 * PAGE_U64 - 200), ZX_OK);
    assert_bytes(h, 0, 100, 4);
    assert_bytes(h, 100, 3 * PAGE - 200, 0);
    assert_bytes(h, 3 * PAGE_U64 - 100, PAGE + 100, 4);
    assert_eq!(committed(h), 3 * PAGE_U64);
    close(h);
}

/// §2.2: "Range beyond size → `OUT_OF_RANGE`" for ZERO; nothing is zeroed.
#[test]
fn vmo_op_range_zero_beyond_size_is_out_of_range() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, &[5; PAGE]), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_ZERO, 10, PAGE_U64), ZX_ERR_OUT_OF_RANGE);
    assert_bytes(h, 0, PAGE, 5);
    close(h);
}

/// §2.2: "LOCK/TRY_LOCK/UNLOCK on a non-discardable VMO → `NOT_SUPPORTED`".
#[test]
fn vmo_op_range_lock_ops_on_non_discardable_are_not_supported() {
    let h = vmo(PAGE_U64);
    assert_eq!(lock(h, 0, PAGE_U64), Err(ZX_ERR_NOT_SUPPORTED));
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_TRY_LOCK, 0, PAGE_U64),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64),
        ZX_ERR_NOT_SUPPORTED
    );
    close(h);
}

/// §2.2: "LOCK/TRY_LOCK/UNLOCK need `READ` or `WRITE`" (either one suffices).
#[test]
fn vmo_op_range_lock_ops_need_read_or_write() {
    let h = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    let none = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !RW);
    assert_eq!(lock(none, 0, PAGE_U64), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(
        vmo_op(none, ZX_VMO_OP_TRY_LOCK, 0, PAGE_U64),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(
        vmo_op(none, ZX_VMO_OP_UNLOCK, 0, PAGE_U64),
        ZX_ERR_ACCESS_DENIED
    );
    // Rights come before the VMO's kind.
    let plain = vmo(PAGE_U64);
    let plain_none = with_rights(plain, ZX_RIGHT_NONE);
    assert_eq!(lock(plain_none, 0, PAGE_U64), Err(ZX_ERR_ACCESS_DENIED));
    for rights in [ZX_RIGHT_READ, ZX_RIGHT_WRITE] {
        let r = with_rights(h, rights);
        assert!(lock(r, 0, PAGE_U64).is_ok());
        assert_eq!(vmo_op(r, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_OK);
        close(r);
    }
    for x in [none, plain_none, plain, h] {
        close(x);
    }
}

/// §1.6: LOCK fills `zx_vmo_lock_state_t` (offset, size, discarded range); nothing is ever
/// discarded on the host. UNLOCK undoes it; a second UNLOCK is "UNLOCK without lock →
/// `BAD_STATE`".
#[test]
fn vmo_op_range_lock_reports_state_and_unlock_balances() {
    let h = vmo_with(3 * PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(write(h, 0, b"kept"), ZX_OK);
    let state = lock(h, 0, 3 * PAGE_U64).unwrap();
    assert_eq!(
        (
            state.offset,
            state.size,
            state.discarded_offset,
            state.discarded_size
        ),
        (0, 3 * PAGE_U64, 0, 0)
    );
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, 3 * PAGE_U64), ZX_OK);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_UNLOCK, 0, 3 * PAGE_U64),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(read(h, 0, 4).unwrap(), b"kept");
    close(h);
}

/// §2.2: "UNLOCK without lock → `BAD_STATE`".
#[test]
fn vmo_op_range_unlock_without_lock_is_bad_state() {
    let h = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_ERR_BAD_STATE);
    close(h);
}

/// §2.2: "LOCK: `buf_size < 32` → `INVALID_ARGS` (the lock is undone)" — and a NULL buffer
/// likewise.
#[test]
fn vmo_op_range_lock_small_or_null_buffer_is_invalid_args_and_undone() {
    let h = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    let mut buf = [0xEEu8; 31];
    assert_eq!(
        zx_vmo_op_range(
            h,
            ZX_VMO_OP_LOCK,
            0,
            PAGE_U64,
            buf.as_mut_ptr().cast(),
            buf.len()
        ),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(buf, [0xEE; 31]);
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_ERR_BAD_STATE);
    assert_eq!(
        zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, PAGE_U64, null_mut(), 32),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_ERR_BAD_STATE);
    close(h);
}

/// §2.2: TRY_LOCK takes the lock when nothing was discarded (always, on the host).
#[test]
fn vmo_op_range_try_lock_locks() {
    let h = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(vmo_op(h, ZX_VMO_OP_TRY_LOCK, 0, PAGE_U64), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_UNLOCK, 0, PAGE_U64), ZX_ERR_BAD_STATE);
    close(h);
}

/// §2.2: lock ops "expect offset 0 and size = VMO size"; other ranges are refused (zx-shim
/// answers `OUT_OF_RANGE`) and take no lock.
#[test]
fn vmo_op_range_lock_of_part_of_the_vmo_is_refused() {
    let h = vmo_with(2 * PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(lock(h, 0, PAGE_U64), Err(ZX_ERR_OUT_OF_RANGE));
    assert_eq!(lock(h, PAGE_U64, PAGE_U64), Err(ZX_ERR_OUT_OF_RANGE));
    assert_eq!(lock(h, 0, 3 * PAGE_U64), Err(ZX_ERR_OUT_OF_RANGE));
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_TRY_LOCK, 0, PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_UNLOCK, 0, 2 * PAGE_U64),
        ZX_ERR_BAD_STATE
    );
    close(h);
}

/// §2.2: "CACHE_SYNC/CLEAN/CLEAN_INVALIDATE ... need `READ`"; "Cache ops with size 0 →
/// `INVALID_ARGS`"; "Range beyond size → `OUT_OF_RANGE`"; a valid range succeeds.
#[test]
fn vmo_op_range_cache_ops_need_read_and_a_valid_nonempty_range() {
    let h = vmo(2 * PAGE_U64);
    let w = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_READ);
    for code in [
        ZX_VMO_OP_CACHE_SYNC,
        ZX_VMO_OP_CACHE_CLEAN,
        ZX_VMO_OP_CACHE_CLEAN_INVALIDATE,
    ] {
        assert_eq!(
            vmo_op(w, code, 0, PAGE_U64),
            ZX_ERR_ACCESS_DENIED,
            "op {code}"
        );
        assert_eq!(vmo_op(h, code, 0, 0), ZX_ERR_INVALID_ARGS, "op {code}");
        assert_eq!(
            vmo_op(h, code, PAGE_U64, PAGE_U64 + 1),
            ZX_ERR_OUT_OF_RANGE,
            "op {code}"
        );
        assert_eq!(vmo_op(h, code, 1, 2 * PAGE_U64 - 1), ZX_OK, "op {code}");
    }
    close(w);
    close(h);
}

/// §2.2: "CACHE_INVALIDATE needs `WRITE` *and* debugging syscalls enabled (else
/// `NOT_SUPPORTED`, checked first)"; zx-shim has no debugging syscalls.
#[test]
fn vmo_op_range_cache_invalidate_is_not_supported() {
    let h = vmo(PAGE_U64);
    let none = with_rights(h, ZX_RIGHT_NONE);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_CACHE_INVALIDATE, 0, PAGE_U64),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_eq!(
        vmo_op(none, ZX_VMO_OP_CACHE_INVALIDATE, 0, PAGE_U64),
        ZX_ERR_NOT_SUPPORTED
    );
    close(none);
    close(h);
}

/// §2.2: "DONT_NEED/ALWAYS_NEED need nothing (hints; trivially succeed on non-pager VMOs)";
/// contents stay.
#[test]
fn vmo_op_range_dont_need_and_always_need_need_no_rights_and_succeed() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"hint"), ZX_OK);
    let none = with_rights(h, ZX_RIGHT_NONE);
    for code in [ZX_VMO_OP_DONT_NEED, ZX_VMO_OP_ALWAYS_NEED] {
        assert_eq!(vmo_op(none, code, 0, PAGE_U64), ZX_OK, "op {code}");
        assert_eq!(vmo_op(none, code, 10, 10), ZX_OK, "op {code}");
    }
    assert_eq!(read(h, 0, 4).unwrap(), b"hint");
    close(none);
    close(h);
}

/// §2.2: "PREFETCH need[s] `READ`"; on a VMO without a pager it commits the range.
#[test]
fn vmo_op_range_prefetch_needs_read_and_commits() {
    let h = vmo(4 * PAGE_U64);
    let w = with_rights(h, ZX_RIGHT_WRITE);
    assert_eq!(
        vmo_op(w, ZX_VMO_OP_PREFETCH, 0, PAGE_U64),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(committed(h), 0);
    let r = with_rights(h, ZX_RIGHT_READ);
    assert_eq!(vmo_op(r, ZX_VMO_OP_PREFETCH, 0, 2 * PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    assert_eq!(
        vmo_op(r, ZX_VMO_OP_PREFETCH, 0, 5 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    close(r);
    close(w);
    close(h);
}

/// §2.2: ops on a resizable VMO follow its current size.
#[test]
fn vmo_op_range_follows_resized_size() {
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_COMMIT, 0, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(zx_vmo_set_size(h, 2 * PAGE_U64), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, 0, 2 * PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    close(h);
}
