//! Concurrency: several threads allocating, mapping, protecting, unmapping and destroying
//! at once, in separate VMARs and in one shared VMAR. Each thread checks the contents of
//! its own mappings as it goes (no corruption); the run must finish (no deadlock); and at
//! the end the shim and `/proc/self/maps` agree over the whole root and the VMA account is
//! exact. The tests of this file run one at a time so the whole-root check is exact.
use std::sync::{Arc, Barrier};
use std::thread;
use zircon::prelude::*;
use zx_suite::consistency::check_whole_root;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::probe::{self, peek, poke};
use zx_suite::threads::serial;
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

const THREADS: usize = 4;
const ROUNDS: usize = 300;

fn rng(seed: &mut u64) -> usize {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed as usize
}

/// One thread's workload inside `vmar` (shared or its own): map a private VMO, write a
/// tag, sometimes protect it read-only or allocate and destroy a sub-VMAR, verify the tag,
/// unmap.
fn churn(vmar: zx_handle_t, tag: u64, mut seed: u64) {
    let v = vmo(4 * PAGE_U64);
    let mut live: Vec<(usize, usize)> = Vec::new();
    let mut newest = 0u64;
    for round in 0..ROUNDS {
        match rng(&mut seed) % 4 {
            0 | 1 => {
                let pages = 1 + rng(&mut seed) % 4;
                let a = map(vmar, RW, 0, v, 0, pages * PAGE).expect("map");
                let value = tag << 32 | round as u64;
                poke(a, value);
                newest = value;
                live.push((a, pages));
            }
            2 if !live.is_empty() => {
                let i = rng(&mut seed) % live.len();
                let (a, pages) = live[i];
                assert_eq!(protect(vmar, ZX_VM_PERM_READ, a, pages * PAGE), ZX_OK);
                assert_eq!(probe::access(a), "r--");
                assert_eq!(protect(vmar, RW, a, pages * PAGE), ZX_OK);
            }
            3 => {
                let sub = allocate(vmar, SUB, 0, 8 * PAGE);
                let a = map(sub.h, RW, 0, v, PAGE_U64, PAGE).expect("map in sub");
                poke(a, tag);
                assert_eq!(peek(a), tag);
                drop(sub);
                assert!(!probe::readable(a));
            }
            _ => {}
        }
        // All of this thread's mappings share its VMO's first page, so each must show the
        // value the thread wrote last.
        for &(a, _) in &live {
            assert_eq!(peek(a), newest, "corrupted mapping at {a:#x}");
        }
        if live.len() > 8 {
            let (a, pages) = live.remove(rng(&mut seed) % live.len());
            assert_eq!(unmap(vmar, a, pages * PAGE), ZX_OK);
        }
    }
    for (a, pages) in live {
        assert_eq!(unmap(vmar, a, pages * PAGE), ZX_OK);
    }
    close(v);
}

fn run_threads(make_vmar: impl Fn(usize) -> zx_handle_t) {
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let vmar = make_vmar(i);
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                churn(
                    vmar,
                    0x1000 + i as u64,
                    0x9E37_79B9_7F4A_7C15 ^ ((i as u64 + 1) * 0x1234_5677),
                );
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker panicked");
    }
}

/// Threads working in separate sub-VMARs of the root at the same time.
#[test]
fn vmar_threads_in_separate_vmars() {
    let _g = serial();
    let regions: Vec<Region> = (0..THREADS).map(|_| region(4096)).collect();
    let hs: Vec<zx_handle_t> = regions.iter().map(|r| r.h).collect();
    run_threads(|i| hs[i]);
    for r in &regions {
        r.check();
        assert!(mapping_entries(r.h).is_empty());
    }
    drop(regions);
    check_whole_root(root());
}

/// Threads sharing one VMAR: placement, merging and splitting race in the same tree.
#[test]
fn vmar_threads_in_one_shared_vmar() {
    let _g = serial();
    let shared = region(1 << 14);
    run_threads(|_| shared.h);
    shared.check();
    assert_eq!(maps(shared.h).unwrap().len(), 1, "everything was unmapped");
    drop(shared);
    check_whole_root(root());
}

/// Threads mapping straight into the root VMAR, next to everything else in the process.
#[test]
fn vmar_threads_in_the_root() {
    let _g = serial();
    run_threads(|_| root());
    check_whole_root(root());
}
