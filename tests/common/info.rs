//! Typed `zx_object_get_info` records: one record of a topic, or every record of a list
//! topic.
use std::mem::{size_of, MaybeUninit};
use std::ptr::null_mut;
use zircon::prelude::*;

/// The single record of `topic` for `h`, or the status of the call.
pub fn get_info<T: Default>(h: zx_handle_t, topic: u32) -> Result<T, zx_status_t> {
    let mut record = T::default();
    match zx_object_get_info(
        h,
        topic,
        (&mut record as *mut T).cast(),
        size_of::<T>(),
        null_mut(),
        null_mut(),
    ) {
        ZX_OK => Ok(record),
        s => Err(s),
    }
}

/// The records of list topic `topic` for `h` with room for `room` of them: the records
/// written and `avail`, or the status of the call.
pub fn get_info_records<T>(
    h: zx_handle_t,
    topic: u32,
    room: usize,
) -> Result<(Vec<T>, usize), zx_status_t> {
    let mut buf: Vec<MaybeUninit<T>> = Vec::with_capacity(room);
    let (mut actual, mut avail) = (usize::MAX, usize::MAX);
    let s = zx_object_get_info(
        h,
        topic,
        buf.as_mut_ptr().cast(),
        room * size_of::<T>(),
        &mut actual,
        &mut avail,
    );
    if s != ZX_OK {
        return Err(s);
    }
    assert!(
        actual <= room,
        "{actual} records written into room for {room}"
    );
    // SAFETY: the call wrote `actual` records, no more than the capacity.
    unsafe { buf.set_len(actual) };
    let records = buf
        .into_iter()
        // SAFETY: the first `actual` records were initialised by the call.
        .map(|r| unsafe { r.assume_init() })
        .collect();
    Ok((records, avail))
}

/// `ZX_INFO_VMO` of a live VMO handle.
pub fn vmo_info(h: zx_handle_t) -> zx_info_vmo_t {
    get_info(h, ZX_INFO_VMO).expect("ZX_INFO_VMO")
}

pub fn vmar_info(h: zx_handle_t) -> Result<zx_info_vmar_t, zx_status_t> {
    get_info(h, ZX_INFO_VMAR)
}

/// `ZX_INFO_VMAR_MAPS` of `h` (the tests' VMARs hold fewer than 256 entries).
pub fn maps(h: zx_handle_t) -> Result<Vec<zx_info_maps_t>, zx_status_t> {
    let (records, avail) = get_info_records(h, ZX_INFO_VMAR_MAPS, 256)?;
    assert_eq!(records.len(), avail, "more than 256 entries");
    Ok(records)
}

/// The mapping entries of `maps(h)` as `(base, size, mmu_flags, vmo_offset)`.
pub fn mapping_entries(h: zx_handle_t) -> Vec<(usize, usize, u32, u64)> {
    maps(h)
        .unwrap()
        .iter()
        .filter(|m| m.type_ == ZX_INFO_MAPS_TYPE_MAPPING)
        // SAFETY: the union holds the mapping variant for MAPPING entries.
        .map(|m| unsafe {
            (
                m.base,
                m.size,
                m.u.mapping.mmu_flags,
                m.u.mapping.vmo_offset,
            )
        })
        .collect()
}

pub fn iob_info(h: zx_handle_t) -> Result<zx_info_iob_t, zx_status_t> {
    get_info(h, ZX_INFO_IOB)
}

/// `ZX_INFO_IOB_REGIONS` with room for `room` records: the records written and `avail`.
pub fn region_infos_with_room(
    h: zx_handle_t,
    room: usize,
) -> Result<(Vec<zx_iob_region_info_t>, usize), zx_status_t> {
    get_info_records(h, ZX_INFO_IOB_REGIONS, room)
}

/// Every region record of `h`.
pub fn region_infos(h: zx_handle_t) -> Vec<zx_iob_region_info_t> {
    let (records, avail) = region_infos_with_room(h, 64).expect("ZX_INFO_IOB_REGIONS");
    assert_eq!(records.len(), avail);
    records
}
