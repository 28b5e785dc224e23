//! Conformance tests for `zx_vmar_destroy`: one test per sentence of vmar.fidl (Destroy),
//! with the decisions of spec/README.md and zircon-abi.md §3.8.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{self, ChildOutcome};
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

/// Destroy / Description: "unmaps all mappings within the given region, and destroys all
/// sub-regions of the region. Note that this operation is logically recursive."
#[test]
fn vmar_destroy_unmaps_everything_recursively() {
    let outer = region(32);
    let r = allocate(outer.h, SUB | ZX_VM_SPECIFIC, 0, 16 * PAGE);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 8 * PAGE, 4 * PAGE);
    let subsub = allocate(sub.h, SUB | ZX_VM_SPECIFIC, 3 * PAGE, PAGE);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    let b = map_at(&sub, PAGE, v, 0, PAGE);
    let c = map(subsub.h, RW, 0, v, 0, PAGE).unwrap();
    assert_eq!(vmo_info(v).num_mappings, 3);
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    for addr in [a, b, c] {
        assert!(!probe::readable(addr));
    }
    assert_eq!(probe::child_read(b), ChildOutcome::SEGV);
    assert_eq!(vmo_info(v).num_mappings, 0);
    for h in [r.h, sub.h, subsub.h] {
        assert_eq!(map(h, RW, 0, v, 0, PAGE), Err(ZX_ERR_BAD_STATE));
    }
    outer.check();
}

/// Destroy / Description: "This operation does not close *handle*. Any outstanding handles
/// to this VMAR will remain valid handles, but all VMAR operations on them will fail"
/// (BAD_STATE, §3.8); ZX_INFO_VMAR still reports the old range.
#[test]
fn vmar_destroy_keeps_handles_valid_but_dead() {
    let r = region(4);
    let dup = with_rights(r.h, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    for h in [r.h, dup] {
        assert_eq!(zx_handle_check_valid(h), ZX_OK);
        let info = vmar_info(h).unwrap();
        assert_eq!((info.base, info.len), (r.base, r.size));
        let v = vmo(PAGE_U64);
        assert_eq!(map(h, RW, 0, v, 0, PAGE), Err(ZX_ERR_BAD_STATE));
        assert_eq!(try_allocate(h, 0, 0, PAGE).err(), Some(ZX_ERR_BAD_STATE));
        assert_eq!(unmap(h, r.base, PAGE), ZX_ERR_BAD_STATE);
        assert_eq!(protect(h, ZX_VM_PERM_READ, r.base, PAGE), ZX_ERR_BAD_STATE);
        assert_eq!(
            vmar_op(h, ZX_VMAR_OP_DONT_NEED, r.base, PAGE),
            ZX_ERR_BAD_STATE
        );
        assert_eq!(zx_vmar_destroy(h), ZX_ERR_BAD_STATE);
        assert_eq!(maps(h).err(), Some(ZX_ERR_BAD_STATE));
        close(v);
    }
    close(dup);
}

/// Destroy / Errors: "ZX_ERR_BAD_STATE This region is already destroyed."
#[test]
fn vmar_destroy_twice_is_bad_state() {
    let r = region(2);
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    assert_eq!(zx_vmar_destroy(r.h), ZX_ERR_BAD_STATE);
}

/// Destroy: "The root VMAR ... cannot be destroyed" (NOT_SUPPORTED).
#[test]
fn vmar_destroy_root_is_not_supported() {
    assert_eq!(zx_vmar_destroy(root()), ZX_ERR_NOT_SUPPORTED);
    let v = vmo(PAGE_U64);
    let a = map(root(), RW, 0, v, 0, PAGE).unwrap();
    assert_eq!(unmap(root(), a, PAGE), ZX_OK);
    close(v);
}

/// Destroy / Errors: "ZX_ERR_ACCESS_DENIED *handle* does not have ZX_RIGHT_OP_CHILDREN"
/// (spec/README.md); the lookup's rights check also beats the root's NOT_SUPPORTED.
#[test]
fn vmar_destroy_without_op_children_is_access_denied() {
    let r = region(2);
    let weak = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_OP_CHILDREN);
    assert_eq!(zx_vmar_destroy(weak), ZX_ERR_ACCESS_DENIED);
    assert_eq!(vmar_info(r.h).map(|i| i.base), Ok(r.base));
    let v = vmo(PAGE_U64);
    assert!(map(r.h, RW, 0, v, 0, PAGE).is_ok(), "still alive");
    let weak_root = with_rights(root(), ZX_DEFAULT_VMAR_RIGHTS & !ZX_RIGHT_OP_CHILDREN);
    assert_eq!(zx_vmar_destroy(weak_root), ZX_ERR_ACCESS_DENIED);
    close(weak);
    close(weak_root);
    r.check();
}

/// Destroy / Errors: "ZX_ERR_BAD_HANDLE *handle* is not a valid handle"; "ZX_ERR_WRONG_TYPE
/// *handle* is not a VMAR handle."
#[test]
fn vmar_destroy_bad_or_wrong_handle() {
    assert_eq!(zx_vmar_destroy(FORGED), ZX_ERR_BAD_HANDLE);
    assert_eq!(zx_vmar_destroy(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    let v = vmo(PAGE_U64);
    assert_eq!(zx_vmar_destroy(v), ZX_ERR_WRONG_TYPE);
    close(v);
}

/// zircon-abi.md §3.8: destroy "removes the VMAR from its parent (freeing the address range
/// for reuse, e.g. with SPECIFIC)".
#[test]
fn vmar_destroy_frees_range_for_reuse() {
    let parent = region(16);
    let c = allocate(parent.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE);
    assert_eq!(zx_vmar_destroy(c.h), ZX_OK);
    let again = allocate(parent.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map(parent.h, RW | ZX_VM_SPECIFIC, 4 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_ALREADY_EXISTS)
    );
    drop(again);
    assert_eq!(
        map(parent.h, RW | ZX_VM_SPECIFIC, 4 * PAGE, v, 0, PAGE),
        Ok(parent.at(4 * PAGE))
    );
    parent.check();
}
