//! Conformance tests for `zx_vmar_protect`: one test per sentence of vmar.fidl (Protect),
//! with the decisions of spec/README.md and zircon-abi.md §3.1, §3.2, §3.5.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{self, peek, poke, ChildOutcome};
use zx_suite::vmar::*;
use zx_suite::vmo::{exec_vmo, vmo};
use zx_suite::{PAGE, PAGE_U64};

/// Protect / Description: "alters the access protections for the memory mappings in the
/// range": a read-only page faults on write (SIGSEGV) and still reads.
#[test]
fn vmar_protect_read_only_makes_writes_fault() {
    let (r, _v, a) = mapped(2);
    poke(a, 42);
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, 2 * PAGE), ZX_OK);
    assert_eq!(peek(a), 42);
    assert_eq!(probe::access(a), "r--");
    assert_eq!(probe::child_write(a), ChildOutcome::SEGV);
    assert_eq!(probe::child_read(a), ChildOutcome::OK);
    r.check();
}

/// zircon-abi.md §3.5: protect over part of a mapping changes only that part; maps entries
/// are per protection run.
#[test]
fn vmar_protect_part_of_mapping_changes_only_that_part() {
    let (r, _v, a) = mapped(4);
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a + PAGE, 2 * PAGE), ZX_OK);
    assert_eq!(
        [a, a + PAGE, a + 2 * PAGE, a + 3 * PAGE].map(probe::access),
        ["rw-", "r--", "r--", "rw-"]
    );
    assert_eq!(
        mapping_entries(r.h),
        vec![
            (a, PAGE, RW, 0),
            (a + PAGE, 2 * PAGE, ZX_VM_PERM_READ, PAGE_U64),
            (a + 3 * PAGE, PAGE, RW, 3 * PAGE_U64)
        ]
    );
    r.check();
}

/// zircon-abi.md §2.1: "options == 0 (no access) is valid".
#[test]
fn vmar_protect_to_no_access() {
    let (r, _v, a) = mapped(1);
    assert_eq!(protect(r.h, 0, a, PAGE), ZX_OK);
    assert_eq!(probe::access(a), "---");
    assert_eq!(probe::child_read(a), ChildOutcome::SEGV);
    assert_eq!(protect(r.h, RW, a, PAGE), ZX_OK);
    assert_eq!(probe::access(a), "rw-");
    r.check();
}

/// Protect / PERM_WRITE: "It is also an error if the VMO handle used to create the mapping
/// did not have the ZX_RIGHT_WRITE right" (ACCESS_DENIED); §3.2: permissions can be raised
/// up to the ceiling even after the VMO handle is closed.
#[test]
fn vmar_protect_ceiling_is_the_vmo_handle_rights_at_map_time() {
    let r = region(4);
    let v = vmo(2 * PAGE_U64);
    let ro = with_rights(v, rights_of(v) & !ZX_RIGHT_WRITE);
    let a = map_at(&r, 0, v, 0, PAGE);
    let b = map(
        r.h,
        ZX_VM_PERM_READ | ZX_VM_SPECIFIC,
        PAGE,
        ro,
        PAGE_U64,
        PAGE,
    )
    .unwrap();
    close(v);
    close(ro);
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, PAGE), ZX_OK);
    assert_eq!(
        protect(r.h, RW, a, PAGE),
        ZX_OK,
        "raised back up to the ceiling"
    );
    assert_eq!(probe::access(a), "rw-");
    assert_eq!(protect(r.h, RW, b, PAGE), ZX_ERR_ACCESS_DENIED);
    assert_eq!(
        protect(r.h, RW, a, 2 * PAGE),
        ZX_ERR_ACCESS_DENIED,
        "all or nothing"
    );
    assert_eq!(probe::access(b), "r--");
    r.check();
}

/// Protect / Rights: "If *options* & ZX_VM_PERM_READ, *handle* must ... have ZX_RIGHT_READ"
/// (and WRITE, EXECUTE likewise): ACCESS_DENIED, checked before the arguments (§3.1).
#[test]
fn vmar_protect_needs_handle_rights_first() {
    let (r, _v, a) = mapped(1);
    let no_write = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_WRITE);
    assert_eq!(protect(no_write, RW, a, PAGE), ZX_ERR_ACCESS_DENIED);
    assert_eq!(protect(no_write, RW, a + 1, 0), ZX_ERR_ACCESS_DENIED);
    assert_eq!(protect(no_write, ZX_VM_PERM_READ, a, PAGE), ZX_OK);
    let no_read = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_READ);
    assert_eq!(
        protect(no_read, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, a, PAGE),
        ZX_ERR_ACCESS_DENIED
    );
    close(no_write);
    close(no_read);
    r.check();
}

/// Protect / PERM_READ: "It is an error if *handle* does not have ZX_VM_CAN_MAP_READ
/// permissions" (ACCESS_DENIED).
#[test]
fn vmar_protect_beyond_vmar_can_map_flags_is_access_denied() {
    let r = region(4);
    let ro = allocate(
        r.h,
        ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_SPECIFIC,
        0,
        2 * PAGE,
    );
    let v = vmo(PAGE_U64);
    let a = map(ro.h, ZX_VM_PERM_READ, 0, v, 0, PAGE).unwrap();
    assert_eq!(protect(ro.h, RW, a, PAGE), ZX_ERR_ACCESS_DENIED);
    assert_eq!(probe::access(a), "r--");
    r.check();
}

/// Protect / Errors: "*prot_flags* is an unsupported combination of flags (e.g.,
/// ZX_VM_PERM_WRITE but not ZX_VM_PERM_READ)" (INVALID_ARGS).
#[test]
fn vmar_protect_write_or_execute_without_read_is_invalid_args() {
    let (r, _v, a) = mapped(1);
    assert_eq!(protect(r.h, ZX_VM_PERM_WRITE, a, PAGE), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_EXECUTE, a, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(probe::access(a), "rw-");
    r.check();
}

/// Protect / Errors: "*addr* is not page-aligned, *len* is 0"; "*len* must be
/// page-aligned" (spec/README.md: INVALID_ARGS, no rounding); options other than PERM_*
/// are INVALID_ARGS (§2.1).
#[test]
fn vmar_protect_bad_arguments_are_invalid_args() {
    let (r, _v, a) = mapped(2);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ, a + 1, PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ, a, PAGE + 1),
        ZX_ERR_INVALID_ARGS
    );
    for o in [
        ZX_VM_PERM_READ | ZX_VM_CAN_MAP_WRITE,
        ZX_VM_PERM_READ | ZX_VM_SPECIFIC,
        ZX_VM_PERM_READ | ZX_VM_MAP_RANGE,
        ZX_VM_PERM_READ | ZX_VM_ALIGN_64KB,
        ZX_VM_PERM_READ | 1 << 20,
    ] {
        assert_eq!(
            protect(r.h, o, a, PAGE),
            ZX_ERR_INVALID_ARGS,
            "options {o:#x}"
        );
    }
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ, r.end() - PAGE, 2 * PAGE),
        ZX_ERR_INVALID_ARGS,
        "outside the VMAR"
    );
    assert_eq!(probe::access(a), "rw-");
    r.check();
}

/// Protect / Errors: "ZX_ERR_NOT_FOUND Some subrange of the requested range is not mapped";
/// Notes: "all access permissions in the range will have been left unchanged."
#[test]
fn vmar_protect_over_a_hole_is_not_found_and_changes_nothing() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    let b = map_at(&r, 2 * PAGE, v, 0, PAGE);
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, 3 * PAGE), ZX_ERR_NOT_FOUND);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ, a, 2 * PAGE),
        ZX_ERR_NOT_FOUND,
        "trailing hole"
    );
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ, r.at(4 * PAGE), PAGE),
        ZX_ERR_NOT_FOUND
    );
    assert_eq!(probe::access(a), "rw-");
    assert_eq!(probe::access(b), "rw-");
    r.check();
}

/// Protect: "For any mappings in sub-regions in the requested range, their access
/// permissions must either be reduced, or left unchanged" (ACCESS_DENIED otherwise), and
/// reaching them needs OP_CHILDREN (INVALID_ARGS).
#[test]
fn vmar_protect_through_ancestor_only_reduces() {
    let r = region(8);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 2 * PAGE, 2 * PAGE);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, PAGE, v, 0, PAGE);
    let b = map(sub.h, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0, v, 0, PAGE).unwrap();
    let c = map(sub.h, RW | ZX_VM_SPECIFIC, PAGE, v, 0, PAGE).unwrap();
    assert_eq!(
        protect(r.h, RW, a, 3 * PAGE),
        ZX_ERR_ACCESS_DENIED,
        "b would gain WRITE"
    );
    let weak = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_OP_CHILDREN);
    assert_eq!(
        protect(weak, ZX_VM_PERM_READ, a, 3 * PAGE),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(probe::access(c), "rw-");
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, 3 * PAGE), ZX_OK);
    assert_eq!([a, b, c].map(probe::access), ["r--"; 3]);
    // Only the directly containing VMAR can raise them again.
    assert_eq!(protect(r.h, RW, c, PAGE), ZX_ERR_ACCESS_DENIED);
    assert_eq!(protect(sub.h, RW, c, PAGE), ZX_OK);
    close(weak);
    r.check();
}

/// Protect / PERM_EXECUTE: "Map as executable": code runs after protect adds EXECUTE, and
/// stops running after it is removed.
#[test]
fn vmar_protect_execute_toggles_code_execution() {
    let r = region(4);
    let x = exec_vmo(PAGE_U64);
    let a = map_at(&r, 0, x, 0, PAGE);
    for (i, b) in probe::RET.iter().enumerate() {
        assert!(probe::write_byte(a + i, *b));
    }
    assert!(!probe::executes(a));
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, a, PAGE),
        ZX_OK
    );
    assert!(probe::executes(a));
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, PAGE), ZX_OK);
    assert_eq!(probe::child_call(a), ChildOutcome::SEGV);
    r.check();
}

/// Protect / PERM_READ_IF_XOM_UNSUPPORTED: "Map as readable if the system does not support
/// mapping execute-only pages."
#[test]
fn vmar_protect_read_if_xom_unsupported_means_read() {
    let (r, _v, a) = mapped(1);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, a, PAGE),
        ZX_OK
    );
    assert_eq!(probe::access(a), "r--");
    r.check();
}

/// Protect / Errors: "ZX_ERR_BAD_HANDLE", "ZX_ERR_WRONG_TYPE"; a destroyed VMAR is
/// BAD_STATE (§3.8).
#[test]
fn vmar_protect_bad_wrong_or_destroyed_handle() {
    let (r, v, a) = mapped(1);
    assert_eq!(protect(FORGED, ZX_VM_PERM_READ, a, PAGE), ZX_ERR_BAD_HANDLE);
    assert_eq!(protect(v, ZX_VM_PERM_READ, a, PAGE), ZX_ERR_WRONG_TYPE);
    let dead = destroyed_vmar(2);
    assert_eq!(
        protect(dead.h, ZX_VM_PERM_READ, dead.base, PAGE),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(probe::access(a), "rw-");
    r.check();
}

/// Protect across two merged-in neighbours and a mapping of another VMO: one call changes
/// all of them.
#[test]
fn vmar_protect_spans_several_mappings() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let w = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    map_at(&r, PAGE, w, 0, PAGE);
    map_at(&r, 2 * PAGE, v, 0, PAGE);
    assert_eq!(protect(r.h, ZX_VM_PERM_READ, a, 3 * PAGE), ZX_OK);
    assert_eq!([a, a + PAGE, a + 2 * PAGE].map(probe::access), ["r--"; 3]);
    r.check();
}
