//! Conformance tests for `zx_vmo_get_size`, `zx_vmo_set_size`, `zx_vmo_get_stream_size` and
//! `zx_vmo_set_stream_size`. Reference: zircon-abi.md §2 conventions, §2.2, §5 item 7.
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const ALL_BUT_RESIZE: zx_rights_t = ZX_DEFAULT_VMO_RIGHTS;

/// §2 conventions: `zx_vmo_get_size` and `zx_vmo_get_stream_size` need no rights.
#[test]
fn vmo_get_size_and_stream_size_need_no_rights() {
    let h = vmo(PAGE_U64 + 10);
    let none = with_rights(h, ZX_RIGHT_NONE);
    assert_eq!(
        (size(none), stream_size(none)),
        (2 * PAGE_U64, PAGE_U64 + 10)
    );
    close(none);
    close(h);
}

/// §2 conventions: "Output pointers are written last; a bad output pointer gives
/// `INVALID_ARGS`" — after the handle lookup.
#[test]
fn vmo_get_size_and_stream_size_null_out_is_invalid_args() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_get_size(h, null_mut()), ZX_ERR_INVALID_ARGS);
    assert_eq!(zx_vmo_get_stream_size(h, null_mut()), ZX_ERR_INVALID_ARGS);
    assert_eq!(zx_vmo_get_size(FORGED, null_mut()), ZX_ERR_BAD_HANDLE);
    assert_eq!(
        zx_vmo_get_stream_size(FORGED, null_mut()),
        ZX_ERR_BAD_HANDLE
    );
    close(h);
}

/// §2 conventions: BAD_HANDLE, then WRONG_TYPE (even with no rights); nothing written.
#[test]
fn vmo_size_calls_bad_and_wrong_type_handles() {
    let mut s = 77u64;
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(zx_vmo_get_size(h, &mut s), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_vmo_get_stream_size(h, &mut s), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_vmo_set_size(h, PAGE_U64), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_vmo_set_stream_size(h, 0), ZX_ERR_BAD_HANDLE);
    }
    let other = non_vmo_handle(ZX_RIGHT_NONE);
    assert_eq!(zx_vmo_get_size(other, &mut s), ZX_ERR_WRONG_TYPE);
    assert_eq!(zx_vmo_get_stream_size(other, &mut s), ZX_ERR_WRONG_TYPE);
    assert_eq!(zx_vmo_set_size(other, PAGE_U64), ZX_ERR_WRONG_TYPE);
    assert_eq!(zx_vmo_set_stream_size(other, 0), ZX_ERR_WRONG_TYPE);
    assert_eq!(s, 77);
    close(other);
}

/// §2.2 / §5.7: "a **non-resizable VMO returns `ZX_ERR_UNAVAILABLE`**"; nothing changes.
#[test]
fn vmo_set_size_non_resizable_is_unavailable() {
    let h = vmo(2 * PAGE_U64);
    assert_eq!(write(h, 0, &[3; 2 * PAGE]), ZX_OK);
    for new in [0, PAGE_U64, 3 * PAGE_U64, 2 * PAGE_U64] {
        assert_eq!(zx_vmo_set_size(h, new), ZX_ERR_UNAVAILABLE);
    }
    assert_eq!((size(h), stream_size(h)), (2 * PAGE_U64, 2 * PAGE_U64));
    assert_bytes(h, 0, 2 * PAGE, 3);
    close(h);
}

/// §2.2: set_size is "lookup(WRITE)"; the non-resizable `UNAVAILABLE` is "checked *after*
/// the WRITE check".
#[test]
fn vmo_set_size_without_write_right_is_access_denied() {
    for options in [0, ZX_VMO_RESIZABLE] {
        let h = vmo_with(PAGE_U64, options);
        let r = with_rights(h, ZX_RIGHT_READ | (ZX_RIGHT_RESIZE & rights_of(h)));
        assert_eq!(zx_vmo_set_size(r, 2 * PAGE_U64), ZX_ERR_ACCESS_DENIED);
        assert_eq!(size(h), PAGE_U64);
        close(r);
        close(h);
    }
}

/// §2.2: "if the VMO is resizable, also needs `RESIZE` (→ `ACCESS_DENIED`)".
#[test]
fn vmo_set_size_resizable_without_resize_right_is_access_denied() {
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    let w = with_rights(h, ALL_BUT_RESIZE);
    assert_eq!(zx_vmo_set_size(w, 2 * PAGE_U64), ZX_ERR_ACCESS_DENIED);
    assert_eq!(size(h), PAGE_U64);
    close(w);
    close(h);
}

/// §2.2: "the RESIZE check is skipped for non-resizable VMOs": a non-resizable VMO whose
/// handle lacks RESIZE (as every such handle does) still answers `UNAVAILABLE`.
#[test]
fn vmo_set_size_non_resizable_skips_resize_right_check() {
    let h = vmo(PAGE_U64);
    assert_eq!(rights_of(h) & ZX_RIGHT_RESIZE, 0);
    assert_eq!(zx_vmo_set_size(h, 2 * PAGE_U64), ZX_ERR_UNAVAILABLE);
    close(h);
}

/// §2.2: "Size rounded up (overflow → `OUT_OF_RANGE`)"; also sizes beyond the maximum.
#[test]
fn vmo_set_size_rounding_overflow_or_beyond_max_is_out_of_range() {
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 0, b"keep"), ZX_OK);
    for bad in [u64::MAX, u64::MAX - PAGE_U64 + 2, MAX_VMO_SIZE + 1] {
        assert_eq!(zx_vmo_set_size(h, bad), ZX_ERR_OUT_OF_RANGE, "{bad:#x}");
    }
    assert_eq!((size(h), stream_size(h)), (PAGE_U64, PAGE_U64));
    assert_eq!(read(h, 0, 4).unwrap(), b"keep");
    close(h);
}

/// §2.2: growing rounds up to a page, the content size is "set to the unrounded size", and
/// the new pages read as zero.
#[test]
fn vmo_set_size_grow_rounds_up_and_new_pages_read_zero() {
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 0, &[9; PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_size(h, 3 * PAGE_U64 + 1), ZX_OK);
    assert_eq!((size(h), stream_size(h)), (4 * PAGE_U64, 3 * PAGE_U64 + 1));
    assert_bytes(h, 0, PAGE, 9);
    assert_bytes(h, PAGE_U64, 3 * PAGE, 0);
    assert_eq!(write(h, 4 * PAGE_U64 - 1, b"z"), ZX_OK);
    close(h);
}

/// §2.2: "the tail of the last page beyond the new unrounded size is zeroed"; the pages cut
/// off are freed (`committed_bytes`) and beyond the new size is out of range.
#[test]
fn vmo_set_size_shrink_zeroes_last_page_tail_and_frees_pages() {
    let h = vmo_with(4 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 0, &[7; 4 * PAGE]), ZX_OK);
    assert_eq!(committed(h), 4 * PAGE_U64);
    assert_eq!(zx_vmo_set_size(h, PAGE_U64 + 100), ZX_OK);
    assert_eq!((size(h), stream_size(h)), (2 * PAGE_U64, PAGE_U64 + 100));
    assert_eq!(committed(h), 2 * PAGE_U64);
    assert_bytes(h, 0, PAGE + 100, 7);
    assert_bytes(h, PAGE_U64 + 100, PAGE - 100, 0);
    assert_eq!(read(h, 2 * PAGE_U64, 1), Err(ZX_ERR_OUT_OF_RANGE));
    close(h);
}

/// §2.2: "growing makes the pages visible ... again" — as zeros: data cut off by a shrink
/// does not come back when the VMO grows.
#[test]
fn vmo_set_size_shrink_then_grow_reads_zero() {
    let h = vmo_with(4 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 0, &[5; 4 * PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_size(h, 0), ZX_OK);
    assert_eq!((size(h), stream_size(h), committed(h)), (0, 0, 0));
    assert_eq!(zx_vmo_set_size(h, 4 * PAGE_U64), ZX_OK);
    assert_bytes(h, 0, 4 * PAGE, 0);
    close(h);
}

/// §2.2: with the same rounded size, only the tail past the new unrounded size is zeroed
/// and the content size follows.
#[test]
fn vmo_set_size_within_last_page_zeroes_tail_only() {
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 0, &[1; PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_size(h, 10), ZX_OK);
    assert_eq!((size(h), stream_size(h)), (PAGE_U64, 10));
    assert_bytes(h, 0, 10, 1);
    assert_bytes(h, 10, PAGE - 10, 0);
    close(h);
}

/// §2.2 "`zx_vmo_set_stream_size(h, size)`: lookup(WRITE)".
#[test]
fn vmo_set_stream_size_without_write_right_is_access_denied() {
    let h = vmo(PAGE_U64);
    let r = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_WRITE);
    assert_eq!(zx_vmo_set_stream_size(r, 10), ZX_ERR_ACCESS_DENIED);
    assert_eq!(stream_size(h), PAGE_U64);
    close(r);
    close(h);
}

/// §2.2: "`size > vmo size` → `OUT_OF_RANGE`"; nothing changes.
#[test]
fn vmo_set_stream_size_beyond_vmo_size_is_out_of_range() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, &[4; PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_stream_size(h, PAGE_U64 + 1), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(zx_vmo_set_stream_size(h, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(stream_size(h), PAGE_U64);
    assert_bytes(h, 0, PAGE, 4);
    close(h);
}

/// §2.2: set_stream_size "zeroes `[min(old,new), vmo_size)`" — shrinking zeroes from the
/// new size; the VMO's size does not change.
#[test]
fn vmo_set_stream_size_shrink_zeroes_from_new_size() {
    let h = vmo(2 * PAGE_U64);
    assert_eq!(write(h, 0, &[6; 2 * PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_stream_size(h, 100), ZX_OK);
    assert_eq!((size(h), stream_size(h)), (2 * PAGE_U64, 100));
    assert_bytes(h, 0, 100, 6);
    assert_bytes(h, 100, 2 * PAGE - 100, 0);
    assert_eq!(committed(h), PAGE_U64);
    close(h);
}

/// §2.2: "(so both growing and shrinking zero the tail)": growing zeroes from the old
/// stream size, including bytes written there meanwhile.
#[test]
fn vmo_set_stream_size_grow_zeroes_from_old_size() {
    let h = vmo(2 * PAGE_U64);
    assert_eq!(zx_vmo_set_stream_size(h, 100), ZX_OK);
    assert_eq!(write(h, 0, &[8; 2 * PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_stream_size(h, 5000), ZX_OK);
    assert_eq!(stream_size(h), 5000);
    assert_bytes(h, 0, 100, 8);
    assert_bytes(h, 100, 2 * PAGE - 100, 0);
    close(h);
}

/// §2.2: "equal to current → no-op OK": nothing is zeroed.
#[test]
fn vmo_set_stream_size_same_size_is_noop() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_set_stream_size(h, 10), ZX_OK);
    assert_eq!(write(h, 0, &[2; PAGE]), ZX_OK);
    assert_eq!(zx_vmo_set_stream_size(h, 10), ZX_OK);
    assert_bytes(h, 0, PAGE, 2);
    close(h);
}

/// Resizing while other threads read and write: every call returns a documented status and
/// the VMO ends consistent (zero beyond what was last written within its size).
#[test]
fn vmo_set_size_concurrent_with_read_write_stays_consistent() {
    let h = vmo_with(64 * PAGE_U64, ZX_VMO_RESIZABLE);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..3u64 {
            let stop = &stop;
            s.spawn(move || {
                let data = vec![0xCCu8; 16 * PAGE];
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let st = write(h, t * 16 * PAGE_U64, &data);
                    assert!(st == ZX_OK || st == ZX_ERR_OUT_OF_RANGE, "write: {st}");
                    match read(h, t * 16 * PAGE_U64, data.len()) {
                        Ok(_) | Err(ZX_ERR_OUT_OF_RANGE) => {}
                        Err(st) => panic!("read: {st}"),
                    }
                }
            });
        }
        for i in 0..300u64 {
            assert_eq!(zx_vmo_set_size(h, (i * 7 % 64) * PAGE_U64), ZX_OK);
        }
        assert_eq!(zx_vmo_set_size(h, 0), ZX_OK);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(committed(h), 0);
    assert_eq!(zx_vmo_set_size(h, 64 * PAGE_U64), ZX_OK);
    assert_bytes(h, 0, 64 * PAGE, 0);
    close(h);
}

/// §2.2: an unbounded VMO's stream size moves within its (maximum) size, zeroing the tail
/// like any other VMO's; its size never changes.
#[test]
fn vmo_set_stream_size_on_unbounded_vmo_zeroes_tail() {
    let h = vmo_with(PAGE_U64, ZX_VMO_UNBOUNDED);
    assert_eq!(write(h, 0, &[1; 2 * PAGE]), ZX_OK);
    assert_eq!(write(h, 1 << 40, b"far"), ZX_OK);
    assert_eq!(zx_vmo_set_stream_size(h, 10), ZX_OK);
    assert_eq!((size(h), stream_size(h)), (MAX_VMO_SIZE, 10));
    assert_bytes(h, 0, 10, 1);
    assert_bytes(h, 10, 2 * PAGE - 10, 0);
    assert_eq!(read(h, 1 << 40, 3).unwrap(), [0, 0, 0]);
    assert_eq!(committed(h), PAGE_U64);
    assert_eq!(zx_vmo_set_stream_size(h, MAX_VMO_SIZE), ZX_OK);
    assert_eq!(zx_vmo_set_size(h, PAGE_U64), ZX_ERR_UNAVAILABLE);
    close(h);
}
