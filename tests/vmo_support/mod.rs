//! Helpers shared by the VMO conformance tests (`tests/vmo_*.rs`): creating VMOs and
//! handles of other kinds, reading and writing bytes, and the info records tests assert on.
#![allow(dead_code)]
use std::mem::size_of;
use std::ptr::null_mut;
use zircon::prelude::*;

pub const PAGE: u64 = 4096;
/// `zx_vmo_get_size` of every `ZX_VMO_UNBOUNDED` VMO (zircon-abi.md §2.2).
pub const MAX_VMO_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;
/// A handle value with the fixed bits set that no table slot matches.
pub const FORGED: zx_handle_t = 0xDEAD_BEEF;

pub fn vmo_with(size: u64, options: u32) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(size, options, &mut h), ZX_OK);
    h
}

pub fn vmo(size: u64) -> zx_handle_t {
    vmo_with(size, 0)
}

pub fn close(h: zx_handle_t) {
    assert_eq!(zx_handle_close(h), ZX_OK);
}

/// A handle that named a VMO and has been closed.
pub fn closed_handle() -> zx_handle_t {
    let h = vmo(PAGE);
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
/// non-VMO object of zx-shim has the property rights): installed straight into the handle
/// table, so that checks after the rights check can be reached.
pub fn non_vmo_handle_with_any_rights(rights: zx_rights_t) -> zx_handle_t {
    use zircon::handle::{Rights, HANDLES};
    let port = non_vmo_handle(ZX_RIGHT_SAME_RIGHTS);
    let object = HANDLES.get(port).expect("port handle").object;
    close(port);
    HANDLES
        .add(object, Rights::from_raw(rights))
        .expect("handle table")
}

/// A duplicate of `h` with exactly `rights`.
pub fn with_rights(h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    let mut d = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, rights, &mut d), ZX_OK);
    d
}

pub fn write(h: zx_handle_t, offset: u64, data: &[u8]) -> zx_status_t {
    zx_vmo_write(h, data.as_ptr().cast(), offset, data.len())
}

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

pub fn info(h: zx_handle_t) -> zx_info_vmo_t {
    let mut info = zx_info_vmo_t::default();
    let status = zx_object_get_info(
        h,
        ZX_INFO_VMO,
        (&mut info as *mut zx_info_vmo_t).cast(),
        size_of::<zx_info_vmo_t>(),
        null_mut(),
        null_mut(),
    );
    assert_eq!(status, ZX_OK);
    info
}

pub fn committed(h: zx_handle_t) -> u64 {
    info(h).committed_bytes
}

pub fn basic(h: zx_handle_t) -> Result<zx_info_handle_basic_t, zx_status_t> {
    let mut info = zx_info_handle_basic_t::default();
    let status = zx_object_get_info(
        h,
        ZX_INFO_HANDLE_BASIC,
        (&mut info as *mut zx_info_handle_basic_t).cast(),
        size_of::<zx_info_handle_basic_t>(),
        null_mut(),
        null_mut(),
    );
    if status == ZX_OK {
        Ok(info)
    } else {
        Err(status)
    }
}

pub fn rights(h: zx_handle_t) -> zx_rights_t {
    basic(h).expect("handle basic info").rights
}

pub fn is_valid(h: zx_handle_t) -> bool {
    zx_object_get_info(
        h,
        ZX_INFO_HANDLE_VALID,
        null_mut(),
        0,
        null_mut(),
        null_mut(),
    ) == ZX_OK
}

/// An address with nothing mapped at it (a page mapped and unmapped again).
pub fn unmapped_address() -> *mut u8 {
    // SAFETY: a fresh anonymous mapping, returned to the host right away; only its address
    // is kept.
    unsafe {
        let p = libc::mmap(
            null_mut(),
            PAGE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        assert_eq!(libc::munmap(p, PAGE as usize), 0);
        p.cast()
    }
}

/// Number of open file descriptors of this process (each VMO holds one memfd).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// `zx_vmo_op_range` without a buffer.
pub fn op(h: zx_handle_t, op: u32, offset: u64, len: u64) -> zx_status_t {
    zx_vmo_op_range(h, op, offset, len, null_mut(), 0)
}
