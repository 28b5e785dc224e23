//! The region map alone (no host calls), beside a bare `BTreeMap` in the same run.
//!
//! Every map is a 64 GiB VMAR (the size `benches/vmar.rs` maps into) holding `n` children
//! of 1-16 pages, placed the way ASLR places them.
//! - `insert_remove/{split,edge,btreemap}/{10,1000,60000}`: `insert` + `remove` of a
//!   1-page child, cycling through 4096 precomputed addresses. `split` puts it at a
//!   random free page inside a gap (the gap splits in two, then joins again: what a
//!   randomly placed map + unmap does), `edge` at the start of a gap (the gap shrinks,
//!   then grows: COMPACT first fit). `btreemap` is a bare `BTreeMap<usize, (usize, T)>`
//!   insert + remove of the `split` addresses, with a value of the same size.
//! - `place/{first_fit,random}/{n}`: `place` of a 1-page child with 0 and 30 entropy
//!   bits. `place/random_limit/{n}` adds an upper limit halfway up the VMAR.
//! - `cycle/{n}`: `place` (30 bits) + `insert` + `remove`, the region map's whole share of
//!   a `zx_vmar_map` + `zx_vmar_unmap` pair.
//! - `cycle_packed/{n}`: the same with the `n` one-page children packed at the bottom of
//!   the VMAR (one large gap above them), as in `map_unmap_live` of `benches/vmar.rs`.
//! - `cold/{cycle,cycle_packed}/{n}`: `cycle` and `cycle_packed` with the caches cooled
//!   before each iteration (a 256 KiB read, outside the timed region), as the host calls
//!   between two VMAR calls do: there the count of cache lines touched matters more
//!   than instructions. `cold/timer` is the timed region alone (the clock reads).
//!
//! Run: `cargo bench --bench region_map -- --warm-up-time 1 --measurement-time 3`.
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};
use zircon::object::region_map::{Placement, RegionMap};
use zx_suite::rng::Rng;

const PAGE: usize = 4096;
const BASE: usize = 0x1000_0000_0000;
const SIZE: usize = 64 << 30;
const SIZES: [usize; 3] = [10, 1000, 60_000];
/// Addresses cycled through by the insert/remove loops.
const KEYS: usize = 4096;

/// A value about the size of the shim's `Child`.
type Value = [u64; 6];

fn req(len: usize, entropy_bits: u32, upper_limit: Option<usize>) -> Placement {
    Placement {
        len,
        align: PAGE,
        upper_limit,
        entropy_bits,
    }
}

/// A VMAR holding `n` randomly placed children of 1-16 pages.
fn populated(n: usize, rng: &mut Rng) -> RegionMap<Value> {
    let mut m = RegionMap::new(BASE, SIZE);
    for i in 0..n {
        let len = (1 + rng.next_u64() as usize % 16) * PAGE;
        let s = m
            .place(&req(len, 30, None), &mut || rng.next_u64())
            .unwrap();
        m.insert(s, len, [i as u64; 6]);
    }
    m
}

/// Free 1-page slots: random ones inside gaps (`split`) and gap starts (`edge`).
fn slots(m: &RegionMap<Value>, rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let split: Vec<usize> = (0..KEYS)
        .map(|_| {
            m.place(&req(PAGE, 30, None), &mut || rng.next_u64())
                .unwrap()
        })
        .collect();
    let gaps: Vec<usize> = m.gaps().map(|g| g.0).collect();
    let edge = (0..KEYS)
        .map(|_| gaps[rng.next_u64() as usize % gaps.len()])
        .collect();
    (split, edge)
}

fn insert_remove(c: &mut Criterion) {
    let mut g = c.benchmark_group("insert_remove");
    let mut rng = Rng::new(0x5eed_1234_abcd_ef01);
    for n in SIZES {
        let mut m = populated(n, &mut rng);
        let (split, edge) = slots(&m, &mut rng);
        for (name, keys) in [("split", &split), ("edge", &edge)] {
            let mut i = 0;
            g.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| {
                    let s = keys[i % KEYS];
                    i += 1;
                    m.insert(black_box(s), PAGE, [0; 6]);
                    black_box(m.remove(s))
                })
            });
        }
        let mut bare: BTreeMap<usize, (usize, Value)> =
            m.iter().map(|(s, l, v)| (s, (l, *v))).collect();
        let mut i = 0;
        g.bench_function(BenchmarkId::new("btreemap", n), |b| {
            b.iter(|| {
                let s = split[i % KEYS];
                i += 1;
                bare.insert(black_box(s), (PAGE, [0; 6]));
                black_box(bare.remove(&s))
            })
        });
    }
    g.finish();
}

fn place(c: &mut Criterion) {
    let mut g = c.benchmark_group("place");
    let mut rng = Rng::new(0x0dd_ba11_cafe_f00d);
    for n in SIZES {
        let m = populated(n, &mut rng);
        for (name, r) in [
            ("first_fit", req(PAGE, 0, None)),
            ("random", req(PAGE, 30, None)),
            ("random_limit", req(PAGE, 30, Some(BASE + SIZE / 2))),
        ] {
            g.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| black_box(m.place(black_box(&r), &mut || rng.next_u64())))
            });
        }
    }
    g.finish();
}

/// One randomly placed page inserted into `m` and removed again, per iteration.
fn bench_cycle(
    g: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    m: &mut RegionMap<Value>,
    rng: &mut Rng,
) {
    let r = req(PAGE, 30, None);
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| {
            let s = m.place(black_box(&r), &mut || rng.next_u64()).unwrap();
            m.insert(s, PAGE, [0; 6]);
            black_box(m.remove(s))
        })
    });
}

fn cycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("cycle");
    let mut rng = Rng::new(0xc1c1_e000_0000_0001);
    for n in SIZES {
        let mut m = populated(n, &mut rng);
        bench_cycle(&mut g, n, &mut m, &mut rng);
    }
    g.finish();
}

fn cycle_packed(c: &mut Criterion) {
    let mut g = c.benchmark_group("cycle_packed");
    let mut rng = Rng::new(0xc1c1_e000_0000_0002);
    for n in SIZES {
        let mut m = RegionMap::new(BASE, SIZE);
        for i in 0..n {
            m.insert(BASE + i * PAGE, PAGE, [i as u64; 6]);
        }
        bench_cycle(&mut g, n, &mut m, &mut rng);
    }
    g.finish();
}

/// Reads `buf` (a cache line at a time) to push other data out of L1 and most of L2.
fn cool(buf: &[u8]) -> u64 {
    buf.iter().step_by(64).map(|&b| u64::from(b)).sum()
}

fn cold(c: &mut Criterion) {
    let mut g = c.benchmark_group("cold");
    let buf = vec![1u8; 256 << 10];
    let mut rng = Rng::new(0xc01d_0000_0000_0003);
    g.bench_function("timer", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                black_box(cool(&buf));
                let t = Instant::now();
                total += t.elapsed();
            }
            total
        })
    });
    let r = req(PAGE, 30, None);
    for n in SIZES {
        let random = populated(n, &mut rng);
        let mut packed = RegionMap::new(BASE, SIZE);
        for i in 0..n {
            packed.insert(BASE + i * PAGE, PAGE, [i as u64; 6]);
        }
        for (name, mut m) in [("cycle", random), ("cycle_packed", packed)] {
            g.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        black_box(cool(&buf));
                        let t = Instant::now();
                        let s = m.place(black_box(&r), &mut || rng.next_u64()).unwrap();
                        m.insert(s, PAGE, [0; 6]);
                        black_box(m.remove(s));
                        total += t.elapsed();
                    }
                    total
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, insert_remove, place, cycle, cycle_packed, cold);
criterion_main!(benches);
