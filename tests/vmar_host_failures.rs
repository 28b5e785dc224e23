//! Host failures in the middle of every VMAR mutation. DEVELOPERS.md, Standards: "State
//! changes are all-or-nothing: validate everything, then touch the host. If a host call
//! fails midway, restore what was changed, and the shim's model and the kernel's view
//! (`/proc/self/maps`) agree afterwards."
//!
//! Each scenario builds a fresh private address space (its own reservation, first-fit
//! placement, its root VMAR in the handle table, so whole-space checks and the VMA count
//! are exact while other tests run), then for k = 1, 2, ... makes the k-th host call of
//! the operation fail with ENOMEM through `host::mman::inject`, both cleanly and torn (half
//! of the call's range already changed, as a failing `mmap(MAP_FIXED)` or `mprotect` may
//! leave it). After each failure it asserts the documented status and that nothing
//! changed: the model's layout, `ZX_INFO_VMAR_MAPS`, the VMA account, every VMO's mapping
//! count, the access and contents of every page in the window, and that the model and
//! `/proc/self/maps` agree over the whole reservation. The loop ends at the first k the
//! operation survives because it made fewer than k host calls; that run must succeed.
//!
//! Status on a host failure: NO_MEMORY for map, protect (vmar.fidl: "Failure due to lack
//! of memory") and for unmap and destroy, whose contracts list no such error (the shim
//! documents NO_MEMORY for them: a host refusal, nothing changed). op_range's host calls
//! only populate page tables, a hint whose failure is not an error: the status stays OK.
use std::sync::Arc;
use zircon::handle::{lookup_vmar, Object, Rights, HANDLES};
use zircon::host::mman::inject::{self, Effect, HostCall, Plan};
use zircon::object::aspace::LayoutEntry;
use zircon::object::vmar::{Vmar, ROOT_RIGHTS};
use zircon::prelude::*;
use zx_suite::consistency::{check_account, check_range};
use zx_suite::info::*;
use zx_suite::probe::{self, peek};
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::{PAGE, PAGE_U64};

const ENOMEM: i32 = libc::ENOMEM;
/// Size of each private address space.
const SPACE: usize = 16 << 20;
/// Pages at the start of the space that snapshots probe. Sparse VMOs are mapped beyond it:
/// reading a hole of a shared memfd mapping would allocate the page.
const WINDOW: usize = 24;

/// A private address space and the objects a scenario made in it.
struct Space {
    h: zx_handle_t,
    base: usize,
    size: usize,
    vmos: Vec<zx_handle_t>,
    subs: Vec<zx_handle_t>,
}

impl Space {
    fn new() -> Space {
        let vmar = Vmar::new_address_space(SPACE, false).expect("private address space");
        let (base, size) = vmar.address_space().reservation();
        let h = HANDLES
            .add(Object::Vmar(vmar), ROOT_RIGHTS)
            .expect("handle");
        Space {
            h,
            base,
            size,
            vmos: Vec::new(),
            subs: Vec::new(),
        }
    }

    fn vmar(&self) -> Arc<Vmar> {
        lookup_vmar(self.h, Rights::NONE).expect("root").0
    }

    fn at(&self, page: usize) -> usize {
        self.base + page * PAGE
    }

    /// A VMO of `pages` pages; page `i` in `written` starts with `tag(vmo, i)` (and is
    /// present), the others are holes.
    fn vmo(&mut self, pages: usize, written: &[usize]) -> zx_handle_t {
        let v = vmo((pages * PAGE) as u64);
        let n = self.vmos.len();
        for &i in written {
            let t = tag(n, i);
            assert_eq!(
                zx_vmo_write(v, (&t as *const u64).cast(), (i * PAGE) as u64, 8),
                ZX_OK
            );
        }
        self.vmos.push(v);
        v
    }

    /// A VMO of `pages` pages, every page written.
    fn full_vmo(&mut self, pages: usize) -> zx_handle_t {
        let all: Vec<usize> = (0..pages).collect();
        self.vmo(pages, &all)
    }

    /// Makes `layout`: its VMOs, then its sub-VMARs, then its mappings.
    fn build(&mut self, layout: &Layout) {
        for &pages in layout.vmos {
            self.full_vmo(pages);
        }
        for &(parent, page, pages) in layout.subs {
            self.sub(self.vmar_in(parent), page, pages);
        }
        for &(vmar, page, vmo, pages, perms) in layout.maps {
            self.map(self.vmar_in(vmar), page, self.vmos[vmo], 0, pages, perms);
        }
    }

    fn vmar_in(&self, vmar: In) -> zx_handle_t {
        match vmar {
            In::Root => self.h,
            In::Sub(i) => self.subs[i],
        }
    }

    /// A sub-VMAR of `parent` at absolute page `page`, `pages` long, every CAN_MAP flag.
    fn sub(&mut self, parent: zx_handle_t, page: usize, pages: usize) -> zx_handle_t {
        let parent_base = vmar_info(parent).unwrap().base;
        let r = allocate(
            parent,
            SUB | ZX_VM_SPECIFIC,
            self.at(page) - parent_base,
            pages * PAGE,
        );
        let h = r.h;
        std::mem::forget(r);
        self.subs.push(h);
        h
    }

    /// Maps `pages` pages of `vmo` from page `vmo_page` at absolute page `page` of `vmar`.
    fn map(
        &self,
        vmar: zx_handle_t,
        page: usize,
        vmo: zx_handle_t,
        vmo_page: usize,
        pages: usize,
        perms: zx_vm_option_t,
    ) {
        let vmar_base = vmar_info(vmar).unwrap().base;
        let addr = map(
            vmar,
            perms | ZX_VM_SPECIFIC,
            self.at(page) - vmar_base,
            vmo,
            (vmo_page * PAGE) as u64,
            pages * PAGE,
        )
        .expect("fixture map");
        assert_eq!(addr, self.at(page));
    }

    fn snapshot(&self) -> Snapshot {
        let vmar = self.vmar();
        let layout = vmar.debug_layout_range(self.base, self.base + self.size);
        let tree = maps(self.h)
            .unwrap()
            .iter()
            .map(|m| {
                let (mmu, off) = if m.type_ == ZX_INFO_MAPS_TYPE_MAPPING {
                    // SAFETY: the union holds the mapping variant for MAPPING entries.
                    unsafe { (m.u.mapping.mmu_flags, m.u.mapping.vmo_offset) }
                } else {
                    (0, 0)
                };
                (m.type_, m.depth, m.base, m.size, mmu, off)
            })
            .collect();
        let (vmas, _, _) = vmar.debug_vma_account();
        let vmo_mappings = self
            .vmos
            .iter()
            .map(|&v| vmo_info(v).num_mappings)
            .collect();
        let subs_alive = self.subs.iter().map(|&h| maps(h).is_ok()).collect();
        let pages = (0..WINDOW)
            .map(|i| {
                let a = self.at(i);
                let access = probe::access(a);
                let value = (access != "---").then(|| peek(a));
                (access, value)
            })
            .collect();
        Snapshot {
            layout,
            tree,
            vmas,
            vmo_mappings,
            subs_alive,
            pages,
        }
    }

    /// The model and `/proc/self/maps` agree over the whole reservation, and the VMA
    /// account equals its recomputation.
    fn check(&self) {
        check_range(&self.vmar(), self.base, self.base + self.size);
        check_account(self.h);
    }
}

impl Drop for Space {
    fn drop(&mut self) {
        for &h in self.subs.iter().chain(&self.vmos) {
            let _ = zx_handle_close(h);
        }
        let _ = zx_handle_close(self.h);
        // The address space is gone with its last handle; give the reservation back.
        // SAFETY: nothing else refers to the range any more.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.size) };
    }
}

/// A VMAR of a space: its root or its `i`-th sub-VMAR.
#[derive(Clone, Copy)]
enum In {
    Root,
    Sub(usize),
}

/// A starting layout of a space.
struct Layout {
    /// Sizes in pages of the VMOs, every page written.
    vmos: &'static [usize],
    /// `(parent, page, pages)`: a sub-VMAR at absolute page `page`.
    subs: &'static [(In, usize, usize)],
    /// `(vmar, page, vmo, pages, perms)`: the first `pages` pages of the `vmo`-th VMO
    /// mapped at absolute page `page`.
    maps: &'static [(In, usize, usize, usize, zx_vm_option_t)],
}

/// The first word of page `page` of the `vmo`-th VMO of a space.
fn tag(vmo: usize, page: usize) -> u64 {
    0x7a78_0000_0000_0000 | ((vmo as u64) << 16) | page as u64
}

/// Everything a failed operation must leave as it was.
#[derive(PartialEq, Debug)]
struct Snapshot {
    layout: Vec<LayoutEntry>,
    /// `ZX_INFO_VMAR_MAPS` of the root: (type, depth, base, size, mmu flags, VMO offset).
    tree: Vec<(u32, usize, usize, usize, u32, u64)>,
    vmas: usize,
    vmo_mappings: Vec<usize>,
    subs_alive: Vec<bool>,
    /// Per page of the window: access and first word.
    pages: Vec<(&'static str, Option<u64>)>,
}

/// One mutating call in one starting layout.
struct Scenario {
    name: &'static str,
    setup: fn(&mut Space),
    op: fn(&Space) -> zx_status_t,
    /// The status when the first injected failure hits a call of this kind.
    on_failure: fn(HostCall) -> zx_status_t,
    /// The status when no injected failure hits.
    on_success: zx_status_t,
    /// Host calls the operation makes when nothing fails (at least).
    calls: usize,
    /// Checks the effect of the successful run.
    effect: fn(&Space, &Snapshot),
}

/// The status of a map, without its address.
fn status_of(mapped: Result<usize, zx_status_t>) -> zx_status_t {
    mapped.map_or_else(|e| e, |_| ZX_OK)
}

fn no_memory(_: HostCall) -> zx_status_t {
    ZX_ERR_NO_MEMORY
}

fn ok(_: HostCall) -> zx_status_t {
    ZX_OK
}

/// Runs `s` with the k-th host call failing, for every k and both effects.
fn run(s: &Scenario) {
    for effect in [Effect::Clean, Effect::Torn] {
        let mut k = 1;
        loop {
            let mut space = Space::new();
            (s.setup)(&mut space);
            space.check();
            let before = space.snapshot();
            let armed = inject::arm(Plan::nth(k, ENOMEM).effect(effect));
            let status = (s.op)(&space);
            let report = armed.finish();
            let what = format!(
                "{}: host call {k} failing ({effect:?}, {:?}; {} calls made)",
                s.name, report.first_failed, report.calls
            );
            space.check();
            if report.failed == 0 {
                assert_eq!(status, s.on_success, "{}: no failure injected", s.name);
                assert!(
                    report.calls >= s.calls && k > s.calls,
                    "{}: {} host calls, expected at least {}",
                    s.name,
                    report.calls,
                    s.calls
                );
                (s.effect)(&space, &before);
                break;
            }
            let first = report.first_failed.expect("a failed call");
            assert_eq!(status, (s.on_failure)(first), "{what}: status");
            assert_eq!(space.snapshot(), before, "{what}: state changed");
            k += 1;
        }
    }
}

/// Asserts that page `page` has `access` and, if readable, holds `value`.
fn assert_page(space: &Space, page: usize, access: &str, value: Option<u64>) {
    let a = space.at(page);
    assert_eq!(probe::access(a), access, "access of page {page}");
    if let Some(v) = value {
        assert_eq!(peek(a), v, "contents of page {page}");
    }
}

// --- zx_vmar_map -------------------------------------------------------------------

/// A: 8 pages, [0, 4) mapped RW at page 0; B: 4 pages mapped R at page 8.
const TWO_MAPPINGS: Layout = Layout {
    vmos: &[8, 4],
    subs: &[],
    maps: &[
        (In::Root, 0, 0, 4, RW),
        (In::Root, 8, 1, 4, ZX_VM_PERM_READ),
    ],
};

/// vmar.fidl, map: a plain SPECIFIC map between two mappings (merging with the left one
/// on success) fails with NO_MEMORY and leaves everything as it was.
#[test]
fn vmar_map_host_failure_at_k_plain() {
    run(&Scenario {
        name: "map plain",
        setup: |s| s.build(&TWO_MAPPINGS),
        op: |s| {
            let opts = RW | ZX_VM_SPECIFIC;
            status_of(map(s.h, opts, 4 * PAGE, s.vmos[0], 4 * PAGE_U64, 4 * PAGE))
        },
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, before| {
            for p in 0..8 {
                assert_page(s, p, "rw-", Some(tag(0, p)));
            }
            assert_eq!(&s.snapshot().pages[8..], &before.pages[8..]);
            // Merged with the mapping on its left.
            assert_eq!(mapping_entries(s.h).len(), 2);
        },
    });
}

/// A: 8 pages RW at [0, 8) with page 5 protected to R; B: 4 pages R at [8, 12);
/// C: 4 pages RW at [12, 16).
fn setup_three_mappings(s: &mut Space) {
    s.build(&Layout {
        vmos: &[8, 4, 4],
        subs: &[],
        maps: &[
            (In::Root, 0, 0, 8, RW),
            (In::Root, 8, 1, 4, ZX_VM_PERM_READ),
            (In::Root, 12, 2, 4, RW),
        ],
    });
    assert_eq!(protect(s.h, ZX_VM_PERM_READ, s.at(5), PAGE), ZX_OK);
}

/// vmar.fidl, map, SPECIFIC_OVERWRITE over part of A (two protection runs), all of B and
/// part of C: a host failure is NO_MEMORY and every old mapping keeps its pages, contents
/// and permissions.
#[test]
fn vmar_map_host_failure_at_k_specific_overwrite_several() {
    run(&Scenario {
        name: "map SPECIFIC_OVERWRITE",
        setup: |s| {
            setup_three_mappings(s);
            s.full_vmo(10);
        },
        op: |s| {
            let opts = RW | ZX_VM_SPECIFIC_OVERWRITE;
            status_of(map(s.h, opts, 4 * PAGE, s.vmos[3], 0, 10 * PAGE))
        },
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            for p in 0..4 {
                assert_page(s, p, "rw-", Some(tag(0, p)));
            }
            for p in 4..14 {
                assert_page(s, p, "rw-", Some(tag(3, p - 4)));
            }
            for p in 14..16 {
                assert_page(s, p, "rw-", Some(tag(2, p - 12)));
            }
            assert_eq!(vmo_info(s.vmos[1]).num_mappings, 0);
        },
    });
}

/// E: 8 pages with data in pages 0, 1, 4 and 5 only (two present extents).
fn setup_sparse(s: &mut Space) {
    s.build(&TWO_MAPPINGS);
    s.vmo(8, &[0, 1, 4, 5]);
}

fn map_range_op(s: &Space) -> zx_status_t {
    let opts = ZX_VM_PERM_READ | ZX_VM_SPECIFIC | ZX_VM_MAP_RANGE;
    status_of(map(s.h, opts, 24 * PAGE, s.vmos[2], 0, 8 * PAGE))
}

/// vmar.fidl, map, MAP_RANGE: the mmap and each populate of a present extent can fail;
/// any failure is NO_MEMORY and leaves no mapping behind.
#[test]
fn vmar_map_host_failure_at_k_map_range() {
    run(&Scenario {
        name: "map MAP_RANGE",
        setup: setup_sparse,
        op: map_range_op,
        on_failure: no_memory,
        on_success: ZX_OK,
        // mmap, then one populate per present extent.
        calls: 3,
        effect: |s, _| {
            for p in 0..8 {
                let v = [0, 1, 4, 5].contains(&p).then(|| tag(2, p)).or(Some(0));
                assert_page(s, 24 + p, "r--", v);
            }
        },
    });
}

/// MAP_RANGE: a populate fails and then so does the host call that takes the new
/// mapping away again; the map still fails with NO_MEMORY and leaves nothing behind.
#[test]
fn vmar_map_host_failure_at_k_map_range_rollback_fails_too() {
    for effect in [Effect::Clean, Effect::Torn] {
        for k in [2, 3] {
            let mut space = Space::new();
            setup_sparse(&mut space);
            let before = space.snapshot();
            let armed = inject::arm(Plan::nth(k, ENOMEM).and(k + 1).effect(effect));
            let status = map_range_op(&space);
            let report = armed.finish();
            let what = format!("populate {k} and the rollback failing ({effect:?}, {report:?})");
            assert_eq!(report.failed, 2, "{what}");
            assert_eq!(status, ZX_ERR_NO_MEMORY, "{what}");
            space.check();
            assert_eq!(space.snapshot(), before, "{what}: state changed");
        }
    }
}

/// zx_vmar_map with a null `mapped_addr` maps, then unmaps again and answers INVALID_ARGS
/// (zx-shim's ffi docs). If the host refuses the unmap, the new mapping must still go:
/// the caller cannot know its address.
#[test]
fn vmar_map_host_failure_at_k_undo_after_bad_out_pointer() {
    run(&Scenario {
        name: "map with a null mapped_addr",
        setup: |s| s.build(&TWO_MAPPINGS),
        op: |s| {
            zx_vmar_map(
                s.h,
                RW | ZX_VM_SPECIFIC,
                4 * PAGE,
                s.vmos[0],
                4 * PAGE_U64,
                4 * PAGE,
                std::ptr::null_mut(),
            )
        },
        on_failure: |call| match call {
            HostCall::MapFixedShared => ZX_ERR_NO_MEMORY,
            _ => ZX_ERR_INVALID_ARGS,
        },
        on_success: ZX_ERR_INVALID_ARGS,
        // The mmap and the undo.
        calls: 2,
        effect: |s, before| assert_eq!(&s.snapshot(), before),
    });
}

// --- zx_vmar_unmap -----------------------------------------------------------------

/// A: 8 pages RW at [0, 8).
const ONE_MAPPING: Layout = Layout {
    vmos: &[8],
    subs: &[],
    maps: &[(In::Root, 0, 0, 8, RW)],
};

/// vmar.fidl, unmap, the middle of a mapping (a split): NO_MEMORY, the mapping whole.
#[test]
fn vmar_unmap_host_failure_at_k_middle_of_mapping() {
    run(&Scenario {
        name: "unmap middle",
        setup: |s| s.build(&ONE_MAPPING),
        op: |s| unmap(s.h, s.at(2), 3 * PAGE),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            for p in 0..8 {
                let gone = (2..5).contains(&p);
                let (access, v) = if gone {
                    ("---", None)
                } else {
                    ("rw-", Some(tag(0, p)))
                };
                assert_page(s, p, access, v);
            }
            assert_eq!(vmo_info(s.vmos[0]).num_mappings, 2);
        },
    });
}

/// vmar.fidl, unmap, exactly one whole mapping (the shim's fast path).
#[test]
fn vmar_unmap_host_failure_at_k_whole_mapping() {
    run(&Scenario {
        name: "unmap whole",
        setup: |s| s.build(&ONE_MAPPING),
        op: |s| unmap(s.h, s.at(0), 8 * PAGE),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            assert_page(s, 0, "---", None);
            assert_eq!(vmo_info(s.vmos[0]).num_mappings, 0);
        },
    });
}

/// A RW at [0, 4); sub-VMAR S at [4, 12) with B RW at [4, 6) and C R at [8, 10); D RW at
/// [12, 16); E RW at [16, 20).
const WITH_SUB: Layout = Layout {
    vmos: &[4, 2, 2, 4, 4],
    subs: &[(In::Root, 4, 8)],
    maps: &[
        (In::Root, 0, 0, 4, RW),
        (In::Sub(0), 4, 1, 2, RW),
        (In::Sub(0), 8, 2, 2, ZX_VM_PERM_READ),
        (In::Root, 12, 3, 4, RW),
        (In::Root, 16, 4, 4, RW),
    ],
};

/// vmar.fidl, unmap across part of A, the whole sub-VMAR S (OP_CHILDREN) and part of D:
/// NO_MEMORY, S alive with its mappings, A and D whole.
#[test]
fn vmar_unmap_host_failure_at_k_across_mappings_and_sub_vmar() {
    run(&Scenario {
        name: "unmap across",
        setup: |s| s.build(&WITH_SUB),
        op: |s| unmap(s.h, s.at(2), 12 * PAGE),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            assert_page(s, 1, "rw-", Some(tag(0, 1)));
            for p in 2..14 {
                assert_page(s, p, "---", None);
            }
            assert_page(s, 14, "rw-", Some(tag(3, 2)));
            assert_eq!(maps(s.subs[0]).err(), Some(ZX_ERR_BAD_STATE));
        },
    });
}

// --- zx_vmar_protect ---------------------------------------------------------------

/// vmar.fidl, protect, part of one mapping: NO_MEMORY, and (Notes) the permissions stay.
#[test]
fn vmar_protect_host_failure_at_k_part_of_mapping() {
    run(&Scenario {
        name: "protect part",
        setup: |s| s.build(&ONE_MAPPING),
        op: |s| protect(s.h, ZX_VM_PERM_READ, s.at(2), 3 * PAGE),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            for p in 0..8 {
                let access = if (2..5).contains(&p) { "r--" } else { "rw-" };
                assert_page(s, p, access, Some(tag(0, p)));
            }
        },
    });
}

/// vmar.fidl, protect across A, B (two runs), the sub-VMAR's mapping C and part of D:
/// NO_MEMORY and every permission as it was.
#[test]
fn vmar_protect_host_failure_at_k_across_mappings() {
    run(&Scenario {
        name: "protect across",
        setup: |s| {
            s.build(&Layout {
                vmos: &[4, 4, 4, 4],
                subs: &[(In::Root, 8, 4)],
                maps: &[
                    (In::Root, 0, 0, 4, RW),
                    (In::Root, 4, 1, 4, RW),
                    (In::Sub(0), 8, 2, 4, RW),
                    (In::Root, 12, 3, 4, RW),
                ],
            });
            assert_eq!(protect(s.h, ZX_VM_PERM_READ, s.at(6), PAGE), ZX_OK);
        },
        op: |s| protect(s.h, ZX_VM_PERM_READ, s.at(2), 12 * PAGE),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            for p in 0..16 {
                let access = if (2..14).contains(&p) { "r--" } else { "rw-" };
                assert_page(s, p, access, Some(tag(p / 4, p % 4)));
            }
        },
    });
}

// --- zx_vmar_destroy ---------------------------------------------------------------

/// vmar.fidl, destroy, a sub-VMAR with a mapping and a nested sub-VMAR holding two more:
/// NO_MEMORY, both VMARs alive, every mapping in and around them intact.
#[test]
fn vmar_destroy_host_failure_at_k_subtree() {
    run(&Scenario {
        name: "destroy",
        setup: |s| {
            s.build(&Layout {
                vmos: &[4, 2, 2, 4, 4],
                subs: &[(In::Root, 4, 16), (In::Sub(0), 8, 8)],
                maps: &[
                    (In::Root, 0, 0, 4, RW),
                    (In::Sub(0), 4, 1, 2, RW),
                    (In::Sub(1), 8, 2, 2, ZX_VM_PERM_READ),
                    (In::Sub(1), 12, 3, 4, RW),
                    (In::Root, 20, 4, 4, RW),
                ],
            })
        },
        op: |s| zx_vmar_destroy(s.subs[0]),
        on_failure: no_memory,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, _| {
            assert_eq!(maps(s.subs[0]).err(), Some(ZX_ERR_BAD_STATE));
            assert_eq!(maps(s.subs[1]).err(), Some(ZX_ERR_BAD_STATE));
            for p in 4..20 {
                assert_page(s, p, "---", None);
            }
            assert_page(s, 3, "rw-", Some(tag(0, 3)));
            assert_page(s, 20, "rw-", Some(tag(4, 0)));
        },
    });
}

// --- zx_vmar_op_range --------------------------------------------------------------

/// E (data in pages 0, 1, 4, 5) mapped RW at [24, 32).
fn setup_sparse_mapped(s: &mut Space) {
    setup_sparse(s);
    s.map(s.h, 24, s.vmos[2], 0, 8, RW);
}

/// vmar.fidl, op_range, MAP_RANGE: its host calls (one populate per present extent) only
/// fill page tables; a failure is not an error of the hint and changes nothing.
#[test]
fn vmar_op_range_host_failure_at_k_map_range() {
    run(&Scenario {
        name: "op_range MAP_RANGE",
        setup: setup_sparse_mapped,
        op: |s| vmar_op(s.h, ZX_VMAR_OP_MAP_RANGE, s.at(24), 8 * PAGE),
        on_failure: ok,
        on_success: ZX_OK,
        calls: 2,
        effect: |s, before| assert_eq!(&s.snapshot(), before),
    });
}

/// vmar.fidl, op_range, COMMIT: the VMO is committed (a VMO operation), then the page
/// tables are filled; a failure of the latter is no error and changes no mapping.
#[test]
fn vmar_op_range_host_failure_at_k_commit() {
    run(&Scenario {
        name: "op_range COMMIT",
        setup: setup_sparse_mapped,
        op: |s| vmar_op(s.h, ZX_VMAR_OP_COMMIT, s.at(24), 8 * PAGE),
        on_failure: ok,
        on_success: ZX_OK,
        calls: 1,
        effect: |s, before| assert_eq!(&s.snapshot(), before),
    });
}
