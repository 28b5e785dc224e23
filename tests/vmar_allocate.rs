//! Conformance tests for `zx_vmar_allocate`: one test per sentence of vmar.fidl (Allocate),
//! with the decisions of spec/README.md and zircon-abi.md §3.1–§3.3.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{peek, poke};
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

/// Allocate / Return value: "returns ZX_OK, the absolute base address of the subregion (via
/// *child_addr*), and a handle to the new subregion ... The base address will be
/// page-aligned and non-zero."
#[test]
fn vmar_allocate_returns_aligned_nonzero_base_inside_parent() {
    let parent = region(64);
    let child = allocate(parent.h, CAN_RWX, 0, 8 * PAGE);
    assert_ne!(child.base, 0);
    assert_eq!(child.base % PAGE, 0);
    assert!(child.base >= parent.base && child.end() <= parent.end());
    let info = vmar_info(child.h).unwrap();
    assert_eq!((info.base, info.len), (child.base, 8 * PAGE));
    parent.check();
}

/// zircon-abi.md §3.2: the child's handle has ZX_DEFAULT_VMAR_RIGHTS plus READ/WRITE/EXECUTE
/// exactly matching its CAN_MAP flags, not copied from the parent handle.
#[test]
fn vmar_allocate_child_rights_follow_can_map_flags() {
    let parent = region(64);
    let no_dup = with_rights(parent.h, rights_of(parent.h) & !ZX_RIGHT_DUPLICATE);
    let c = allocate(no_dup, ZX_VM_CAN_MAP_READ, 0, PAGE);
    assert_eq!(rights_of(c.h), ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ);
    let c = allocate(parent.h, CAN_RWX, 0, PAGE);
    assert_eq!(
        rights_of(c.h),
        ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE
    );
    let c = allocate(parent.h, 0, 0, PAGE);
    assert_eq!(rights_of(c.h), ZX_DEFAULT_VMAR_RIGHTS);
    close(no_dup);
}

/// Allocate / SPECIFIC: "Use the *offset* to place the mapping ... *offset* is an offset
/// relative to the base address of the parent region."
#[test]
fn vmar_allocate_specific_places_at_offset() {
    let parent = region(16);
    let c = allocate(parent.h, CAN_RWX | ZX_VM_SPECIFIC, 4 * PAGE, 2 * PAGE);
    assert_eq!(c.base, parent.at(4 * PAGE));
}

/// Allocate / SPECIFIC: "invalid if *parent_vmar* does not have the ZX_VM_CAN_MAP_SPECIFIC
/// permission" (ACCESS_DENIED, spec/README.md); likewise OFFSET_IS_UPPER_LIMIT.
#[test]
fn vmar_allocate_specific_without_can_map_specific_is_access_denied() {
    let parent = allocate(root(), CAN_RWX, 0, 16 * PAGE);
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, PAGE, PAGE).err(),
        Some(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_OFFSET_IS_UPPER_LIMIT, 8 * PAGE, PAGE).err(),
        Some(ZX_ERR_ACCESS_DENIED)
    );
    assert!(try_allocate(parent.h, 0, 0, PAGE).is_ok());
}

/// Allocate / SPECIFIC: "It is an error to specify an address range that overlaps with
/// another VMAR or mapping" (ALREADY_EXISTS, zircon-abi.md §3.1 step 25).
#[test]
fn vmar_allocate_specific_overlap_is_already_exists() {
    let parent = region(16);
    let _a = allocate(parent.h, ZX_VM_SPECIFIC, 2 * PAGE, 2 * PAGE);
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 3 * PAGE, 2 * PAGE).err(),
        Some(ZX_ERR_ALREADY_EXISTS)
    );
    let v = vmo(PAGE_U64);
    map_at(&parent, 8 * PAGE, v, 0, PAGE);
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 8 * PAGE, PAGE).err(),
        Some(ZX_ERR_ALREADY_EXISTS)
    );
    assert!(try_allocate(parent.h, ZX_VM_SPECIFIC, 4 * PAGE, 4 * PAGE).is_ok());
    parent.check();
}

/// Allocate / OFFSET_IS_UPPER_LIMIT: "The resulting mapping will have an offset + *size*
/// that is <= *offset*."
#[test]
fn vmar_allocate_upper_limit_keeps_end_below_offset() {
    let parent = region(256);
    for _ in 0..16 {
        let c = allocate(parent.h, ZX_VM_OFFSET_IS_UPPER_LIMIT, 32 * PAGE, PAGE);
        assert!(c.end() <= parent.at(32 * PAGE));
        std::mem::forget(c);
    }
}

/// Allocate / OFFSET_IS_UPPER_LIMIT: "This option cannot be specified if ZX_VM_SPECIFIC is
/// used."
#[test]
fn vmar_allocate_upper_limit_with_specific_is_invalid_args() {
    let parent = region(16);
    let o = ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_SPECIFIC;
    assert_eq!(
        try_allocate(parent.h, o, 8 * PAGE, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
}

/// Allocate / CAN_MAP_SPECIFIC: "The new VMAR can have subregions/mappings created with
/// ZX_VM_SPECIFIC. It is NOT an error if the parent does not have ZX_VM_CAN_MAP_SPECIFIC."
#[test]
fn vmar_allocate_can_map_specific_child_of_parent_without_it() {
    let parent = allocate(root(), CAN_RWX, 0, 16 * PAGE);
    let child = allocate(parent.h, CAN_RWX | ZX_VM_CAN_MAP_SPECIFIC, 0, 4 * PAGE);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map(child.h, RW | ZX_VM_SPECIFIC, PAGE, v, 0, PAGE),
        Ok(child.at(PAGE))
    );
    parent.check();
}

/// Allocate / CAN_MAP_READ, _WRITE, _EXECUTE: "It is an error if the parent does not have
/// ZX_VM_CAN_MAP_{READ,WRITE,EXECUTE} permissions" (ACCESS_DENIED).
#[test]
fn vmar_allocate_can_map_beyond_parent_is_access_denied() {
    let parent = region(64);
    let r_only = allocate(parent.h, ZX_VM_CAN_MAP_READ, 0, 8 * PAGE);
    // A child's handle has exactly the rights of its CAN_MAP flags, so the lookup's rights
    // check refuses first; the VMAR-flag check (§3.1) agrees.
    assert_eq!(
        try_allocate(r_only.h, ZX_VM_CAN_MAP_WRITE, 0, PAGE).err(),
        Some(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        try_allocate(r_only.h, ZX_VM_CAN_MAP_EXECUTE, 0, PAGE).err(),
        Some(ZX_ERR_ACCESS_DENIED)
    );
    let none = allocate(parent.h, 0, 0, 8 * PAGE);
    assert_eq!(
        try_allocate(none.h, ZX_VM_CAN_MAP_READ, 0, PAGE).err(),
        Some(ZX_ERR_ACCESS_DENIED)
    );
    assert!(try_allocate(r_only.h, ZX_VM_CAN_MAP_READ, 0, PAGE).is_ok());
}

/// Allocate / Rights: "If *options* & ZX_VM_CAN_MAP_READ, *parent_vmar* must ... have
/// ZX_RIGHT_READ" (and WRITE, EXECUTE likewise): ACCESS_DENIED.
#[test]
fn vmar_allocate_needs_parent_rights_for_can_map_flags() {
    let parent = region(64);
    let all = rights_of(parent.h);
    for (right, flag) in [
        (ZX_RIGHT_READ, ZX_VM_CAN_MAP_READ),
        (ZX_RIGHT_WRITE, ZX_VM_CAN_MAP_WRITE),
        (ZX_RIGHT_EXECUTE, ZX_VM_CAN_MAP_EXECUTE),
    ] {
        let h = with_rights(parent.h, all & !right);
        assert_eq!(
            try_allocate(h, flag, 0, PAGE).err(),
            Some(ZX_ERR_ACCESS_DENIED),
            "flag {flag:#x}"
        );
        // The rights check is part of the lookup and beats argument errors.
        assert_eq!(
            try_allocate(h, flag, 0, 0).err(),
            Some(ZX_ERR_ACCESS_DENIED)
        );
        close(h);
    }
}

/// Allocate / Errors: "*offset* is non-zero when ZX_VM_SPECIFIC or
/// ZX_VM_OFFSET_IS_UPPER_LIMIT is not given" (INVALID_ARGS).
#[test]
fn vmar_allocate_nonzero_offset_without_specific_is_invalid_args() {
    let parent = region(16);
    assert_eq!(
        try_allocate(parent.h, 0, PAGE, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
}

/// Allocate / Errors: "*offset* and *size* describe an unsatisfiable allocation due to
/// exceeding the region bounds" (INVALID_ARGS).
#[test]
fn vmar_allocate_beyond_region_bounds_is_invalid_args() {
    let parent = region(16);
    assert_eq!(
        try_allocate(parent.h, 0, 0, 17 * PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 15 * PAGE, 2 * PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 16 * PAGE, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_OFFSET_IS_UPPER_LIMIT, 2 * PAGE, 3 * PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, usize::MAX & !(PAGE - 1), PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
}

/// Allocate / Errors: "*offset* or *size* is not page-aligned, or *size* is 0."
#[test]
fn vmar_allocate_unaligned_or_zero_is_invalid_args() {
    let parent = region(16);
    assert_eq!(
        try_allocate(parent.h, 0, 0, 0).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, 0, 0, PAGE + 1).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 100, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
}

/// Allocate: "Using ZX_VM_ALIGN flags with ZX_VM_SPECIFIC will fail if the *parent_vmar*
/// base address + *offset* are not aligned"; "ZX_VM_ALIGN_<n> aligns *child_addr*".
#[test]
fn vmar_allocate_alignment_flags() {
    let parent = allocate(root(), SUB | ZX_VM_ALIGN_4MB, 0, 32 << 20);
    assert_eq!(parent.base % (4 << 20), 0);
    for _ in 0..4 {
        let c = allocate(parent.h, ZX_VM_ALIGN_2MB, 0, PAGE);
        assert_eq!(c.base % (2 << 20), 0);
    }
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC | ZX_VM_ALIGN_2MB, PAGE, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert!(
        try_allocate(parent.h, ZX_VM_SPECIFIC | ZX_VM_ALIGN_1KB, PAGE, PAGE).is_ok(),
        "1 KiB means a page"
    );
}

/// Allocate / Errors: "ZX_ERR_NO_MEMORY ... A free address range of the requested size is
/// not available within *parent_vmar*" (spec/README.md: NO_MEMORY, not NO_RESOURCES).
#[test]
fn vmar_allocate_no_room_is_no_memory() {
    let parent = region(4);
    let _a = allocate(parent.h, 0, 0, 3 * PAGE);
    assert_eq!(
        try_allocate(parent.h, 0, 0, 2 * PAGE).err(),
        Some(ZX_ERR_NO_MEMORY)
    );
    assert_eq!(
        try_allocate(parent.h, ZX_VM_ALIGN_4GB, 0, PAGE).err(),
        Some(ZX_ERR_NO_MEMORY)
    );
}

/// Allocate / Errors: "ZX_ERR_INVALID_ARGS ... *child_vmar* or *child_addr* are not valid"
/// (the new VMAR is destroyed: its range is free again, zircon-abi.md §3.1).
#[test]
fn vmar_allocate_bad_out_pointers_are_invalid_args_and_allocate_nothing() {
    let parent = region(4);
    let mut h = ZX_HANDLE_INVALID;
    let mut addr = 0usize;
    let handles = zircon::handle::HANDLES.len();
    let s = zx_vmar_allocate(
        parent.h,
        ZX_VM_SPECIFIC,
        0,
        PAGE,
        std::ptr::null_mut(),
        &mut addr,
    );
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    let s = zx_vmar_allocate(
        parent.h,
        ZX_VM_SPECIFIC,
        0,
        PAGE,
        &mut h,
        std::ptr::null_mut(),
    );
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    let misaligned = (&mut addr as *mut usize)
        .cast::<u8>()
        .wrapping_add(1)
        .cast::<usize>();
    let s = zx_vmar_allocate(parent.h, ZX_VM_SPECIFIC, 0, PAGE, &mut h, misaligned);
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    assert!(
        zircon::handle::HANDLES.len() <= handles + 2,
        "handles leaked"
    );
    assert_eq!(maps(parent.h).unwrap().len(), 1, "no child left");
    assert!(try_allocate(parent.h, ZX_VM_SPECIFIC, 0, PAGE).is_ok());
}

/// Allocate: option bits that are not allocate options (PERM_*, SPECIFIC_OVERWRITE,
/// MAP_RANGE, REQUIRE_NON_RESIZABLE, ALLOW_FAULTS, stray bits, bad alignment) are
/// INVALID_ARGS (zircon-abi.md §2.1).
#[test]
fn vmar_allocate_non_allocate_options_are_invalid_args() {
    let parent = region(16);
    for o in [
        ZX_VM_PERM_READ,
        ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED,
        ZX_VM_SPECIFIC_OVERWRITE,
        ZX_VM_MAP_RANGE,
        ZX_VM_REQUIRE_NON_RESIZABLE,
        ZX_VM_ALLOW_FAULTS,
        ZX_VM_FAULT_BEYOND_STREAM_SIZE,
        1 << 16,
        5 << 24,
        40 << 24,
    ] {
        assert_eq!(
            try_allocate(parent.h, o, 0, PAGE).err(),
            Some(ZX_ERR_INVALID_ARGS),
            "options {o:#x}"
        );
    }
    assert_eq!(maps(parent.h).unwrap().len(), 1);
}

/// Allocate / Errors: "ZX_ERR_BAD_HANDLE *parent_vmar* is not a valid handle";
/// "ZX_ERR_WRONG_TYPE *parent_vmar* is not a VMAR handle"; "ZX_ERR_BAD_STATE *parent_vmar*
/// refers to a destroyed VMAR."
#[test]
fn vmar_allocate_bad_wrong_or_destroyed_parent() {
    assert_eq!(
        try_allocate(FORGED, 0, 0, PAGE).err(),
        Some(ZX_ERR_BAD_HANDLE)
    );
    let v = vmo(PAGE_U64);
    assert_eq!(try_allocate(v, 0, 0, PAGE).err(), Some(ZX_ERR_WRONG_TYPE));
    let dead = destroyed_vmar(4);
    assert_eq!(
        try_allocate(dead.h, 0, 0, PAGE).err(),
        Some(ZX_ERR_BAD_STATE)
    );
    // Option errors come before the state check; size 0 after it (§3.1).
    assert_eq!(
        try_allocate(dead.h, ZX_VM_PERM_READ, 0, PAGE).err(),
        Some(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(try_allocate(dead.h, 0, 0, 0).err(), Some(ZX_ERR_BAD_STATE));
    close(v);
}

/// Allocate / Notes / Deallocation: "just closing the VMAR's handle does not deallocate the
/// address space occupied by the VMAR."
#[test]
fn vmar_allocate_closing_handle_keeps_range_allocated() {
    let parent = region(8);
    let c = allocate(parent.h, ZX_VM_SPECIFIC | CAN_RWX, 2 * PAGE, 2 * PAGE);
    let v = vmo(PAGE_U64);
    let a = map(c.h, RW, 0, v, 0, PAGE).unwrap();
    poke(a, 4);
    close(c.h);
    std::mem::forget(c);
    assert_eq!(
        try_allocate(parent.h, ZX_VM_SPECIFIC, 2 * PAGE, PAGE).err(),
        Some(ZX_ERR_ALREADY_EXISTS)
    );
    assert_eq!(peek(a), 4);
    parent.check();
}

/// Allocate / COMPACT: "allocations and mappings within the newly created subregion should
/// be kept close together" (zircon-abi.md §3.3: first fit in the current kernel).
#[test]
fn vmar_allocate_compact_packs_children() {
    let parent = region(1024);
    let c = allocate(parent.h, ZX_VM_COMPACT | CAN_RWX, 0, 512 * PAGE);
    let v = vmo(PAGE_U64);
    let addrs: Vec<usize> = (0..8)
        .map(|_| map(c.h, RW, 0, v, 0, PAGE).unwrap())
        .collect();
    let expected: Vec<usize> = (0..8).map(|i| c.at(i * PAGE)).collect();
    assert_eq!(addrs, expected);
    parent.check();
}

/// zircon-abi.md §3.3: outside COMPACT VMARs placement is randomised (30 bits of entropy):
/// many small allocations in a large region do not all land at its bottom.
#[test]
fn vmar_allocate_placement_is_randomised() {
    if std::env::var("ZX_SHIM_ASLR").is_ok_and(|v| v == "off") {
        return;
    }
    let parent = region(1 << 16);
    let bases: Vec<usize> = (0..8)
        .map(|_| allocate(parent.h, 0, 0, PAGE))
        .map(|c| {
            let b = c.base;
            std::mem::forget(c);
            b
        })
        .collect();
    assert!(
        bases.iter().any(|&b| b >= parent.at(64 * PAGE)),
        "{bases:x?}"
    );
}
