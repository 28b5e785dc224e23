//! Address-space calls: reserve, map a memfd at a fixed address, give a range back to the
//! reservation, protect, populate, and the few facts about the host's address space the
//! VMAR layer needs (the VMA limit, a random seed).
//!
//! Every function is a thin wrapper that returns `Result<_, Errno>`; the caller decides
//! what an errno means. Addresses and lengths are passed through unchanged: the object
//! layer guarantees page alignment and that each range lies inside a reservation it owns.
//! None of these functions allocates, so they can be used on the map/unmap hot path.
use super::{check, Errno};
use std::ops::BitOr;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Page protection as `mmap`/`mprotect` take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot(libc::c_int);

impl Prot {
    pub const NONE: Prot = Prot(libc::PROT_NONE);
    pub const READ: Prot = Prot(libc::PROT_READ);
    pub const WRITE: Prot = Prot(libc::PROT_WRITE);
    pub const EXEC: Prot = Prot(libc::PROT_EXEC);

    /// The protection with the given accesses.
    pub const fn new(read: bool, write: bool, exec: bool) -> Prot {
        let mut p = 0;
        if read {
            p |= libc::PROT_READ;
        }
        if write {
            p |= libc::PROT_WRITE;
        }
        if exec {
            p |= libc::PROT_EXEC;
        }
        Prot(p)
    }

    pub const fn raw(self) -> libc::c_int {
        self.0
    }
}

impl BitOr for Prot {
    type Output = Prot;
    fn bitor(self, rhs: Prot) -> Prot {
        Prot(self.0 | rhs.0)
    }
}

const RESERVE_FLAGS: libc::c_int = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;

/// Reserves `len` bytes of address space wherever the host likes: `PROT_NONE`, private,
/// anonymous, `MAP_NORESERVE`, so it costs no memory and no commit charge.
pub fn reserve(len: usize) -> Result<usize, Errno> {
    // SAFETY: a fresh anonymous mapping at an address of the kernel's choosing cannot alias
    // any memory Rust knows about.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_NONE,
            RESERVE_FLAGS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        Err(Errno::last())
    } else {
        Ok(p as usize)
    }
}

/// `mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, offset)`: replaces whatever is at
/// `[addr, addr + len)` (inside a reservation) with a shared mapping of the file.
pub fn map_fixed_shared(
    addr: usize,
    len: usize,
    prot: Prot,
    fd: BorrowedFd<'_>,
    offset: u64,
) -> Result<(), Errno> {
    let offset = libc::off_t::try_from(offset).map_err(|_| Errno::EINVAL)?;
    // A userfaultfd registration of the old mapping dies with it.
    let forgotten = super::uffd::forget(addr, len);
    // SAFETY: the range lies inside a reservation owned by the caller (the VMAR layer), which
    // holds the address-space lock; nothing Rust-owned lives there.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            prot.raw(),
            libc::MAP_SHARED | libc::MAP_FIXED,
            fd.as_raw_fd(),
            offset,
        )
    };
    forgotten.wake();
    if p == libc::MAP_FAILED {
        Err(Errno::last())
    } else {
        debug_assert_eq!(p as usize, addr);
        Ok(())
    }
}

/// Gives `[addr, addr + len)` back to the reservation: a fresh `PROT_NONE` private
/// anonymous `MAP_NORESERVE` mapping over it. Never `munmap`: the range must not return to
/// the host's free pool, or a later host `mmap(NULL)` could land inside a VMAR.
pub fn release_to_reserve(addr: usize, len: usize) -> Result<(), Errno> {
    // A userfaultfd registration of the old mapping dies with it.
    let forgotten = super::uffd::forget(addr, len);
    // SAFETY: the range lies inside a reservation owned by the caller; replacing it with
    // inaccessible memory is exactly what the VMAR model asks for.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            RESERVE_FLAGS | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    forgotten.wake();
    if p == libc::MAP_FAILED {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// `mprotect(addr, len, prot)`.
pub fn protect(addr: usize, len: usize, prot: Prot) -> Result<(), Errno> {
    // SAFETY: the range lies inside a reservation owned by the caller and holds only
    // mappings the VMAR model placed there.
    check(unsafe { libc::mprotect(addr as *mut libc::c_void, len, prot.raw()) }).map(drop)
}

fn madvise(addr: usize, len: usize, advice: libc::c_int) -> Result<(), Errno> {
    // SAFETY: advice on a range inside a reservation owned by the caller; the advices used
    // here never change contents that Rust code relies on.
    check(unsafe { libc::madvise(addr as *mut libc::c_void, len, advice) }).map(drop)
}

/// `MADV_POPULATE_READ`: installs page-table entries for the range as a read fault would.
/// On a shared memfd mapping a read fault allocates a page for a hole, so callers pass
/// only ranges whose pages are already present (see [`next_data`]).
pub fn populate_read(addr: usize, len: usize) -> Result<(), Errno> {
    madvise(addr, len, libc::MADV_POPULATE_READ)
}

/// `MADV_DONTNEED`: drops page-table entries (for a shared memfd mapping the file keeps
/// the pages; this is not a decommit).
pub fn dont_need(addr: usize, len: usize) -> Result<(), Errno> {
    madvise(addr, len, libc::MADV_DONTNEED)
}

/// `MADV_WILLNEED`: asks the host to read ahead; never allocates pages of a memfd.
pub fn will_need(addr: usize, len: usize) -> Result<(), Errno> {
    madvise(addr, len, libc::MADV_WILLNEED)
}

/// The first present ("data") byte of the file at or after `offset`, and the end of that
/// present extent, both clamped to `end`; `None` when the file has no data in
/// `[offset, end)`. Uses `lseek(SEEK_DATA / SEEK_HOLE)`, which for a memfd reports pages
/// that exist in the page cache, without allocating any.
pub fn next_data(fd: BorrowedFd<'_>, offset: u64, end: u64) -> Result<Option<(u64, u64)>, Errno> {
    if offset >= end {
        return Ok(None);
    }
    let Ok(off) = libc::off_t::try_from(offset) else {
        return Ok(None);
    };
    // SAFETY: lseek on a descriptor the caller keeps open; it only moves the file offset,
    // which nothing in zx-shim relies on (all file I/O is positional).
    let data = unsafe { libc::lseek(fd.as_raw_fd(), off, libc::SEEK_DATA) };
    if data < 0 {
        let e = Errno::last();
        // ENXIO: no data at or after `offset` (including offset beyond the end of file).
        return if e.0 == libc::ENXIO { Ok(None) } else { Err(e) };
    }
    let data = data as u64;
    if data >= end {
        return Ok(None);
    }
    // SAFETY: as above.
    let hole = unsafe { libc::lseek(fd.as_raw_fd(), data as libc::off_t, libc::SEEK_HOLE) };
    if hole < 0 {
        return Err(Errno::last());
    }
    Ok(Some((data, (hole as u64).min(end))))
}

/// The host's per-process VMA limit (`vm.max_map_count`), read once; 65 530 (the Linux
/// default) if the file cannot be read.
pub fn max_map_count() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(65_530)
    })
}

/// 64 random bits from `getrandom`, or a value mixed from the clock and pid if the host
/// refuses (placement randomness is a hardening measure, not a security boundary here).
pub fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // SAFETY: getrandom writes at most `buf.len()` bytes into the valid array.
    let got = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if got == 8 {
        u64::from_ne_bytes(buf)
    } else {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        (ts.tv_nsec as u64) ^ ((ts.tv_sec as u64) << 32) ^ u64::from(std::process::id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_map_release_round_trip() {
        let len = 16 * 4096;
        let base = reserve(len).unwrap();
        let fd = crate::host::memfd::create(c"mman-test").unwrap();
        crate::host::memfd::set_len(&fd, 4096).unwrap();
        use std::os::fd::AsFd;
        map_fixed_shared(base + 4096, 4096, Prot::READ | Prot::WRITE, fd.as_fd(), 0).unwrap();
        // SAFETY: the page was just mapped read/write.
        unsafe { ((base + 4096) as *mut u8).write_volatile(7) };
        assert_eq!(next_data(fd.as_fd(), 0, 4096).unwrap(), Some((0, 4096)));
        protect(base + 4096, 4096, Prot::READ).unwrap();
        populate_read(base + 4096, 4096).unwrap();
        release_to_reserve(base + 4096, 4096).unwrap();
        assert!(max_map_count() > 1000);
        // SAFETY: the whole range is ours; give it back to the host at the end of the test.
        unsafe { libc::munmap(base as *mut libc::c_void, len) };
    }

    #[test]
    fn next_data_skips_holes() {
        use std::os::fd::AsFd;
        let fd = crate::host::memfd::create(c"mman-holes").unwrap();
        crate::host::memfd::set_len(&fd, 8 * 4096).unwrap();
        assert_eq!(next_data(fd.as_fd(), 0, 8 * 4096).unwrap(), None);
        let byte = [1u8];
        // SAFETY: `byte` is a valid one-byte buffer.
        unsafe { crate::host::memfd::write_at(&fd, byte.as_ptr(), 1, 3 * 4096).unwrap() };
        assert_eq!(
            next_data(fd.as_fd(), 0, 8 * 4096).unwrap(),
            Some((3 * 4096, 4 * 4096))
        );
        assert_eq!(next_data(fd.as_fd(), 4 * 4096, 8 * 4096).unwrap(), None);
    }
}
