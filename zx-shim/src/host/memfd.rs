//! memfd files backing VMOs: create, size, read, write, commit and decommit.
use super::{check, check_size, Errno};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Creates an empty memfd named `name` (shown in /proc/self/maps), close-on-exec.
pub fn create(name: &std::ffi::CStr) -> Result<OwnedFd, Errno> {
    // SAFETY: `name` is a valid NUL-terminated string; the flags are valid.
    let fd = check(unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) })?;
    // SAFETY: memfd_create returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sets the file length (`ftruncate`).
pub fn set_len(fd: &OwnedFd, len: u64) -> Result<(), Errno> {
    let len = i64::try_from(len).map_err(|_| Errno(libc::EFBIG))?;
    // SAFETY: plain syscall on a descriptor we own.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), len) }).map(drop)
}

/// `pread` of up to `len` bytes at `offset` into `buf`.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes or be a pointer the host kernel will
/// reject with EFAULT (the kernel checks it; we never dereference it).
pub unsafe fn read_at(fd: &OwnedFd, buf: *mut u8, len: usize, offset: u64) -> Result<usize, Errno> {
    // SAFETY: the caller upholds the buffer contract; the kernel validates the pointer.
    check_size(unsafe { libc::pread(fd.as_raw_fd(), buf.cast(), len, offset as i64) })
}

/// `pwrite` of `len` bytes from `buf` at `offset`.
///
/// # Safety
/// As for [`read_at`], with `buf` readable.
pub unsafe fn write_at(
    fd: &OwnedFd,
    buf: *const u8,
    len: usize,
    offset: u64,
) -> Result<usize, Errno> {
    // SAFETY: the caller upholds the buffer contract; the kernel validates the pointer.
    check_size(unsafe { libc::pwrite(fd.as_raw_fd(), buf.cast(), len, offset as i64) })
}
