//! Dirty tracking: `ZX_VMO_TRAP_DIRTY`, `ZX_PAGER_OP_DIRTY`, `WRITEBACK_BEGIN/END`,
//! `zx_pager_query_dirty_ranges` and `zx_pager_query_vmo_stats`. Reference: zircon-abi.md
//! §2.3, §1.6 (stats, dirty range layout), §1.10 (`ZX_PAGER_VMO_DIRTY`).
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::store;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const KEY: u64 = 0xD1;

fn dirty_ranges(pager: zx_handle_t, vmo: zx_handle_t, off: u64, len: u64) -> Vec<(u64, u64, u64)> {
    let mut buf = [zx_vmo_dirty_range_t::default(); 16];
    let (mut actual, mut avail) = (0usize, 0usize);
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            vmo,
            off,
            len,
            buf.as_mut_ptr().cast(),
            std::mem::size_of_val(&buf),
            &mut actual,
            &mut avail
        ),
        ZX_OK
    );
    assert_eq!(actual, avail);
    buf[..actual]
        .iter()
        .map(|r| (r.offset, r.length, r.options))
        .collect()
}

fn modified(pager: zx_handle_t, vmo: zx_handle_t, options: u32) -> u32 {
    let mut stats = zx_pager_vmo_stats_t::default();
    assert_eq!(
        zx_pager_query_vmo_stats(
            pager,
            vmo,
            options,
            (&mut stats as *mut zx_pager_vmo_stats_t).cast(),
            4
        ),
        ZX_OK
    );
    stats.modified
}

fn op(pager: zx_handle_t, op: u32, vmo: zx_handle_t, off: u64, len: u64, data: u64) -> zx_status_t {
    zx_pager_op_range(pager, op, vmo, off, len, data)
}

/// §2.3: "`ZX_PAGER_VMO_DIRTY` when a clean page of a TRAP_DIRTY VMO is written": a store
/// through a mapping blocks until `ZX_PAGER_OP_DIRTY`, then lands; the page is dirty.
#[test]
fn pager_trap_dirty_mapping_write_sends_dirty_request_and_waits() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, ZX_VMO_TRAP_DIRTY);
    assert_eq!(supply(pager, vmo, 0, &pattern(1, 2 * PAGE)), ZX_OK);
    let addr = map_in_root(vmo, 2 * PAGE);
    // Reading a clean page needs nothing.
    assert_eq!(load_within(addr + PAGE), pattern(1, 2 * PAGE)[PAGE]);
    let writer = spawn(move || store(addr + PAGE + 5, 0xEE));
    assert_eq!(
        expect_request(port, KEY),
        (ZX_PAGER_VMO_DIRTY, PAGE_U64, PAGE_U64)
    );
    assert!(
        writer.try_join(50).is_none(),
        "the writer must wait for DIRTY"
    );
    assert_eq!(
        read(vmo, PAGE_U64 + 5, 1).unwrap(),
        [pattern(1, 2 * PAGE)[PAGE + 5]]
    );
    assert_eq!(
        op(pager, ZX_PAGER_OP_DIRTY, vmo, PAGE_U64, PAGE_U64, 0),
        ZX_OK
    );
    writer.join();
    assert_eq!(read(vmo, PAGE_U64 + 5, 1).unwrap(), [0xEE]);
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 2 * PAGE_U64),
        [(PAGE_U64, PAGE_U64, 0)]
    );
    // Further writes to the dirty page need no request.
    store_within(addr + PAGE + 6, 0xEF);
    expect_no_packet(port, 20);
    unmap_in_root(addr, 2 * PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: a `zx_vmo_write` to clean pages of a TRAP_DIRTY VMO asks first, too.
#[test]
fn pager_trap_dirty_vmo_write_waits_for_dirty() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, ZX_VMO_TRAP_DIRTY);
    assert_eq!(supply(pager, vmo, 0, &[0u8; 2 * PAGE]), ZX_OK);
    let writer = spawn(move || write(vmo, 10, b"hello"));
    assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_DIRTY, 0, PAGE_U64));
    assert_eq!(op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, PAGE_U64, 0), ZX_OK);
    assert_eq!(writer.join(), ZX_OK);
    assert_eq!(read(vmo, 10, 5).unwrap(), b"hello");
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 2 * PAGE_U64),
        [(0, PAGE_U64, 0)]
    );
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: failing a DIRTY request fails the blocked `zx_vmo_write` with the status.
#[test]
fn pager_trap_dirty_fail_fails_blocked_write() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, ZX_VMO_TRAP_DIRTY);
    assert_eq!(supply(pager, vmo, 0, &[7u8; PAGE]), ZX_OK);
    let writer = spawn(move || write(vmo, 0, b"x"));
    assert_eq!(expect_request(port, KEY).0, ZX_PAGER_VMO_DIRTY);
    let no_space = ZX_ERR_NO_SPACE as i64 as u64;
    assert_eq!(
        op(pager, ZX_PAGER_OP_FAIL, vmo, 0, PAGE_U64, no_space),
        ZX_OK
    );
    assert_eq!(writer.join(), ZX_ERR_NO_SPACE);
    assert_eq!(read(vmo, 0, 1).unwrap(), [7]);
    assert!(dirty_ranges(pager, vmo, 0, PAGE_U64).is_empty());
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: without TRAP_DIRTY, `zx_vmo_write` dirties pages with no request; writeback
/// begin/end make them clean again, and a write in between keeps them dirty.
#[test]
fn pager_writeback_begin_end_cleans_pages() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 4 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 0, &[1u8; 4 * PAGE]), ZX_OK);
    assert!(dirty_ranges(pager, vmo, 0, 4 * PAGE_U64).is_empty());
    assert_eq!(write(vmo, PAGE_U64 + 1, &[2u8; PAGE]), ZX_OK);
    expect_no_packet(port, 10);
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 4 * PAGE_U64),
        [(PAGE_U64, 2 * PAGE_U64, 0)]
    );
    // Unaligned ranges are rounded out to pages.
    assert_eq!(
        dirty_ranges(pager, vmo, PAGE_U64 + 100, 10),
        [(PAGE_U64, PAGE_U64, 0)]
    );
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 4 * PAGE_U64, 0),
        ZX_OK
    );
    // Still dirty (awaiting clean) until the end of writeback.
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 4 * PAGE_U64),
        [(PAGE_U64, 2 * PAGE_U64, 0)]
    );
    assert_eq!(write(vmo, 2 * PAGE_U64, b"again"), ZX_OK);
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 4 * PAGE_U64, 0),
        ZX_OK
    );
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 4 * PAGE_U64),
        [(2 * PAGE_U64, PAGE_U64, 0)]
    );
    assert_eq!(
        op(
            pager,
            ZX_PAGER_OP_WRITEBACK_BEGIN,
            vmo,
            0,
            4 * PAGE_U64,
            ZX_VMO_DIRTY_RANGE_IS_ZERO
        ),
        ZX_OK
    );
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 4 * PAGE_U64, 0),
        ZX_OK
    );
    assert!(dirty_ranges(pager, vmo, 0, 4 * PAGE_U64).is_empty());
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3 TRAP_DIRTY + WRITEBACK_BEGIN: a store after writeback began makes the page dirty
/// again without a DIRTY request, so WRITEBACK_END leaves it dirty.
#[test]
fn pager_trap_dirty_write_after_writeback_begin_redirties_without_request() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, ZX_VMO_TRAP_DIRTY);
    assert_eq!(supply(pager, vmo, 0, &[0u8; PAGE]), ZX_OK);
    assert_eq!(op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, PAGE_U64, 0), ZX_OK);
    let addr = map_in_root(vmo, PAGE);
    store_within(addr, 1);
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, PAGE_U64, 0),
        ZX_OK
    );
    // The store traps (the page is write-protected again); a port waiter resolves it.
    let writer = spawn(move || store(addr + 1, 2));
    expect_no_packet(port, 50);
    writer.join();
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, PAGE_U64, 0),
        ZX_OK
    );
    assert_eq!(dirty_ranges(pager, vmo, 0, PAGE_U64), [(0, PAGE_U64, 0)]);
    assert_eq!(read(vmo, 0, 2).unwrap(), [1, 2]);
    unmap_in_root(addr, PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: "DIRTY over unsupplied/evicted pages → `NOT_FOUND`"; DIRTY and WRITEBACK_END
/// need `data == 0`, WRITEBACK_BEGIN 0 or `IS_ZERO`; unknown ops are `NOT_SUPPORTED`.
#[test]
fn pager_op_range_dirty_and_writeback_argument_errors() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 0, &[0u8; PAGE]), ZX_OK);
    assert_eq!(
        op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, 2 * PAGE_U64, 0),
        ZX_ERR_NOT_FOUND
    );
    assert!(dirty_ranges(pager, vmo, 0, 2 * PAGE_U64).is_empty());
    assert_eq!(
        op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, PAGE_U64, 1),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, PAGE_U64, 1),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        op(pager, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, PAGE_U64, 2),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(op(pager, 0, vmo, 0, PAGE_U64, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(op(pager, 5, vmo, 0, PAGE_U64, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(
        op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, 3 * PAGE_U64, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(op(pager, ZX_PAGER_OP_DIRTY, vmo, 0, PAGE_U64, 0), ZX_OK);
    assert_eq!(
        dirty_ranges(pager, vmo, 0, 2 * PAGE_U64),
        [(0, PAGE_U64, 0)]
    );
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §1.6 stats: `modified` is set by a write and cleared only by `ZX_PAGER_RESET_VMO_STATS`;
/// other options are `INVALID_ARGS`, a buffer under 4 bytes `BUFFER_TOO_SMALL`.
#[test]
fn pager_query_vmo_stats_reports_and_resets_modified() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 0, &[0u8; PAGE]), ZX_OK);
    assert_eq!(modified(pager, vmo, 0), 0);
    assert_eq!(write(vmo, 0, b"m"), ZX_OK);
    assert_eq!(modified(pager, vmo, 0), ZX_PAGER_VMO_STATS_MODIFIED);
    assert_eq!(
        modified(pager, vmo, ZX_PAGER_RESET_VMO_STATS),
        ZX_PAGER_VMO_STATS_MODIFIED
    );
    assert_eq!(modified(pager, vmo, 0), 0);
    let mut stats = zx_pager_vmo_stats_t::default();
    let p = (&mut stats as *mut zx_pager_vmo_stats_t).cast();
    assert_eq!(
        zx_pager_query_vmo_stats(pager, vmo, 2, p, 4),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        zx_pager_query_vmo_stats(pager, vmo, 0, p, 3),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(
        zx_pager_query_vmo_stats(pager, vmo, 0, null_mut(), 4),
        ZX_ERR_INVALID_ARGS
    );
    // Rights: pager MANAGE_VMO, VMO READ.
    let no_manage = with_any_rights(pager, ZX_RIGHT_ATTACH_VMO);
    assert_eq!(
        zx_pager_query_vmo_stats(no_manage, vmo, 0, p, 4),
        ZX_ERR_ACCESS_DENIED
    );
    let no_read = with_any_rights(vmo, ZX_RIGHT_WRITE);
    assert_eq!(
        zx_pager_query_vmo_stats(pager, no_read, 0, p, 4),
        ZX_ERR_ACCESS_DENIED
    );
    for h in [no_manage, no_read, vmo, port, pager] {
        close(h);
    }
}

/// `zx_pager_query_dirty_ranges` (next): as many records as fit, with actual/avail;
/// beyond the VMO → `OUT_OF_RANGE`; foreign VMO → `INVALID_ARGS`; rights.
#[test]
fn pager_query_dirty_ranges_truncates_and_checks() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 8 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 0, &[0u8; 8 * PAGE]), ZX_OK);
    for page in [0u64, 2, 4] {
        assert_eq!(write(vmo, page * PAGE_U64, b"d"), ZX_OK);
    }
    let mut one = [zx_vmo_dirty_range_t::default(); 1];
    let (mut actual, mut avail) = (9usize, 9usize);
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            vmo,
            0,
            8 * PAGE_U64,
            one.as_mut_ptr().cast(),
            24,
            &mut actual,
            &mut avail
        ),
        ZX_OK
    );
    assert_eq!((actual, avail), (1, 3));
    assert_eq!(
        (one[0].offset, one[0].length, one[0].options),
        (0, PAGE_U64, 0)
    );
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            vmo,
            0,
            8 * PAGE_U64,
            null_mut(),
            0,
            &mut actual,
            &mut avail
        ),
        ZX_OK
    );
    assert_eq!((actual, avail), (0, 3));
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            vmo,
            0,
            9 * PAGE_U64,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_ERR_OUT_OF_RANGE
    );
    let plain = vmo_plain();
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            plain,
            0,
            PAGE_U64,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_ERR_INVALID_ARGS
    );
    let no_read = with_any_rights(vmo, ZX_RIGHT_WRITE);
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            no_read,
            0,
            PAGE_U64,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_ERR_ACCESS_DENIED
    );
    for h in [no_read, plain, vmo, port, pager] {
        close(h);
    }
}

fn vmo_plain() -> zx_handle_t {
    vmo(PAGE_U64)
}
