//! Conformance tests for `zx_vmar_map_iob`: one test per sentence of vmar.fidl (MapIob, and
//! Map where MapIob says "equivalent"), with spec/README.md's decisions (8 parameters,
//! sub-ranges mapped) and zircon-abi.md §2.1 (effective rights) and §3.1 (check order).
//!
//! Tests run in parallel, each in a sub-VMAR of its own, and end with the model/kernel
//! consistency check over it.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::host::host_allocated_bytes;
use zx_suite::info::*;
use zx_suite::iob::*;
use zx_suite::pointers::misaligned;
use zx_suite::probe::{self, peek, poke, ChildOutcome};
use zx_suite::vmar::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const READ: zx_vm_option_t = ZX_VM_PERM_READ;

/// MapIob / Return value: "returns ZX_OK and the absolute base address of the mapping ...
/// The base address will be page-aligned and non-zero"; the memory reads (zero-filled)
/// and writes.
#[test]
fn vmar_map_iob_returns_page_aligned_nonzero_address_of_working_memory() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let a = map_iob(r.h, RW, 0, ep0, 0, 0, 2 * PAGE).unwrap();
    assert!(a >= r.base && a + 2 * PAGE <= r.end());
    assert_eq!(peek(a + PAGE), 0);
    poke(a + PAGE, 0x1122_3344);
    assert_eq!(peek(a + PAGE), 0x1122_3344);
    assert_eq!(probe::access(a), "rw-");
    assert_eq!(probe::access(a + PAGE), "rw-");
    r.check();
    close(ep0);
    close(ep1);
}

/// The data path (issue; zircon-abi.md §2.5 "the region koid is stable across endpoints"):
/// bytes written through endpoint 0's mapping are read through endpoint 1's mapping of the
/// same region, and the reverse, with no call in between: the two mappings share pages.
#[test]
fn vmar_map_iob_endpoints_share_the_region_both_ways() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let a0 = map_iob_at(r.h, 0, ep0, 0, 2 * PAGE);
    let a1 = map_iob_at(r.h, 4 * PAGE, ep1, 0, 2 * PAGE);
    poke(a0 + 8, 0xE0E0_E0E0);
    assert_eq!(peek(a1 + 8), 0xE0E0_E0E0);
    poke(a1 + PAGE + 16, 0x1E1E_1E1E);
    assert_eq!(peek(a0 + PAGE + 16), 0x1E1E_1E1E);
    // A large block too, byte for byte.
    let text = b"passed through an IOBuffer region";
    // SAFETY: both ranges lie inside the read/write mappings made above.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), (a0 + 100) as *mut u8, text.len());
        assert_eq!(
            std::slice::from_raw_parts((a1 + 100) as *const u8, text.len()),
            text
        );
    }
    // Same memory object behind both mappings.
    let entries = maps(r.h).unwrap();
    let koids: Vec<u64> = entries
        .iter()
        .filter(|m| m.type_ == ZX_INFO_MAPS_TYPE_MAPPING)
        // SAFETY: MAPPING entries hold the mapping variant of the union.
        .map(|m| unsafe { m.u.mapping.vmo_koid })
        .collect();
    assert_eq!(koids.len(), 2);
    assert_eq!(koids[0], koids[1]);
    assert_eq!(koids[0], region_infos(ep0)[0].koid);
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Description: "Mapping a region retains a reference to the mapped region, which
/// means closing the endpoint that mapped the region does not remove the mapping": the
/// region lives on after both endpoint handles are closed, shared by both mappings.
#[test]
fn vmar_map_iob_mapping_keeps_the_region_alive_after_both_endpoints_close() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    let a0 = map_iob_at(r.h, 0, ep0, 0, PAGE);
    let a1 = map_iob_at(r.h, 2 * PAGE, ep1, 0, PAGE);
    poke(a0, 41);
    close(ep0);
    close(ep1);
    assert_eq!(peek(a1), 41);
    poke(a1, 42);
    assert_eq!(peek(a0), 42);
    assert_eq!(probe::access(a0), "rw-");
    // Unmapping one leaves the other working.
    assert_eq!(unmap(r.h, a0, PAGE), ZX_OK);
    poke(a1, 43);
    assert_eq!(peek(a1), 43);
    r.check();
}

/// spec/README.md: "`region_offset` and `region_length` are honoured": a sub-range of the
/// region is mapped, at the given offset.
#[test]
fn vmar_map_iob_maps_a_sub_range_at_region_offset() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(4);
    let whole = map_iob_at(r.h, 0, ep0, 0, 4 * PAGE);
    poke(whole + 2 * PAGE, 0x2222);
    poke(whole + 3 * PAGE, 0x3333);
    let part = map_iob(
        r.h,
        RW | ZX_VM_SPECIFIC,
        5 * PAGE,
        ep1,
        0,
        2 * PAGE_U64,
        PAGE,
    )
    .unwrap();
    assert_eq!(part, r.at(5 * PAGE));
    assert_eq!(peek(part), 0x2222);
    poke(part, 0x2223);
    assert_eq!(peek(whole + 2 * PAGE), 0x2223);
    assert_eq!(
        mapping_entries(r.h)[1],
        (r.at(5 * PAGE), PAGE, RW, 2 * PAGE_U64)
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// zircon-abi.md §2.1: "EPx_CAN_MAP_READ gives READ|MAP": an endpoint that may only read
/// maps the region readable; PERM_WRITE is ACCESS_DENIED (step 9) and a store faults.
#[test]
fn vmar_map_iob_read_only_endpoint_maps_read_only() {
    let r = region(8);
    let (ep0, ep1) = create(&[plain(EP0_RW | EP1_R, PAGE_U64)]);
    assert_eq!(
        map_iob(r.h, RW, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let w = map_iob_at(r.h, 0, ep0, 0, PAGE);
    let ro = map_iob(r.h, READ, 0, ep1, 0, 0, PAGE).unwrap();
    poke(w, 5);
    assert_eq!(peek(ro), 5);
    assert_eq!(probe::access(ro), "r--");
    assert_eq!(probe::child_write(ro), ChildOutcome::SEGV);
    assert_eq!(peek(w), 5, "the faulting store changed nothing");
    r.check();
    close(ep0);
    close(ep1);
}

/// zircon-abi.md §3.1 step 4 with §2.1: an endpoint with no map access to the region has
/// no MAP in its effective rights: ACCESS_DENIED even with options 0.
#[test]
fn vmar_map_iob_endpoint_without_map_access_is_access_denied() {
    let r = region(4);
    let (ep0, ep1) = create(&[plain(EP0_RW, PAGE_U64)]);
    assert_eq!(
        map_iob(r.h, 0, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    // Step 4 comes before the protection check (step 6).
    assert_eq!(
        map_iob(r.h, ZX_VM_PERM_WRITE, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert!(mapping_entries(r.h).is_empty());
    assert!(map_iob(r.h, RW, 0, ep0, 0, 0, PAGE).is_ok());
    r.check();
    close(ep0);
    close(ep1);
}

/// zircon-abi.md §2.1: the effective rights are ANDed with "(endpoint handle rights |
/// MAP)": a handle without WRITE cannot map writable, one without READ cannot map
/// readable, and one without MAP still maps.
#[test]
fn vmar_map_iob_endpoint_handle_rights_limit_the_mapping() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    let no_write = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_WRITE);
    let no_read = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_READ);
    let no_map = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_MAP);
    let bare = with_rights(ep0, ZX_RIGHT_NONE);
    assert_eq!(
        map_iob(r.h, RW, 0, no_write, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert_eq!(
        map_iob(r.h, READ, 0, no_read, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let ro = map_iob(r.h, READ, 0, no_write, 0, 0, PAGE).unwrap();
    assert_eq!(probe::access(ro), "r--");
    let rw = map_iob(r.h, RW, 0, no_map, 0, 0, PAGE).unwrap();
    assert_eq!(probe::access(rw), "rw-");
    // No rights at all: MAP is still granted, so a mapping without access works.
    let none = map_iob(r.h, 0, 0, bare, 0, 0, PAGE).unwrap();
    assert_eq!(probe::access(none), "---");
    // The mapping made through the read-only handle cannot be raised later.
    assert_eq!(protect(r.h, RW, ro, PAGE), ZX_ERR_ACCESS_DENIED);
    r.check();
    for h in [no_write, no_read, no_map, bare, ep0, ep1] {
        close(h);
    }
}

/// zircon-abi.md §2.1: region access never grants EXECUTE: PERM_EXECUTE is ACCESS_DENIED;
/// READ_IF_XOM_UNSUPPORTED maps readable (no execute-only on the host).
#[test]
fn vmar_map_iob_execute_is_access_denied() {
    let r = region(4);
    let (ep0, ep1) = iob_rw(1);
    let rx = ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE;
    assert_eq!(
        map_iob(r.h, rx, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let a = map_iob(r.h, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, 0, ep0, 0, 0, PAGE).unwrap();
    assert_eq!(probe::access(a), "r--");
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_BAD_HANDLE *handle* or *iob_ep* is not a valid handle";
/// "ZX_ERR_WRONG_TYPE *handle* or *iob_ep* is not a VMAR or IOB handle, respectively"; the
/// VMAR handle is looked up first.
#[test]
fn vmar_map_iob_bad_or_wrong_handles() {
    let r = region(4);
    let (ep0, ep1) = iob_rw(1);
    let v = vmo(PAGE_U64);
    assert_eq!(
        map_iob(FORGED, RW, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(
        map_iob(ZX_HANDLE_INVALID, RW, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, FORGED, 0, 0, PAGE),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ZX_HANDLE_INVALID, 0, 0, PAGE),
        Err(ZX_ERR_BAD_HANDLE)
    );
    assert_eq!(map_iob(ep0, RW, 0, ep0, 0, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(map_iob(r.h, RW, 0, v, 0, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(map_iob(r.h, RW, 0, r.h, 0, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    assert_eq!(
        map_iob(v, RW, 0, FORGED, 0, 0, PAGE),
        Err(ZX_ERR_WRONG_TYPE)
    );
    // zx_vmar_map does not take an endpoint for a VMO.
    assert_eq!(map(r.h, RW, 0, ep0, 0, PAGE), Err(ZX_ERR_WRONG_TYPE));
    assert!(mapping_entries(r.h).is_empty());
    r.check();
    close(v);
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_OUT_OF_RANGE ... *region_index* is not valid for the provided
/// IOB"; zircon-abi.md §2.1: "checked after both handle lookups", so it beats every option
/// and rights error of the map itself.
#[test]
fn vmar_map_iob_bad_region_index_is_out_of_range_after_both_lookups() {
    let r = region(4);
    let (ep0, ep1) = create(&[plain(BOTH_RW, PAGE_U64), plain(EP0_RW, PAGE_U64)]);
    for index in [2, 3, 64, u32::MAX] {
        assert_eq!(
            map_iob(r.h, RW, 0, ep0, index, 0, PAGE),
            Err(ZX_ERR_OUT_OF_RANGE)
        );
        // Beats invalid options, rights and alignment.
        assert_eq!(
            map_iob(r.h, RW | ZX_VM_CAN_MAP_READ | 1 << 16, 1, ep1, index, 1, 0),
            Err(ZX_ERR_OUT_OF_RANGE)
        );
        // Loses to the handle lookups.
        assert_eq!(
            map_iob(FORGED, RW, 0, ep0, index, 0, PAGE),
            Err(ZX_ERR_BAD_HANDLE)
        );
        assert_eq!(
            map_iob(r.h, RW, 0, FORGED, index, 0, PAGE),
            Err(ZX_ERR_BAD_HANDLE)
        );
    }
    // Index 1 exists; endpoint 1 cannot map it (step 4 after the index check).
    assert_eq!(
        map_iob(r.h, RW, 0, ep1, 1, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert!(map_iob(r.h, RW, 0, ep0, 1, 0, PAGE).is_ok());
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_BAD_STATE *handle* refers to a destroyed VMAR" (a len-0 map
/// too, zircon-abi.md §3.1 step 18 before 19); earlier checks still win.
#[test]
fn vmar_map_iob_on_destroyed_vmar_is_bad_state() {
    let r = destroyed_vmar(4);
    let (ep0, ep1) = iob_rw(1);
    assert_eq!(map_iob(r.h, RW, 0, ep0, 0, 0, PAGE), Err(ZX_ERR_BAD_STATE));
    assert_eq!(map_iob(r.h, RW, 0, ep0, 0, 0, 0), Err(ZX_ERR_BAD_STATE));
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, 1, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 1, 0, PAGE),
        Err(ZX_ERR_OUT_OF_RANGE)
    );
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_INVALID_ARGS ... *options* is not valid": stray bits, a bad
/// alignment byte, CAN_MAP_* or allocate-only flags, PERM_WRITE without PERM_READ.
#[test]
fn vmar_map_iob_invalid_options_are_invalid_args() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    for o in [
        RW | 1 << 16,
        RW | 1 << 23,
        RW | 9 << 24,
        RW | 33 << 24,
        RW | ZX_VM_CAN_MAP_READ,
        RW | ZX_VM_COMPACT,
        RW | ZX_VM_CAN_MAP_SPECIFIC,
        ZX_VM_PERM_WRITE,
    ] {
        assert_eq!(
            map_iob(r.h, o, 0, ep0, 0, 0, PAGE),
            Err(ZX_ERR_INVALID_ARGS),
            "options {o:#x}"
        );
    }
    assert!(mapping_entries(r.h).is_empty());
    r.check();
    close(ep0);
    close(ep1);
}

/// zircon-abi.md §3.1 step 10: "FAULT_BEYOND_STREAM_SIZE on an object that has no user
/// stream size (IOB regions ...) → INVALID_ARGS", with or without ALLOW_FAULTS, after the
/// rights checks of step 9.
#[test]
fn vmar_map_iob_fault_beyond_stream_size_is_invalid_args() {
    let r = region(4);
    let (ep0, ep1) = create(&[plain(EP0_RW | EP1_R, PAGE_U64)]);
    let fbss = ZX_VM_FAULT_BEYOND_STREAM_SIZE;
    assert_eq!(
        map_iob(r.h, RW | fbss, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, RW | fbss | ZX_VM_ALLOW_FAULTS, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, RW | fbss | ZX_VM_ALLOW_FAULTS, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    assert!(mapping_entries(r.h).is_empty());
    r.check();
    close(ep0);
    close(ep1);
}

/// Map (MapIob: "*vmar_offset* is equivalent"): "*vmar_offset* must be 0 if *options* does
/// not have ZX_VM_SPECIFIC ..."; Errors: "*vmar_offset* is non-zero when none of ... is
/// specified".
#[test]
fn vmar_map_iob_nonzero_offset_without_specific_is_invalid_args() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    assert_eq!(
        map_iob(r.h, RW, PAGE, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// Map / SPECIFIC: "Use the *vmar_offset* to place the mapping"; "It is an error to
/// specify a range that overlaps with another VMAR or mapping" (ALREADY_EXISTS).
#[test]
fn vmar_map_iob_specific_places_at_offset_and_refuses_overlap() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let s = RW | ZX_VM_SPECIFIC;
    assert_eq!(
        map_iob(r.h, s, 3 * PAGE, ep0, 0, 0, 2 * PAGE),
        Ok(r.at(3 * PAGE))
    );
    assert_eq!(
        map_iob(r.h, s, 4 * PAGE, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ALREADY_EXISTS)
    );
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 6 * PAGE, PAGE);
    assert_eq!(
        map_iob(r.h, s, 6 * PAGE, ep1, 0, 0, PAGE),
        Err(ZX_ERR_ALREADY_EXISTS)
    );
    drop(sub);
    r.check();
    close(ep0);
    close(ep1);
}

/// Map / SPECIFIC_OVERWRITE: "it will atomically ... replace existing mappings in the range
/// ... the portions of those mappings outside the range will remain mapped"; Errors:
/// "ZX_VM_SPECIFIC_OVERWRITE and ZX_VM_MAP_RANGE are both specified" (INVALID_ARGS).
#[test]
fn vmar_map_iob_specific_overwrite_replaces_mappings() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    let v = vmo(3 * PAGE_U64);
    let a = map_at(&r, 0, v, 0, 3 * PAGE);
    poke(a, 1);
    poke(a + PAGE, 2);
    poke(a + 2 * PAGE, 3);
    let o = RW | ZX_VM_SPECIFIC_OVERWRITE;
    assert_eq!(
        map_iob(r.h, o | ZX_VM_MAP_RANGE, PAGE, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(peek(a + PAGE), 2, "nothing changed");
    assert_eq!(map_iob(r.h, o, PAGE, ep0, 0, 0, PAGE), Ok(a + PAGE));
    assert_eq!(
        peek(a + PAGE),
        0,
        "the region, zero-filled, replaced the VMO page"
    );
    assert_eq!((peek(a), peek(a + 2 * PAGE)), (1, 3));
    poke(a + PAGE, 7);
    let b = map_iob_at(r.h, 5 * PAGE, ep1, 0, PAGE);
    assert_eq!(peek(b), 7);
    r.check();
    close(v);
    close(ep0);
    close(ep1);
}

/// Map / OFFSET_IS_UPPER_LIMIT: "The resulting mapping will have an offset + *len* that is
/// <= *vmar_offset*. This option cannot be specified if ZX_VM_SPECIFIC or
/// ZX_VM_SPECIFIC_OVERWRITE is used."
#[test]
fn vmar_map_iob_upper_limit_keeps_end_below_offset() {
    let r = region(16);
    let (ep0, ep1) = iob_rw(8);
    let o = RW | ZX_VM_OFFSET_IS_UPPER_LIMIT;
    for _ in 0..3 {
        let a = map_iob(r.h, o, 4 * PAGE, ep0, 0, 0, PAGE).unwrap();
        assert!(a >= r.base && a + PAGE <= r.at(4 * PAGE));
    }
    for specific in [ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE] {
        assert_eq!(
            map_iob(r.h, o | specific, 4 * PAGE, ep0, 0, 0, PAGE),
            Err(ZX_ERR_INVALID_ARGS)
        );
    }
    assert_eq!(
        map_iob(r.h, o, 4 * PAGE, ep0, 0, 0, 5 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// Map / Errors: "*vmar_offset* and *len* describe an unsatisfiable allocation due to
/// exceeding the region bounds" (INVALID_ARGS); "ZX_ERR_NO_RESOURCES If a spot could not
/// be found in the VMAR to create the mapping."
#[test]
fn vmar_map_iob_beyond_bounds_is_invalid_args_and_no_room_is_no_resources() {
    let r = region(4);
    let (ep0, ep1) = iob_rw(8);
    let s = RW | ZX_VM_SPECIFIC;
    assert_eq!(
        map_iob(r.h, s, 3 * PAGE, ep0, 0, 0, 2 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, s, 4 * PAGE, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, 0, 5 * PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    map_iob(r.h, RW, 0, ep0, 0, 0, 3 * PAGE).unwrap();
    assert_eq!(
        map_iob(r.h, RW, 0, ep1, 0, 0, 2 * PAGE),
        Err(ZX_ERR_NO_RESOURCES)
    );
    assert_eq!(
        map_iob(r.h, RW | ZX_VM_ALIGN_1GB, 0, ep1, 0, 0, PAGE),
        Err(ZX_ERR_NO_RESOURCES)
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// Map: "Using ZX_VM_ALIGN flags with ZX_VM_SPECIFIC will fail if the vmar base address +
/// [offset] are not aligned"; non-specific mappings are aligned.
#[test]
fn vmar_map_iob_alignment_flags_align_or_fail_specific() {
    let r = allocate(root(), SUB | ZX_VM_ALIGN_1MB, 0, 4 << 20);
    let (ep0, ep1) = iob_rw(1);
    // SPECIFIC first: the random placements below must not take the offset it names.
    let s = RW | ZX_VM_SPECIFIC | ZX_VM_ALIGN_64KB;
    assert_eq!(
        map_iob(r.h, s, PAGE, ep1, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(map_iob(r.h, s, 1 << 20, ep1, 0, 0, PAGE), Ok(r.at(1 << 20)));
    for _ in 0..3 {
        let a = map_iob(r.h, RW | ZX_VM_ALIGN_64KB, 0, ep0, 0, 0, PAGE).unwrap();
        assert_eq!(a % (64 << 10), 0);
    }
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "*vmar_offset* or *region_offset* is not page-aligned"; "*region_len*
/// is 0 or not page-aligned" (and MapIob / Description: "It must by non-zero and
/// page-aligned").
#[test]
fn vmar_map_iob_unaligned_offsets_or_len_are_invalid_args() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(4);
    let s = RW | ZX_VM_SPECIFIC;
    assert_eq!(
        map_iob(r.h, s, 100, ep0, 0, 0, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, s, 0, ep0, 0, 100, PAGE),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(map_iob(r.h, s, 0, ep0, 0, 0, 0), Err(ZX_ERR_INVALID_ARGS));
    assert_eq!(
        map_iob(r.h, s, 0, ep0, 0, 0, PAGE + 1),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, 0, 100),
        Err(ZX_ERR_INVALID_ARGS)
    );
    assert!(mapping_entries(r.h).is_empty());
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_OUT_OF_RANGE ... `region_offset + ROUNDUP(len, PAGE_SIZE)`
/// overflows."
#[test]
fn vmar_map_iob_region_offset_overflow_is_out_of_range() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    let off = u64::MAX - (PAGE_U64 - 1);
    assert_eq!(
        map_iob(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, ep0, 0, off, 2 * PAGE),
        Err(ZX_ERR_OUT_OF_RANGE)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, 0, usize::MAX),
        Err(ZX_ERR_OUT_OF_RANGE)
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_BUFFER_TOO_SMALL The region is not resizable and the mapping
/// extends past the end of the region but ZX_VM_ALLOW_FAULTS is not set" (spec/README.md).
/// With ALLOW_FAULTS it maps, and access past the end faults.
#[test]
fn vmar_map_iob_past_end_of_region_needs_allow_faults() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(1);
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, 0, 2 * PAGE),
        Err(ZX_ERR_BUFFER_TOO_SMALL)
    );
    assert_eq!(
        map_iob(r.h, RW, 0, ep0, 0, PAGE_U64, PAGE),
        Err(ZX_ERR_BUFFER_TOO_SMALL)
    );
    let a = map_iob(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, ep0, 0, 0, 2 * PAGE).unwrap();
    poke(a, 1);
    assert!(!probe::readable(a + PAGE));
    assert_eq!(probe::child_read(a + PAGE), ChildOutcome::BUS);
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_NOT_SUPPORTED If the region is resizable, discardable ... but
/// ZX_VM_ALLOW_FAULTS is not set"; Map: REQUIRE_NON_RESIZABLE "Fail if [it] is resizable".
/// Region memory takes the VMO options (zircon-abi.md §2.5).
#[test]
fn vmar_map_iob_resizable_or_discardable_region_needs_allow_faults() {
    let r = region(8);
    let (ep0, ep1) = create(&[
        private_region(BOTH_RW, PAGE_U64, ZX_VMO_RESIZABLE, 0),
        private_region(BOTH_RW, PAGE_U64, ZX_VMO_DISCARDABLE, 0),
        plain(BOTH_RW, PAGE_U64),
    ]);
    for index in [0, 1] {
        assert_eq!(
            map_iob(r.h, RW, 0, ep0, index, 0, PAGE),
            Err(ZX_ERR_NOT_SUPPORTED)
        );
        let a = map_iob(r.h, RW | ZX_VM_ALLOW_FAULTS, 0, ep1, index, 0, PAGE).unwrap();
        poke(a, 9);
        assert_eq!(peek(a), 9);
    }
    let nr = ZX_VM_REQUIRE_NON_RESIZABLE;
    assert_eq!(
        map_iob(r.h, RW | nr | ZX_VM_ALLOW_FAULTS, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_NOT_SUPPORTED)
    );
    assert!(map_iob(r.h, RW | nr, 0, ep0, 2, 0, PAGE).is_ok());
    r.check();
    close(ep0);
    close(ep1);
}

/// Map / PERM_WRITE: "It is an error if *handle* does not have ZX_VM_CAN_MAP_WRITE
/// permissions [or] the ZX_RIGHT_WRITE right" (ACCESS_DENIED), for regions as for VMOs.
#[test]
fn vmar_map_iob_vmar_without_write_is_access_denied() {
    let r = region(8);
    let ro = allocate(r.h, ZX_VM_CAN_MAP_READ, 0, 2 * PAGE);
    let (ep0, ep1) = iob_rw(1);
    assert_eq!(
        map_iob(ro.h, RW, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    let a = map_iob(ro.h, READ, 0, ep0, 0, 0, PAGE).unwrap();
    assert_eq!(probe::access(a), "r--");
    let no_write = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_WRITE);
    assert_eq!(
        map_iob(no_write, RW, 0, ep0, 0, 0, PAGE),
        Err(ZX_ERR_ACCESS_DENIED)
    );
    close(no_write);
    r.check();
    close(ep0);
    close(ep1);
}

/// Map / MAP_RANGE: "Immediately page into the new mapping all backed regions"; the
/// mapping works.
#[test]
fn vmar_map_iob_map_range_maps() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let a = map_iob_at(r.h, 0, ep0, 0, 2 * PAGE);
    poke(a, 11);
    let b = map_iob(r.h, RW | ZX_VM_MAP_RANGE, 0, ep1, 0, 0, 2 * PAGE).unwrap();
    assert_eq!(peek(b), 11);
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Errors: "ZX_ERR_INVALID_ARGS ... *mapped_addr* ... is not valid": nothing stays
/// mapped (zircon-abi.md §3.1 step 29), and the range is free again.
#[test]
fn vmar_map_iob_bad_mapped_addr_is_invalid_args_and_maps_nothing() {
    let r = region(4);
    let (ep0, ep1) = iob_rw(1);
    let s = zx_vmar_map_iob(
        r.h,
        RW | ZX_VM_SPECIFIC,
        PAGE,
        ep0,
        0,
        0,
        PAGE,
        std::ptr::null_mut(),
    );
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    let mut words = [0usize; 2];
    let misaligned = misaligned::<zx_vaddr_t>(&mut words);
    let s = zx_vmar_map_iob(r.h, RW, 0, ep0, 0, 0, PAGE, misaligned);
    assert_eq!(s, ZX_ERR_INVALID_ARGS);
    assert_eq!(words, [0, 0]);
    assert!(mapping_entries(r.h).is_empty());
    assert!(!probe::readable(r.at(PAGE)));
    r.check();
    assert_eq!(
        map_iob(r.h, RW | ZX_VM_SPECIFIC, PAGE, ep0, 0, 0, PAGE),
        Ok(r.at(PAGE))
    );
    r.check();
    close(ep0);
    close(ep1);
}

/// Bad input leaves the shim's model and the host in agreement and maps nothing (issue:
/// "Bad input ... nothing mapped"): a run of failing calls of every kind, then the check.
#[test]
fn vmar_map_iob_failures_leave_model_and_host_consistent() {
    let r = region(8);
    let (ep0, ep1) = create(&[plain(EP0_RW | EP1_R, 2 * PAGE_U64)]);
    let before = mapping_entries(r.h);
    let s = RW | ZX_VM_SPECIFIC;
    let failures = [
        map_iob(r.h, s, 0, ep1, 0, 0, PAGE),
        map_iob(r.h, s, 0, ep0, 5, 0, PAGE),
        map_iob(r.h, s, 0, ep0, 0, 0, 3 * PAGE),
        map_iob(r.h, s, 7 * PAGE, ep0, 0, 0, 2 * PAGE),
        map_iob(r.h, s | ZX_VM_FAULT_BEYOND_STREAM_SIZE, 0, ep0, 0, 0, PAGE),
        map_iob(r.h, s, 0, ep0, 0, PAGE_U64 + 1, PAGE),
        map_iob(r.h, s | ZX_VM_OFFSET_IS_UPPER_LIMIT, 0, ep0, 0, 0, PAGE),
    ];
    assert!(failures.iter().all(Result::is_err), "{failures:?}");
    assert_eq!(mapping_entries(r.h), before);
    assert!(!probe::readable(r.base));
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Notes: "Mapped regions generally support VMAR operations, such as
/// zx_vmar_protect"; Protect: permissions may go down and back up within what the mapping
/// allows (the endpoint's access, zircon-abi.md §3.2 ceilings), also after the endpoints
/// are closed.
#[test]
fn vmar_map_iob_protect_within_the_endpoints_access() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let a = map_iob_at(r.h, 0, ep0, 0, 2 * PAGE);
    let peer = map_iob_at(r.h, 4 * PAGE, ep1, 0, 2 * PAGE);
    poke(a, 1);
    assert_eq!(protect(r.h, READ, a, PAGE), ZX_OK);
    assert_eq!(probe::access(a), "r--");
    assert_eq!(probe::access(a + PAGE), "rw-");
    assert_eq!(probe::child_write(a), ChildOutcome::SEGV);
    // The peer's mapping of the same page is unaffected.
    poke(peer, 2);
    assert_eq!(peek(a), 2);
    assert_eq!(protect(r.h, 0, a, PAGE), ZX_OK);
    assert_eq!(probe::access(a), "---");
    assert_eq!(probe::child_read(a), ChildOutcome::SEGV);
    close(ep0);
    close(ep1);
    assert_eq!(protect(r.h, RW, a, 2 * PAGE), ZX_OK);
    assert_eq!(probe::access(a), "rw-");
    assert_eq!(peek(a), 2);
    r.check();
}

/// Protect / Errors: "ZX_ERR_ACCESS_DENIED ... the original VMO handle used to create the
/// mapping did not have the rights for the requested change": a read-only endpoint's
/// mapping cannot be made writable (nothing changes), nor executable.
#[test]
fn vmar_map_iob_protect_beyond_the_endpoints_access_is_access_denied() {
    let r = region(8);
    let (ep0, ep1) = create(&[plain(EP0_RW | EP1_R, PAGE_U64)]);
    let ro = map_iob(r.h, READ, 0, ep1, 0, 0, PAGE).unwrap();
    let rw = map_iob(r.h, RW, 0, ep0, 0, 0, PAGE).unwrap();
    assert_eq!(protect(r.h, RW, ro, PAGE), ZX_ERR_ACCESS_DENIED);
    assert_eq!(
        protect(r.h, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, rw, PAGE),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(probe::access(ro), "r--");
    assert_eq!(probe::child_write(ro), ChildOutcome::SEGV);
    close(ep1);
    assert_eq!(protect(r.h, RW, ro, PAGE), ZX_ERR_ACCESS_DENIED);
    r.check();
    close(ep0);
}

/// MapIob / Notes: zx_vmar_op_range on mapped regions. OpRange / COMMIT commits the pages
/// (the host allocates them); DECOMMIT frees them and they read back as zero through every
/// mapping of the region (zircon-abi.md §3.6), also the peer's (ZX_INFO_VMAR_MAPS
/// `committed_bytes` drops); ZERO zeroes; the hints succeed.
#[test]
fn vmar_map_iob_op_range_commit_and_decommit() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(2);
    let a = map_iob_at(r.h, 0, ep0, 0, 2 * PAGE);
    let peer = map_iob_at(r.h, 4 * PAGE, ep1, 0, 2 * PAGE);
    let committed = |addr: usize| {
        maps(r.h)
            .unwrap()
            .iter()
            .find(|m| m.type_ == ZX_INFO_MAPS_TYPE_MAPPING && m.base == addr)
            // SAFETY: MAPPING entries hold the mapping variant of the union.
            .map(|m| unsafe { m.u.mapping.committed_bytes })
            .unwrap()
    };
    assert_eq!(host_allocated_bytes(peer), 0);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_COMMIT, a, 2 * PAGE), ZX_OK);
    assert_eq!(host_allocated_bytes(peer), 2 * PAGE_U64);
    poke(a, 5);
    poke(a + PAGE, 6);
    assert_eq!(committed(peer), 2 * PAGE);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_DECOMMIT, a, PAGE), ZX_OK);
    assert_eq!(committed(peer), PAGE);
    assert_eq!(host_allocated_bytes(a), PAGE_U64);
    assert_eq!((peek(peer), peek(peer + PAGE)), (0, 6));
    for hint in [
        ZX_VMAR_OP_MAP_RANGE,
        ZX_VMAR_OP_DONT_NEED,
        ZX_VMAR_OP_ALWAYS_NEED,
    ] {
        assert_eq!(vmar_op(r.h, hint, a, 2 * PAGE), ZX_OK);
    }
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_ZERO, peer + PAGE, PAGE), ZX_OK);
    assert_eq!(peek(a + PAGE), 0);
    r.check();
    close(ep0);
    close(ep1);
}

/// OpRange: "ZX_VMAR_OP_COMMIT - Requires that *handle*, and the VMO handles used to create
/// any affected mappings, have the ZX_RIGHT_WRITE right" (likewise DECOMMIT): a read-only
/// endpoint's mapping refuses them (ACCESS_DENIED) and the data stays; hints still work.
#[test]
fn vmar_map_iob_op_range_beyond_the_endpoints_access_is_access_denied() {
    let r = region(8);
    let (ep0, ep1) = create(&[plain(EP0_RW | EP1_R, PAGE_U64)]);
    let w = map_iob_at(r.h, 0, ep0, 0, PAGE);
    poke(w, 77);
    let ro = map_iob(r.h, READ, 0, ep1, 0, 0, PAGE).unwrap();
    for o in [ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT, ZX_VMAR_OP_ZERO] {
        assert_eq!(vmar_op(r.h, o, ro, PAGE), ZX_ERR_ACCESS_DENIED, "op {o}");
    }
    assert_eq!(peek(ro), 77);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_DONT_NEED, ro, PAGE), ZX_OK);
    assert_eq!(vmar_op(r.h, ZX_VMAR_OP_MAP_RANGE, ro, PAGE), ZX_OK);
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Notes with Unmap: unmapping part of an IOB mapping removes those pages (they
/// fault) and keeps the rest, which still shares the region with the peer.
#[test]
fn vmar_map_iob_unmap_removes_pages() {
    let r = region(8);
    let (ep0, ep1) = iob_rw(3);
    let a = map_iob_at(r.h, 0, ep0, 0, 3 * PAGE);
    let peer = map_iob_at(r.h, 4 * PAGE, ep1, 0, 3 * PAGE);
    assert_eq!(unmap(r.h, a + PAGE, PAGE), ZX_OK);
    assert_eq!(probe::child_read(a + PAGE), ChildOutcome::SEGV);
    poke(a + 2 * PAGE, 8);
    assert_eq!(peek(peer + 2 * PAGE), 8);
    assert_eq!(
        mapping_entries(r.h)[..2],
        [(a, PAGE, RW, 0), (a + 2 * PAGE, PAGE, RW, 2 * PAGE_U64)]
    );
    assert_eq!(unmap(r.h, a, 3 * PAGE), ZX_OK);
    assert!(!probe::readable(a) && !probe::readable(a + 2 * PAGE));
    r.check();
    close(ep0);
    close(ep1);
}

/// MapIob / Notes: zx_vmar_destroy of the VMAR holding an IOB mapping unmaps it; the region
/// survives in the peer's mapping elsewhere.
#[test]
fn vmar_map_iob_destroy_unmaps_and_the_region_survives() {
    let r = region(8);
    let inner = allocate(r.h, SUB, 0, 4 * PAGE);
    let (ep0, ep1) = iob_rw(1);
    let a = map_iob_at(inner.h, 0, ep0, 0, PAGE);
    let peer = map_iob(r.h, RW, 0, ep1, 0, 0, PAGE).unwrap();
    poke(a, 99);
    close(ep0);
    close(ep1);
    assert_eq!(zx_vmar_destroy(inner.h), ZX_OK);
    assert_eq!(probe::child_read(a), ChildOutcome::SEGV);
    assert_eq!(peek(peer), 99);
    r.check();
}
