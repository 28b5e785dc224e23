//! Address-space calls: reserve, map a memfd at a fixed address, give a range back to the
//! reservation, protect, populate, and the few facts about the host's address space the
//! VMAR layer needs (the VMA limit, a random seed).
//!
//! Every function is a thin wrapper that returns `Result<_, Errno>`; the caller decides
//! what an errno means. Addresses and lengths are passed through unchanged: the object
//! layer guarantees page alignment and that each range lies inside a reservation it owns.
//! None of these functions allocates, so they can be used on the map/unmap hot path.
//!
//! The calls that change the address space consult [`inject`] first: tests make the k-th
//! of them fail to prove that every VMAR verb is all-or-nothing. Unarmed, that costs one
//! thread-local read per call.
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
    inject::gate(inject::HostCall::MapFixedShared, len, |part| {
        map_fixed_shared_now(addr, part, prot, fd, offset)
    })?;
    map_fixed_shared_now(addr, len, prot, fd, offset)
}

fn map_fixed_shared_now(
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
    inject::gate(inject::HostCall::ReleaseToReserve, len, |part| {
        release_to_reserve_now(addr, part)
    })?;
    release_to_reserve_now(addr, len)
}

fn release_to_reserve_now(addr: usize, len: usize) -> Result<(), Errno> {
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
    inject::gate(inject::HostCall::Protect, len, |part| {
        protect_now(addr, part, prot)
    })?;
    protect_now(addr, len, prot)
}

fn protect_now(addr: usize, len: usize, prot: Prot) -> Result<(), Errno> {
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
    inject::gate(inject::HostCall::PopulateRead, len, |part| {
        madvise(addr, part, libc::MADV_POPULATE_READ)
    })?;
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

/// Deterministic failure injection for the calls above that change the address space
/// (and `populate_read`, which MAP_RANGE treats as part of the map).
///
/// A [`Plan`] armed on a thread makes chosen calls *of that thread* fail with a chosen
/// errno, counting calls from 1 from the moment it is armed; other threads (parallel
/// tests, pager fault handlers) are unaffected. With [`Effect::Torn`] the failing call first
/// applies itself to the first half of its range (rounded up to whole pages), as a real
/// `mmap(MAP_FIXED)` or `mprotect` that fails midway may, so recovery cannot rely on a
/// failed call having changed nothing. The plan is disarmed when the [`Armed`] guard drops.
///
/// Always compiled in, so integration tests linking the ordinary rlib can use it; unarmed,
/// a wrapped call pays one thread-local read.
pub mod inject {
    use super::Errno;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The host calls that can be made to fail.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum HostCall {
        MapFixedShared,
        ReleaseToReserve,
        Protect,
        PopulateRead,
    }

    /// What an injected failure leaves behind.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Effect {
        /// Nothing: the call fails before reaching the host.
        Clean,
        /// The first half of the range (whole pages, at least one) is changed first.
        Torn,
    }

    /// Which calls fail, and how.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Plan {
        /// Bit `k - 1` set: the k-th counted call fails (k ≤ 64).
        pub fail: u64,
        /// Count only calls of this kind (`None`: every wrapped call).
        pub only: Option<HostCall>,
        pub errno: i32,
        pub effect: Effect,
    }

    impl Plan {
        /// The `k`-th call (from 1) fails with `errno`, changing nothing.
        pub const fn nth(k: usize, errno: i32) -> Plan {
            assert!(k.wrapping_sub(1) < 64, "k counts from 1 to 64");
            Plan {
                fail: 1 << (k - 1),
                only: None,
                errno,
                effect: Effect::Clean,
            }
        }

        /// The `k`-th call fails too.
        pub const fn and(mut self, k: usize) -> Plan {
            assert!(k.wrapping_sub(1) < 64, "k counts from 1 to 64");
            self.fail |= 1 << (k - 1);
            self
        }

        pub const fn effect(mut self, effect: Effect) -> Plan {
            self.effect = effect;
            self
        }

        pub const fn only(mut self, call: HostCall) -> Plan {
            self.only = Some(call);
            self
        }
    }

    /// What happened while a plan was armed.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Report {
        /// Calls counted (matching `only`).
        pub calls: usize,
        /// Calls made to fail.
        pub failed: usize,
        /// The kind of the first call made to fail.
        pub first_failed: Option<HostCall>,
    }

    #[derive(Clone, Copy)]
    struct State {
        plan: Plan,
        report: Report,
    }

    thread_local! {
        static PLAN: Cell<Option<State>> = const { Cell::new(None) };
    }

    /// Plans armed on any thread. Every host call checks this first, so the fast path
    /// costs one relaxed load instead of a thread-local lookup (which a cdylib pays for
    /// with a `__tls_get_addr` call).
    static ARMED: AtomicUsize = AtomicUsize::new(0);

    /// Disarms the plan when dropped.
    #[must_use = "the plan is disarmed when the guard drops"]
    pub struct Armed(());

    impl Armed {
        /// What has happened so far.
        pub fn report(&self) -> Report {
            PLAN.with(|p| p.get().map(|a| a.report).unwrap_or_default())
        }

        /// Disarms the plan and returns what happened.
        pub fn finish(self) -> Report {
            self.report()
        }
    }

    impl Drop for Armed {
        fn drop(&mut self) {
            PLAN.with(|p| p.set(None));
            ARMED.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Arms `plan` on the calling thread (replacing any armed plan).
    pub fn arm(plan: Plan) -> Armed {
        ARMED.fetch_add(1, Ordering::Relaxed);
        PLAN.with(|p| {
            p.set(Some(State {
                plan,
                report: Report::default(),
            }))
        });
        Armed(())
    }

    /// Called by each wrapper before its host call: `Err` if this call is to fail, after
    /// applying `apply` to the torn part when the plan says so.
    #[inline]
    pub(super) fn gate(
        call: HostCall,
        len: usize,
        apply: impl FnOnce(usize) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        // Relaxed is enough: a plan is armed and consulted on the same thread.
        if ARMED.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        match PLAN.with(Cell::get) {
            None => Ok(()),
            Some(armed) => fire(armed, call, len, apply),
        }
    }

    #[cold]
    fn fire(
        mut armed: State,
        call: HostCall,
        len: usize,
        apply: impl FnOnce(usize) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        if armed.plan.only.is_some_and(|only| only != call) {
            return Ok(());
        }
        let k = armed.report.calls;
        armed.report.calls += 1;
        let fails = k < 64 && armed.plan.fail & (1 << k) != 0;
        if fails {
            armed.report.failed += 1;
            armed.report.first_failed.get_or_insert(call);
        }
        PLAN.with(|p| p.set(Some(armed)));
        if !fails {
            return Ok(());
        }
        if armed.plan.effect == Effect::Torn {
            let page = super::super::page_size();
            let pages = len.div_ceil(page);
            let _ = apply(pages.div_ceil(2) * page);
        }
        Err(Errno(armed.plan.errno))
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

    /// A reservation of `pages` pages with a read/write memfd mapping over all of it.
    fn mapped_pages(pages: usize) -> (usize, std::os::fd::OwnedFd) {
        use std::os::fd::AsFd;
        let len = pages * 4096;
        let base = reserve(len).unwrap();
        let fd = crate::host::memfd::create(c"mman-inject").unwrap();
        crate::host::memfd::set_len(&fd, len as u64).unwrap();
        map_fixed_shared(base, len, Prot::READ | Prot::WRITE, fd.as_fd(), 0).unwrap();
        (base, fd)
    }

    fn prot_at(addr: usize) -> Option<(bool, bool)> {
        let maps = crate::host::maps::read_self_maps_in(addr, addr + 1).unwrap();
        maps.first().map(|e| (e.read, e.write))
    }

    #[test]
    fn inject_fails_only_the_chosen_call_of_this_thread() {
        let (base, _fd) = mapped_pages(4);
        let armed = inject::arm(inject::Plan::nth(2, libc::ENOMEM));
        assert_eq!(protect(base, 4096, Prot::READ), Ok(()));
        // Other threads are not counted and never fail.
        std::thread::spawn(move || {
            assert_eq!(protect(base + 4096, 4096, Prot::READ), Ok(()));
        })
        .join()
        .unwrap();
        assert_eq!(protect(base, 4096, Prot::NONE), Err(Errno::ENOMEM));
        assert_eq!(
            prot_at(base),
            Some((true, false)),
            "a clean failure changes nothing"
        );
        assert_eq!(release_to_reserve(base, 4096), Ok(()));
        let report = armed.finish();
        assert_eq!(report.calls, 3);
        assert_eq!(report.failed, 1);
        assert_eq!(report.first_failed, Some(inject::HostCall::Protect));
        // Disarmed with the guard.
        assert_eq!(protect(base + 4096, 4096, Prot::NONE), Ok(()));
        // SAFETY: the whole range is ours; give it back to the host at the end of the test.
        unsafe { libc::munmap(base as *mut libc::c_void, 4 * 4096) };
    }

    #[test]
    fn inject_torn_failure_changes_the_first_half() {
        let (base, _fd) = mapped_pages(3);
        let plan = inject::Plan::nth(1, libc::EAGAIN)
            .effect(inject::Effect::Torn)
            .only(inject::HostCall::Protect);
        let armed = inject::arm(plan);
        // Not counted: another kind of call.
        populate_read(base, 4096).unwrap();
        assert_eq!(
            protect(base, 3 * 4096, Prot::READ),
            Err(Errno(libc::EAGAIN))
        );
        assert_eq!(armed.finish().calls, 1);
        // Two of the three pages (half, rounded up to whole pages) were changed.
        assert_eq!(prot_at(base + 4096), Some((true, false)));
        assert_eq!(prot_at(base + 2 * 4096), Some((true, true)));
        // SAFETY: the whole range is ours; give it back to the host at the end of the test.
        unsafe { libc::munmap(base as *mut libc::c_void, 3 * 4096) };
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
