//! Conformance tests for `zx_vmo_read` and `zx_vmo_write`. Reference: zircon-abi.md §2
//! conventions ("lookup(h, R)"), §2.2 (`zx_vmo_read/write`), §5 item 4.
use std::ptr::{null, null_mut};
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::pointers::unmapped_address;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// §2.2: bytes written at any offset read back, across page boundaries.
#[test]
fn vmo_write_then_read_round_trips_across_pages() {
    let h = vmo(3 * PAGE_U64);
    let data: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(write(h, 3000, &data), ZX_OK);
    assert_eq!(read(h, 3000, data.len()).unwrap(), data);
    assert_bytes(h, 0, 3000, 0);
    assert_bytes(h, 9000, 3 * PAGE - 9000, 0);
    close(h);
}

/// §2.2 "lookup(READ / WRITE)": a handle without `READ` cannot read; the buffer is untouched.
#[test]
fn vmo_read_without_read_right_is_access_denied() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"secret"), ZX_OK);
    let w = with_rights(h, ZX_RIGHT_WRITE);
    let mut buf = [0xEEu8; 6];
    assert_eq!(
        zx_vmo_read(w, buf.as_mut_ptr().cast(), 0, 6),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(buf, [0xEE; 6]);
    close(w);
    close(h);
}

/// §2.2 "lookup(READ / WRITE)": a handle without `WRITE` cannot write; the VMO is unchanged.
#[test]
fn vmo_write_without_write_right_is_access_denied() {
    let h = vmo(PAGE_U64);
    let r = with_rights(h, ZX_RIGHT_READ);
    assert_eq!(write(r, 0, b"nope"), ZX_ERR_ACCESS_DENIED);
    assert_bytes(h, 0, 4, 0);
    assert_eq!(committed(h), 0);
    close(r);
    close(h);
}

/// §2 conventions: BAD_HANDLE for a value that is not a handle (invalid, closed, forged).
#[test]
fn vmo_read_write_bad_handle_is_bad_handle() {
    let mut buf = [0u8; 4];
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(
            zx_vmo_read(h, buf.as_mut_ptr().cast(), 0, 4),
            ZX_ERR_BAD_HANDLE
        );
        assert_eq!(
            zx_vmo_write(h, buf.as_ptr().cast(), 0, 4),
            ZX_ERR_BAD_HANDLE
        );
    }
}

/// §2 conventions: "**Type is checked before rights** (... a wrong-type handle with zero
/// rights yields `WRONG_TYPE`, not `ACCESS_DENIED`)".
#[test]
fn vmo_read_write_wrong_type_is_wrong_type_even_without_rights() {
    let mut buf = [0u8; 4];
    for rights in [ZX_RIGHT_SAME_RIGHTS, ZX_RIGHT_NONE] {
        let other = non_vmo_handle(rights);
        assert_eq!(
            zx_vmo_read(other, buf.as_mut_ptr().cast(), 0, 4),
            ZX_ERR_WRONG_TYPE
        );
        assert_eq!(
            zx_vmo_write(other, buf.as_ptr().cast(), 0, 4),
            ZX_ERR_WRONG_TYPE
        );
        close(other);
    }
}

/// §2.2: "`offset+len > size` ... → `OUT_OF_RANGE`"; nothing is written or read.
#[test]
fn vmo_read_write_beyond_size_is_out_of_range() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, PAGE_U64 - 3, b"four"), ZX_ERR_OUT_OF_RANGE);
    assert_bytes(h, 0, PAGE, 0);
    let mut buf = [0xEEu8; 4];
    assert_eq!(
        zx_vmo_read(h, buf.as_mut_ptr().cast(), PAGE_U64 - 3, 4),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(buf, [0xEE; 4]);
    assert_eq!(committed(h), 0);
    close(h);
}

/// §2.2: "`offset+len > size` (or wrap) → `OUT_OF_RANGE`".
#[test]
fn vmo_read_write_offset_wrap_is_out_of_range() {
    let h = vmo(PAGE_U64);
    let mut buf = [0u8; 16];
    assert_eq!(
        zx_vmo_read(h, buf.as_mut_ptr().cast(), u64::MAX - 7, 16),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        zx_vmo_write(h, buf.as_ptr().cast(), u64::MAX - 7, 16),
        ZX_ERR_OUT_OF_RANGE
    );
    close(h);
}

/// §2.2: "`len == 0` at `offset == size` is OK, `len == 0` at `offset > size` is
/// `OUT_OF_RANGE`".
#[test]
fn vmo_read_write_len_zero_ok_at_end_out_of_range_beyond() {
    let h = vmo(PAGE_U64);
    let mut b = [0u8; 1];
    assert_eq!(zx_vmo_read(h, b.as_mut_ptr().cast(), PAGE_U64, 0), ZX_OK);
    assert_eq!(zx_vmo_write(h, b.as_ptr().cast(), PAGE_U64, 0), ZX_OK);
    assert_eq!(
        zx_vmo_read(h, b.as_mut_ptr().cast(), PAGE_U64 + 1, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        zx_vmo_write(h, b.as_ptr().cast(), PAGE_U64 + 1, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    // A zero-length transfer needs no buffer at all.
    assert_eq!(zx_vmo_read(h, null_mut(), 0, 0), ZX_OK);
    assert_eq!(zx_vmo_write(h, null(), 0, 0), ZX_OK);
    close(h);
}

/// §2.2 / §5.4: "Faults on the *user buffer*: unmapped (incl. NULL ...) →
/// **`ZX_ERR_NOT_FOUND`**".
#[test]
fn vmo_read_write_null_buffer_is_not_found() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_read(h, null_mut(), 0, 16), ZX_ERR_NOT_FOUND);
    assert_eq!(zx_vmo_write(h, null(), 0, 16), ZX_ERR_NOT_FOUND);
    assert_bytes(h, 0, PAGE, 0);
    close(h);
}

/// §2.2: an unmapped user buffer → `NOT_FOUND`, for reads and writes.
#[test]
fn vmo_read_write_unmapped_buffer_is_not_found() {
    let h = vmo(PAGE_U64);
    let hole = unmapped_address();
    assert_eq!(zx_vmo_read(h, hole.cast(), 0, 64), ZX_ERR_NOT_FOUND);
    assert_eq!(
        zx_vmo_write(h, hole.cast_const().cast(), 0, 64),
        ZX_ERR_NOT_FOUND
    );
    assert_bytes(h, 0, PAGE, 0);
    close(h);
}

/// §2.2 / §5.4: "range errors (`OUT_OF_RANGE`) are checked before the buffer".
#[test]
fn vmo_read_write_range_is_checked_before_buffer() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_read(h, null_mut(), PAGE_U64, 1), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(zx_vmo_write(h, null(), PAGE_U64, 1), ZX_ERR_OUT_OF_RANGE);
    close(h);
}

/// The handle is checked before anything else: a bad handle with a bad range and a NULL
/// buffer is still `BAD_HANDLE`.
#[test]
fn vmo_read_write_handle_is_checked_first() {
    assert_eq!(
        zx_vmo_read(FORGED, null_mut(), u64::MAX, 1),
        ZX_ERR_BAD_HANDLE
    );
    assert_eq!(zx_vmo_write(FORGED, null(), u64::MAX, 1), ZX_ERR_BAD_HANDLE);
}

/// §2.2 "zero filled": reading pages never written gives zeros and commits nothing.
#[test]
fn vmo_read_of_uncommitted_pages_is_zero_and_commits_nothing() {
    let h = vmo(8 * PAGE_U64);
    assert_bytes(h, 0, 8 * PAGE, 0);
    assert_eq!(committed(h), 0);
    close(h);
}

/// §1.8: `committed_bytes` counts the pages a write committed.
#[test]
fn vmo_write_commits_the_pages_it_touches() {
    let h = vmo(8 * PAGE_U64);
    assert_eq!(write(h, PAGE_U64 - 1, b"ab"), ZX_OK);
    assert_eq!(committed(h), 2 * PAGE_U64);
    close(h);
}

/// A transfer of many megabytes in one call arrives whole (the host may move it in pieces).
#[test]
fn vmo_read_write_large_transfer_is_complete() {
    let len = 16 << 20;
    let h = vmo(len as u64 + PAGE_U64);
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
    assert_eq!(write(h, 123, &data), ZX_OK);
    assert_eq!(read(h, 123, len).unwrap(), data);
    close(h);
}

/// Concurrent reads and writes of distinct ranges of one VMO from many threads all land.
#[test]
fn vmo_read_write_concurrent_threads_do_not_interfere() {
    let h = vmo(64 * PAGE_U64);
    std::thread::scope(|s| {
        for t in 0..8u8 {
            s.spawn(move || {
                for round in 0..50u8 {
                    let data = vec![t.wrapping_mul(31).wrapping_add(round); 8 * PAGE];
                    assert_eq!(write(h, t as u64 * 8 * PAGE_U64, &data), ZX_OK);
                    assert_eq!(read(h, t as u64 * 8 * PAGE_U64, data.len()).unwrap(), data);
                }
            });
        }
    });
    close(h);
}

/// zx-shim limit (object/vmo.rs "Model and host file"): a memfd ends at 8 EiB − 4 KiB, so
/// an unbounded VMO reads as zero beyond it and refuses writes there with `NO_MEMORY`
/// (what Zircon answers when it cannot find pages), before transferring anything.
#[test]
fn vmo_write_beyond_host_file_limit_is_no_memory() {
    let limit: u64 = (i64::MAX as u64) & !(PAGE_U64 - 1);
    let h = vmo_with(0, ZX_VMO_UNBOUNDED);
    assert_eq!(write(h, limit - 2, b"abcd"), ZX_ERR_NO_MEMORY);
    assert_eq!(read(h, limit - 2, 4).unwrap(), [0; 4]);
    assert_eq!(committed(h), 0);
    assert_eq!(write(h, limit - 2, b"ab"), ZX_OK);
    assert_eq!(read(h, limit - 2, 4).unwrap(), [b'a', b'b', 0, 0]);
    close(h);
}
