//! Conformance tests for `zx_vmar_map`: one test per sentence of vmar.fidl (Map), with the
//! decisions of spec/README.md and the check order of zircon-abi.md §3.1.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{self, peek, poke, ChildOutcome};
use zx_suite::vmar::*;
use zx_suite::vmo::{exec_vmo, vmo, vmo_with};
use zx_suite::{PAGE, PAGE_U64};

/// Map / Return value: "returns ZX_OK and the absolute base address of the mapping ... The
/// base address will be page-aligned and non-zero." The memory reads and writes.
#[test]
fn vmar_map_returns_page_aligned_nonzero_address_of_working_memory() {
    let r = region(8);
    let v = vmo(2 * PAGE_U64);
    let a = map(r.h, RW, 0, v, 0, 2 * PAGE).unwrap();
    assert!(a >= r.base && a + 2 * PAGE <= r.end());
    poke(a + PAGE, 0x1122_3344);
    assert_eq!(peek(a + PAGE), 0x1122_3344);
    assert_eq!(probe::access(a), "rw-");
    r.check();
}

/// Map / Description: "The mapping retains a reference to the underlying virtual memory
/// object, which means closing the VMO handle does not remove the mapping."
#[test]
fn vmar_map_keeps_vmo_alive_after_its_handle_closes() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    poke(a, 77);
    close(v);
    assert_eq!(peek(a), 77);
    poke(a, 78);
    assert_eq!(peek(a), 78);
    r.check();
}

/// Two mappings of one VMO share its pages (mappings alias the VMO).
#[test]
fn vmar_map_two_mappings_of_one_vmo_share_data() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let a = map_at(&r, 0, v, 0, PAGE);
    let b = map_at(&r, 4 * PAGE, v, 0, PAGE);
    poke(a + 8, 0xabcdef);
    assert_eq!(peek(b + 8), 0xabcdef);
    r.check();
}

/// Map / SPECIFIC: "Use the *vmar_offset* to place the mapping ... *vmar_offset* is an offset
/// relative to the base address of the given VMAR."
#[test]
fn vmar_map_specific_places_at_offset() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, 3 * PAGE, v, 0, PAGE),
        Ok(r.at(3 * PAGE))
    );
    r.check();
}

/// Map / SPECIFIC: "invalid if *handle* does not have the ZX_VM_CAN_MAP_SPECIFIC
/// permission" (ACCESS_DENIED, spec/README.md).
#[test]
fn vmar_map_specific_without_can_map_specific_is_access_denied() {
    let r = allocate(root(), CAN_RWX, 0, 8 * PAGE);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, PAGE, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC_OVERWRITE, PAGE, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 8 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert!(mapping_entries(r.h).is_empty());
    r.check();
}

/// Map / Errors: "ZX_ERR_ALREADY_EXISTS ZX_VM_SPECIFIC has been specified without
/// ZX_VM_SPECIFIC_OVERWRITE, and the requested range overlaps with another mapping."
#[test]
fn vmar_map_specific_overlapping_mapping_is_already_exists() {
    let r = region(8);
    let v = vmo(4 * PAGE_U64);
    let a = map_at(&r, PAGE, v, 0, 2 * PAGE);
    poke(a, 5);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, 2 * PAGE, v, 0, 2 * PAGE),
        Err(ZX_ERR_ALREADY_EXISTS)
    );
    assert_eq!(peek(a), 5);
    assert_eq!(mapping_entries(r.h).len(), 1);
    r.check();
}

/// Map / SPECIFIC: "It is an error to specify a range that overlaps with another VMAR."
#[test]
fn vmar_map_specific_overlapping_subregion_is_already_exists() {
    let r = region(8);
    let _sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 2 * PAGE, 2 * PAGE);
    let v = vmo(4 * PAGE_U64);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, PAGE, v, 0, 2 * PAGE),
        Err(ZX_ERR_ALREADY_EXISTS)
    );
    r.check();
}

/// Map / SPECIFIC_OVERWRITE: "it will atomically ... replace existing mappings in the range
/// ... If that range partially overlaps any mappings, then the portions of those mappings
/// outside the range will remain mapped."
#[test]
fn vmar_map_specific_overwrite_keeps_outside_parts() {
    let r = region(8);
    let old = vmo(4 * PAGE_U64);
    let a = map_at(&r, 0, old, 0, 4 * PAGE);
    for i in 0..4 {
        poke(a + i * PAGE, 100 + i as u64);
    }
    let new = vmo(2 * PAGE_U64);
    let b = map(
        r.h,
        ZX_VM_PERM_READ | ZX_VM_SPECIFIC_OVERWRITE,
        PAGE,
        new,
        0,
        2 * PAGE,
    )
    .unwrap();
    assert_eq!(b, a + PAGE);
    assert_eq!(peek(a), 100);
    assert_eq!(peek(a + 3 * PAGE), 103);
    assert_eq!(peek(a + PAGE), 0, "new VMO's zero pages");
    assert_eq!(probe::access(a + PAGE), "r--");
    assert_eq!(probe::access(a), "rw-");
    let entries = mapping_entries(r.h);
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[2],
        (a + 3 * PAGE, PAGE, RW, 3 * PAGE_U64),
        "right remnant keeps its VMO offset"
    );
    r.check();
}

/// Map / SPECIFIC_OVERWRITE: "It is still an error to partially-overlap another VMAR."
/// (zircon-abi.md §3.1 step 25: any intersecting sub-VMAR is INVALID_ARGS.)
#[test]
fn vmar_map_specific_overwrite_over_subregion_is_invalid_args() {
    let r = region(8);
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 2 * PAGE, 2 * PAGE);
    let v = vmo(8 * PAGE_U64);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC_OVERWRITE, PAGE, v, 0, 2 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC_OVERWRITE, 0, v, 0, 8 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert!(vmar_info(sub.h).is_ok());
    assert!(mapping_entries(r.h).iter().all(|e| e.0 != r.base));
    r.check();
}

/// Map / OFFSET_IS_UPPER_LIMIT: "The resulting mapping will have an offset + *len* that is
/// <= *vmar_offset*."
#[test]
fn vmar_map_upper_limit_keeps_end_below_offset() {
    let r = region(64);
    let v = vmo(PAGE_U64);
    for _ in 0..8 {
        let a = map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 10 * PAGE, v, 0, PAGE).unwrap();
        assert!(a + PAGE <= r.at(10 * PAGE));
        assert!(a >= r.base);
    }
    // Ten slots below the limit, eight taken: a ninth and tenth fit, an eleventh does not.
    map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 10 * PAGE, v, 0, PAGE).unwrap();
    map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 10 * PAGE, v, 0, PAGE).unwrap();
    assert_eq!(
        map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 10 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_NO_RESOURCES)
    );
    r.check();
}

/// Map / OFFSET_IS_UPPER_LIMIT: "This option cannot be specified if ZX_VM_SPECIFIC or
/// ZX_VM_SPECIFIC_OVERWRITE is used."
#[test]
fn vmar_map_upper_limit_with_specific_is_invalid_args() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let o = RW | ZX_VM_OFFSET_IS_UPPER_LIMIT;
    assert_eq!(
        map(r.h, o | ZX_VM_SPECIFIC, 4 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(r.h, o | ZX_VM_SPECIFIC_OVERWRITE, 4 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    r.check();
}

/// Map / Errors: "*vmar_offset* and *len* describe an unsatisfiable allocation due to
/// exceeding the region bounds" (INVALID_ARGS).
#[test]
fn vmar_map_beyond_region_bounds_is_invalid_args() {
    let r = region(4);
    let v = vmo(8 * PAGE_U64);
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, 3 * PAGE, v, 0, 2 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, 4 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(map(r.h, RW, 0, v, 0, 8 * PAGE), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(
        map(
            r.h,
            RW | ZX_VM_OFFSET_IS_UPPER_LIMIT,
            2 * PAGE,
            v,
            0,
            3 * PAGE
        ),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(r.h, RW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 5 * PAGE, v, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    r.check();
}

/// Map / PERM_READ: "It is an error if *handle* does not have ZX_VM_CAN_MAP_READ
/// permissions, the *handle* does not have the ZX_RIGHT_READ right, or the *vmo* handle does
/// not have the ZX_RIGHT_READ right."
#[test]
fn vmar_map_read_needs_can_map_read_and_both_read_rights() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let no_can_read = allocate(r.h, ZX_VM_CAN_MAP_WRITE, 0, 2 * PAGE);
    assert_eq!(
        map(no_can_read.h, ZX_VM_PERM_READ, 0, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let vmar_no_read = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_READ);
    assert_eq!(
        map(vmar_no_read, ZX_VM_PERM_READ, 0, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let vmo_no_read = with_rights(v, rights_of(v) & !ZX_RIGHT_READ);
    assert_eq!(
        map(r.h, ZX_VM_PERM_READ, 0, vmo_no_read, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert!(mapping_entries(r.h).is_empty());
    close(vmar_no_read);
    close(vmo_no_read);
    r.check();
}

/// Map / PERM_WRITE: "It is an error if *handle* does not have ZX_VM_CAN_MAP_WRITE
/// permissions, the *handle* does not have the ZX_RIGHT_WRITE right, the *vmo* handle does
/// not have the ZX_RIGHT_WRITE right, or *options* does not specify ZX_VM_PERM_READ."
#[test]
fn vmar_map_write_needs_can_map_write_both_write_rights_and_read() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let no_can_write = allocate(r.h, ZX_VM_CAN_MAP_READ, 0, 2 * PAGE);
    let ro_rights = rights_of(no_can_write.h);
    assert_eq!(ro_rights & ZX_RIGHT_WRITE, 0);
    assert_eq!(
        map(no_can_write.h, RW, 0, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let vmar_no_write = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_WRITE);
    assert_eq!(
        map(vmar_no_write, RW, 0, v, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let vmo_no_write = with_rights(v, rights_of(v) & !ZX_RIGHT_WRITE);
    assert_eq!(
        map(r.h, RW, 0, vmo_no_write, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    // zircon-abi.md §3.1 step 6 before step 9: write without read is INVALID_ARGS even
    // when the VMO handle lacks WRITE.
    assert_eq!(
        map(r.h, ZX_VM_PERM_WRITE, 0, vmo_no_write, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(r.h, ZX_VM_PERM_WRITE, 0, v, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    // A read-only mapping through the VMO handle without WRITE works, and faults on write.
    let a = map(r.h, ZX_VM_PERM_READ, 0, vmo_no_write, 0, PAGE).unwrap();
    assert_eq!(probe::access(a), "r--");
    assert_eq!(probe::child_write(a), ChildOutcome::SEGV);
    close(vmar_no_write);
    close(vmo_no_write);
    r.check();
}

/// Map / PERM_EXECUTE: "It is an error if *handle* does not have ZX_VM_CAN_MAP_EXECUTE
/// permissions, the *handle* handle does not have the ZX_RIGHT_EXECUTE right, the *vmo*
/// handle does not have the ZX_RIGHT_EXECUTE right, or *options* does not specify
/// ZX_VM_PERM_READ." An executable mapping runs code.
#[test]
fn vmar_map_execute_needs_rights_and_read_and_runs_code() {
    let r = region(8);
    let x = exec_vmo(PAGE_U64);
    let plain = vmo(PAGE_U64);
    let rx = ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE;
    assert_eq!(
        map(r.h, ZX_VM_PERM_EXECUTE, 0, x, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(map(r.h, rx, 0, plain, 0, PAGE), Err(ZX_ERR_ACCESS_DENIED));
    let no_can_exec = allocate(r.h, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 2 * PAGE);
    assert_eq!(
        map(no_can_exec.h, rx, 0, x, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let vmar_no_exec = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_EXECUTE);
    assert_eq!(
        map(vmar_no_exec, rx, 0, x, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    // Write the code through a writable mapping, run it through an executable one.
    let w = map(r.h, RW, 0, x, 0, PAGE).unwrap();
    for (i, b) in probe::RET.iter().enumerate() {
        assert!(probe::write_byte(w + i, *b));
    }
    let e = map(r.h, rx, 0, x, 0, PAGE).unwrap();
    assert!(probe::executes(e));
    assert!(
        !probe::executes(w),
        "a mapping without PERM_EXECUTE does not run code"
    );
    close(vmar_no_exec);
    r.check();
}

/// Map / PERM_READ_IF_XOM_UNSUPPORTED: "Map *vmo* as readable if the system does not support
/// mapping execute-only pages." The host cannot, so it means PERM_READ.
#[test]
fn vmar_map_read_if_xom_unsupported_maps_readable() {
    let r = region(4);
    let x = exec_vmo(PAGE_U64);
    let a = map(
        r.h,
        ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED | ZX_VM_PERM_EXECUTE,
        0,
        x,
        0,
        PAGE,
    )
    .unwrap();
    assert_eq!(probe::access(a), "r--");
    assert_eq!(
        mapping_entries(r.h)[0].2,
        ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE
    );
    r.check();
}

/// Map / MAP_RANGE: "Immediately page into the new mapping all backed regions of the VMO";
/// zircon-abi.md §3.1 step 28: never commits. Errors: "ZX_VM_SPECIFIC_OVERWRITE and
/// ZX_VM_MAP_RANGE are both specified" is INVALID_ARGS.
#[test]
fn vmar_map_map_range_pages_in_backed_pages_only() {
    let r = region(16);
    let v = vmo(8 * PAGE_U64);
    assert_eq!(
        zx_vmo_write(v, [1u8].as_ptr().cast(), 2 * PAGE_U64, 1),
        ZX_OK
    );
    let before = vmo_info(v).committed_bytes;
    let a = map(r.h, ZX_VM_PERM_READ | ZX_VM_MAP_RANGE, 0, v, 0, 8 * PAGE).unwrap();
    assert_eq!(
        vmo_info(v).committed_bytes,
        before,
        "MAP_RANGE committed pages"
    );
    // SAFETY: reading the mapped, backed page.
    let byte = unsafe { std::ptr::read_volatile((a + 2 * PAGE) as *const u8) };
    assert_eq!(byte, 1);
    let o = RW | ZX_VM_MAP_RANGE | ZX_VM_SPECIFIC_OVERWRITE;
    assert_eq!(map(r.h, o, 0, v, 0, PAGE), Err(ZX_ERR_INVALID_ARGS));
    r.check();
}

/// Map / ALLOW_FAULTS: "Required if ... *vmo* is resizable" and Errors: "ZX_ERR_NOT_SUPPORTED
/// If the vmo is resizable ... but ZX_VM_ALLOW_FAULTS is not set" (spec/README.md).
#[test]
fn vmar_map_resizable_vmo_needs_allow_faults() {
    let r = region(8);
    let v = vmo_with(2 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(map(r.h, RW, 0, v, 0, 2 * PAGE), Err(ZX_ERR_NOT_SUPPORTED));
    let a = map(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, v, 0, 2 * PAGE).unwrap();
    poke(a, 9);
    assert_eq!(peek(a), 9);
    r.check();
}

/// Map / ALLOW_FAULTS: "Required if ... *vmo* is discardable" (NOT_SUPPORTED without).
#[test]
fn vmar_map_discardable_vmo_needs_allow_faults() {
    let r = region(8);
    let v = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(map(r.h, RW, 0, v, 0, PAGE), Err(ZX_ERR_NOT_SUPPORTED));
    assert!(map(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, v, 0, PAGE).is_ok());
    r.check();
}

/// Map / Errors: "ZX_ERR_BUFFER_TOO_SMALL The VMO is not resizable and the mapping extends
/// past the end of the VMO but ZX_VM_ALLOW_FAULTS is not set" (spec/README.md). With
/// ALLOW_FAULTS the mapping works and access past the end faults.
#[test]
fn vmar_map_past_end_of_vmo_needs_allow_faults() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map(r.h, RW, 0, v, 0, 2 * PAGE),
        Err(ZX_ERR_BUFFER_TOO_SMALL)
    );
    assert_eq!(
        map(r.h, RW, 0, v, PAGE_U64, PAGE),
        Err(ZX_ERR_BUFFER_TOO_SMALL)
    );
    let a = map(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, v, 0, 2 * PAGE).unwrap();
    poke(a, 1);
    assert!(!probe::readable(a + PAGE));
    assert_eq!(probe::child_read(a + PAGE), ChildOutcome::BUS);
    r.check();
}

/// Map / REQUIRE_NON_RESIZABLE: "Fail if *vmo* is resizable" (NOT_SUPPORTED), also with
/// ALLOW_FAULTS; a non-resizable VMO maps.
#[test]
fn vmar_map_require_non_resizable_refuses_resizable_vmo() {
    let r = region(8);
    let v = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    let o = RW | ZX_VM_REQUIRE_NON_RESIZABLE | ZX_VM_ALLOW_FAULTS;
    assert_eq!(map(r.h, o, 0, v, 0, PAGE), Err(ZX_ERR_NOT_SUPPORTED));
    let fixed = vmo(PAGE_U64);
    assert!(map(r.h, RW | ZX_VM_REQUIRE_NON_RESIZABLE, 0, fixed, 0, PAGE).is_ok());
    r.check();
}

/// Map: "*vmar_offset* must be 0 if *options* does not have ZX_VM_SPECIFIC ..." and Errors
/// "*vmar_offset* is non-zero when none of ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE or
/// ZX_VM_OFFSET_IS_UPPER_LIMIT is specified."
#[test]
fn vmar_map_nonzero_offset_without_specific_is_invalid_args() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    assert_eq!(map(r.h, RW, PAGE, v, 0, PAGE), Err(ZX_ERR_INVALID_ARGS));
    r.check();
}

/// Map / Errors: "*vmar_offset* or *vmo_offset* is not page-aligned"; "*len* is 0 or not
/// page-aligned" (no rounding, spec/README.md).
#[test]
fn vmar_map_unaligned_offsets_or_len_are_invalid_args() {
    let r = region(8);
    let v = vmo(4 * PAGE_U64);
    let s = RW | ZX_VM_SPECIFIC;
    assert_eq!(map(r.h, s, 100, v, 0, PAGE), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(map(r.h, s, 0, v, 100, PAGE), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(map(r.h, s, 0, v, 0, 0), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(map(r.h, s, 0, v, 0, PAGE + 1), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(map(r.h, RW, 0, v, 0, 100), Err(ZX_ERR_INVALID_ARGS));
    assert!(mapping_entries(r.h).is_empty());
    r.check();
}

/// Map / Errors: "ZX_ERR_OUT_OF_RANGE vmo_offset + ROUNDUP(len, PAGE_SIZE) overflows."
#[test]
fn vmar_map_vmo_offset_overflow_is_out_of_range() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    let off = u64::MAX - (PAGE_U64 - 1);
    assert_eq!(
        map(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, v, off, 2 * PAGE),
        Err(ZX_ERR_OUT_OF_RANGE)
    );
    assert_eq!(map(r.h, RW, 0, v, 0, usize::MAX), Err(ZX_ERR_OUT_OF_RANGE));
    r.check();
}

/// Map / Errors: "ZX_ERR_INVALID_ARGS ... *options* is not valid": stray bits, a bad
/// alignment byte, CAN_MAP_* or allocate-only flags.
#[test]
fn vmar_map_invalid_options_are_invalid_args() {
    let r = region(8);
    let v = vmo(PAGE_U64);
    for o in [
        RW | 1 << 16,
        RW | 1 << 23,
        RW | 9 << 24,
        RW | 33 << 24,
        RW | ZX_VM_CAN_MAP_READ,
        RW | ZX_VM_COMPACT,
        RW | ZX_VM_CAN_MAP_SPECIFIC,
    ] {
        assert_eq!(
            map(r.h, o, 0, v, 0, PAGE),
            Err(ZX_ERR_INVALID_ARGS),
            "options {o:#x}"
        );
    }
    r.check();
}

/// Map: "Using ZX_VM_ALIGN flags with ZX_VM_SPECIFIC will fail if the vmar base address +
/// *vmo_offset* are not aligned to the requested value"; non-specific mappings are aligned.
#[test]
fn vmar_map_alignment_flags_align_or_fail_specific() {
    let r = allocate(root(), SUB | ZX_VM_ALIGN_1MB, 0, 8 << 20);
    assert_eq!(r.base % (1 << 20), 0);
    let v = vmo(PAGE_U64);
    // SPECIFIC first: the random placements below must not take the offset it names.
    assert_eq!(
        map(
            r.h,
            RW | ZX_VM_SPECIFIC | ZX_VM_ALIGN_64KB,
            PAGE,
            v,
            0,
            PAGE
        ),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map(
            r.h,
            RW | ZX_VM_SPECIFIC | ZX_VM_ALIGN_64KB,
            1 << 20,
            v,
            0,
            PAGE
        ),
        Ok(r.at(1 << 20))
    );
    for _ in 0..4 {
        let a = map(r.h, RW | ZX_VM_ALIGN_64KB, 0, v, 0, PAGE).unwrap();
        assert_eq!(a % (64 << 10), 0);
    }
    r.check();
}

/// Map / Errors: "ZX_ERR_NO_RESOURCES If a spot could not be found in the VMAR to create the
/// mapping."
#[test]
fn vmar_map_no_room_is_no_resources() {
    let r = region(4);
    let v = vmo(4 * PAGE_U64);
    map(r.h, RW, 0, v, 0, 3 * PAGE).unwrap();
    assert_eq!(map(r.h, RW, 0, v, 0, 2 * PAGE), Err(ZX_ERR_NO_RESOURCES));
    assert_eq!(
        map(r.h, RW | ZX_VM_ALIGN_1GB, 0, v, 0, PAGE),
        Err(ZX_ERR_NO_RESOURCES)
    );
    r.check();
}

/// Map / Errors: "ZX_ERR_BAD_HANDLE *handle* or *vmo* is not a valid handle";
/// "ZX_ERR_WRONG_TYPE *handle* or *vmo* is not a VMAR or VMO handle, respectively."
#[test]
fn vmar_map_bad_or_wrong_handles() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    assert_eq!(map(FORGED, RW, 0, v, 0, PAGE), Err(ZX_ERR_BAD_HANDLE));
    assert_eq!(
        map(ZX_HANDLE_INVALID, RW, 0, v, 0, PAGE),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(map(r.h, RW, 0, FORGED, 0, PAGE), Err(ZX_ERR_BAD_HANDLE));
    assert_eq!(map(v, RW, 0, v, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(map(r.h, RW, 0, r.h, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    // The VMAR handle is checked first.
    assert_eq!(map(v, RW, 0, FORGED, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    r.check();
}

/// zircon-abi.md §3.1 step 4: "VMO handle lacks MAP → ACCESS_DENIED (even with options = 0)".
#[test]
fn vmar_map_vmo_without_map_right_is_access_denied() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    let no_map = with_rights(v, rights_of(v) & !ZX_RIGHT_MAP);
    assert_eq!(map(r.h, 0, 0, no_map, 0, PAGE), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(
        map(r.h, ZX_VM_PERM_WRITE, 0, no_map, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    r.check();
}

/// Map / Errors: "ZX_ERR_BAD_STATE *handle* refers to a destroyed VMAR"; a len-0 map on a
/// destroyed VMAR is BAD_STATE too (zircon-abi.md §3.1 step 18 before 19).
#[test]
fn vmar_map_on_destroyed_vmar_is_bad_state() {
    let r = destroyed_vmar(4);
    let v = vmo(PAGE_U64);
    assert_eq!(map(r.h, RW, 0, v, 0, PAGE), Err(ZX_ERR_BAD_STATE));
    assert_eq!(map(r.h, RW, 0, v, 0, 0), Err(ZX_ERR_BAD_STATE));
    // Earlier checks still win.
    assert_eq!(map(r.h, RW, 0, v, 1, PAGE), Err(ZX_ERR_INVALID_ARGS));
}

/// Map / Errors: "ZX_ERR_INVALID_ARGS ... *mapped_addr* ... is not valid": nothing stays
/// mapped (zircon-abi.md §3.1 step 29).
#[test]
fn vmar_map_bad_mapped_addr_is_invalid_args_and_maps_nothing() {
    let r = region(4);
    let v = vmo(PAGE_U64);
    let s = zx_vmar_map(
        r.h,
        RW | ZX_VM_SPECIFIC,
        PAGE,
        v,
        0,
        PAGE,
        std::ptr::null_mut(),
    );
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    assert!(mapping_entries(r.h).is_empty());
    assert!(!probe::readable(r.at(PAGE)));
    assert_eq!(vmo_info(v).num_mappings, 0);
    // The range is free again.
    assert_eq!(
        map(r.h, RW | ZX_VM_SPECIFIC, PAGE, v, 0, PAGE),
        Ok(r.at(PAGE))
    );
    r.check();
}

/// zircon-abi.md §3.7: two back-to-back maps of consecutive VMO ranges merge into one
/// mapping (one maps entry, one `num_mappings`).
#[test]
fn vmar_map_adjacent_contiguous_mappings_merge() {
    let r = region(8);
    let v = vmo(5 * PAGE_U64);
    map_at(&r, 0, v, 0, 2 * PAGE);
    map_at(&r, 2 * PAGE, v, 2 * PAGE_U64, 3 * PAGE);
    assert_eq!(mapping_entries(r.h), vec![(r.base, 5 * PAGE, RW, 0)]);
    assert_eq!(vmo_info(v).num_mappings, 1);
    // Non-contiguous offsets do not merge.
    map_at(&r, 5 * PAGE, v, 0, PAGE);
    assert_eq!(vmo_info(v).num_mappings, 2);
    r.check();
}

/// Map / Notes: "The VMO that backs a memory mapping can be resized to a smaller size. This
/// can cause the thread ... reading or writing to the VMAR region to fault."
#[test]
fn vmar_map_resized_smaller_vmo_faults_beyond_new_end() {
    let r = region(4);
    let v = vmo_with(2 * PAGE_U64, ZX_VMO_RESIZABLE);
    let a = map(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, v, 0, 2 * PAGE).unwrap();
    poke(a + PAGE, 3);
    assert_eq!(zx_vmo_set_size(v, PAGE_U64), ZX_OK);
    assert!(probe::readable(a));
    assert_eq!(probe::child_read(a + PAGE), ChildOutcome::BUS);
    r.check();
}

/// Root VMAR: map and unmap work directly on `zx_vmar_root_self()`.
#[test]
fn vmar_map_into_root_vmar_works() {
    let v = vmo(PAGE_U64);
    let a = map(root(), RW, 0, v, 0, PAGE).unwrap();
    poke(a, 1);
    assert_eq!(vmo_info(v).num_mappings, 1);
    assert_eq!(unmap(root(), a, PAGE), ZX_OK);
    assert!(!probe::readable(a));
    assert_eq!(vmo_info(v).num_mappings, 0);
}
