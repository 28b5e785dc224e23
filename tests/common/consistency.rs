//! The model/kernel consistency check: the shim's VMAR tree and `/proc/self/maps` must
//! describe the same address space.
//!
//! Over a range, the shim's model (from `Vmar::debug_layout`) is a sequence of protection
//! runs of mappings and bare-reservation pieces. The host's view is the sequence of VMAs:
//! a mapping run is a shared (`s`) VMA with the run's permissions, the reservation is a
//! private (`p`) anonymous `---` VMA. Both sides are coalesced (the kernel merges adjacent
//! compatible VMAs, the model merges adjacent equal runs) and must then be equal.
//!
//! Tests run in parallel threads of one process, so each test checks only the range of a
//! sub-VMAR it owns ([`check_vmar`]); [`check_account`] and [`check_whole_root`] look at the
//! whole root and are only exact when no other test changes it concurrently.
use std::fmt;
use zircon::handle::{lookup_vmar, Rights};
use zircon::host::maps::{read_self_maps_in, MapsEntry};
use zircon::object::aspace::LayoutEntry;
use zircon::object::vm_option::Perms;
use zircon::object::vmar::Vmar;
use zx_sys::zx_handle_t;

/// One coalesced piece of either view: `perms == None` is bare reservation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub start: usize,
    pub end: usize,
    pub perms: Option<Perms>,
}

impl fmt::Debug for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.perms {
            Some(p) => write!(f, "{:#x}-{:#x} {:?}s", self.start, self.end, p),
            None => write!(f, "{:#x}-{:#x} reserve", self.start, self.end),
        }
    }
}

fn push(out: &mut Vec<Piece>, p: Piece) {
    match out.last_mut() {
        Some(last) if last.end == p.start && last.perms == p.perms => last.end = p.end,
        _ => out.push(p),
    }
}

/// The host's view of `[start, end)`, coalesced. Panics on a VMA that is neither a shared
/// mapping nor the private anonymous `---` reservation (something else mapped inside).
///
/// `/proc/self/maps` is produced in chunks, and another thread changing a VMA that
/// straddles the range's edge (the reservation piece shared with a neighbour) between two
/// chunks makes the kernel print it twice or with a stale extent. Overlapping entries are
/// therefore clipped, and a read that does not tile the range exactly is retried.
pub fn host_view(start: usize, end: usize) -> Vec<Piece> {
    let mut last = Vec::new();
    for _ in 0..20 {
        let mut out: Vec<Piece> = Vec::new();
        let mut cursor = start;
        let mut tiles = true;
        for e in read_self_maps_in(start, end).expect("read /proc/self/maps") {
            let mut p = piece_of(&e);
            if p.end <= cursor {
                continue;
            }
            if p.start < cursor {
                p.start = cursor;
            }
            tiles &= p.start == cursor;
            cursor = p.end;
            push(&mut out, p);
        }
        if tiles && cursor == end {
            return out;
        }
        last = out;
    }
    last
}

fn piece_of(e: &MapsEntry) -> Piece {
    let perms = if e.shared {
        let mut p = Perms::NONE;
        if e.read {
            p = p.union(Perms::READ);
        }
        if e.write {
            p = p.union(Perms::WRITE);
        }
        if e.exec {
            p = p.union(Perms::EXECUTE);
        }
        Some(p)
    } else {
        assert!(
            !e.read && !e.write && !e.exec && e.inode == 0,
            "foreign VMA inside the reservation: {e:?}"
        );
        None
    };
    Piece {
        start: e.start,
        end: e.end,
        perms,
    }
}

/// The shim's view of `[start, end)` of `vmar`'s address space, coalesced.
pub fn model_view(vmar: &Vmar, start: usize, end: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    for LayoutEntry { start, end, perms } in vmar.debug_layout_range(start, end) {
        push(&mut out, Piece { start, end, perms });
    }
    out
}

/// Asserts that the model and the host agree over `[start, end)` of `vmar`'s address
/// space (a gap in `/proc/self/maps` would show up as a missing piece).
pub fn check_range(vmar: &Vmar, start: usize, end: usize) {
    let model = model_view(vmar, start, end);
    let host = host_view(start, end);
    assert_eq!(
        model, host,
        "shim model (left) vs /proc/self/maps (right) over [{start:#x}, {end:#x})"
    );
}

/// Asserts that the model and the host agree over the whole range of the VMAR behind
/// `handle` (which may be destroyed: its old range is then checked).
pub fn check_vmar(handle: zx_handle_t) {
    let (vmar, _) = lookup_vmar(handle, Rights::NONE).expect("a VMAR handle");
    check_range(&vmar, vmar.base(), vmar.base() + vmar.size());
}

/// Asserts that the address space's incremental VMA bound equals its recomputation and
/// stays within the map limit. Exact only while no other thread maps or unmaps.
pub fn check_account(handle: zx_handle_t) {
    let (vmar, _) = lookup_vmar(handle, Rights::NONE).expect("a VMAR handle");
    let (incremental, recomputed, limit) = vmar.debug_vma_account();
    assert_eq!(incremental, recomputed, "VMA account drifted");
    assert!(
        incremental <= limit + 4096,
        "VMA bound {incremental} far past the limit {limit}"
    );
}

/// Asserts the model/host agreement over the whole root reservation, and that the VMA
/// bound is not below the host's real VMA count there. Only meaningful while no other
/// thread changes the root (hold a global test lock).
pub fn check_whole_root(root: zx_handle_t) {
    let (vmar, _) = lookup_vmar(root, Rights::NONE).expect("a VMAR handle");
    let (start, size) = vmar.address_space().reservation();
    check_range(&vmar, start, start + size);
    let real = read_self_maps_in(start, start + size).expect("maps").len();
    let (bound, _, _) = vmar.debug_vma_account();
    assert!(
        bound >= real,
        "VMA bound {bound} below the host's {real} VMAs"
    );
    check_account(root);
}
