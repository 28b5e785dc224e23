//! The ordered child map of one VMAR, with a free-gap index for O(log n) placement.
//!
//! # Layout
//! Children and free gaps share one B+ tree keyed by child start address. Its nodes sit
//! in index arenas and there is no `unsafe`.
//! * A leaf entry holds a child (start, length, value id) and the free gap after it, up
//!   to the next child or the end of the map. The gap from `base` to the first child is
//!   the *lead* gap, kept beside the tree. Leaves hold up to 16 entries as parallel
//!   arrays (512 bytes) and are linked in address order.
//! * The values sit in a slab of fixed chunks, with stable ids. A leaf shift never
//!   moves a value, and the slab never reallocates more than one chunk.
//! * An inner node holds up to 32 children. For each child it keeps the subtree's
//!   lowest start and the subtree's gap totals: the largest gap, the sum of gap
//!   lengths and the count of non-empty gaps. A descent never reads a node only for its
//!   totals.
//! * Separators are exact, so a free address always routes to the leaf holding the
//!   child before it. The gap that an insert splits and the gaps that a remove joins
//!   therefore sit in one leaf. The one exception is removing the first child of a
//!   leaf: the gap before it belongs to the previous leaf, which takes one more
//!   descent.
//! * Insert and remove are one descent, with no allocation except node splits and
//!   vector growth. They change one leaf and add the same difference to each total on
//!   the path; `max` is refolded only on the levels that lost their largest gap.
//!
//! A second index sorts the non-empty gaps into length classes: 8 classes per power of
//! two (`class_of`), exact below 16 bytes. Every class holds a vector of gap ids and the
//! sum of their lengths. Every power of two (a *group*) holds its count and sum, and the
//! index holds the count and sum of all gaps. The ids point into a slab that leaf
//! entries reference. A gap whose length stays in its class only changes sums; moving
//! it to another class is a swap-remove and a push. Both are O(1).
//!
//! The index exists only while the tree has more than one leaf. A map of at most 16
//! children places by scanning the 17 gaps of its one leaf, which its insert and
//! remove touch anyway. Such a map keeps no index and touches few cache lines. The
//! index is built (O(16)) when the root first splits, and dropped when the tree
//! shrinks back to one leaf.
//!
//! # Placement (zircon-abi.md §3.3)
//! Candidates are the `align`-aligned starts `s` with `[s, s+len)` inside one gap and
//! `s+len <= upper_limit`, numbered from the lowest address. Let T be their number and
//! W = 2^E. Zircon draws `i` from `[0, W)` and redraws from `[0, min(T, W))` if `i >= T`.
//! The result is exactly uniform over the lowest `min(T, W)` candidates.
//!
//! **First fit** (E = 0, and the start of every random window) walks the tree in
//! address order and skips subtrees whose largest gap is shorter than `len`. It is
//! exact. When gap starts are multiples of `align` (always true at page alignment,
//! because children are page aligned), every gap it reaches fits. It then costs one
//! root-to-leaf path. With a larger alignment it also inspects the gaps of length in
//! `[len, len + align)` whose misaligned start makes them miss. That costs O(log n) per
//! such gap ahead of the answer.
//!
//! **Random placement** (E > 0) gives every gap `g` (length `L`, clipped at the limit) a
//! stretch of a "proposal space" of `A` = `align` units per slot. Candidate `k` of
//! the gap owns the interval `[k·A, (k+1)·A)` of that stretch. The rest of the stretch is
//! *waste*: the room too short for a whole child or lost to alignment. Sampling draws a
//! uniform unit, maps it to its gap, and accepts it if it lies inside a candidate's
//! interval. Every candidate owns the same number of units, so an accepted draw is
//! exactly uniform over the candidates the space covers. Two spaces are used:
//! * **Whole map**, when there is no upper limit and
//!   `U = Σ_{L >= len} (L - len + A) <= W·A`. This uses the length classes, with
//!   stretch `L - len + A` for gaps with `L >= len`. Because `T·A <= U`, `T <= W`, so
//!   Zircon's distribution here is uniform over all T candidates. Ours is the same,
//!   exactly. At page alignment `U = T·A`, so this case is exactly Zircon's `T <= W`
//!   case. It needs no first fit: the exact fallback below finds a candidate whenever
//!   one exists.
//!   - *One leaf.* Without an index, U is summed over the leaf's gaps exactly, and a
//!     unit is mapped to its gap by the same scan.
//!   - *Classes above len.* Every class above the class of `len` holds only gaps with
//!     `L >= len`, so their totals give their share of U. They are the index totals
//!     less the few groups below `len`. Draws walk the groups from the longest gaps
//!     down, where most of the weight is.
//!   - *The class of len* covers lengths `[lo, lo + width)` with `lo <= len`. If
//!     `lo == len` it counts like the others. That holds for every page-multiple
//!     request of at most 15 pages, and for every power of two. Otherwise each of its
//!     gaps gets the stretch `lo + width - 1 - len + A`, and units beyond a gap's real
//!     candidates are rejected. That makes an upper bound `U+`; the decision
//!     `U <= W·A` is exact from the bounds, and only when W·A falls between them does
//!     it scan that one class.
//!   - *Inside a class* a gap's stretch is `(lo - len + A) + (L - lo)`. A unit in the
//!     first parts picks a member by index. A unit in the second parts picks a member
//!     with weight `L - lo < width` by rejection: a uniform member and offset in
//!     `[0, width)`, kept if the offset is below `L - lo`. After 32 rejections it scans
//!     the class. Both ways are exact.
//! * **Address window**, otherwise. This uses the tree with stretch
//!   `L + max(0, A - len)` for every gap. The stretch is linear in the subtree sums,
//!   which a length-dependent hinge would not be. The space starts at the gap of the
//!   first fit and is cut after `W·A` units (or at the limit). The accepted candidates
//!   are the lowest `N'` candidates. `N' <= min(T, W)` because their disjoint intervals
//!   fit in `W·A` units. **Ours is therefore uniform over a prefix of Zircon's candidate
//!   list, and never picks a start Zircon could not pick.**
//!   - If the cut does not bind (at most `W·A` units up to the limit), `N' = min(T, W)`
//!     exactly.
//!   - If it binds, at page alignment `N' = W - Σ_{covered gaps} min(L, len - A) / A`.
//!     For single-page requests that is exactly W. In general each covered gap wastes
//!     fewer than `max(len, A) + A` units, so `N' > W - 1 - gaps·(max(len, A) + A) / A`.
//!   - Example: with 60 000 children and 16-page requests at E = 30, at most
//!     60 000 · 15 of the 2^30 slots (0.08%) are lost, all at the top of the window.
//!
//! At page alignment the whole-map space wastes nothing outside a partial class of
//! `len`, so every draw is accepted; in a mostly free window the acceptance is close
//! to one. After `MAX_DRAWS` rejections (a window filled almost entirely by gaps too
//! short for the request), an exact enumeration of the gaps of length `>= len` in the
//! covered space picks uniformly from the same candidate set. It costs O(k log n) for k
//! such gaps. The `rng` draws are made unbiased by rejection, so the distribution
//! above holds exactly, not only up to modulo bias.
//!
//! # Cost
//! `place` visits O(log n) nodes, plus three rare cases: near-miss gaps at large
//! alignment, the enumeration fallback, and the scan of the class of `len` (only when
//! W·A falls between the bounds above, or after 32 rejections inside a class).
//! `last_place_visits` reports the tree nodes and gap-index probes of the last call;
//! each node visit scans at most 32 slots. Walking the group totals (at most 62) is not
//! counted. At 60 000 children a root-to-leaf path has about 4 nodes, and a placement
//! visits 1 (whole map) to 20 nodes. `insert` and `remove` are one descent, O(log n),
//! plus O(1) class updates. A second descent is needed only for splits, merges and a
//! removed first entry of a leaf. `benches/region_map.rs` measures them beside a bare
//! `BTreeMap`.
use std::sync::atomic::{AtomicUsize, Ordering};

/// Children of one VMAR keyed by absolute start address, with a free-gap index.
pub struct RegionMap<T> {
    base: usize,
    size: usize,
    tree: Tree,
    /// The children's values, referenced by the leaf entries.
    vals: Values<T>,
    /// Length of the gap from `base` to the first child (all of the map when empty).
    lead: usize,
    /// Length-index id of the lead gap; `NONE` when it is empty or not indexed.
    lead_id: u32,
    /// Whether `lens` holds the gaps: exactly when the tree has more than one leaf. A
    /// one-leaf map (up to 16 children) places by scanning its 17 gaps, in the leaf
    /// that its insert and remove touch anyway, and keeps no index at all.
    indexed: bool,
    lens: LenIndex,
    /// Tree nodes visited by the last `place` (a work counter for tests; relaxed atomics
    /// keep the map `Sync` and cost a plain store).
    visits: AtomicUsize,
}

/// Free bytes directly before and after a child, within the map (the room up to the
/// neighbouring child or the map's edge): 0 means it touches that neighbour or edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gaps {
    pub before: usize,
    pub after: usize,
}

/// A request to choose the start of a new child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Length of the child: page-aligned, > 0.
    pub len: usize,
    /// Alignment of the start: a power of two >= the page size.
    pub align: usize,
    /// Absolute address the child must end at or below (OFFSET_IS_UPPER_LIMIT).
    pub upper_limit: Option<usize>,
    /// ASLR entropy bits; 0 = lowest-address first fit (COMPACT, or ASLR off).
    pub entropy_bits: u32,
}

/// Rejected draws before `place` switches to exact enumeration.
const MAX_DRAWS: usize = 32;

/// Rejected member draws inside one length class before it is scanned.
const CLASS_DRAWS: usize = 32;

/// No arena slot (a missing leaf link or gap id).
const NONE: u32 = u32::MAX;

#[cold]
#[track_caller]
fn not_free(start: usize, len: usize) -> ! {
    panic!("RegionMap::insert: [{start:#x}, +{len:#x}) is not free space of the map")
}

impl<T> RegionMap<T> {
    pub fn new(base: usize, size: usize) -> Self {
        assert!(
            base.checked_add(size).is_some(),
            "region wraps the address space"
        );
        RegionMap {
            base,
            size,
            tree: Tree::new(),
            vals: Values::new(),
            lead: size,
            lead_id: NONE,
            indexed: false,
            lens: LenIndex::default(),
            visits: AtomicUsize::new(0),
        }
    }

    pub fn base(&self) -> usize {
        self.base
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn len(&self) -> usize {
        self.tree.count
    }

    pub fn is_empty(&self) -> bool {
        self.tree.count == 0
    }

    fn end(&self) -> usize {
        self.base + self.size
    }

    /// Tree nodes visited by the last `place`: a measure of its work.
    pub fn last_place_visits(&self) -> usize {
        self.visits.load(Ordering::Relaxed)
    }

    /// Total free bytes.
    pub fn free_bytes(&self) -> usize {
        self.lead + self.tree.total.sum
    }

    /// The free gaps in address order, as (start, len).
    pub fn gaps(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let lead = (self.lead > 0).then_some((self.base, self.lead));
        let rest = self.entries(self.tree.first_leaf(), 0);
        lead.into_iter()
            .chain(rest.filter(|e| e.gap > 0).map(|e| (e.start + e.len, e.gap)))
    }

    /// Inserts a child. Panics if `len == 0`, or if the child overlaps another child or
    /// leaves `[base, base+size)`. The check is the gap lookup the insert needs anyway,
    /// so it is made in release builds too: a silently corrupt index would hand out
    /// overlapping placements.
    ///
    /// Returns the free room left directly before and after the new child, which tells
    /// the caller whether it touches a neighbour without a second lookup.
    pub fn insert(&mut self, start: usize, len: usize, value: T) -> Gaps {
        let end = match start.checked_add(len) {
            Some(end) if len > 0 => end,
            _ => not_free(start, len),
        };
        let mut path = [(0, 0); MAX_HEIGHT];
        let (t, depth) = self.tree.descend(start, &mut path);
        let path = &path[..depth];
        let leaf = self.tree.leaf(t);
        let pos = leaf.count_le(start);
        // With exact separators only the leftmost leaf can route an address below its
        // first child: that address lies in the lead gap.
        debug_assert!(pos > 0 || path.iter().all(|p| p.1 == 0));
        let (gs, gl, gid) = match pos {
            0 => (self.base, self.lead, self.lead_id),
            _ => (leaf.end(pos - 1), leaf.gap[pos - 1], leaf.gid[pos - 1]),
        };
        if start < gs || end > gs + gl {
            not_free(start, len);
        }
        let (left, right) = (start - gs, gs + gl - end);
        // The gap keeps its id while it keeps a part; the part after the child moves
        // to the child's entry.
        let (left_id, right_id) = match (left > 0, right > 0) {
            _ if !self.indexed => (NONE, NONE),
            (true, true) => {
                self.lens.set(gid, gs, left);
                (gid, self.lens.add(end, right))
            }
            (true, false) => {
                self.lens.set(gid, gs, left);
                (gid, NONE)
            }
            (false, true) => {
                self.lens.set(gid, end, right);
                (NONE, gid)
            }
            (false, false) => {
                self.lens.remove(gid);
                (NONE, NONE)
            }
        };
        let entry = Entry {
            start,
            len,
            gap: right,
            gid: right_id,
            vid: self.vals.insert(value),
        };
        self.tree.count += 1;
        if pos == 0 {
            (self.lead, self.lead_id) = (left, left_id);
        }
        let room = self.tree.leaf(t).n < LEAF_CAP;
        if pos > 0 {
            let l = self.tree.leaf_mut(t);
            (l.gap[pos - 1], l.gid[pos - 1]) = (left, left_id);
        }
        if room {
            self.tree.leaf_mut(t).insert_at(pos, entry);
            let old: &[usize] = if pos > 0 { &[gl] } else { &[] };
            let new: &[usize] = if pos > 0 { &[left, right] } else { &[right] };
            self.tree.fix_path(path, t, old, new);
        } else {
            if pos > 0 {
                self.tree.fix_path(path, t, &[gl], &[left]);
            }
            self.tree.insert_entry(entry);
            self.sync_index();
        }
        Gaps {
            before: left,
            after: right,
        }
    }

    /// Builds or drops the length index when the tree gains or loses its inner levels:
    /// O(`LEAF_CAP`), at a root split or collapse, which cost as much themselves.
    fn sync_index(&mut self) {
        let want = self.tree.height > 0;
        if want == self.indexed {
            return;
        }
        self.indexed = want;
        if !want {
            self.lens.clear();
            self.lead_id = NONE;
            let root = self.tree.root;
            self.tree.leaf_mut(root).gid = [NONE; LEAF_CAP];
            return;
        }
        if self.lead > 0 {
            self.lead_id = self.lens.add(self.base, self.lead);
        }
        let mut t = self.tree.first_leaf();
        while t != NONE {
            let l = &mut self.tree.leaves[t as usize];
            for i in 0..l.n {
                if l.gap[i] > 0 {
                    l.gid[i] = self.lens.add(l.end(i), l.gap[i]);
                }
            }
            t = l.next;
        }
    }

    /// Removes the child starting exactly at `start`; returns (len, value).
    pub fn remove(&mut self, start: usize) -> Option<(usize, T)> {
        self.remove_with_gaps(start)
            .map(|(len, value, _)| (len, value))
    }

    /// [`RegionMap::remove`], also giving the free room that was directly before and
    /// after the child.
    pub fn remove_with_gaps(&mut self, start: usize) -> Option<(usize, T, Gaps)> {
        let mut path = [(0, 0); MAX_HEIGHT];
        let (t, depth) = self.tree.descend(start, &mut path);
        let path = &path[..depth];
        let l = self.tree.leaf(t);
        let i = l.count_le(start).checked_sub(1)?;
        if l.start[i] != start {
            return None;
        }
        let (clen, cgap, cid) = (l.len[i], l.gap[i], l.gid[i]);
        let owner = if i > 0 {
            Owner::Same
        } else if path.iter().all(|p| p.1 == 0) {
            Owner::Lead
        } else {
            Owner::Prev(self.tree.leaf_for(start - 1))
        };
        let (os, og, oid) = match owner {
            Owner::Same => (l.end(i - 1), l.gap[i - 1], l.gid[i - 1]),
            Owner::Lead => (self.base, self.lead, self.lead_id),
            Owner::Prev(pt) => {
                let pl = self.tree.leaf(pt);
                let j = pl.n - 1;
                (pl.end(j), pl.gap[j], pl.gid[j])
            }
        };
        let gaps = Gaps {
            before: og,
            after: cgap,
        };
        // The leaf keeps enough entries to lose one in place.
        let fast = l.n > LEAF_MIN || depth == 0;
        let joined = og + clen + cgap;
        // The joined gap keeps one of the two ids, preferably one already in its class
        // (a same-class move only changes sums).
        let (keep, drop) = match (oid != NONE, cid != NONE) {
            _ if !self.indexed => (NONE, NONE),
            (true, true) if class_of(cgap) == class_of(joined) => (cid, oid),
            (true, _) => (oid, cid),
            (false, _) => (cid, NONE),
        };
        let id = if keep != NONE {
            self.lens.set(keep, os, joined);
            keep
        } else if self.indexed {
            self.lens.add(os, joined)
        } else {
            NONE
        };
        if drop != NONE {
            self.lens.remove(drop);
        }
        self.tree.count -= 1;
        match owner {
            Owner::Same => {
                let l = self.tree.leaf_mut(t);
                (l.gap[i - 1], l.gid[i - 1]) = (joined, id);
                if fast {
                    let e = l.remove_at(i);
                    self.tree.fix_path(path, t, &[og, cgap], &[joined]);
                    return Some((clen, self.vals.take(e.vid), gaps));
                }
                self.tree.fix_path(path, t, &[og], &[joined]);
            }
            Owner::Lead => (self.lead, self.lead_id) = (joined, id),
            Owner::Prev(pt) => {
                let mut ppath = [(0, 0); MAX_HEIGHT];
                let (pt2, pdepth) = self.tree.descend(start - 1, &mut ppath);
                debug_assert_eq!(pt, pt2);
                let pl = self.tree.leaf_mut(pt);
                let j = pl.n - 1;
                (pl.gap[j], pl.gid[j]) = (joined, id);
                self.tree.fix_path(&ppath[..pdepth], pt, &[og], &[joined]);
            }
        }
        if fast && i == 0 {
            // The leaf's lowest start changes: it is the separator at the deepest level
            // that did not take the first child (none on the leftmost path).
            let l = self.tree.leaf_mut(t);
            let e = l.remove_at(0);
            let low = l.start[0];
            if let Some(&(p, j)) = path.iter().rev().find(|p| p.1 > 0) {
                self.tree.inners[p as usize].key[j] = low;
            }
            self.tree.fix_path(path, t, &[cgap], &[]);
            return Some((clen, self.vals.take(e.vid), gaps));
        }
        let e = self.tree.remove_entry(start);
        self.sync_index();
        Some((clen, self.vals.take(e.vid), gaps))
    }

    pub fn get(&self, start: usize) -> Option<(usize, &T)> {
        let l = self.tree.leaf(self.tree.leaf_for(start));
        let i = l.count_le(start).checked_sub(1)?;
        (l.start[i] == start).then(|| (l.len[i], self.vals.get(l.vid[i])))
    }

    pub fn get_mut(&mut self, start: usize) -> Option<(usize, &mut T)> {
        let l = self.tree.leaf(self.tree.leaf_for(start));
        let i = l.count_le(start).checked_sub(1)?;
        if l.start[i] != start {
            return None;
        }
        let (len, vid) = (l.len[i], l.vid[i]);
        Some((len, self.vals.get_mut(vid)))
    }

    /// The child containing `addr`, as (start, len, &value).
    pub fn find(&self, addr: usize) -> Option<(usize, usize, &T)> {
        let l = self.tree.leaf(self.tree.leaf_for(addr));
        let i = l.count_le(addr).checked_sub(1)?;
        (addr - l.start[i] < l.len[i]).then(|| (l.start[i], l.len[i], self.vals.get(l.vid[i])))
    }

    /// Children intersecting [start, start+len), in address order: (start, len, &value).
    /// A range running past the end of the address space is cut there.
    pub fn intersecting(
        &self,
        start: usize,
        len: usize,
    ) -> impl Iterator<Item = (usize, usize, &T)> + '_ {
        let end = start.saturating_add(len);
        let t = self.tree.leaf_for(start);
        let l = self.tree.leaf(t);
        let mut pos = l.count_le(start);
        if pos > 0 && start - l.start[pos - 1] < l.len[pos - 1] {
            pos -= 1;
        }
        let t = if len == 0 { NONE } else { t };
        self.entries(t, pos)
            .take_while(move |e| e.start < end)
            .map(|e| (e.start, e.len, e.val))
    }

    /// Starts of the children intersecting the range (for callers that then mutate).
    pub fn intersecting_starts(&self, start: usize, len: usize) -> Vec<usize> {
        self.intersecting(start, len).map(|(s, _, _)| s).collect()
    }

    /// True if [start, start+len) lies inside the map and intersects no child.
    pub fn is_free(&self, start: usize, len: usize) -> bool {
        let Some(end) = start.checked_add(len) else {
            return false;
        };
        if len == 0 {
            return start >= self.base && end <= self.end();
        }
        let (gs, gl) = self.gap_before(start);
        gs <= start && end <= gs + gl
    }

    /// The gap after the last child starting at or below `addr`, or the lead gap if
    /// there is none, as (start, len): the only gap that can hold `addr`. May be empty.
    fn gap_before(&self, addr: usize) -> (usize, usize) {
        let l = self.tree.leaf(self.tree.leaf_for(addr));
        match l.count_le(addr).checked_sub(1) {
            Some(i) => (l.end(i), l.gap[i]),
            None => (self.base, self.lead),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &T)> + '_ {
        self.entries(self.tree.first_leaf(), 0)
            .map(|e| (e.start, e.len, e.val))
    }

    /// Children in address order from a leaf position, along the leaf links.
    fn entries(&self, leaf: u32, pos: usize) -> Entries<'_, T> {
        Entries {
            tree: &self.tree,
            vals: &self.vals,
            leaf,
            pos,
        }
    }

    /// Chooses a start for a new child (see the module doc for the exact distribution).
    /// None = no room (caller maps to NO_MEMORY / NO_RESOURCES), also for `len == 0` or
    /// an alignment that is not a power of two.
    pub fn place(&self, req: &Placement, rng: &mut dyn FnMut() -> u64) -> Option<usize> {
        let mut visits = 0;
        let result = self.place_counted(req, rng, &mut visits);
        self.visits.store(visits, Ordering::Relaxed);
        result
    }

    fn place_counted(
        &self,
        req: &Placement,
        rng: &mut dyn FnMut() -> u64,
        visits: &mut usize,
    ) -> Option<usize> {
        let (len, align) = (req.len, req.align);
        if len == 0 || !align.is_power_of_two() {
            return None;
        }
        let limit = req.upper_limit.map_or(self.end(), |u| u.min(self.end()));
        let q = Query { len, align, limit };
        if req.entropy_bits == 0 {
            return self.first_fit(&q, visits).map(|f| f.slot);
        }
        let space = self.space(&q, req.entropy_bits, visits)?;
        for _ in 0..MAX_DRAWS {
            let r = uniform_below(space.units(), rng);
            if let Some(slot) = self.try_unit(&space, &q, r, rng, visits) {
                return Some(slot);
            }
        }
        self.enumerate_pick(&space, &q, rng, visits)
    }

    /// The proposal space of a random placement (see the module doc); None if no gap
    /// can hold a candidate. The whole-map space needs no first fit: it holds a
    /// candidate whenever one exists, and the exact fallback finds it.
    fn space(&self, q: &Query, entropy_bits: u32, visits: &mut usize) -> Option<Space> {
        let window = 1u128 << entropy_bits.min(64);
        let cap = window * q.align as u128;
        if q.limit == self.end() && !self.indexed {
            let units = self.leaf_units(q);
            if units == 0 {
                return None;
            }
            if units <= cap {
                return Some(Space::Leaf { units });
            }
        }
        if q.limit == self.end() && self.indexed {
            let w = self.lens.weights(q.len, q.align);
            if w.units() == 0 {
                return None;
            }
            let whole = if w.units() <= cap {
                true
            } else if w.lower > cap {
                false
            } else {
                w.lower + self.lens.boundary_exact(&w, visits) <= cap
            };
            if whole {
                return Some(Space::WholeMap(w));
            }
        }
        let first_gap = self.first_fit(q, visits)?.gap_start;
        let kappa = q.align.saturating_sub(q.len);
        let from = self.prefix_weight(first_gap, kappa, visits);
        let to = if q.limit == self.end() {
            self.total_weight(kappa)
        } else {
            let mut to = self.prefix_weight(q.limit, kappa, visits);
            let (gs, gl) = self.gap_before(q.limit);
            if gs < q.limit && gs + gl > q.limit {
                to -= (gs + gl - q.limit) as u128;
            }
            to
        };
        Some(Space::Window {
            first_gap,
            from,
            units: (to - from).min(cap),
            kappa,
        })
    }

    /// Maps proposal unit `r` to the candidate owning it, if any.
    fn try_unit(
        &self,
        space: &Space,
        q: &Query,
        r: u128,
        rng: &mut dyn FnMut() -> u64,
        visits: &mut usize,
    ) -> Option<usize> {
        let a = q.align as u128;
        match *space {
            Space::WholeMap(ref w) => {
                let (gs, gl, offset) = self.lens.select(w, r, rng, visits)?;
                slot_in_gap(gs, gs + gl, q, offset >> q.align.trailing_zeros())
            }
            Space::Leaf { .. } => {
                let (gs, gl, offset) = self.leaf_select(q, r);
                slot_in_gap(gs, gs + gl, q, offset >> q.align.trailing_zeros())
            }
            Space::Window {
                from, units, kappa, ..
            } => {
                let (gs, gl, before) = self.select_weight(from + r, kappa, visits);
                let k = (from + r - before) >> q.align.trailing_zeros();
                let slot = slot_in_gap(gs, (gs + gl).min(q.limit), q, k)?;
                // The candidate's whole interval must lie in the window.
                (before + (k + 1) * a <= from + units).then_some(slot)
            }
        }
    }

    /// Exact uniform choice over the same candidates, by walking the gaps of length
    /// `>= len` that the space covers.
    fn enumerate_pick(
        &self,
        space: &Space,
        q: &Query,
        rng: &mut dyn FnMut() -> u64,
        visits: &mut usize,
    ) -> Option<usize> {
        let (first_gap, end_units, kappa) = match *space {
            Space::WholeMap(_) | Space::Leaf { .. } => {
                (self.base, u128::MAX, q.align.saturating_sub(q.len))
            }
            Space::Window {
                first_gap,
                from,
                units,
                kappa,
            } => (first_gap, from + units, kappa),
        };
        let mut runs: Vec<(usize, u128)> = Vec::new();
        let a = q.align as u128;
        self.walk_fitting(first_gap, q.len, kappa, visits, &mut |gs, gl, before| {
            if before >= end_units {
                return false;
            }
            let ge = (gs + gl).min(q.limit);
            if let Some(s0) = slot_in_gap(gs, ge, q, 0) {
                let fit = ((ge - q.len - s0) / q.align) as u128 + 1;
                let in_window = (end_units - before) / a;
                runs.push((s0, fit.min(in_window)));
            }
            true
        });
        let total: u128 = runs.iter().map(|r| r.1).sum();
        if total == 0 {
            return None;
        }
        let mut i = uniform_below(total, rng);
        for (s0, n) in runs {
            if i < n {
                return Some(s0 + i as usize * q.align);
            }
            i -= n;
        }
        None
    }

    /// `U = Σ_{L >= len} (L - len + A)` over the lead gap and the only leaf.
    fn leaf_units(&self, q: &Query) -> u128 {
        debug_assert_eq!(self.tree.height, 0);
        let l = self.tree.leaf(self.tree.root);
        let w = |g: usize| whole_weight(g, q);
        w(self.lead) + l.gap[..l.n].iter().map(|&g| w(g)).sum::<u128>()
    }

    /// The gap holding unit `r < leaf_units(q)` of the whole-map space, as (start, len,
    /// offset in its stretch), in address order.
    fn leaf_select(&self, q: &Query, mut r: u128) -> (usize, usize, u128) {
        let w = whole_weight(self.lead, q);
        if r < w {
            return (self.base, self.lead, r);
        }
        r -= w;
        let l = self.tree.leaf(self.tree.root);
        for i in 0..l.n {
            let w = whole_weight(l.gap[i], q);
            if r < w {
                return (l.end(i), l.gap[i], r);
            }
            r -= w;
        }
        unreachable!("leaf_select past the total")
    }

    /// Weight of the lead gap with `len + kappa` per gap.
    fn lead_weight(&self, kappa: usize) -> u128 {
        gap_weight(self.lead, kappa)
    }

    /// The lowest candidate for `q`: the lead gap, then the tree.
    fn first_fit(&self, q: &Query, visits: &mut usize) -> Option<FirstFit> {
        if self.lead >= q.len {
            if !fits_below(self.base, q) {
                return None;
            }
            let end = (self.base + self.lead).min(q.limit);
            if let Some(slot) = slot_in_gap(self.base, end, q, 0) {
                return Some(FirstFit {
                    gap_start: self.base,
                    slot,
                });
            }
        }
        match self
            .tree
            .first_fit_rec(self.tree.root, self.tree.height, q, visits)
        {
            Flow::Found(f) => Some(f),
            Flow::Stop | Flow::Continue => None,
        }
    }

    /// Sum of `len + kappa` over the gaps starting below `addr`.
    fn prefix_weight(&self, addr: usize, kappa: usize, visits: &mut usize) -> u128 {
        let lead = if self.base < addr {
            self.lead_weight(kappa)
        } else {
            0
        };
        lead + self.tree.prefix_weight(addr, kappa, visits)
    }

    fn total_weight(&self, kappa: usize) -> u128 {
        self.lead_weight(kappa) + self.tree.total.weight(kappa)
    }

    /// The gap whose stretch `[before, before + len + kappa)` holds `r`, as
    /// (start, len, before). `r` must be below the total weight.
    fn select_weight(&self, r: u128, kappa: usize, visits: &mut usize) -> (usize, usize, u128) {
        let lead = self.lead_weight(kappa);
        if r < lead {
            return (self.base, self.lead, 0);
        }
        let (gs, gl, before) = self.tree.select_weight(r - lead, kappa, visits);
        (gs, gl, before + lead)
    }

    /// Calls `f(start, len, before)` in address order for the gaps of length `>= len`
    /// starting at or after `from_start`, where `before` is the total weight
    /// (`len + kappa` per gap) of all gaps below. Stops when `f` returns false. Visits
    /// one path plus O(log n) nodes per gap reported.
    fn walk_fitting(
        &self,
        from_start: usize,
        len: usize,
        kappa: usize,
        visits: &mut usize,
        f: &mut dyn FnMut(usize, usize, u128) -> bool,
    ) {
        if self.lead > 0
            && self.base >= from_start
            && self.lead >= len
            && !f(self.base, self.lead, 0)
        {
            return;
        }
        let mut walk = Walk {
            tree: &self.tree,
            from_start,
            len,
            kappa,
            visits,
            before: self.lead_weight(kappa),
            f,
        };
        walk.rec(self.tree.root, self.tree.height);
    }

    /// Checks every internal invariant; panics with a description on failure.
    #[cfg(test)]
    fn check_invariants(&self) {
        let mut expect = Vec::new();
        let mut cursor = self.base;
        for (s, l, _) in self.iter() {
            assert!(l > 0 && s >= cursor, "child {s:#x} overlaps or is empty");
            if s > cursor {
                expect.push((cursor, s - cursor));
            }
            cursor = s + l;
        }
        assert!(cursor <= self.end(), "child past the end");
        if cursor < self.end() {
            expect.push((cursor, self.end() - cursor));
        }
        let got: Vec<_> = self.gaps().collect();
        assert_eq!(got, expect, "tree gaps disagree with the children");
        assert_eq!(self.iter().count(), self.tree.count, "child count");
        let first = self.iter().next().map_or(self.end(), |c| c.0);
        assert_eq!(self.lead, first - self.base, "lead gap");
        self.tree.check();
        // When indexed, every non-empty gap, and only those, has a live id in the length
        // index; otherwise the index is empty and no gap has an id.
        assert_eq!(
            self.indexed,
            self.tree.height > 0,
            "index without inner levels"
        );
        let mut ids = Vec::new();
        let has_id = |gap: usize| self.indexed && gap > 0;
        assert_eq!(self.lead_id != NONE, has_id(self.lead), "lead gap id");
        if has_id(self.lead) {
            ids.push((self.lead_id, self.base, self.lead));
        }
        for e in self.entries(self.tree.first_leaf(), 0) {
            assert_eq!(e.gid != NONE, has_id(e.gap), "gap id of {:#x}", e.start);
            if has_id(e.gap) {
                ids.push((e.gid, e.start + e.len, e.gap));
            }
        }
        self.lens.check(&ids);
        self.vals.check(&self.tree);
    }
}

/// Where the gap before a removed child lives.
#[derive(Clone, Copy)]
enum Owner {
    /// The entry before it in the same leaf.
    Same,
    /// The lead gap: the child is the first of the map.
    Lead,
    /// The last entry of this (previous) leaf.
    Prev(u32),
}

#[derive(Clone, Copy)]
struct Query {
    len: usize,
    align: usize,
    /// Effective upper limit: `min(upper_limit, base + size)`.
    limit: usize,
}

/// Whether a child of `q.len` starting at `start` ends at or below the limit.
fn fits_below(start: usize, q: &Query) -> bool {
    matches!(start.checked_add(q.len), Some(e) if e <= q.limit)
}

/// The proposal space of a random placement (see the module doc).
enum Space {
    /// Length classes; gaps with `L >= len`, stretch `L - len + A`.
    WholeMap(LenWeights),
    /// The same space in a one-leaf map, by scanning its gaps; `units` is `U` exactly.
    Leaf { units: u128 },
    /// Address order from the first fit's gap (at `first_gap`); stretch `L + kappa`;
    /// `units` after `from`.
    Window {
        first_gap: usize,
        from: u128,
        units: u128,
        kappa: usize,
    },
}

impl Space {
    fn units(&self) -> u128 {
        match *self {
            Space::WholeMap(ref w) => w.units(),
            Space::Leaf { units } | Space::Window { units, .. } => units,
        }
    }
}

/// Candidate `k` of the gap [gs, ge): the k-th aligned start whose child ends by `ge`.
fn slot_in_gap(gs: usize, ge: usize, q: &Query, k: u128) -> Option<usize> {
    let first = gs.checked_add(q.align - 1)? & !(q.align - 1);
    let slot = usize::try_from(k)
        .ok()
        .and_then(|k| k.checked_mul(q.align))
        .and_then(|off| first.checked_add(off))?;
    let end = slot.checked_add(q.len)?;
    (end <= ge).then_some(slot)
}

/// A uniform draw from `[0, n)`, `n >= 1`, unbiased: masked draws are rejected until
/// one is below `n`. Each try succeeds with probability > 1/2. After 64 failed tries
/// (only a broken `rng` gets there) it reduces modulo `n`.
fn uniform_below(n: u128, rng: &mut dyn FnMut() -> u64) -> u128 {
    debug_assert!(n >= 1);
    if n == 1 {
        return 0;
    }
    let bits = 128 - (n - 1).leading_zeros();
    let mask = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let mut x = 0;
    for _ in 0..64 {
        x = rng() as u128;
        if bits > 64 {
            x = x << 64 | rng() as u128;
        }
        x &= mask;
        if x < n {
            return x;
        }
    }
    x % n
}

/// `(a / b, a % b)`, in 64 bits when both fit (a 128-bit division is a slow call).
#[inline]
fn div_rem(a: u128, b: u128) -> (u128, u128) {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => ((a / b).into(), (a % b).into()),
        _ => (a / b, a % b),
    }
}

/// Whole-map stretch of one gap: `L - len + A` if `L >= len`, else none.
fn whole_weight(l: usize, q: &Query) -> u128 {
    if l >= q.len {
        (l - q.len) as u128 + q.align as u128
    } else {
        0
    }
}

/// Proposal-space weight of one gap with `len + kappa` per gap (an empty gap has none).
fn gap_weight(len: usize, kappa: usize) -> u128 {
    if len == 0 {
        0
    } else {
        len as u128 + kappa as u128
    }
}

// ---------------------------------------------------------------------------------------
// The tree of children and gaps.

/// Entries per leaf. Leaves hold the values, so they are kept short to keep shifts cheap.
const LEAF_CAP: usize = 16;
/// A non-root leaf with fewer entries is merged with or refilled from a neighbour.
const LEAF_MIN: usize = LEAF_CAP / 2;
/// Children per inner node.
const CAP: usize = 32;
/// A non-root inner node with fewer children is merged or refilled.
const MIN_FILL: usize = CAP / 2;

/// Levels a tree can have: 16 would need more than 8 · 16^14 children.
const MAX_HEIGHT: usize = 16;

/// The inner nodes (and child indices) from the root down to a leaf.
type Path = [(u32, usize); MAX_HEIGHT];

/// Gap totals of a subtree. Empty gaps count for nothing.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Agg {
    max: usize,
    sum: usize,
    count: usize,
}

impl Agg {
    #[cfg(test)]
    fn add(self, o: Agg) -> Agg {
        Agg {
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
            count: self.count + o.count,
        }
    }

    /// Adds one gap; `max` stays exact.
    #[inline]
    fn plus(&mut self, len: usize) {
        if len > 0 {
            self.max = self.max.max(len);
            self.sum += len;
            self.count += 1;
        }
    }

    /// Removes one gap; `max` may be left too high (the caller refolds).
    #[inline]
    fn minus(&mut self, len: usize) {
        if len > 0 {
            self.sum -= len;
            self.count -= 1;
        }
    }

    /// Proposal-space weight with `len + kappa` per gap.
    fn weight(self, kappa: usize) -> u128 {
        self.sum as u128 + self.count as u128 * kappa as u128
    }
}

/// A child and the gap after it, moving in or out of a leaf.
#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    len: usize,
    gap: usize,
    gid: u32,
    vid: u32,
}

/// Up to `LEAF_CAP` entries in start order, as parallel arrays.
#[derive(Clone, Copy)]
struct Leaf {
    n: usize,
    /// The next leaf in address order.
    next: u32,
    start: [usize; LEAF_CAP],
    len: [usize; LEAF_CAP],
    /// The free gap after the child: up to the next child or the end of the map.
    gap: [usize; LEAF_CAP],
    /// Length-index id of that gap; `NONE` when it is empty.
    gid: [u32; LEAF_CAP],
    /// Id of the child's value in `Values`.
    vid: [u32; LEAF_CAP],
}

impl Leaf {
    const EMPTY: Leaf = Leaf {
        n: 0,
        next: NONE,
        start: [0; LEAF_CAP],
        len: [0; LEAF_CAP],
        gap: [0; LEAF_CAP],
        gid: [NONE; LEAF_CAP],
        vid: [NONE; LEAF_CAP],
    };

    /// Number of entries starting at or below `k`.
    fn count_le(&self, k: usize) -> usize {
        match self.n.checked_sub(1) {
            // Past the last entry: the common case of a map filled from the bottom.
            Some(last) if self.start[last] <= k => self.n,
            // A branch-free count beats a binary search on 16 keys.
            _ => self.start[..self.n]
                .iter()
                .map(|&s| usize::from(s <= k))
                .sum(),
        }
    }

    fn end(&self, i: usize) -> usize {
        self.start[i] + self.len[i]
    }

    fn largest(&self) -> usize {
        largest_of(&self.gap[..self.n])
    }

    fn agg(&self) -> Agg {
        // A fixed-length loop over masked slots: branch-free and vectorised.
        let mut a = Agg::default();
        for (i, &g) in self.gap.iter().enumerate() {
            let g = if i < self.n { g } else { 0 };
            a.max = a.max.max(g);
            a.sum += g;
            a.count += usize::from(g > 0);
        }
        a
    }

    fn insert_at(&mut self, pos: usize, e: Entry) {
        debug_assert!(self.n < LEAF_CAP && pos <= self.n);
        if pos == self.n {
            // Appending (a leaf filled from the bottom, or a VMAR's only child): no shift.
            self.start[pos] = e.start;
            self.len[pos] = e.len;
            self.gap[pos] = e.gap;
            self.gid[pos] = e.gid;
            self.vid[pos] = e.vid;
            self.n += 1;
            return;
        }
        open_slot(&mut self.start, pos, e.start);
        open_slot(&mut self.len, pos, e.len);
        open_slot(&mut self.gap, pos, e.gap);
        open_slot(&mut self.gid, pos, e.gid);
        open_slot(&mut self.vid, pos, e.vid);
        self.n += 1;
    }

    fn remove_at(&mut self, pos: usize) -> Entry {
        let e = Entry {
            start: self.start[pos],
            len: self.len[pos],
            gap: self.gap[pos],
            gid: self.gid[pos],
            vid: self.vid[pos],
        };
        // Removing the last entry needs no shift: slots past `n` are never read.
        if pos + 1 < self.n {
            close_slot(&mut self.start, pos);
            close_slot(&mut self.len, pos);
            close_slot(&mut self.gap, pos);
            close_slot(&mut self.gid, pos);
            close_slot(&mut self.vid, pos);
        }
        self.n -= 1;
        e
    }

    /// Moves the entries `[0, n)` to `[m, n + m)`, leaving `m` empty slots in front.
    fn shift_right(&mut self, m: usize) {
        let n = self.n;
        self.start.copy_within(..n, m);
        self.len.copy_within(..n, m);
        self.gap.copy_within(..n, m);
        self.gid.copy_within(..n, m);
        self.vid.copy_within(..n, m);
    }

    /// Moves the entries `[m, n)` to `[0, n - m)`.
    fn shift_left(&mut self, m: usize) {
        let n = self.n;
        self.start.copy_within(m..n, 0);
        self.len.copy_within(m..n, 0);
        self.gap.copy_within(m..n, 0);
        self.gid.copy_within(m..n, 0);
        self.vid.copy_within(m..n, 0);
    }
}

/// The largest of `a` (0 if it is empty), as four interleaved maxima: the baseline
/// x86-64 target has no 64-bit vector max, and one running maximum would be a chain of
/// dependent compares.
#[inline]
fn largest_of(a: &[usize]) -> usize {
    let mut m = [0usize; 4];
    let mut quads = a.chunks_exact(4);
    for q in &mut quads {
        for k in 0..4 {
            m[k] = m[k].max(q[k]);
        }
    }
    for &x in quads.remainder() {
        m[0] = m[0].max(x);
    }
    m[0].max(m[1]).max(m[2].max(m[3]))
}

/// Shifts `a[pos..]` up by one (the last slot falls off) and writes `x` at `pos`. The
/// array is rebuilt as a blend of itself and a copy shifted by one slot, both of fixed
/// length, which compiles to straight-line moves: for 16 slots that is as fast as a
/// `memmove` call per array (five per entry) and has no call overhead.
#[inline]
fn open_slot<X: Copy>(a: &mut [X; LEAF_CAP], pos: usize, x: X) {
    let old = *a;
    let mut up = old;
    up[1..].copy_from_slice(&old[..LEAF_CAP - 1]);
    for (i, slot) in a.iter_mut().enumerate() {
        *slot = if i < pos { old[i] } else { up[i] };
    }
    a[pos] = x;
}

/// Shifts `a[pos + 1..]` down by one over `a[pos]` (the last slot keeps its value).
#[inline]
fn close_slot<X: Copy>(a: &mut [X; LEAF_CAP], pos: usize) {
    let old = *a;
    let mut down = old;
    down[..LEAF_CAP - 1].copy_from_slice(&old[1..]);
    for (i, slot) in a.iter_mut().enumerate() {
        *slot = if i < pos { old[i] } else { down[i] };
    }
}

/// Copies `count` entries from `src[from..]` over `dst[to..]`. Neither
/// `n` changes.
fn move_entries(src: &Leaf, from: usize, dst: &mut Leaf, to: usize, count: usize) {
    let (s, d) = (from..from + count, to..to + count);
    dst.start[d.clone()].copy_from_slice(&src.start[s.clone()]);
    dst.len[d.clone()].copy_from_slice(&src.len[s.clone()]);
    dst.gap[d.clone()].copy_from_slice(&src.gap[s.clone()]);
    dst.gid[d.clone()].copy_from_slice(&src.gid[s.clone()]);
    dst.vid[d].copy_from_slice(&src.vid[s]);
}

/// Two distinct elements of a slice, mutably.
fn two_mut<X>(v: &mut [X], a: usize, b: usize) -> (&mut X, &mut X) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

/// `key[i]` is the lowest start in child `i` for `i >= 1` (exact, not just a bound);
/// `key[0]` is not used for routing and may be stale. `max[i]`, `sum[i]` and `count[i]`
/// are child `i`'s gap totals (kept as separate arrays, so scans and refolds read only
/// the one they need), and descents never read a child just for its totals.
#[derive(Clone, Copy)]
struct Inner {
    n: usize,
    key: [usize; CAP],
    child: [u32; CAP],
    max: [usize; CAP],
    sum: [usize; CAP],
    count: [usize; CAP],
}

impl Inner {
    fn empty() -> Inner {
        Inner {
            n: 0,
            key: [0; CAP],
            child: [0; CAP],
            max: [0; CAP],
            sum: [0; CAP],
            count: [0; CAP],
        }
    }

    /// The child whose key range holds `k`.
    fn route(&self, k: usize) -> usize {
        let last = self.n.max(1) - 1;
        // Appends past the last child (a map filled from the bottom) skip the count.
        if last > 0 && self.key[last] <= k {
            return last;
        }
        // A branch-free count beats a binary search on 32 keys, cold or hot.
        self.key[1..last.max(1)]
            .iter()
            .map(|&s| usize::from(s <= k))
            .sum()
    }

    fn agg(&self, i: usize) -> Agg {
        Agg {
            max: self.max[i],
            sum: self.sum[i],
            count: self.count[i],
        }
    }

    fn set(&mut self, i: usize, a: Agg) {
        (self.max[i], self.sum[i], self.count[i]) = (a.max, a.sum, a.count);
    }

    /// Proposal-space weight of child `i` with `len + kappa` per gap.
    fn weight(&self, i: usize, kappa: usize) -> u128 {
        self.agg(i).weight(kappa)
    }

    /// Totals of the whole node.
    fn total(&self) -> Agg {
        let n = self.n;
        Agg {
            max: self.largest(),
            sum: self.sum[..n].iter().sum(),
            count: self.count[..n].iter().sum(),
        }
    }

    fn largest(&self) -> usize {
        largest_of(&self.max[..self.n])
    }

    /// Copies `count` slots of `src` from `from` to `at`.
    fn copy_slots(&mut self, at: usize, src: &Inner, from: usize, count: usize) {
        let (s, d) = (from..from + count, at..at + count);
        self.key[d.clone()].copy_from_slice(&src.key[s.clone()]);
        self.child[d.clone()].copy_from_slice(&src.child[s.clone()]);
        self.max[d.clone()].copy_from_slice(&src.max[s.clone()]);
        self.sum[d.clone()].copy_from_slice(&src.sum[s.clone()]);
        self.count[d].copy_from_slice(&src.count[s]);
    }

    /// Moves the slots `range` to start at `at`.
    fn move_slots(&mut self, range: std::ops::Range<usize>, at: usize) {
        self.key.copy_within(range.clone(), at);
        self.child.copy_within(range.clone(), at);
        self.max.copy_within(range.clone(), at);
        self.sum.copy_within(range.clone(), at);
        self.count.copy_within(range, at);
    }

    fn remove_slot(&mut self, i: usize) {
        self.move_slots(i + 1..self.n, i);
        self.n -= 1;
    }

    fn insert_slot(&mut self, i: usize, key: usize, child: u32, agg: Agg) {
        self.move_slots(i..self.n, i + 1);
        self.key[i] = key;
        self.child[i] = child;
        self.set(i, agg);
        self.n += 1;
    }
}

struct FirstFit {
    gap_start: usize,
    slot: usize,
}

enum Flow {
    Found(FirstFit),
    Stop,
    Continue,
}

/// A child as the iterators see it.
struct EntryRef<'a, T> {
    start: usize,
    len: usize,
    gap: usize,
    #[cfg(test)]
    gid: u32,
    val: &'a T,
}

/// Entries in address order from a leaf position, along the leaf links.
struct Entries<'a, T> {
    tree: &'a Tree,
    vals: &'a Values<T>,
    leaf: u32,
    pos: usize,
}

impl<'a, T> Iterator for Entries<'a, T> {
    type Item = EntryRef<'a, T>;

    fn next(&mut self) -> Option<EntryRef<'a, T>> {
        loop {
            if self.leaf == NONE {
                return None;
            }
            let l = self.tree.leaf(self.leaf);
            if self.pos < l.n {
                let i = self.pos;
                self.pos += 1;
                return Some(EntryRef {
                    start: l.start[i],
                    len: l.len[i],
                    gap: l.gap[i],
                    #[cfg(test)]
                    gid: l.gid[i],
                    val: self.vals.get(l.vid[i]),
                });
            }
            (self.leaf, self.pos) = (l.next, 0);
        }
    }
}

/// The children of one map in a B+ tree keyed by start, in index arenas. All leaves are
/// at depth `height`; `height == 0` means the root is a leaf.
struct Tree {
    leaves: Vec<Leaf>,
    inners: Vec<Inner>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    root: u32,
    height: usize,
    /// Number of children.
    count: usize,
    /// Totals of every gap in the tree (the lead gap is not in it).
    total: Agg,
}

impl Tree {
    fn new() -> Self {
        Tree {
            leaves: vec![Leaf::EMPTY],
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            count: 0,
            total: Agg::default(),
        }
    }

    fn leaf(&self, t: u32) -> &Leaf {
        &self.leaves[t as usize]
    }

    fn leaf_mut(&mut self, t: u32) -> &mut Leaf {
        &mut self.leaves[t as usize]
    }

    fn size(&self, t: u32, h: usize) -> usize {
        if h == 0 {
            self.leaf(t).n
        } else {
            self.inners[t as usize].n
        }
    }

    fn agg_of(&self, t: u32, h: usize) -> Agg {
        if h == 0 {
            self.leaf(t).agg()
        } else {
            self.inners[t as usize].total()
        }
    }

    /// The largest gap below node `t` at height `h`.
    fn largest(&self, t: u32, h: usize) -> usize {
        if h == 0 {
            self.leaf(t).largest()
        } else {
            self.inners[t as usize].largest()
        }
    }

    fn alloc_leaf(&mut self) -> u32 {
        if let Some(t) = self.free_leaves.pop() {
            self.leaves[t as usize] = Leaf::EMPTY;
            return t;
        }
        self.leaves.push(Leaf::EMPTY);
        u32::try_from(self.leaves.len() - 1).expect("leaf arena overflow")
    }

    fn alloc_inner(&mut self, inner: Inner) -> u32 {
        if let Some(t) = self.free_inners.pop() {
            self.inners[t as usize] = inner;
            return t;
        }
        self.inners.push(inner);
        u32::try_from(self.inners.len() - 1).expect("inner arena overflow")
    }

    /// Descends towards key `k`, recording (inner node, child index) per level; returns
    /// the leaf and the path length.
    fn descend(&self, k: usize, path: &mut Path) -> (u32, usize) {
        let (mut t, mut h, mut depth) = (self.root, self.height, 0);
        while h > 0 {
            let i = self.inners[t as usize].route(k);
            path[depth] = (t, i);
            depth += 1;
            t = self.inners[t as usize].child[i];
            h -= 1;
        }
        (t, depth)
    }

    /// The leaf that holds the last child starting at or below `k` (if there is one).
    fn leaf_for(&self, k: usize) -> u32 {
        let (mut t, mut h) = (self.root, self.height);
        while h > 0 {
            let n = &self.inners[t as usize];
            t = n.child[n.route(k)];
            h -= 1;
        }
        t
    }

    fn first_leaf(&self) -> u32 {
        let (mut t, mut h) = (self.root, self.height);
        while h > 0 {
            t = self.inners[t as usize].child[0];
            h -= 1;
        }
        t
    }

    /// After leaf `t` (reached by `path`) lost gaps of lengths `old` and gained gaps of
    /// lengths `new`, brings the totals on the path and the tree total up to date: O(1)
    /// per level, plus a refold of `max` while a lost length was the maximum and
    /// nothing new replaces it.
    #[inline]
    fn fix_path(&mut self, path: &[(u32, usize)], t: u32, old: &[usize], new: &[usize]) {
        let nonempty = |v: &[usize]| v.iter().filter(|&&x| x > 0).count();
        let old_max = old.iter().copied().max().unwrap_or(0);
        let new_max = new.iter().copied().max().unwrap_or(0);
        // Every level gains the same sum and count (wrapping: either may drop).
        let dsum = new.iter().sum::<usize>().wrapping_sub(old.iter().sum());
        let dcount = nonempty(new).wrapping_sub(nonempty(old));
        // Whether the totals of the level below were refolded (so `max` may have
        // dropped here too), and that level's node. Sums and counts need no refold, and
        // `max` is refolded from the level below, whose totals are already exact.
        let mut refold = new_max < old_max;
        let mut below = (t, 0);
        for &(p, i) in path.iter().rev() {
            let max = self.inners[p as usize].max[i];
            refold &= max == old_max;
            let max = if refold {
                self.largest(below.0, below.1)
            } else {
                max.max(new_max)
            };
            let node = &mut self.inners[p as usize];
            node.sum[i] = node.sum[i].wrapping_add(dsum);
            node.count[i] = node.count[i].wrapping_add(dcount);
            node.max[i] = max;
            below = (p, below.1 + 1);
        }
        refold &= self.total.max == old_max;
        self.total.max = if refold {
            self.largest(below.0, below.1)
        } else {
            self.total.max.max(new_max)
        };
        self.total.sum = self.total.sum.wrapping_add(dsum);
        self.total.count = self.total.count.wrapping_add(dcount);
    }

    /// Inserts an entry whose start no entry has, splitting nodes as needed.
    fn insert_entry(&mut self, e: Entry) {
        let gap = e.gap;
        if let Some((sep, right)) = self.ins(self.root, self.height, e) {
            let left = self.root;
            let mut node = Inner::empty();
            node.n = 2;
            node.key[1] = sep;
            node.child[..2].copy_from_slice(&[left, right]);
            node.set(0, self.agg_of(left, self.height));
            node.set(1, self.agg_of(right, self.height));
            self.root = self.alloc_inner(node);
            self.height += 1;
        }
        self.total.plus(gap);
    }

    /// Inserts below `t`; on a split returns the new right sibling and its separator.
    fn ins(&mut self, t: u32, h: usize, e: Entry) -> Option<(usize, u32)> {
        let (k, gap) = (e.start, e.gap);
        if h == 0 {
            let mut t = t;
            let mut split = None;
            if self.leaf(t).n == LEAF_CAP {
                let r = self.alloc_leaf();
                let (l, rl) = two_mut(&mut self.leaves, t as usize, r as usize);
                let keep = LEAF_CAP / 2;
                move_entries(l, keep, rl, 0, LEAF_CAP - keep);
                (l.n, rl.n) = (keep, LEAF_CAP - keep);
                (rl.next, l.next) = (l.next, r);
                let sep = rl.start[0];
                if k >= sep {
                    t = r;
                }
                split = Some((sep, r));
            }
            let l = self.leaf_mut(t);
            let pos = l.count_le(k);
            l.insert_at(pos, e);
            return split;
        }
        let i = self.inners[t as usize].route(k);
        let c = self.inners[t as usize].child[i];
        let Some((sep, r)) = self.ins(c, h - 1, e) else {
            let node = &mut self.inners[t as usize];
            let mut a = node.agg(i);
            a.plus(gap);
            node.set(i, a);
            return None;
        };
        let a = self.agg_of(c, h - 1);
        self.inners[t as usize].set(i, a);
        let ragg = self.agg_of(r, h - 1);
        let mut dest = t;
        let mut pos = i + 1;
        let mut split = None;
        if self.inners[t as usize].n == CAP {
            let mut right = self.inners[t as usize];
            right.move_slots(CAP / 2..CAP, 0);
            right.n = CAP - CAP / 2;
            self.inners[t as usize].n = CAP / 2;
            let rr = self.alloc_inner(right);
            if pos > CAP / 2 {
                dest = rr;
                pos -= CAP / 2;
            }
            split = Some((self.inners[rr as usize].key[0], rr));
        }
        self.inners[dest as usize].insert_slot(pos, sep, r, ragg);
        split
    }

    /// Removes the entry starting at `k` (which must exist), merging or refilling
    /// underfull nodes; its gap leaves the totals.
    fn remove_entry(&mut self, k: usize) -> Entry {
        let (e, _) = self.rem(self.root, self.height, k);
        while self.height > 0 && self.inners[self.root as usize].n == 1 {
            self.free_inners.push(self.root);
            self.root = self.inners[self.root as usize].child[0];
            self.height -= 1;
        }
        self.total.minus(e.gap);
        if e.gap > 0 && e.gap >= self.total.max {
            self.total.max = self.largest(self.root, self.height);
        }
        e
    }

    /// Removes `k` below `t`. Also returns the subtree's new lowest start when it
    /// changed and no separator on the way up has taken it yet.
    fn rem(&mut self, t: u32, h: usize, k: usize) -> (Entry, Option<usize>) {
        if h == 0 {
            let l = self.leaf_mut(t);
            let pos = l.count_le(k).wrapping_sub(1);
            assert!(
                pos < l.n && l.start[pos] == k,
                "region map lost the child at {k:#x}"
            );
            let e = l.remove_at(pos);
            let low = (pos == 0 && l.n > 0).then(|| l.start[0]);
            return (e, low);
        }
        let i = self.inners[t as usize].route(k);
        let c = self.inners[t as usize].child[i];
        let (e, mut low) = self.rem(c, h - 1, k);
        if let Some(m) = low.filter(|_| i > 0) {
            self.inners[t as usize].key[i] = m;
            low = None;
        }
        let min = if h == 1 { LEAF_MIN } else { MIN_FILL };
        if self.size(c, h - 1) < min && self.inners[t as usize].n > 1 {
            self.rebalance(t, i, h - 1);
        } else {
            let mut a = self.inners[t as usize].agg(i);
            a.minus(e.gap);
            if e.gap > 0 && e.gap >= a.max {
                a.max = self.largest(c, h - 1);
            }
            self.inners[t as usize].set(i, a);
        }
        (e, low)
    }

    /// Child `i` of `p` (at height `ch`) is underfull: merge it with a neighbour, or
    /// even out the two when they do not fit in one node.
    fn rebalance(&mut self, p: u32, i: usize, ch: usize) {
        let pn = &self.inners[p as usize];
        let (a, b) = if i + 1 < pn.n { (i, i + 1) } else { (i - 1, i) };
        let (ca, cb, sep_b) = (pn.child[a], pn.child[b], pn.key[b]);
        let (na, nb) = (self.size(ca, ch), self.size(cb, ch));
        let merged;
        if ch == 0 {
            merged = na + nb <= LEAF_CAP;
            let (la, lb) = two_mut(&mut self.leaves, ca as usize, cb as usize);
            if merged {
                move_entries(lb, 0, la, na, nb);
                (la.n, lb.n) = (na + nb, 0);
                la.next = lb.next;
                lb.next = NONE;
                self.free_leaves.push(cb);
            } else if na > nb {
                let m = (na - nb) / 2;
                lb.shift_right(m);
                move_entries(la, na - m, lb, 0, m);
                (la.n, lb.n) = (na - m, nb + m);
            } else {
                let m = (nb - na) / 2;
                move_entries(lb, 0, la, na, m);
                lb.shift_left(m);
                (la.n, lb.n) = (na + m, nb - m);
            }
        } else {
            merged = na + nb <= CAP;
            // Give b's first child its lowest start before moving children.
            self.inners[cb as usize].key[0] = sep_b;
            let (an, bn) = (self.inners[ca as usize], self.inners[cb as usize]);
            if merged {
                let a_node = &mut self.inners[ca as usize];
                a_node.copy_slots(na, &bn, 0, nb);
                a_node.n = na + nb;
                self.free_inners.push(cb);
            } else if na > nb {
                let m = (na - nb) / 2;
                let b_node = &mut self.inners[cb as usize];
                b_node.move_slots(0..nb, m);
                b_node.copy_slots(0, &an, na - m, m);
                b_node.n = nb + m;
                self.inners[ca as usize].n = na - m;
            } else {
                let m = (nb - na) / 2;
                let a_node = &mut self.inners[ca as usize];
                a_node.copy_slots(na, &bn, 0, m);
                a_node.n = na + m;
                let b_node = &mut self.inners[cb as usize];
                b_node.move_slots(m..nb, 0);
                b_node.n = nb - m;
            }
        }
        let agg_a = self.agg_of(ca, ch);
        let first_b = if merged {
            None
        } else if ch == 0 {
            Some(self.leaf(cb).start[0])
        } else {
            Some(self.inners[cb as usize].key[0])
        };
        let agg_b = if merged {
            Agg::default()
        } else {
            self.agg_of(cb, ch)
        };
        let pn = &mut self.inners[p as usize];
        pn.set(a, agg_a);
        match first_b {
            None => pn.remove_slot(b),
            Some(k) => {
                pn.key[b] = k;
                pn.set(b, agg_b);
            }
        }
    }

    /// The lowest candidate for `q` among the tree's gaps, skipping subtrees with no gap
    /// of length `>= q.len` and stopping at the first gap too high for the limit.
    fn first_fit_rec(&self, t: u32, h: usize, q: &Query, visits: &mut usize) -> Flow {
        *visits += 1;
        if h == 0 {
            let l = self.leaf(t);
            for e in 0..l.n {
                if l.gap[e] < q.len {
                    continue;
                }
                let gs = l.end(e);
                if !fits_below(gs, q) {
                    return Flow::Stop;
                }
                let end = (gs + l.gap[e]).min(q.limit);
                if let Some(slot) = slot_in_gap(gs, end, q, 0) {
                    return Flow::Found(FirstFit {
                        gap_start: gs,
                        slot,
                    });
                }
            }
            return Flow::Continue;
        }
        let n = &self.inners[t as usize];
        for i in 0..n.n {
            // Every gap of child i starts above its lowest child start.
            if i > 0 && !fits_below(n.key[i], q) {
                return Flow::Stop;
            }
            if n.max[i] < q.len {
                continue;
            }
            match self.first_fit_rec(n.child[i], h - 1, q, visits) {
                Flow::Continue => {}
                done => return done,
            }
        }
        Flow::Continue
    }

    /// Sum of `len + kappa` over the tree's gaps starting below `addr`. The gaps of
    /// child `j` start below `key[j+1]`, so whole children left of the route count.
    fn prefix_weight(&self, addr: usize, kappa: usize, visits: &mut usize) -> u128 {
        let (mut t, mut h) = (self.root, self.height);
        let mut acc = 0;
        loop {
            *visits += 1;
            if h == 0 {
                let l = self.leaf(t);
                let leaf: u128 = (0..l.n)
                    .filter(|&e| l.end(e) < addr)
                    .map(|e| gap_weight(l.gap[e], kappa))
                    .sum();
                return acc + leaf;
            }
            let n = &self.inners[t as usize];
            let i = n.route(addr);
            let (sum, count): (usize, usize) = (n.sum[..i].iter().sum(), n.count[..i].iter().sum());
            acc += sum as u128 + count as u128 * kappa as u128;
            t = n.child[i];
            h -= 1;
        }
    }

    /// The gap whose stretch `[before, before + len + kappa)` holds `r`, as
    /// (start, len, before). `r` must be below the total weight.
    fn select_weight(&self, mut r: u128, kappa: usize, visits: &mut usize) -> (usize, usize, u128) {
        let (mut t, mut h) = (self.root, self.height);
        let mut before = 0;
        'down: loop {
            *visits += 1;
            if h == 0 {
                let l = self.leaf(t);
                for e in 0..l.n {
                    let w = gap_weight(l.gap[e], kappa);
                    if r < w {
                        return (l.end(e), l.gap[e], before);
                    }
                    r -= w;
                    before += w;
                }
                unreachable!("select_weight past the total");
            }
            let n = &self.inners[t as usize];
            for i in 0..n.n {
                let w = n.weight(i, kappa);
                if r < w {
                    t = n.child[i];
                    h -= 1;
                    continue 'down;
                }
                r -= w;
                before += w;
            }
            unreachable!("select_weight past the total");
        }
    }

    #[cfg(test)]
    fn height(&self) -> usize {
        self.height
    }

    /// Fill, order, exact separators, exact totals, leaf links and arena accounting.
    #[cfg(test)]
    fn check(&self) {
        struct Sub {
            agg: Agg,
            lo: Option<usize>,
            hi: Option<usize>,
            inners: usize,
        }
        fn rec(tr: &Tree, t: u32, h: usize, is_root: bool, leaves: &mut Vec<u32>) -> Sub {
            let size = tr.size(t, h);
            if h == 0 {
                assert!(is_root || size >= LEAF_MIN, "underfull leaf");
                assert!(size <= LEAF_CAP);
                let l = tr.leaf(t);
                assert!(
                    l.start[..size].windows(2).all(|w| w[0] < w[1]),
                    "leaf order"
                );
                leaves.push(t);
                return Sub {
                    agg: l.agg(),
                    lo: l.start[..size].first().copied(),
                    hi: l.start[..size].last().copied(),
                    inners: 0,
                };
            }
            assert!(is_root || size >= MIN_FILL, "underfull node");
            assert!(size <= CAP && (size >= 2 || !is_root), "node size {size}");
            let n = &tr.inners[t as usize];
            let (mut all, mut lo, mut hi, mut inners) = (Agg::default(), None, None, 1);
            for i in 0..n.n {
                let sub = rec(tr, n.child[i], h - 1, false, leaves);
                assert_eq!(n.agg(i), sub.agg, "stale totals");
                if i > 0 {
                    assert_eq!(Some(n.key[i]), sub.lo, "separator is not the lowest start");
                    assert!(hi < sub.lo, "children out of order");
                }
                all = all.add(sub.agg);
                lo = lo.or(sub.lo);
                hi = sub.hi.or(hi);
                inners += sub.inners;
            }
            Sub {
                agg: all,
                lo,
                hi,
                inners,
            }
        }
        let mut leaves = Vec::new();
        let sub = rec(self, self.root, self.height, true, &mut leaves);
        assert_eq!(sub.agg, self.total, "stale tree total");
        let mut linked = Vec::new();
        let mut t = self.first_leaf();
        while t != NONE {
            linked.push(t);
            t = self.leaf(t).next;
        }
        assert_eq!(linked, leaves, "leaf links");
        let entries: usize = leaves.iter().map(|&t| self.leaf(t).n).sum();
        assert_eq!(entries, self.count, "child count");
        for &t in &self.free_leaves {
            let l = self.leaf(t);
            assert_eq!(l.n, 0, "live free leaf");
        }
        assert_eq!(
            leaves.len() + self.free_leaves.len(),
            self.leaves.len(),
            "leaf arena leak"
        );
        assert_eq!(
            sub.inners + self.free_inners.len(),
            self.inners.len(),
            "inner arena leak"
        );
    }
}

/// State of `RegionMap::walk_fitting` inside the tree.
struct Walk<'a, 'f> {
    tree: &'a Tree,
    from_start: usize,
    len: usize,
    kappa: usize,
    visits: &'a mut usize,
    /// Weight of every gap left of the current position.
    before: u128,
    f: &'a mut (dyn FnMut(usize, usize, u128) -> bool + 'f),
}

impl Walk<'_, '_> {
    /// Returns false once `f` asked to stop.
    fn rec(&mut self, t: u32, h: usize) -> bool {
        *self.visits += 1;
        let tree = self.tree;
        if h == 0 {
            let l = tree.leaf(t);
            for e in 0..l.n {
                let (gs, gl) = (l.end(e), l.gap[e]);
                if gl > 0
                    && gs >= self.from_start
                    && gl >= self.len
                    && !(self.f)(gs, gl, self.before)
                {
                    return false;
                }
                self.before += gap_weight(gl, self.kappa);
            }
            return true;
        }
        let n = &tree.inners[t as usize];
        for i in 0..n.n {
            // Child i's gaps all start below key[i+1].
            let below_from = i + 1 < n.n && n.key[i + 1] <= self.from_start;
            if below_from || n.max[i] < self.len {
                self.before += n.weight(i, self.kappa);
            } else if !self.rec(n.child[i], h - 1) {
                return false;
            }
        }
        true
    }
}

// ---------------------------------------------------------------------------------------
// The children's values.

/// Values per slab chunk. Only the last chunk grows, so growing never moves more than
/// one chunk.
const VAL_CHUNK: usize = 256;

enum Slot<T> {
    Used(T),
    /// A free slot: the next one on the free chain (`NONE` ends it).
    Free(u32),
}

/// The children's values in chunked slots with stable ids, so leaves stay small and a
/// leaf shift never moves a value.
struct Values<T> {
    chunks: Vec<Vec<Slot<T>>>,
    free: u32,
}

impl<T> Values<T> {
    fn new() -> Self {
        Values {
            chunks: Vec::new(),
            free: NONE,
        }
    }

    fn slot(&self, id: u32) -> &Slot<T> {
        let id = id as usize;
        &self.chunks[id / VAL_CHUNK][id % VAL_CHUNK]
    }

    fn slot_mut(&mut self, id: u32) -> &mut Slot<T> {
        let id = id as usize;
        &mut self.chunks[id / VAL_CHUNK][id % VAL_CHUNK]
    }

    fn insert(&mut self, v: T) -> u32 {
        if self.free != NONE {
            let id = self.free;
            let slot = self.slot_mut(id);
            let Slot::Free(next) = *slot else {
                unreachable!("used value slot on the free chain")
            };
            *slot = Slot::Used(v);
            self.free = next;
            return id;
        }
        if self.chunks.last().map_or(true, |c| c.len() == VAL_CHUNK) {
            self.chunks.push(Vec::new());
        }
        let n = self.chunks.len() - 1;
        let last = &mut self.chunks[n];
        last.push(Slot::Used(v));
        u32::try_from(n * VAL_CHUNK + last.len() - 1)
            .ok()
            .filter(|&id| id != NONE)
            .expect("value slab overflow")
    }

    fn take(&mut self, id: u32) -> T {
        let free = self.free;
        match std::mem::replace(self.slot_mut(id), Slot::Free(free)) {
            Slot::Used(v) => {
                self.free = id;
                v
            }
            Slot::Free(_) => unreachable!("value {id} taken twice"),
        }
    }

    fn get(&self, id: u32) -> &T {
        match self.slot(id) {
            Slot::Used(v) => v,
            Slot::Free(_) => unreachable!("leaf entry with a free value"),
        }
    }

    fn get_mut(&mut self, id: u32) -> &mut T {
        match self.slot_mut(id) {
            Slot::Used(v) => v,
            Slot::Free(_) => unreachable!("leaf entry with a free value"),
        }
    }

    /// Every entry of `tree` owns a distinct used slot, and every other slot is free.
    #[cfg(test)]
    fn check(&self, tree: &Tree) {
        let total: usize = self.chunks.iter().map(Vec::len).sum();
        let mut owned = vec![false; total];
        let mut t = tree.first_leaf();
        while t != NONE {
            let l = tree.leaf(t);
            for &id in &l.vid[..l.n] {
                assert!(
                    matches!(self.slot(id), Slot::Used(_)),
                    "entry with a free value"
                );
                assert!(
                    !std::mem::replace(&mut owned[id as usize], true),
                    "shared value"
                );
            }
            t = l.next;
        }
        let mut free = 0;
        let mut at = self.free;
        while at != NONE {
            let Slot::Free(next) = *self.slot(at) else {
                panic!("used value slot on the free chain")
            };
            assert!(!owned[at as usize], "owned value on the free chain");
            free += 1;
            at = next;
        }
        assert_eq!(tree.count + free, total, "value slab leak");
    }
}

// ---------------------------------------------------------------------------------------
// The length classes.

/// Sub-classes per power of two (a 3-bit mantissa).
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;

/// Length class: exact below 8; above, the power of two and the next 3 bits. Classes
/// are ordered like lengths; class `c` covers `[class_lo(c), class_lo(c) + width(c))`.
fn class_of(len: usize) -> usize {
    debug_assert!(len > 0);
    if len < SUB {
        return len;
    }
    let e = usize::BITS - 1 - len.leading_zeros();
    let shift = e - SUB_BITS;
    ((shift as usize + 1) << SUB_BITS) | ((len >> shift) & (SUB - 1))
}

fn class_lo(c: usize) -> usize {
    if c < 2 * SUB {
        return c;
    }
    let shift = (c >> SUB_BITS) - 1;
    (SUB | (c & (SUB - 1))) << shift
}

fn class_width(c: usize) -> usize {
    if c < 2 * SUB {
        1
    } else {
        1 << ((c >> SUB_BITS) - 1)
    }
}

/// A free gap in the length index. Free slots have `len == 0` and chain through `pos`.
#[derive(Clone, Copy, Default)]
struct GapNode {
    start: usize,
    len: usize,
    /// Index in its class's `members`.
    pos: u32,
}

#[derive(Default)]
struct Class {
    members: Vec<u32>,
    sum: usize,
}

/// The `SUB` classes of one power of two.
#[derive(Default)]
struct Group {
    count: usize,
    sum: usize,
    /// Bit `k`: class `k` of the group has members.
    mask: u8,
    class: [Class; SUB],
}

/// The non-empty gaps by length class (see the module doc). Groups are allocated when a
/// gap first needs them, so a new map holds one.
#[derive(Default)]
struct LenIndex {
    nodes: Vec<GapNode>,
    /// Head of the free-slot chain of `nodes`.
    free: Option<u32>,
    groups: Vec<Option<Box<Group>>>,
    /// Bit `g`: group `g` has members.
    mask: u64,
    /// Number and total length of all gaps.
    count: usize,
    sum: usize,
}

/// The whole-map proposal space for one (len, align): the exact weight of the classes
/// above the class of `len`, and that class's share (exact, or an envelope).
#[derive(Clone, Copy, Debug)]
struct LenWeights {
    len: usize,
    align: usize,
    /// Class of `len`.
    bc: usize,
    /// Whether that class may hold gaps shorter than `len` (`class_lo(bc) < len`).
    partial: bool,
    /// Stretch of each member of a partial class: the longest stretch a member can have.
    env: u128,
    /// Exact U of every class counted exactly.
    lower: u128,
    /// Members of a partial class times `env`.
    boundary: u128,
}

impl LenWeights {
    fn units(&self) -> u128 {
        self.lower + self.boundary
    }

    /// `Σ (L - len + A)` over `count` gaps of total length `sum`, all `>= len`.
    fn of(&self, count: usize, sum: usize) -> u128 {
        sum as u128 + count as u128 * self.align as u128 - count as u128 * self.len as u128
    }
}

impl LenIndex {
    fn group(&self, g: usize) -> Option<&Group> {
        self.groups.get(g).and_then(|x| x.as_deref())
    }

    #[inline]
    fn group_mut(groups: &mut Vec<Option<Box<Group>>>, g: usize) -> &mut Group {
        if groups.len() <= g {
            groups.resize_with(g + 1, || None);
        }
        groups[g].get_or_insert_with(Box::default)
    }

    /// Forgets every gap, keeping the allocations for the next build.
    fn clear(&mut self) {
        self.nodes.clear();
        self.free = None;
        (self.mask, self.count, self.sum) = (0, 0, 0);
        for grp in self.groups.iter_mut().flatten() {
            (grp.count, grp.sum, grp.mask) = (0, 0, 0);
            for cls in &mut grp.class {
                cls.members.clear();
                cls.sum = 0;
            }
        }
    }

    /// Registers a gap; returns its id.
    fn add(&mut self, start: usize, len: usize) -> u32 {
        let node = GapNode { start, len, pos: 0 };
        let id = match self.free {
            Some(id) => {
                let next = self.nodes[id as usize].pos;
                self.free = (next != NONE).then_some(next);
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                u32::try_from(self.nodes.len() - 1)
                    .ok()
                    .filter(|&id| id != NONE)
                    .expect("gap index overflow")
            }
        };
        self.link(id);
        id
    }

    fn remove(&mut self, id: u32) {
        self.unlink(id);
        let next = self.free.unwrap_or(NONE);
        self.nodes[id as usize] = GapNode {
            start: 0,
            len: 0,
            pos: next,
        };
        self.free = Some(id);
    }

    /// Moves gap `id` to `[start, start + len)`, `len > 0`.
    fn set(&mut self, id: u32, start: usize, len: usize) {
        let node = &mut self.nodes[id as usize];
        let old = node.len;
        node.start = start;
        if class_of(old) == class_of(len) {
            // Same class: only the sums change.
            node.len = len;
            let c = class_of(len);
            let grp = self.groups[c >> SUB_BITS]
                .as_deref_mut()
                .expect("group of a live gap");
            let cls = &mut grp.class[c & (SUB - 1)];
            cls.sum = cls.sum - old + len;
            grp.sum = grp.sum - old + len;
            self.sum = self.sum - old + len;
            return;
        }
        self.unlink(id);
        self.nodes[id as usize].len = len;
        self.link(id);
    }

    fn link(&mut self, id: u32) {
        let len = self.nodes[id as usize].len;
        let c = class_of(len);
        let (g, k) = (c >> SUB_BITS, c & (SUB - 1));
        let grp = Self::group_mut(&mut self.groups, g);
        let cls = &mut grp.class[k];
        self.nodes[id as usize].pos = cls.members.len() as u32;
        cls.members.push(id);
        cls.sum += len;
        grp.count += 1;
        grp.sum += len;
        grp.mask |= 1 << k;
        self.mask |= 1 << g;
        self.count += 1;
        self.sum += len;
    }

    fn unlink(&mut self, id: u32) {
        let GapNode { len, pos, .. } = self.nodes[id as usize];
        let c = class_of(len);
        let (g, k) = (c >> SUB_BITS, c & (SUB - 1));
        let grp = self.groups[g].as_deref_mut().expect("group of a live gap");
        let cls = &mut grp.class[k];
        cls.members.swap_remove(pos as usize);
        if let Some(&moved) = cls.members.get(pos as usize) {
            self.nodes[moved as usize].pos = pos;
        }
        cls.sum -= len;
        grp.count -= 1;
        grp.sum -= len;
        if cls.members.is_empty() {
            grp.mask &= !(1 << k);
        }
        if grp.count == 0 {
            self.mask &= !(1 << g);
        }
        self.count -= 1;
        self.sum -= len;
    }

    /// The non-empty groups whose bits `mask` selects, highest first.
    fn groups_in(&self, mut mask: u64) -> impl Iterator<Item = (usize, &Group)> + '_ {
        mask &= self.mask;
        std::iter::from_fn(move || {
            if mask == 0 {
                return None;
            }
            let g = 63 - mask.leading_zeros() as usize;
            mask &= !(1 << g);
            self.group(g).map(|grp| (g, grp))
        })
    }

    /// Non-empty classes of group `g` from class `from` up, as (class, class data).
    fn classes_from<'g>(
        grp: &'g Group,
        g: usize,
        from: usize,
    ) -> impl Iterator<Item = (usize, &'g Class)> + 'g {
        let first = from.saturating_sub(g << SUB_BITS);
        let mut mask = u32::from(grp.mask) & !((1u32 << first) - 1);
        std::iter::from_fn(move || {
            if mask == 0 {
                return None;
            }
            let k = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            Some(((g << SUB_BITS) | k, &grp.class[k]))
        })
    }

    fn weights(&self, len: usize, align: usize) -> LenWeights {
        let bc = class_of(len);
        let (lo, width) = (class_lo(bc), class_width(bc));
        let partial = lo < len;
        let mut w = LenWeights {
            len,
            align,
            bc,
            partial,
            env: (lo + (width - 1) - len) as u128 + align as u128,
            lower: 0,
            boundary: 0,
        };
        // Everything, less the groups and classes below the class of `len` (few for
        // small requests) and a partial class of `len`.
        let (mut count, mut sum) = (self.count, self.sum);
        let g0 = bc >> SUB_BITS;
        for (_, grp) in self.groups_in((1 << g0) - 1) {
            count -= grp.count;
            sum -= grp.sum;
        }
        if let Some(grp) = self.group(g0) {
            for (c, cls) in Self::classes_from(grp, g0, 0) {
                if c > bc || (c == bc && !partial) {
                    break;
                }
                count -= cls.members.len();
                sum -= cls.sum;
                if c == bc {
                    w.boundary = cls.members.len() as u128 * w.env;
                }
            }
        }
        w.lower = w.of(count, sum);
        w
    }

    /// The exact share of U of a partial class of `len`, by scanning it.
    fn boundary_exact(&self, w: &LenWeights, visits: &mut usize) -> u128 {
        let Some(grp) = self.group(w.bc >> SUB_BITS) else {
            return 0;
        };
        let cls = &grp.class[w.bc & (SUB - 1)];
        *visits += cls.members.len();
        cls.members
            .iter()
            .map(|&id| self.nodes[id as usize].len)
            .filter(|&l| l >= w.len)
            .map(|l| w.of(1, l))
            .sum()
    }

    /// The class of group `g` (from class `from` up) holding unit `r`, which becomes
    /// the offset in that class; None (with `r` reduced by the group) if none does.
    fn pick_class<'g>(
        w: &LenWeights,
        grp: &'g Group,
        g: usize,
        from: usize,
        r: &mut u128,
    ) -> Option<(usize, &'g Class)> {
        for (c, cls) in Self::classes_from(grp, g, from) {
            let m = cls.members.len();
            let cw = if c == w.bc && w.partial {
                m as u128 * w.env
            } else {
                w.of(m, cls.sum)
            };
            if *r < cw {
                return Some((c, cls));
            }
            *r -= cw;
        }
        None
    }

    /// The gap holding unit `r < w.units()` of the whole-map space, as
    /// (start, len, offset in its stretch); None if `r` is an envelope unit a partial
    /// class's member does not own.
    fn select(
        &self,
        w: &LenWeights,
        mut r: u128,
        rng: &mut dyn FnMut() -> u64,
        visits: &mut usize,
    ) -> Option<(usize, usize, u128)> {
        *visits += 1;
        // Highest groups first: they hold the longest gaps and most of the weight.
        let g0 = w.bc >> SUB_BITS;
        let mut found = None;
        for (g, grp) in self.groups_in(!((2u64 << g0) - 1)) {
            let gw = w.of(grp.count, grp.sum);
            if r < gw {
                found = Self::pick_class(w, grp, g, 0, &mut r);
                break;
            }
            r -= gw;
        }
        if found.is_none() {
            found = self
                .group(g0)
                .and_then(|grp| Self::pick_class(w, grp, g0, w.bc, &mut r));
        }
        let (c, cls) = found?;
        let node = |j: u128| self.nodes[cls.members[j as usize] as usize];
        if c == w.bc && w.partial {
            let (j, off) = div_rem(r, w.env);
            let n = node(j);
            return (n.len >= w.len && off < w.of(1, n.len)).then_some((n.start, n.len, off));
        }
        // Stretch (lo - len + A) + (L - lo): the first parts by index, the rest by
        // weight L - lo.
        let lo = class_lo(c);
        let m = cls.members.len() as u128;
        let head = (lo - w.len) as u128 + w.align as u128;
        if r < m * head {
            let (j, off) = div_rem(r, head);
            let n = node(j);
            return Some((n.start, n.len, off));
        }
        let width = class_width(c) as u128;
        for _ in 0..CLASS_DRAWS {
            *visits += 1;
            let n = node(uniform_below(m, rng));
            let u = uniform_below(width, rng);
            if u < (n.len - lo) as u128 {
                return Some((n.start, n.len, head + u));
            }
        }
        let mut x = uniform_below((cls.sum - cls.members.len() * lo) as u128, rng);
        for &id in &cls.members {
            *visits += 1;
            let n = self.nodes[id as usize];
            let excess = (n.len - lo) as u128;
            if x < excess {
                return Some((n.start, n.len, head + x));
            }
            x -= excess;
        }
        unreachable!("class weight past its members")
    }

    /// The index holds exactly `gaps` (id, start, len), each in its class, with exact
    /// sums, counts and masks, and every other slot on the free chain.
    #[cfg(test)]
    fn check(&self, gaps: &[(u32, usize, usize)]) {
        for &(id, start, len) in gaps {
            let n = self.nodes[id as usize];
            assert_eq!((n.start, n.len), (start, len), "gap node {id}");
            let c = class_of(len);
            assert!(class_lo(c) <= len && len - class_lo(c) < class_width(c));
            let grp = self.group(c >> SUB_BITS).expect("group of a live gap");
            assert_eq!(
                grp.class[c & (SUB - 1)].members.get(n.pos as usize),
                Some(&id)
            );
        }
        let mut live = 0;
        for (g, grp) in self.groups.iter().enumerate() {
            let Some(grp) = grp else { continue };
            let (mut count, mut sum) = (0, 0);
            for (k, cls) in grp.class.iter().enumerate() {
                let s: usize = cls
                    .members
                    .iter()
                    .map(|&id| self.nodes[id as usize].len)
                    .sum();
                assert_eq!(s, cls.sum, "class sum");
                assert_eq!(
                    grp.mask >> k & 1 == 1,
                    !cls.members.is_empty(),
                    "class mask"
                );
                count += cls.members.len();
                sum += s;
            }
            assert_eq!((count, sum), (grp.count, grp.sum), "group totals");
            assert_eq!(self.mask >> g & 1 == 1, count > 0, "group mask");
            live += count;
        }
        assert_eq!(live, gaps.len(), "gap index holds other gaps");
        let sum: usize = gaps.iter().map(|g| g.2).sum();
        assert_eq!((self.count, self.sum), (live, sum), "index totals");
        let mut free = 0;
        let mut at = self.free;
        while let Some(id) = at {
            assert_eq!(
                self.nodes[id as usize].len, 0,
                "live node on the free chain"
            );
            free += 1;
            let next = self.nodes[id as usize].pos;
            at = (next != NONE).then_some(next);
        }
        assert_eq!(live + free, self.nodes.len(), "gap index leak");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const PAGE: usize = 4096;

    /// xorshift64*: a tiny deterministic generator so every run is reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn req(len: usize, align: usize, upper_limit: Option<usize>, entropy_bits: u32) -> Placement {
        Placement {
            len,
            align,
            upper_limit,
            entropy_bits,
        }
    }

    fn first_fit<T>(
        m: &RegionMap<T>,
        len: usize,
        align: usize,
        limit: Option<usize>,
    ) -> Option<usize> {
        m.place(&req(len, align, limit, 0), &mut || {
            unreachable!("first fit draws nothing")
        })
    }

    /// Linear reference: candidate runs (first start, count) in address order.
    fn runs<T>(m: &RegionMap<T>, r: &Placement) -> Vec<(usize, usize)> {
        let limit = r
            .upper_limit
            .map_or(m.base() + m.size(), |u| u.min(m.base() + m.size()));
        let mut out = Vec::new();
        let mut cursor = m.base();
        let bounds: Vec<(usize, usize)> = m.iter().map(|(s, l, _)| (s, s + l)).collect();
        for (s, e) in bounds.into_iter().chain([(m.base() + m.size(), 0)]) {
            let ge = s.min(limit);
            let first = (cursor + r.align - 1) & !(r.align - 1);
            if first <= ge && ge - first >= r.len {
                out.push((first, (ge - first - r.len) / r.align + 1));
            }
            cursor = e.max(cursor);
        }
        out
    }

    /// Rank of `addr` among the reference candidates.
    fn rank(runs: &[(usize, usize)], align: usize, addr: usize) -> Option<usize> {
        let mut before = 0;
        for &(first, n) in runs {
            if addr >= first && addr < first + n * align && (addr - first) & (align - 1) == 0 {
                return Some(before + (addr - first) / align);
            }
            before += n;
        }
        None
    }

    fn total(runs: &[(usize, usize)]) -> usize {
        runs.iter().map(|r| r.1).sum()
    }

    fn map_with(base: usize, size: usize, children: &[(usize, usize)]) -> RegionMap<usize> {
        let mut m = RegionMap::new(base, size);
        for (i, &(s, l)) in children.iter().enumerate() {
            m.insert(s, l, i);
        }
        m.check_invariants();
        m
    }

    #[test]
    fn empty_map_lookups() {
        let m: RegionMap<u8> = RegionMap::new(0x10000, 0x10000);
        assert!(m.is_empty());
        assert_eq!(m.len(), 0);
        assert_eq!((m.base(), m.size()), (0x10000, 0x10000));
        assert!(m.find(0x10000).is_none());
        assert!(m.get(0x10000).is_none());
        assert_eq!(m.intersecting(0, usize::MAX).count(), 0);
        assert!(m.is_free(0x10000, 0x10000), "the whole map is free");
        assert!(!m.is_free(0x10000, 0x10001), "one byte past the end");
        assert!(!m.is_free(0xffff, 0x1000), "one byte before the base");
        assert!(!m.is_free(usize::MAX, 2), "wrapping range");
        assert_eq!(m.gaps().collect::<Vec<_>>(), vec![(0x10000, 0x10000)]);
        assert_eq!(m.free_bytes(), 0x10000);
        m.check_invariants();
    }

    #[test]
    fn zero_sized_map_has_no_room() {
        let m: RegionMap<u8> = RegionMap::new(0x10000, 0);
        assert_eq!(first_fit(&m, PAGE, PAGE, None), None);
        assert_eq!(m.place(&req(PAGE, PAGE, None, 30), &mut || 7), None);
        m.check_invariants();
    }

    #[test]
    fn touching_children_and_byte_edges() {
        let mut m = map_with(0x10000, 0x10000, &[(0x11000, 0x1000), (0x12000, 0x2000)]);
        // First and last byte of each child, and the bytes just outside.
        assert_eq!(m.find(0x11000).map(|c| c.0), Some(0x11000));
        assert_eq!(m.find(0x11fff).map(|c| c.0), Some(0x11000));
        assert_eq!(m.find(0x12000).map(|c| c.0), Some(0x12000));
        assert_eq!(m.find(0x13fff).map(|c| c.0), Some(0x12000));
        assert!(m.find(0x10fff).is_none());
        assert!(m.find(0x14000).is_none());
        // Ranges that only touch a child do not intersect it.
        assert!(m.intersecting_starts(0x10000, 0x1000).is_empty());
        assert!(m.intersecting_starts(0x14000, 0x1000).is_empty());
        assert_eq!(m.intersecting_starts(0x10fff, 2), vec![0x11000]);
        assert_eq!(m.intersecting_starts(0x11fff, 2), vec![0x11000, 0x12000]);
        assert_eq!(m.intersecting_starts(0x13fff, 1), vec![0x12000]);
        assert_eq!(m.intersecting_starts(0x11800, 0), Vec::<usize>::new());
        assert_eq!(m.intersecting_starts(0, usize::MAX), vec![0x11000, 0x12000]);
        let inter: Vec<_> = m
            .intersecting(0x12800, 0x100)
            .map(|(s, l, v)| (s, l, *v))
            .collect();
        assert_eq!(inter, vec![(0x12000, 0x2000, 1)]);
        assert!(m.is_free(0x10000, 0x1000));
        assert!(!m.is_free(0x10000, 0x1001));
        assert!(m.is_free(0x14000, 0xc000));
        assert!(!m.is_free(0x13fff, 1));
        // A child filling the gap between two others joins them without a gap.
        m.insert(0x10000, 0x1000, 2);
        m.check_invariants();
        assert_eq!(m.gaps().collect::<Vec<_>>(), vec![(0x14000, 0xc000)]);
        // Removing the middle child merges nothing; removing next to a gap merges.
        assert_eq!(m.remove(0x11000), Some((0x1000, 0)));
        assert_eq!(
            m.gaps().collect::<Vec<_>>(),
            vec![(0x11000, 0x1000), (0x14000, 0xc000)]
        );
        assert_eq!(m.remove(0x12000), Some((0x2000, 1)));
        assert_eq!(m.gaps().collect::<Vec<_>>(), vec![(0x11000, 0xf000)]);
        assert_eq!(m.remove(0x12000), None, "already removed");
        assert_eq!(m.remove(0x11000), None, "never a child start");
        if let Some((l, v)) = m.get_mut(0x10000) {
            assert_eq!(l, 0x1000);
            *v = 9;
        }
        assert_eq!(m.get(0x10000), Some((0x1000, &9)));
        m.check_invariants();
    }

    #[test]
    fn whole_map_child() {
        let mut m = map_with(0x10000, 0x10000, &[(0x10000, 0x10000)]);
        assert_eq!(m.gaps().count(), 0);
        assert_eq!(m.free_bytes(), 0);
        assert!(!m.is_free(0x10000, 0x1000));
        assert!(m.is_free(0x10000, 0), "an empty range intersects nothing");
        assert_eq!(m.find(0x1ffff).map(|c| c.0), Some(0x10000));
        assert_eq!(first_fit(&m, PAGE, PAGE, None), None);
        assert_eq!(m.place(&req(PAGE, PAGE, None, 30), &mut || 1), None);
        assert_eq!(m.remove(0x10000), Some((0x10000, 0)));
        assert_eq!(m.gaps().collect::<Vec<_>>(), vec![(0x10000, 0x10000)]);
        m.check_invariants();
    }

    #[test]
    #[should_panic(expected = "not free space")]
    fn insert_overlapping_panics() {
        let mut m = map_with(0x10000, 0x10000, &[(0x12000, 0x2000)]);
        m.insert(0x13fff, 1, 1);
    }

    #[test]
    #[should_panic(expected = "not free space")]
    fn insert_past_end_panics() {
        let mut m: RegionMap<u8> = RegionMap::new(0x10000, 0x10000);
        m.insert(0x1f000, 0x2000, 0);
    }

    #[test]
    #[should_panic(expected = "not free space")]
    fn insert_below_base_panics() {
        let mut m: RegionMap<u8> = RegionMap::new(0x10000, 0x10000);
        m.insert(0xf000, 0x2000, 0);
    }

    #[test]
    #[should_panic(expected = "not free space")]
    fn insert_empty_panics() {
        let mut m: RegionMap<u8> = RegionMap::new(0x10000, 0x10000);
        m.insert(0x11000, 0, 0);
    }

    #[test]
    fn first_fit_is_lowest_aligned_slot() {
        // Gaps: [0x10000,0x11000) [0x13000,0x16000) [0x17000,0x20000).
        let m = map_with(0x10000, 0x10000, &[(0x11000, 0x2000), (0x16000, 0x1000)]);
        assert_eq!(first_fit(&m, PAGE, PAGE, None), Some(0x10000));
        assert_eq!(first_fit(&m, 2 * PAGE, PAGE, None), Some(0x13000));
        assert_eq!(first_fit(&m, 3 * PAGE, PAGE, None), Some(0x13000));
        assert_eq!(first_fit(&m, 4 * PAGE, PAGE, None), Some(0x17000));
        assert_eq!(first_fit(&m, 9 * PAGE, PAGE, None), Some(0x17000));
        assert_eq!(first_fit(&m, 10 * PAGE, PAGE, None), None);
        // The gap at 0x13000 is long enough for 8 KiB but its start is not 16 KiB
        // aligned: the 16 KiB-aligned slot 0x14000 still fits (0x14000..0x16000).
        assert_eq!(first_fit(&m, 2 * PAGE, 0x4000, None), Some(0x14000));
        // 3 pages at 16 KiB: 0x14000 + 0x3000 > 0x16000 misses, next gap 0x17000 -> 0x18000.
        assert_eq!(first_fit(&m, 3 * PAGE, 0x4000, None), Some(0x18000));
        // 64 KiB alignment: only 0x10000 (1 page) and 0x20000 (past the end).
        assert_eq!(first_fit(&m, PAGE, 0x10000, None), Some(0x10000));
        assert_eq!(first_fit(&m, 2 * PAGE, 0x10000, None), None);
    }

    #[test]
    fn first_fit_skips_many_misaligned_near_misses() {
        // 100 gaps of exactly 2 pages starting at odd pages, then a fitting gap.
        let mut children = Vec::new();
        let base = 0x1000_0000;
        let mut at = base;
        for _ in 0..100 {
            children.push((at, PAGE)); // The gap [at+PAGE, at+3*PAGE) starts at an odd page.
            children.push((at + 3 * PAGE, PAGE));
            at += 4 * PAGE;
        }
        children.push((at, PAGE));
        let m = map_with(base, 0x100_0000, &children);
        assert_eq!(first_fit(&m, 2 * PAGE, 2 * PAGE, None), Some(at + 2 * PAGE));
        assert_eq!(m.gaps().filter(|g| g.1 >= 2 * PAGE).count(), 101);
        // A 1-page request fits the very first gap, aligned or not.
        assert_eq!(first_fit(&m, PAGE, 2 * PAGE, None), Some(base + 2 * PAGE));
    }

    #[test]
    fn upper_limit_bounds_the_child_end() {
        let m = map_with(0x10000, 0x10000, &[(0x10000, 0x2000)]);
        // Free: [0x12000, 0x20000).
        assert_eq!(first_fit(&m, PAGE, PAGE, Some(0x13000)), Some(0x12000));
        assert_eq!(
            first_fit(&m, 2 * PAGE, PAGE, Some(0x13000)),
            None,
            "would end past the limit"
        );
        assert_eq!(
            first_fit(&m, PAGE, PAGE, Some(0x12000)),
            None,
            "limit at the gap start"
        );
        assert_eq!(
            first_fit(&m, PAGE, PAGE, Some(0x5000)),
            None,
            "limit below the base"
        );
        assert_eq!(first_fit(&m, PAGE, PAGE, Some(usize::MAX)), Some(0x12000));
        assert_eq!(
            first_fit(&m, PAGE, 0x4000, Some(0x14fff)),
            None,
            "0x14000 would end at 0x15000"
        );
        assert_eq!(first_fit(&m, PAGE, 0x4000, Some(0x15000)), Some(0x14000));
        // Random placement under a limit stays under it and covers every candidate.
        let mut rng = Rng(5);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..400 {
            let s = m
                .place(&req(PAGE, PAGE, Some(0x18000), 30), &mut || rng.next())
                .unwrap();
            assert!(
                (0x12000..=0x17000).contains(&s) && s & (PAGE - 1) == 0,
                "{s:#x}"
            );
            seen.insert(s);
        }
        assert_eq!(seen.len(), 6, "all six slots under the limit are reachable");
    }

    #[test]
    fn no_room_and_oversized_alignment() {
        let m = map_with(0x10_0000, 0x10000, &[(0x10_4000, PAGE)]);
        // Alignment larger than the map, base not aligned to it: no candidate at all.
        assert_eq!(first_fit(&m, PAGE, 0x20_0000, None), None);
        assert_eq!(m.place(&req(PAGE, 0x20_0000, None, 30), &mut || 3), None);
        // Alignment larger than the map, base aligned to it: exactly the base.
        let m2 = map_with(0x20_0000, 0x10000, &[]);
        assert_eq!(first_fit(&m2, PAGE, 0x20_0000, None), Some(0x20_0000));
        for seed in 1..20 {
            let mut rng = Rng(seed);
            assert_eq!(
                m2.place(&req(PAGE, 0x20_0000, None, 30), &mut || rng.next()),
                Some(0x20_0000)
            );
        }
        // Longer than the largest gap.
        assert_eq!(
            m.place(&req(0x5000, PAGE, None, 30), &mut || 3),
            Some(0x10_5000)
        );
        assert_eq!(m.place(&req(0xc000, PAGE, None, 30), &mut || 3), None);
        assert_eq!(m.place(&req(0x10000, PAGE, None, 0), &mut || 3), None);
        // Invalid requests get no placement rather than a panic.
        assert_eq!(m.place(&req(0, PAGE, None, 0), &mut || 3), None);
        assert_eq!(m.place(&req(PAGE, 3 * PAGE, None, 0), &mut || 3), None);
    }

    #[test]
    fn placement_near_the_top_of_the_address_space() {
        let size = 0x10_0000;
        let base = usize::MAX - size + 1 - PAGE; // Ends one page below the top.
        let m = map_with(base, size, &[(base, PAGE)]);
        let top_align = 1usize << 63;
        assert_eq!(
            first_fit(&m, PAGE, top_align, None),
            None,
            "align_up overflows"
        );
        let mut rng = Rng(3);
        for _ in 0..100 {
            let s = m
                .place(&req(PAGE, PAGE, None, 40), &mut || rng.next())
                .unwrap();
            assert!(s > base && s <= base + size - PAGE);
        }
        assert_eq!(
            m.place(&req(PAGE, top_align, None, 40), &mut || rng.next()),
            None
        );
    }

    #[test]
    fn broken_rng_still_gets_a_valid_candidate() {
        let m = map_with(0x10000, 0x30000, &[(0x12000, PAGE), (0x20000, PAGE)]);
        for value in [0, u64::MAX, 0x8000_0000_0000_0000] {
            for e in [1, 5, 30, 64, 200] {
                for limit in [None, Some(0x28000)] {
                    let r = req(2 * PAGE, PAGE, limit, e);
                    let s = m.place(&r, &mut || value).unwrap();
                    assert!(rank(&runs(&m, &r), PAGE, s).is_some(), "{s:#x}");
                }
            }
        }
    }

    /// Draws `n` placements and returns hit counts by candidate rank.
    fn histogram<T>(m: &RegionMap<T>, r: &Placement, n: usize, seed: u64) -> Vec<usize> {
        let rs = runs(m, r);
        let mut hits = vec![0; total(&rs)];
        let mut rng = Rng(seed);
        for _ in 0..n {
            let s = m.place(r, &mut || rng.next()).expect("room");
            hits[rank(&rs, r.align, s).expect("a candidate")] += 1;
        }
        hits
    }

    /// Asserts the hits are uniform over exactly the first `support` ranks (loosely: a
    /// chi-square bound far above its expectation of about `support`).
    fn assert_uniform_prefix(hits: &[usize], support: usize) {
        assert!(
            hits[support..].iter().all(|&h| h == 0),
            "hit outside the first {support}"
        );
        let n: usize = hits.iter().sum();
        let expect = n as f64 / support as f64;
        let chi2: f64 = hits[..support]
            .iter()
            .map(|&h| (h as f64 - expect).powi(2) / expect)
            .sum();
        assert!(
            hits[..support].iter().all(|&h| h > 0),
            "unreached candidate in {hits:?}"
        );
        assert!(
            chi2 < 2.0 * support as f64 + 60.0,
            "chi2 {chi2} over {support} ranks"
        );
    }

    /// A fragmented map: one-page children at random pages of 256.
    fn fragmented(seed: u64) -> RegionMap<usize> {
        let mut m = RegionMap::new(0x100_0000, 256 * PAGE);
        let mut rng = Rng(seed);
        for i in 0..80 {
            let s = 0x100_0000 + rng.below(256) * PAGE;
            if m.is_free(s, PAGE) {
                m.insert(s, PAGE, i);
            }
        }
        m.check_invariants();
        m
    }

    #[test]
    fn whole_map_mode_is_uniform_over_all_candidates() {
        let m = fragmented(11);
        for (len, align) in [
            (PAGE, PAGE),
            (3 * PAGE, PAGE),
            (2 * PAGE, 4 * PAGE),
            (PAGE, 2 * PAGE),
        ] {
            let r = req(len, align, None, 30);
            let t = total(&runs(&m, &r));
            assert!(t > 2);
            assert_uniform_prefix(&histogram(&m, &r, 300 * t, 17), t);
        }
    }

    #[test]
    fn small_entropy_window_matches_zircon() {
        let m = fragmented(12);
        // Single-page page-aligned requests waste nothing: exactly the first 2^E.
        for e in [1, 3, 5] {
            let r = req(PAGE, PAGE, None, e);
            assert_uniform_prefix(&histogram(&m, &r, 400 << e, 19), 1 << e);
        }
        // Longer requests: a prefix of Zircon's window, never beyond it.
        let r = req(3 * PAGE, PAGE, None, 4);
        let hits = histogram(&m, &r, 10_000, 23);
        let support = hits.iter().rposition(|&h| h > 0).unwrap() + 1;
        assert!(support <= 16);
        assert_uniform_prefix(&hits, support);
    }

    #[test]
    fn window_under_limit_is_uniform() {
        let m = fragmented(13);
        let limit = 0x100_0000 + 200 * PAGE;
        for (len, align) in [(PAGE, PAGE), (2 * PAGE, PAGE), (PAGE, 4 * PAGE)] {
            let r = req(len, align, Some(limit), 30);
            let t = total(&runs(&m, &r));
            assert_uniform_prefix(&histogram(&m, &r, 300 * t, 29), t);
        }
    }

    #[test]
    fn exact_fallback_when_most_draws_are_rejected() {
        // A 33-page gap (the first fit), 2000 one-page gaps, then a 40-page gap. Under a
        // limit (the address window), a 32-page request accepts 11 of about 2073 proposal
        // units, so nearly every call exhausts its draws and enumerates.
        let base = 0x1000_0000;
        let mut m = RegionMap::new(base, 4200 * PAGE);
        m.insert(base + 33 * PAGE, PAGE, 0);
        for i in 0..2000 {
            m.insert(base + (35 + 2 * i) * PAGE, PAGE, i);
        }
        m.insert(base + 4074 * PAGE, 126 * PAGE, 0);
        m.check_invariants();
        assert_eq!(m.gaps().filter(|g| g.1 == PAGE).count(), 2000);
        let r = req(32 * PAGE, PAGE, Some(base + 4100 * PAGE), 30);
        let t = total(&runs(&m, &r));
        assert_eq!(t, 2 + 9);
        assert_uniform_prefix(&histogram(&m, &r, 3000, 31), t);
        // Without the limit the length index skips the small gaps: every draw is accepted.
        let r = req(32 * PAGE, PAGE, None, 30);
        let mut rng = Rng(37);
        m.place(&r, &mut || rng.next()).unwrap();
        assert!(m.last_place_visits() < 100, "{}", m.last_place_visits());
    }

    /// Random inserts, removes and placements against the linear reference.
    #[test]
    fn model_randomized() {
        for seed in 1..=6u64 {
            let pages = 64 + Rng(seed).below(512);
            run_model(seed, PAGE, pages, 8, 6, 3000, 64);
        }
    }

    /// Thousands of gaps: the tree gets inner levels, so the one-descent paths of
    /// insert and remove meet leaf edges, separators, splits and merges.
    #[test]
    fn model_randomized_large() {
        run_model(99, PAGE, 16_384, 2, 6, 12_000, 3_000);
    }

    /// Byte-sized children and requests up to 64 bytes: requests fall inside length
    /// classes (not on their lower edge), and small windows make `U` straddle `W·A`, so
    /// the exact scan of the class of `len` and the envelope units are exercised.
    #[test]
    fn model_randomized_bytes() {
        for seed in 1..=4u64 {
            run_model(seed + 40, 1, 4096, 64, 64, 4000, 200);
        }
    }

    /// The free room beside `[s, s + l)` among the children of `model` (which does not
    /// hold that range) in the map `[base, base + size)`.
    fn model_gaps(
        model: &BTreeMap<usize, (usize, u64)>,
        base: usize,
        size: usize,
        s: usize,
        l: usize,
    ) -> Gaps {
        let prev_end = model
            .range(..s)
            .next_back()
            .map_or(base, |(&cs, &(cl, _))| cs + cl);
        let next = model.range(s..).next().map_or(base + size, |(&cs, _)| cs);
        Gaps {
            before: s - prev_end,
            after: next - (s + l),
        }
    }

    /// Random steps on a map of `units` units of `unit` bytes (children up to
    /// `max_child` units, requests up to `max_req` units), checked against a
    /// `BTreeMap` and linear references of placement, proposal spaces and lookups.
    fn run_model(
        seed: u64,
        unit: usize,
        units: usize,
        max_child: usize,
        max_req: usize,
        steps: u64,
        check_every: u64,
    ) {
        {
            let mut rng = Rng(seed * 0x9e37_79b9);
            let base = 0x40_0000 + rng.below(16) * unit;
            let size = units * unit;
            let mut m: RegionMap<u64> = RegionMap::new(base, size);
            let mut model: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
            for step in 0..steps {
                match rng.below(10) {
                    0..=2 => {
                        let s = base + rng.below(units) * unit;
                        let l = (1 + rng.below(max_child)) * unit;
                        let free = s + l <= base + size
                            && model
                                .range(..s + l)
                                .next_back()
                                .map(|(&cs, &(cl, _))| cs + cl <= s)
                                .unwrap_or(true);
                        assert_eq!(m.is_free(s, l), free, "is_free({s:#x}, {l:#x})");
                        if free {
                            let want = model_gaps(&model, base, size, s, l);
                            assert_eq!(m.insert(s, l, step), want, "insert({s:#x}, {l:#x})");
                            model.insert(s, (l, step));
                        }
                    }
                    3..=4 if !model.is_empty() => {
                        let k = *model.keys().nth(rng.below(model.len())).unwrap();
                        let (l, v) = model.remove(&k).unwrap();
                        let want = model_gaps(&model, base, size, k, l);
                        assert_eq!(m.remove_with_gaps(k), Some((l, v, want)), "remove({k:#x})");
                    }
                    _ => {
                        let len = (1 + rng.below(max_req)) * unit;
                        let align = unit << rng.below(5);
                        let limit = (rng.below(3) == 0).then(|| base + rng.below(units + 8) * unit);
                        let e = [0, 0, 1, 2, 4, 8, 12, 30][rng.below(8)];
                        let r = req(len, align, limit, e);
                        let rs = runs(&m, &r);
                        check_space(&m, &r);
                        let got = m.place(&r, &mut || rng.next());
                        let t = total(&rs);
                        assert_eq!(got.is_some(), t > 0, "{r:?}");
                        if let Some(s) = got {
                            let k = rank(&rs, align, s)
                                .unwrap_or_else(|| panic!("{s:#x} not a candidate for {r:?}"));
                            if e == 0 {
                                assert_eq!(k, 0, "first fit for {r:?}");
                            } else {
                                assert!(
                                    k < (1usize << e).min(t),
                                    "rank {k} outside Zircon's window for {r:?}"
                                );
                            }
                            if rng.below(2) == 0 {
                                m.insert(s, len, step);
                                model.insert(s, (len, step));
                            }
                        }
                    }
                }
                if step % check_every == 0 {
                    m.check_invariants();
                }
                let probe = base + rng.below(size + 2 * unit) - unit;
                let want = model
                    .range(..=probe)
                    .next_back()
                    .filter(|(&cs, &(cl, _))| probe < cs + cl);
                assert_eq!(
                    m.find(probe).map(|(s, l, v)| (s, l, *v)),
                    want.map(|(&s, &(l, v))| (s, l, v))
                );
            }
            m.check_invariants();
            let all: Vec<_> = m.iter().map(|(s, l, v)| (s, (l, *v))).collect();
            assert_eq!(all, model.into_iter().collect::<Vec<_>>());
        }
    }

    /// The proposal space `place` uses for `r`, against the module doc computed
    /// linearly: the whole map iff there is no limit and `U <= W·A` (with `U` between
    /// the index's bounds, exact when the class of `len` is full); otherwise the address
    /// window from the first fit's gap, cut at `W·A` units or at the limit.
    fn check_space<T>(m: &RegionMap<T>, r: &Placement) {
        let end = m.base() + m.size();
        let limit = r.upper_limit.map_or(end, |u| u.min(end));
        let q = Query {
            len: r.len,
            align: r.align,
            limit,
        };
        let rs = runs(m, r);
        let Some(first) = m.first_fit(&q, &mut 0) else {
            assert!(rs.is_empty(), "{r:?}: no first fit");
            return;
        };
        let gaps: Vec<(usize, usize)> = m.gaps().collect();
        let first_gap = gaps
            .iter()
            .find(|g| g.0 <= rs[0].0 && rs[0].0 < g.0 + g.1)
            .unwrap();
        assert_eq!(
            (first.slot, first.gap_start),
            (rs[0].0, first_gap.0),
            "{r:?}"
        );
        if r.entropy_bits == 0 {
            return;
        }
        let a = r.align as u128;
        let cap = (1u128 << r.entropy_bits.min(64)) * a;
        let space = m
            .space(&q, r.entropy_bits, &mut 0)
            .expect("a candidate exists");
        let u: u128 = gaps
            .iter()
            .filter(|g| g.1 >= r.len)
            .map(|g| (g.1 - r.len) as u128 + a)
            .sum();
        if limit == end && u <= cap {
            match space {
                Space::WholeMap(w) => {
                    assert!(m.indexed, "class space without an index");
                    assert!(w.lower <= u && u <= w.units(), "{r:?}: U {u} out of {w:?}");
                    assert!(
                        w.partial || w.units() == u,
                        "{r:?}: U {u} in a full class {w:?}"
                    );
                }
                Space::Leaf { units } => {
                    assert!(!m.indexed, "leaf space with an index");
                    assert_eq!(units, u, "{r:?}");
                }
                Space::Window { .. } => {
                    panic!("{r:?}: U {u} <= W·A {cap}, but the window was chosen")
                }
            }
            return;
        }
        let Space::Window {
            first_gap,
            from,
            units,
            kappa,
        } = space
        else {
            panic!("{r:?}: U {u} > W·A {cap} or a limit, but the whole map was chosen")
        };
        assert_eq!(kappa, r.align.saturating_sub(r.len));
        assert_eq!(first_gap, first.gap_start);
        let weight = |g: &(usize, usize)| (g.1 + kappa) as u128;
        let from_ref: u128 = gaps
            .iter()
            .filter(|g| g.0 < first.gap_start)
            .map(weight)
            .sum();
        let mut to_ref: u128 = gaps.iter().filter(|g| g.0 < limit).map(weight).sum();
        if let Some(g) = gaps.iter().find(|g| g.0 < limit && g.0 + g.1 > limit) {
            to_ref -= (g.0 + g.1 - limit) as u128;
        }
        assert_eq!(
            (from, units),
            (from_ref, (to_ref - from_ref).min(cap)),
            "{r:?}"
        );
    }

    /// Children, lookups and the address-order queries of `place`, against a
    /// `BTreeMap` and the gap list.
    fn check_against(m: &RegionMap<usize>, model: &BTreeMap<usize, (usize, usize)>, rng: &mut Rng) {
        m.check_invariants();
        let all: Vec<_> = m.iter().map(|(s, l, v)| (s, (l, *v))).collect();
        assert_eq!(all, model.iter().map(|(&s, &c)| (s, c)).collect::<Vec<_>>());
        let (base, end) = (m.base(), m.base() + m.size());
        let span = end - base + 2 * PAGE;
        for _ in 0..50 {
            let probe = base - PAGE + rng.below(span);
            let want = model
                .range(..=probe)
                .next_back()
                .filter(|(&s, &(l, _))| probe < s + l);
            assert_eq!(
                m.find(probe).map(|(s, l, v)| (s, l, *v)),
                want.map(|(&s, &(l, v))| (s, l, v))
            );
            assert_eq!(
                m.get(probe).map(|(l, v)| (l, *v)),
                model.get(&probe).copied()
            );
            let len = rng.below(64 * PAGE);
            let got: Vec<usize> = m.intersecting_starts(probe, len);
            let want: Vec<usize> = model
                .iter()
                .filter(|(&s, &(l, _))| len > 0 && s < probe.saturating_add(len) && probe < s + l)
                .map(|(&s, _)| s)
                .collect();
            assert_eq!(got, want, "intersecting({probe:#x}, {len:#x})");
        }
        let gaps: Vec<(usize, usize)> = m.gaps().collect();
        if gaps.is_empty() {
            return;
        }
        let v = &mut 0;
        for _ in 0..20 {
            let kappa = [0, 1, PAGE, 3 * PAGE][rng.below(4)];
            // before[i]: weight of the gaps below gap i.
            let mut before = vec![0u128];
            for g in &gaps {
                before.push(before.last().unwrap() + (g.1 + kappa) as u128);
            }
            let total = *before.last().unwrap();
            assert_eq!(m.total_weight(kappa), total);
            let addr = base - PAGE + rng.below(span);
            let below = gaps.partition_point(|g| g.0 < addr);
            assert_eq!(m.prefix_weight(addr, kappa, v), before[below]);
            let r = (rng.next() as u128) % total;
            let (gs, gl, at) = m.select_weight(r, kappa, v);
            let idx = before.partition_point(|&b| b <= r) - 1;
            assert_eq!((gs, gl, at), (gaps[idx].0, gaps[idx].1, before[idx]));
            let len = (1 + rng.below(4)) * PAGE;
            let mut got = Vec::new();
            let stop = 1 + rng.below(64);
            m.walk_fitting(addr, len, kappa, v, &mut |gs, gl, b| {
                got.push((gs, gl, b));
                got.len() < stop
            });
            let want: Vec<(usize, usize, u128)> = (below..gaps.len())
                .filter(|&i| gaps[i].1 >= len)
                .map(|i| (gaps[i].0, gaps[i].1, before[i]))
                .take(stop)
                .collect();
            assert_eq!(got, want, "walk_fitting from {addr:#x}");
        }
    }

    /// Grows to 12 000 children, then drains in random, ascending and descending order:
    /// splits, merges and refills at every level, and the removal of a leaf's first
    /// entry from both ends.
    #[test]
    fn tree_survives_growth_and_drain() {
        let mut rng = Rng(123);
        let base = 0x1000_0000;
        let units = 1 << 16;
        let mut m: RegionMap<usize> = RegionMap::new(base, units * PAGE);
        let mut model: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for phase in 0..3 {
            while model.len() < 12_000 {
                let s = base + rng.below(units) * PAGE;
                let l = (1 + rng.below(3)) * PAGE;
                if m.is_free(s, l) {
                    m.insert(s, l, s ^ phase);
                    model.insert(s, (l, s ^ phase));
                    if model.len() % 2000 == 0 {
                        check_against(&m, &model, &mut rng);
                    }
                }
            }
            assert!(m.tree.height() >= 2, "the test must reach inner levels");
            let mut keys: Vec<usize> = model.keys().copied().collect();
            match phase {
                0 => {
                    for i in (1..keys.len()).rev() {
                        keys.swap(i, rng.below(i + 1));
                    }
                }
                1 => {}
                _ => keys.reverse(),
            }
            for (i, k) in keys.into_iter().enumerate() {
                assert_eq!(m.remove(k), model.remove(&k));
                if i % 2000 == 0 {
                    check_against(&m, &model, &mut rng);
                }
            }
            check_against(&m, &model, &mut rng);
            assert!(m.is_empty());
            assert_eq!(m.gaps().collect::<Vec<_>>(), vec![(base, units * PAGE)]);
            assert_eq!(m.tree.height(), 0);
        }
    }

    #[test]
    fn length_classes_partition_lengths_in_order() {
        let mut lens = vec![
            1,
            2,
            7,
            8,
            15,
            16,
            17,
            31,
            32,
            33,
            4095,
            4096,
            4097,
            3 * PAGE,
            33 * PAGE,
            34 * PAGE,
            1 << 63,
            usize::MAX / 2,
            usize::MAX,
        ];
        let mut rng = Rng(5);
        for _ in 0..20_000 {
            lens.push((rng.next() as usize >> rng.below(64)).max(1));
        }
        lens.sort_unstable();
        let mut prev = 0;
        for &l in &lens {
            let c = class_of(l);
            assert!(c >= prev, "classes out of order at {l:#x}");
            prev = c;
            let (lo, w) = (class_lo(c), class_width(c));
            assert!(
                lo <= l && l - lo < w,
                "{l:#x} outside class {c}: [{lo:#x}, +{w:#x})"
            );
            assert_eq!(class_of(lo), c);
            if let Some(next) = lo.checked_add(w) {
                assert_eq!(class_of(next), c + 1, "class after {c}");
            }
            assert!(lo < 2 * SUB || w <= lo / SUB, "class {c} too wide");
        }
        assert_eq!(
            class_of(usize::MAX) >> SUB_BITS,
            61,
            "the top group fits the mask"
        );
        // Page multiples up to 15 pages and powers of two start their class: whole-map
        // placement of them needs no envelope.
        for p in 1..16 {
            assert_eq!(class_lo(class_of(p * PAGE)), p * PAGE);
        }
        for b in 0..usize::BITS {
            assert_eq!(class_lo(class_of(1 << b)), 1 << b);
        }
        assert!(class_lo(class_of(17 * PAGE)) < 17 * PAGE);
    }

    /// The length index alone against a list: members, sums and masks after random adds,
    /// moves and removes; the bounds of U, the exact scan, and where every drawn unit
    /// lands.
    #[test]
    fn length_index_matches_a_list() {
        let mut rng = Rng(71);
        let mut ix = LenIndex::default();
        let mut live: Vec<(u32, usize, usize)> = Vec::new();
        let random_len = |rng: &mut Rng| match rng.below(3) {
            0 => 1 + rng.below(64),
            1 => (1 + rng.below(40)) * PAGE,
            _ => 1 + (rng.next() as usize >> (16 + rng.below(40))),
        };
        for step in 0..40_000 {
            let grow = live.len() < 200 || (step / 5000) % 2 == 0;
            match rng.below(3) {
                0 if !live.is_empty() => {
                    let i = rng.below(live.len());
                    ix.remove(live.swap_remove(i).0);
                }
                1 if !live.is_empty() => {
                    let i = rng.below(live.len());
                    let (start, len) = (rng.next() as usize, random_len(&mut rng));
                    ix.set(live[i].0, start, len);
                    (live[i].1, live[i].2) = (start, len);
                }
                _ if grow || live.is_empty() => {
                    let (start, len) = (rng.next() as usize, random_len(&mut rng));
                    live.push((ix.add(start, len), start, len));
                }
                _ => {}
            }
            if step % 1000 != 999 {
                continue;
            }
            ix.check(&live);
            for _ in 0..20 {
                let len = random_len(&mut rng);
                let align = 1 << rng.below(14);
                let a = align as u128;
                let w = ix.weights(len, align);
                let fits = || live.iter().filter(|g| g.2 >= len);
                let u: u128 = fits().map(|g| (g.2 - len) as u128 + a).sum();
                let v = &mut 0;
                if w.partial {
                    let in_bc = live.iter().filter(|g| class_of(g.2) == w.bc).count();
                    assert_eq!(w.boundary, in_bc as u128 * w.env);
                    assert_eq!(w.lower + ix.boundary_exact(&w, v), u, "{w:?}");
                } else {
                    assert_eq!((w.lower, w.boundary), (u, 0), "{w:?}");
                }
                if w.units() == 0 {
                    continue;
                }
                for _ in 0..20 {
                    let r = (rng.next() as u128) % w.units();
                    match ix.select(&w, r, &mut || rng.next(), v) {
                        Some((gs, gl, off)) => {
                            assert!(fits().any(|g| (g.1, g.2) == (gs, gl)), "not a gap");
                            assert!(off < (gl - len) as u128 + a, "unit past the stretch");
                        }
                        None => assert!(w.partial, "a full space rejected unit {r}"),
                    }
                }
            }
        }
    }

    /// Whole-map sampling is exactly uniform over the candidates when gaps sit deep in
    /// wide classes: a partial class of `len` (envelope units), the index part, and the
    /// weighted part both by rejection and, when that keeps failing, by the class scan.
    #[test]
    fn length_index_draws_are_uniform_over_candidates() {
        let mut crowded = vec![32; 64];
        crowded.push(35);
        let cases = [
            // 17 pages sits in the class [16, 18) pages, with gaps on both sides of it.
            (vec![3, 5, 16, 17, 18, 19, 23, 40, 41, 47, 100, 129], 17),
            // 64 gaps of exactly 32 pages and one of 35: the weighted part of the class
            // [32, 36) is one member in 65, so its rejection loop often gives up.
            (crowded, 32),
            // 34 pages in the class [32, 36) pages, members on both sides.
            (vec![33, 34, 35, 50, 51, 200, 255], 34),
        ];
        for (pages, len) in cases {
            let mut ix = LenIndex::default();
            let mut gaps = Vec::new();
            for (i, &p) in pages.iter().enumerate() {
                let start = 0x1000_0000 + i * 0x100_0000;
                ix.add(start, p * PAGE);
                gaps.push((start, p * PAGE));
            }
            let len = len * PAGE;
            let w = ix.weights(len, PAGE);
            // Candidate ranks in gap order.
            let mut first = BTreeMap::new();
            let mut t = 0;
            for &(s, l) in &gaps {
                if l >= len {
                    first.insert(s, t);
                    t += (l - len) / PAGE + 1;
                }
            }
            let mut hits = vec![0; t];
            let mut rng = Rng(len as u64 + pages.len() as u64);
            let v = &mut 0;
            for _ in 0..400 * t {
                let found = loop {
                    let r = (rng.next() as u128) % w.units();
                    if let Some(f) = ix.select(&w, r, &mut || rng.next(), v) {
                        break f;
                    }
                };
                let (gs, _, off) = found;
                hits[first[&gs] + (off / PAGE as u128) as usize] += 1;
            }
            assert_uniform_prefix(&hits, t);
        }
    }

    /// A map of at most 16 children keeps no length index and places by scanning its one
    /// leaf: still uniform over all candidates, at page and larger alignment.
    #[test]
    fn whole_map_mode_in_one_leaf_is_uniform() {
        let base = 0x100_0000;
        let m = map_with(
            base,
            256 * PAGE,
            &[
                (base + 3 * PAGE, PAGE),
                (base + 40 * PAGE, 5 * PAGE),
                (base + 77 * PAGE, PAGE),
                (base + 150 * PAGE, 2 * PAGE),
                (base + 201 * PAGE, 30 * PAGE),
            ],
        );
        assert!(!m.indexed);
        for (len, align) in [(PAGE, PAGE), (17 * PAGE, PAGE), (3 * PAGE, 4 * PAGE)] {
            let r = req(len, align, None, 30);
            check_space(&m, &r);
            let t = total(&runs(&m, &r));
            assert_uniform_prefix(&histogram(&m, &r, 200 * t, 43), t);
        }
    }

    /// The length index is built when the tree gets a second leaf and dropped when it
    /// shrinks back to one, repeatedly, with placement checked at every step.
    #[test]
    fn length_index_follows_the_tree_height() {
        let base = 0x100_0000;
        let mut m: RegionMap<usize> = RegionMap::new(base, 512 * PAGE);
        let mut rng = Rng(9);
        let (mut builds, mut drops) = (0, 0);
        for round in 0..6 {
            let target = if round % 2 == 0 { 40 } else { 3 };
            while m.len() != target {
                let was = m.indexed;
                if m.len() < target {
                    let s = base + 2 * rng.below(256) * PAGE;
                    if m.is_free(s, PAGE) {
                        m.insert(s, PAGE, round);
                    }
                } else {
                    let k = m.iter().nth(rng.below(m.len())).unwrap().0;
                    m.remove(k).unwrap();
                }
                builds += usize::from(!was && m.indexed);
                drops += usize::from(was && !m.indexed);
                m.check_invariants();
                for len in [PAGE, 2 * PAGE, 9 * PAGE] {
                    check_space(&m, &req(len, PAGE, None, 30));
                    check_space(&m, &req(len, PAGE, None, 6));
                }
            }
        }
        assert!(builds >= 3 && drops >= 2, "{builds} builds, {drops} drops");
    }

    /// Random placement with long gaps of odd page counts, with and without a partial
    /// class of `len`, is uniform over all candidates.
    #[test]
    fn whole_map_mode_is_uniform_with_long_gaps() {
        let base = 0x100_0000;
        let mut m = RegionMap::new(base, 1024 * PAGE);
        let mut rng = Rng(3);
        let mut at = base;
        while at < base + 900 * PAGE {
            let gap = 1 + rng.below(60);
            m.insert(at + gap * PAGE, PAGE, 0);
            at += (gap + 1) * PAGE;
        }
        m.check_invariants();
        for len in [1, 16, 17, 19, 33] {
            let r = req(len * PAGE, PAGE, None, 30);
            check_space(&m, &r);
            let t = total(&runs(&m, &r));
            assert_uniform_prefix(&histogram(&m, &r, 100 * t, 41 + len as u64), t);
        }
    }

    #[test]
    fn sixty_thousand_children_stay_logarithmic() {
        const N: usize = 60_000;
        // A root-sized VMAR (64 TiB) filled the way ASLR fills it.
        let base = 0x20_0000;
        let mut m: RegionMap<usize> = RegionMap::new(base, 1 << 46);
        let mut rng = Rng(0xfeed);
        for i in 0..N {
            let len = (1 + rng.below(16)) * PAGE;
            let s = m
                .place(&req(len, PAGE, None, 30), &mut || rng.next())
                .unwrap();
            m.insert(s, len, i);
        }
        assert_eq!(m.len(), N);
        assert!(m.tree.height() <= 4, "tree height {}", m.tree.height());
        let cases = [
            req(PAGE, PAGE, None, 0),
            req(16 * PAGE, PAGE, None, 0),
            req(PAGE, PAGE, None, 30),
            req(64 * PAGE, 0x20_0000, None, 30),
            req(PAGE, PAGE, None, 12),
            req(4 * PAGE, PAGE, Some(base + (1 << 40)), 30),
            req(4 * PAGE, PAGE, Some(base + (1 << 40)), 0),
        ];
        for r in cases {
            for _ in 0..50 {
                let s = m.place(&r, &mut || rng.next()).unwrap();
                let v = m.last_place_visits();
                assert!(v < 40, "{v} visits for {r:?}");
                m.insert(s, r.len, 0);
                assert_eq!(m.remove(s), Some((r.len, 0)));
            }
        }
        // The same children packed first-fit (COMPACT) into a VMAR of their own size.
        let mut dense: RegionMap<usize> = RegionMap::new(base, (N + 64) * PAGE);
        for i in 0..N {
            let s = dense.place(&req(PAGE, PAGE, None, 0), &mut || 0).unwrap();
            assert!(dense.last_place_visits() < 40);
            dense.insert(s, PAGE, i);
        }
        // Punch holes, then place into them, first-fit and random.
        for i in (0..N).step_by(7) {
            dense.remove(base + i * PAGE).unwrap();
        }
        for e in [0, 30, 3] {
            for len in [PAGE, 2 * PAGE] {
                let r = req(len, PAGE, None, e);
                let s = dense.place(&r, &mut || rng.next()).unwrap();
                assert!(
                    dense.last_place_visits() < 40,
                    "{} visits for {r:?}",
                    dense.last_place_visits()
                );
                dense.insert(s, len, 0);
                dense.remove(s).unwrap();
            }
        }
        m.check_invariants();
        dense.check_invariants();
    }
}
