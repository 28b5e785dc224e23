//! IOBuffers: region descriptions, creating IOBuffers, mapping their regions and
//! allocating ids in them.
use crate::vmar::map_outcome;
use crate::PAGE_U64;
use zircon::prelude::*;

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
    create(&[plain(BOTH_RW, pages * PAGE_U64)])
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
    let status = zx_vmar_map_iob(
        vmar,
        options,
        vmar_offset,
        ep,
        index,
        region_offset,
        len,
        &mut addr,
    );
    map_outcome(status, addr)
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

/// `private_region.options` of a region record.
pub fn private_options(region: &zx_iob_region_t) -> u32 {
    // SAFETY: every variant of the union is plain bytes; private_region starts it.
    unsafe { region.extension.private_region.options }
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
