//! Layer 4: the host. The only code that calls `mmap`, `mprotect`, `madvise`, `fallocate`,
//! `memfd_create` and `userfaultfd`. Every function returns `Result<_, Errno>`; callers in
//! the object layer decide what each errno means for their call (there is deliberately no
//! blanket conversion to `Status`).
pub mod clock;
pub mod event;
pub mod maps;
pub mod memfd;
pub mod mman;
pub mod uffd;

/// A host error number (`errno`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const EINVAL: Errno = Errno(libc::EINVAL);

    /// The calling thread's current `errno`.
    pub fn last() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

/// Decodes a `-1`-on-error return value.
pub(crate) fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Decodes a `-1`-on-error `ssize_t` return value.
pub(crate) fn check_size(ret: libc::ssize_t) -> Result<usize, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret as usize)
    }
}

/// The host page size (4096 on the hosts zx-shim supports; checked at reservation time).
pub fn page_size() -> usize {
    4096
}
