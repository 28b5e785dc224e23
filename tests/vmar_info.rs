//! `zx_object_get_info` on VMARs: `ZX_INFO_VMAR` and `ZX_INFO_VMAR_MAPS` (zircon-abi.md §1.8,
//! §2.7, §3.5, §3.7), and the root VMAR's rights and geometry (§3.2, §3.10).
use std::mem::size_of;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::poke;
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

fn name(entry: &zx_info_maps_t) -> String {
    let end = entry.name.iter().position(|&b| b == 0).unwrap_or(32);
    String::from_utf8_lossy(&entry.name[..end]).into_owned()
}

/// §3.2: "Root VMAR of a process ... its handle therefore has 0x20801F"; §3.10: the root
/// VMAR's ZX_INFO_VMAR is its whole range (here: the host reservation).
#[test]
fn vmar_info_root_rights_and_range() {
    assert_eq!(rights_of(root()), 0x20801F);
    let info = vmar_info(root()).unwrap();
    assert_ne!(info.base, 0);
    assert_eq!(info.base % PAGE, 0);
    assert!(info.len >= 1 << 30);
    assert_eq!(zx_vmar_root_self(), root(), "always the same handle");
    let r = region(4);
    assert!(r.base >= info.base && r.end() <= info.base + info.len);
}

/// §1.8: "zx_info_vmar_t ... base, len. Still answers for a destroyed VMAR."
#[test]
fn vmar_info_reports_range_also_after_destroy() {
    let r = region(6);
    let info = vmar_info(r.h).unwrap();
    assert_eq!((info.base, info.len), (r.base, 6 * PAGE));
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    let info = vmar_info(r.h).unwrap();
    assert_eq!((info.base, info.len), (r.base, 6 * PAGE));
}

/// §1.8: ZX_INFO_VMAR and ZX_INFO_VMAR_MAPS need a VMAR handle with INSPECT.
#[test]
fn vmar_info_needs_inspect_and_a_vmar() {
    let r = region(2);
    let blind = with_rights(r.h, rights_of(r.h) & !ZX_RIGHT_INSPECT);
    assert_eq!(vmar_info(blind).err(), Some(ZX_ERR_ACCESS_DENIED));
    assert_eq!(maps(blind).err(), Some(ZX_ERR_ACCESS_DENIED));
    let v = vmo(PAGE_U64);
    assert_eq!(vmar_info(v).err(), Some(ZX_ERR_WRONG_TYPE));
    assert_eq!(maps(v).err(), Some(ZX_ERR_WRONG_TYPE));
    close(blind);
    close(v);
}

/// §2.7: "ZX_INFO_VMAR_MAPS walks the VMAR depth-first pre-order, starting with the queried
/// VMAR at depth 0 (children ≥ 1) ... base addresses ascending"; §1.8: VMAR entries are
/// named "useralloc", mapping entries carry the VMO's name.
#[test]
fn vmar_info_maps_is_depth_first_preorder_with_names() {
    let r = region(16);
    let v = vmo(PAGE_U64);
    assert_eq!(
        zx_object_set_property(v, ZX_PROP_NAME, b"ours".as_ptr().cast(), 4),
        ZX_OK
    );
    let sub = allocate(r.h, SUB | ZX_VM_SPECIFIC, 4 * PAGE, 8 * PAGE);
    map_at(&r, 0, v, 0, PAGE);
    map_at(&sub, 2 * PAGE, v, 0, PAGE);
    map_at(&r, 14 * PAGE, v, 0, PAGE);
    let entries = maps(r.h).unwrap();
    let summary: Vec<(String, usize, usize, u32)> = entries
        .iter()
        .map(|e| (name(e), e.base, e.depth, e.type_))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("useralloc".into(), r.base, 0, ZX_INFO_MAPS_TYPE_VMAR),
            ("ours".into(), r.base, 1, ZX_INFO_MAPS_TYPE_MAPPING),
            ("useralloc".into(), sub.base, 1, ZX_INFO_MAPS_TYPE_VMAR),
            (
                "ours".into(),
                sub.at(2 * PAGE),
                2,
                ZX_INFO_MAPS_TYPE_MAPPING
            ),
            ("ours".into(), r.at(14 * PAGE), 1, ZX_INFO_MAPS_TYPE_MAPPING),
        ]
    );
    // SAFETY: a MAPPING entry holds the mapping variant.
    let m = unsafe { entries[1].u.mapping };
    assert_eq!(
        (m.mmu_flags, m.vmo_koid, m.vmo_offset),
        (RW, vmo_info(v).koid, 0)
    );
}

/// §3.5: "ZX_INFO_VMAR_MAPS ... emit one entry per protection range, with vmo_offset
/// adjusted per range".
#[test]
fn vmar_info_maps_has_one_entry_per_protection_run() {
    let (r, _v, a) = mapped(3);
    assert_eq!(protect(r.h, 0, a + PAGE, PAGE), ZX_OK);
    assert_eq!(
        mapping_entries(r.h),
        vec![
            (a, PAGE, RW, 0),
            (a + PAGE, PAGE, 0, PAGE_U64),
            (a + 2 * PAGE, PAGE, RW, 2 * PAGE_U64)
        ]
    );
}

/// Mapping entries report the VMO pages present over the run as committed bytes.
#[test]
fn vmar_info_maps_reports_committed_bytes() {
    let (r, _v, a) = mapped(4);
    poke(a + PAGE, 1);
    poke(a + 3 * PAGE, 1);
    let entries = maps(r.h).unwrap();
    // SAFETY: entry 1 is the mapping.
    assert_eq!(unsafe { entries[1].u.mapping.committed_bytes }, 2 * PAGE);
}

/// §1.8: multi-record topics "write min(avail, buffer_size / sizeof(rec)) records and report
/// both counts"; the root VMAR's first entry is itself, named "root", at depth 0.
#[test]
fn vmar_info_maps_of_root_starts_with_root_entry() {
    let (mut actual, mut avail) = (usize::MAX, 0usize);
    let s = zx_object_get_info(
        root(),
        ZX_INFO_VMAR_MAPS,
        std::ptr::null_mut(),
        0,
        &mut actual,
        &mut avail,
    );
    assert_eq!(s, ZX_OK);
    assert_eq!(actual, 0);
    assert!(avail >= 1);
    let mut one = std::mem::MaybeUninit::<zx_info_maps_t>::uninit();
    let s = zx_object_get_info(
        root(),
        ZX_INFO_VMAR_MAPS,
        one.as_mut_ptr().cast(),
        size_of::<zx_info_maps_t>(),
        &mut actual,
        &mut avail,
    );
    assert_eq!((s, actual), (ZX_OK, 1));
    // SAFETY: one record was written.
    let first = unsafe { one.assume_init() };
    assert_eq!(
        (name(&first), first.depth, first.type_),
        ("root".to_string(), 0, ZX_INFO_MAPS_TYPE_VMAR)
    );
    assert_eq!(first.base, vmar_info(root()).unwrap().base);
}

/// §2.7: "destroyed VMAR/aspace → BAD_STATE" for ZX_INFO_VMAR_MAPS.
#[test]
fn vmar_info_maps_of_destroyed_vmar_is_bad_state() {
    let r = destroyed_vmar(2);
    assert_eq!(maps(r.h).err(), Some(ZX_ERR_BAD_STATE));
}
