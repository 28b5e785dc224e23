//! The map / unmap / protect fast path allocates nothing (issue #3: "no allocation, no
//! `/proc` read, no logging on that path"). A counting global allocator watches the
//! calling thread while it runs the calls in a loop, after a warm-up that lets one-time
//! setup (tracing, the handle table, the region map's first value chunk) happen.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use zircon::prelude::*;
use zx_suite::vmar::RW;
use zx_suite::PAGE;

struct Counting;

thread_local! {
    /// Allocations made by this thread while `WATCHING` is set.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    // `try_with`: the allocator can run while thread-locals are being torn down.
    let _ = WATCHING.try_with(|w| {
        if w.get() {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` unchanged; the bookkeeping touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|a| a.set(0));
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.with(|a| a.get())
}

/// A VMAR of 1 GiB holding `neighbours` live one-page mappings, and a one-page VMO.
fn setup(neighbours: usize) -> (zx_handle_t, zx_handle_t) {
    let (mut vmar, mut base) = (ZX_HANDLE_INVALID, 0);
    let options = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC;
    assert_eq!(
        zx_vmar_allocate(
            zx_vmar_root_self(),
            options,
            0,
            1 << 30,
            &mut vmar,
            &mut base
        ),
        ZX_OK
    );
    let mut vmo = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(PAGE as u64, 0, &mut vmo), ZX_OK);
    for i in 0..neighbours {
        let mut addr = 0;
        let at = (512 << 20) + i * 2 * PAGE;
        let options = RW | ZX_VM_SPECIFIC;
        assert_eq!(
            zx_vmar_map(vmar, options, at, vmo, 0, PAGE, &mut addr),
            ZX_OK
        );
    }
    (vmar, vmo)
}

fn teardown(vmar: zx_handle_t, vmo: zx_handle_t) {
    assert_eq!(zx_vmar_destroy(vmar), ZX_OK);
    assert_eq!(zx_handle_close(vmar), ZX_OK);
    assert_eq!(zx_handle_close(vmo), ZX_OK);
}

/// `rounds` of map (placed randomly, or SPECIFIC at one of 64 offsets), protect, unmap.
fn rounds(vmar: zx_handle_t, vmo: zx_handle_t, rounds: usize, specific: bool) {
    for i in 0..rounds {
        let mut addr = 0;
        let (options, offset) = if specific {
            (RW | ZX_VM_SPECIFIC, (i % 64) * 2 * PAGE)
        } else {
            (RW, 0)
        };
        assert_eq!(
            zx_vmar_map(vmar, options, offset, vmo, 0, PAGE, &mut addr),
            ZX_OK
        );
        assert_eq!(zx_vmar_protect(vmar, ZX_VM_PERM_READ, addr, PAGE), ZX_OK);
        assert_eq!(zx_vmar_unmap(vmar, addr, PAGE), ZX_OK);
    }
}

/// Random placement in a VMAR of at most 16 children (the region map's one-leaf form).
#[test]
fn vmar_map_protect_unmap_random_placement_allocates_nothing() {
    let (vmar, vmo) = setup(10);
    rounds(vmar, vmo, 10, false);
    let counted = allocations_in(|| rounds(vmar, vmo, 2000, false));
    assert_eq!(counted, 0, "allocations on the map/protect/unmap path");
    teardown(vmar, vmo);
}

/// SPECIFIC maps in a VMAR with 100 children (the indexed form), after one pass over
/// the same offsets. The length index allocates a gap-length class the first time a
/// gap of that class appears in the VMAR (at most 8 classes per power of two), so only
/// a repeated pattern is allocation-free from the start.
#[test]
fn vmar_map_protect_unmap_specific_allocates_nothing() {
    let (vmar, vmo) = setup(100);
    rounds(vmar, vmo, 64, true);
    let counted = allocations_in(|| rounds(vmar, vmo, 2000, true));
    assert_eq!(counted, 0, "allocations on the map/protect/unmap path");
    teardown(vmar, vmo);
}

/// The watch itself works: an allocation inside it is counted.
#[test]
fn allocation_watch_counts() {
    let seen = allocations_in(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert_eq!(seen, 1);
}
