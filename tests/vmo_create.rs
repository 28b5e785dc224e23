//! Conformance tests for `zx_vmo_create`. Reference: zircon-abi.md §1.3 (rights of new
//! VMOs), §1.6 (option bits), §2.2 (`zx_vmo_create`).
//!
//! The leak checks count handles and file descriptors of the whole process, so the tests of
//! this file run one at a time.
use zircon::handle::HANDLES;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::host::open_fds;
use zx_suite::info::*;
use zx_suite::pointers::misaligned;
use zx_suite::threads::serial;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// Asserts that `zx_vmo_create(size, options)` fails with `expected`, leaves `*out` alone
/// and creates neither a handle nor a memfd.
fn assert_create_fails(size: u64, options: u32, expected: zx_status_t) {
    let (handles, fds) = (HANDLES.len(), open_fds());
    let mut out = 0x1234_5678;
    assert_eq!(
        zx_vmo_create(size, options, &mut out),
        expected,
        "size {size:#x} options {options:#x}"
    );
    assert_eq!(out, 0x1234_5678, "out written on failure");
    assert_eq!(
        (HANDLES.len(), open_fds()),
        (handles, fds),
        "something was created"
    );
}

/// §2.2: "otherwise size rounded up to a page"; "Content (stream) size = the *unrounded*
/// size argument".
#[test]
fn vmo_create_rounds_size_up_and_keeps_unrounded_stream_size() {
    let _g = serial();
    let h = vmo(1);
    assert_eq!((size(h), stream_size(h)), (PAGE_U64, 1));
    close(h);
    let h = vmo(3 * PAGE_U64 + 5);
    assert_eq!((size(h), stream_size(h)), (4 * PAGE_U64, 3 * PAGE_U64 + 5));
    close(h);
}

/// §2.2: "Size 0 is allowed."
#[test]
fn vmo_create_size_zero_is_allowed() {
    let _g = serial();
    let h = vmo(0);
    assert_eq!((size(h), stream_size(h)), (0, 0));
    assert_eq!(read(h, 0, 0), Ok(vec![]));
    assert_eq!(read(h, 0, 1), Err(ZX_ERR_OUT_OF_RANGE));
    close(h);
}

/// §2.2: "Rights: 0xD0EF"; §1.3: "Never `EXECUTE`".
#[test]
fn vmo_create_handle_has_default_vmo_rights() {
    let _g = serial();
    let h = vmo(PAGE_U64);
    let b = try_basic_info(h).unwrap();
    assert_eq!(b.rights, 0xD0EF);
    assert_eq!(b.rights, ZX_DEFAULT_VMO_RIGHTS);
    assert_eq!(b.type_, ZX_OBJ_TYPE_VMO);
    assert!(b.koid >= ZX_KOID_FIRST);
    close(h);
}

/// §1.3: "plus `ZX_RIGHT_RESIZE` iff the VMO is resizable (0x40D0EF)".
#[test]
fn vmo_create_resizable_handle_has_resize_right() {
    let _g = serial();
    let h = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(rights_of(h), 0x40_D0EF);
    close(h);
}

/// §2.2: "The new VMO is zero filled"; nothing is committed until written.
#[test]
fn vmo_create_new_vmo_is_zero_filled_and_uncommitted() {
    let _g = serial();
    let h = vmo(4 * PAGE_U64);
    assert_bytes(h, 0, 4 * PAGE, 0);
    assert_eq!(committed(h), 0);
    close(h);
}

/// §2.2: "RESIZABLE+UNBOUNDED → `INVALID_ARGS`".
#[test]
fn vmo_create_resizable_with_unbounded_is_invalid_args() {
    let _g = serial();
    assert_create_fails(
        PAGE_U64,
        ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED,
        ZX_ERR_INVALID_ARGS,
    );
}

/// §1.6: "(bit 0 unused.) Any other bit → `INVALID_ARGS`"; `ZX_VMO_TRAP_DIRTY` is for
/// `zx_pager_create_vmo` only.
#[test]
fn vmo_create_unknown_option_bits_are_invalid_args() {
    let _g = serial();
    for bit in [1 << 0, ZX_VMO_TRAP_DIRTY, 1 << 5, 1 << 16, 1 << 31] {
        assert_create_fails(PAGE_U64, bit, ZX_ERR_INVALID_ARGS);
        assert_create_fails(PAGE_U64, bit | ZX_VMO_RESIZABLE, ZX_ERR_INVALID_ARGS);
    }
}

/// §2.2: "rounding overflow or size > max → `OUT_OF_RANGE`".
#[test]
fn vmo_create_size_rounding_overflow_is_out_of_range() {
    let _g = serial();
    assert_create_fails(u64::MAX, 0, ZX_ERR_OUT_OF_RANGE);
    assert_create_fails(
        u64::MAX - PAGE_U64 + 2,
        ZX_VMO_RESIZABLE,
        ZX_ERR_OUT_OF_RANGE,
    );
}

/// §2.2: "Max VMO size ... 0xFFFF_FFFF_FFFE_0000"; one byte more is `OUT_OF_RANGE`, the
/// maximum itself is a valid size.
#[test]
fn vmo_create_size_beyond_max_is_out_of_range_max_is_allowed() {
    let _g = serial();
    assert_create_fails(MAX_VMO_SIZE + 1, 0, ZX_ERR_OUT_OF_RANGE);
    let h = vmo(MAX_VMO_SIZE);
    assert_eq!(size(h), MAX_VMO_SIZE);
    assert_eq!(write(h, 1 << 40, b"far"), ZX_OK);
    assert_eq!(read(h, 1 << 40, 3).unwrap(), b"far");
    close(h);
}

/// §2.2: the size is checked while the options are parsed, before "leftover unknown bits →
/// `INVALID_ARGS`".
#[test]
fn vmo_create_size_error_wins_over_unknown_option_bits() {
    let _g = serial();
    assert_create_fails(u64::MAX, 1 << 0, ZX_ERR_OUT_OF_RANGE);
}

/// §2.2: "UNBOUNDED → VMO size = kernel max (the *size* argument only sets the
/// stream/content size)"; "the tests only assert `get_size > stream_size`".
#[test]
fn vmo_create_unbounded_size_is_max_and_stream_size_is_argument() {
    let _g = serial();
    let h = vmo_with(3 * PAGE_U64 + 1, ZX_VMO_UNBOUNDED);
    assert_eq!(size(h), MAX_VMO_SIZE);
    assert_eq!(stream_size(h), 3 * PAGE_U64 + 1);
    assert!(size(h) > stream_size(h));
    close(h);
    // The argument is not rounded, so it cannot overflow.
    let h = vmo_with(u64::MAX, ZX_VMO_UNBOUNDED);
    assert_eq!(size(h), MAX_VMO_SIZE);
    close(h);
}

/// §2.2: an unbounded VMO is zero filled over its whole size and can be written far past
/// its stream size.
#[test]
fn vmo_create_unbounded_is_readable_and_writable_far_beyond_stream_size() {
    let _g = serial();
    let h = vmo_with(10, ZX_VMO_UNBOUNDED);
    assert_eq!(write(h, 1 << 50, b"unbounded"), ZX_OK);
    assert_eq!(read(h, 1 << 50, 9).unwrap(), b"unbounded");
    assert_bytes(h, MAX_VMO_SIZE - PAGE_U64, PAGE, 0);
    assert_eq!(committed(h), PAGE_U64);
    close(h);
}

/// §1.6: `ZX_VMO_DISCARDABLE` is a `zx_vmo_create` option; §1.8: such a VMO reports
/// `ZX_INFO_VMO_DISCARDABLE`.
#[test]
fn vmo_create_discardable_is_accepted_and_reported() {
    let _g = serial();
    let h = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(
        vmo_info(h).flags & ZX_INFO_VMO_DISCARDABLE,
        ZX_INFO_VMO_DISCARDABLE
    );
    assert_eq!(rights_of(h), ZX_DEFAULT_VMO_RIGHTS);
    close(h);
}

/// §2 conventions: "a bad output pointer gives `INVALID_ARGS` and (for create-style calls)
/// the kernel tears down what it created".
#[test]
fn vmo_create_bad_out_pointer_is_invalid_args_and_creates_nothing() {
    let _g = serial();
    let (handles, fds) = (HANDLES.len(), open_fds());
    assert_eq!(
        zx_vmo_create(PAGE_U64, 0, std::ptr::null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    let mut words = [0u32; 2];
    let misaligned = misaligned::<zx_handle_t>(&mut words);
    assert_eq!(zx_vmo_create(PAGE_U64, 0, misaligned), ZX_ERR_INVALID_ARGS);
    assert_eq!(words, [0, 0]);
    assert_eq!((HANDLES.len(), open_fds()), (handles, fds));
}

/// §1.1: each VMO is a distinct object with its own koid; closing the handle frees it.
#[test]
fn vmo_create_objects_are_distinct_and_freed_on_close() {
    let _g = serial();
    let fds = open_fds();
    let (a, b) = (vmo(PAGE_U64), vmo(PAGE_U64));
    assert_ne!(
        try_basic_info(a).unwrap().koid,
        try_basic_info(b).unwrap().koid
    );
    assert_eq!(write(a, 0, b"a"), ZX_OK);
    assert_eq!(read(b, 0, 1).unwrap(), [0]);
    assert_eq!(open_fds(), fds + 2);
    close(a);
    close(b);
    assert_eq!(open_fds(), fds);
}
