//! Conformance tests for `zx_object_get_info` on IOB endpoints: `ZX_INFO_IOB` and
//! `ZX_INFO_IOB_REGIONS` (zircon-abi.md §1.8 topics and generic rules, §1.11 layouts,
//! §2.5 "reports regions with the EP0/EP1 access bits swapped when queried from endpoint
//! 1"), and `ZX_INFO_HANDLE_BASIC`'s `related_koid`.
use std::mem::size_of;
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::iob::*;
use zx_suite::vmar::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const MEDIATED_W0: u32 = ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE;
const MEDIATED_R1: u32 = ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ;
const MEDIATED_W1: u32 = ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE;

/// Three regions of different kinds: plain read/write for both, endpoint 0 only, and an ID
/// allocator endpoint 1 writes through mediation.
fn three_regions() -> [zx_iob_region_t; 3] {
    [
        plain(BOTH_RW, 3 * PAGE_U64),
        plain(EP0_RW | EP1_R, 100),
        private_region(
            EP0_R | MEDIATED_R1 | MEDIATED_W1,
            PAGE_U64,
            0,
            ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR,
        ),
    ]
}

/// §1.8 `ZX_INFO_IOB` (`zx_info_iob_t`, 16 bytes): `options` (0) and `region_count`, the
/// same from both endpoints.
#[test]
fn iob_info_iob_reports_options_and_region_count() {
    let (ep0, ep1) = create(&three_regions());
    for ep in [ep0, ep1] {
        let info = iob_info(ep).unwrap();
        assert_eq!(info.options, 0);
        assert_eq!(info.region_count, 3);
        assert_eq!(info.padding1, [0; 4]);
    }
    close(ep0);
    close(ep1);
}

/// §1.8 `ZX_INFO_IOB_REGIONS` (`zx_iob_region_info_t[n]`, 128 bytes each): each region as
/// created (type, discipline, private options, size rounded up to a page) and its koid.
/// Endpoint 0 sees the access bits as given.
#[test]
fn iob_info_regions_report_each_region_as_created() {
    let given = three_regions();
    let (ep0, ep1) = create(&given);
    let infos = region_infos(ep0);
    assert_eq!(infos.len(), 3);
    let sizes = [3 * PAGE_U64, PAGE_U64, PAGE_U64];
    for (i, info) in infos.iter().enumerate() {
        assert_eq!(info.region.type_, ZX_IOB_REGION_TYPE_PRIVATE);
        assert_eq!(info.region.access, given[i].access, "region {i}");
        assert_eq!(info.region.size, sizes[i]);
        assert_eq!(info.region.discipline, given[i].discipline);
        assert_eq!(private_options(&info.region), 0);
        assert!(info.koid >= ZX_KOID_FIRST);
    }
    let koids: Vec<u64> = infos.iter().map(|i| i.koid).collect();
    assert!(koids[0] != koids[1] && koids[1] != koids[2] && koids[0] != koids[2]);
    let basic0 = basic_info(ep0);
    assert!(!koids.contains(&basic0.koid) && !koids.contains(&basic0.related_koid));
    close(ep0);
    close(ep1);
}

/// §2.5: "`ZX_INFO_IOB_REGIONS` reports regions with the EP0/EP1 access bits **swapped**
/// when queried from endpoint 1 (so "EP0 bits" always mean "me")"; the region koids are
/// the same ("the region koid is stable across endpoints").
#[test]
fn iob_info_regions_endpoint_1_sees_the_access_bits_swapped() {
    let given = three_regions();
    let (ep0, ep1) = create(&given);
    let (from0, from1) = (region_infos(ep0), region_infos(ep1));
    let expected = [
        BOTH_RW,
        EP1_RW | EP0_R,
        EP1_R | ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ | MEDIATED_W0,
    ];
    for i in 0..3 {
        assert_eq!(from1[i].region.access, expected[i], "region {i}");
        assert_eq!(from1[i].koid, from0[i].koid);
        assert_eq!(from1[i].region.size, from0[i].region.size);
        assert_eq!(from1[i].region.discipline, from0[i].region.discipline);
    }
    close(ep0);
    close(ep1);
}

/// The region koid is the memory object mappings of the region report
/// (`ZX_INFO_VMAR_MAPS` `vmo_koid`), from either endpoint's mapping.
#[test]
fn iob_info_region_koid_is_the_koid_mappings_report() {
    let r = region(4);
    let (ep0, ep1) = create(&three_regions());
    map_iob_at(r.h, 0, ep0, 1, PAGE);
    let ro = ZX_VM_PERM_READ | ZX_VM_SPECIFIC;
    map_iob(r.h, ro, 2 * PAGE, ep1, 1, 0, PAGE).unwrap();
    let koids: Vec<u64> = maps(r.h)
        .unwrap()
        .iter()
        .filter(|m| m.type_ == ZX_INFO_MAPS_TYPE_MAPPING)
        // SAFETY: MAPPING entries hold the mapping variant of the union.
        .map(|m| unsafe { m.u.mapping.vmo_koid })
        .collect();
    assert_eq!(koids, vec![region_infos(ep0)[1].koid; 2]);
    close(ep0);
    close(ep1);
}

/// §1.8: "ZX_INFO_IOB ... IOB + `INSPECT`", likewise ZX_INFO_IOB_REGIONS; "Handle lookup
/// errors (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED) come first"; type before rights.
#[test]
fn iob_info_needs_an_iob_handle_with_inspect() {
    let (ep0, ep1) = iob_rw(1);
    let no_inspect = with_rights(ep0, ZX_DEFAULT_IOB_RIGHTS & !ZX_RIGHT_INSPECT);
    let v = vmo(PAGE_U64);
    let v_bare = with_rights(v, ZX_RIGHT_NONE);
    for topic in [ZX_INFO_IOB, ZX_INFO_IOB_REGIONS] {
        let mut buf = [0u8; 256];
        let mut call = |h| {
            zx_object_get_info(
                h,
                topic,
                buf.as_mut_ptr().cast(),
                buf.len(),
                null_mut(),
                null_mut(),
            )
        };
        assert_eq!(call(no_inspect), ZX_ERR_ACCESS_DENIED, "topic {topic}");
        assert_eq!(call(FORGED), ZX_ERR_BAD_HANDLE);
        assert_eq!(call(v), ZX_ERR_WRONG_TYPE);
        assert_eq!(call(v_bare), ZX_ERR_WRONG_TYPE);
        assert_eq!(call(ep1), ZX_OK);
    }
    // And VMO topics refuse an endpoint.
    assert_eq!(
        get_info::<zx_info_vmo_t>(ep0, ZX_INFO_VMO).unwrap_err(),
        ZX_ERR_WRONG_TYPE
    );
    for h in [no_inspect, v_bare, v, ep0, ep1] {
        close(h);
    }
}

/// §1.8 generic rules: a single-record topic with a short buffer is BUFFER_TOO_SMALL after
/// writing actual=0 / avail=1.
#[test]
fn iob_info_iob_short_buffer_is_buffer_too_small() {
    let (ep0, ep1) = iob_rw(1);
    let mut info = zx_info_iob_t::default();
    let (mut actual, mut avail) = (7usize, 7usize);
    let s = zx_object_get_info(
        ep0,
        ZX_INFO_IOB,
        (&mut info as *mut zx_info_iob_t).cast(),
        size_of::<zx_info_iob_t>() - 1,
        &mut actual,
        &mut avail,
    );
    assert_eq!(s, ZX_ERR_BUFFER_TOO_SMALL);
    assert_eq!((actual, avail), (0, 1));
    assert_eq!(info.region_count, 0, "nothing written");
    let s = zx_object_get_info(
        ep0,
        ZX_INFO_IOB,
        (&mut info as *mut zx_info_iob_t).cast(),
        size_of::<zx_info_iob_t>(),
        &mut actual,
        &mut avail,
    );
    assert_eq!(s, ZX_OK);
    assert_eq!((actual, avail, info.region_count), (1, 1, 1));
    close(ep0);
    close(ep1);
}

/// §1.8 generic rules: "Multi-record topics never return BUFFER_TOO_SMALL: they write
/// `min(avail, buffer_size / sizeof(rec))` records and report both counts".
#[test]
fn iob_info_regions_write_as_many_records_as_fit() {
    let (ep0, ep1) = create(&three_regions());
    let (none, avail) = region_infos_with_room(ep0, 0).unwrap();
    assert_eq!((none.len(), avail), (0, 3));
    let (two, avail) = region_infos_with_room(ep1, 2).unwrap();
    assert_eq!((two.len(), avail), (2, 3));
    assert_eq!(two[1].region.access, EP1_RW | EP0_R);
    // NULL buffer of size 0: the counts only.
    let (mut actual, mut avail) = (9usize, 9usize);
    let s = zx_object_get_info(
        ep0,
        ZX_INFO_IOB_REGIONS,
        null_mut(),
        0,
        &mut actual,
        &mut avail,
    );
    assert_eq!((s, actual, avail), (ZX_OK, 0, 3));
    close(ep0);
    close(ep1);
}

/// §1.8: "`related_koid` is ... the peer koid for IOB endpoints", and stays so after the
/// peer is closed; a duplicate reports the same koids.
#[test]
fn iob_info_handle_basic_relates_the_peers() {
    let (ep0, ep1) = iob_rw(1);
    let (k0, k1) = (basic_info(ep0).koid, basic_info(ep1).koid);
    assert_eq!(basic_info(ep0).related_koid, k1);
    assert_eq!(basic_info(ep1).related_koid, k0);
    close(ep1);
    assert_eq!(basic_info(ep0).related_koid, k1);
    assert_eq!(basic_info(ep0).type_, ZX_OBJ_TYPE_IOB);
    close(ep0);
}
