//! `Pager` and pager-backed VMOs (zircon-abi.md §1.10, §2.3), served by userfaultfd.
//!
//! # Model
//! A pager VMO is an ordinary memfd VMO plus a [`PagerVmo`] link. "Supplied" means the page
//! is in [`VState::pages`] (and, except for pages that read as zero, in the memfd). Each
//! supplied page is `Clean`, `Dirty`, `AwaitingClean` (writeback begun) or `ZeroDirty` (grown
//! by a resize: reads zero, dirty, reported with `ZX_VMO_DIRTY_RANGE_IS_ZERO`).
//!
//! # Faults
//! One userfaultfd per pager (`O_NONBLOCK`); every mapping of a pager VMO is registered
//! with it in missing-page mode (plus write-protect mode for `TRAP_DIRTY` VMOs) right after
//! its host `mmap` (`AspaceState::host_map`). The host registry (`host::uffd::REGISTRY`)
//! turns a fault address back into (VMO token, offset). The pager is a [`PacketSource`]
//! attached to every port it serves: a thread blocked in `zx_port_wait` reads the fault
//! events itself and returns the `ZX_PAGER_VMO_READ` packet, with no relay thread.
//! `zx_pager_supply_pages` copies the aux pages into the memfd (`copy_file_range`, one call
//! per run of missing pages; runs of at most [`COPY_INTO_MAPPING_MAX`] bytes go straight into
//! a faulting mapping with `UFFDIO_COPY`, which wakes its threads), moves the aux range out
//! (`Vmo::move_out`: it reads as zero from then on, decommitted lazily), marks the pages
//! supplied and wakes the faulting threads (`UFFDIO_WAKE`); their retried faults find the
//! page in the page cache.
//! A second fault or `zx_vmo_read` on a page already requested sends no second packet.
//!
//! `zx_vmo_read`/`write`, `COMMIT` and `PREFETCH` check [`VState::pages`] (a read of a memfd
//! hole does not fault), send the requests for missing pages themselves, and sleep on a
//! condition variable, holding no lock, until the pages are supplied, the request is failed
//! (the `ZX_PAGER_OP_FAIL` status) or the VMO is detached (`BAD_STATE`).
//!
//! # Failure, detach, close
//! `ZX_PAGER_OP_FAIL` fails the outstanding requests in the range: blocked VMO calls return
//! the status, and faulting threads are woken onto a poison marker (`UFFDIO_POISON`), so
//! they take `SIGBUS`, the host's form of a fatal page fault. A later supply clears the
//! markers. Detaching (explicitly, by closing the pager, or when the last reference to the
//! VMO goes away) moves the VMO's registrations to a process-wide descriptor opened with
//! `UFFD_FEATURE_SIGBUS`: unregistering wakes the blocked threads, and every later fault on
//! an unsupplied page raises `SIGBUS` at once, without needing any thread to read events.
//! So no thread is ever left blocked by a detached VMO or a closed pager.
//!
//! # Dirty tracking
//! `TRAP_DIRTY` mappings are write-protected (`UFFDIO_WRITEPROTECT`): the first write to a
//! `Clean` page sends `ZX_PAGER_VMO_DIRTY` and blocks until `ZX_PAGER_OP_DIRTY`; a write to an
//! `AwaitingClean` page makes it `Dirty` without a request. `zx_vmo_write` dirties pages of
//! every pager VMO.
//!
//! # Host requirements
//! `zx_pager_create` answers `NOT_SUPPORTED` when no userfaultfd can be opened (the log
//! says how to enable one). On hosts that only allow user-mode-only descriptors
//! (unprivileged, `vm.unprivileged_userfaultfd=0`), a *host system call* that touches an
//! unsupplied page (`read(2)` into a pager mapping, a `zx_vmo_read` whose buffer is such a
//! page, a futex there) fails with `EFAULT` at once instead of waiting for the pager;
//! `zx_vmo_read/write` report that buffer as `NOT_FOUND`. Accesses by the program itself
//! fault and wait as usual. `TRAP_DIRTY` needs `UFFD_FEATURE_WP_HUGETLBFS_SHMEM` (else
//! `zx_pager_create_vmo` answers `NOT_SUPPORTED`); failing faulting threads needs
//! `UFFD_FEATURE_POISON` (Linux 6.6; without it they are woken and ask again). A forked
//! child's copies of pager mappings are not registered (no `UFFD_FEATURE_EVENT_FORK`): its
//! unsupplied pages read as zero.
//!
//! # Deviations from Zircon
//! * Pages written only through a mapping of a VMO *without* `TRAP_DIRTY` are not seen as
//!   dirty (tracking them would need a write-protect fault, served by a port waiter, on the
//!   first write to each page, which Zircon never makes such writers wait for).
//! * `ZX_VMO_OP_ZERO` on a pager VMO first has the range supplied (and, with `TRAP_DIRTY`,
//!   dirtied) like a write; Zircon can zero unsupplied pages without asking.
//! * Failing a request poisons the faulting thread's page-table entry; touching that exact
//!   address again before a supply raises `SIGBUS` without a new request.
//! * A read request covers the faulting page only (Zircon may ask for more).
//! * Pages that read as zero without the pager (grown by a resize, or zeroed) are
//!   allocated in the memfd, so they count as committed.
//!
//! # Locks
//! `aspace → VMO state → PagerVmo::st → (port state | uffd registry)`; `PagerCore::st` is
//! taken alone (or before a port's state lock in `create_vmo`). The fault path (a port
//! waiter) takes the registry, then `PagerCore::st`, then `PagerVmo::st`, one at a time,
//! never the address-space lock. Nothing blocks while holding a lock.
use super::port::{PacketSource, Port};
use super::vmo::Vmo;
use crate::handle::{new_koid, Koid};
use crate::host::uffd::{self, Uffd, UffdMsg, REGISTRY};
use crate::host::{memfd, mman, Errno};
use crate::status::{Status, ZxResult};
use std::collections::{BTreeMap, HashMap};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use zx_sys::*;

const PAGE: u64 = ZX_PAGE_SIZE as u64;
const PAGE_USIZE: usize = ZX_PAGE_SIZE as usize;
/// Most unsupplied bytes of one mapping poisoned on detach (each page costs a page-table
/// entry).
const MAX_POISON: u64 = 1 << 30;
/// Largest run a supply copies straight into a faulting mapping (`UFFDIO_COPY` through a
/// bounce buffer: two copies, but no retried fault and no wake call); longer runs go file
/// to file (`copy_file_range`: one copy).
const COPY_INTO_MAPPING_MAX: u64 = 64 << 10;

// --- Page-indexed run map -----------------------------------------------------------------

/// Disjoint runs of page indices `[start, end)` with a value each; equal neighbours merge.
#[derive(Debug)]
struct RunMap<V> {
    map: BTreeMap<u64, (u64, V)>,
}

impl<V> Default for RunMap<V> {
    fn default() -> Self {
        RunMap {
            map: BTreeMap::new(),
        }
    }
}

impl<V: Copy + Eq> RunMap<V> {
    /// Sets `[lo, hi)` to `v` (`None` removes it).
    fn set(&mut self, lo: u64, hi: u64, v: Option<V>) {
        if lo >= hi {
            return;
        }
        let keys: Vec<u64> = self
            .map
            .range(..hi)
            .rev()
            .take_while(|(_, (e, _))| *e > lo)
            .map(|(s, _)| *s)
            .collect();
        for s in keys {
            let (e, old) = self.map.remove(&s).expect("key just seen");
            if s < lo {
                self.map.insert(s, (lo, old));
            }
            if e > hi {
                self.map.insert(hi, (e, old));
            }
        }
        let Some(v) = v else { return };
        let (mut lo, mut hi) = (lo, hi);
        if let Some((&s, &(e, w))) = self.map.range(..lo).next_back() {
            if e == lo && w == v {
                self.map.remove(&s);
                lo = s;
            }
        }
        if let Some(&(e, w)) = self.map.get(&hi) {
            if w == v {
                self.map.remove(&hi);
                hi = e;
            }
        }
        self.map.insert(lo, (hi, v));
    }

    fn get(&self, page: u64) -> Option<V> {
        let (_, &(e, v)) = self.map.range(..=page).next_back()?;
        (page < e).then_some(v)
    }

    /// The runs and gaps covering `[lo, hi)`, in order.
    fn pieces(&self, lo: u64, hi: u64) -> Vec<(u64, u64, Option<V>)> {
        let mut out = Vec::new();
        let mut cursor = lo;
        let first = self
            .map
            .range(..=lo)
            .next_back()
            .map(|(s, _)| *s)
            .unwrap_or(lo);
        for (&s, &(e, v)) in self.map.range(first..hi) {
            if e <= lo {
                continue;
            }
            let s = s.max(lo);
            if s > cursor {
                out.push((cursor, s, None));
            }
            let e = e.min(hi);
            out.push((s, e, Some(v)));
            cursor = e;
        }
        if cursor < hi {
            out.push((cursor, hi, None));
        }
        out
    }

    /// The gaps (pages without a value) in `[lo, hi)`.
    fn gaps(&self, lo: u64, hi: u64) -> Vec<(u64, u64)> {
        self.pieces(lo, hi)
            .into_iter()
            .filter(|p| p.2.is_none())
            .map(|(s, e, _)| (s, e))
            .collect()
    }

    fn covers(&self, lo: u64, hi: u64) -> bool {
        self.gaps(lo, hi).is_empty()
    }
}

/// `runs` (sorted, disjoint) cut at the edges of `marked` (sorted, disjoint): each piece
/// with whether it lies in `marked`.
fn split_runs(runs: &[(u64, u64)], marked: &[(u64, u64)]) -> Vec<(u64, u64, bool)> {
    let mut out = Vec::with_capacity(runs.len());
    for &(s, e) in runs {
        let mut at = s;
        for &(ms, me) in marked.iter().filter(|&&(ms, me)| ms < e && s < me) {
            let (ms, me) = (ms.max(s), me.min(e));
            if at < ms {
                out.push((at, ms, false));
            }
            out.push((ms, me, true));
            at = me;
        }
        if at < e {
            out.push((at, e, false));
        }
    }
    out
}

/// State of a supplied page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PageState {
    Clean,
    Dirty,
    AwaitingClean,
    ZeroDirty,
}

impl PageState {
    fn is_dirty(self) -> bool {
        self != PageState::Clean
    }
}

// --- Packets --------------------------------------------------------------------------------

fn page_request(key: u64, command: u16, offset: u64, length: u64) -> zx_port_packet_t {
    zx_port_packet_t {
        key,
        type_: ZX_PKT_TYPE_PAGE_REQUEST,
        status: ZX_OK,
        payload: zx_port_packet_payload_t {
            page_request: zx_packet_page_request_t {
                command,
                offset,
                length,
                ..Default::default()
            },
        },
    }
}

// --- The process-wide SIGBUS descriptor -------------------------------------------------

/// Registrations of detached VMOs: a descriptor in `UFFD_FEATURE_SIGBUS` mode, which turns
/// every fault on a missing page into `SIGBUS` without queueing an event.
fn sigbus_uffd() -> Option<&'static Arc<Uffd>> {
    static SIGBUS: OnceLock<Option<Arc<Uffd>>> = OnceLock::new();
    SIGBUS
        .get_or_init(|| {
            match Uffd::open(
                uffd::UFFD_FEATURE_SIGBUS | uffd::UFFD_FEATURE_MISSING_SHMEM,
                0,
            ) {
                Ok(u) => Some(Arc::new(u)),
                Err(e) => {
                    tracing::error!(target: "zx_shim::pager", "SIGBUS userfaultfd: {e:?}");
                    None
                }
            }
        })
        .as_ref()
}

// --- Pager ------------------------------------------------------------------------------

/// The handle object: closing its last handle closes the pager ([`PagerCore::close`]).
pub struct Pager {
    core: Arc<PagerCore>,
}

/// The pager proper: its userfaultfd and the VMOs it serves.
pub struct PagerCore {
    koid: Koid,
    uffd: Arc<Uffd>,
    st: Mutex<CoreState>,
}

#[derive(Default)]
struct CoreState {
    closed: bool,
    vmos: HashMap<u64, Arc<PagerVmo>>,
    /// Ports this pager's descriptor is attached to.
    ports: Vec<Weak<Port>>,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Pager {
    /// `zx_pager_create`: options must be 0 (`INVALID_ARGS`); no userfaultfd on this host
    /// → `NOT_SUPPORTED` (the log says how to enable it).
    pub fn create(options: u32) -> ZxResult<Arc<Pager>> {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let uffd = Uffd::open(
            uffd::UFFD_FEATURE_MISSING_SHMEM,
            uffd::UFFD_FEATURE_WP_HUGETLBFS_SHMEM | uffd::UFFD_FEATURE_POISON,
        )
        .map_err(|e| match e.0 {
            libc::EMFILE | libc::ENFILE => Status::NO_RESOURCES,
            libc::ENOMEM => Status::NO_MEMORY,
            _ => Status::NOT_SUPPORTED,
        })?;
        Ok(Arc::new(Pager {
            core: Arc::new(PagerCore {
                koid: new_koid(),
                uffd: Arc::new(uffd),
                st: Mutex::new(CoreState::default()),
            }),
        }))
    }

    pub fn koid(&self) -> Koid {
        self.core.koid
    }

    pub fn core(&self) -> &Arc<PagerCore> {
        &self.core
    }

    /// The link of `vmo` if this pager created it: `INVALID_ARGS` otherwise (a foreign VMO).
    pub fn own(&self, vmo: &Vmo) -> ZxResult<Arc<PagerVmo>> {
        match vmo.pager_link() {
            Some(link) if link.pager_koid == self.core.koid => Ok(link.clone()),
            _ => Err(Status::INVALID_ARGS),
        }
    }

    /// `zx_pager_create_vmo` after the pager (`ATTACH_VMO`) and port (`WRITE`) lookups:
    /// `TRAP_DIRTY` is split off and the rest goes through `zx_vmo_create`'s parser.
    /// `TRAP_DIRTY` without host write-protect support → `NOT_SUPPORTED`.
    pub fn create_vmo(
        &self,
        options: u32,
        port: &Arc<Port>,
        key: u64,
        size: u64,
    ) -> ZxResult<Arc<Vmo>> {
        let trap_dirty = options & ZX_VMO_TRAP_DIRTY != 0;
        let vmo = Vmo::create_with_options(size, options & !ZX_VMO_TRAP_DIRTY)?;
        let core = &self.core;
        if trap_dirty && !core.uffd.has(uffd::UFFD_FEATURE_WP_HUGETLBFS_SHMEM) {
            return Err(Status::NOT_SUPPORTED);
        }
        let link = Arc::new(PagerVmo {
            token: NEXT_TOKEN.fetch_add(1, Ordering::Relaxed),
            pager_koid: core.koid,
            core: Arc::downgrade(core),
            uffd: core.uffd.clone(),
            port: port.clone(),
            key,
            trap_dirty,
            st: Mutex::new(VState {
                size: vmo.size(),
                ..VState::default()
            }),
            cv: Condvar::new(),
        });
        let mut cs = core.lock();
        if cs.closed {
            return Err(Status::BAD_STATE);
        }
        cs.ports.retain(|p| p.strong_count() > 0);
        if !cs
            .ports
            .iter()
            .any(|p| std::ptr::eq(p.as_ptr(), Arc::as_ptr(port)))
        {
            let source: Arc<dyn PacketSource> = core.clone();
            match port.attach_source(source) {
                Ok(()) | Err(Status::ALREADY_EXISTS) => {}
                Err(e) => return Err(e),
            }
            cs.ports.push(Arc::downgrade(port));
        }
        cs.vmos.insert(link.token, link.clone());
        drop(cs);
        vmo.set_pager_link(link);
        Ok(vmo)
    }

    /// `zx_pager_detach_vmo` after the lookups: a foreign VMO → `INVALID_ARGS`. Queues
    /// `ZX_PAGER_VMO_COMPLETE` once; detaching again is a no-op.
    pub fn detach(&self, vmo: &Vmo) -> ZxResult {
        self.own(vmo)?.detach(true);
        Ok(())
    }

    /// `zx_pager_supply_pages` after the lookups and the alignment check.
    pub fn supply(&self, vmo: &Vmo, offset: u64, len: u64, aux: &Vmo, aux_offset: u64) -> ZxResult {
        let link = self.own(vmo)?;
        if aux.is_pager_backed() {
            return Err(Status::NOT_SUPPORTED);
        }
        link.supply(vmo, offset, len, aux, aux_offset)
    }

    /// `zx_pager_op_range` after the lookups and the alignment check.
    pub fn op_range(&self, op: u32, vmo: &Vmo, offset: u64, len: u64, data: u64) -> ZxResult {
        let link = self.own(vmo)?;
        match op {
            ZX_PAGER_OP_FAIL => {
                let status = fail_status(data)?;
                link.fail(offset, len, status)
            }
            ZX_PAGER_OP_DIRTY => {
                if data != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                link.dirty(offset, len)
            }
            ZX_PAGER_OP_WRITEBACK_BEGIN => {
                if data != 0 && data != ZX_VMO_DIRTY_RANGE_IS_ZERO {
                    return Err(Status::INVALID_ARGS);
                }
                link.writeback(offset, len, true)
            }
            ZX_PAGER_OP_WRITEBACK_END => {
                if data != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                link.writeback(offset, len, false)
            }
            _ => Err(Status::NOT_SUPPORTED),
        }
    }

    /// `zx_pager_query_vmo_stats` after the lookups: options 0 or `RESET` (`INVALID_ARGS`).
    pub fn query_stats(&self, vmo: &Vmo, options: u32) -> ZxResult<zx_pager_vmo_stats_t> {
        let link = self.own(vmo)?;
        if options & !ZX_PAGER_RESET_VMO_STATS != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let mut st = link.lock();
        let modified = st.modified;
        if options & ZX_PAGER_RESET_VMO_STATS != 0 {
            st.modified = false;
        }
        Ok(zx_pager_vmo_stats_t {
            modified: if modified {
                ZX_PAGER_VMO_STATS_MODIFIED
            } else {
                0
            },
        })
    }

    /// `zx_pager_query_dirty_ranges` after the lookups: the range is rounded out to pages
    /// (`OUT_OF_RANGE` beyond the VMO); every dirty range in it, in order.
    pub fn query_dirty(
        &self,
        vmo: &Vmo,
        offset: u64,
        len: u64,
    ) -> ZxResult<Vec<zx_vmo_dirty_range_t>> {
        let link = self.own(vmo)?;
        let st = link.lock();
        let end = offset.checked_add(len).ok_or(Status::OUT_OF_RANGE)?;
        if end > st.size {
            return Err(Status::OUT_OF_RANGE);
        }
        let (lo, hi) = (offset / PAGE, end.div_ceil(PAGE));
        let mut out: Vec<zx_vmo_dirty_range_t> = Vec::new();
        for (s, e, v) in st.pages.pieces(lo, hi) {
            let Some(v) = v.filter(|v| v.is_dirty()) else {
                continue;
            };
            let options = if v == PageState::ZeroDirty {
                ZX_VMO_DIRTY_RANGE_IS_ZERO
            } else {
                0
            };
            match out.last_mut() {
                Some(last) if last.offset + last.length == s * PAGE && last.options == options => {
                    last.length += (e - s) * PAGE
                }
                _ => out.push(zx_vmo_dirty_range_t {
                    offset: s * PAGE,
                    length: (e - s) * PAGE,
                    options,
                }),
            }
        }
        Ok(out)
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        self.core.close();
    }
}

/// `ZX_PAGER_OP_FAIL`'s `data`: an `int32` among the statuses a pager may report.
fn fail_status(data: u64) -> ZxResult<Status> {
    let value = data as i64;
    let value = i32::try_from(value).map_err(|_| Status::INVALID_ARGS)?;
    let status = Status::from_raw(value);
    let allowed = [
        Status::IO,
        Status::IO_DATA_INTEGRITY,
        Status::BAD_STATE,
        Status::NO_SPACE,
        Status::BUFFER_TOO_SMALL,
    ];
    if allowed.contains(&status) {
        Ok(status)
    } else {
        Err(Status::INVALID_ARGS)
    }
}

impl PagerCore {
    fn lock(&self) -> MutexGuard<'_, CoreState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The pager's last handle closed: every VMO is detached without a `COMPLETE` packet
    /// (zircon-abi.md §2.3) and the descriptor leaves every port.
    fn close(self: &Arc<Self>) {
        let (vmos, ports) = {
            let mut cs = self.lock();
            cs.closed = true;
            (std::mem::take(&mut cs.vmos), std::mem::take(&mut cs.ports))
        };
        for vmo in vmos.into_values() {
            vmo.detach(false);
        }
        let me: Arc<dyn PacketSource> = self.clone();
        for port in ports.iter().filter_map(Weak::upgrade) {
            port.detach_source(&me);
        }
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Reads every pending fault event and turns it into packets or wake-ups.
    fn drain(&self, polling: Option<&Port>, out: &mut dyn FnMut(zx_port_packet_t)) {
        let mut msgs = [UffdMsg::default(); 16];
        loop {
            let n = match self.uffd.read_events(&mut msgs) {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(target: "zx_shim::pager", "userfaultfd read: {e:?}");
                    return;
                }
            };
            for msg in &msgs[..n] {
                if msg.event == uffd::UFFD_EVENT_PAGEFAULT {
                    self.on_fault(msg, polling, out);
                }
            }
            if n < msgs.len() {
                return;
            }
        }
    }

    fn on_fault(
        &self,
        msg: &UffdMsg,
        polling: Option<&Port>,
        out: &mut dyn FnMut(zx_port_packet_t),
    ) {
        let addr = uffd::page_of(msg.address);
        let vmo = REGISTRY
            .lookup(addr, &self.uffd)
            .and_then(|(token, offset)| Some((self.lock().vmos.get(&token)?.clone(), offset)));
        match vmo {
            Some((vmo, offset)) => vmo.on_fault(addr, offset, msg.flags, polling, out),
            // The mapping is gone or moved: the thread retries against what is there now.
            None => {
                let _ = self.uffd.wake(addr, PAGE_USIZE);
            }
        }
    }
}

impl PacketSource for PagerCore {
    fn fd(&self) -> RawFd {
        self.uffd.fd()
    }

    fn poll_packets(&self, out: &mut dyn FnMut(zx_port_packet_t)) {
        self.drain(None, out)
    }

    fn poll_packets_on(&self, port: &Port, out: &mut dyn FnMut(zx_port_packet_t)) {
        self.drain(Some(port), out)
    }
}

// --- Pager VMO --------------------------------------------------------------------------------

/// The pager side of a pager-backed VMO, shared by the VMO (`Vmo::pager_link`) and the pager.
pub struct PagerVmo {
    token: u64,
    pager_koid: Koid,
    core: Weak<PagerCore>,
    uffd: Arc<Uffd>,
    port: Arc<Port>,
    key: u64,
    trap_dirty: bool,
    st: Mutex<VState>,
    /// Signalled whenever pages are supplied or dirtied, requests fail, the size changes or
    /// the VMO is detached.
    cv: Condvar,
}

/// A thread blocked in a fault, waiting for the page at `addr`.
#[derive(Clone, Copy, Debug)]
struct Fault {
    addr: usize,
    page: u64,
    /// A write-protect fault (waiting for `ZX_PAGER_OP_DIRTY`), else a missing page.
    wp: bool,
}

/// A VMO call blocked in [`PagerVmo::ensure`].
struct Waiter {
    id: u64,
    lo: u64,
    hi: u64,
    failed: Option<Status>,
}

#[derive(Default)]
struct VState {
    /// Bytes, page aligned; mirrors the VMO's size.
    size: u64,
    detached: bool,
    pages: RunMap<PageState>,
    read_requested: RunMap<()>,
    dirty_requested: RunMap<()>,
    faults: Vec<Fault>,
    waiters: Vec<Waiter>,
    next_waiter: u64,
    /// Addresses poisoned by `FAIL`, cleared by a later supply or dirty.
    poisoned: Vec<(usize, u64)>,
    modified: bool,
}

impl PagerVmo {
    fn lock(&self) -> MutexGuard<'_, VState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, st: MutexGuard<'a, VState>) -> MutexGuard<'a, VState> {
        self.cv.wait(st).unwrap_or_else(|e| e.into_inner())
    }

    fn emit(
        &self,
        polling: Option<&Port>,
        out: &mut dyn FnMut(zx_port_packet_t),
        p: zx_port_packet_t,
    ) {
        match polling {
            Some(port) if std::ptr::eq(port, Arc::as_ptr(&self.port)) => out(p),
            _ => self.port.queue_kernel_packet(p),
        }
    }

    fn request(&self, command: u16, lo: u64, hi: u64) -> zx_port_packet_t {
        page_request(self.key, command, lo * PAGE, (hi - lo) * PAGE)
    }

    fn mode(&self) -> u64 {
        uffd::UFFDIO_REGISTER_MODE_MISSING
            | if self.trap_dirty {
                uffd::UFFDIO_REGISTER_MODE_WP
            } else {
                0
            }
    }

    /// Registers a new host mapping `[start, start + len)` of the VMO (file offset
    /// `offset` at `start`): with the pager's descriptor, or the SIGBUS one once detached.
    /// `TRAP_DIRTY` mappings start write-protected except over dirty pages.
    pub fn register_mapping(&self, start: usize, len: usize, offset: u64) -> Result<(), Errno> {
        let st = self.lock();
        if st.detached {
            let Some(sigbus) = sigbus_uffd() else {
                return Err(Errno::EINVAL);
            };
            sigbus.register(start, len, uffd::UFFDIO_REGISTER_MODE_MISSING)?;
            REGISTRY.insert(start, len, sigbus.clone(), self.token, offset);
            return Ok(());
        }
        self.uffd.register(start, len, self.mode())?;
        if self.trap_dirty {
            self.uffd.writeprotect(start, len, true)?;
            let (lo, hi) = (offset / PAGE, (offset + len as u64).div_ceil(PAGE));
            for (s, e, v) in st.pages.pieces(lo, hi) {
                if v.is_some_and(PageState::is_dirty) {
                    let a = start + ((s * PAGE - offset) as usize);
                    self.uffd
                        .writeprotect(a, ((e - s) * PAGE) as usize, false)?;
                }
            }
        }
        REGISTRY.insert(start, len, self.uffd.clone(), self.token, offset);
        Ok(())
    }

    /// Calls `f(addr, len)` for the mapped addresses of VMO pages `[lo, hi)`.
    fn for_mapped(&self, lo: u64, hi: u64, mut f: impl FnMut(usize, usize)) {
        let (off_lo, off_hi) = (lo * PAGE, hi * PAGE);
        REGISTRY.for_token(self.token, |start, len, offset, _| {
            let (s, e) = (offset.max(off_lo), (offset + len as u64).min(off_hi));
            if s < e {
                f(start + (s - offset) as usize, (e - s) as usize);
            }
        });
    }

    /// The address of VMO offset `offset` in a mapping registered with the pager that covers
    /// `[offset, offset + len)`, if there is one.
    fn mapped_at(&self, offset: u64, len: u64) -> Option<usize> {
        let mut found = None;
        REGISTRY.for_token(self.token, |start, n, off, reg| {
            if found.is_none()
                && Arc::ptr_eq(reg, &self.uffd)
                && off <= offset
                && offset + len <= off + n as u64
            {
                found = Some(start + (offset - off) as usize);
            }
        });
        found
    }

    /// A fault event on `addr` (VMO offset `offset`), read by a port waiter.
    fn on_fault(
        &self,
        addr: usize,
        offset: u64,
        flags: u64,
        polling: Option<&Port>,
        out: &mut dyn FnMut(zx_port_packet_t),
    ) {
        let page = offset / PAGE;
        let mut st = self.lock();
        if st.detached || offset >= st.size {
            drop(st);
            let _ = self.uffd.wake(addr, PAGE_USIZE);
            return;
        }
        let state = st.pages.get(page);
        if flags & uffd::UFFD_PAGEFAULT_FLAG_WP != 0 {
            match state {
                Some(PageState::Clean) => {
                    st.faults.push(Fault {
                        addr,
                        page,
                        wp: true,
                    });
                    if st.dirty_requested.get(page).is_none() {
                        st.dirty_requested.set(page, page + 1, Some(()));
                        self.emit(
                            polling,
                            out,
                            self.request(ZX_PAGER_VMO_DIRTY, page, page + 1),
                        );
                    }
                }
                Some(_) => {
                    // Written after writeback began, or dirtied already: no request.
                    st.pages.set(page, page + 1, Some(PageState::Dirty));
                    st.modified = true;
                    drop(st);
                    let _ = self.uffd.writeprotect(addr, PAGE_USIZE, false);
                }
                None => {
                    drop(st);
                    let _ = self.uffd.wake(addr, PAGE_USIZE);
                }
            }
            return;
        }
        if state.is_some() {
            // Supplied after the fault, or a supplied page that reads as zero (a hole).
            drop(st);
            if self.uffd.zeropage(addr, PAGE_USIZE).is_err() {
                let _ = self.uffd.wake(addr, PAGE_USIZE);
            }
            return;
        }
        st.faults.push(Fault {
            addr,
            page,
            wp: false,
        });
        if st.read_requested.get(page).is_none() {
            st.read_requested.set(page, page + 1, Some(()));
            self.emit(
                polling,
                out,
                self.request(ZX_PAGER_VMO_READ, page, page + 1),
            );
        }
    }

    /// Blocks until `[offset, offset + len)` is supplied (and, for writes to a `TRAP_DIRTY`
    /// VMO, dirty), sending the requests needed. The caller checked the range.
    fn ensure(&self, offset: u64, len: u64, write: bool) -> ZxResult {
        if len == 0 {
            return Ok(());
        }
        let (lo, hi) = (offset / PAGE, (offset + len).div_ceil(PAGE));
        let mut st = self.lock();
        let id = st.next_waiter;
        st.next_waiter += 1;
        st.waiters.push(Waiter {
            id,
            lo,
            hi,
            failed: None,
        });
        let result = loop {
            let me = st.waiters.iter().find(|w| w.id == id).expect("own waiter");
            if let Some(status) = me.failed {
                break Err(status);
            }
            if hi * PAGE > st.size {
                break Err(Status::OUT_OF_RANGE);
            }
            let gaps = st.pages.gaps(lo, hi);
            let need = if !gaps.is_empty() {
                for (s, e) in gaps {
                    for (rs, re) in st.read_requested.gaps(s, e) {
                        st.read_requested.set(rs, re, Some(()));
                        self.port
                            .queue_kernel_packet(self.request(ZX_PAGER_VMO_READ, rs, re));
                    }
                }
                true
            } else if write && self.trap_dirty {
                let clean: Vec<(u64, u64)> = st
                    .pages
                    .pieces(lo, hi)
                    .into_iter()
                    .filter(|p| p.2 == Some(PageState::Clean))
                    .map(|(s, e, _)| (s, e))
                    .collect();
                for &(s, e) in &clean {
                    for (rs, re) in st.dirty_requested.gaps(s, e) {
                        st.dirty_requested.set(rs, re, Some(()));
                        self.port
                            .queue_kernel_packet(self.request(ZX_PAGER_VMO_DIRTY, rs, re));
                    }
                }
                !clean.is_empty()
            } else {
                false
            };
            if !need {
                break Ok(());
            }
            if st.detached {
                break Err(Status::BAD_STATE);
            }
            st = self.wait(st);
        };
        st.waiters.retain(|w| w.id != id);
        result
    }

    /// Before `zx_vmo_read` (and `COMMIT`/`PREFETCH`) of the range.
    pub fn before_read(&self, offset: u64, len: u64) -> ZxResult {
        self.ensure(offset, len, false)
    }

    /// Before `zx_vmo_write` (or `ZERO`) of the range.
    pub fn before_write(&self, offset: u64, len: u64) -> ZxResult {
        self.ensure(offset, len, true)
    }

    /// After bytes were written to `[offset, offset + len)`: the pages are dirty.
    pub fn after_write(&self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        let (lo, hi) = (offset / PAGE, (offset + len).div_ceil(PAGE));
        let mut st = self.lock();
        for (s, e, v) in st.pages.pieces(lo, hi) {
            if v.is_some() {
                st.pages.set(s, e, Some(PageState::Dirty));
            }
        }
        st.modified = true;
    }

    /// Whole pages `[lo, hi)` (bytes) were zeroed and are present in the memfd: supplied
    /// pages become dirty, unsupplied ones zero-dirty (they no longer need the pager).
    pub fn zeroed(&self, lo: u64, hi: u64) {
        let (lo, hi) = (lo / PAGE, hi / PAGE);
        let mut st = self.lock();
        let hi = hi.min(st.size / PAGE);
        for (s, e, v) in st.pages.pieces(lo, hi) {
            let next = if v.is_some() {
                PageState::Dirty
            } else {
                PageState::ZeroDirty
            };
            st.pages.set(s, e, Some(next));
        }
        if lo < hi {
            st.modified = true;
        }
        drop(st);
        self.cv.notify_all();
    }

    /// The VMO's size changed: pages beyond a shrunk end are forgotten (their faulting
    /// threads retry and take `SIGBUS`; blocked calls fail `OUT_OF_RANGE`); a grown range
    /// reads as zero without asking the pager and is dirty (`ZX_VMO_DIRTY_RANGE_IS_ZERO`).
    pub fn on_resize(&self, old: u64, new: u64) {
        let mut st = self.lock();
        st.size = new;
        let (op, np) = (old / PAGE, new / PAGE);
        if new < old {
            st.pages.set(np, u64::MAX, None);
            st.read_requested.set(np, u64::MAX, None);
            st.dirty_requested.set(np, u64::MAX, None);
            st.faults.retain(|f| f.page < np);
        } else if new > old {
            st.pages.set(op, np, Some(PageState::ZeroDirty));
        }
        st.modified = true;
        drop(st);
        self.cv.notify_all();
        if new < old {
            // Their retried faults land beyond the file's end: SIGBUS.
            self.for_mapped(np, op, |a, n| {
                let _ = self.uffd.wake(a, n);
            });
        }
    }

    /// Detaches the VMO from its pager (module docs); `complete` queues the one
    /// `ZX_PAGER_VMO_COMPLETE` packet unless the pager is closed.
    fn detach(&self, complete: bool) {
        let mut st = self.lock();
        if st.detached {
            return;
        }
        st.detached = true;
        st.faults.clear();
        self.poison_unsupplied(&st);
        match sigbus_uffd() {
            Some(sigbus) => {
                REGISTRY.reassign(self.token, sigbus, uffd::UFFDIO_REGISTER_MODE_MISSING)
            }
            None => tracing::error!(
                target: "zx_shim::pager",
                "detached VMO keeps its registrations: faults on unsupplied pages will wait"
            ),
        }
        drop(st);
        self.cv.notify_all();
        let core = self.core.upgrade();
        if let Some(core) = &core {
            core.lock().vmos.remove(&self.token);
        }
        if complete && core.is_some_and(|c| !c.is_closed()) {
            self.port
                .queue_kernel_packet(page_request(self.key, ZX_PAGER_VMO_COMPLETE, 0, 0));
        }
    }

    /// Poisons the mapped, unsupplied pages of a VMO being detached, so that threads
    /// blocked on them (woken by the poison) and accesses made while the registrations move
    /// to the SIGBUS descriptor (`UFFDIO_UNREGISTER` wakes waiters before the new
    /// registration exists) take `SIGBUS` instead of finding a fresh zero page. Mappings
    /// with more than [`MAX_POISON`] unsupplied bytes are left to the SIGBUS registration.
    fn poison_unsupplied(&self, st: &VState) {
        let poison = self.uffd.has(uffd::UFFD_FEATURE_POISON);
        let mut ranges = Vec::new();
        REGISTRY.for_token(self.token, |start, len, offset, reg| {
            if Arc::ptr_eq(reg, &self.uffd) {
                ranges.push((start, len, offset));
            }
        });
        for (start, len, offset) in ranges {
            if self.trap_dirty {
                // Write-protect markers would refuse poison; writes no longer trap anyway.
                let _ = self.uffd.writeprotect(start, len, false);
            }
            if !poison {
                continue;
            }
            let lo = offset / PAGE;
            let hi = (offset + len as u64).min(st.size) / PAGE;
            if lo >= hi {
                continue;
            }
            let gaps = st.pages.gaps(lo, hi);
            let total: u64 = gaps.iter().map(|(s, e)| e - s).sum();
            if total * PAGE > MAX_POISON {
                continue;
            }
            for (s, e) in gaps {
                let addr = start + ((s * PAGE - offset) as usize);
                let _ = self.uffd.poison(addr, ((e - s) * PAGE) as usize);
            }
        }
    }

    /// The last reference to the VMO went away.
    pub fn vmo_dropped(&self) {
        self.detach(true);
    }

    fn check_range(st: &VState, offset: u64, len: u64) -> ZxResult<(u64, u64)> {
        match offset.checked_add(len) {
            Some(end) if end <= st.size => Ok((offset / PAGE, end / PAGE)),
            _ => Err(Status::OUT_OF_RANGE),
        }
    }

    /// Zaps the poison markers over pages `[lo, hi)` so the next access faults afresh.
    fn unpoison(st: &mut VState, lo: u64, hi: u64) {
        st.poisoned.retain(|&(addr, page)| {
            let hit = page >= lo && page < hi;
            if hit {
                let _ = mman::dont_need(addr, PAGE_USIZE);
            }
            !hit
        });
    }

    /// `zx_pager_supply_pages`: detached → `BAD_STATE`; either range beyond its VMO →
    /// `OUT_OF_RANGE`. Pages not yet supplied are copied in from the aux VMO (holes give
    /// zero pages), pages already supplied are kept, and the aux range is decommitted.
    fn supply(&self, vmo: &Vmo, offset: u64, len: u64, aux: &Vmo, aux_offset: u64) -> ZxResult {
        let gaps = {
            let st = self.lock();
            if st.detached {
                return Err(Status::BAD_STATE);
            }
            let (lo, hi) = Self::check_range(&st, offset, len)?;
            match aux_offset.checked_add(len) {
                Some(end) if end <= aux.size() => {}
                _ => return Err(Status::OUT_OF_RANGE),
            }
            st.pages.gaps(lo, hi)
        };
        if len == 0 {
            return Ok(());
        }
        // Aux pages an earlier supply moved out read as zero: they supply zero pages.
        let moved = aux.moved_out_within(aux_offset, len);
        let (lo, aux_lo) = (offset / PAGE, aux_offset / PAGE);
        let zero: Vec<(u64, u64)> = moved
            .into_iter()
            .map(|(s, e)| (s - aux_lo + lo, e - aux_lo + lo))
            .collect();
        let aux_len = memfd::MAX_LEN.min(aux.size());
        let mut copied: Vec<(u64, u64)> = Vec::with_capacity(gaps.len());
        let mut result = Ok(());
        // Every run went into the faulting mapping with UFFDIO_COPY (which also woke it).
        let mut all_via_mapping = !gaps.is_empty();
        for (s, e, zeros) in split_runs(&gaps, &zero) {
            let (dst, n) = (s * PAGE, (e - s) * PAGE);
            let src = aux_offset + (dst - offset);
            let via = match n <= COPY_INTO_MAPPING_MAX && !self.trap_dirty && !zeros {
                true => self.mapped_at(dst, n),
                false => None,
            };
            let r = if src + n > aux_len {
                Err(Errno(libc::EFBIG))
            } else if zeros {
                // Present zero pages, like a copy from a hole (whatever a failed copy may
                // have left there goes first).
                all_via_mapping = false;
                memfd::punch_hole(vmo.fd(), dst, n).and_then(|()| memfd::allocate(vmo.fd(), dst, n))
            } else if let Some(va) = via {
                // Small runs: straight into the mapping, which also maps the pages and
                // wakes the faulting threads there (no retried fault, no separate wake).
                let view = aux.supply_view();
                uffd::copy_from_file(&self.uffd, aux.fd(), src, va, n as usize, view).or_else(
                    |_| {
                        all_via_mapping = false;
                        memfd::copy_range(aux.fd(), src, vmo.fd(), dst, n)
                    },
                )
            } else {
                all_via_mapping = false;
                memfd::copy_range(aux.fd(), src, vmo.fd(), dst, n)
            };
            if let Err(e) = r {
                tracing::error!(target: "zx_shim::pager", "supply copy failed: {e:?}");
                result = Err(match e.0 {
                    libc::ENOMEM | libc::ENOSPC => Status::NO_MEMORY,
                    _ => Status::INTERNAL,
                });
                break;
            }
            copied.push((s, e));
        }
        if result.is_ok() {
            // The pages are moved: the aux range reads as zero from now on (decommitted
            // lazily, see the `vmo` module docs). A failure to punch is logged there; the
            // pages were supplied, so the call still succeeds.
            let _ = aux.move_out(aux_offset, len);
        }
        let hi = (offset + len) / PAGE;
        let mut st = self.lock();
        for &(s, e) in &copied {
            for (gs, ge) in st.pages.gaps(s, e.min(st.size / PAGE)) {
                st.pages.set(gs, ge, Some(PageState::Clean));
            }
        }
        let supplied_to = if result.is_ok() {
            hi
        } else {
            copied.last().map_or(lo, |c| c.1)
        };
        st.read_requested.set(lo, supplied_to, None);
        let before = st.faults.len();
        st.faults
            .retain(|f| f.wp || f.page < lo || f.page >= supplied_to);
        let had_faults = st.faults.len() != before;
        if !st.poisoned.is_empty() {
            Self::unpoison(&mut st, lo, supplied_to);
        }
        let waiters = !st.waiters.is_empty();
        drop(st);
        if waiters {
            self.cv.notify_all();
        }
        if had_faults || !copied.is_empty() {
            // Wake the range in every mapping: threads whose fault events no port waiter
            // has read yet are woken too (their events are dropped with the wait). A lone
            // mapping that every run was copied into is awake already.
            let mut ranges = Vec::new();
            self.for_mapped(lo, supplied_to, |a, n| ranges.push((a, n)));
            if !(all_via_mapping && ranges.len() == 1) {
                for (a, n) in ranges {
                    let _ = self.uffd.wake(a, n);
                }
            }
        }
        result
    }

    /// `ZX_PAGER_OP_FAIL` with a valid `status`: range → `OUT_OF_RANGE`, detached →
    /// `BAD_STATE`; the outstanding requests in the range fail (module docs).
    fn fail(&self, offset: u64, len: u64, status: Status) -> ZxResult {
        let mut st = self.lock();
        let (lo, hi) = Self::check_range(&st, offset, len)?;
        if st.detached {
            return Err(Status::BAD_STATE);
        }
        st.read_requested.set(lo, hi, None);
        st.dirty_requested.set(lo, hi, None);
        for w in st.waiters.iter_mut() {
            if w.failed.is_none() && w.lo < hi && lo < w.hi {
                w.failed = Some(status);
            }
        }
        let mut failed = Vec::new();
        st.faults.retain(|f| {
            let hit = f.page >= lo && f.page < hi;
            if hit {
                failed.push(*f);
            }
            !hit
        });
        let poison = self.uffd.has(uffd::UFFD_FEATURE_POISON);
        for f in &failed {
            if poison {
                if f.wp {
                    let _ = mman::dont_need(f.addr, PAGE_USIZE);
                }
                match self.uffd.poison(f.addr, PAGE_USIZE) {
                    Ok(()) => st.poisoned.push((f.addr, f.page)),
                    Err(_) => {
                        let _ = self.uffd.wake(f.addr, PAGE_USIZE);
                    }
                }
            } else {
                // Without poison markers the thread retries and asks again.
                let _ = self.uffd.wake(f.addr, PAGE_USIZE);
            }
        }
        drop(st);
        self.cv.notify_all();
        Ok(())
    }

    /// `ZX_PAGER_OP_DIRTY`: range → `OUT_OF_RANGE`, detached → `BAD_STATE`, any
    /// unsupplied page → `NOT_FOUND`; the pages become dirty and writers blocked on them go on.
    fn dirty(&self, offset: u64, len: u64) -> ZxResult {
        let mut st = self.lock();
        let (lo, hi) = Self::check_range(&st, offset, len)?;
        if st.detached {
            return Err(Status::BAD_STATE);
        }
        if !st.pages.covers(lo, hi) {
            return Err(Status::NOT_FOUND);
        }
        for (s, e, v) in st.pages.pieces(lo, hi) {
            if matches!(v, Some(PageState::Clean | PageState::AwaitingClean)) {
                st.pages.set(s, e, Some(PageState::Dirty));
            }
        }
        if lo < hi {
            st.modified = true;
        }
        st.dirty_requested.set(lo, hi, None);
        st.faults.retain(|f| !(f.wp && f.page >= lo && f.page < hi));
        if !st.poisoned.is_empty() {
            Self::unpoison(&mut st, lo, hi);
        }
        if self.trap_dirty {
            // Unprotecting also wakes the threads blocked on write-protect faults there.
            self.for_mapped(lo, hi, |a, n| {
                let _ = self.uffd.writeprotect(a, n, false);
            });
        }
        drop(st);
        self.cv.notify_all();
        Ok(())
    }

    /// `WRITEBACK_BEGIN` (`begin`: dirty pages await cleaning and are write-protected
    /// again, so a new write is noticed) or `WRITEBACK_END` (pages still awaiting cleaning
    /// become clean). Range → `OUT_OF_RANGE`.
    fn writeback(&self, offset: u64, len: u64, begin: bool) -> ZxResult {
        let mut st = self.lock();
        let (lo, hi) = Self::check_range(&st, offset, len)?;
        for (s, e, v) in st.pages.pieces(lo, hi) {
            let next = match (begin, v) {
                (true, Some(PageState::Dirty | PageState::ZeroDirty)) => PageState::AwaitingClean,
                (false, Some(PageState::AwaitingClean)) => PageState::Clean,
                _ => continue,
            };
            st.pages.set(s, e, Some(next));
        }
        if begin && self.trap_dirty && !st.detached {
            self.for_mapped(lo, hi, |a, n| {
                let _ = self.uffd.writeprotect(a, n, true);
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for PagerVmo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PagerVmo(token {}, key {:#x})", self.token, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_map_sets_merges_and_splits() {
        let mut m: RunMap<u8> = RunMap::default();
        m.set(0, 10, Some(1));
        m.set(10, 20, Some(1));
        assert_eq!(m.map.len(), 1);
        m.set(5, 7, Some(2));
        assert_eq!(
            m.pieces(0, 25),
            vec![
                (0, 5, Some(1)),
                (5, 7, Some(2)),
                (7, 20, Some(1)),
                (20, 25, None)
            ]
        );
        m.set(5, 7, None);
        assert_eq!(m.gaps(0, 25), vec![(5, 7), (20, 25)]);
        m.set(5, 7, Some(1));
        assert_eq!(m.map.len(), 1);
        assert!(m.covers(0, 20) && !m.covers(0, 21));
        assert_eq!((m.get(19), m.get(20)), (Some(1), None));
        assert_eq!(m.pieces(3, 4), vec![(3, 4, Some(1))]);
    }

    #[test]
    fn split_runs_cuts_at_marked_edges() {
        assert_eq!(split_runs(&[(0, 4)], &[]), [(0, 4, false)]);
        assert_eq!(
            split_runs(&[(0, 4), (6, 9)], &[(1, 2), (3, 7)]),
            [
                (0, 1, false),
                (1, 2, true),
                (2, 3, false),
                (3, 4, true),
                (6, 7, true),
                (7, 9, false)
            ]
        );
        assert_eq!(split_runs(&[(2, 3)], &[(0, 10)]), [(2, 3, true)]);
    }

    #[test]
    fn fail_status_accepts_only_the_pager_statuses() {
        let raw = |s: Status| s.into_raw() as i64 as u64;
        assert_eq!(fail_status(raw(Status::IO)), Ok(Status::IO));
        assert_eq!(fail_status(raw(Status::NO_SPACE)), Ok(Status::NO_SPACE));
        assert_eq!(
            fail_status(raw(Status::NOT_FOUND)),
            Err(Status::INVALID_ARGS)
        );
        assert_eq!(fail_status(0), Err(Status::INVALID_ARGS));
        // The right bits, but not an int32 value.
        assert_eq!(
            fail_status(Status::IO.into_raw() as u32 as u64),
            Err(Status::INVALID_ARGS)
        );
    }
}
