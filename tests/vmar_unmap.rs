//! Conformance tests for `zx_vmar_unmap`: one test per sentence of vmar.fidl (Unmap), with
//! the decisions of spec/README.md and zircon-abi.md §3.1, §3.5, §3.8.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{self, peek, poke, ChildOutcome};
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

/// Unmap / Description: "unmaps all VMO mappings ... within the absolute range": the pages
/// fault afterwards (SIGSEGV) and go back to the reservation.
#[test]
fn vmar_unmap_whole_mapping_makes_pages_fault() {
    let (r, v, a) = mapped(2);
    poke(a, 1);
    assert_eq!(unmap(r.h, a, 2 * PAGE), ZX_OK);
    assert!(!probe::readable(a));
    assert_eq!(probe::child_read(a), ChildOutcome::SEGV);
    assert_eq!(probe::child_write(a + PAGE), ChildOutcome::SEGV);
    assert_eq!(vmo_info(v).num_mappings, 0);
    assert!(mapping_entries(r.h).is_empty());
    r.check();
}

/// Unmap / Description: "If a mapping is only partially in the range, the mapping is split
/// and the requested portion is unmapped" (zircon-abi.md §3.5: remnants keep their VMO
/// offsets).
#[test]
fn vmar_unmap_partial_splits_mapping_and_keeps_the_rest() {
    let (r, v, a) = mapped(4);
    for i in 0..4 {
        poke(a + i * PAGE, 10 + i as u64);
    }
    assert_eq!(unmap(r.h, a + PAGE, 2 * PAGE), ZX_OK);
    assert_eq!(peek(a), 10);
    assert_eq!(peek(a + 3 * PAGE), 13);
    assert!(!probe::readable(a + PAGE));
    assert!(!probe::readable(a + 2 * PAGE));
    assert_eq!(
        mapping_entries(r.h),
        vec![(a, PAGE, RW, 0), (a + 3 * PAGE, PAGE, RW, 3 * PAGE_U64)]
    );
    assert_eq!(vmo_info(v).num_mappings, 2);
    r.check();
}

/// Unmap / Description: the range may span several mappings and holes; everything in it
/// goes.
#[test]
fn vmar_unmap_spanning_mappings_and_holes() {
    let r = region(16);
    let v = vmo(PAGE_U64);
    for i in [1, 3, 4, 8] {
        map_at(&r, i * PAGE, v, 0, PAGE);
    }
    assert_eq!(unmap(r.h, r.at(2 * PAGE), 6 * PAGE), ZX_OK);
    let left: Vec<usize> = mapping_entries(r.h).iter().map(|e| e.0).collect();
    assert_eq!(left, vec![r.at(PAGE), r.at(8 * PAGE)]);
    r.check();
}

/// Unmap / Description: "destroys (as if zx_vmar_destroy() were called) all sub-regions
/// within the absolute range"; their handles stay valid and answer BAD_STATE (§3.8).
#[test]
fn vmar_unmap_destroys_fully_covered_subregions() {
    let r = region(16);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE);
    let v = vmo(PAGE_U64);
    let a = map_at(&sub, PAGE, v, 0, PAGE);
    assert_eq!(unmap(r.h, r.at(2 * PAGE), 8 * PAGE), ZX_OK);
    assert!(!probe::readable(a));
    assert_eq!(zx_handle_check_valid(sub.h), ZX_OK);
    assert_eq!(map(sub.h, RW, 0, v, 0, PAGE), Err(ZX_ERR_BAD_STATE));
    assert_eq!(vmar_info(sub.h).unwrap().base, sub.base);
    // The range is free again.
    assert!(try_allocate(r.h, ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE).is_ok());
    r.check();
}

/// Unmap / Description: "Any sub-region that is in the range must be fully in the range
/// (i.e. partial overlaps are an error)" (INVALID_ARGS); nothing is unmapped.
#[test]
fn vmar_unmap_partially_covered_subregion_is_invalid_args() {
    let r = region(16);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 2 * PAGE, v, 0, PAGE);
    let b = map_at(&sub, 0, v, 0, PAGE);
    assert_eq!(unmap(r.h, r.at(2 * PAGE), 4 * PAGE), ZX_ERR_INVALID_ARGS);
    assert!(probe::readable(a) && probe::readable(b));
    r.check();
}

/// Unmap / Errors: "the requested range overlapped a sub-region and *handle* did not have
/// ZX_RIGHT_OP_CHILDREN" (INVALID_ARGS); direct mappings need no right (§3.2).
#[test]
fn vmar_unmap_subregion_without_op_children_is_invalid_args() {
    let r = region(16);
    let _sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    let weak = with_rights(r.h, 0);
    assert_eq!(unmap(weak, r.at(4 * PAGE), 4 * PAGE), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        unmap(weak, a, PAGE),
        ZX_OK,
        "unmap of a direct mapping needs no right"
    );
    close(weak);
    r.check();
}

/// Unmap / Errors: "*addr* is not page-aligned, *len* is 0 or not page-aligned"
/// (spec/README.md: no rounding).
#[test]
fn vmar_unmap_unaligned_or_zero_is_invalid_args() {
    let (r, _v, a) = mapped(2);
    assert_eq!(unmap(r.h, a + 1, PAGE), ZX_ERR_INVALID_ARGS);
    assert_eq!(unmap(r.h, a, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(unmap(r.h, a, PAGE + 1), ZX_ERR_INVALID_ARGS);
    assert_eq!(unmap(r.h, a, 100), ZX_ERR_INVALID_ARGS);
    assert!(probe::readable(a + PAGE));
    r.check();
}

/// Unmap / Errors: "ZX_ERR_NOT_FOUND Could not find the requested mapping"
/// (spec/README.md: a range holding no mapping and no sub-region).
#[test]
fn vmar_unmap_empty_range_is_not_found() {
    let (r, _v, a) = mapped(1);
    assert_eq!(unmap(r.h, a + PAGE, PAGE), ZX_ERR_NOT_FOUND);
    assert_eq!(unmap(r.h, a, PAGE), ZX_OK);
    assert_eq!(unmap(r.h, a, PAGE), ZX_ERR_NOT_FOUND);
    r.check();
}

/// zircon-abi.md §3.1: a range not inside the VMAR is INVALID_ARGS (also when it wraps).
#[test]
fn vmar_unmap_outside_vmar_is_invalid_args() {
    let (r, _v, a) = mapped(1);
    assert_eq!(unmap(r.h, r.base - PAGE, 2 * PAGE), ZX_ERR_INVALID_ARGS);
    assert_eq!(unmap(r.h, r.end() - PAGE, 2 * PAGE), ZX_ERR_INVALID_ARGS);
    assert_eq!(unmap(r.h, a, usize::MAX & !(PAGE - 1)), ZX_ERR_INVALID_ARGS);
    assert!(probe::readable(a));
    r.check();
}

/// Unmap / Errors: "ZX_ERR_BAD_HANDLE", "ZX_ERR_WRONG_TYPE", "ZX_ERR_BAD_STATE *handle*
/// refers to a destroyed handle" (after the alignment checks, §3.1).
#[test]
fn vmar_unmap_bad_wrong_or_destroyed_handle() {
    let (r, v, a) = mapped(1);
    assert_eq!(unmap(FORGED, a, PAGE), ZX_ERR_BAD_HANDLE);
    assert_eq!(unmap(v, a, PAGE), ZX_ERR_WRONG_TYPE);
    let dead = destroyed_vmar(2);
    assert_eq!(unmap(dead.h, dead.base, PAGE), ZX_ERR_BAD_STATE);
    assert_eq!(unmap(dead.h, dead.base + 1, PAGE), ZX_ERR_INVALID_ARGS);
    assert!(probe::readable(a));
    r.check();
}

/// Unmap through an ancestor with OP_CHILDREN reaches mappings in fully covered
/// sub-regions (they are destroyed with the sub-region).
#[test]
fn vmar_unmap_from_root_destroys_test_region() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    assert_eq!(unmap(root(), r.base, r.size), ZX_OK);
    assert!(!probe::readable(a));
    assert_eq!(zx_vmar_destroy(r.h), ZX_ERR_BAD_STATE);
}
