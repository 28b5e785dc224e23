//! VMOs: creating them (and handles that are not VMOs, for the type checks), reading and
//! writing their bytes, their size and committed bytes.
use crate::handles::{close, with_any_rights};
use crate::info::vmo_info;
use crate::PAGE_U64;
use std::ptr::null_mut;
use zircon::prelude::*;

/// `zx_vmo_get_size` of every `ZX_VMO_UNBOUNDED` VMO (zircon-abi.md §2.2).
pub const MAX_VMO_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;

pub fn vmo_with(size: u64, options: u32) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(size, options, &mut h), ZX_OK);
    h
}

pub fn vmo(size: u64) -> zx_handle_t {
    vmo_with(size, 0)
}

/// A VMO handle with EXECUTE (through `zx_vmo_replace_as_executable`).
pub fn exec_vmo(size: u64) -> zx_handle_t {
    let h = vmo(size);
    let mut x = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_vmo_replace_as_executable(h, ZX_HANDLE_INVALID, &mut x),
        ZX_OK
    );
    x
}

/// A handle that named a VMO and has been closed.
pub fn closed_handle() -> zx_handle_t {
    let h = vmo(PAGE_U64);
    close(h);
    h
}

/// A handle to an object that is not a VMO (a port), with `rights`.
pub fn non_vmo_handle(rights: zx_rights_t) -> zx_handle_t {
    let mut port = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_port_create(0, &mut port),
        ZX_OK,
        "tests need a non-VMO handle type"
    );
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_replace(port, rights, &mut h), ZX_OK);
    h
}

/// A handle to a non-VMO object with any `rights`, even ones its type never carries (no
/// non-VMO object of zx-shim has the property rights).
pub fn non_vmo_handle_with_any_rights(rights: zx_rights_t) -> zx_handle_t {
    let port = non_vmo_handle(ZX_RIGHT_SAME_RIGHTS);
    let h = with_any_rights(port, rights);
    close(port);
    h
}

pub fn write(h: zx_handle_t, offset: u64, data: &[u8]) -> zx_status_t {
    zx_vmo_write(h, data.as_ptr().cast(), offset, data.len())
}

/// `len` bytes at `offset`, or the status of the read. The buffer starts as 0xA5 bytes,
/// so bytes a successful read did not write would show.
pub fn read(h: zx_handle_t, offset: u64, len: usize) -> Result<Vec<u8>, zx_status_t> {
    let mut buf = vec![0xA5u8; len];
    match zx_vmo_read(h, buf.as_mut_ptr().cast(), offset, len) {
        ZX_OK => Ok(buf),
        status => Err(status),
    }
}

/// Reads `[offset, offset + len)` and asserts every byte is `value`.
pub fn assert_bytes(h: zx_handle_t, offset: u64, len: usize, value: u8) {
    let bytes = read(h, offset, len).expect("read");
    if let Some(i) = bytes.iter().position(|&b| b != value) {
        panic!(
            "byte {} is {:#x}, expected {value:#x}",
            offset + i as u64,
            bytes[i]
        );
    }
}

/// `len` bytes of a recognisable pattern that depends on `seed`.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(31).wrapping_add((i % 251) as u8))
        .collect()
}

pub fn size(h: zx_handle_t) -> u64 {
    let mut s = 0;
    assert_eq!(zx_vmo_get_size(h, &mut s), ZX_OK);
    s
}

pub fn stream_size(h: zx_handle_t) -> u64 {
    let mut s = 0;
    assert_eq!(zx_vmo_get_stream_size(h, &mut s), ZX_OK);
    s
}

pub fn committed(h: zx_handle_t) -> u64 {
    vmo_info(h).committed_bytes
}

/// `zx_vmo_op_range` without a buffer.
pub fn vmo_op(h: zx_handle_t, op: u32, offset: u64, len: u64) -> zx_status_t {
    zx_vmo_op_range(h, op, offset, len, null_mut(), 0)
}
