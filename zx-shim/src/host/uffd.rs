//! userfaultfd: the host mechanism behind pager-backed VMOs (linux-host.md item 6).
//!
//! * [`Uffd::open`] tries `/dev/userfaultfd` (`USERFAULTFD_IOC_NEW`), then the
//!   `userfaultfd(2)` system call, then the system call with `UFFD_USER_MODE_ONLY`, which
//!   works unprivileged on default hosts. With user-mode-only, a fault taken by the *host
//!   kernel* on an unsupplied page (a `read(2)`, `pread` or futex whose buffer lies in
//!   pager-backed memory, `process_vm_readv`, ...) is not reported to the pager: the host
//!   call fails with `EFAULT` at once (zx-shim reports `NOT_FOUND` for such VMO buffers).
//!   With the other two modes it blocks until the page is supplied, as in Zircon.
//! * Descriptors are `O_CLOEXEC | O_NONBLOCK` (they are polled by port waiters).
//! * Each ioctl is a thin `Result` wrapper; the UAPI structures and numbers are written out
//!   here (checked against `linux/userfaultfd.h` in the tests).
//!
//! # Registry
//! [`REGISTRY`] records which address ranges are registered with which descriptor, for
//! whom (an opaque `token` chosen by the caller) and at which file offset. It mirrors the
//! host: [`forget`] runs in `mman` right before any `mmap` over an address range replaces
//! it (so a registration dies with its mapping), and the object layer uses [`lookup`] to
//! turn a fault address into (token, offset). Its lock is a leaf.
use super::{check, Errno};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

const PAGE: usize = 4096;

// --- UAPI (linux/userfaultfd.h) ---------------------------------------------------------

pub const UFFD_API: u64 = 0xAA;
pub const UFFD_USER_MODE_ONLY: libc::c_int = 1;

pub const UFFD_EVENT_PAGEFAULT: u8 = 0x12;
pub const UFFD_PAGEFAULT_FLAG_WRITE: u64 = 1 << 0;
pub const UFFD_PAGEFAULT_FLAG_WP: u64 = 1 << 1;

pub const UFFD_FEATURE_MISSING_SHMEM: u64 = 1 << 5;
pub const UFFD_FEATURE_SIGBUS: u64 = 1 << 7;
pub const UFFD_FEATURE_WP_HUGETLBFS_SHMEM: u64 = 1 << 12;
pub const UFFD_FEATURE_POISON: u64 = 1 << 14;

pub const UFFDIO_REGISTER_MODE_MISSING: u64 = 1 << 0;
pub const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;
pub const UFFDIO_WRITEPROTECT_MODE_WP: u64 = 1 << 0;

const IOC_WRITE: u64 = 1;
const IOC_READ: u64 = 2;

const fn ioc(dir: u64, nr: u64, size: usize) -> libc::c_ulong {
    ((dir << 30) | ((size as u64) << 16) | (0xAA << 8) | nr) as libc::c_ulong
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioRange {
    start: u64,
    len: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioRegister {
    range: UffdioRange,
    mode: u64,
    ioctls: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioCopy {
    dst: u64,
    src: u64,
    len: u64,
    mode: u64,
    copy: i64,
}

/// Layout shared by `uffdio_zeropage`, `uffdio_continue` and `uffdio_poison`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioRangeOp {
    range: UffdioRange,
    mode: u64,
    result: i64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct UffdioWriteprotect {
    range: UffdioRange,
    mode: u64,
}

/// `struct uffd_msg` (32 bytes), page-fault view.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct UffdMsg {
    pub event: u8,
    reserved1: u8,
    reserved2: u16,
    reserved3: u32,
    /// `arg.pagefault.flags`.
    pub flags: u64,
    /// `arg.pagefault.address`.
    pub address: u64,
    /// `arg.pagefault.feat` (thread id with `UFFD_FEATURE_THREAD_ID`).
    feat: u64,
}

const USERFAULTFD_IOC_NEW: libc::c_ulong = (0xAA << 8) as libc::c_ulong;
const UFFDIO_API: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x3F, size_of::<UffdioApi>());
const UFFDIO_REGISTER: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x00, size_of::<UffdioRegister>());
const UFFDIO_UNREGISTER: libc::c_ulong = ioc(IOC_READ, 0x01, size_of::<UffdioRange>());
const UFFDIO_WAKE: libc::c_ulong = ioc(IOC_READ, 0x02, size_of::<UffdioRange>());
const UFFDIO_COPY: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x03, size_of::<UffdioCopy>());
const UFFDIO_ZEROPAGE: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x04, size_of::<UffdioRangeOp>());
const UFFDIO_WRITEPROTECT: libc::c_ulong =
    ioc(IOC_READ | IOC_WRITE, 0x06, size_of::<UffdioWriteprotect>());
const UFFDIO_CONTINUE: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x07, size_of::<UffdioRangeOp>());
const UFFDIO_POISON: libc::c_ulong = ioc(IOC_READ | IOC_WRITE, 0x08, size_of::<UffdioRangeOp>());

use std::mem::size_of;

// --- Opening ------------------------------------------------------------------------------

/// How a descriptor was obtained (the order [`Uffd::open`] tries them in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// `/dev/userfaultfd`: host-kernel faults are handled too.
    Device,
    /// `userfaultfd(2)` (root, `CAP_SYS_PTRACE` or `vm.unprivileged_userfaultfd=1`).
    Syscall,
    /// `userfaultfd(2)` with `UFFD_USER_MODE_ONLY`: host-kernel accesses to unsupplied pages
    /// fail with `EFAULT` instead of waiting for the pager.
    UserModeOnly,
}

/// The first of the three ways that works, trying them in order: `device`, `syscall(0)`,
/// `syscall(UFFD_USER_MODE_ONLY)`. The error is the last one seen. Separate from the host
/// calls so the order can be tested on any host.
pub fn choose_open<T>(
    device: impl FnOnce() -> Result<T, Errno>,
    mut syscall: impl FnMut(libc::c_int) -> Result<T, Errno>,
) -> Result<(T, OpenMode), (Errno, Errno, Errno)> {
    let e1 = match device() {
        Ok(t) => return Ok((t, OpenMode::Device)),
        Err(e) => e,
    };
    let e2 = match syscall(0) {
        Ok(t) => return Ok((t, OpenMode::Syscall)),
        Err(e) => e,
    };
    match syscall(UFFD_USER_MODE_ONLY) {
        Ok(t) => Ok((t, OpenMode::UserModeOnly)),
        Err(e3) => Err((e1, e2, e3)),
    }
}

const OPEN_FLAGS: libc::c_int = libc::O_CLOEXEC | libc::O_NONBLOCK;

fn open_device() -> Result<OwnedFd, Errno> {
    // SAFETY: plain open of a NUL-terminated path.
    let dev =
        check(unsafe { libc::open(c"/dev/userfaultfd".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) })?;
    // SAFETY: `open` returned a fresh descriptor that nothing else owns.
    let dev = unsafe { OwnedFd::from_raw_fd(dev) };
    // SAFETY: USERFAULTFD_IOC_NEW takes the open flags by value and returns a new fd.
    let fd = check(unsafe { libc::ioctl(dev.as_raw_fd(), USERFAULTFD_IOC_NEW, OPEN_FLAGS) })?;
    // SAFETY: the ioctl returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn open_syscall(extra: libc::c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: the userfaultfd system call takes only flags.
    let ret = unsafe { libc::syscall(libc::SYS_userfaultfd, OPEN_FLAGS | extra) };
    let fd = check(ret as libc::c_int)?;
    // SAFETY: the system call returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn api(fd: &OwnedFd, features: u64) -> Result<UffdioApi, Errno> {
    let mut arg = UffdioApi {
        api: UFFD_API,
        features,
        ioctls: 0,
    };
    // SAFETY: `arg` is a valid, writable `uffdio_api` for the duration of the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), UFFDIO_API, &mut arg) })?;
    Ok(arg)
}

/// The features this host offers (probed once, on a throw-away descriptor, since the API
/// handshake can be made only once per descriptor), and how descriptors are opened.
fn host_support() -> Result<(u64, OpenMode), Errno> {
    static SUPPORT: OnceLock<Result<(u64, OpenMode), Errno>> = OnceLock::new();
    *SUPPORT.get_or_init(|| {
        let (fd, mode) = choose_open(open_device, open_syscall).map_err(|(e1, e2, e3)| {
            tracing::warn!(
                target: "zx_shim::pager",
                "userfaultfd unavailable (/dev/userfaultfd: errno {}, userfaultfd(2): errno {}, \
                 user-mode-only: errno {}); pagers answer ZX_ERR_NOT_SUPPORTED. Enable it with \
                 `sysctl vm.unprivileged_userfaultfd=1`, read-write access to /dev/userfaultfd, \
                 or CAP_SYS_PTRACE, and make sure no seccomp filter blocks userfaultfd.",
                e1.0, e2.0, e3.0
            );
            e3
        })?;
        let features = api(&fd, 0)?.features;
        if mode == OpenMode::UserModeOnly {
            tracing::info!(
                target: "zx_shim::pager",
                "userfaultfd is user-mode-only here: host system calls that touch unsupplied \
                 pager pages fail (EFAULT) instead of waiting for the pager"
            );
        }
        Ok((features, mode))
    })
}

/// A userfaultfd descriptor after the API handshake.
#[derive(Debug)]
pub struct Uffd {
    fd: OwnedFd,
    features: u64,
    mode: OpenMode,
}

impl Uffd {
    /// Opens a descriptor (three-step order, module docs) and enables `required` plus
    /// whatever of `optional` the host has. `ENOSYS`/`EPERM`/... when none works, `EINVAL`
    /// if a required feature is missing.
    pub fn open(required: u64, optional: u64) -> Result<Uffd, Errno> {
        let (available, _) = host_support()?;
        if available & required != required {
            return Err(Errno::EINVAL);
        }
        let (fd, mode) = choose_open(open_device, open_syscall).map_err(|(_, _, e)| e)?;
        let features = api(&fd, required | (optional & available))?.features;
        Ok(Uffd { fd, features, mode })
    }

    pub fn features(&self) -> u64 {
        self.features
    }

    pub fn has(&self, feature: u64) -> bool {
        self.features & feature == feature
    }

    pub fn mode(&self) -> OpenMode {
        self.mode
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn ioctl<T>(&self, request: libc::c_ulong, arg: &mut T) -> Result<(), Errno> {
        // SAFETY: every caller passes the structure `request` expects, valid and writable
        // for the duration of the call; the kernel validates the addresses inside it.
        check(unsafe { libc::ioctl(self.fd.as_raw_fd(), request, arg as *mut T) }).map(drop)
    }

    /// `UFFDIO_REGISTER` of `[start, start + len)` with `mode`.
    pub fn register(&self, start: usize, len: usize, mode: u64) -> Result<(), Errno> {
        let mut arg = UffdioRegister {
            range: range(start, len),
            mode,
            ioctls: 0,
        };
        self.ioctl(UFFDIO_REGISTER, &mut arg)
    }

    /// `UFFDIO_UNREGISTER`; threads waiting on faults in the range are woken.
    pub fn unregister(&self, start: usize, len: usize) -> Result<(), Errno> {
        let mut arg = range(start, len);
        self.ioctl(UFFDIO_UNREGISTER, &mut arg)
    }

    /// `UFFDIO_WAKE`: threads waiting on faults in the range retry them.
    pub fn wake(&self, start: usize, len: usize) -> Result<(), Errno> {
        let mut arg = range(start, len);
        self.ioctl(UFFDIO_WAKE, &mut arg)
    }

    /// `UFFDIO_COPY` of `len` bytes from `src` (our memory) to the registered `dst`, waking
    /// the faulting threads. Returns the bytes copied.
    pub fn copy(&self, dst: usize, src: *const u8, len: usize) -> Result<usize, Errno> {
        let mut arg = UffdioCopy {
            dst: dst as u64,
            src: src as u64,
            len: len as u64,
            mode: 0,
            copy: 0,
        };
        self.ioctl(UFFDIO_COPY, &mut arg)?;
        Ok(arg.copy.max(0) as usize)
    }

    /// `UFFDIO_ZEROPAGE`: installs zero pages (in the page cache, for shmem) and wakes.
    /// `EEXIST` if a page is present already.
    pub fn zeropage(&self, start: usize, len: usize) -> Result<(), Errno> {
        let mut arg = UffdioRangeOp {
            range: range(start, len),
            ..Default::default()
        };
        self.ioctl(UFFDIO_ZEROPAGE, &mut arg)
    }

    /// `UFFDIO_CONTINUE`: maps pages already in the page cache (minor mode) and wakes.
    pub fn continue_range(&self, start: usize, len: usize) -> Result<(), Errno> {
        let mut arg = UffdioRangeOp {
            range: range(start, len),
            ..Default::default()
        };
        self.ioctl(UFFDIO_CONTINUE, &mut arg)
    }

    /// `UFFDIO_POISON` (`UFFD_FEATURE_POISON`): the range's page-table entries become
    /// poison markers, so that the (woken) faulting threads take `SIGBUS`. `EEXIST` where a
    /// page is mapped.
    pub fn poison(&self, start: usize, len: usize) -> Result<(), Errno> {
        let mut arg = UffdioRangeOp {
            range: range(start, len),
            ..Default::default()
        };
        self.ioctl(UFFDIO_POISON, &mut arg)
    }

    /// `UFFDIO_WRITEPROTECT`: protect (`wp`) or unprotect the range; unprotecting wakes the
    /// threads waiting on write-protect faults there.
    pub fn writeprotect(&self, start: usize, len: usize, wp: bool) -> Result<(), Errno> {
        let mut arg = UffdioWriteprotect {
            range: range(start, len),
            mode: if wp { UFFDIO_WRITEPROTECT_MODE_WP } else { 0 },
        };
        self.ioctl(UFFDIO_WRITEPROTECT, &mut arg)
    }

    /// Reads pending events into `out` without blocking; `Ok(0)` when there are none.
    pub fn read_events(&self, out: &mut [UffdMsg]) -> Result<usize, Errno> {
        let bytes = std::mem::size_of_val(out);
        // SAFETY: `out` is `bytes` writable bytes of plain-old-data messages.
        let ret = unsafe { libc::read(self.fd.as_raw_fd(), out.as_mut_ptr().cast(), bytes) };
        if ret < 0 {
            return match Errno::last() {
                Errno(libc::EAGAIN) => Ok(0),
                e => Err(e),
            };
        }
        Ok(ret as usize / size_of::<UffdMsg>())
    }
}

/// `UFFDIO_COPY`s `len` bytes of `src` at `src_offset` (holes read as zeros) to the
/// registered `dst`, which maps them (and, for shmem, adds them to the file) and wakes the
/// threads faulting there: straight from `view` (a mapping of `src`) when it covers them,
/// else through a per-thread bounce buffer filled with `pread`. Fails if not all `len`
/// bytes could be placed (e.g. `EEXIST`, `ENOENT` when `dst` spans several VMAs, `EFAULT`
/// when `src` shrank below the view); the caller then copies file to file, which overwrites
/// identical bytes.
pub fn copy_from_file(
    uffd: &Uffd,
    src: &OwnedFd,
    src_offset: u64,
    dst: usize,
    len: usize,
    view: Option<&super::memfd::View>,
) -> Result<(), Errno> {
    if let Some(from) = view.and_then(|v| v.at(src_offset, len)) {
        return match uffd.copy(dst, from, len)? {
            n if n == len => Ok(()),
            _ => Err(Errno(libc::EAGAIN)),
        };
    }
    thread_local! {
        static BOUNCE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BOUNCE.with(|bounce| {
        let mut buf = bounce.borrow_mut();
        if buf.len() < len {
            buf.resize(len, 0);
        }
        let mut done = 0;
        while done < len {
            // SAFETY: `buf[done..len]` is our own writable memory.
            let n = unsafe {
                super::memfd::read_at(
                    src,
                    buf.as_mut_ptr().add(done),
                    len - done,
                    src_offset + done as u64,
                )
            };
            match n {
                Ok(0) => return Err(Errno(libc::EIO)),
                Ok(n) => done += n,
                Err(Errno(libc::EINTR)) => {}
                Err(e) => return Err(e),
            }
        }
        match uffd.copy(dst, buf.as_ptr(), len)? {
            n if n == len => Ok(()),
            _ => Err(Errno(libc::EAGAIN)),
        }
    })
}

fn range(start: usize, len: usize) -> UffdioRange {
    UffdioRange {
        start: start as u64,
        len: len as u64,
    }
}

// --- Registry ----------------------------------------------------------------------------

/// A registered address range.
#[derive(Clone, Debug)]
pub struct Registration {
    pub len: usize,
    /// The descriptor the range is registered with.
    pub uffd: Arc<Uffd>,
    /// Chosen by the registrant (the pager VMO).
    pub token: u64,
    /// File offset of the range's first byte.
    pub offset: u64,
}

pub struct Registry {
    /// Keyed by start address; ranges never overlap.
    map: Mutex<BTreeMap<usize, Registration>>,
    /// `map.len()`, readable without the lock: `forget` is on every map/unmap path.
    count: AtomicUsize,
}

pub static REGISTRY: Registry = Registry {
    map: Mutex::new(BTreeMap::new()),
    count: AtomicUsize::new(0),
};

/// Wake-ups owed to threads that faulted in ranges [`forget`] removed.
#[derive(Default)]
pub struct Forgotten(Vec<(Arc<Uffd>, usize, usize)>);

impl Forgotten {
    /// Wakes the threads blocked in the forgotten ranges, so they retry against whatever is
    /// mapped there now. Call after the host change.
    #[inline]
    pub fn wake(self) {
        if !self.0.is_empty() {
            self.wake_all();
        }
    }

    #[cold]
    fn wake_all(self) {
        for (uffd, start, len) in self.0 {
            let _ = uffd.wake(start, len);
        }
    }
}

impl Registry {
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Registration>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes `[start, start + len)` from `map` (trimming ranges that stick out), giving
    /// back what was removed.
    fn cut(
        map: &mut BTreeMap<usize, Registration>,
        start: usize,
        len: usize,
    ) -> Vec<(usize, Registration)> {
        let end = start.saturating_add(len);
        let mut keys: Vec<usize> = map
            .range(..end)
            .rev()
            .take_while(|(s, r)| *s + r.len > start)
            .map(|(s, _)| *s)
            .collect();
        keys.reverse();
        let mut removed = Vec::new();
        for s in keys {
            let r = map.remove(&s).expect("key just seen");
            let e = s + r.len;
            if s < start {
                map.insert(
                    s,
                    Registration {
                        len: start - s,
                        ..r.clone()
                    },
                );
            }
            if e > end {
                map.insert(
                    end,
                    Registration {
                        len: e - end,
                        offset: r.offset + (end - s) as u64,
                        ..r.clone()
                    },
                );
            }
            let (cs, ce) = (s.max(start), e.min(end));
            removed.push((
                cs,
                Registration {
                    len: ce - cs,
                    offset: r.offset + (cs - s) as u64,
                    ..r
                },
            ));
        }
        removed
    }

    /// Records that `[start, start + len)` is registered with `uffd` for `token`, file
    /// offset `offset` at `start`, replacing whatever was recorded there.
    pub fn insert(&self, start: usize, len: usize, uffd: Arc<Uffd>, token: u64, offset: u64) {
        let mut map = self.lock();
        Registry::cut(&mut map, start, len);
        map.insert(
            start,
            Registration {
                len,
                uffd,
                token,
                offset,
            },
        );
        self.count.store(map.len(), Ordering::Release);
    }

    /// The registration containing `addr`, as `(token, offset of addr)`, if it is with
    /// `uffd`.
    pub fn lookup(&self, addr: usize, uffd: &Uffd) -> Option<(u64, u64)> {
        let map = self.lock();
        let (s, r) = map.range(..=addr).next_back()?;
        if addr >= s + r.len || !std::ptr::eq(Arc::as_ptr(&r.uffd), uffd) {
            return None;
        }
        Some((r.token, r.offset + (addr - s) as u64))
    }

    /// Calls `f(start, len, offset, uffd)` for every range registered for `token`.
    pub fn for_token(&self, token: u64, mut f: impl FnMut(usize, usize, u64, &Arc<Uffd>)) {
        let map = self.lock();
        for (s, r) in map.iter() {
            if r.token == token {
                f(*s, r.len, r.offset, &r.uffd);
            }
        }
    }

    /// Moves every range registered for `token` to `to` (registered there with `mode`),
    /// under the lock so no map or unmap interleaves. Unregistering wakes the threads
    /// waiting in those ranges; they retry against the new registration.
    pub fn reassign(&self, token: u64, to: &Arc<Uffd>, mode: u64) {
        let mut map = self.lock();
        for (s, r) in map.iter_mut() {
            if r.token != token || Arc::ptr_eq(&r.uffd, to) {
                continue;
            }
            if let Err(e) = r.uffd.unregister(*s, r.len) {
                tracing::error!(target: "zx_shim::pager", "UFFDIO_UNREGISTER: {e:?}");
            }
            if let Err(e) = to.register(*s, r.len, mode) {
                tracing::error!(target: "zx_shim::pager", "UFFDIO_REGISTER: {e:?}");
            }
            r.uffd = to.clone();
        }
    }
}

/// Forgets the registrations inside `[addr, addr + len)`, which the caller is about to
/// replace with a new host mapping. Costs one atomic load when nothing is registered.
#[inline]
pub fn forget(addr: usize, len: usize) -> Forgotten {
    if REGISTRY.count.load(Ordering::Acquire) == 0 {
        return Forgotten::default();
    }
    forget_registered(addr, len)
}

#[cold]
fn forget_registered(addr: usize, len: usize) -> Forgotten {
    let mut map = REGISTRY.lock();
    let removed = Registry::cut(&mut map, addr, len);
    REGISTRY.count.store(map.len(), Ordering::Release);
    Forgotten(
        removed
            .into_iter()
            .map(|(s, r)| (r.uffd, s, r.len))
            .collect(),
    )
}

/// `addr` rounded down to a page.
pub fn page_of(addr: u64) -> usize {
    addr as usize & !(PAGE - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_uapi() {
        assert_eq!(UFFDIO_API, 0xc018_aa3f);
        assert_eq!(UFFDIO_REGISTER, 0xc020_aa00);
        assert_eq!(UFFDIO_UNREGISTER, 0x8010_aa01);
        assert_eq!(UFFDIO_WAKE, 0x8010_aa02);
        assert_eq!(UFFDIO_COPY, 0xc028_aa03);
        assert_eq!(UFFDIO_ZEROPAGE, 0xc020_aa04);
        assert_eq!(UFFDIO_WRITEPROTECT, 0xc018_aa06);
        assert_eq!(UFFDIO_CONTINUE, 0xc020_aa07);
        assert_eq!(UFFDIO_POISON, 0xc020_aa08);
        assert_eq!(USERFAULTFD_IOC_NEW, 0xaa00);
        assert_eq!(size_of::<UffdMsg>(), 32);
    }

    #[test]
    fn open_order_is_device_then_syscall_then_user_mode_only() {
        let fail = |e| move || Err::<u32, _>(Errno(e));
        // The device works: no system call is tried.
        let mut calls = Vec::new();
        let r = choose_open(
            || Ok(1u32),
            |f| {
                calls.push(f);
                Ok(2)
            },
        );
        assert_eq!(r.unwrap(), (1, OpenMode::Device));
        assert!(calls.is_empty());
        // No device (or EACCES): the plain system call.
        for e in [libc::ENOENT, libc::EACCES, libc::EPERM] {
            let r = choose_open(fail(e), |f| if f == 0 { Ok(2u32) } else { Ok(3) });
            assert_eq!(r.unwrap(), (2, OpenMode::Syscall));
        }
        // Unprivileged: only user-mode-only works.
        let mut calls = Vec::new();
        let r = choose_open(fail(libc::EACCES), |f| {
            calls.push(f);
            if f == UFFD_USER_MODE_ONLY {
                Ok(3u32)
            } else {
                Err(Errno(libc::EPERM))
            }
        });
        assert_eq!(r.unwrap(), (3, OpenMode::UserModeOnly));
        assert_eq!(calls, [0, UFFD_USER_MODE_ONLY]);
        // Nothing works: all three errors are reported.
        let r = choose_open(fail(libc::ENOENT), |f| {
            Err::<u32, _>(Errno(if f == 0 { libc::EPERM } else { libc::ENOSYS }))
        });
        assert_eq!(
            r.unwrap_err(),
            (Errno(libc::ENOENT), Errno(libc::EPERM), Errno(libc::ENOSYS))
        );
    }

    #[test]
    fn registry_cut_trims_and_splits() {
        let mut map = BTreeMap::new();
        let uffd = match Uffd::open(0, 0) {
            Ok(u) => Arc::new(u),
            Err(_) => return,
        };
        let reg = |len, offset| Registration {
            len,
            uffd: uffd.clone(),
            token: 7,
            offset,
        };
        map.insert(0x1000, reg(0x4000, 0));
        map.insert(0x8000, reg(0x1000, 0x10000));
        let removed = Registry::cut(&mut map, 0x2000, 0x1000);
        assert_eq!(removed.len(), 1);
        assert_eq!((removed[0].0, removed[0].1.offset), (0x2000, 0x1000));
        let left: Vec<_> = map.iter().map(|(s, r)| (*s, r.len, r.offset)).collect();
        assert_eq!(
            left,
            [
                (0x1000, 0x1000, 0),
                (0x3000, 0x2000, 0x2000),
                (0x8000, 0x1000, 0x10000)
            ]
        );
        let removed = Registry::cut(&mut map, 0, 0x10000);
        assert_eq!(removed.len(), 3);
        assert!(map.is_empty());
    }
}
