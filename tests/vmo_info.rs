//! Conformance tests for `zx_object_get_info(ZX_INFO_VMO*)` on VMO handles. Reference:
//! zircon-abi.md §1.8 (topics, `zx_info_vmo_t`, flags, generic get_info rules), spec/README.md
//! (`committed_bytes` counts committed 4 KiB pages).
use std::mem::size_of;
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::vmo::*;
use zx_suite::PAGE_U64;

fn info_raw(h: zx_handle_t, topic: u32, len: usize) -> (zx_status_t, Vec<u8>, usize, usize) {
    let mut buf = vec![0xEEu8; len];
    let (mut actual, mut avail) = (99usize, 99usize);
    let status = zx_object_get_info(
        h,
        topic,
        buf.as_mut_ptr().cast(),
        len,
        &mut actual,
        &mut avail,
    );
    (status, buf, actual, avail)
}

fn info_bytes(info: &zx_info_vmo_t) -> Vec<u8> {
    // SAFETY: `zx_info_vmo_t` is a `#[repr(C)]` struct of integers with named padding.
    unsafe {
        std::slice::from_raw_parts(
            (info as *const zx_info_vmo_t).cast::<u8>(),
            size_of::<zx_info_vmo_t>(),
        )
    }
    .to_vec()
}

/// §1.8: "A plain VMO queried through a handle reports exactly `TYPE_PAGED|VIA_HANDLE`";
/// koid, size, no parent or children, one sharer.
#[test]
fn vmo_info_plain_vmo_fields() {
    let h = vmo(3 * PAGE_U64 - 1);
    let i = vmo_info(h);
    assert_eq!(i.koid, try_basic_info(h).unwrap().koid);
    assert_eq!(i.flags, ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE);
    assert_eq!(i.size_bytes, 3 * PAGE_U64);
    assert_eq!(
        (i.parent_koid, i.num_children, i.num_mappings, i.share_count),
        (0, 0, 0, 1)
    );
    assert_eq!(i.cache_policy, ZX_CACHE_POLICY_CACHED);
    assert_eq!(i.name, [0; 32]);
    assert_eq!((i.committed_bytes, i.populated_bytes), (0, 0));
    close(h);
}

/// §1.8: "(+`RESIZABLE`)" for a resizable VMO, `DISCARDABLE` for a discardable one.
#[test]
fn vmo_info_flags_report_resizable_and_discardable() {
    let r = vmo_with(PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(
        vmo_info(r).flags,
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_RESIZABLE
    );
    let d = vmo_with(PAGE_U64, ZX_VMO_DISCARDABLE);
    assert_eq!(
        vmo_info(d).flags,
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_DISCARDABLE
    );
    assert_eq!(vmo_info(d).flags & ZX_INFO_VMO_VIA_MAPPING, 0);
    close(r);
    close(d);
}

/// §1.8: `ZX_INFO_VMO` needs "VMO, **no right needed**"; `handle_rights` is "rights of the
/// queried handle".
#[test]
fn vmo_info_needs_no_rights_and_reports_handle_rights() {
    let h = vmo(PAGE_U64);
    assert_eq!(vmo_info(h).handle_rights, ZX_DEFAULT_VMO_RIGHTS);
    let none = with_rights(h, ZX_RIGHT_NONE);
    assert_eq!(vmo_info(none).handle_rights, ZX_RIGHT_NONE);
    let rm = with_rights(h, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    assert_eq!(vmo_info(rm).handle_rights, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    for x in [rm, none, h] {
        close(x);
    }
}

/// spec/README.md: "`ZX_INFO_VMO.committed_bytes` counts the VMO's committed 4 KiB pages";
/// it follows writes, commits, decommits and shrinks; `populated_bytes` matches.
#[test]
fn vmo_info_committed_bytes_track_the_pages_holding_memory() {
    let h = vmo_with(8 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(h, 10, b"x"), ZX_OK);
    assert_eq!(committed(h), PAGE_U64);
    assert_eq!(
        vmo_op(h, ZX_VMO_OP_COMMIT, 4 * PAGE_U64, 4 * PAGE_U64),
        ZX_OK
    );
    assert_eq!(committed(h), 5 * PAGE_U64);
    assert_eq!(vmo_op(h, ZX_VMO_OP_DECOMMIT, 0, PAGE_U64), ZX_OK);
    assert_eq!(committed(h), 4 * PAGE_U64);
    assert_eq!(zx_vmo_set_size(h, 6 * PAGE_U64), ZX_OK);
    let i = vmo_info(h);
    assert_eq!(
        (i.committed_bytes, i.populated_bytes, i.size_bytes),
        (2 * PAGE_U64, 2 * PAGE_U64, 6 * PAGE_U64)
    );
    close(h);
}

/// §1.8: "v1 = prefix through `cache_policy` (104 B); v2 = through
/// `committed_change_events` (120 B); v3 = through `populated_bytes` (128 B)", each the
/// same bytes as the current record.
#[test]
fn vmo_info_older_topics_write_prefixes_of_the_current_record() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"x"), ZX_OK);
    assert_eq!(
        zx_object_set_property(h, ZX_PROP_NAME, b"versions".as_ptr().cast(), 8),
        ZX_OK
    );
    let full = info_bytes(&vmo_info(h));
    assert_eq!(full.len(), 176);
    for (topic, len) in [
        (ZX_INFO_VMO_V1, 104),
        (ZX_INFO_VMO_V2, 120),
        (ZX_INFO_VMO_V3, 128),
        (ZX_INFO_VMO, 176),
    ] {
        let (status, buf, actual, avail) = info_raw(h, topic, 176);
        assert_eq!((status, actual, avail), (ZX_OK, 1, 1), "topic {topic:#x}");
        assert_eq!(&buf[..len], &full[..len], "topic {topic:#x}");
        assert!(
            buf[len..].iter().all(|&b| b == 0xEE),
            "topic {topic:#x} wrote past its record"
        );
    }
    close(h);
}

/// §1.8: "if too small the call returns `ZX_ERR_BUFFER_TOO_SMALL` **after** writing
/// actual=0/avail=1".
#[test]
fn vmo_info_short_buffer_is_buffer_too_small() {
    let h = vmo(PAGE_U64);
    for (topic, len) in [
        (ZX_INFO_VMO_V1, 104),
        (ZX_INFO_VMO_V3, 128),
        (ZX_INFO_VMO, 176),
    ] {
        let (status, buf, actual, avail) = info_raw(h, topic, len - 1);
        assert_eq!(
            (status, actual, avail),
            (ZX_ERR_BUFFER_TOO_SMALL, 0, 1),
            "topic {topic:#x}"
        );
        assert!(buf.iter().all(|&b| b == 0xEE));
    }
    close(h);
}

/// §1.8: "Handle lookup errors (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED) come first".
#[test]
fn vmo_info_bad_and_wrong_type_handles() {
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(info_raw(h, ZX_INFO_VMO, 176).0, ZX_ERR_BAD_HANDLE);
    }
    let other = non_vmo_handle(ZX_RIGHT_NONE);
    assert_eq!(info_raw(other, ZX_INFO_VMO, 176).0, ZX_ERR_WRONG_TYPE);
    assert_eq!(info_raw(other, ZX_INFO_VMO_V1, 0).0, ZX_ERR_WRONG_TYPE);
    close(other);
}

/// §2.2: an unbounded VMO reports the maximum size.
#[test]
fn vmo_info_unbounded_reports_max_size() {
    let h = vmo_with(5, ZX_VMO_UNBOUNDED);
    let i = vmo_info(h);
    assert_eq!(i.size_bytes, MAX_VMO_SIZE);
    assert_eq!(i.flags, ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE);
    close(h);
}

/// §1.8 generic rules: `actual` and `avail` may be NULL.
#[test]
fn vmo_info_null_counts_are_allowed() {
    let h = vmo(PAGE_U64);
    let mut i = zx_info_vmo_t::default();
    let p = (&mut i as *mut zx_info_vmo_t).cast();
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_VMO,
            p,
            size_of::<zx_info_vmo_t>(),
            null_mut(),
            null_mut()
        ),
        ZX_OK
    );
    assert_eq!(i.size_bytes, PAGE_U64);
    close(h);
}
