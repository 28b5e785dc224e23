//! `AddressSpace`: one host reservation, the VMAR tree carved from it, every mapping in
//! it, and the one lock that guards them all.
//!
//! # Model
//! The tree is a slab of [`VmarNode`]s addressed by generation-checked [`NodeKey`]s. Each
//! node keeps its children (sub-VMARs and mappings) in a [`RegionMap`] keyed by absolute
//! start address, so lookups, inserts, removes and placement are O(log n) per VMAR. A
//! destroyed VMAR's slot is freed and its generation bumped: handles to it keep a stale
//! key, and every operation on them finds no node (`BAD_STATE`).
//!
//! # Host invariant
//! Outside the lock, `/proc/self/maps` over the reservation equals the model: each
//! protection run of each mapping is a `MAP_SHARED` mapping of its VMO's memfd at the
//! right offset with the run's protection, and everything else is the `PROT_NONE`
//! private reservation. Host calls run under the lock, after every check has passed and
//! before the model changes; if one fails the model is left as it was (and anything the
//! host already changed is put back), so the two never disagree.
//!
//! # VMA budget
//! The host allows `vm.max_map_count` VMAs per process. `vmas` is an upper bound of the
//! VMAs inside the reservation: one per protection run, plus one per maximal block of
//! adjacent mappings (the reservation piece before it), plus one for the trailing piece.
//! It is maintained exactly by [`AspaceState::insert_mapping`] / [`remove_mapping`]
//! (which look at the neighbours in the whole tree), so it never drifts. New mappings and
//! VMARs are refused (`NO_MEMORY`) past `max_map_count - MAP_HEADROOM`; protect past
//! `max_map_count - PROTECT_HEADROOM`; unmap is never refused, and the headroom left keeps
//! its splits (at most two VMAs each) within the host's limit.
//!
//! # Locks
//! `state` is the address-space lock of the crate-level order (handle table → address
//! space → VMO). VMO methods may be called under it (mapping counts, fds); `Arc<Vmo>`s of
//! removed mappings are collected in a [`Graveyard`] and dropped after the guard.
//!
//! [`remove_mapping`]: AspaceState::remove_mapping
use super::few::Few;
use super::mapping::{Mapping, Runs};
use super::region_map::{Gaps, Placement, RegionMap};
use super::vm_option::{Perms, VmarFlags};
use super::vmo::Vmo;
use crate::host::{self, mman, Errno};
use crate::status::{Status, ZxResult};
use std::os::fd::AsFd;
use std::sync::{Arc, Mutex, MutexGuard};

/// VMAs kept free for everything else in the process and for unmap/protect splits.
pub const MAP_HEADROOM: usize = 4096;
/// VMAs kept free for unmap splits once protect is refused.
pub const PROTECT_HEADROOM: usize = 1024;
/// Placement entropy outside COMPACT VMARs (Zircon's `aslr.entropy_bits` default).
pub const ASLR_ENTROPY_BITS: u32 = 30;

/// A generation-checked index of a node in the slab.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct NodeKey {
    index: u32,
    gen: u32,
}

/// A VMAR in the tree.
pub struct VmarNode {
    pub base: usize,
    pub size: usize,
    /// COMPACT, CAN_MAP_SPECIFIC and CAN_MAP_READ/WRITE/EXECUTE.
    pub flags: VmarFlags,
    /// `None` for the root.
    pub parent: Option<NodeKey>,
    pub children: RegionMap<Child>,
}

impl VmarNode {
    pub fn end(&self) -> usize {
        self.base + self.size
    }
    pub fn contains(&self, addr: usize) -> bool {
        addr >= self.base && addr - self.base < self.size
    }
}

/// A child of a VMAR.
pub enum Child {
    Vmar(NodeKey),
    Mapping(Mapping),
}

struct Slot {
    gen: u32,
    node: Option<VmarNode>,
}

/// `Arc<Vmo>`s of removed mappings, dropped by the caller after the lock is released.
/// Holds the common single-mapping case without allocating.
#[derive(Default)]
pub struct Graveyard(Few<Arc<Vmo>>);

impl Graveyard {
    pub fn bury(&mut self, vmo: Arc<Vmo>) {
        self.0.push(vmo);
    }
}

/// A mapping met by [`AspaceState::walk_mappings`].
pub struct MappingRef<'a> {
    pub node: NodeKey,
    /// 0 for a direct child of the walked VMAR, 1 for a grandchild, ...
    pub depth: usize,
    pub start: usize,
    pub len: usize,
    pub mapping: &'a Mapping,
}

impl MappingRef<'_> {
    pub fn end(&self) -> usize {
        self.start + self.len
    }
}

/// One entry of [`AspaceState::layout`]: a protection run, or (`perms: None`) a piece of
/// the bare reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutEntry {
    pub start: usize,
    pub end: usize,
    pub perms: Option<Perms>,
}

/// Everything the address-space lock guards.
pub struct AspaceState {
    slots: Vec<Slot>,
    free: Vec<u32>,
    root: NodeKey,
    /// Upper bound of host VMAs inside the reservation (module docs, "VMA budget").
    vmas: usize,
    /// Placement PRNG state (splitmix64), seeded once from getrandom.
    rng: u64,
    /// Reused buffer of child starts, so the unmap path does not allocate.
    scratch: Vec<usize>,
}

/// One host reservation and its VMAR tree.
pub struct AddressSpace {
    base: usize,
    size: usize,
    aslr: bool,
    map_vma_limit: usize,
    protect_vma_limit: usize,
    state: Mutex<AspaceState>,
}

impl AddressSpace {
    /// Reserves `size` bytes (halving down to `floor` while the host refuses) and builds a
    /// tree whose root VMAR covers the reservation with `root_flags`.
    pub fn reserve(
        size: usize,
        floor: usize,
        root_flags: VmarFlags,
        aslr: bool,
    ) -> ZxResult<Arc<AddressSpace>> {
        let mut size = size & !(super::vm_option::PAGE_SIZE - 1);
        let base = loop {
            if size < floor.max(super::vm_option::PAGE_SIZE) {
                return Err(Status::NO_MEMORY);
            }
            match mman::reserve(size) {
                Ok(base) => break base,
                Err(_) => size /= 2,
            }
        };
        let limit = mman::max_map_count();
        Ok(AddressSpace::with_limits(
            base,
            size,
            root_flags,
            aslr,
            limit.saturating_sub(MAP_HEADROOM).max(16),
            limit.saturating_sub(PROTECT_HEADROOM).max(32),
        ))
    }

    /// An address space over an existing reservation, with explicit VMA limits (tests use
    /// small ones).
    pub fn with_limits(
        base: usize,
        size: usize,
        root_flags: VmarFlags,
        aslr: bool,
        map_vma_limit: usize,
        protect_vma_limit: usize,
    ) -> Arc<AddressSpace> {
        let root = VmarNode {
            base,
            size,
            flags: root_flags,
            parent: None,
            children: RegionMap::new(base, size),
        };
        let root_key = NodeKey { index: 0, gen: 0 };
        Arc::new(AddressSpace {
            base,
            size,
            aslr,
            map_vma_limit,
            protect_vma_limit,
            state: Mutex::new(AspaceState {
                slots: vec![Slot {
                    gen: 0,
                    node: Some(root),
                }],
                free: Vec::new(),
                root: root_key,
                vmas: 1,
                rng: host::mman::random_u64(),
                scratch: Vec::new(),
            }),
        })
    }

    /// Takes the address-space lock. A poisoned lock is taken anyway: every mutation
    /// leaves the state consistent before anything that can panic.
    pub fn lock(&self) -> MutexGuard<'_, AspaceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The reservation, `(base, size)`.
    pub fn reservation(&self) -> (usize, usize) {
        (self.base, self.size)
    }

    /// Placement entropy for children of a VMAR with `flags` (zircon-abi.md §3.3 step 3).
    pub fn entropy_bits(&self, flags: VmarFlags) -> u32 {
        if !self.aslr || flags.contains(VmarFlags::COMPACT) {
            0
        } else {
            ASLR_ENTROPY_BITS
        }
    }

    pub fn map_vma_limit(&self) -> usize {
        self.map_vma_limit
    }

    pub fn protect_vma_limit(&self) -> usize {
        self.protect_vma_limit
    }
}

impl AspaceState {
    pub fn root(&self) -> NodeKey {
        self.root
    }

    /// Current upper bound of host VMAs inside the reservation.
    pub fn vmas(&self) -> usize {
        self.vmas
    }

    /// The node, if it is alive.
    pub fn node(&self, key: NodeKey) -> Option<&VmarNode> {
        match self.slots.get(key.index as usize) {
            Some(Slot { gen, node: Some(n) }) if *gen == key.gen => Some(n),
            _ => None,
        }
    }

    pub fn node_mut(&mut self, key: NodeKey) -> Option<&mut VmarNode> {
        match self.slots.get_mut(key.index as usize) {
            Some(Slot { gen, node: Some(n) }) if *gen == key.gen => Some(n),
            _ => None,
        }
    }

    fn node_ok(&self, key: NodeKey) -> &VmarNode {
        self.node(key).expect("VMAR node vanished under the lock")
    }

    fn node_ok_mut(&mut self, key: NodeKey) -> &mut VmarNode {
        self.node_mut(key)
            .expect("VMAR node vanished under the lock")
    }

    /// Adds a sub-VMAR `[base, base + size)` to `parent` (which must have room there).
    pub fn add_vmar(
        &mut self,
        parent: NodeKey,
        base: usize,
        size: usize,
        flags: VmarFlags,
    ) -> NodeKey {
        let node = VmarNode {
            base,
            size,
            flags,
            parent: Some(parent),
            children: RegionMap::new(base, size),
        };
        let key = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.node = Some(node);
                NodeKey {
                    index,
                    gen: slot.gen,
                }
            }
            None => {
                self.slots.push(Slot {
                    gen: 0,
                    node: Some(node),
                });
                NodeKey {
                    index: (self.slots.len() - 1) as u32,
                    gen: 0,
                }
            }
        };
        self.node_ok_mut(parent)
            .children
            .insert(base, size, Child::Vmar(key));
        key
    }

    /// A random u64 (splitmix64).
    pub fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Chooses a start for a new child of `key` (zircon-abi.md §3.3).
    pub fn place(&mut self, key: NodeKey, req: &Placement) -> Option<usize> {
        let AspaceState { slots, rng, .. } = self;
        let node = match slots.get(key.index as usize) {
            Some(Slot { gen, node: Some(n) }) if *gen == key.gen => n,
            _ => return None,
        };
        let mut next = || {
            *rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        node.children.place(req, &mut next)
    }

    /// The mapping containing `addr`, as `(start, len)`, searching from `hint` when it
    /// contains `addr` (only its subtree can), else from the root.
    pub fn mapping_at(&self, hint: NodeKey, addr: usize) -> Option<(usize, usize)> {
        let mut key = match self.node(hint) {
            Some(n) if n.contains(addr) => hint,
            _ => self.root,
        };
        loop {
            match self.node(key)?.children.find(addr)? {
                (s, l, Child::Mapping(_)) => return Some((s, l)),
                (_, _, Child::Vmar(k)) => key = *k,
            }
        }
    }

    /// 1 if no mapping ends at `start` (a mapping starting there begins a new block).
    fn block_start(&self, hint: NodeKey, start: usize) -> usize {
        match start.checked_sub(1) {
            Some(prev) if self.mapping_at(hint, prev).is_some() => 0,
            _ => 1,
        }
    }

    /// 1 if a mapping starts exactly at `addr`.
    fn mapping_starts_at(&self, hint: NodeKey, addr: usize) -> usize {
        match self.mapping_at(hint, addr) {
            Some((s, _)) if s == addr => 1,
            _ => 0,
        }
    }

    /// Inserts a mapping into the model (the host already has it) and accounts its VMAs.
    /// Returns the free room beside it in `key`; where that room is non-zero no mapping
    /// can touch it on that side, so the account (and the caller's merge check) needs no
    /// lookup there.
    pub fn insert_mapping(
        &mut self,
        key: NodeKey,
        start: usize,
        len: usize,
        mapping: Mapping,
    ) -> Gaps {
        let runs = mapping.runs.count();
        let gaps = self
            .node_ok_mut(key)
            .children
            .insert(start, len, Child::Mapping(mapping));
        // The new child covers neither `start - 1` nor `start + len`, so looking there
        // after the insert sees what was there before.
        let (block, joined) = self.edges(key, start, len, gaps);
        self.vmas = self.vmas + runs + block - joined;
        gaps
    }

    /// Removes the mapping starting at `start` from the model and its VMA account.
    pub fn remove_mapping(&mut self, key: NodeKey, start: usize) -> (usize, Mapping) {
        let node = self.node_ok_mut(key);
        let (len, mapping, gaps) = match node.children.remove_with_gaps(start) {
            Some((len, Child::Mapping(m), gaps)) => (len, m, gaps),
            Some((len, child, _)) => {
                node.children.insert(start, len, child);
                panic!("remove_mapping: not a mapping");
            }
            None => panic!("remove_mapping: no child"),
        };
        let (block, split) = self.edges(key, start, len, gaps);
        self.vmas = self.vmas + split - mapping.runs.count() - block;
        (len, mapping)
    }

    /// For `[start, start + len)` in `key`, which is not in the model, with `gaps` of free
    /// room beside it: (1 if no mapping ends at `start`, 1 if a mapping starts at
    /// `start + len`). A side with free room has no mapping touching it; only a side
    /// without room needs a lookup (it may reach into a sub-VMAR or the parent).
    fn edges(&self, key: NodeKey, start: usize, len: usize, gaps: Gaps) -> (usize, usize) {
        let block = if gaps.before > 0 {
            1
        } else {
            self.block_start(key, start)
        };
        let next = if gaps.after > 0 {
            0
        } else {
            self.mapping_starts_at(key, start + len)
        };
        (block, next)
    }

    /// Replaces the runs of the mapping at `start`, adjusting the VMA account.
    pub fn set_runs(&mut self, key: NodeKey, start: usize, runs: Runs) {
        let node = self.node_ok_mut(key);
        let Some((_, Child::Mapping(m))) = node.children.get_mut(start) else {
            panic!("set_runs: no mapping");
        };
        let old = m.runs.count();
        let new = runs.count();
        m.runs = runs;
        self.vmas = self.vmas + new - old;
    }

    /// The mapping starting at `start` in `key`.
    pub fn mapping(&self, key: NodeKey, start: usize) -> Option<&Mapping> {
        match self.node(key)?.children.get(start)? {
            (_, Child::Mapping(m)) => Some(m),
            _ => None,
        }
    }

    /// Calls `f` for every mapping intersecting `[lo, hi)` in the subtree of `key`, in
    /// address order (depth-first); stops at the first error.
    pub fn walk_mappings(
        &self,
        key: NodeKey,
        lo: usize,
        hi: usize,
        f: &mut dyn FnMut(MappingRef<'_>) -> ZxResult,
    ) -> ZxResult {
        self.walk_inner(key, lo, hi, 0, f)
    }

    fn walk_inner(
        &self,
        key: NodeKey,
        lo: usize,
        hi: usize,
        depth: usize,
        f: &mut dyn FnMut(MappingRef<'_>) -> ZxResult,
    ) -> ZxResult {
        let Some(node) = self.node(key) else {
            return Ok(());
        };
        if hi <= lo {
            return Ok(());
        }
        for (start, len, child) in node.children.intersecting(lo, hi - lo) {
            match child {
                Child::Mapping(mapping) => f(MappingRef {
                    node: key,
                    depth,
                    start,
                    len,
                    mapping,
                })?,
                Child::Vmar(k) => self.walk_inner(*k, lo, hi, depth + 1, f)?,
            }
        }
        Ok(())
    }

    /// The lowest start and highest end of the mappings in the subtree of `key` within
    /// `[lo, hi)`, clipped to it; `None` if there are none.
    pub fn mapped_extent(&self, key: NodeKey, lo: usize, hi: usize) -> Option<(usize, usize)> {
        let mut extent: Option<(usize, usize)> = None;
        let _ = self.walk_mappings(key, lo, hi, &mut |m| {
            let s = m.start.max(lo);
            let e = m.end().min(hi);
            extent = Some(match extent {
                None => (s, e),
                Some((a, _)) => (a, e),
            });
            Ok(())
        });
        extent
    }

    /// Removes every mapping and sub-VMAR of `key` that intersects `[lo, hi)` from the
    /// model; mappings partly inside are trimmed to their remnants (zircon-abi.md §3.5), and
    /// sub-VMARs (which the caller checked are wholly inside) are destroyed. The host must
    /// already have been updated.
    pub fn clear_model(&mut self, key: NodeKey, lo: usize, hi: usize, graveyard: &mut Graveyard) {
        let mut starts = std::mem::take(&mut self.scratch);
        starts.clear();
        starts.extend(
            self.node_ok(key)
                .children
                .intersecting(lo, hi - lo)
                .map(|(s, _, _)| s),
        );
        for &start in &starts {
            let child_vmar = match self.node_ok(key).children.get(start) {
                Some((_, Child::Vmar(k))) => Some(*k),
                _ => None,
            };
            match child_vmar {
                Some(k) => self.destroy_model(k, graveyard),
                None => self.trim_mapping(key, start, lo, hi, graveyard),
            }
        }
        starts.clear();
        self.scratch = starts;
    }

    /// Cuts `[lo, hi)` out of the mapping at `start`, keeping the remnants.
    fn trim_mapping(
        &mut self,
        key: NodeKey,
        start: usize,
        lo: usize,
        hi: usize,
        graveyard: &mut Graveyard,
    ) {
        let (len, mapping) = self.remove_mapping(key, start);
        let end = start + len;
        let left = (start < lo).then(|| mapping.remnant(start, start, lo));
        let right = (end > hi).then(|| mapping.remnant(start, hi, end));
        match (&left, &right) {
            (Some(_), Some(_)) => mapping.vmo.add_mapping(),
            (None, None) => mapping.vmo.remove_mapping(),
            _ => {}
        }
        if let Some(l) = left {
            self.insert_mapping(key, start, lo - start, l);
        }
        if let Some(r) = right {
            self.insert_mapping(key, hi, end - hi, r);
        }
        graveyard.bury(mapping.vmo);
    }

    /// Destroys the subtree of `key` in the model: every mapping goes, every node dies, and
    /// `key` leaves its parent. The host must already have been updated.
    pub fn destroy_model(&mut self, key: NodeKey, graveyard: &mut Graveyard) {
        let mut nodes = vec![key];
        let mut mappings = Vec::new();
        let mut i = 0;
        while i < nodes.len() {
            for (start, _, child) in self.node_ok(nodes[i]).children.iter() {
                match child {
                    Child::Vmar(k) => nodes.push(*k),
                    Child::Mapping(_) => mappings.push((nodes[i], start)),
                }
            }
            i += 1;
        }
        for (k, start) in mappings {
            let (_, m) = self.remove_mapping(k, start);
            m.vmo.remove_mapping();
            graveyard.bury(m.vmo);
        }
        let (base, parent) = {
            let n = self.node_ok(key);
            (n.base, n.parent)
        };
        if let Some(p) = parent {
            self.node_ok_mut(p).children.remove(base);
        }
        for k in nodes {
            let slot = &mut self.slots[k.index as usize];
            slot.node = None;
            slot.gen = slot.gen.wrapping_add(1);
            self.free.push(k.index);
        }
    }

    /// Maps every run of `mapping` (placed at `[start, start + len)`) on the host. On
    /// failure the caller restores the host from the unchanged model with
    /// [`AspaceState::host_resync`].
    pub fn host_map(start: usize, len: usize, mapping: &Mapping) -> Result<(), Errno> {
        let fd = mapping.vmo.fd().as_fd();
        let mut result = Ok(());
        mapping
            .runs
            .for_each_in(start, start + len, start + len, |s, e, p| {
                if result.is_ok() {
                    result = mman::map_fixed_shared(
                        s,
                        e - s,
                        p.prot(),
                        fd,
                        mapping.vmo_offset_at(start, s),
                    );
                }
            });
        if let (Ok(()), Some(pager)) = (result, mapping.vmo.pager_link()) {
            // Pager-backed: faults on unsupplied pages go to the pager (object::pager).
            result = pager.register_mapping(start, len, mapping.vmo_offset);
        }
        result
    }

    /// Makes the host match the model over `[lo, hi)` again after a failed host call:
    /// every protection run is re-mapped and every other page given back to the
    /// reservation. Best effort: a failure here is logged, as nothing more can be done.
    pub fn host_resync(&self, lo: usize, hi: usize) {
        let mut cursor = lo;
        let mut failed = None;
        let mut note = |r: Result<(), Errno>| {
            if let Err(e) = r {
                failed.get_or_insert(e);
            }
        };
        let _ = self.walk_mappings(self.root, lo, hi, &mut |m| {
            let s0 = m.start.max(lo);
            if cursor < s0 {
                note(mman::release_to_reserve(cursor, s0 - cursor));
            }
            let fd = m.mapping.vmo.fd().as_fd();
            m.mapping.runs.for_each_in(s0, hi, m.end(), |s, e, p| {
                note(mman::map_fixed_shared(
                    s,
                    e - s,
                    p.prot(),
                    fd,
                    m.mapping.vmo_offset_at(m.start, s),
                ));
            });
            if let Some(pager) = m.mapping.vmo.pager_link() {
                let end = m.end().min(hi);
                note(pager.register_mapping(s0, end - s0, m.mapping.vmo_offset_at(m.start, s0)));
            }
            cursor = m.end().min(hi);
            Ok(())
        });
        if cursor < hi {
            note(mman::release_to_reserve(cursor, hi - cursor));
        }
        if let Some(e) = failed {
            tracing::error!(target: "zx_shim::vmar", "cannot restore [{lo:#x}, {hi:#x}) after a host failure: {e:?}");
        }
    }

    /// Populates page-table entries for the pages of mappings in `[lo, hi)` of the
    /// subtree of `key` that are readable and already present in their VMO; never
    /// allocates a page (vmar.fidl: op_range / MAP_RANGE).
    pub fn populate_present(&self, key: NodeKey, lo: usize, hi: usize) -> Result<(), Errno> {
        let mut result = Ok(());
        let _ = self.walk_mappings(key, lo, hi, &mut |m| {
            let mapping = m.mapping;
            let vmo_size = mapping.vmo.size();
            let fd = mapping.vmo.fd().as_fd();
            m.mapping
                .runs
                .for_each_in(lo.max(m.start), hi, m.end(), |s, e, p| {
                    if result.is_err() || !p.contains(Perms::READ) {
                        return;
                    }
                    let mut off = mapping.vmo_offset_at(m.start, s);
                    let end = mapping.vmo_offset_at(m.start, e).min(vmo_size);
                    while off < end {
                        match mman::next_data(fd, off, end) {
                            Ok(Some((ds, de))) => {
                                let addr = s + (ds - mapping.vmo_offset_at(m.start, s)) as usize;
                                if let Err(err) = mman::populate_read(addr, (de - ds) as usize) {
                                    result = Err(err);
                                    return;
                                }
                                off = de;
                            }
                            Ok(None) => break,
                            Err(err) => {
                                result = Err(err);
                                return;
                            }
                        }
                    }
                });
            Ok(())
        });
        result
    }

    /// The model over `[lo, hi)`: protection runs and bare-reservation pieces, in order,
    /// with adjacent entries of equal protection coalesced. Diagnostic.
    pub fn layout(&self, lo: usize, hi: usize) -> Vec<LayoutEntry> {
        let mut out: Vec<LayoutEntry> = Vec::new();
        let push = |out: &mut Vec<LayoutEntry>, start: usize, end: usize, perms: Option<Perms>| {
            if start >= end {
                return;
            }
            if let Some(last) = out.last_mut() {
                if last.end == start && last.perms == perms {
                    last.end = end;
                    return;
                }
            }
            out.push(LayoutEntry { start, end, perms });
        };
        let mut cursor = lo;
        let _ = self.walk_mappings(self.root, lo, hi, &mut |m| {
            push(&mut out, cursor, m.start.max(lo), None);
            m.mapping
                .runs
                .for_each_in(m.start.max(lo), hi, m.end(), |s, e, p| {
                    push(&mut out, s, e, Some(p));
                });
            cursor = m.end().min(hi);
            Ok(())
        });
        push(&mut out, cursor, hi, None);
        out
    }

    /// Recomputes the VMA bound from scratch (for tests of the incremental account).
    pub fn recount_vmas(&self) -> usize {
        let mut count = 1;
        let mut prev_end = None;
        let root = self.node_ok(self.root);
        let _ = self.walk_mappings(self.root, root.base, root.end(), &mut |m| {
            count += m.mapping.runs.count();
            if prev_end != Some(m.start) {
                count += 1;
            }
            prev_end = Some(m.end());
            Ok(())
        });
        count
    }
}
