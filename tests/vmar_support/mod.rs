//! Helpers shared by the VMAR conformance tests (`tests/vmar_*.rs`): sub-VMARs of the root
//! that each test owns, VMOs, mapping shorthands, info records, and the consistency check.
//!
//! Tests of one binary run in parallel threads sharing the process's root VMAR, so every
//! test works inside its own sub-VMAR and checks consistency only over that range.
#![allow(dead_code, unused_imports)]
use std::mem::{size_of, MaybeUninit};
use std::ptr::null_mut;
pub use zircon::prelude::*;
pub use zx_suite::consistency::check_vmar;
pub use zx_suite::probe::{self, ChildOutcome};

pub const PAGE: usize = 4096;
/// A handle value with the fixed bits set that no table slot matches.
pub const FORGED: zx_handle_t = 0xDEAD_BEEF;
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

pub fn vmo_with(size: usize, options: u32) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(size as u64, options, &mut h), ZX_OK);
    h
}

pub fn vmo(size: usize) -> zx_handle_t {
    vmo_with(size, 0)
}

/// A VMO handle with EXECUTE (through `zx_vmo_replace_as_executable`).
pub fn exec_vmo(size: usize) -> zx_handle_t {
    let h = vmo(size);
    let mut x = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_vmo_replace_as_executable(h, ZX_HANDLE_INVALID, &mut x),
        ZX_OK
    );
    x
}

pub fn close(h: zx_handle_t) {
    assert_eq!(zx_handle_close(h), ZX_OK);
}

/// A duplicate of `h` with exactly `rights`.
pub fn with_rights(h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    let mut d = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, rights, &mut d), ZX_OK);
    d
}

/// The rights of `h`.
pub fn rights_of(h: zx_handle_t) -> zx_rights_t {
    let mut info = zx_info_handle_basic_t::default();
    let s = zx_object_get_info(
        h,
        ZX_INFO_HANDLE_BASIC,
        (&mut info as *mut zx_info_handle_basic_t).cast(),
        size_of::<zx_info_handle_basic_t>(),
        null_mut(),
        null_mut(),
    );
    assert_eq!(s, ZX_OK);
    info.rights
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
    match zx_vmar_map(vmar, options, offset, vmo, vmo_offset, len, &mut addr) {
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
    let v = vmo(pages * PAGE);
    let a = map_at(&r, 0, v, 0, pages * PAGE);
    (r, v, a)
}

pub fn unmap(vmar: zx_handle_t, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_unmap(vmar, addr, len)
}

pub fn protect(vmar: zx_handle_t, options: zx_vm_option_t, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_protect(vmar, options, addr, len)
}

pub fn op(vmar: zx_handle_t, op: u32, addr: usize, len: usize) -> zx_status_t {
    zx_vmar_op_range(vmar, op, addr, len, null_mut(), 0)
}

pub fn vmar_info(h: zx_handle_t) -> Result<zx_info_vmar_t, zx_status_t> {
    let mut info = zx_info_vmar_t::default();
    match zx_object_get_info(
        h,
        ZX_INFO_VMAR,
        (&mut info as *mut zx_info_vmar_t).cast(),
        size_of::<zx_info_vmar_t>(),
        null_mut(),
        null_mut(),
    ) {
        ZX_OK => Ok(info),
        s => Err(s),
    }
}

pub fn vmo_info(h: zx_handle_t) -> zx_info_vmo_t {
    let mut info = zx_info_vmo_t::default();
    let s = zx_object_get_info(
        h,
        ZX_INFO_VMO,
        (&mut info as *mut zx_info_vmo_t).cast(),
        size_of::<zx_info_vmo_t>(),
        null_mut(),
        null_mut(),
    );
    assert_eq!(s, ZX_OK);
    info
}

/// `ZX_INFO_VMAR_MAPS` of `h`.
pub fn maps(h: zx_handle_t) -> Result<Vec<zx_info_maps_t>, zx_status_t> {
    let mut buf: Vec<MaybeUninit<zx_info_maps_t>> = Vec::with_capacity(256);
    let (mut actual, mut avail) = (0usize, 0usize);
    let s = zx_object_get_info(
        h,
        ZX_INFO_VMAR_MAPS,
        buf.as_mut_ptr().cast(),
        256 * size_of::<zx_info_maps_t>(),
        &mut actual,
        &mut avail,
    );
    if s != ZX_OK {
        return Err(s);
    }
    assert_eq!(actual, avail, "more than 256 entries");
    // SAFETY: the call wrote `actual` records.
    unsafe { buf.set_len(actual) };
    // SAFETY: initialised above.
    Ok(buf
        .into_iter()
        .map(|m| unsafe { m.assume_init() })
        .collect())
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

/// Reads a u64 through a mapping (the caller knows it is readable).
pub fn peek(addr: usize) -> u64 {
    // SAFETY: the caller mapped `addr` readable.
    unsafe { std::ptr::read_volatile(addr as *const u64) }
}

/// Writes a u64 through a mapping (the caller knows it is writable).
pub fn poke(addr: usize, value: u64) {
    // SAFETY: the caller mapped `addr` writable.
    unsafe { std::ptr::write_volatile(addr as *mut u64, value) }
}

/// A VMAR handle to a destroyed VMAR of `pages` pages, its old base.
pub fn destroyed_vmar(pages: usize) -> Region {
    let r = region(pages);
    assert_eq!(zx_vmar_destroy(r.h), ZX_OK);
    r
}
