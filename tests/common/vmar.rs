//! VMARs: sub-VMARs of the root that each test owns, and shorthands for mapping,
//! unmapping, protecting and op_range.
//!
//! Tests of one binary run in parallel threads sharing the process's root VMAR, so every
//! test works inside its own sub-VMAR and checks consistency only over that range.
use crate::consistency::check_vmar;
use crate::vmo::vmo;
use crate::PAGE;
use std::ptr::null_mut;
use zircon::prelude::*;

pub const RW: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
pub const CAN_RWX: zx_vm_option_t =
    ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE;
/// The options of the sub-VMARs tests work in: everything allowed.
pub const SUB: zx_vm_option_t = CAN_RWX | ZX_VM_CAN_MAP_SPECIFIC;

pub fn root() -> zx_handle_t {
    let root = zx_vmar_root_self();
    assert_ne!(root, ZX_HANDLE_INVALID, "no root VMAR");
    root
}

/// A VMAR owned by the calling test: `(handle, base)`.
pub struct Region {
    pub h: zx_handle_t,
    pub base: usize,
    pub size: usize,
}

impl Region {
    /// Absolute address of `offset`.
    pub fn at(&self, offset: usize) -> usize {
        self.base + offset
    }
    pub fn end(&self) -> usize {
        self.base + self.size
    }
    /// Asserts the model and `/proc/self/maps` agree over this region.
    pub fn check(&self) {
        check_vmar(self.h);
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // Give the range back (it may already be destroyed) and close the handle.
        let _ = zx_vmar_destroy(self.h);
        let _ = zx_handle_close(self.h);
    }
}

/// Allocates `[options]` child of `parent`, asserting success.
pub fn allocate(
    parent: zx_handle_t,
    options: zx_vm_option_t,
    offset: usize,
    size: usize,
) -> Region {
    let (mut h, mut base) = (ZX_HANDLE_INVALID, 0);
    let s = zx_vmar_allocate(parent, options, offset, size, &mut h, &mut base);
    assert_eq!(
        s, ZX_OK,
        "allocate {options:#x} offset {offset:#x} size {size:#x}"
    );
    Region { h, base, size }
}

/// A region of the root, with every CAN_MAP flag, for one test.
pub fn region(pages: usize) -> Region {
    allocate(root(), SUB, 0, pages * PAGE)
}

/// `zx_vmar_allocate`, returning the status and the outputs.
pub fn try_allocate(
    parent: zx_handle_t,
    options: zx_vm_option_t,
    offset: usize,
    size: usize,
) -> Result<Region, zx_status_t> {
    let (mut h, mut base) = (ZX_HANDLE_INVALID, 0);
    match zx_vmar_allocate(parent, options, offset, size, &mut h, &mut base) {
        ZX_OK => Ok(Region { h, base, size }),
        s => Err(s),
    }
}

/// `zx_vmar_map`, returning the address or the status.
pub fn map(
    vmar: zx_handle_t,
    options: zx_vm_option_t,
    offset: usize,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
) -> Result<usize, zx_status_t> {
    let mut addr = 0;
    let status = zx_vmar_map(vmar, options, offset, vmo, vmo_offset, len, &mut addr);
    map_outcome(status, addr)
}

/// What a mapping call that returned `status` and left `addr` in its `mapped_addr` did:
/// the address (asserting it is non-zero and page-aligned) or the status (asserting that
/// `mapped_addr`, zero before the call, was not written).
pub fn map_outcome(status: zx_status_t, addr: usize) -> Result<usize, zx_status_t> {
    match status {
        ZX_OK => {
            assert_ne!(addr, 0);
            assert_eq!(addr % PAGE, 0);
            Ok(addr)
        }
        s => {
            assert_eq!(addr, 0, "mapped_addr written on failure");
            Err(s)
        }
    }
}

/// Maps `len` bytes of `vmo` read/write at `offset` of `vmar` (SPECIFIC).
pub fn map_at(
    vmar: &Region,
    offset: usize,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
) -> usize {
    map(vmar.h, RW | ZX_VM_SPECIFIC, offset, vmo, vmo_offset, len).expect("map")
}

/// A small region with one read/write mapping of a fresh VMO at offset 0:
/// `(region, vmo, addr)`.
pub fn mapped(pages: usize) -> (Region, zx_handle_t, usize) {
    let r = region(pages + 2);
    let v = vmo((pages * PAGE) as u64);
    let a = map_at(&r, 0, v, 0, pages * PAGE);
    (r, v, a)
}

pub fn unmap(vmar: zx_handle_t, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_unmap(vmar, addr, len)
}

pub fn protect(vmar: zx_handle_t, options: zx_vm_option_t, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_protect(vmar, options, addr, len)
}

/// `zx_vmar_op_range` without a buffer.
pub fn vmar_op(vmar: zx_handle_t, op: u32, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_op_range(vmar, op, addr, len, null_mut(), 0)
}

/// A VMAR handle to a destroyed VMAR of `pages` pages, its old base.
pub fn destroyed_vmar(pages: usize) -> Region {
    let r = region(pages);
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    r
}
