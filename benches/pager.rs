//! Pager costs beside the bare userfaultfd mechanisms they stand on, in the same run:
//!
//! * `round_trip`: one thread faults 4 KiB pages of a mapping one after the other, another
//!   thread serves each fault. Bare: the server polls a userfaultfd, reads the event and
//!   answers with `UFFDIO_COPY` from a buffer. zx-shim: the server is a Zircon pager thread
//!   (`zx_port_wait` → `zx_vmo_write` of the page into an aux VMO → `zx_pager_supply_pages`).
//!   Both pinned to one CPU (`same_cpu`) and to two (`cross_cpu`). In the prefilled
//!   variant a fresh aux VMO replaces the old one between regions, outside the timed part:
//!   closing it frees the moved-out pages zx-shim had not decommitted yet (at most 16 MiB;
//!   the rest are decommitted in bulk inside the timed part).
//! * `round_trip_4KiB_ratio`: the same-CPU round trips of both variants interleaved with
//!   the bare one in blocks of 32 faults inside every sample ([`zx_suite::ratio`]), so the
//!   machine's drift hits both alike. **The reported time is the ratio zx-shim / bare,
//!   1 µs = 1.00x.**
//! * `throughput_256MiB`: a thread touches every page of 256 MiB; the pager answers each
//!   request with the 1 MiB around it (`zx_vmo_write` of 1 MiB into the aux VMO, then one
//!   supply; or one supply from an aux VMO filled beforehand). Against `pwrite` of the same
//!   256 MiB into a fresh memfd in 1 MiB pieces.
//!
//! Run: `cargo bench --bench pager -- --warm-up-time 1`.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use zircon::host::uffd::{self, Uffd, UffdMsg};
use zircon::prelude::*;
use zx_suite::ratio::interleaved;

const PAGE: usize = 4096;
/// Pages faulted per fresh region in the round-trip benchmarks.
const REGION_PAGES: usize = 8192;
const STOP_KEY: u64 = u64::MAX;

fn pin(cpu: usize) {
    // SAFETY: `set` is a plain bitmask that we initialise before use.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set);
    }
}

/// Online CPUs (not the affinity mask, which `pin` narrows).
fn cpus() -> usize {
    // SAFETY: plain sysconf query.
    unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize
}

fn unpin() {
    let n = cpus();
    // SAFETY: as in `pin`.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for c in 0..n {
            libc::CPU_SET(c, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set);
    }
}

fn touch(addr: usize) {
    // SAFETY: callers pass addresses inside mappings they made for this purpose.
    unsafe { std::ptr::read_volatile(addr as *const u8) };
}

/// A shared memfd mapping of `len` bytes registered with `uffd` in missing-page mode.
struct BareRegion {
    fd: libc::c_int,
    addr: usize,
    len: usize,
}

impl BareRegion {
    fn new(uffd: &Uffd, len: usize) -> BareRegion {
        // SAFETY: plain system calls creating a fresh file and mapping.
        unsafe {
            let fd = libc::memfd_create(c"bench".as_ptr(), libc::MFD_CLOEXEC);
            assert!(fd >= 0);
            assert_eq!(libc::ftruncate(fd, len as i64), 0);
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            uffd.register(p as usize, len, uffd::UFFDIO_REGISTER_MODE_MISSING)
                .expect("UFFDIO_REGISTER");
            BareRegion {
                fd,
                addr: p as usize,
                len,
            }
        }
    }
}

impl Drop for BareRegion {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and the descriptor.
        unsafe {
            libc::munmap(self.addr as *mut libc::c_void, self.len);
            libc::close(self.fd);
        }
    }
}

/// The bare server: poll the userfaultfd, read one event, `UFFDIO_COPY` a page.
fn bare_server(uffd: Arc<Uffd>, stop: Arc<AtomicBool>, cpu: usize) {
    pin(cpu);
    let src = vec![0x5Au8; PAGE];
    let mut msgs = [UffdMsg::default(); 1];
    while !stop.load(Ordering::Relaxed) {
        let mut pfd = libc::pollfd {
            fd: uffd.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, 20) };
        if n <= 0 {
            continue;
        }
        if uffd.read_events(&mut msgs).unwrap_or(0) == 1 {
            let dst = uffd::page_of(msgs[0].address);
            let _ = uffd.copy(dst, src.as_ptr(), PAGE);
        }
    }
}

/// Faults the pages of regions made by `fresh`, one after the other, timing only the
/// faults: a used-up region is dropped and the next one made outside the timed part.
struct Faulter<R, F> {
    fresh: F,
    current: Option<(R, usize)>,
    next: usize,
}

impl<R, F: FnMut() -> (R, usize)> Faulter<R, F> {
    fn new(fresh: F) -> Self {
        Faulter {
            fresh,
            current: None,
            next: REGION_PAGES,
        }
    }

    /// Faults the next `n` pages; returns the time the faults took.
    fn block(&mut self, n: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = n as usize;
        while left > 0 {
            if self.next == REGION_PAGES {
                self.current = None;
                self.current = Some((self.fresh)());
                self.next = 0;
            }
            let addr = self.current.as_ref().map_or(0, |c| c.1);
            let k = left.min(REGION_PAGES - self.next);
            let start = Instant::now();
            for i in self.next..self.next + k {
                touch(addr + i * PAGE);
            }
            total += start.elapsed();
            self.next += k;
            left -= k;
        }
        total
    }
}

/// The bare side: a userfaultfd and its serving thread.
struct BareSide {
    uffd: Arc<Uffd>,
    stop: Arc<AtomicBool>,
    server: Option<thread::JoinHandle<()>>,
}

impl BareSide {
    fn start(server_cpu: usize) -> BareSide {
        let uffd = Arc::new(Uffd::open(uffd::UFFD_FEATURE_MISSING_SHMEM, 0).expect("userfaultfd"));
        let stop = Arc::new(AtomicBool::new(false));
        let server = {
            let (uffd, stop) = (uffd.clone(), stop.clone());
            thread::spawn(move || bare_server(uffd, stop, server_cpu))
        };
        BareSide {
            uffd,
            stop,
            server: Some(server),
        }
    }

    fn fresh(&self) -> (BareRegion, usize) {
        let r = BareRegion::new(&self.uffd, REGION_PAGES * PAGE);
        let a = r.addr;
        (r, a)
    }
}

impl Drop for BareSide {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(server) = self.server.take() {
            server.join().unwrap();
        }
    }
}

/// Where a pager server's pages come from.
#[derive(Clone)]
enum Source {
    /// Its own buffer, written into its aux VMO (`zx_vmo_write`) for each request.
    Buffer,
    /// An aux VMO the size of the pager VMO, filled beforehand; page `i` comes from aux
    /// offset `i` (the data is ready in memory, as the bare server's buffer is).
    Prefilled(Arc<AtomicU32>),
}

fn pager_server(
    pager: zx_handle_t,
    port: zx_handle_t,
    vmo: Arc<AtomicU32>,
    chunk: usize,
    source: Source,
    cpu: Option<usize>,
) {
    if let Some(cpu) = cpu {
        pin(cpu);
    }
    let mut aux = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(chunk as u64, 0, &mut aux), ZX_OK);
    let data = vec![0x5Au8; chunk];
    loop {
        // SAFETY: all-zero bytes are a valid packet.
        let mut p: zx_port_packet_t = unsafe { std::mem::zeroed() };
        assert_eq!(zx_port_wait(port, ZX_TIME_INFINITE, &mut p), ZX_OK);
        if p.key == STOP_KEY {
            break;
        }
        // SAFETY: the pager's packets are page requests.
        let req = unsafe { p.payload.page_request };
        if req.command != ZX_PAGER_VMO_READ {
            continue;
        }
        let off = req.offset - req.offset % chunk as u64;
        let v = vmo.load(Ordering::Acquire);
        let status = match &source {
            Source::Buffer => {
                assert_eq!(zx_vmo_write(aux, data.as_ptr().cast(), 0, chunk), ZX_OK);
                zx_pager_supply_pages(pager, v, off, chunk as u64, aux, 0)
            }
            Source::Prefilled(big) => {
                let big = big.load(Ordering::Acquire);
                zx_pager_supply_pages(pager, v, off, chunk as u64, big, off)
            }
        };
        assert!(
            status == ZX_OK || status == ZX_ERR_OUT_OF_RANGE,
            "supply: {status}"
        );
    }
    zx_handle_close(aux);
}

fn stop_pager_server(port: zx_handle_t) {
    // SAFETY: all-zero bytes are a valid packet.
    let mut p: zx_port_packet_t = unsafe { std::mem::zeroed() };
    p.key = STOP_KEY;
    assert_eq!(zx_port_queue(port, &p), ZX_OK);
}

/// A pager VMO of `len` bytes mapped read/write; unmapped and closed on drop.
struct PagerRegion {
    vmo: zx_handle_t,
    addr: usize,
    len: usize,
}

impl PagerRegion {
    fn new(pager: zx_handle_t, port: zx_handle_t, len: usize) -> PagerRegion {
        let mut vmo = ZX_HANDLE_INVALID;
        assert_eq!(
            zx_pager_create_vmo(pager, 0, port, 1, len as u64, &mut vmo),
            ZX_OK
        );
        let mut addr = 0;
        assert_eq!(
            zx_vmar_map(
                zx_vmar_root_self(),
                ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_ALLOW_FAULTS,
                0,
                vmo,
                0,
                len,
                &mut addr
            ),
            ZX_OK
        );
        PagerRegion { vmo, addr, len }
    }
}

impl Drop for PagerRegion {
    fn drop(&mut self) {
        zx_vmar_unmap(zx_vmar_root_self(), self.addr, self.len);
        zx_handle_close(self.vmo);
    }
}

/// The zx-shim side: a pager, its port and serving thread, and fresh pager VMOs of
/// `region_len` bytes to fault in; with `prefill`, each region gets a fresh aux VMO
/// filled beforehand (outside the timed part: closing the old one frees the pages
/// zx-shim moved out of it).
struct PagerSide {
    pager: zx_handle_t,
    port: zx_handle_t,
    /// The pager VMO being faulted in, which the server supplies.
    current: Arc<AtomicU32>,
    /// The prefilled aux VMO of the current region.
    big: Arc<AtomicU32>,
    chunk: usize,
    region_len: usize,
    prefill: bool,
    server: Option<thread::JoinHandle<()>>,
}

impl PagerSide {
    fn start(chunk: usize, region_len: usize, prefill: bool, cpu: Option<usize>) -> PagerSide {
        let (mut pager, mut port) = (ZX_HANDLE_INVALID, ZX_HANDLE_INVALID);
        assert_eq!(zx_pager_create(0, &mut pager), ZX_OK);
        assert_eq!(zx_port_create(0, &mut port), ZX_OK);
        let current = Arc::new(AtomicU32::new(ZX_HANDLE_INVALID));
        let big = Arc::new(AtomicU32::new(ZX_HANDLE_INVALID));
        let source = if prefill {
            Source::Prefilled(big.clone())
        } else {
            Source::Buffer
        };
        let server = {
            let current = current.clone();
            thread::spawn(move || pager_server(pager, port, current, chunk, source, cpu))
        };
        PagerSide {
            pager,
            port,
            current,
            big,
            chunk,
            region_len,
            prefill,
            server: Some(server),
        }
    }

    fn fresh(&self) -> (PagerRegion, usize) {
        if self.prefill {
            let data = vec![0x5Au8; self.chunk];
            let mut aux = ZX_HANDLE_INVALID;
            assert_eq!(zx_vmo_create(self.region_len as u64, 0, &mut aux), ZX_OK);
            for off in (0..self.region_len).step_by(self.chunk) {
                let status = zx_vmo_write(aux, data.as_ptr().cast(), off as u64, self.chunk);
                assert_eq!(status, ZX_OK);
            }
            let old = self.big.swap(aux, Ordering::AcqRel);
            if old != ZX_HANDLE_INVALID {
                zx_handle_close(old);
            }
        }
        let r = PagerRegion::new(self.pager, self.port, self.region_len);
        self.current.store(r.vmo, Ordering::Release);
        let a = r.addr;
        (r, a)
    }
}

impl Drop for PagerSide {
    fn drop(&mut self) {
        stop_pager_server(self.port);
        if let Some(server) = self.server.take() {
            server.join().unwrap();
        }
        zx_handle_close(self.big.load(Ordering::Acquire));
        zx_handle_close(self.port);
        zx_handle_close(self.pager);
    }
}

/// The two zx-shim round-trip variants: (name, prefilled aux).
const ROUND_TRIP_VARIANTS: [(&str, bool); 2] = [
    ("zx_pager_vmo_write+supply", false),
    ("zx_pager_supply_prefilled_aux", true),
];

fn round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("pager/round_trip_4KiB");
    g.measurement_time(Duration::from_secs(3)).sample_size(20);
    for (name, server_cpu) in [("same_cpu", 0usize), ("cross_cpu", 1usize)] {
        if server_cpu >= cpus() {
            continue;
        }
        pin(0);
        let bare = BareSide::start(server_cpu);
        g.bench_function(format!("bare_uffd_copy/{name}"), |b| {
            b.iter_custom(|iters| Faulter::new(|| bare.fresh()).block(iters))
        });
        drop(bare);
        for (variant, prefill) in ROUND_TRIP_VARIANTS {
            let side = PagerSide::start(PAGE, REGION_PAGES * PAGE, prefill, Some(server_cpu));
            g.bench_function(format!("{variant}/{name}"), |b| {
                b.iter_custom(|iters| Faulter::new(|| side.fresh()).block(iters))
            });
        }
        unpin();
    }
    g.finish();
}

/// The same-CPU round trips interleaved with the bare one ([`zx_suite::ratio`]): the
/// reported time is the ratio zx-shim / bare, 1 µs = 1.00x.
fn round_trip_ratio(c: &mut Criterion) {
    let mut g = c.benchmark_group("pager/round_trip_4KiB_ratio");
    // Each reported microsecond costs two real round trips (~20 us).
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(30);
    pin(0);
    let bare = BareSide::start(0);
    let mut bare_faults = Faulter::new(|| bare.fresh());
    for (variant, prefill) in ROUND_TRIP_VARIANTS {
        let side = PagerSide::start(PAGE, REGION_PAGES * PAGE, prefill, Some(0));
        let mut zx_faults = Faulter::new(|| side.fresh());
        g.bench_function(format!("{variant}/same_cpu"), |b| {
            b.iter_custom(|iters| {
                interleaved(iters, &mut |n| zx_faults.block(n), &mut |n| {
                    bare_faults.block(n)
                })
            })
        });
    }
    unpin();
    g.finish();
}

fn throughput(c: &mut Criterion) {
    const LEN: usize = 256 << 20;
    const CHUNK: usize = 1 << 20;
    let mut g = c.benchmark_group("pager/throughput_256MiB");
    g.measurement_time(Duration::from_secs(10))
        .sample_size(10)
        .throughput(Throughput::Bytes(LEN as u64));
    let data = vec![0x5Au8; CHUNK];
    g.bench_function("bare_pwrite_memfd_1MiB", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // SAFETY: plain system calls on a fresh file we own.
                unsafe {
                    let fd = libc::memfd_create(c"bench".as_ptr(), libc::MFD_CLOEXEC);
                    assert_eq!(libc::ftruncate(fd, LEN as i64), 0);
                    let start = Instant::now();
                    for off in (0..LEN).step_by(CHUNK) {
                        let n = libc::pwrite(fd, data.as_ptr().cast(), CHUNK, off as i64);
                        assert_eq!(n, CHUNK as isize);
                    }
                    total += start.elapsed();
                    libc::close(fd);
                }
            }
            total
        })
    });
    for (variant, prefill) in [
        ("zx_pager_fault_in_vmo_write+supply_1MiB", false),
        ("zx_pager_fault_in_supply_1MiB_prefilled_aux", true),
    ] {
        let side = PagerSide::start(CHUNK, LEN, prefill, None);
        g.bench_function(variant, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (region, addr) = side.fresh();
                    let start = Instant::now();
                    for off in (0..LEN).step_by(PAGE) {
                        touch(addr + off);
                    }
                    total += start.elapsed();
                    drop(region);
                }
                total
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = round_trip, round_trip_ratio, throughput
}
criterion_main!(benches);
