//! VMAR call costs beside the bare Linux calls they stand on, in the same run.
//!
//! - `map_unmap/{zx,zx_specific,linux}/{4KiB,2MiB,1GiB}`: `zx_vmar_map` + `zx_vmar_unmap`
//!   (randomly placed, or SPECIFIC at a fixed offset) against `mmap(MAP_FIXED|MAP_SHARED)`
//!   of a memfd inside a reservation + re-reserve with
//!   `mmap(PROT_NONE, MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)`, at one fixed
//!   address (`linux`) or at scattered addresses like random placement (`linux_scattered`).
//! - `protect/{zx,linux}`: `zx_vmar_protect` against `mprotect`, flipping a 4 KiB mapping
//!   between read-only and read/write.
//! - `allocate_destroy/zx`: `zx_vmar_allocate` + `zx_vmar_destroy` (no host call at all).
//! - `map_unmap_live/{zx,linux}/{10,1000,50000}`: map + unmap of 4 KiB in a VMAR that
//!   already holds that many live mappings (packed, distinct host VMAs).
//! - `ratio/...`: the same pairs measured *interleaved* ([`zx_suite::ratio`]): blocks of
//!   shim calls alternate with blocks of the bare calls inside every sample, so drift of
//!   the machine (which moves the absolute numbers above by up to 10% between runs here)
//!   hits both alike.
//!   **The reported time is the ratio shim / bare, scaled so that 1 µs means 1.00x.**
//!   `map_unmap_specific/*` compares SPECIFIC maps with the bare pair at the same fixed
//!   address; `map_unmap_random/*` compares randomly placed maps with the bare pair at
//!   scattered addresses; `protect/4KiB` the protect pairs; `live/*` random 4 KiB maps
//!   beside that many live mappings with the scattered bare pair.
//!
//! Run: `cargo bench --bench vmar -- --warm-up-time 1 --measurement-time 3`
//! (`-- ratio` for the interleaved ratios only).
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use std::hint::black_box;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;
use zircon::prelude::*;
use zx_suite::ratio::{interleaved, timed};

const PAGE: usize = 4096;
const RW: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

fn vmo(size: usize) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(size as u64, 0, &mut h), ZX_OK);
    h
}

fn region(size: usize) -> (zx_handle_t, usize) {
    let (mut h, mut base) = (ZX_HANDLE_INVALID, 0);
    let options = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC;
    assert_eq!(
        zx_vmar_allocate(zx_vmar_root_self(), options, 0, size, &mut h, &mut base),
        ZX_OK
    );
    (h, base)
}

/// A 64 GiB region holding `live` one-page mappings of `vmo` packed at its bottom. Each
/// maps VMO offset 0, so neighbours never merge and each is its own host VMA.
fn region_with_live(vmo: zx_handle_t, live: usize) -> zx_handle_t {
    let (r, _) = region(64 << 30);
    for i in 0..live {
        let mut addr = 0;
        let options = RW | ZX_VM_SPECIFIC;
        assert_eq!(
            zx_vmar_map(r, options, i * PAGE, vmo, 0, PAGE, &mut addr),
            ZX_OK
        );
    }
    r
}

fn destroy(h: zx_handle_t) {
    assert_eq!(zx_vmar_destroy(h), ZX_OK);
    assert_eq!(zx_handle_close(h), ZX_OK);
}

/// One `zx_vmar_map` + `zx_vmar_unmap` pair.
fn zx_map_unmap(
    vmar: zx_handle_t,
    options: zx_vm_option_t,
    offset: usize,
    vmo: zx_handle_t,
    len: usize,
) {
    let mut addr = 0;
    assert_eq!(
        zx_vmar_map(vmar, options, offset, vmo, 0, len, &mut addr),
        ZX_OK
    );
    assert_eq!(zx_vmar_unmap(vmar, black_box(addr), len), ZX_OK);
}

/// One `zx_vmar_protect` pair: read-only, then read/write again.
fn zx_protect_pair(vmar: zx_handle_t, addr: usize) {
    assert_eq!(
        zx_vmar_protect(vmar, ZX_VM_PERM_READ, black_box(addr), PAGE),
        ZX_OK
    );
    assert_eq!(zx_vmar_protect(vmar, RW, addr, PAGE), ZX_OK);
}

/// The bare host side: a reservation and a memfd.
struct Bare {
    base: usize,
    len: usize,
    fd: OwnedFd,
}

impl Bare {
    fn new(len: usize, file_len: usize) -> Bare {
        // SAFETY: plain syscalls creating a fresh reservation and memfd that only this
        // struct uses.
        unsafe {
            let base = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED);
            let fd = libc::memfd_create(c"bench".as_ptr(), libc::MFD_CLOEXEC);
            assert!(fd >= 0);
            assert_eq!(libc::ftruncate(fd, file_len as i64), 0);
            Bare {
                base: base as usize,
                len,
                fd: OwnedFd::from_raw_fd(fd),
            }
        }
    }

    fn map(&self, addr: usize, len: usize) {
        // SAFETY: `addr..addr+len` lies inside our own reservation.
        let p = unsafe {
            libc::mmap(
                addr as *mut _,
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_FIXED,
                self.fd.as_raw_fd(),
                0,
            )
        };
        assert_eq!(p as usize, addr);
    }

    fn release(&self, addr: usize, len: usize) {
        // SAFETY: as above.
        let p = unsafe {
            libc::mmap(
                addr as *mut _,
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        assert_eq!(p as usize, addr);
    }

    /// Scattered `len`-byte slots of the reservation (2 MiB apart at least), as random
    /// placement produces, from a fixed xorshift sequence.
    fn scatter(&self, len: usize) -> impl FnMut() -> usize {
        let stride = len.max(1 << 21);
        let (base, slots) = (self.base, (self.len - len) / stride);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            base + (seed as usize % slots) * stride
        }
    }

    /// The bare counterpart of [`zx_map_unmap`].
    fn map_release(&self, addr: usize, len: usize) {
        self.map(black_box(addr), len);
        self.release(addr, len);
    }

    /// The bare counterpart of [`zx_protect_pair`].
    fn protect_pair(&self, addr: usize) {
        self.protect(black_box(addr), PAGE, libc::PROT_READ);
        self.protect(addr, PAGE, libc::PROT_READ | libc::PROT_WRITE);
    }

    fn protect(&self, addr: usize, len: usize, prot: i32) {
        // SAFETY: as above.
        assert_eq!(unsafe { libc::mprotect(addr as *mut _, len, prot) }, 0);
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        // SAFETY: the reservation is ours.
        unsafe { libc::munmap(self.base as *mut _, self.len) };
    }
}

fn map_unmap(c: &mut Criterion) {
    let mut g = c.benchmark_group("map_unmap");
    for (name, len) in [("4KiB", PAGE), ("2MiB", 2 << 20), ("1GiB", 1 << 30)] {
        let v = vmo(len);
        let (r, _) = region(64 << 30);
        g.bench_function(BenchmarkId::new("zx", name), |b| {
            b.iter(|| zx_map_unmap(r, RW, 0, v, len))
        });
        let offset = 32 << 30;
        g.bench_function(BenchmarkId::new("zx_specific", name), |b| {
            b.iter(|| zx_map_unmap(r, RW | ZX_VM_SPECIFIC, offset, v, len))
        });
        let bare = Bare::new(64 << 30, len);
        let addr = bare.base + offset;
        g.bench_function(BenchmarkId::new("linux", name), |b| {
            b.iter(|| bare.map_release(addr, len))
        });
        // The same pair at scattered addresses, as random placement produces: the host's
        // own cost of touching a new part of its VMA tree each time.
        let mut next = bare.scatter(len);
        g.bench_function(BenchmarkId::new("linux_scattered", name), |b| {
            b.iter(|| bare.map_release(next(), len))
        });
        destroy(r);
        assert_eq!(zx_handle_close(v), ZX_OK);
    }
    g.finish();
}

fn protect(c: &mut Criterion) {
    let mut g = c.benchmark_group("protect");
    let p = ProtectSetup::new();
    g.bench_function("zx", |b| b.iter(|| zx_protect_pair(p.vmar, p.addr)));
    g.bench_function("linux", |b| b.iter(|| p.bare.protect_pair(p.bare_addr)));
    drop(p);
    g.finish();
}

fn allocate_destroy(c: &mut Criterion) {
    let mut g = c.benchmark_group("allocate_destroy");
    let (r, _) = region(64 << 30);
    g.bench_function("zx", |b| {
        b.iter(|| {
            let (mut h, mut base) = (ZX_HANDLE_INVALID, 0);
            assert_eq!(
                zx_vmar_allocate(r, ZX_VM_CAN_MAP_READ, 0, 1 << 20, &mut h, &mut base),
                ZX_OK
            );
            assert_eq!(zx_vmar_destroy(black_box(h)), ZX_OK);
            assert_eq!(zx_handle_close(h), ZX_OK);
        })
    });
    destroy(r);
    g.finish();
}

fn map_unmap_live(c: &mut Criterion) {
    let mut g = c.benchmark_group("map_unmap_live");
    let v = vmo(PAGE);
    for live in [10usize, 1000, 50_000] {
        let r = region_with_live(v, live);
        g.bench_function(BenchmarkId::new("zx", live), |b| {
            b.iter(|| zx_map_unmap(r, RW, 0, v, PAGE))
        });
        destroy(r);
    }
    let bare = Bare::new(1 << 30, PAGE);
    let addr = bare.base + (1 << 29);
    g.bench_function("linux", |b| b.iter(|| bare.map_release(addr, PAGE)));
    assert_eq!(zx_handle_close(v), ZX_OK);
    g.finish();
}

/// A benchmark of `group` reporting the interleaved ratio of `shim` over `bare`.
fn bench_ratio(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    shim: impl FnMut(),
    bare: impl FnMut(),
) {
    let (mut shim, mut bare) = (timed(shim), timed(bare));
    group.bench_function(id, |b| {
        b.iter_custom(|iters| interleaved(iters, &mut shim, &mut bare))
    });
}

/// What the protect benchmarks flip: a one-page mapping in a 1 GiB region and its bare
/// counterpart, both in the middle of their reservation.
struct ProtectSetup {
    vmo: zx_handle_t,
    vmar: zx_handle_t,
    addr: usize,
    bare: Bare,
    bare_addr: usize,
}

impl ProtectSetup {
    fn new() -> ProtectSetup {
        let vmo = vmo(PAGE);
        let (vmar, base) = region(1 << 30);
        let mut addr = 0;
        let options = RW | ZX_VM_SPECIFIC;
        assert_eq!(
            zx_vmar_map(vmar, options, 1 << 29, vmo, 0, PAGE, &mut addr),
            ZX_OK
        );
        assert_eq!(addr, base + (1 << 29));
        let bare = Bare::new(1 << 30, PAGE);
        let bare_addr = bare.base + (1 << 29);
        bare.map(bare_addr, PAGE);
        ProtectSetup {
            vmo,
            vmar,
            addr,
            bare,
            bare_addr,
        }
    }
}

impl Drop for ProtectSetup {
    fn drop(&mut self) {
        destroy(self.vmar);
        assert_eq!(zx_handle_close(self.vmo), ZX_OK);
    }
}

fn ratio(c: &mut Criterion) {
    let mut g = c.benchmark_group("ratio");
    // Each reported microsecond costs two real pairs (~12 us): keep the samples short.
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_millis(300));
    for (name, len) in [("4KiB", PAGE), ("2MiB", 2 << 20), ("1GiB", 1 << 30)] {
        let v = vmo(len);
        let (r, _) = region(64 << 30);
        let bare = Bare::new(64 << 30, len);
        let offset = 32 << 30;
        bench_ratio(
            &mut g,
            BenchmarkId::new("map_unmap_specific", name),
            || zx_map_unmap(r, RW | ZX_VM_SPECIFIC, offset, v, len),
            || bare.map_release(bare.base + offset, len),
        );
        let mut next = bare.scatter(len);
        bench_ratio(
            &mut g,
            BenchmarkId::new("map_unmap_random", name),
            || zx_map_unmap(r, RW, 0, v, len),
            || bare.map_release(next(), len),
        );
        destroy(r);
        assert_eq!(zx_handle_close(v), ZX_OK);
    }

    let p = ProtectSetup::new();
    bench_ratio(
        &mut g,
        BenchmarkId::new("protect", "4KiB"),
        || zx_protect_pair(p.vmar, p.addr),
        || p.bare.protect_pair(p.bare_addr),
    );
    drop(p);

    let v = vmo(PAGE);
    let bare = Bare::new(64 << 30, PAGE);
    let mut next = bare.scatter(PAGE);
    for live in [10usize, 1000, 50_000] {
        let r = region_with_live(v, live);
        bench_ratio(
            &mut g,
            BenchmarkId::new("live", live),
            || zx_map_unmap(r, RW, 0, v, PAGE),
            || bare.map_release(next(), PAGE),
        );
        destroy(r);
    }
    assert_eq!(zx_handle_close(v), ZX_OK);
    g.finish();
}

criterion_group!(
    benches,
    map_unmap,
    protect,
    allocate_destroy,
    map_unmap_live,
    ratio
);
criterion_main!(benches);
