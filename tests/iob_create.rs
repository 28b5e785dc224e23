//! Conformance tests for `zx_iob_create`. Reference: zircon-abi.md §1.3 (rights of IOB
//! endpoints), §1.11 (values and layouts), §2.5 (the call's checks, in order).
//!
//! The leak checks count the handles and file descriptors of the whole process, so the
//! tests of this file run one at a time.
use zircon::handle::HANDLES;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::host::open_fds;
use zx_suite::info::*;
use zx_suite::iob::*;
use zx_suite::pointers::misaligned;
use zx_suite::probe::{peek, poke};
use zx_suite::threads::serial;
use zx_suite::vmar::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// Asserts that `zx_iob_create(options, regions[..count])` fails with `expected`, writes
/// neither out-parameter, and creates no handle and no memfd.
fn assert_create_fails(
    options: u64,
    regions: *const zx_iob_region_t,
    count: usize,
    expected: zx_status_t,
) {
    let (handles, fds) = (HANDLES.len(), open_fds());
    let (mut ep0, mut ep1) = (0x1234_5677, 0x1234_5677);
    let s = zx_iob_create(options, regions.cast(), count, &mut ep0, &mut ep1);
    assert_eq!(s, expected, "options {options:#x}, {count} regions");
    assert_eq!(
        (ep0, ep1),
        (0x1234_5677, 0x1234_5677),
        "out written on failure"
    );
    assert_eq!(
        (HANDLES.len(), open_fds()),
        (handles, fds),
        "something was created"
    );
}

fn assert_regions_fail(regions: &[zx_iob_region_t], expected: zx_status_t) {
    assert_create_fails(0, regions.as_ptr(), regions.len(), expected);
}

/// §2.5: "Both endpoints get 0xF0EF and are peers"; §1.8: `related_koid` is "the peer koid
/// for IOB endpoints". The call adds exactly two handles, both IOB endpoints (§2.5: "no VMO
/// handle is ever exposed").
#[test]
fn iob_create_returns_two_peer_endpoints_with_default_iob_rights() {
    let _g = serial();
    let handles = HANDLES.len();
    let (ep0, ep1) = create(&[plain(BOTH_RW, PAGE_U64)]);
    assert_eq!(HANDLES.len(), handles + 2);
    let (b0, b1) = (basic_info(ep0), basic_info(ep1));
    for b in [b0, b1] {
        assert_eq!(b.type_, ZX_OBJ_TYPE_IOB);
        assert_eq!(b.rights, ZX_DEFAULT_IOB_RIGHTS);
        assert_eq!(b.rights, 0xF0EF);
    }
    assert_ne!(b0.koid, b1.koid);
    assert_eq!(b0.related_koid, b1.koid);
    assert_eq!(b1.related_koid, b0.koid);
    close(ep0);
    close(ep1);
    assert_eq!(HANDLES.len(), handles);
}

/// §2.5: "`options != 0` → `INVALID_ARGS` (first, before policy)": it beats the region
/// count checks.
#[test]
fn iob_create_nonzero_options_is_invalid_args_first() {
    let _g = serial();
    let regions = [plain(BOTH_RW, PAGE_U64)];
    assert_create_fails(1, regions.as_ptr(), 1, ZX_ERR_INVALID_ARGS);
    assert_create_fails(1 << 63, regions.as_ptr(), 1, ZX_ERR_INVALID_ARGS);
    assert_create_fails(1, regions.as_ptr(), 65, ZX_ERR_INVALID_ARGS);
    assert_create_fails(1, std::ptr::null(), 0, ZX_ERR_INVALID_ARGS);
}

/// §1.11 `ZX_IOB_MAX_REGIONS 64`; §2.5: "`num_regions > 64` → `OUT_OF_RANGE`". 64 regions
/// work, each with memory of its own.
#[test]
fn iob_create_more_than_64_regions_is_out_of_range() {
    let _g = serial();
    let regions = vec![plain(BOTH_RW, PAGE_U64); 65];
    assert_regions_fail(&regions, ZX_ERR_OUT_OF_RANGE);
    assert_create_fails(0, std::ptr::null(), 65, ZX_ERR_OUT_OF_RANGE);
    assert_create_fails(0, regions.as_ptr(), usize::MAX, ZX_ERR_OUT_OF_RANGE);

    let (ep0, ep1) = create(&regions[..64]);
    assert_eq!(iob_info(ep0).unwrap().region_count, 64);
    let koids: std::collections::BTreeSet<u64> = region_infos(ep0).iter().map(|r| r.koid).collect();
    assert_eq!(koids.len(), 64, "each region is its own memory object");
    // Region 63 and region 0 do not share bytes.
    let r = region(4);
    let a0 = map_iob_at(r.h, 0, ep0, 0, PAGE);
    let a63 = map_iob_at(r.h, 2 * PAGE, ep1, 63, PAGE);
    poke(a63, 0x6363);
    assert_eq!(peek(a0), 0);
    assert_eq!(peek(a63), 0x6363);
    close(ep0);
    close(ep1);
}

/// §2.5: "`num_regions == 0` → `INVALID_ARGS`" (after the count limit).
#[test]
fn iob_create_zero_regions_is_invalid_args() {
    let _g = serial();
    let regions = [plain(BOTH_RW, PAGE_U64)];
    assert_create_fails(0, regions.as_ptr(), 0, ZX_ERR_INVALID_ARGS);
    assert_create_fails(0, std::ptr::null(), 0, ZX_ERR_INVALID_ARGS);
}

/// §2 conventions: a bad user pointer is `INVALID_ARGS`: a NULL `regions` array.
#[test]
fn iob_create_null_regions_is_invalid_args() {
    let _g = serial();
    assert_create_fails(0, std::ptr::null(), 1, ZX_ERR_INVALID_ARGS);
    assert_create_fails(0, std::ptr::null(), 64, ZX_ERR_INVALID_ARGS);
}

/// §2.5: "other types → `INVALID_ARGS`".
#[test]
fn iob_create_unknown_region_type_is_invalid_args() {
    let _g = serial();
    for t in [2u32, 3, 0x8000_0000, u32::MAX] {
        let mut r = plain(BOTH_RW, PAGE_U64);
        r.type_ = t;
        assert_regions_fail(&[r], ZX_ERR_INVALID_ARGS);
    }
}

/// §2.5: "PRIVATE → `private_region.options` goes through the VMO-create option parser":
/// unknown bits and RESIZABLE|UNBOUNDED → `INVALID_ARGS` (§2.2); RESIZABLE, DISCARDABLE
/// and UNBOUNDED are accepted, UNBOUNDED giving the maximum size.
#[test]
fn iob_create_private_options_go_through_the_vmo_create_parser() {
    let _g = serial();
    for options in [1u32, ZX_VMO_TRAP_DIRTY, 1 << 5, 1 << 31] {
        assert_regions_fail(
            &[private_region(BOTH_RW, PAGE_U64, options, 0)],
            ZX_ERR_INVALID_ARGS,
        );
    }
    assert_regions_fail(
        &[private_region(
            BOTH_RW,
            PAGE_U64,
            ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED,
            0,
        )],
        ZX_ERR_INVALID_ARGS,
    );
    for options in [ZX_VMO_RESIZABLE, ZX_VMO_DISCARDABLE, ZX_VMO_UNBOUNDED] {
        let (ep0, ep1) = create(&[private_region(BOTH_RW, 100, options, 0)]);
        let info = region_infos(ep0)[0];
        assert_eq!(private_options(&info.region), options);
        let size = if options == ZX_VMO_UNBOUNDED {
            MAX_VMO_SIZE
        } else {
            PAGE_U64
        };
        assert_eq!(info.region.size, size, "options {options:#x}");
        close(ep0);
        close(ep1);
    }
}

/// §2.5: "size rounded up to a page"; §2.2: "rounding overflow or size > max →
/// `OUT_OF_RANGE`", checked before leftover option bits.
#[test]
fn iob_create_size_overflowing_when_rounded_is_out_of_range() {
    let _g = serial();
    for size in [u64::MAX, u64::MAX - 4094, MAX_VMO_SIZE + 1] {
        assert_regions_fail(&[plain(BOTH_RW, size)], ZX_ERR_OUT_OF_RANGE);
    }
    // The size check comes before the leftover-bits check of the parser.
    assert_regions_fail(
        &[private_region(BOTH_RW, u64::MAX, 1, 0)],
        ZX_ERR_OUT_OF_RANGE,
    );
    let (ep0, ep1) = create(&[plain(BOTH_RW, 5000), plain(BOTH_RW, 0)]);
    let infos = region_infos(ep0);
    assert_eq!((infos[0].region.size, infos[1].region.size), (8192, 0));
    close(ep0);
    close(ep1);
}

/// §2.5: "Access must include at least one MAP_WRITE or one mediated bit (else
/// `INVALID_ARGS`)": no access at all, or read-only mapping for both.
#[test]
fn iob_create_region_without_map_write_or_mediated_access_is_invalid_args() {
    let _g = serial();
    for access in [0, EP0_R, EP1_R, EP0_R | EP1_R, 0x100] {
        assert_regions_fail(&[plain(access, PAGE_U64)], ZX_ERR_INVALID_ARGS);
    }
    for access in [EP0_W, EP1_W, EP0_R | EP1_W] {
        let (ep0, ep1) = create(&[plain(access, PAGE_U64)]);
        close(ep0);
        close(ep1);
    }
}

/// §2.5: "Discipline NONE: no mediated access".
#[test]
fn iob_create_discipline_none_refuses_mediated_access() {
    let _g = serial();
    for mediated in [
        ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ,
        ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE,
        ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ,
        ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE,
    ] {
        assert_regions_fail(&[plain(BOTH_RW | mediated, PAGE_U64)], ZX_ERR_INVALID_ARGS);
    }
}

/// §2.5: "ID_ALLOCATOR: ... mediated access must include write for each endpoint that has
/// any".
#[test]
fn iob_create_id_allocator_needs_mediated_write_with_any_mediated_access() {
    let _g = serial();
    let id = ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR;
    for access in [
        ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ,
        ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ | ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE,
        EP0_W | ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ,
    ] {
        assert_regions_fail(
            &[private_region(access, PAGE_U64, 0, id)],
            ZX_ERR_INVALID_ARGS,
        );
    }
    for access in [
        ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE,
        ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ | ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE | EP1_R,
        EP1_W,
    ] {
        let (ep0, ep1) = create(&[private_region(access, PAGE_U64, 0, id)]);
        close(ep0);
        close(ep1);
    }
}

/// §2.5: "RING_BUFFER requires a shared region; unknown → `INVALID_ARGS`".
#[test]
fn iob_create_ring_buffer_on_a_private_region_and_unknown_disciplines_are_invalid_args() {
    let _g = serial();
    let mediated = BOTH_RW | ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE;
    for (access, discipline) in [
        (mediated, ZX_IOB_DISCIPLINE_TYPE_MEDIATED_WRITE_RING_BUFFER),
        (BOTH_RW, ZX_IOB_DISCIPLINE_TYPE_MEDIATED_WRITE_RING_BUFFER),
        (BOTH_RW, 3),
        (BOTH_RW, u64::MAX),
    ] {
        assert_regions_fail(
            &[private_region(access, PAGE_U64, 0, discipline)],
            ZX_ERR_INVALID_ARGS,
        );
    }
}

/// §2.5: "SHARED (next) → options 0, size 0, a valid shared-region handle". zx-shim has no
/// shared-region objects, so the handle is never valid: BAD_HANDLE, or WRONG_TYPE for a
/// handle of another type; non-zero options or size are `INVALID_ARGS` first.
#[test]
fn iob_create_shared_region_needs_options_and_size_zero_and_a_shared_region_handle() {
    let _g = serial();
    let mut vmo = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(2 * PAGE_U64, 0, &mut vmo), ZX_OK);
    assert_regions_fail(&[shared_region(BOTH_RW, 0, 1, vmo)], ZX_ERR_INVALID_ARGS);
    assert_regions_fail(
        &[shared_region(BOTH_RW, PAGE_U64, 0, vmo)],
        ZX_ERR_INVALID_ARGS,
    );
    assert_regions_fail(&[shared_region(BOTH_RW, 0, 0, FORGED)], ZX_ERR_BAD_HANDLE);
    assert_regions_fail(
        &[shared_region(BOTH_RW, 0, 0, ZX_HANDLE_INVALID)],
        ZX_ERR_BAD_HANDLE,
    );
    assert_regions_fail(&[shared_region(BOTH_RW, 0, 0, vmo)], ZX_ERR_WRONG_TYPE);
    close(vmo);
}

/// §2.5 "each region" in order: the first failing region decides the status, and a bad
/// region after good ones leaves nothing behind (no handle, no memfd).
#[test]
fn iob_create_first_failing_region_wins_and_nothing_is_left_behind() {
    let _g = serial();
    let good = plain(BOTH_RW, 4 * PAGE_U64);
    let mut bad_type = good;
    bad_type.type_ = 9;
    let overflow = plain(BOTH_RW, u64::MAX);
    assert_regions_fail(&[good, good, bad_type], ZX_ERR_INVALID_ARGS);
    assert_regions_fail(&[good, overflow, bad_type], ZX_ERR_OUT_OF_RANGE);
    assert_regions_fail(&[good, bad_type, overflow], ZX_ERR_INVALID_ARGS);
    assert_regions_fail(&[good, plain(EP0_R, PAGE_U64)], ZX_ERR_INVALID_ARGS);
}

/// §2 conventions: "a bad output pointer gives `INVALID_ARGS` and (for create-style calls)
/// the kernel tears down what it created".
#[test]
fn iob_create_bad_out_pointer_is_invalid_args_and_creates_nothing() {
    let _g = serial();
    let regions = [plain(BOTH_RW, PAGE_U64)];
    let (handles, fds) = (HANDLES.len(), open_fds());
    let mut h = 0x77;
    let create = |ep0: *mut zx_handle_t, ep1: *mut zx_handle_t| {
        zx_iob_create(0, regions.as_ptr().cast(), 1, ep0, ep1)
    };
    assert_eq!(create(std::ptr::null_mut(), &mut h), ZX_ERR_INVALID_ARGS);
    assert_eq!(create(&mut h, std::ptr::null_mut()), ZX_ERR_INVALID_ARGS);
    let mut words = [0u32; 3];
    let misaligned = misaligned::<zx_handle_t>(&mut words);
    assert_eq!(create(&mut h, misaligned), ZX_ERR_INVALID_ARGS);
    assert_eq!(h, 0x77);
    assert_eq!(words, [0; 3]);
    assert_eq!((HANDLES.len(), open_fds()), (handles, fds));
}

/// §2.5: "Region VMOs are private (no VMO handle is ever exposed)": each region is one
/// memfd, released with the last endpoint when nothing maps it.
#[test]
fn iob_create_region_memory_is_released_with_the_last_endpoint() {
    let _g = serial();
    let fds = open_fds();
    let (ep0, ep1) = create(&[plain(BOTH_RW, PAGE_U64), plain(EP0_W, PAGE_U64)]);
    assert_eq!(open_fds(), fds + 2);
    close(ep0);
    assert_eq!(open_fds(), fds + 2, "endpoint 1 still holds the regions");
    close(ep1);
    assert_eq!(open_fds(), fds);
}

/// zircon-abi.md §2.6: handles to endpoints duplicate and close like any handle; a
/// duplicate refers to the same endpoint (same koid and peer).
#[test]
fn iob_create_endpoint_handles_duplicate_and_close() {
    let _g = serial();
    let (ep0, ep1) = iob_rw(1);
    let mut dup = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(ep0, ZX_RIGHT_SAME_RIGHTS, &mut dup),
        ZX_OK
    );
    assert_eq!(basic_info(dup).koid, basic_info(ep0).koid);
    assert_eq!(basic_info(dup).related_koid, basic_info(ep1).koid);
    for h in [ep0, ep1, dup] {
        close(h);
    }
    assert_eq!(zx_handle_close(ep0), ZX_ERR_BAD_HANDLE);
}
