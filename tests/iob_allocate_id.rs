//! Conformance tests for `zx_iob_allocate_id` and `zx_iob_writev` (zircon-abi.md §1.11,
//! §2.5). The ID allocator's memory layout is zx-shim's own (documented in
//! `zx-shim/src/object/iob_ids.rs`): a header `{u32 next_id; u32 reserved; u64 blob_head}`,
//! then one `{u64 offset; u64 size}` entry per id, blobs packed down from the region's end.
use std::ptr::{null, null_mut};
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::iob::*;
use zx_suite::pointers::misaligned;
use zx_suite::probe::peek;
use zx_suite::vmar::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const ID: u64 = ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR;
const MW0: u32 = ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE;
const MW1: u32 = ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE;

/// An IOBuffer whose region 0 is an ID allocator of `size` bytes both endpoints allocate
/// in, which endpoint 0 may also map read/write; region 1 is a plain region.
fn id_iob(size: u64) -> (zx_handle_t, zx_handle_t) {
    create(&[
        private_region(EP0_RW | MW0 | MW1, size, 0, ID),
        plain(BOTH_RW, PAGE_U64),
    ])
}

fn read_u32(addr: usize) -> u32 {
    // SAFETY: callers pass addresses inside a readable mapping of the region.
    unsafe { std::ptr::read_volatile(addr as *const u32) }
}

/// The blob of `id` as the layout describes it, read through the mapping at `base`.
fn blob_at(base: usize, id: u32) -> Vec<u8> {
    let entry = base + 16 + 16 * id as usize;
    let (offset, size) = (peek(entry) as usize, peek(entry + 8) as usize);
    // SAFETY: the entry points inside the mapped region (checked by the callers' sizes).
    unsafe { std::slice::from_raw_parts((base + offset) as *const u8, size).to_vec() }
}

/// §2.5 ID_ALLOCATOR: each call stores the blob in the region and returns a new id; ids
/// count up from 0 in one sequence shared by both endpoints, and the blobs are readable
/// through a mapping of the region, where the layout says.
#[test]
fn iob_allocate_id_hands_out_ids_in_order_and_stores_the_blobs() {
    let r = region(4);
    let (ep0, ep1) = id_iob(2 * PAGE_U64);
    let base = map_iob_at(r.h, 0, ep0, 0, 2 * PAGE);
    assert_eq!(allocate_id(ep0, 0, b"first blob"), Ok(0));
    assert_eq!(allocate_id(ep1, 0, b"second, from endpoint 1"), Ok(1));
    assert_eq!(allocate_id(ep0, 0, b""), Ok(2));
    assert_eq!(read_u32(base), 3);
    assert_eq!(blob_at(base, 0), b"first blob");
    assert_eq!(blob_at(base, 1), b"second, from endpoint 1");
    assert_eq!(blob_at(base, 2), b"");
    // Blobs sit at the top of the region, 8-aligned, below each other.
    let first = peek(base + 16) as usize;
    assert_eq!(first, (2 * PAGE - 10) & !7);
    assert!(peek(base + 32) as usize + 23 <= first);
    assert_eq!(peek(base + 8), peek(base + 32), "blob_head");
    // A NULL blob of size 0 is a valid empty blob.
    let mut id = 0;
    assert_eq!(zx_iob_allocate_id(ep1, 0, 0, null(), 0, &mut id), ZX_OK);
    assert_eq!(id, 3);
    close(ep0);
    close(ep1);
}

/// §2.5: "options must be 0 (`INVALID_ARGS` first)": before the handle is looked up.
#[test]
fn iob_allocate_id_nonzero_options_is_invalid_args_first() {
    let (ep0, ep1) = id_iob(PAGE_U64);
    let mut id = 7;
    for (h, options) in [(ep0, 1u32), (FORGED, 1), (ep0, 1 << 31)] {
        assert_eq!(
            zx_iob_allocate_id(h, options, 99, b"x".as_ptr().cast(), 1, &mut id),
            ZX_ERR_INVALID_ARGS
        );
    }
    assert_eq!(id, 7);
    assert_eq!(allocate_id(ep0, 0, b"x"), Ok(0), "nothing was allocated");
    close(ep0);
    close(ep1);
}

/// §2.5: "handle needs `WRITE`"; zircon-abi.md §2 lookup order: BAD_HANDLE → WRONG_TYPE →
/// ACCESS_DENIED, type before rights; all before the region index.
#[test]
fn iob_allocate_id_handle_must_be_an_endpoint_with_write() {
    let (ep0, ep1) = id_iob(PAGE_U64);
    let no_write = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_WRITE);
    let v = vmo(PAGE_U64);
    let v_bare = with_rights(v, ZX_RIGHT_NONE);
    assert_eq!(allocate_id(FORGED, 0, b"x"), Err(ZX_ERR_BAD_HANDLE));
    assert_eq!(
        allocate_id(ZX_HANDLE_INVALID, 0, b"x"),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(allocate_id(v, 0, b"x"), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(allocate_id(v_bare, 0, b"x"), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(allocate_id(no_write, 0, b"x"), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(allocate_id(no_write, 9, b"x"), Err(ZX_ERR_ACCESS_DENIED));
    // Only WRITE is needed.
    let write_only = with_rights(ep0, ZX_RIGHT_WRITE);
    assert_eq!(allocate_id(write_only, 0, b"x"), Ok(0));
    for h in [no_write, write_only, v_bare, v, ep0, ep1] {
        close(h);
    }
}

/// §2.5: `OUT_OF_RANGE` for a region index the IOB does not have, then `WRONG_TYPE` for a
/// region of another discipline, then `ACCESS_DENIED` for an endpoint without mediated
/// write access to the region.
#[test]
fn iob_allocate_id_region_index_discipline_and_mediated_access_checks() {
    let (ep0, ep1) = create(&[
        private_region(EP0_RW | MW1, PAGE_U64, 0, ID),
        plain(BOTH_RW, PAGE_U64),
    ]);
    for index in [2, 64, u32::MAX] {
        assert_eq!(allocate_id(ep1, index, b"x"), Err(ZX_ERR_OUT_OF_RANGE));
    }
    assert_eq!(allocate_id(ep1, 1, b"x"), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(allocate_id(ep0, 0, b"x"), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(allocate_id(ep1, 0, b"x"), Ok(0));
    close(ep0);
    close(ep1);
}

/// §2.5: `NO_MEMORY` when the region has no room for the entry and the blob; nothing is
/// changed, and a smaller blob still fits.
#[test]
fn iob_allocate_id_full_region_is_no_memory() {
    let r = region(2);
    let (ep0, ep1) = id_iob(PAGE_U64);
    let base = map_iob_at(r.h, 0, ep0, 0, PAGE);
    assert_eq!(allocate_id(ep0, 0, &[1; PAGE]), Err(ZX_ERR_NO_MEMORY));
    assert_eq!(
        allocate_id(ep0, 0, &[1; PAGE - 32 + 1]),
        Err(ZX_ERR_NO_MEMORY)
    );
    assert_eq!((read_u32(base), peek(base + 8)), (0, 0), "header untouched");
    assert_eq!(allocate_id(ep0, 0, &[2; PAGE - 48]), Ok(0));
    assert_eq!(allocate_id(ep1, 0, b"12345678"), Err(ZX_ERR_NO_MEMORY));
    assert_eq!(allocate_id(ep1, 0, b""), Ok(1));
    assert_eq!(allocate_id(ep1, 0, b""), Err(ZX_ERR_NO_MEMORY));
    assert_eq!(read_u32(base), 2);
    close(ep0);
    close(ep1);
}

/// §2.5: `IO_DATA_INTEGRITY` when the allocator's memory no longer makes sense (changed
/// through a writable mapping); nothing more is handed out until it is consistent again.
#[test]
fn iob_allocate_id_corrupted_header_is_io_data_integrity() {
    let r = region(2);
    let (ep0, ep1) = id_iob(PAGE_U64);
    let base = map_iob_at(r.h, 0, ep0, 0, PAGE);
    assert_eq!(allocate_id(ep1, 0, b"blob"), Ok(0));
    let head = peek(base + 8);
    let poke64 = |addr: usize, v: u64| {
        // SAFETY: `addr` is inside the read/write mapping made above.
        unsafe { std::ptr::write_volatile(addr as *mut u64, v) }
    };
    for bad_head in [3, 2 * PAGE_U64, 0, 24] {
        poke64(base + 8, bad_head);
        assert_eq!(
            allocate_id(ep1, 0, b"x"),
            Err(ZX_ERR_IO_DATA_INTEGRITY),
            "blob_head {bad_head}"
        );
    }
    poke64(base + 8, head);
    // SAFETY: as above.
    unsafe { std::ptr::write_volatile(base as *mut u32, 1000) };
    assert_eq!(allocate_id(ep1, 0, b"x"), Err(ZX_ERR_IO_DATA_INTEGRITY));
    // SAFETY: as above.
    unsafe { std::ptr::write_volatile(base as *mut u32, 1) };
    assert_eq!(allocate_id(ep1, 0, b"x"), Ok(1));
    close(ep0);
    close(ep1);
}

/// zircon-abi.md §2 conventions (a bad user pointer is `INVALID_ARGS`): a NULL blob with a
/// size, an unreadable blob, a NULL or misaligned `id`. No id is used up.
#[test]
fn iob_allocate_id_bad_pointers_are_invalid_args_and_allocate_nothing() {
    let r = region(2);
    let (ep0, ep1) = id_iob(PAGE_U64);
    let mut id = 5u32;
    assert_eq!(
        zx_iob_allocate_id(ep0, 0, 0, null(), 4, &mut id),
        ZX_ERR_INVALID_ARGS
    );
    // Unmapped memory inside a VMAR: the host refuses to read it.
    let hole = r.base as *const std::ffi::c_void;
    assert_eq!(
        zx_iob_allocate_id(ep0, 0, 0, hole, 16, &mut id),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        zx_iob_allocate_id(ep0, 0, 0, b"abc".as_ptr().cast(), 3, null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    let mut words = [0u32; 2];
    let misaligned = misaligned::<u32>(&mut words);
    assert_eq!(
        zx_iob_allocate_id(ep0, 0, 0, b"abc".as_ptr().cast(), 3, misaligned),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!((id, words), (5, [0, 0]));
    assert_eq!(allocate_id(ep0, 0, b"ok"), Ok(0));
    close(ep0);
    close(ep1);
}

/// §2.5: "`zx_iob_writev` (ring-buffer discipline only; others → `WRONG_TYPE`; index out
/// of range → `OUT_OF_RANGE`)". zx-shim cannot create ring-buffer regions (they need a
/// shared region), so every region is of another discipline.
#[test]
fn iob_writev_regions_without_the_ring_buffer_discipline_are_wrong_type() {
    let (ep0, ep1) = id_iob(PAGE_U64);
    let data = *b"payload";
    let vec = zx_iovec_t {
        buffer: data.as_ptr() as *mut std::ffi::c_void,
        capacity: data.len(),
    };
    for index in [0, 1] {
        assert_eq!(
            zx_iob_writev(ep0, 0, index, &vec, 1),
            ZX_ERR_WRONG_TYPE,
            "region {index}"
        );
    }
    assert_eq!(zx_iob_writev(ep1, 0, 2, &vec, 1), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(
        zx_iob_writev(ep1, 0, u32::MAX, &vec, 1),
        ZX_ERR_OUT_OF_RANGE
    );
    close(ep0);
    close(ep1);
}

/// `zx_iob_writev`'s handle: an IOB endpoint (BAD_HANDLE → WRONG_TYPE) with `WRITE`
/// (ACCESS_DENIED), looked up before the region index.
#[test]
fn iob_writev_handle_must_be_an_endpoint_with_write() {
    let (ep0, ep1) = id_iob(PAGE_U64);
    let no_write = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_WRITE);
    let v = vmo(PAGE_U64);
    assert_eq!(zx_iob_writev(FORGED, 0, 0, null(), 0), ZX_ERR_BAD_HANDLE);
    assert_eq!(zx_iob_writev(v, 0, 0, null(), 0), ZX_ERR_WRONG_TYPE);
    assert_eq!(
        zx_iob_writev(no_write, 0, 9, null(), 0),
        ZX_ERR_ACCESS_DENIED
    );
    for h in [no_write, v, ep0, ep1] {
        close(h);
    }
}
