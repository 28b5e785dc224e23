//! memfd files backing VMOs: create, size, read, write, allocate (commit), punch holes
//! (decommit) and count allocated bytes.
//!
//! Reads and writes move bytes straight between the file and a caller's buffer with
//! `pread`/`pwrite`: the host kernel validates the caller's pointer and answers `EFAULT`
//! for memory it cannot access, so a bad buffer never faults inside zx-shim.
use super::{check, check_size, Errno};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;

/// The longest file the host gives a memfd: `MAX_LFS_FILESIZE` (`i64::MAX`) rounded down
/// to a page. A VMO larger than this (only `ZX_VMO_UNBOUNDED` ones, or ones created with
/// a size ≥ 8 EiB) keeps its full size in the object layer; its bytes from here on read
/// as zero and cannot be written or committed.
pub const MAX_LEN: u64 = (i64::MAX as u64) & !(4096 - 1);

/// Creates an empty memfd named `name` (shown in /proc/self/maps), close-on-exec and
/// executable. `MFD_EXEC` keeps `PROT_EXEC` mappings possible where `vm.memfd_noexec=1`
/// would seal new memfds; hosts older than Linux 6.3 reject the flag (`EINVAL`) and
/// `vm.memfd_noexec=2` refuses it (`EACCES`), so those get a plain memfd.
pub fn create(name: &std::ffi::CStr) -> Result<OwnedFd, Errno> {
    const MFD_EXEC: libc::c_uint = 0x10;
    // SAFETY: `name` is a valid NUL-terminated string; the flags are valid.
    let ret = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | MFD_EXEC) };
    let fd = match check(ret) {
        Err(Errno(libc::EINVAL | libc::EACCES)) => {
            // SAFETY: as above, with flags every memfd-capable kernel accepts.
            check(unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) })?
        }
        other => other?,
    };
    // SAFETY: memfd_create returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sets the file length (`ftruncate`). Shrinking frees the pages beyond `len`; growing
/// adds a hole.
pub fn set_len(fd: &OwnedFd, len: u64) -> Result<(), Errno> {
    let len = i64::try_from(len).map_err(|_| Errno(libc::EFBIG))?;
    // SAFETY: plain syscall on a descriptor we own.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), len) }).map(drop)
}

/// Allocates the pages of `[offset, offset + len)` (`fallocate` mode 0): they count as
/// committed and reads of them give zeros. The range must lie inside the file, so the
/// length does not change.
pub fn allocate(fd: &OwnedFd, offset: u64, len: u64) -> Result<(), Errno> {
    let (offset, len) = file_range(offset, len)?;
    // SAFETY: plain syscall on a descriptor we own.
    check(unsafe { libc::fallocate(fd.as_raw_fd(), 0, offset, len) }).map(drop)
}

/// Frees the pages of `[offset, offset + len)` (`FALLOC_FL_PUNCH_HOLE | KEEP_SIZE`): the
/// bytes read back as zero, through `pread` and through every mapping, and no longer count
/// as allocated. Partial pages at either end are zeroed in place by the host.
pub fn punch_hole(fd: &OwnedFd, offset: u64, len: u64) -> Result<(), Errno> {
    let (offset, len) = file_range(offset, len)?;
    let mode = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
    // SAFETY: plain syscall on a descriptor we own.
    check(unsafe { libc::fallocate(fd.as_raw_fd(), mode, offset, len) }).map(drop)
}

/// Copies `len` bytes from `src` at `src_offset` to `dst` at `dst_offset` inside the host
/// kernel (`copy_file_range`, looping over short copies). Holes of `src` arrive as zeros.
pub fn copy_range(
    src: &OwnedFd,
    src_offset: u64,
    dst: &OwnedFd,
    dst_offset: u64,
    len: u64,
) -> Result<(), Errno> {
    let (mut so, _) = file_range(src_offset, len)?;
    let (mut d, _) = file_range(dst_offset, len)?;
    let mut left = len;
    while left > 0 {
        let chunk = left.min(1 << 30) as usize;
        // SAFETY: both descriptors are ours; the offsets are valid `loff_t`s we own.
        let ret = unsafe {
            libc::copy_file_range(src.as_raw_fd(), &mut so, dst.as_raw_fd(), &mut d, chunk, 0)
        };
        match check_size(ret as libc::ssize_t) {
            Ok(0) => return Err(Errno(libc::EIO)),
            Ok(n) => left -= n as u64,
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Bytes of memory the file holds (`st_blocks * 512`). Every allocated page counts, whether
/// it was written, `fallocate`d or faulted in through a writable mapping.
pub fn allocated_bytes(fd: &OwnedFd) -> Result<u64, Errno> {
    // SAFETY: `stat` is plain old data, valid when zeroed.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid, writable stat buffer; the descriptor is ours.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok((st.st_blocks as u64).saturating_mul(512))
}

/// `pread` of up to `len` bytes at `offset` into `buf`.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes or be a pointer the host kernel will
/// reject with EFAULT (the kernel checks it; we never dereference it).
pub unsafe fn read_at(fd: &OwnedFd, buf: *mut u8, len: usize, offset: u64) -> Result<usize, Errno> {
    let (offset, _) = file_range(offset, len as u64)?;
    // SAFETY: the caller upholds the buffer contract; the kernel validates the pointer.
    check_size(unsafe { libc::pread(fd.as_raw_fd(), buf.cast(), len, offset) })
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
    let (offset, _) = file_range(offset, len as u64)?;
    // SAFETY: the caller upholds the buffer contract; the kernel validates the pointer.
    check_size(unsafe { libc::pwrite(fd.as_raw_fd(), buf.cast(), len, offset) })
}

/// Fills `buf` from the file at `offset`, for zx-shim's own bookkeeping in a file (the
/// IOB ID allocator). Bytes beyond the end of the file read as zero.
pub fn read_exact_at(fd: &OwnedFd, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is our own writable slice of exactly `rest.len()` bytes.
        match unsafe { read_at(fd, rest.as_mut_ptr(), rest.len(), offset + done as u64) } {
            Ok(0) => {
                rest.fill(0);
                break;
            }
            Ok(n) => done += n,
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `buf` to the file at `offset` (zx-shim's own bytes; see [`read_exact_at`]).
pub fn write_all_at(fd: &OwnedFd, buf: &[u8], offset: u64) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &buf[done..];
        // SAFETY: `rest` is our own readable slice of exactly `rest.len()` bytes.
        match unsafe { write_at(fd, rest.as_ptr(), rest.len(), offset + done as u64) } {
            Ok(0) => return Err(Errno(libc::EIO)),
            Ok(n) => done += n,
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Most [`View`]s alive at once: each is a host VMA outside the VMAR model's account.
pub const VIEW_MAX_LIVE: usize = 16;
/// Longest file a [`View`] maps.
pub const VIEW_MAX_LEN: u64 = 1 << 30;

static VIEWS_LIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A read-only shared mapping of a memfd in zx-shim's own memory, outside every VMAR, for
/// the host kernel to copy from (`UFFDIO_COPY`'s source) without a `pread` into a buffer
/// first. zx-shim never dereferences it, so bytes beyond a shrunk file give the kernel
/// call `EFAULT`, not a `SIGBUS`.
#[derive(Debug)]
pub struct View {
    addr: usize,
    len: usize,
}

impl View {
    /// Maps the first `len` bytes of `fd`. `EMFILE` when [`VIEW_MAX_LIVE`] views exist,
    /// `EFBIG` beyond [`VIEW_MAX_LEN`], `EINVAL` for an empty file.
    pub fn new(fd: &OwnedFd, len: u64) -> Result<View, Errno> {
        use std::sync::atomic::Ordering;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        if len > VIEW_MAX_LEN {
            return Err(Errno(libc::EFBIG));
        }
        if VIEWS_LIVE.fetch_add(1, Ordering::Relaxed) >= VIEW_MAX_LIVE {
            VIEWS_LIVE.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno(libc::EMFILE));
        }
        let len = len as usize;
        // SAFETY: a fresh mapping at an address the host kernel picks; nothing else is
        // affected. It is only ever read by host system calls.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED | libc::MAP_NORESERVE,
                fd.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            VIEWS_LIVE.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno::last());
        }
        Ok(View {
            addr: p as usize,
            len,
        })
    }

    /// The address of file bytes `[offset, offset + len)`, if the view covers them.
    pub fn at(&self, offset: u64, len: usize) -> Option<*const u8> {
        let end = offset.checked_add(len as u64)?;
        (end <= self.len as u64).then_some((self.addr + offset as usize) as *const u8)
    }
}

impl Drop for View {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and nothing refers to it any more.
        unsafe { libc::munmap(self.addr as *mut libc::c_void, self.len) };
        VIEWS_LIVE.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A caller's buffer that the host kernel writes into on zx-shim's behalf.
pub struct CallerBufMut {
    ptr: *mut u8,
    len: usize,
}

impl CallerBufMut {
    /// # Safety
    /// Each byte of `[ptr, ptr + len)` must be writable memory that nothing in this process
    /// relies on being unchanged, or memory the host kernel refuses with `EFAULT` (unmapped,
    /// NULL, read-only). zx-shim never dereferences it; only `pread` does.
    pub unsafe fn new(ptr: *mut u8, len: usize) -> CallerBufMut {
        CallerBufMut { ptr, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A caller's buffer that the host kernel reads from on zx-shim's behalf.
pub struct CallerBuf {
    ptr: *const u8,
    len: usize,
}

impl CallerBuf {
    /// # Safety
    /// Each byte of `[ptr, ptr + len)` must be readable memory or memory the host kernel
    /// refuses with `EFAULT`. zx-shim never dereferences it; only `pwrite` does.
    pub unsafe fn new(ptr: *const u8, len: usize) -> CallerBuf {
        CallerBuf { ptr, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the first `out.len()` caller bytes into `out` through the host kernel
    /// (`process_vm_readv` on this process), so an unreadable buffer gives `EFAULT` rather
    /// than a fault inside zx-shim. For callers that must not hold a lock while the
    /// caller's memory is touched (it may fault, even block on a pager).
    pub fn copy_to(&self, out: &mut [u8]) -> Result<(), Errno> {
        assert!(out.len() <= self.len);
        let mut done = 0;
        while done < out.len() {
            let rest = &mut out[done..];
            let local = libc::iovec {
                iov_base: rest.as_mut_ptr().cast(),
                iov_len: rest.len(),
            };
            let remote = libc::iovec {
                iov_base: self.ptr.wrapping_add(done).cast_mut().cast(),
                iov_len: rest.len(),
            };
            // SAFETY: `local` is our own writable slice; `remote` is only read, by the
            // kernel, which checks it (the contract of `CallerBuf::new`).
            let ret = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
            match check_size(ret) {
                Ok(0) => return Err(Errno::EFAULT),
                Ok(n) => done += n,
                Err(Errno(libc::EINTR)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// One `pread` of up to `len` bytes at file `offset` into `buf[at..]`. `Ok(0)` means end of
/// file. `EFAULT` means the caller's buffer is not writable.
pub fn read_into(
    fd: &OwnedFd,
    buf: &CallerBufMut,
    at: usize,
    offset: u64,
    len: usize,
) -> Result<usize, Errno> {
    assert!(at.checked_add(len).is_some_and(|end| end <= buf.len));
    let (offset, _) = file_range(offset, len as u64)?;
    // SAFETY: `at + len <= buf.len` (asserted), so the pointer stays within the caller's
    // buffer, whose contract `CallerBufMut::new` states; the kernel validates each byte.
    check_size(unsafe { libc::pread(fd.as_raw_fd(), buf.ptr.wrapping_add(at).cast(), len, offset) })
}

/// One `pwrite` of up to `len` bytes from `buf[at..]` at file `offset`. `EFAULT` means the
/// caller's buffer is not readable.
pub fn write_from(
    fd: &OwnedFd,
    buf: &CallerBuf,
    at: usize,
    offset: u64,
    len: usize,
) -> Result<usize, Errno> {
    assert!(at.checked_add(len).is_some_and(|end| end <= buf.len));
    let (offset, _) = file_range(offset, len as u64)?;
    // SAFETY: as in `read_into`, with the contract of `CallerBuf::new`.
    check_size(unsafe {
        libc::pwrite(fd.as_raw_fd(), buf.ptr.wrapping_add(at).cast(), len, offset)
    })
}

/// Fills `buf[at..at + len]` with zeros through the host kernel (a `pread` of a file hole),
/// so that an inaccessible buffer gives `EFAULT` rather than a crash. Used for the part of
/// a VMO beyond [`MAX_LEN`].
pub fn zero_into(buf: &CallerBufMut, mut at: usize, mut len: usize) -> Result<(), Errno> {
    const HOLE_LEN: u64 = 1 << 30;
    static HOLE: OnceLock<Result<OwnedFd, Errno>> = OnceLock::new();
    let hole = HOLE
        .get_or_init(|| {
            let fd = create(c"zx-zeros")?;
            set_len(&fd, HOLE_LEN)?;
            Ok(fd)
        })
        .as_ref()
        .map_err(|e| *e)?;
    while len > 0 {
        let chunk = len.min(HOLE_LEN as usize);
        match read_into(hole, buf, at, 0, chunk) {
            Ok(0) => return Err(Errno(libc::EIO)),
            Ok(n) => {
                at += n;
                len -= n;
            }
            Err(Errno(libc::EINTR)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `(offset, len)` as `off_t` values, `EFBIG` if the range does not fit a host file.
fn file_range(offset: u64, len: u64) -> Result<(i64, i64), Errno> {
    let end = offset.checked_add(len).ok_or(Errno(libc::EFBIG))?;
    if end > i64::MAX as u64 {
        return Err(Errno(libc::EFBIG));
    }
    Ok((offset as i64, len as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_and_punch_change_allocated_bytes() {
        let fd = create(c"t").unwrap();
        set_len(&fd, 4 * 4096).unwrap();
        assert_eq!(allocated_bytes(&fd).unwrap(), 0);
        allocate(&fd, 4096, 2 * 4096).unwrap();
        assert_eq!(allocated_bytes(&fd).unwrap(), 2 * 4096);
        punch_hole(&fd, 4096, 4096).unwrap();
        assert_eq!(allocated_bytes(&fd).unwrap(), 4096);
    }

    #[test]
    fn read_and_write_round_trip_and_efault() {
        let fd = create(c"t").unwrap();
        set_len(&fd, 4096).unwrap();
        let data = *b"hello";
        // SAFETY: `data` is readable for its length.
        let src = unsafe { CallerBuf::new(data.as_ptr(), data.len()) };
        assert_eq!(write_from(&fd, &src, 0, 100, 5).unwrap(), 5);
        let mut out = [0xffu8; 7];
        // SAFETY: `out` is writable and not otherwise borrowed while the buffer is used.
        let dst = unsafe { CallerBufMut::new(out.as_mut_ptr(), out.len()) };
        assert_eq!(read_into(&fd, &dst, 0, 99, 7).unwrap(), 7);
        assert_eq!(out, [0, b'h', b'e', b'l', b'l', b'o', 0]);
        // SAFETY: NULL is refused by the host kernel with EFAULT.
        let null = unsafe { CallerBufMut::new(std::ptr::null_mut(), 8) };
        assert_eq!(read_into(&fd, &null, 0, 0, 8), Err(Errno::EFAULT));
    }

    #[test]
    fn zero_into_clears_the_buffer() {
        let mut out = [0xffu8; 100];
        // SAFETY: `out` is writable and not otherwise borrowed while the buffer is used.
        let dst = unsafe { CallerBufMut::new(out.as_mut_ptr(), out.len()) };
        zero_into(&dst, 10, 80).unwrap();
        assert!(out[10..90].iter().all(|&b| b == 0));
        assert_eq!((out[9], out[90]), (0xff, 0xff));
    }

    #[test]
    fn max_len_is_accepted_by_the_host() {
        let fd = create(c"t").unwrap();
        set_len(&fd, MAX_LEN).unwrap();
        punch_hole(&fd, MAX_LEN - 10, 10).unwrap();
        assert_eq!(set_len(&fd, MAX_LEN + 4096), Err(Errno(libc::EFBIG)));
    }
}
