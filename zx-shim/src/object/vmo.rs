//! `Vmo`: a virtual memory object backed by a memfd (zircon-abi.md §2.2).
//!
//! # Model and host file
//! The VMO's size, stream (content) size, name, cache policy, mapping count and discardable
//! lock count live here; its pages are the pages of one memfd, which every mapping maps
//! `MAP_SHARED`, so a change made through one path (read/write, op_range, a mapping) is seen
//! through all the others.
//!
//! The host file is as long as the VMO, except that a memfd cannot exceed
//! [`memfd::MAX_LEN`] (8 EiB − 4 KiB) while a VMO may be as large as [`MAX_SIZE`]
//! (16 EiB − 128 KiB, the size every `ZX_VMO_UNBOUNDED` VMO has). Such a VMO keeps its
//! full size here; its bytes beyond `MAX_LEN` read as zero, and writing or committing them
//! fails with `ZX_ERR_NO_MEMORY`, as it would on a Zircon system that cannot find the pages.
//! Holes of the file are uncommitted pages and read as zero.
//!
//! Commit is `fallocate` (mode 0), decommit and zero are `fallocate(PUNCH_HOLE)`, which
//! frees whole pages and zeroes partial ones in place without allocating
//! (linux-host.md "What this means" 4: `MADV_DONTNEED` does not decommit a memfd).
//! Committed bytes are the file's allocated blocks.
//!
//! # Concurrency
//! `state` is the VMO lock of the order in `lib.rs` (below the address space). Everything
//! that changes the file's length or punches holes runs under it. `read` and `write` only
//! check their range under it and then transfer without any lock (they touch caller
//! memory). A write that races with a shrink could extend the file past the new end;
//! shrinks are therefore numbered, and a write that sees a shrink below its end happen
//! during its transfer trims the file back and fails with `ZX_ERR_OUT_OF_RANGE` (Zircon
//! leaves the bytes transferred by a failed write unspecified). Growing truncates the file
//! to its old length first, so bytes such a write left beyond the old end do not appear in
//! the grown range; what it lands after the grow does, although the write still fails.
//!
//! # Moved-out pages
//! `zx_pager_supply_pages` moves the aux VMO's pages out, leaving the range decommitted
//! (zircon-abi.md §2.3). Punching one page costs about as much as the rest of a pager round
//! trip, so the pages are instead recorded in [`State::moved`] and read as zero from then on;
//! the memfd keeps their old bytes until something needs the file itself to say zero:
//! * `zx_vmo_read` and a later supply from them treat them as zero pages (no host call).
//! * Commit, decommit, zero, a size change and the committed-byte count (`ZX_INFO_VMO`,
//!   the cache-policy check) first punch the moved-out pages they cover, one `fallocate`
//!   per run.
//! * `zx_vmo_write` punches moved-out pages it covers only in part. Pages it covers whole
//!   are *claimed*: they stay moved out (reading as zero) until the run's bytes have all
//!   landed, then leave the set, so no one ever sees the old bytes; if something punched
//!   them meanwhile, the writer writes them again.
//! * A mapping reads the file directly: [`Vmo::announce_mapping`] punches every moved-out
//!   page before a new mapping is installed, and while the VMO is mapped (or about to be)
//!   supplies punch at once, so the set is empty whenever a mapping exists.
//! * The set is bounded ([`moved::MAX_RUNS`] runs, [`moved::MAX_PAGES`] pages): a move that
//!   would outgrow it punches the whole set first.
//!
//! A write whose source buffer waits for a pager holds the host file's lock meanwhile, and
//! every punch of that file waits for it, as decommit and zero always did; with moved-out
//! pages, mapping the VMO and `ZX_INFO_VMO` can wait too.
//!
//! IOB regions are VMOs without handles, so never aux VMOs: their sets stay empty (the ID
//! allocator reads and writes their files directly).
//!
//! # Deviations from Zircon
//! * Bytes beyond `memfd::MAX_LEN` of the rare VMOs larger than 8 EiB (above).
//! * Discardable VMOs are never discarded (the host has no such reclaim), so `LOCK` always
//!   reports nothing discarded and `TRY_LOCK` never answers `UNAVAILABLE`.
//! * A non-`CACHED` cache policy is recorded and reported, and refuses read/write/zero as
//!   Zircon does, but host mappings stay cached.
//! * `share_count` is always 1: zx-shim has a single address space.
//! * A read/write whose buffer the host refuses is `NOT_FOUND`, also when the buffer is
//!   mapped without the needed permission (Zircon: `ACCESS_DENIED`); telling the two apart
//!   would need the VMAR model, which the VMO layer must not call into.
mod moved;

use super::pager::PagerVmo;
use crate::handle::{new_koid, Koid, Rights};
use crate::host::memfd::{self, CallerBuf, CallerBufMut};
use crate::host::Errno;
use crate::status::{Status, ZxResult};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use zx_sys::*;

const PAGE: u64 = ZX_PAGE_SIZE as u64;

/// The largest VMO: `u64::MAX` rounded down to 2·16 pages (zircon-abi.md §2.2).
pub const MAX_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;

/// How many recent shrinks a racing write can look back on (see the module comment).
const RECENT_SHRINKS: usize = 8;

/// Small supplies a VMO serves as aux VMO before [`Vmo::supply_view`] maps it: one-shot aux
/// VMOs never pay for a mapping.
const VIEW_AFTER_SUPPLIES: u32 = 4;

pub struct Vmo {
    koid: Koid,
    fd: OwnedFd,
    resizable: bool,
    discardable: bool,
    unbounded: bool,
    /// `state.size`, readable without the lock.
    size: AtomicU64,
    /// Number of times the host file has been shrunk; changes only under `state`.
    shrinks: AtomicU64,
    state: Mutex<State>,
    /// Set once, at creation, for pager-backed VMOs (`object::pager`).
    pager: OnceLock<Arc<PagerVmo>>,
    /// Small supplies from this VMO so far, up to [`VIEW_AFTER_SUPPLIES`].
    supplies: AtomicU32,
    /// The file mapped for supplies to copy from ([`Vmo::supply_view`]).
    view: OnceLock<Option<memfd::View>>,
}

struct State {
    /// Page-aligned size in bytes (the model size; the host file is `host_len(size)`).
    size: u64,
    /// Content ("stream") size in bytes; not rounded.
    stream_size: u64,
    /// `ZX_PROP_NAME`: at most 31 bytes, then NULs.
    name: [u8; ZX_MAX_NAME_LEN],
    num_mappings: usize,
    cache_policy: u32,
    /// `ZX_VMO_OP_LOCK`/`TRY_LOCK` minus `UNLOCK` (discardable VMOs only).
    lock_count: u64,
    /// File length after shrink number `n`, at index `n % RECENT_SHRINKS`.
    recent_shrinks: [u64; RECENT_SHRINKS],
    /// Pages moved out by supplies, not yet punched (module docs). Empty while
    /// `num_mappings` or `announced_maps` is non-zero.
    moved: moved::MovedOut,
    /// Mappings being installed ([`Vmo::announce_mapping`]).
    announced_maps: usize,
}

/// Length of the host file of a VMO of `size` bytes.
fn host_len(size: u64) -> u64 {
    size.min(memfd::MAX_LEN)
}

/// `size` rounded up to a page: `OUT_OF_RANGE` if that overflows or exceeds [`MAX_SIZE`].
fn round_size(size: u64) -> ZxResult<u64> {
    match size.checked_next_multiple_of(PAGE) {
        Some(rounded) if rounded <= MAX_SIZE => Ok(rounded),
        _ => Err(Status::OUT_OF_RANGE),
    }
}

/// `[offset, offset + len)` must lie within `size` (`OUT_OF_RANGE`, also on overflow).
fn check_range(offset: u64, len: u64, size: u64) -> ZxResult<u64> {
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(end),
        _ => Err(Status::OUT_OF_RANGE),
    }
}

/// A host failure to provide memory or file space: `NO_MEMORY`; anything else is a bug in
/// zx-shim or an unexpected host, logged and reported as `INTERNAL`.
fn host_alloc_error(errno: Errno, what: &str) -> Status {
    match errno.0 {
        libc::ENOMEM | libc::ENOSPC | libc::EFBIG => Status::NO_MEMORY,
        _ => {
            tracing::error!(target: "zx_shim::vmo", "{what} failed: errno {}", errno.0);
            Status::INTERNAL
        }
    }
}

impl Vmo {
    /// A plain (or resizable) VMO of `size` bytes rounded up to a page: `zx_vmo_create`
    /// with options 0 or `ZX_VMO_RESIZABLE`.
    pub fn create(size: u64, resizable: bool) -> ZxResult<Arc<Vmo>> {
        Vmo::create_with_options(size, if resizable { ZX_VMO_RESIZABLE } else { 0 })
    }

    /// `zx_vmo_create`'s option decoding and object creation, in the kernel's order:
    /// RESIZABLE with UNBOUNDED → `INVALID_ARGS`; UNBOUNDED → size [`MAX_SIZE`]; otherwise
    /// rounding overflow or a size beyond [`MAX_SIZE`] → `OUT_OF_RANGE`; then any other
    /// bit → `INVALID_ARGS`. The content size is the unrounded `size` argument.
    pub fn create_with_options(size: u64, options: u32) -> ZxResult<Arc<Vmo>> {
        let mut rest = options;
        let mut take = |bit: u32| {
            let set = rest & bit != 0;
            rest &= !bit;
            set
        };
        let resizable = take(ZX_VMO_RESIZABLE);
        let discardable = take(ZX_VMO_DISCARDABLE);
        let unbounded = take(ZX_VMO_UNBOUNDED);
        let vmo_size = if unbounded {
            if resizable {
                return Err(Status::INVALID_ARGS);
            }
            MAX_SIZE
        } else {
            round_size(size)?
        };
        if rest != 0 {
            return Err(Status::INVALID_ARGS);
        }

        let fd = memfd::create(c"zx-vmo").map_err(|e| match e.0 {
            libc::EMFILE | libc::ENFILE => Status::NO_RESOURCES,
            _ => Status::NO_MEMORY,
        })?;
        memfd::set_len(&fd, host_len(vmo_size))
            .map_err(|e| host_alloc_error(e, "ftruncate of a new VMO"))?;
        Ok(Arc::new(Vmo {
            koid: new_koid(),
            fd,
            resizable,
            discardable,
            unbounded,
            size: AtomicU64::new(vmo_size),
            shrinks: AtomicU64::new(0),
            state: Mutex::new(State {
                size: vmo_size,
                stream_size: size,
                name: [0; ZX_MAX_NAME_LEN],
                num_mappings: 0,
                cache_policy: ZX_CACHE_POLICY_CACHED,
                lock_count: 0,
                recent_shrinks: [0; RECENT_SHRINKS],
                moved: moved::MovedOut::default(),
                announced_maps: 0,
            }),
            pager: OnceLock::new(),
            supplies: AtomicU32::new(0),
            view: OnceLock::new(),
        }))
    }

    /// Rights of the handle `zx_vmo_create` returns: `ZX_DEFAULT_VMO_RIGHTS`, plus `RESIZE`
    /// for a resizable VMO (zircon-abi.md §1.3). Never `EXECUTE`.
    pub fn default_rights(&self) -> Rights {
        if self.resizable {
            Rights::DEFAULT_VMO | Rights::RESIZE
        } else {
            Rights::DEFAULT_VMO
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn koid(&self) -> Koid {
        self.koid
    }

    /// The memfd that backs the VMO's pages; mappings map it `MAP_SHARED`. Its length is
    /// `min(size(), memfd::MAX_LEN)`.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Current size in bytes (page-aligned).
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Content size in bytes (`zx_vmo_get_stream_size`, `ZX_PROP_VMO_CONTENT_SIZE`).
    pub fn stream_size(&self) -> u64 {
        self.lock().stream_size
    }

    pub fn is_resizable(&self) -> bool {
        self.resizable
    }

    pub fn is_discardable(&self) -> bool {
        self.discardable
    }

    pub fn is_unbounded(&self) -> bool {
        self.unbounded
    }

    pub fn is_pager_backed(&self) -> bool {
        self.pager.get().is_some()
    }

    /// The pager side of a pager-backed VMO.
    pub fn pager_link(&self) -> Option<&Arc<PagerVmo>> {
        self.pager.get()
    }

    /// Makes a VMO that no one else has seen yet pager-backed (`Pager::create_vmo`).
    pub fn set_pager_link(&self, link: Arc<PagerVmo>) {
        let _ = self.pager.set(link);
    }

    /// Checks a read/write of `len` bytes at `offset` (uncached → `BAD_STATE`, then the
    /// range, overflow included → `OUT_OF_RANGE`). Returns the end, the shrink count and the
    /// locked state.
    fn check_io(&self, offset: u64, len: u64) -> ZxResult<(u64, u64, MutexGuard<'_, State>)> {
        let st = self.lock();
        if st.cache_policy != ZX_CACHE_POLICY_CACHED {
            return Err(Status::BAD_STATE);
        }
        let end = check_range(offset, len, st.size)?;
        Ok((end, self.shrinks.load(Ordering::SeqCst), st))
    }

    /// `zx_vmo_read` after the handle lookup: the range is checked before the buffer is
    /// touched; an inaccessible buffer is `NOT_FOUND`. Moved-out pages read as zero.
    pub fn read(&self, buf: &CallerBufMut, offset: u64) -> ZxResult {
        let len = buf.len() as u64;
        let (end, _, st) = self.check_io(offset, len)?;
        let zero = match st.moved.is_empty() || len == 0 {
            true => Vec::new(),
            false => st.moved.pieces(offset / PAGE, end.div_ceil(PAGE)),
        };
        drop(st);
        if let Some(pager) = self.pager.get() {
            // Holes of the memfd read without faulting: ask the pager for them first.
            pager.before_read(offset, len)?;
        }
        let mut at = offset;
        for (s, e) in zero {
            let (s, e) = ((s * PAGE).max(offset), (e * PAGE).min(end));
            self.read_range(buf, offset, at, s - at)?;
            Self::zero_range_of(buf, (s - offset) as usize, (e - s) as usize)?;
            at = e;
        }
        self.read_range(buf, offset, at, end - at)
    }

    /// Reads file bytes `[at, at + len)` into `buf[at - start..]` (`start` is the offset of
    /// `buf[0]`); bytes beyond the host file read as zero.
    fn read_range(&self, buf: &CallerBufMut, start: u64, at: u64, len: u64) -> ZxResult {
        let skip = (at - start) as usize;
        let from_file = host_len(at + len).saturating_sub(at).min(len);
        let mut done = 0u64;
        while done < from_file {
            let chunk = (from_file - done) as usize;
            match memfd::read_into(&self.fd, buf, skip + done as usize, at + done, chunk) {
                // The file ended early: a concurrent shrink won the race.
                Ok(0) => return Err(Status::OUT_OF_RANGE),
                Ok(n) => done += n as u64,
                Err(Errno(libc::EINTR)) => {}
                Err(Errno::EFAULT) => return Err(Status::NOT_FOUND),
                Err(e) => return Err(host_alloc_error(e, "pread from a VMO")),
            }
        }
        Self::zero_range_of(buf, skip + done as usize, (len - done) as usize)
    }

    /// Zero-fills `buf[at..at + len]`.
    fn zero_range_of(buf: &CallerBufMut, at: usize, len: usize) -> ZxResult {
        if len == 0 {
            return Ok(());
        }
        memfd::zero_into(buf, at, len).map_err(|e| match e {
            Errno::EFAULT => Status::NOT_FOUND,
            e => host_alloc_error(e, "zero-filling a read"),
        })
    }

    /// `zx_vmo_write` after the handle lookup: as [`Vmo::read`]; bytes beyond
    /// `memfd::MAX_LEN` cannot be written (`NO_MEMORY`, checked before any transfer).
    pub fn write(&self, buf: &CallerBuf, offset: u64) -> ZxResult {
        let len = buf.len() as u64;
        let (end, shrinks, mut st) = self.check_io(offset, len)?;
        if len == 0 {
            return Ok(());
        }
        if end > memfd::MAX_LEN {
            return Err(Status::NO_MEMORY);
        }
        let claim = match st.moved.is_empty() {
            true => None,
            false => self.claim_moved(&mut st, offset, end)?,
        };
        drop(st);
        if let Some(pager) = self.pager.get() {
            // Never an aux VMO, so nothing of it is moved out or claimed.
            debug_assert!(claim.is_none());
            pager.before_write(offset, len)?;
        }
        let (done, result) = match claim {
            None => self.write_range(buf, offset, offset, len),
            Some((writer, runs)) => self.write_claimed(buf, offset, end, writer, &runs),
        };
        if let Some(pager) = self.pager.get() {
            pager.after_write(offset, done);
        }
        if self.shrinks.load(Ordering::SeqCst) != shrinks {
            self.settle_racing_write(shrinks, end)?;
        }
        result
    }

    /// Writes `len` caller bytes, from `buf[at - start..]`, at file offset `at` (`start` is
    /// the offset of `buf[0]`). Returns the bytes written and the result.
    fn write_range(&self, buf: &CallerBuf, start: u64, at: u64, len: u64) -> (u64, ZxResult) {
        let skip = (at - start) as usize;
        let mut done = 0u64;
        while done < len {
            let chunk = (len - done) as usize;
            match memfd::write_from(&self.fd, buf, skip + done as usize, at + done, chunk) {
                Ok(0) => {
                    let e = host_alloc_error(Errno(libc::EIO), "pwrite to a VMO");
                    return (done, Err(e));
                }
                Ok(n) => done += n as u64,
                Err(Errno(libc::EINTR)) => {}
                Err(Errno::EFAULT) => return (done, Err(Status::NOT_FOUND)),
                Err(e) => return (done, Err(host_alloc_error(e, "pwrite to a VMO"))),
            }
        }
        (done, Ok(()))
    }

    /// Under the lock, before a write of `[offset, end)`: moved-out pages it covers in part
    /// are punched (their other bytes must read as zero); those it covers whole are claimed
    /// (module docs). Returns the claim, if any.
    fn claim_moved(
        &self,
        st: &mut State,
        offset: u64,
        end: u64,
    ) -> ZxResult<Option<(u64, moved::Runs)>> {
        let (first, last) = (offset / PAGE, (end - 1) / PAGE);
        let (whole_lo, whole_hi) = (offset.div_ceil(PAGE), end / PAGE);
        let mut punch = Vec::new();
        if offset % PAGE != 0 {
            punch.extend(st.moved.take(first, first + 1));
        }
        if end % PAGE != 0 {
            punch.extend(st.moved.take(last, last + 1));
        }
        let claim = if whole_lo < whole_hi {
            let (writer, mine, taken) = st.moved.claim(whole_lo, whole_hi);
            punch.extend(taken);
            (!mine.is_empty()).then_some((writer, mine))
        } else {
            None
        };
        if let Err(e) = self.punch_pages(st, &punch) {
            if let Some((writer, _)) = &claim {
                st.moved.abandon(*writer);
            }
            return Err(e);
        }
        Ok(claim)
    }

    /// A write of `[offset, end)` over claimed moved-out runs (pages): run by run, so that
    /// each leaves the set as soon as its bytes have landed; a run punched meanwhile is
    /// written again. Returns the bytes written (a prefix) and the result.
    fn write_claimed(
        &self,
        buf: &CallerBuf,
        offset: u64,
        end: u64,
        writer: u64,
        runs: &[(u64, u64)],
    ) -> (u64, ZxResult) {
        let mut at = offset;
        for &(s, e) in runs {
            let (lo, hi) = (s * PAGE, e * PAGE);
            let (n, r) = self.write_range(buf, offset, at, lo - at);
            if r.is_err() {
                self.lock().moved.abandon(writer);
                return (at - offset + n, r);
            }
            // On failure the run stays moved out: its bytes are partly old ones.
            let (mut n, mut r) = self.write_range(buf, offset, lo, hi - lo);
            if r.is_ok() && self.lock().moved.release(writer, s, e) < e - s {
                // Punched while being written: the bytes that landed first are gone.
                (n, r) = self.write_range(buf, offset, lo, hi - lo);
            }
            if r.is_err() {
                self.lock().moved.abandon(writer);
                return (lo - offset + n, r);
            }
            at = hi;
        }
        let (n, r) = self.write_range(buf, offset, at, end - at);
        (at - offset + n, r)
    }

    /// A write that started before shrink number `since + 1` has finished: if any shrink
    /// since then went below `end`, the write may have extended the file past the VMO's
    /// end; trim it and fail the write.
    fn settle_racing_write(&self, since: u64, end: u64) -> ZxResult {
        let st = self.lock();
        let now = self.shrinks.load(Ordering::SeqCst);
        let lowest = if now - since > RECENT_SHRINKS as u64 {
            0
        } else {
            (since + 1..=now)
                .map(|n| st.recent_shrinks[(n % RECENT_SHRINKS as u64) as usize])
                .min()
                .unwrap_or(u64::MAX)
        };
        if lowest >= end {
            return Ok(());
        }
        let len = host_len(st.size);
        if end > len {
            memfd::set_len(&self.fd, len).map_err(|e| host_alloc_error(e, "ftruncate"))?;
        }
        Err(Status::OUT_OF_RANGE)
    }

    /// `zx_vmo_set_size` after the `WRITE` lookup: `ACCESS_DENIED` if the VMO is resizable
    /// and `rights` lacks `RESIZE`; rounding overflow → `OUT_OF_RANGE`; a non-resizable VMO
    /// → `UNAVAILABLE`; beyond [`MAX_SIZE`] → `OUT_OF_RANGE`. The tail of the last page past
    /// `size` is zeroed, and the content size becomes `size`.
    pub fn set_size(&self, size: u64, rights: Rights) -> ZxResult {
        if self.resizable && !rights.contains(Rights::RESIZE) {
            return Err(Status::ACCESS_DENIED);
        }
        let rounded = size
            .checked_next_multiple_of(PAGE)
            .ok_or(Status::OUT_OF_RANGE)?;
        if !self.resizable {
            return Err(Status::UNAVAILABLE);
        }
        if rounded > MAX_SIZE {
            return Err(Status::OUT_OF_RANGE);
        }
        let mut st = self.lock();
        let (old_len, new_len) = (host_len(st.size), host_len(rounded));
        if new_len < old_len {
            let n = self.shrinks.fetch_add(1, Ordering::SeqCst) + 1;
            st.recent_shrinks[(n % RECENT_SHRINKS as u64) as usize] = new_len;
            if let Err(e) = memfd::set_len(&self.fd, new_len) {
                st.recent_shrinks[(n % RECENT_SHRINKS as u64) as usize] = old_len;
                return Err(host_alloc_error(e, "ftruncate (shrink)"));
            }
            // Gone with the file's tail; a claim there makes its writer try again.
            st.moved.take(rounded / PAGE, u64::MAX);
        } else if new_len > old_len {
            // Drop anything a racing write left beyond the old end, then grow with zeros.
            memfd::set_len(&self.fd, old_len)
                .and_then(|()| memfd::set_len(&self.fd, new_len))
                .map_err(|e| host_alloc_error(e, "ftruncate (grow)"))?;
        }
        let old_size = st.size;
        st.size = rounded;
        st.stream_size = size;
        self.size.store(rounded, Ordering::Release);
        if let Some(pager) = self.pager.get() {
            // Grown pages read as zero without the pager: make them present.
            if new_len > old_len {
                let _ = memfd::allocate(&self.fd, old_len, new_len - old_len);
            }
            pager.on_resize(old_size, rounded);
        }
        // Zircon ignores a failure here too; the host cannot fail to zero in place.
        let _ = self.punch_locked(&mut st, size, rounded - size);
        Ok(())
    }

    /// `zx_vmo_set_stream_size` after the `WRITE` lookup: beyond the VMO's size →
    /// `OUT_OF_RANGE`; the same size → no-op; otherwise `[min(old, new), size)` is zeroed.
    pub fn set_stream_size(&self, stream_size: u64) -> ZxResult {
        let mut st = self.lock();
        if stream_size > st.size {
            return Err(Status::OUT_OF_RANGE);
        }
        if stream_size == st.stream_size {
            return Ok(());
        }
        let from = stream_size.min(st.stream_size);
        let len = st.size - from;
        self.zero_locked(&mut st, from, len)?;
        st.stream_size = stream_size;
        Ok(())
    }

    /// `ZX_PROP_VMO_CONTENT_SIZE` (set): zeroes only from the new size to the end of the
    /// VMO; a size beyond the VMO's is accepted, as the kernel's property path does.
    pub fn set_content_size(&self, size: u64) -> ZxResult {
        let mut st = self.lock();
        if size < st.size {
            let len = st.size - size;
            self.zero_locked(&mut st, size, len)?;
        }
        st.stream_size = size;
        Ok(())
    }

    /// Punches `[offset, offset + len)`, clipped to the host file.
    fn punch_locked(&self, st: &mut State, offset: u64, len: u64) -> ZxResult {
        let end = host_len(offset.saturating_add(len).min(st.size));
        if offset >= end {
            return Ok(());
        }
        if !st.moved.is_empty() {
            // Moved-out pages only partly inside must read as zero in full.
            self.flush_moved(st, offset / PAGE, end.div_ceil(PAGE))?;
        }
        memfd::punch_hole(&self.fd, offset, end - offset)
            .map_err(|e| host_alloc_error(e, "fallocate(PUNCH_HOLE)"))?;
        if let Some(pager) = self.pager.get() {
            // A pager VMO's zeroed pages stay present (a hole would fault to the pager).
            let (lo, hi) = (offset.next_multiple_of(PAGE), end - end % PAGE);
            if lo < hi {
                memfd::allocate(&self.fd, lo, hi - lo)
                    .map_err(|e| host_alloc_error(e, "fallocate (pager zero)"))?;
                pager.zeroed(lo, hi);
            }
        }
        Ok(())
    }

    /// `ZeroRange`: refused on uncached VMOs (`BAD_STATE`), like writes.
    fn zero_locked(&self, st: &mut State, offset: u64, len: u64) -> ZxResult {
        if st.cache_policy != ZX_CACHE_POLICY_CACHED {
            return Err(Status::BAD_STATE);
        }
        self.punch_locked(st, offset, len)
    }

    /// `ZX_VMO_OP_COMMIT` over `[offset, offset + len)` (rounded outward to pages): range
    /// beyond the size → `OUT_OF_RANGE`; pages beyond `memfd::MAX_LEN` → `NO_MEMORY`.
    pub fn commit_range(&self, offset: u64, len: u64) -> ZxResult {
        if let Some(pager) = self.pager.get() {
            // Committing a pager VMO's pages is having them supplied.
            check_range(offset, len, self.size())?;
            return pager.before_read(offset, len);
        }
        let mut st = self.lock();
        let end = check_range(offset, len, st.size)?;
        let start = offset - offset % PAGE;
        let end = end.next_multiple_of(PAGE);
        if start >= end {
            return Ok(());
        }
        if end > memfd::MAX_LEN {
            return Err(Status::NO_MEMORY);
        }
        if !st.moved.is_empty() {
            // Allocating keeps old bytes: moved-out pages become zero pages.
            self.flush_moved(&mut st, start / PAGE, end / PAGE)?;
        }
        // Under the lock: fallocate beyond a concurrently shrunk end would grow the file.
        memfd::allocate(&self.fd, start, end - start)
            .map_err(|e| host_alloc_error(e, "fallocate (commit)"))
    }

    /// `ZX_VMO_OP_DECOMMIT`: range → `OUT_OF_RANGE`, then offset and length must be
    /// page-aligned (`INVALID_ARGS`); the pages read back as zero afterwards, through every
    /// mapping too.
    pub fn decommit_range(&self, offset: u64, len: u64) -> ZxResult {
        if self.is_pager_backed() {
            // Plain VMOs only (zircon-abi.md §2.2).
            return Err(Status::NOT_SUPPORTED);
        }
        let mut st = self.lock();
        check_range(offset, len, st.size)?;
        if offset & (PAGE - 1) != 0 || len & (PAGE - 1) != 0 {
            return Err(Status::INVALID_ARGS);
        }
        self.punch_locked(&mut st, offset, len)
    }

    /// `ZX_VMO_OP_ZERO`: uncached → `BAD_STATE`, range → `OUT_OF_RANGE`; any alignment.
    /// Whole pages are decommitted, partial pages zeroed in place.
    pub fn zero_range(&self, offset: u64, len: u64) -> ZxResult {
        let mut st = self.lock();
        if st.cache_policy != ZX_CACHE_POLICY_CACHED {
            return Err(Status::BAD_STATE);
        }
        check_range(offset, len, st.size)?;
        if let Some(pager) = self.pager.get() {
            // Zeroing writes: the pages are supplied (and dirtied) first, without the lock.
            drop(st);
            pager.before_write(offset, len)?;
            st = self.lock();
            check_range(offset, len, st.size)?;
            self.punch_locked(&mut st, offset, len)?;
            drop(st);
            pager.after_write(offset, len);
            return Ok(());
        }
        self.punch_locked(&mut st, offset, len)
    }

    /// `zx_vmo_op_range` after a lookup with no rights, given the handle's `rights`.
    /// `write_lock_state` copies the `ZX_VMO_OP_LOCK` result to the caller's buffer (of
    /// `buffer_size` bytes); if the buffer is too small or the copy fails, the lock is undone.
    pub fn op_range(
        &self,
        op: u32,
        offset: u64,
        size: u64,
        rights: Rights,
        buffer_size: usize,
        write_lock_state: impl FnOnce(&zx_vmo_lock_state_t) -> ZxResult,
    ) -> ZxResult {
        let need = |right: Rights| {
            if rights.contains(right) {
                Ok(())
            } else {
                Err(Status::ACCESS_DENIED)
            }
        };
        let need_read_or_write = || {
            if rights.contains(Rights::READ) || rights.contains(Rights::WRITE) {
                Ok(())
            } else {
                Err(Status::ACCESS_DENIED)
            }
        };
        match op {
            ZX_VMO_OP_COMMIT => {
                need(Rights::WRITE)?;
                self.commit_range(offset, size)
            }
            ZX_VMO_OP_DECOMMIT => {
                need(Rights::WRITE)?;
                self.decommit_range(offset, size)
            }
            ZX_VMO_OP_ZERO => {
                need(Rights::WRITE)?;
                self.zero_range(offset, size)
            }
            ZX_VMO_OP_LOCK => {
                need_read_or_write()?;
                let state = self.lock_range(offset, size)?;
                let copied = if buffer_size < std::mem::size_of::<zx_vmo_lock_state_t>() {
                    Err(Status::INVALID_ARGS)
                } else {
                    write_lock_state(&state)
                };
                if copied.is_err() {
                    // Cannot fail: the lock just taken covers exactly this range.
                    let _ = self.unlock_range(offset, size);
                }
                copied
            }
            ZX_VMO_OP_TRY_LOCK => {
                need_read_or_write()?;
                // Never `UNAVAILABLE`: nothing is discarded on the host.
                self.lock_range(offset, size).map(drop)
            }
            ZX_VMO_OP_UNLOCK => {
                need_read_or_write()?;
                self.unlock_range(offset, size)
            }
            ZX_VMO_OP_CACHE_SYNC | ZX_VMO_OP_CACHE_CLEAN | ZX_VMO_OP_CACHE_CLEAN_INVALIDATE => {
                need(Rights::READ)?;
                self.cache_op(offset, size)
            }
            // Needs debugging syscalls, which zx-shim does not offer; checked first.
            ZX_VMO_OP_CACHE_INVALIDATE => Err(Status::NOT_SUPPORTED),
            // Hints: no rights, and trivially OK (before any range check) for VMOs that no
            // pager backs.
            ZX_VMO_OP_DONT_NEED | ZX_VMO_OP_ALWAYS_NEED => Ok(()),
            // Without a pager, prefetching is committing.
            ZX_VMO_OP_PREFETCH => {
                need(Rights::READ)?;
                self.commit_range(offset, size)
            }
            _ => Err(Status::INVALID_ARGS),
        }
    }

    /// Data cache maintenance: nothing to do on a coherent host once the range is valid.
    fn cache_op(&self, offset: u64, len: u64) -> ZxResult {
        if len == 0 {
            return Err(Status::INVALID_ARGS);
        }
        check_range(offset, len, self.size()).map(drop)
    }

    /// The state, once `[offset, offset + len)` is found to be the whole of a discardable
    /// VMO: the checks `LOCK`, `TRY_LOCK` and `UNLOCK` share.
    fn lock_whole(&self, offset: u64, len: u64) -> ZxResult<MutexGuard<'_, State>> {
        if !self.discardable {
            return Err(Status::NOT_SUPPORTED);
        }
        let st = self.lock();
        check_range(offset, len, st.size)?;
        if offset != 0 || len != st.size {
            return Err(Status::OUT_OF_RANGE);
        }
        Ok(st)
    }

    /// `LOCK`/`TRY_LOCK`: discardable VMOs only (`NOT_SUPPORTED`), the whole VMO only
    /// (`OUT_OF_RANGE`). Nothing is ever discarded on the host.
    fn lock_range(&self, offset: u64, len: u64) -> ZxResult<zx_vmo_lock_state_t> {
        let mut st = self.lock_whole(offset, len)?;
        st.lock_count += 1;
        Ok(zx_vmo_lock_state_t {
            offset,
            size: len,
            discarded_offset: 0,
            discarded_size: 0,
        })
    }

    /// `UNLOCK`: as [`Vmo::lock_range`]; not locked → `BAD_STATE`.
    fn unlock_range(&self, offset: u64, len: u64) -> ZxResult {
        let mut st = self.lock_whole(offset, len)?;
        if st.lock_count == 0 {
            return Err(Status::BAD_STATE);
        }
        st.lock_count -= 1;
        Ok(())
    }

    /// `zx_vmo_set_cache_policy` after the `MAP` lookup (the policy value was checked with
    /// [`check_cache_policy`] before it): mapped → `BAD_STATE`; leaving an uncached policy
    /// while pages are committed → `BAD_STATE`.
    pub fn set_cache_policy(&self, policy: u32) -> ZxResult {
        let mut st = self.lock();
        if st.num_mappings > 0 {
            return Err(Status::BAD_STATE);
        }
        if st.cache_policy != ZX_CACHE_POLICY_CACHED && self.committed_bytes_locked(&mut st) > 0 {
            return Err(Status::BAD_STATE);
        }
        st.cache_policy = policy;
        Ok(())
    }

    pub fn cache_policy(&self) -> u32 {
        self.lock().cache_policy
    }

    /// `ZX_PROP_NAME` (get): 32 bytes, NUL-padded.
    pub fn name(&self) -> [u8; ZX_MAX_NAME_LEN] {
        self.lock().name
    }

    /// `ZX_PROP_NAME` (set): bytes after the first NUL are ignored, the rest is truncated to
    /// 31 bytes and NUL-padded.
    pub fn set_name(&self, name: &[u8]) {
        let len = name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name.len())
            .min(ZX_MAX_NAME_LEN - 1);
        let mut stored = [0u8; ZX_MAX_NAME_LEN];
        stored[..len].copy_from_slice(&name[..len]);
        self.lock().name = stored;
    }

    /// Bytes of the VMO's pages that hold memory on the host, at most the VMO's size.
    pub fn committed_bytes(&self) -> u64 {
        let mut st = self.lock();
        self.committed_bytes_locked(&mut st)
    }

    fn committed_bytes_locked(&self, st: &mut State) -> u64 {
        if !st.moved.is_empty() {
            // Moved-out pages are not committed; if a punch failed they stay counted.
            let _ = self.flush_moved(st, 0, u64::MAX);
        }
        memfd::allocated_bytes(&self.fd).unwrap_or(0).min(st.size)
    }

    /// Punches the moved-out pages among pages `[lo, hi)`, one call per run.
    fn flush_moved(&self, st: &mut State, lo: u64, hi: u64) -> ZxResult {
        let runs = st.moved.take(lo, hi);
        self.punch_pages(st, &runs)
    }

    /// Punches runs of pages taken out of the moved-out set, clipped to the host file. On
    /// failure the runs not punched go back into the set: they still read as zero.
    fn punch_pages(&self, st: &mut State, runs: &[(u64, u64)]) -> ZxResult {
        let len = host_len(st.size);
        for (i, &(s, e)) in runs.iter().enumerate() {
            let (s, e) = (
                s.saturating_mul(PAGE).min(len),
                e.saturating_mul(PAGE).min(len),
            );
            if s >= e {
                continue;
            }
            if let Err(err) = memfd::punch_hole(&self.fd, s, e - s) {
                for &(s, e) in &runs[i..] {
                    let _ = st.moved.insert(s, e);
                }
                return Err(host_alloc_error(
                    err,
                    "fallocate(PUNCH_HOLE) of moved-out pages",
                ));
            }
        }
        Ok(())
    }

    /// A read-only mapping of the file for `zx_pager_supply_pages` to `UFFDIO_COPY` small
    /// runs from, saving a `pread` into a buffer: made once the VMO has been the aux VMO of
    /// [`VIEW_AFTER_SUPPLIES`] small supplies, if the host allows (`memfd::View`). It is no
    /// mapping in the Zircon sense (not counted, never seen by callers). It sees the file as
    /// it is, old bytes of moved-out pages included, so supplies never copy those through it
    /// (they supply zero pages for them); a hole read through it gets allocated, and the
    /// move that follows takes it out again.
    pub fn supply_view(&self) -> Option<&memfd::View> {
        if let Some(view) = self.view.get() {
            return view.as_ref();
        }
        if self.supplies.fetch_add(1, Ordering::Relaxed) < VIEW_AFTER_SUPPLIES {
            return None;
        }
        self.view
            .get_or_init(|| memfd::View::new(&self.fd, host_len(self.size())).ok())
            .as_ref()
    }

    /// The pages among `[offset, offset + len)` (page-aligned) moved out earlier, as runs of
    /// page indices: `zx_pager_supply_pages` supplies zero pages for them.
    pub fn moved_out_within(&self, offset: u64, len: u64) -> moved::Runs {
        let st = self.lock();
        if st.moved.is_empty() {
            return Vec::new();
        }
        let end = offset.saturating_add(len).div_ceil(PAGE);
        st.moved.pieces(offset / PAGE, end)
    }

    /// `zx_pager_supply_pages` copied `[offset, offset + len)` (page-aligned) out of this
    /// aux VMO, which now reads as zero there. The pages join the moved-out set (module
    /// docs); they are punched at once if the VMO is mapped or about to be, or if the range
    /// alone is beyond the set's bounds. A full set is punched first.
    pub fn move_out(&self, offset: u64, len: u64) -> ZxResult {
        let mut st = self.lock();
        // Clipped: the VMO may have shrunk meanwhile.
        let end = host_len(offset.saturating_add(len).min(st.size));
        if offset >= end {
            return Ok(());
        }
        let (lo, hi) = (offset / PAGE, end.div_ceil(PAGE));
        if st.num_mappings == 0 && st.announced_maps == 0 {
            if st.moved.insert(lo, hi) {
                return Ok(());
            }
            self.flush_moved(&mut st, 0, u64::MAX)?;
            if st.moved.insert(lo, hi) {
                return Ok(());
            }
        }
        // Writes claiming pages here find them gone and write them again.
        st.moved.take(lo, hi);
        memfd::punch_hole(&self.fd, offset, end - offset)
            .map_err(|e| host_alloc_error(e, "fallocate(PUNCH_HOLE) of supplied aux pages"))
    }

    /// `zx_info_vmo_t` for a query through a handle with `rights`. `share_count` is the
    /// number of address spaces mapping the VMO, at least 1: zx-shim has one. A plain VMO
    /// has no children and no sharing, so its private and scaled counts equal its totals.
    pub fn info(&self, rights: Rights) -> zx_info_vmo_t {
        let mut st = self.lock();
        let committed = self.committed_bytes_locked(&mut st);
        let mut flags = ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE;
        if self.resizable {
            flags |= ZX_INFO_VMO_RESIZABLE;
        }
        if self.discardable {
            flags |= ZX_INFO_VMO_DISCARDABLE;
        }
        if self.is_pager_backed() {
            flags |= ZX_INFO_VMO_PAGER_BACKED;
        }
        zx_info_vmo_t {
            koid: self.koid,
            name: st.name,
            size_bytes: st.size,
            parent_koid: 0,
            num_children: 0,
            num_mappings: st.num_mappings,
            share_count: 1,
            flags,
            padding1: [0; 4],
            committed_bytes: committed,
            handle_rights: rights.into_raw(),
            cache_policy: st.cache_policy,
            metadata_bytes: 0,
            committed_change_events: 0,
            populated_bytes: committed,
            committed_private_bytes: committed,
            populated_private_bytes: committed,
            committed_scaled_bytes: committed,
            populated_scaled_bytes: committed,
            committed_fractional_scaled_bytes: 0,
            populated_fractional_scaled_bytes: 0,
        }
    }

    /// A mapping of this VMO is about to be installed on the host, which reads the file
    /// directly: moved-out pages are punched now, and supplies punch at once until the
    /// returned guard is marked [`MappingAnnounced::installed`] (which counts the mapping)
    /// or dropped (module docs).
    pub fn announce_mapping(&self) -> ZxResult<MappingAnnounced<'_>> {
        let mut st = self.lock();
        if !st.moved.is_empty() {
            self.flush_moved(&mut st, 0, u64::MAX)?;
        }
        st.announced_maps += 1;
        Ok(MappingAnnounced(self))
    }

    /// A mapping of this VMO was created (for `zx_info_vmo_t.num_mappings`; merged
    /// mappings count once, so the VMAR layer calls this per mapping object).
    pub fn add_mapping(&self) {
        self.lock().num_mappings += 1;
    }

    /// A mapping of this VMO went away.
    pub fn remove_mapping(&self) {
        let mut st = self.lock();
        debug_assert!(st.num_mappings > 0, "remove_mapping without add_mapping");
        st.num_mappings = st.num_mappings.saturating_sub(1);
    }

    pub fn num_mappings(&self) -> usize {
        self.lock().num_mappings
    }
}

/// A mapping being installed ([`Vmo::announce_mapping`]); [`MappingAnnounced::installed`]
/// once the mapping exists, or drop it if the mapping is abandoned.
pub struct MappingAnnounced<'a>(&'a Vmo);

impl MappingAnnounced<'_> {
    /// The announced mapping now exists: it is counted ([`Vmo::add_mapping`]) and stops
    /// being announced, in one critical section, so a supply never sees it as neither.
    pub fn installed(self) {
        let vmo = self.0;
        std::mem::forget(self);
        let mut st = vmo.lock();
        st.num_mappings += 1;
        st.announced_maps = st.announced_maps.saturating_sub(1);
    }
}

impl Drop for MappingAnnounced<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.announced_maps = st.announced_maps.saturating_sub(1);
    }
}

/// `zx_vmo_set_cache_policy`'s argument check, made before the handle lookup: bits outside
/// `ZX_CACHE_POLICY_MASK` → `INVALID_ARGS`.
pub fn check_cache_policy(policy: u32) -> ZxResult {
    if policy & !ZX_CACHE_POLICY_MASK != 0 {
        Err(Status::INVALID_ARGS)
    } else {
        Ok(())
    }
}

/// Rights of the handle `zx_vmo_replace_as_executable` returns: the old ones plus `EXECUTE`.
pub fn executable_rights(rights: Rights) -> Rights {
    rights | Rights::EXECUTE
}

impl Drop for Vmo {
    fn drop(&mut self) {
        if let Some(pager) = self.pager.get() {
            // The last reference went away: `ZX_PAGER_VMO_COMPLETE` (zircon-abi.md §2.3).
            pager.vmo_dropped();
        }
    }
}

impl std::fmt::Debug for Vmo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vmo(koid {}, size {:#x})", self.koid, self.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(vmo: &Vmo, offset: u64, data: &[u8]) -> ZxResult {
        // SAFETY: `data` is readable for its length.
        vmo.write(
            &unsafe { CallerBuf::new(data.as_ptr(), data.len()) },
            offset,
        )
    }

    fn read(vmo: &Vmo, offset: u64, len: usize) -> ZxResult<Vec<u8>> {
        let mut out = vec![0xAAu8; len];
        // SAFETY: `out` is writable and not otherwise used while the buffer lives.
        let buf = unsafe { CallerBufMut::new(out.as_mut_ptr(), len) };
        vmo.read(&buf, offset)?;
        Ok(out)
    }

    const ALL: Rights = Rights::from_raw(u32::MAX);

    fn nop(_: &zx_vmo_lock_state_t) -> ZxResult {
        Ok(())
    }

    #[test]
    fn create_rounds_size_and_keeps_stream_size() {
        let vmo = Vmo::create_with_options(5000, 0).unwrap();
        assert_eq!(vmo.size(), 8192);
        assert_eq!(vmo.stream_size(), 5000);
        assert_eq!(vmo.default_rights(), Rights::DEFAULT_VMO);
        let vmo = Vmo::create_with_options(0, ZX_VMO_RESIZABLE).unwrap();
        assert_eq!(vmo.size(), 0);
        assert_eq!(vmo.default_rights().into_raw(), 0x40_D0EF);
    }

    #[test]
    fn create_option_and_size_errors_in_kernel_order() {
        let err = |size, options| Vmo::create_with_options(size, options).unwrap_err();
        assert_eq!(
            err(4096, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED),
            Status::INVALID_ARGS
        );
        assert_eq!(err(u64::MAX, 0), Status::OUT_OF_RANGE);
        assert_eq!(err(MAX_SIZE + 1, 0), Status::OUT_OF_RANGE);
        // The size is checked before leftover option bits.
        assert_eq!(err(u64::MAX, 1), Status::OUT_OF_RANGE);
        assert_eq!(err(4096, 1), Status::INVALID_ARGS);
        assert_eq!(err(4096, ZX_VMO_TRAP_DIRTY), Status::INVALID_ARGS);
        assert_eq!(
            Vmo::create_with_options(MAX_SIZE, 0).unwrap().size(),
            MAX_SIZE
        );
    }

    #[test]
    fn unbounded_has_max_size_reads_zero_beyond_host_file() {
        let vmo = Vmo::create_with_options(100, ZX_VMO_UNBOUNDED).unwrap();
        assert_eq!(vmo.size(), MAX_SIZE);
        assert_eq!(vmo.stream_size(), 100);
        write(&vmo, 1 << 40, b"far").unwrap();
        assert_eq!(read(&vmo, 1 << 40, 3).unwrap(), b"far");
        let beyond = memfd::MAX_LEN - 2;
        assert_eq!(read(&vmo, beyond, 8).unwrap(), vec![0; 8]);
        assert_eq!(write(&vmo, beyond, b"xyz"), Err(Status::NO_MEMORY));
        assert_eq!(read(&vmo, MAX_SIZE - 8, 8).unwrap(), vec![0; 8]);
    }

    #[test]
    fn read_write_ranges() {
        let vmo = Vmo::create(4096, false).unwrap();
        write(&vmo, 4090, b"abcdef").unwrap();
        assert_eq!(read(&vmo, 4090, 6).unwrap(), b"abcdef");
        assert_eq!(write(&vmo, 4091, b"abcdef"), Err(Status::OUT_OF_RANGE));
        assert_eq!(read(&vmo, u64::MAX, 2), Err(Status::OUT_OF_RANGE));
        assert_eq!(read(&vmo, 4096, 0).unwrap(), b"");
        assert_eq!(read(&vmo, 4097, 0), Err(Status::OUT_OF_RANGE));
        assert_eq!(read(&vmo, 4090, 6).unwrap(), b"abcdef");
    }

    #[test]
    fn read_into_bad_buffer_is_not_found() {
        let vmo = Vmo::create(4096, false).unwrap();
        // SAFETY: NULL is refused by the host kernel.
        let null = unsafe { CallerBufMut::new(std::ptr::null_mut(), 16) };
        assert_eq!(vmo.read(&null, 0), Err(Status::NOT_FOUND));
        // SAFETY: as above.
        let null = unsafe { CallerBuf::new(std::ptr::null(), 16) };
        assert_eq!(vmo.write(&null, 0), Err(Status::NOT_FOUND));
        // Range errors win over the buffer.
        assert_eq!(vmo.write(&null, 4090), Err(Status::OUT_OF_RANGE));
    }

    #[test]
    fn set_size_rules() {
        let fixed = Vmo::create(4096, false).unwrap();
        assert_eq!(fixed.set_size(8192, ALL), Err(Status::UNAVAILABLE));
        assert_eq!(fixed.set_size(u64::MAX, ALL), Err(Status::OUT_OF_RANGE));
        let vmo = Vmo::create(8192, true).unwrap();
        assert_eq!(
            vmo.set_size(4096, Rights::WRITE),
            Err(Status::ACCESS_DENIED)
        );
        assert_eq!(vmo.set_size(MAX_SIZE + 1, ALL), Err(Status::OUT_OF_RANGE));
        write(&vmo, 0, &[7u8; 8192]).unwrap();
        vmo.set_size(100, ALL).unwrap();
        assert_eq!((vmo.size(), vmo.stream_size()), (4096, 100));
        let bytes = read(&vmo, 0, 4096).unwrap();
        assert!(bytes[..100].iter().all(|&b| b == 7));
        assert!(bytes[100..].iter().all(|&b| b == 0));
        vmo.set_size(3 * 4096, ALL).unwrap();
        assert_eq!(read(&vmo, 4096, 8192).unwrap(), vec![0; 8192]);
        assert_eq!(memfd::allocated_bytes(vmo.fd()).unwrap(), 4096);
    }

    #[test]
    fn stream_and_content_size_zeroing() {
        let vmo = Vmo::create(8192, false).unwrap();
        write(&vmo, 0, &[1u8; 8192]).unwrap();
        assert_eq!(vmo.set_stream_size(8193), Err(Status::OUT_OF_RANGE));
        vmo.set_stream_size(4000).unwrap();
        let b = read(&vmo, 0, 8192).unwrap();
        assert!(b[..4000].iter().all(|&x| x == 1) && b[4000..].iter().all(|&x| x == 0));
        write(&vmo, 0, &[2u8; 8192]).unwrap();
        // Growing zeroes from the old stream size.
        vmo.set_stream_size(6000).unwrap();
        let b = read(&vmo, 0, 8192).unwrap();
        assert!(b[..4000].iter().all(|&x| x == 2) && b[4000..].iter().all(|&x| x == 0));
        write(&vmo, 0, &[3u8; 8192]).unwrap();
        // The property only zeroes from the new size.
        vmo.set_content_size(7000).unwrap();
        let b = read(&vmo, 0, 8192).unwrap();
        assert!(b[..7000].iter().all(|&x| x == 3) && b[7000..].iter().all(|&x| x == 0));
        assert_eq!(vmo.stream_size(), 7000);
    }

    #[test]
    fn commit_decommit_zero() {
        let vmo = Vmo::create(4 * 4096, false).unwrap();
        vmo.commit_range(100, 4096).unwrap();
        assert_eq!(vmo.committed_bytes(), 2 * 4096);
        assert_eq!(vmo.commit_range(0, 5 * 4096), Err(Status::OUT_OF_RANGE));
        assert_eq!(vmo.decommit_range(1, 4096), Err(Status::INVALID_ARGS));
        assert_eq!(vmo.decommit_range(0, 8 * 4096), Err(Status::OUT_OF_RANGE));
        write(&vmo, 0, &[9u8; 4 * 4096]).unwrap();
        vmo.decommit_range(4096, 4096).unwrap();
        assert_eq!(vmo.committed_bytes(), 3 * 4096);
        vmo.zero_range(10, 20).unwrap();
        let b = read(&vmo, 0, 3 * 4096).unwrap();
        assert!(b[..10].iter().all(|&x| x == 9));
        assert!(b[10..30].iter().all(|&x| x == 0));
        assert!(b[30..4096].iter().all(|&x| x == 9));
        assert!(b[4096..8192].iter().all(|&x| x == 0));
        vmo.zero_range(8192, 8192).unwrap();
        assert_eq!(vmo.committed_bytes(), 4096);
    }

    #[test]
    fn op_range_rights_and_ops() {
        let vmo = Vmo::create(4096, false).unwrap();
        let op = |op, off, len, rights| vmo.op_range(op, off, len, rights, 0, nop);
        assert_eq!(
            op(ZX_VMO_OP_COMMIT, 0, 4096, Rights::READ),
            Err(Status::ACCESS_DENIED)
        );
        assert_eq!(op(ZX_VMO_OP_COMMIT, 0, 4096, Rights::WRITE), Ok(()));
        assert_eq!(
            op(ZX_VMO_OP_CACHE_SYNC, 0, 0, Rights::READ),
            Err(Status::INVALID_ARGS)
        );
        assert_eq!(
            op(ZX_VMO_OP_CACHE_SYNC, 0, 1, Rights::WRITE),
            Err(Status::ACCESS_DENIED)
        );
        assert_eq!(
            op(ZX_VMO_OP_CACHE_SYNC, 0, 4097, Rights::READ),
            Err(Status::OUT_OF_RANGE)
        );
        assert_eq!(
            op(ZX_VMO_OP_CACHE_INVALIDATE, 0, 1, ALL),
            Err(Status::NOT_SUPPORTED)
        );
        assert_eq!(op(ZX_VMO_OP_DONT_NEED, 0, 1 << 40, Rights::NONE), Ok(()));
        assert_eq!(op(ZX_VMO_OP_LOCK, 0, 4096, ALL), Err(Status::NOT_SUPPORTED));
        assert_eq!(
            op(ZX_VMO_OP_LOCK, 0, 4096, Rights::NONE),
            Err(Status::ACCESS_DENIED)
        );
        assert_eq!(op(5, 0, 4096, ALL), Err(Status::INVALID_ARGS));
        assert_eq!(op(15, 0, 4096, ALL), Err(Status::INVALID_ARGS));
    }

    #[test]
    fn discardable_lock_unlock() {
        let vmo = Vmo::create_with_options(8192, ZX_VMO_DISCARDABLE).unwrap();
        let mut seen = None;
        let r = vmo.op_range(ZX_VMO_OP_LOCK, 0, 8192, Rights::READ, 32, |s| {
            seen = Some(*s);
            Ok(())
        });
        assert_eq!(r, Ok(()));
        assert_eq!(seen.unwrap().size, 8192);
        let unlock = |rights| vmo.op_range(ZX_VMO_OP_UNLOCK, 0, 8192, rights, 0, nop);
        assert_eq!(unlock(Rights::WRITE), Ok(()));
        assert_eq!(unlock(Rights::WRITE), Err(Status::BAD_STATE));
        // Too small a buffer undoes the lock.
        let r = vmo.op_range(ZX_VMO_OP_LOCK, 0, 8192, Rights::READ, 31, nop);
        assert_eq!(r, Err(Status::INVALID_ARGS));
        assert_eq!(unlock(Rights::WRITE), Err(Status::BAD_STATE));
        let r = vmo.op_range(ZX_VMO_OP_TRY_LOCK, 0, 4096, Rights::READ, 0, nop);
        assert_eq!(r, Err(Status::OUT_OF_RANGE));
        let r = vmo.op_range(ZX_VMO_OP_TRY_LOCK, 0, 8192, Rights::READ, 0, nop);
        assert_eq!(r, Ok(()));
        assert_eq!(unlock(Rights::READ), Ok(()));
    }

    #[test]
    fn cache_policy_rules() {
        assert_eq!(check_cache_policy(4), Err(Status::INVALID_ARGS));
        let vmo = Vmo::create(4096, false).unwrap();
        vmo.add_mapping();
        assert_eq!(
            vmo.set_cache_policy(ZX_CACHE_POLICY_UNCACHED),
            Err(Status::BAD_STATE)
        );
        vmo.remove_mapping();
        vmo.set_cache_policy(ZX_CACHE_POLICY_UNCACHED).unwrap();
        assert_eq!(
            vmo.info(Rights::NONE).cache_policy,
            ZX_CACHE_POLICY_UNCACHED
        );
        assert_eq!(read(&vmo, 0, 1), Err(Status::BAD_STATE));
        assert_eq!(vmo.zero_range(0, 1), Err(Status::BAD_STATE));
        vmo.commit_range(0, 4096).unwrap();
        assert_eq!(
            vmo.set_cache_policy(ZX_CACHE_POLICY_CACHED),
            Err(Status::BAD_STATE)
        );
        vmo.decommit_range(0, 4096).unwrap();
        vmo.set_cache_policy(ZX_CACHE_POLICY_CACHED).unwrap();
        assert_eq!(read(&vmo, 0, 1).unwrap(), [0]);
    }

    #[test]
    fn name_truncates_and_stops_at_nul() {
        let vmo = Vmo::create(0, false).unwrap();
        assert_eq!(vmo.name(), [0; 32]);
        vmo.set_name(&[b'x'; 40]);
        let name = vmo.name();
        assert_eq!(&name[..31], &[b'x'; 31]);
        assert_eq!(name[31], 0);
        vmo.set_name(b"ab\0cd");
        assert_eq!(&vmo.name()[..3], b"ab\0");
        assert_eq!(vmo.name()[3], 0);
    }

    #[test]
    fn info_reports_flags_mappings_and_commitment() {
        let vmo = Vmo::create_with_options(8192, ZX_VMO_RESIZABLE).unwrap();
        let info = vmo.info(Rights::READ);
        assert_eq!(
            info.flags,
            ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_RESIZABLE
        );
        assert_eq!((info.size_bytes, info.handle_rights), (8192, ZX_RIGHT_READ));
        assert_eq!(
            (info.committed_bytes, info.num_mappings, info.share_count),
            (0, 0, 1)
        );
        vmo.add_mapping();
        write(&vmo, 0, b"x").unwrap();
        let info = vmo.info(Rights::NONE);
        assert_eq!((info.committed_bytes, info.num_mappings), (4096, 1));
        let d = Vmo::create_with_options(0, ZX_VMO_DISCARDABLE).unwrap();
        assert_eq!(
            d.info(Rights::NONE).flags & ZX_INFO_VMO_DISCARDABLE,
            ZX_INFO_VMO_DISCARDABLE
        );
    }

    const P: u64 = 4096;

    fn allocated(vmo: &Vmo) -> u64 {
        memfd::allocated_bytes(vmo.fd()).unwrap()
    }

    #[test]
    fn move_out_defers_the_punch_and_reads_zero() {
        let vmo = Vmo::create(4 * P, false).unwrap();
        write(&vmo, 0, &[7u8; 4 * P as usize]).unwrap();
        vmo.move_out(0, 2 * P).unwrap();
        assert_eq!(vmo.moved_out_within(0, 4 * P), [(0, 2)]);
        assert_eq!(vmo.moved_out_within(P, P), [(1, 2)]);
        // Reads see zero without any punch.
        assert_eq!(
            read(&vmo, 100, 2 * P as usize - 100).unwrap()[..],
            [0; 8092][..]
        );
        assert_eq!(read(&vmo, 2 * P - 1, 2).unwrap(), [0, 7]);
        assert_eq!(allocated(&vmo), 4 * P);
        // The committed count settles them.
        assert_eq!(vmo.committed_bytes(), 2 * P);
        assert_eq!(allocated(&vmo), 2 * P);
        assert_eq!(vmo.moved_out_within(0, 4 * P), []);
    }

    #[test]
    fn writes_over_moved_out_pages() {
        let vmo = Vmo::create(3 * P, false).unwrap();
        write(&vmo, 0, &[7u8; 3 * P as usize]).unwrap();
        vmo.move_out(0, 3 * P).unwrap();
        // A whole page: no punch, the page leaves the set with its new bytes.
        write(&vmo, 0, &[9u8; P as usize]).unwrap();
        assert_eq!(allocated(&vmo), 3 * P);
        assert_eq!(vmo.moved_out_within(0, 3 * P), [(1, 3)]);
        assert_eq!(read(&vmo, 0, P as usize).unwrap(), [9u8; P as usize]);
        // Part of a page: punched first, so the rest of it reads as zero.
        write(&vmo, P + 10, b"abc").unwrap();
        assert_eq!(vmo.moved_out_within(0, 3 * P), [(2, 3)]);
        let page = read(&vmo, P, P as usize).unwrap();
        assert_eq!(&page[10..13], b"abc");
        assert_eq!(page.iter().filter(|&&b| b != 0).count(), 3);
        assert_eq!(vmo.committed_bytes(), 2 * P);
    }

    #[test]
    fn mapped_or_announced_vmos_punch_at_once() {
        let vmo = Vmo::create(4 * P, false).unwrap();
        write(&vmo, 0, &[7u8; 4 * P as usize]).unwrap();
        vmo.add_mapping();
        vmo.move_out(0, P).unwrap();
        assert_eq!(allocated(&vmo), 3 * P);
        vmo.remove_mapping();
        vmo.move_out(P, P).unwrap();
        assert_eq!(allocated(&vmo), 3 * P);
        {
            let _announced = vmo.announce_mapping().unwrap();
            assert_eq!(allocated(&vmo), 2 * P);
            vmo.move_out(2 * P, P).unwrap();
            assert_eq!(allocated(&vmo), P);
        }
        vmo.move_out(3 * P, P).unwrap();
        assert_eq!((allocated(&vmo), vmo.committed_bytes()), (P, 0));
    }

    #[test]
    fn moved_out_set_stays_bounded() {
        const PAGES: u64 = 200;
        let vmo = Vmo::create(PAGES * P, false).unwrap();
        write(&vmo, 0, &vec![7u8; (PAGES * P) as usize]).unwrap();
        for p in (0..PAGES).step_by(2) {
            vmo.move_out(p * P, P).unwrap();
        }
        let held = allocated(&vmo) / P - PAGES / 2;
        assert!(
            (1..=moved::MAX_RUNS as u64).contains(&held),
            "{held} pages held"
        );
        assert_eq!(vmo.committed_bytes(), PAGES / 2 * P);
        // Too large for the set: punched at once.
        let big = Vmo::create((moved::MAX_PAGES + 1) * P, false).unwrap();
        vmo_fill(&big);
        big.move_out(0, big.size()).unwrap();
        assert_eq!(allocated(&big), 0);
    }

    fn vmo_fill(vmo: &Vmo) {
        vmo.commit_range(0, vmo.size()).unwrap();
        assert_eq!(allocated(vmo), vmo.size());
    }

    #[test]
    fn resizes_and_op_ranges_over_moved_out_pages() {
        let vmo = Vmo::create(4 * P, true).unwrap();
        write(&vmo, 0, &[7u8; 4 * P as usize]).unwrap();
        vmo.move_out(0, 4 * P).unwrap();
        vmo.commit_range(0, 1).unwrap();
        assert_eq!(read(&vmo, 0, P as usize).unwrap(), [0; P as usize]);
        assert_eq!(vmo.moved_out_within(0, 4 * P), [(1, 4)]);
        vmo.zero_range(P + 1, 1).unwrap();
        assert_eq!(vmo.moved_out_within(0, 4 * P), [(2, 4)]);
        vmo.set_size(3 * P - 1, ALL).unwrap();
        assert_eq!(vmo.moved_out_within(0, 4 * P), []);
        vmo.set_size(4 * P, ALL).unwrap();
        assert_eq!(read(&vmo, 0, 4 * P as usize).unwrap(), [0; 4 * P as usize]);
        // Only the committed page 0: zero and the shrink's tail zeroing punched pages 1, 2.
        assert_eq!(vmo.committed_bytes(), P);
    }

    #[test]
    fn supply_view_comes_after_a_few_supplies() {
        let vmo = Vmo::create(4 * P, false).unwrap();
        for _ in 0..VIEW_AFTER_SUPPLIES {
            assert!(vmo.supply_view().is_none());
        }
        let view = vmo.supply_view().expect("a view");
        assert!(view.at(3 * P, P as usize).is_some());
        assert!(view.at(3 * P, P as usize + 1).is_none());
    }

    #[test]
    fn write_racing_shrink_leaves_file_at_vmo_size() {
        use std::sync::atomic::AtomicBool;
        let vmo = Vmo::create(1 << 20, true).unwrap();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let data = vec![5u8; 64 << 10];
                while !stop.load(Ordering::Relaxed) {
                    let _ = write(&vmo, (1 << 20) - (64 << 10), &data);
                }
            });
            for _ in 0..200 {
                vmo.set_size(4096, ALL).unwrap();
                vmo.set_size(1 << 20, ALL).unwrap();
            }
            vmo.set_size(4096, ALL).unwrap();
            stop.store(true, Ordering::Relaxed);
        });
        let st = crate::host::memfd::allocated_bytes(vmo.fd()).unwrap();
        assert!(st <= 4096, "{st} bytes allocated beyond the VMO's end");
        vmo.set_size(1 << 20, ALL).unwrap();
        assert_eq!(
            read(&vmo, 4096, (1 << 20) - 4096).unwrap(),
            vec![0; (1 << 20) - 4096]
        );
    }
}
