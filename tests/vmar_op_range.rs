//! Conformance tests for `zx_vmar_op_range`: one test per sentence of vmar.fidl (OpRange),
//! with zircon-abi.md §3.1 and §3.6.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::probe::{peek, poke};
use zx_suite::vmar::*;
use zx_suite::vmo::{committed, vmo};
use zx_suite::{PAGE, PAGE_U64};

/// OpRange / COMMIT: "semantics are otherwise as described by zx_vmo_op_range()
/// ZX_VMO_OP_COMMIT": the VMO's pages are committed.
#[test]
fn vmar_op_range_commit_commits_vmo_pages() {
    let (r, v, a) = mapped(4);
    assert_eq!(committed(v), 0);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_COMMIT, a + PAGE, 2 * PAGE), ZX_OK);
    assert_eq!(committed(v), 2 * PAGE_U64);
    assert_eq!(peek(a + PAGE), 0);
    r.check();
}

/// OpRange / DECOMMIT (§3.6): decommitted pages read back as zero through every mapping of
/// the VMO.
#[test]
fn vmar_op_range_decommit_zeroes_through_every_mapping() {
    let r = region(8);
    let v = vmo(2 * PAGE_U64);
    let a = map_at(&r, 0, v, 0, 2 * PAGE);
    let b = map_at(&r, 4 * PAGE, v, 0, 2 * PAGE);
    poke(a, 7);
    poke(a + PAGE, 8);
    assert_eq!(peek(b), 7);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_DECOMMIT, a, PAGE), ZX_OK);
    assert_eq!(committed(v), PAGE_U64);
    assert_eq!(peek(a), 0);
    assert_eq!(peek(b), 0);
    assert_eq!(peek(b + PAGE), 8);
    // "ZX_VMO_OP_DECOMMIT - Deprecated. Use ZX_VMAR_OP_DECOMMIT instead": same number.
    assert_eq!(vmar_op(r.h, ZX_VMO_OP_DECOMMIT, b + PAGE, PAGE), ZX_OK);
    assert_eq!(peek(a + PAGE), 0);
    r.check();
}

/// OpRange / MAP_RANGE: "Populates entries in the CPU page tables ... for committed pages
/// in the given range. Entries for uncommitted pages in the range are not populated."
#[test]
fn vmar_op_range_map_range_never_commits() {
    let (r, v, a) = mapped(8);
    poke(a + 3 * PAGE, 1);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_MAP_RANGE, a, 8 * PAGE), ZX_OK);
    assert_eq!(committed(v), PAGE_U64);
    assert_eq!(peek(a + 3 * PAGE), 1);
    r.check();
}

/// OpRange / ZERO (zircon-abi.md §1.6, §3.6: VMO zero-range): contents read back as zero.
#[test]
fn vmar_op_range_zero_zeroes() {
    let (r, _v, a) = mapped(2);
    poke(a, 5);
    poke(a + PAGE, 6);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_ZERO, a, PAGE), ZX_OK);
    assert_eq!((peek(a), peek(a + PAGE)), (0, 6));
    r.check();
}

/// OpRange / DONT_NEED, ALWAYS_NEED: "trivially succeeds for mappings for other VMO types"
/// (not pager-backed), contents unchanged; PREFETCH likewise leaves contents alone.
#[test]
fn vmar_op_range_hints_succeed_and_keep_contents() {
    let (r, v, a) = mapped(2);
    poke(a, 11);
    for o in [
        ZX_VMAR_OP_DONT_NEED,
        ZX_VMAR_OP_ALWAYS_NEED,
        ZX_VMAR_OP_PREFETCH,
    ] {
        assert_eq!(vmar_op(r.h, o, a, 2 * PAGE), ZX_OK, "op {o}");
    }
    assert_eq!(peek(a), 11);
    assert_eq!(committed(v), PAGE_U64);
    r.check();
}

/// OpRange: "*buffer* and *buffer_size* are currently unused, and must be empty"; Errors:
/// "*buffer* is non-null", "*buffer_size* is non-zero" (INVALID_ARGS).
#[test]
fn vmar_op_range_nonempty_buffer_is_invalid_args() {
    let (r, _v, a) = mapped(1);
    let mut byte = 0u8;
    let p: *mut std::ffi::c_void = (&mut byte as *mut u8).cast();
    assert_eq!(
        zx_vmar_op_range(r.h, ZX_VMAR_OP_COMMIT, a, PAGE, p, 0),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        zx_vmar_op_range(r.h, ZX_VMAR_OP_COMMIT, a, PAGE, std::ptr::null_mut(), 1),
        ZX_ERR_INVALID_ARGS
    );
}

/// OpRange / Errors: "*size* is zero", "*address* was not page-aligned", "*op* is not a
/// valid operation" (INVALID_ARGS).
#[test]
fn vmar_op_range_bad_arguments_are_invalid_args() {
    let (r, _v, a) = mapped(1);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, a + 1, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    for bad in [0, 4, 5, 9, 11, 15, 1000] {
        assert_eq!(vmar_op(r.h, bad, a, PAGE), ZX_ERR_INVALID_ARGS, "op {bad}");
    }
    // zircon-abi.md §3.1: the size is rounded up to a page.
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, 1), ZX_OK);
}

/// OpRange / Rights: "If *op* is ZX_VMAR_OP_DECOMMIT [or COMMIT], *handle* must have
/// ZX_RIGHT_WRITE"; §3.1: MAP_RANGE and PREFETCH need READ (ACCESS_DENIED).
#[test]
fn vmar_op_range_needs_handle_rights_per_op() {
    let (r, _v, a) = mapped(1);
    let no_write = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_WRITE);
    for o in [ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT, ZX_VMAR_OP_ZERO] {
        assert_eq!(
            vmar_op(no_write, o, a, PAGE),
            ZX_ERR_ACCESS_DENIED,
            "op {o}"
        );
    }
    let no_read = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_READ);
    for o in [ZX_VMAR_OP_MAP_RANGE, ZX_VMAR_OP_PREFETCH] {
        assert_eq!(vmar_op(no_read, o, a, PAGE), ZX_ERR_ACCESS_DENIED, "op {o}");
    }
    let none = with_rights(r.h, 0);
    assert_eq!(vmar_op(none, ZX_VMAR_OP_DONT_NEED, a, PAGE), ZX_OK);
    assert_eq!(vmar_op(none, ZX_VMAR_OP_ALWAYS_NEED, a, PAGE), ZX_OK);
    for h in [no_write, no_read, none] {
        close(h);
    }
}

/// OpRange / Errors: "the original VMO handle used to created one of the affected mappings
/// did not have the rights for the requested change" (ACCESS_DENIED): COMMIT through a
/// mapping of a VMO handle without WRITE.
#[test]
fn vmar_op_range_commit_on_read_only_vmo_mapping_is_access_denied() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    let ro = with_rights(v, rights_of(v) & !ZX_RIGHT_WRITE);
    let a = map(r.h, ZX_VM_PERM_READ, 0, ro, 0, PAGE).unwrap();
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, PAGE),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_DECOMMIT, a, PAGE),
        ZX_ERR_ACCESS_DENIED
    );
    // A read-only mapping of a writable VMO handle is fine (§3.1).
    let b = map(r.h, ZX_VM_PERM_READ, 0, v, 0, PAGE).unwrap();
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_COMMIT, b, PAGE), ZX_OK);
    close(ro);
}

/// OpRange / Errors: "ZX_ERR_BAD_STATE ... the range specified by *address* and *size*
/// spans unmapped regions."
#[test]
fn vmar_op_range_over_a_hole_is_bad_state() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    map_at(&r, 2 * PAGE, v, 0, PAGE);
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, 3 * PAGE),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_MAP_RANGE, r.at(4 * PAGE), PAGE),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(committed(v), 0);
}

/// OpRange / Errors: "ZX_ERR_OUT_OF_RANGE The range ... is not wholly within the VM address
/// range specified by *handle*."
#[test]
fn vmar_op_range_outside_vmar_is_out_of_range() {
    let (r, _v, _a) = mapped(1);
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, r.end() - PAGE, 2 * PAGE),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, r.base - PAGE, PAGE),
        ZX_ERR_OUT_OF_RANGE
    );
}

/// OpRange / COMMIT, DECOMMIT: "the address range must not have any child VMARs"; Errors:
/// "*op* was one of ZX_VMAR_OP_COMMIT or ZX_VMAR_OP_DECOMMIT and the requested range had
/// subregions" (INVALID_ARGS); other ops reach into sub-regions with OP_CHILDREN only.
#[test]
fn vmar_op_range_subregion_rules() {
    let r = region(8);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 0, 2 * PAGE);
    let v = vmo(2 * PAGE_U64);
    let a = map(sub.h, RW | ZX_VM_SPECIFIC, 0, v, 0, 2 * PAGE).unwrap();
    poke(a, 3);
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_DECOMMIT, a, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        vmar_op(r.h, ZX_VMAR_OP_PREFETCH, a, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(peek(a), 3);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_MAP_RANGE, a, 2 * PAGE), ZX_OK);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_DONT_NEED, a, 2 * PAGE), ZX_OK);
    let weak = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_OP_CHILDREN);
    assert_eq!(
        vmar_op(weak, ZX_VMAR_OP_MAP_RANGE, a, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_ZERO, a, PAGE), ZX_OK);
    assert_eq!(peek(a), 0);
    assert_eq!(
        vmar_op(sub.h, ZX_VMAR_OP_COMMIT, a, 2 * PAGE),
        ZX_OK,
        "direct children are fine"
    );
    close(weak);
}

/// OpRange / Errors: "ZX_ERR_BAD_HANDLE", "ZX_ERR_WRONG_TYPE", "ZX_ERR_BAD_STATE *handle*
/// is not a live VMAR".
#[test]
fn vmar_op_range_bad_wrong_or_destroyed_handle() {
    let (_r, v, a) = mapped(1);
    assert_eq!(
        vmar_op(FORGED, ZX_VMAR_OP_COMMIT, a, PAGE),
        ZX_ERR_BAD_HANDLE
    );
    assert_eq!(vmar_op(v, ZX_VMAR_OP_COMMIT, a, PAGE), ZX_ERR_WRONG_TYPE);
    let dead = destroyed_vmar(2);
    assert_eq!(
        vmar_op(dead.h, ZX_VMAR_OP_COMMIT, dead.base, PAGE),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(
        vmar_op(dead.h, ZX_VMAR_OP_COMMIT, dead.base, 4 * PAGE),
        ZX_ERR_OUT_OF_RANGE,
        "range before state"
    );
}
