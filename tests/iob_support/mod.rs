//! Helpers shared by the IOBuffer conformance tests (`tests/iob_*.rs`,
//! `tests/vmar_map_iob.rs`): region descriptions, creating IOBuffers, mapping regions,
//! and the info records tests assert on. Used next to `vmar_support`.
#![allow(dead_code)]
use std::mem::{size_of, MaybeUninit};
use std::ptr::null_mut;
use zircon::prelude::*;

const PAGE: u64 = 4096;

/// Access bits shorthands.
pub const EP0_R: u32 = ZX_IOB_ACCESS_EP0_CAN_MAP_READ;
pub const EP0_W: u32 = ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE;
pub const EP1_R: u32 = ZX_IOB_ACCESS_EP1_CAN_MAP_READ;
pub const EP1_W: u32 = ZX_IOB_ACCESS_EP1_CAN_MAP_WRITE;
pub const EP0_RW: u32 = EP0_R | EP0_W;
pub const EP1_RW: u32 = EP1_R | EP1_W;
/// Both endpoints may map the region read/write.
pub const BOTH_RW: u32 = EP0_RW | EP1_RW;

/// A private region description with `access`, `size`, VMO `options` and `discipline`.
pub fn private_region(access: u32, size: u64, options: u32, discipline: u64) -> zx_iob_region_t {
    zx_iob_region_t {
        type_: ZX_IOB_REGION_TYPE_PRIVATE,
        access,
        size,
        discipline: zx_iob_discipline_t {
            type_: discipline,
            reserved: [0; 8],
        },
        extension: zx_iob_region_extension_t {
            private_region: zx_iob_region_private_t {
                options,
                padding1: 0,
                padding2: [0; 3],
            },
        },
    }
}

/// A plain private region (options 0, discipline NONE).
pub fn plain(access: u32, size: u64) -> zx_iob_region_t {
    private_region(access, size, 0, ZX_IOB_DISCIPLINE_TYPE_NONE)
}

/// A region of the "next" shared type with the given options, size and handle.
pub fn shared_region(access: u32, size: u64, options: u32, handle: zx_handle_t) -> zx_iob_region_t {
    let mut ext = [0u8; 32];
    ext[0..4].copy_from_slice(&options.to_ne_bytes());
    ext[4..8].copy_from_slice(&handle.to_ne_bytes());
    zx_iob_region_t {
        type_: ZX_IOB_REGION_TYPE_SHARED,
        access,
        size,
        discipline: zx_iob_discipline_t::default(),
        extension: zx_iob_region_extension_t { max_extension: ext },
    }
}

/// `zx_iob_create(0, regions)`: both endpoint handles, or the status.
pub fn try_create(regions: &[zx_iob_region_t]) -> Result<(zx_handle_t, zx_handle_t), zx_status_t> {
    let (mut ep0, mut ep1) = (ZX_HANDLE_INVALID, ZX_HANDLE_INVALID);
    match zx_iob_create(
        0,
        regions.as_ptr().cast(),
        regions.len(),
        &mut ep0,
        &mut ep1,
    ) {
        ZX_OK => Ok((ep0, ep1)),
        s => {
            assert_eq!((ep0, ep1), (0, 0), "endpoints written on failure");
            Err(s)
        }
    }
}

/// `zx_iob_create`, asserting success.
pub fn create(regions: &[zx_iob_region_t]) -> (zx_handle_t, zx_handle_t) {
    try_create(regions).expect("zx_iob_create")
}

/// An IOBuffer with one plain region of `pages` pages that both endpoints may map
/// read/write.
pub fn iob_rw(pages: u64) -> (zx_handle_t, zx_handle_t) {
    create(&[plain(BOTH_RW, pages * PAGE)])
}

/// `zx_vmar_map_iob`, returning the address or the status (asserting that nothing is
/// written on failure).
pub fn map_iob(
    vmar: zx_handle_t,
    options: zx_vm_option_t,
    vmar_offset: usize,
    ep: zx_handle_t,
    index: u32,
    region_offset: u64,
    len: usize,
) -> Result<usize, zx_status_t> {
    let mut addr = 0;
    match zx_vmar_map_iob(
        vmar,
        options,
        vmar_offset,
        ep,
        index,
        region_offset,
        len,
        &mut addr,
    ) {
        ZX_OK => {
            assert_ne!(addr, 0);
            assert_eq!(addr % PAGE as usize, 0);
            Ok(addr)
        }
        s => {
            assert_eq!(addr, 0, "mapped_addr written on failure");
            Err(s)
        }
    }
}

/// Maps `len` bytes of region `index` read/write at `offset` of `vmar` (SPECIFIC),
/// asserting success.
pub fn map_iob_at(
    vmar: zx_handle_t,
    offset: usize,
    ep: zx_handle_t,
    index: u32,
    len: usize,
) -> usize {
    let options = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC;
    map_iob(vmar, options, offset, ep, index, 0, len).expect("zx_vmar_map_iob")
}

/// `zx_object_get_info` of a single record of type `T`.
pub fn info_of<T: Copy + Default>(h: zx_handle_t, topic: u32) -> Result<T, zx_status_t> {
    let mut info = T::default();
    match zx_object_get_info(
        h,
        topic,
        (&mut info as *mut T).cast(),
        size_of::<T>(),
        null_mut(),
        null_mut(),
    ) {
        ZX_OK => Ok(info),
        s => Err(s),
    }
}

pub fn basic(h: zx_handle_t) -> zx_info_handle_basic_t {
    info_of(h, ZX_INFO_HANDLE_BASIC).expect("ZX_INFO_HANDLE_BASIC")
}

pub fn iob_info(h: zx_handle_t) -> Result<zx_info_iob_t, zx_status_t> {
    info_of(h, ZX_INFO_IOB)
}

/// `ZX_INFO_IOB_REGIONS` with room for `room` records: the records written and `avail`.
pub fn region_infos_with_room(
    h: zx_handle_t,
    room: usize,
) -> Result<(Vec<zx_iob_region_info_t>, usize), zx_status_t> {
    let mut buf: Vec<MaybeUninit<zx_iob_region_info_t>> = Vec::with_capacity(room);
    let (mut actual, mut avail) = (usize::MAX, usize::MAX);
    let s = zx_object_get_info(
        h,
        ZX_INFO_IOB_REGIONS,
        buf.as_mut_ptr().cast(),
        room * size_of::<zx_iob_region_info_t>(),
        &mut actual,
        &mut avail,
    );
    if s != ZX_OK {
        return Err(s);
    }
    assert!(actual <= room);
    // SAFETY: the call wrote `actual` records.
    unsafe { buf.set_len(actual) };
    // SAFETY: initialised above.
    let records = buf
        .into_iter()
        .map(|r| unsafe { r.assume_init() })
        .collect();
    Ok((records, avail))
}

/// Every region record of `h`.
pub fn region_infos(h: zx_handle_t) -> Vec<zx_iob_region_info_t> {
    let (records, avail) = region_infos_with_room(h, 64).expect("ZX_INFO_IOB_REGIONS");
    assert_eq!(records.len(), avail);
    records
}

/// `private_region.options` of a region record.
pub fn private_options(region: &zx_iob_region_t) -> u32 {
    // SAFETY: every variant of the union is plain bytes; private_region starts it.
    unsafe { region.extension.private_region.options }
}

/// Bytes the host has allocated to the memory object mapped at `addr`: the `st_blocks` of
/// the memfd whose inode `/proc/self/maps` shows there. An observation of the host's
/// own, independent of what the shim reports.
pub fn host_allocated_bytes(addr: usize) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let entries = zircon::host::maps::read_self_maps_in(addr, addr + 1).expect("maps");
    let inode = entries.first().expect("a mapping at addr").inode;
    for fd in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        if let Ok(meta) = std::fs::metadata(fd.expect("fd entry").path()) {
            if meta.ino() == inode && inode != 0 {
                return meta.blocks() * 512;
            }
        }
    }
    panic!("no open file with inode {inode} backs {addr:#x}");
}

/// Number of open file descriptors of the process (memfds back IOB regions).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// `zx_iob_allocate_id` of `blob` in region `index`: the id or the status.
pub fn allocate_id(ep: zx_handle_t, index: u32, blob: &[u8]) -> Result<u32, zx_status_t> {
    let mut id = u32::MAX;
    match zx_iob_allocate_id(
        ep,
        0,
        index,
        blob.as_ptr().cast(),
        blob.len() as u64,
        &mut id,
    ) {
        ZX_OK => Ok(id),
        s => {
            assert_eq!(id, u32::MAX, "id written on failure");
            Err(s)
        }
    }
}
