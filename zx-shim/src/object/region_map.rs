//! The ordered child map of one VMAR, with a free-gap index for O(log n) placement.
//!
//! # Layout
//! Children live in a `BTreeMap` keyed by start address (lookups, `find`, `intersecting`).
//! The free space between them is kept as maximal non-empty gaps in two B+ trees. Their
//! nodes sit in index arenas, hold up to 32 slots, and store each child's totals in the
//! parent, so a descent never reads a node only for its sums. There is no `unsafe`.
//! * `by_addr`, ordered by gap start. Every child subtree has its largest gap, the sum
//!   of its gap lengths and its gap count.
//! * `by_len`, ordered by `(length, start)`, with the same sum and count. The gaps of
//!   length `>= len` form a suffix whose totals come from one descent.
//!
//! A child insert or remove changes at most three gaps. Totals are updated
//! incrementally, and `max` is refolded only on the levels that lost their largest gap.
//! `by_addr` usually needs one descent per child insert or remove. Both operations are
//! O(log n).
//!
//! # Placement (zircon-abi.md §3.3)
//! Candidates are the `align`-aligned starts `s` with `[s, s+len)` inside one gap and
//! `s+len <= upper_limit`, numbered from the lowest address. Let T be their number and
//! W = 2^E. Zircon draws `i` from `[0, W)` and redraws from `[0, min(T, W))` if `i >= T`.
//! The result is exactly uniform over the lowest `min(T, W)` candidates.
//!
//! **First fit** (E = 0, and the start of every random window) walks `by_addr` in order
//! and skips children whose largest gap is shorter than `len`. It is exact. When gap
//! starts are multiples of `align` (always true at page alignment, because children are
//! page aligned), every gap it reaches fits. It then costs one root-to-leaf path. With a
//! larger alignment it also inspects the gaps of length in `[len, len + align)` whose
//! misaligned start makes them miss. That costs O(log n) per such gap ahead of the
//! answer.
//!
//! **Random placement** (E > 0) gives every gap `g` (length `L`, clipped at the limit) a
//! stretch of a "proposal space" of `A` = `align` units per slot. Candidate `k` of
//! the gap owns the interval `[k·A, (k+1)·A)` of that stretch. The rest of the stretch is
//! *waste*: the room too short for a whole child or lost to alignment. Sampling draws a
//! uniform unit, maps it to its gap by a sum descent, and accepts it if it lies inside a
//! candidate's interval. Every candidate owns the same number of units, so an accepted
//! draw is exactly uniform over the candidates the space covers. Two spaces are used:
//! * **Whole map**, when there is no upper limit and
//!   `U = Σ_{L >= len} (L - len + A) <= W·A`. This uses `by_len` with stretch
//!   `L - len + A` for gaps with `L >= len`. Because `T·A <= U`, `T <= W`, so Zircon's
//!   distribution here is uniform over all T candidates. Ours is the same, exactly.
//!   At page alignment `U = T·A`, so this case is exactly Zircon's `T <= W` case.
//! * **Address window**, otherwise. This uses `by_addr` with stretch
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
//! At page alignment the whole-map space has no waste, so every draw is accepted. In a
//! mostly free window the acceptance is close to 1. After `MAX_DRAWS` rejections (a
//! window filled almost entirely by gaps too short for the request), an exact
//! enumeration of the gaps of length `>= len` in the covered space picks uniformly from
//! the same candidate set. It costs O(k log n) for k such gaps. The `rng` draws are
//! made unbiased by rejection, so the distribution above holds exactly, not only up to
//! modulo bias.
//!
//! # Cost
//! `place` visits O(log n) nodes, plus the two cases above: near-miss gaps at large
//! alignment, and the enumeration fallback. `last_place_visits` reports the count for the
//! last call; each visit scans at most 32 slots. At 60 000 children the trees are 3 levels
//! deep and a placement visits 4 (first fit) to 20 nodes. `insert` and `remove` are
//! O(log n): one `BTreeMap` operation, usually one `by_addr` descent and at most three
//! `by_len` operations.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Children of one VMAR keyed by absolute start address, with a free-gap index.
pub struct RegionMap<T> {
    base: usize,
    size: usize,
    children: BTreeMap<usize, (usize, T)>,
    by_addr: GapTree,
    by_len: GapTree,
    /// Tree nodes visited by the last `place` (a work counter for tests; relaxed atomics
    /// keep the map `Sync` and cost a plain store).
    visits: AtomicUsize,
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

impl<T> RegionMap<T> {
    pub fn new(base: usize, size: usize) -> Self {
        assert!(
            base.checked_add(size).is_some(),
            "region wraps the address space"
        );
        let mut map = RegionMap {
            base,
            size,
            children: BTreeMap::new(),
            by_addr: GapTree::new(false),
            by_len: GapTree::new(true),
            visits: AtomicUsize::new(0),
        };
        if size > 0 {
            map.by_addr.insert(base, size);
            map.by_len.insert(base, size);
        }
        map
    }

    pub fn base(&self) -> usize {
        self.base
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn len(&self) -> usize {
        self.children.len()
    }

    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
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
        self.by_addr.total.sum
    }

    /// The free gaps in address order, as (start, len).
    pub fn gaps(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.by_addr.in_order()
    }

    /// Inserts a child. Panics if `len == 0`, or if the child overlaps another child or
    /// leaves `[base, base+size)`. The check is the gap lookup the insert needs anyway,
    /// so it is made in release builds too: a silently corrupt index would hand out
    /// overlapping placements.
    pub fn insert(&mut self, start: usize, len: usize, value: T) {
        let (gs, gl) = start
            .checked_add(len)
            .filter(|_| len > 0)
            .and_then(|end| self.by_addr.carve(start, end))
            .unwrap_or_else(|| {
                panic!("RegionMap::insert: [{start:#x}, +{len:#x}) is not free space of the map")
            });
        let (end, gap_end) = (start + len, gs + gl);
        self.by_len.remove(gs, gl);
        if start > gs {
            self.by_len.insert(gs, start - gs);
        }
        if end < gap_end {
            self.by_len.insert(end, gap_end - end);
        }
        self.children.insert(start, (len, value));
    }

    /// Removes the child starting exactly at `start`; returns (len, value).
    pub fn remove(&mut self, start: usize) -> Option<(usize, T)> {
        let (len, value) = self.children.remove(&start)?;
        let (left, right) = self.by_addr.fill(start, start + len);
        let (mut lo, mut joined) = (start, len);
        if let Some((ls, ll)) = left {
            self.by_len.remove(ls, ll);
            (lo, joined) = (ls, joined + ll);
        }
        if let Some((rs, rl)) = right {
            self.by_len.remove(rs, rl);
            joined += rl;
        }
        self.by_len.insert(lo, joined);
        Some((len, value))
    }

    pub fn get(&self, start: usize) -> Option<(usize, &T)> {
        self.children.get(&start).map(|(l, v)| (*l, v))
    }

    pub fn get_mut(&mut self, start: usize) -> Option<(usize, &mut T)> {
        self.children.get_mut(&start).map(|(l, v)| (*l, v))
    }

    /// The child containing `addr`, as (start, len, &value).
    pub fn find(&self, addr: usize) -> Option<(usize, usize, &T)> {
        let (&s, (l, v)) = self.children.range(..=addr).next_back()?;
        (addr - s < *l).then_some((s, *l, v))
    }

    /// Children intersecting [start, start+len), in address order: (start, len, &value).
    /// A range running past the end of the address space is cut there.
    pub fn intersecting(
        &self,
        start: usize,
        len: usize,
    ) -> impl Iterator<Item = (usize, usize, &T)> + '_ {
        let end = start.saturating_add(len);
        let first = match self.find(start) {
            Some((s, _, _)) => s,
            None => start,
        };
        let range = if len == 0 { start..start } else { first..end };
        self.children.range(range).map(|(&s, (l, v))| (s, *l, v))
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
        self.gap_containing(start, end).is_some()
    }

    /// The gap containing the non-empty range [start, end), as (start, len).
    fn gap_containing(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let (gs, gl) = self.by_addr.floor(start, &mut 0)?;
        (end <= gs + gl).then_some((gs, gl))
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &T)> + '_ {
        self.children.iter().map(|(&s, (l, v))| (s, *l, v))
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
        let first = self.by_addr.first_fit(&q, visits)?;
        if req.entropy_bits == 0 {
            return Some(first.slot);
        }
        let window = 1u128 << req.entropy_bits.min(64);
        let a = align as u128;
        let space = if limit == self.end() {
            let (count, sum) = self.by_len.suffix_at_least(len, visits);
            let units = sum as u128 - count as u128 * len as u128 + count as u128 * a;
            (units <= window * a).then_some(Space::WholeMap { units })
        } else {
            None
        };
        let space = match space {
            Some(s) => s,
            None => {
                let kappa = align.saturating_sub(len);
                let from = self.by_addr.prefix_weight(first.gap_start, kappa, visits);
                let to = if limit == self.end() {
                    self.by_addr.total.weight(kappa)
                } else {
                    let mut to = self.by_addr.prefix_weight(limit, kappa, visits);
                    if let Some((gs, gl)) = self.by_addr.floor(limit, visits) {
                        if gs < limit && gs + gl > limit {
                            to -= (gs + gl - limit) as u128;
                        }
                    }
                    to
                };
                Space::Window {
                    from,
                    units: (to - from).min(window * a),
                    kappa,
                }
            }
        };
        for _ in 0..MAX_DRAWS {
            let r = uniform_below(space.units(), rng);
            if let Some(slot) = self.try_unit(&space, &q, r, visits) {
                return Some(slot);
            }
        }
        self.enumerate_pick(&space, &q, first.gap_start, rng, visits)
    }

    /// Maps proposal unit `r` to the candidate owning it, if any.
    fn try_unit(&self, space: &Space, q: &Query, r: u128, visits: &mut usize) -> Option<usize> {
        let a = q.align as u128;
        match *space {
            Space::WholeMap { .. } => {
                let (gs, gl, offset) = self.by_len.select_suffix(q.len, q.align, r, visits);
                let k = offset / a;
                slot_in_gap(gs, gs + gl, q, k)
            }
            Space::Window { from, units, kappa } => {
                let (gs, gl, before) = self.by_addr.select_weight(from + r, kappa, visits);
                let k = (from + r - before) / a;
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
        first_gap: usize,
        rng: &mut dyn FnMut() -> u64,
        visits: &mut usize,
    ) -> Option<usize> {
        let (end_units, kappa) = match *space {
            Space::WholeMap { .. } => (u128::MAX, q.align.saturating_sub(q.len)),
            Space::Window { from, units, kappa } => (from + units, kappa),
        };
        let mut runs: Vec<(usize, u128)> = Vec::new();
        let a = q.align as u128;
        self.by_addr
            .walk_fitting(first_gap, q.len, kappa, visits, &mut |gs, gl, before| {
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
        assert_eq!(got, expect, "by_addr gaps disagree with the children");
        let by_len: Vec<_> = self.by_len.in_order().collect();
        let mut sorted = expect;
        sorted.sort_by_key(|&(s, l)| (l, s));
        assert_eq!(by_len, sorted, "by_len disagrees");
        self.by_addr.check();
        self.by_len.check();
    }
}

#[derive(Clone, Copy)]
struct Query {
    len: usize,
    align: usize,
    /// Effective upper limit: `min(upper_limit, base + size)`.
    limit: usize,
}

/// The proposal space of a random placement (see the module doc).
enum Space {
    /// `by_len` order; gaps with `L >= len`, stretch `L - len + A`.
    WholeMap { units: u128 },
    /// `by_addr` order from the first fit's gap; stretch `L + kappa`; `units` after `from`.
    Window {
        from: u128,
        units: u128,
        kappa: usize,
    },
}

impl Space {
    fn units(&self) -> u128 {
        match *self {
            Space::WholeMap { units } | Space::Window { units, .. } => units,
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

/// Slots per B+ tree node: entries in a leaf, children in an inner node.
const CAP: usize = 32;
/// A non-root node with fewer slots is merged with or refilled from a neighbour.
const MIN_FILL: usize = CAP / 2;

/// Levels a tree can have: 16 would need more than 16^15 gaps.
const MAX_HEIGHT: usize = 16;

/// The inner nodes (and child indices) from the root down to a leaf.
type Path = [(u32, usize); MAX_HEIGHT];

/// A free gap as (start, len).
type Gap = (usize, usize);

/// Ordering key of a gap, packed so that one integer comparison orders it: `start` in
/// `by_addr`, `(len, start)` in `by_len`.
type Key = u128;

fn addr_key(start: usize) -> Key {
    start as Key
}

fn len_key(len: usize, start: usize) -> Key {
    (len as Key) << 64 | start as Key
}

#[derive(Clone, Copy, Default)]
struct Agg {
    max: usize,
    sum: usize,
    count: usize,
}

impl Agg {
    fn add(self, o: Agg) -> Agg {
        Agg {
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
            count: self.count + o.count,
        }
    }

    /// Adds one gap; `max` stays exact.
    fn plus(&mut self, len: usize) {
        self.max = self.max.max(len);
        self.sum += len;
        self.count += 1;
    }

    /// Removes one gap; returns whether `max` may now be too high.
    fn minus(&mut self, len: usize) -> bool {
        self.sum -= len;
        self.count -= 1;
        len >= self.max
    }

    fn of_gap(len: usize) -> Agg {
        Agg {
            max: len,
            sum: len,
            count: 1,
        }
    }

    /// Proposal-space weight with `len + kappa` per gap.
    fn weight(self, kappa: usize) -> u128 {
        self.sum as u128 + self.count as u128 * kappa as u128
    }

    /// Weight with `L - len + align` per gap; every gap must have `L >= len`.
    fn suffix_weight(self, len: usize, align: usize) -> u128 {
        self.sum as u128 - self.count as u128 * len as u128 + self.count as u128 * align as u128
    }
}

#[derive(Clone, Copy)]
struct Leaf {
    n: usize,
    /// The gaps, in key order.
    gap: [Gap; CAP],
}

/// `key[i]` is a lower bound of child `i`'s keys and an upper bound (exclusive) of child
/// `i-1`'s; `key[0]` is not used for routing. `agg[i]` summarises child `i`, so descents
/// never read a child just for its totals.
#[derive(Clone, Copy)]
struct Inner {
    n: usize,
    key: [Key; CAP],
    child: [u32; CAP],
    agg: [Agg; CAP],
}

impl Inner {
    /// The child whose key range holds `k`.
    fn route(&self, k: Key) -> usize {
        // A branch-free count beats a binary search on 32 keys.
        self.key[1..self.n.max(1)]
            .iter()
            .map(|&s| usize::from(s <= k))
            .sum()
    }

    fn remove_slot(&mut self, i: usize) {
        let n = self.n;
        self.key.copy_within(i + 1..n, i);
        self.child.copy_within(i + 1..n, i);
        self.agg.copy_within(i + 1..n, i);
        self.n -= 1;
    }

    fn insert_slot(&mut self, i: usize, key: Key, child: u32, agg: Agg) {
        let n = self.n;
        self.key.copy_within(i..n, i + 1);
        self.child.copy_within(i..n, i + 1);
        self.agg.copy_within(i..n, i + 1);
        self.key[i] = key;
        self.child[i] = child;
        self.agg[i] = agg;
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

/// The gaps of one map in a B+ tree ordered by `Key`, in index arenas. All leaves are at
/// depth `height`; `height == 0` means the root is a leaf.
struct GapTree {
    leaves: Vec<Leaf>,
    inners: Vec<Inner>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    root: u32,
    height: usize,
    by_len: bool,
    total: Agg,
}

impl GapTree {
    fn new(by_len: bool) -> Self {
        let empty = Leaf {
            n: 0,
            gap: [(0, 0); CAP],
        };
        GapTree {
            leaves: vec![empty],
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            by_len,
            total: Agg::default(),
        }
    }

    fn key(&self, start: usize, len: usize) -> Key {
        if self.by_len {
            len_key(len, start)
        } else {
            addr_key(start)
        }
    }

    fn leaf_key(&self, t: u32, i: usize) -> Key {
        let l = &self.leaves[t as usize];
        self.key(l.gap[i].0, l.gap[i].1)
    }

    /// Position of the first entry of leaf `t` with key `>= k`.
    fn leaf_pos(&self, t: u32, k: Key) -> usize {
        let l = &self.leaves[t as usize];
        let below = |g: &(usize, usize)| usize::from(self.key(g.0, g.1) < k);
        l.gap[..l.n].iter().map(below).sum()
    }

    fn size(&self, t: u32, h: usize) -> usize {
        if h == 0 {
            self.leaves[t as usize].n
        } else {
            self.inners[t as usize].n
        }
    }

    fn agg_of(&self, t: u32, h: usize) -> Agg {
        if h == 0 {
            let l = &self.leaves[t as usize];
            l.gap[..l.n]
                .iter()
                .fold(Agg::default(), |a, g| a.add(Agg::of_gap(g.1)))
        } else {
            let n = &self.inners[t as usize];
            n.agg[..n.n].iter().fold(Agg::default(), |a, &b| a.add(b))
        }
    }

    fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        if let Some(t) = self.free_leaves.pop() {
            self.leaves[t as usize] = leaf;
            return t;
        }
        self.leaves.push(leaf);
        u32::try_from(self.leaves.len() - 1).expect("gap arena overflow")
    }

    fn alloc_inner(&mut self, inner: Inner) -> u32 {
        if let Some(t) = self.free_inners.pop() {
            self.inners[t as usize] = inner;
            return t;
        }
        self.inners.push(inner);
        u32::try_from(self.inners.len() - 1).expect("gap arena overflow")
    }

    fn insert(&mut self, start: usize, len: usize) {
        let k = self.key(start, len);
        if let Some((sep, right)) = self.ins(self.root, self.height, k, start, len) {
            let left = self.root;
            let mut node = Inner {
                n: 2,
                key: [0; CAP],
                child: [0; CAP],
                agg: [Agg::default(); CAP],
            };
            node.key[1] = sep;
            node.child[..2].copy_from_slice(&[left, right]);
            node.agg[0] = self.agg_of(left, self.height);
            node.agg[1] = self.agg_of(right, self.height);
            self.root = self.alloc_inner(node);
            self.height += 1;
        }
        self.total.plus(len);
    }

    /// Inserts below `t`; on a split returns the new right sibling and its separator.
    fn ins(&mut self, t: u32, h: usize, k: Key, start: usize, len: usize) -> Option<(Key, u32)> {
        if h == 0 {
            let mut t = t;
            let mut split = None;
            if self.leaves[t as usize].n == CAP {
                let mut right = self.leaves[t as usize];
                right.n = CAP - CAP / 2;
                right.gap.copy_within(CAP / 2.., 0);
                self.leaves[t as usize].n = CAP / 2;
                let r = self.alloc_leaf(right);
                let sep = self.leaf_key(r, 0);
                if k >= sep {
                    t = r;
                }
                split = Some((sep, r));
            }
            let pos = self.leaf_pos(t, k);
            let l = &mut self.leaves[t as usize];
            let n = l.n;
            l.gap.copy_within(pos..n, pos + 1);
            l.gap[pos] = (start, len);
            l.n += 1;
            return split;
        }
        let i = self.inners[t as usize].route(k);
        let c = self.inners[t as usize].child[i];
        let Some((sep, r)) = self.ins(c, h - 1, k, start, len) else {
            self.inners[t as usize].agg[i].plus(len);
            return None;
        };
        self.inners[t as usize].agg[i] = self.agg_of(c, h - 1);
        let ragg = self.agg_of(r, h - 1);
        let mut dest = t;
        let mut pos = i + 1;
        let mut split = None;
        if self.inners[t as usize].n == CAP {
            let mut right = self.inners[t as usize];
            right.n = CAP - CAP / 2;
            right.key.copy_within(CAP / 2.., 0);
            right.child.copy_within(CAP / 2.., 0);
            right.agg.copy_within(CAP / 2.., 0);
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

    fn remove(&mut self, start: usize, len: usize) {
        let k = self.key(start, len);
        self.rem(self.root, self.height, k, len);
        while self.height > 0 && self.inners[self.root as usize].n == 1 {
            self.free_inners.push(self.root);
            self.root = self.inners[self.root as usize].child[0];
            self.height -= 1;
        }
        if self.total.minus(len) && !self.by_len {
            self.total = self.agg_of(self.root, self.height);
        }
    }

    fn rem(&mut self, t: u32, h: usize, k: Key, len: usize) {
        if h == 0 {
            let n = self.leaves[t as usize].n;
            let pos = self.leaf_pos(t, k);
            assert!(
                pos < n && self.leaf_key(t, pos) == k,
                "gap index lost the gap {k:x?}"
            );
            let l = &mut self.leaves[t as usize];
            l.gap.copy_within(pos + 1..n, pos);
            l.n -= 1;
            return;
        }
        let i = self.inners[t as usize].route(k);
        let c = self.inners[t as usize].child[i];
        self.rem(c, h - 1, k, len);
        if self.size(c, h - 1) < MIN_FILL && self.inners[t as usize].n > 1 {
            self.rebalance(t, i, h - 1);
        } else if self.inners[t as usize].agg[i].minus(len) && !self.by_len {
            // Only `by_addr` reads `max`, so only it refolds after losing its largest gap.
            self.inners[t as usize].agg[i] = self.agg_of(c, h - 1);
        }
    }

    /// Child `i` of `p` (at height `ch`) is underfull: merge it with a neighbour, or
    /// even out the two when they do not fit in one node.
    fn rebalance(&mut self, p: u32, i: usize, ch: usize) {
        let pn = &self.inners[p as usize];
        let (a, b) = if i + 1 < pn.n { (i, i + 1) } else { (i - 1, i) };
        let (ca, cb, sep_b) = (pn.child[a], pn.child[b], pn.key[b]);
        let (na, nb) = (self.size(ca, ch), self.size(cb, ch));
        if ch == 0 {
            let lb = self.leaves[cb as usize];
            let la = &mut self.leaves[ca as usize];
            if na + nb <= CAP {
                la.gap[na..na + nb].copy_from_slice(&lb.gap[..nb]);
                la.n = na + nb;
                self.free_leaves.push(cb);
            } else if na > nb {
                let m = (na - nb) / 2;
                let lb = &mut self.leaves[cb as usize];
                lb.gap.copy_within(..nb, m);
                let la = self.leaves[ca as usize];
                let lb = &mut self.leaves[cb as usize];
                lb.gap[..m].copy_from_slice(&la.gap[na - m..na]);
                lb.n = nb + m;
                self.leaves[ca as usize].n = na - m;
            } else {
                let m = (nb - na) / 2;
                la.gap[na..na + m].copy_from_slice(&lb.gap[..m]);
                la.n = na + m;
                let lb = &mut self.leaves[cb as usize];
                lb.gap.copy_within(m..nb, 0);
                lb.n = nb - m;
            }
        } else {
            // Give b's first child its true lower bound before moving children.
            self.inners[cb as usize].key[0] = sep_b;
            let nbn = self.inners[cb as usize];
            let na_node = &mut self.inners[ca as usize];
            if na + nb <= CAP {
                na_node.key[na..na + nb].copy_from_slice(&nbn.key[..nb]);
                na_node.child[na..na + nb].copy_from_slice(&nbn.child[..nb]);
                na_node.agg[na..na + nb].copy_from_slice(&nbn.agg[..nb]);
                na_node.n = na + nb;
                self.free_inners.push(cb);
            } else if na > nb {
                let m = (na - nb) / 2;
                let an = *na_node;
                let bn = &mut self.inners[cb as usize];
                bn.key.copy_within(..nb, m);
                bn.child.copy_within(..nb, m);
                bn.agg.copy_within(..nb, m);
                bn.key[..m].copy_from_slice(&an.key[na - m..na]);
                bn.child[..m].copy_from_slice(&an.child[na - m..na]);
                bn.agg[..m].copy_from_slice(&an.agg[na - m..na]);
                bn.n = nb + m;
                self.inners[ca as usize].n = na - m;
            } else {
                let m = (nb - na) / 2;
                na_node.key[na..na + m].copy_from_slice(&nbn.key[..m]);
                na_node.child[na..na + m].copy_from_slice(&nbn.child[..m]);
                na_node.agg[na..na + m].copy_from_slice(&nbn.agg[..m]);
                na_node.n = na + m;
                let bn = &mut self.inners[cb as usize];
                bn.key.copy_within(m..nb, 0);
                bn.child.copy_within(m..nb, 0);
                bn.agg.copy_within(m..nb, 0);
                bn.n = nb - m;
            }
        }
        let merged = na + nb <= CAP;
        let agg_a = self.agg_of(ca, ch);
        let first_b = if merged {
            None
        } else if ch == 0 {
            Some(self.leaf_key(cb, 0))
        } else {
            Some(self.inners[cb as usize].key[0])
        };
        let agg_b = if merged {
            Agg::default()
        } else {
            self.agg_of(cb, ch)
        };
        let pn = &mut self.inners[p as usize];
        pn.agg[a] = agg_a;
        match first_b {
            None => pn.remove_slot(b),
            Some(k) => {
                pn.key[b] = k;
                pn.agg[b] = agg_b;
            }
        }
    }

    /// Descends towards key `k`, recording (inner node, child index) per level; returns
    /// the leaf and the path length.
    fn descend(&self, k: Key, path: &mut Path) -> (u32, usize) {
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

    /// Whether key `k` may replace an entry of the leaf reached by `path` without
    /// breaking a separator: every lower bound `<= k` and every upper bound `> k`.
    fn within_bounds(&self, path: &[(u32, usize)], k: Key) -> bool {
        path.iter().all(|&(p, i)| {
            let n = &self.inners[p as usize];
            (i == 0 || n.key[i] <= k) && (i + 1 >= n.n || n.key[i + 1] > k)
        })
    }

    /// After leaf `t` (reached by `path`) lost gaps of lengths `old` and gained gaps of
    /// lengths `new`, brings the aggregates on the path and the total up to date: O(1)
    /// per level, plus a refold of `max` while a lost length was the maximum and
    /// nothing new replaces it.
    fn fix_path(&mut self, path: &[(u32, usize)], t: u32, old: &[usize], new: &[usize]) {
        let old_max = old.iter().copied().max().unwrap_or(0);
        let new_max = new.iter().copied().max().unwrap_or(0);
        let mut fresh = (new_max < old_max).then(|| self.agg_of(t, 0));
        let update = |a: &mut Agg| {
            for &x in old {
                a.minus(x);
            }
            for &x in new {
                a.plus(x);
            }
        };
        for &(p, i) in path.iter().rev() {
            let a = &mut self.inners[p as usize].agg[i];
            let was_max = a.max == old_max;
            update(a);
            fresh = match fresh {
                Some(f) if was_max => {
                    *a = f;
                    Some(self.agg_of(p, 1))
                }
                _ => None,
            };
        }
        update(&mut self.total);
        if let Some(f) = fresh {
            self.total = f;
        }
    }

    /// `by_addr`: changes the length of the gap at `start` (its key stays the same).
    fn set_len(&mut self, start: usize, new_len: usize) {
        debug_assert!(!self.by_len);
        let mut path = [(0, 0); MAX_HEIGHT];
        let (t, depth) = self.descend(addr_key(start), &mut path);
        let l = &mut self.leaves[t as usize];
        let pos = l.gap[..l.n].partition_point(|g| g.0 < start);
        assert!(
            pos < l.n && l.gap[pos].0 == start,
            "gap index lost the gap at {start:#x}"
        );
        let old_len = std::mem::replace(&mut l.gap[pos].1, new_len);
        self.fix_path(&path[..depth], t, &[old_len], &[new_len]);
    }

    /// `by_addr`: takes the non-empty range [start, end) out of the gap containing it
    /// and returns that gap, or returns None (changing nothing) if no gap contains it.
    /// One descent unless the change reaches past its leaf.
    fn carve(&mut self, start: usize, end: usize) -> Option<(usize, usize)> {
        debug_assert!(!self.by_len && start < end);
        let mut path = [(0, 0); MAX_HEIGHT];
        let (t, depth) = self.descend(addr_key(start), &mut path);
        let l = &self.leaves[t as usize];
        let pos = l.gap[..l.n].partition_point(|g| g.0 <= start);
        let (gs, gl) = match pos {
            0 => self.floor(start, &mut 0)?,
            _ => l.gap[pos - 1],
        };
        let ge = gs + gl;
        if end > ge {
            return None;
        }
        let (left, right) = (start - gs, ge - end);
        if pos > 0 {
            let (n, i) = (l.n, pos - 1);
            let path = &path[..depth];
            let fast = match (left > 0, right > 0) {
                // The new entry at `end` must route to this leaf too.
                (true, true) => n < CAP && self.within_bounds(path, addr_key(end)),
                (true, false) => true,
                (false, true) => self.within_bounds(path, addr_key(end)),
                (false, false) => false,
            };
            if fast {
                let l = &mut self.leaves[t as usize];
                let new: &[usize] = match (left > 0, right > 0) {
                    (true, true) => {
                        l.gap.copy_within(pos..n, pos + 1);
                        l.gap[i].1 = left;
                        l.gap[pos] = (end, right);
                        l.n += 1;
                        &[left, right]
                    }
                    (true, false) => {
                        l.gap[i].1 = left;
                        &[left]
                    }
                    _ => {
                        l.gap[i] = (end, right);
                        &[right]
                    }
                };
                self.fix_path(path, t, &[gl], new);
                return Some((gs, gl));
            }
        }
        if left > 0 {
            self.set_len(gs, left);
        } else {
            self.remove(gs, gl);
        }
        if right > 0 {
            self.insert(end, right);
        }
        Some((gs, gl))
    }

    /// `by_addr`: returns [start, end), which no gap touches the inside of, to the free
    /// space, joining it with the gap ending at `start` and the gap starting at `end`.
    /// Returns those neighbours (as they were). One descent unless the change reaches
    /// past its leaf.
    fn fill(&mut self, start: usize, end: usize) -> (Option<Gap>, Option<Gap>) {
        debug_assert!(!self.by_len && start < end);
        let mut path = [(0, 0); MAX_HEIGHT];
        let (t, depth) = self.descend(addr_key(end), &mut path);
        let path = &path[..depth];
        let l = &self.leaves[t as usize];
        let (n, pos) = (l.n, l.gap[..l.n].partition_point(|g| g.0 <= end));
        let has_right = pos > 0 && l.gap[pos - 1].0 == end;
        // The left neighbour, if any, is the entry just before `end`'s floor (or the
        // floor itself when no gap starts at `end`).
        let li = if has_right {
            pos.checked_sub(2)
        } else {
            pos.checked_sub(1)
        };
        if let Some(li) = li {
            let lg = l.gap[li];
            let left = (lg.0 + lg.1 == start).then_some(lg);
            let right = has_right.then(|| l.gap[pos - 1]);
            let is_root = depth == 0;
            let fast = match (left, right) {
                (Some(_), Some(_)) => n > MIN_FILL || is_root,
                (Some(_), None) => true,
                (None, Some(_)) => self.within_bounds(path, addr_key(start)),
                (None, None) => false,
            };
            if fast {
                let l = &mut self.leaves[t as usize];
                let (old, new): (&[usize], usize) = match (left, right) {
                    (Some((ls, ll)), Some((_, rl))) => {
                        l.gap.copy_within(pos..n, pos - 1);
                        l.n -= 1;
                        l.gap[li] = (ls, ll + (end - start) + rl);
                        (&[ll, rl], ll + (end - start) + rl)
                    }
                    (Some((ls, ll)), None) => {
                        l.gap[li] = (ls, ll + (end - start));
                        (&[ll], ll + (end - start))
                    }
                    _ => {
                        let rl = l.gap[pos - 1].1;
                        l.gap[pos - 1] = (start, rl + (end - start));
                        (&[rl], rl + (end - start))
                    }
                };
                let old = old.to_owned();
                self.fix_path(path, t, &old, &[new]);
                return (left, right);
            }
        }
        let (pred, floor) = self.floor_pair(end);
        let abuts = |g: &(usize, usize)| g.0 + g.1 == start;
        let (left, right) = match floor {
            Some(g) if g.0 == end => (pred.filter(abuts), Some(g)),
            other => (other.filter(abuts), None),
        };
        match (left, right) {
            (Some((ls, ll)), Some((rs, rl))) => {
                self.remove(rs, rl);
                self.set_len(ls, ll + (end - start) + rl);
            }
            (Some((ls, ll)), None) => self.set_len(ls, ll + (end - start)),
            (None, Some((rs, rl))) => {
                self.remove(rs, rl);
                self.insert(start, (end - start) + rl);
            }
            (None, None) => self.insert(start, end - start),
        }
        (left, right)
    }

    /// `by_addr`: (the gap before the floor of `addr`, the floor of `addr`). One descent
    /// unless the floor is the first gap of its leaf.
    fn floor_pair(&self, addr: usize) -> (Option<Gap>, Option<Gap>) {
        let (mut t, mut h) = (self.root, self.height);
        while h > 0 {
            let n = &self.inners[t as usize];
            t = n.child[n.route(addr_key(addr))];
            h -= 1;
        }
        let l = &self.leaves[t as usize];
        let pos = l.gap[..l.n].partition_point(|g| g.0 <= addr);
        if pos >= 2 {
            return (Some(l.gap[pos - 2]), Some(l.gap[pos - 1]));
        }
        let floor = self.floor(addr, &mut 0);
        let pred = floor
            .and_then(|f| f.0.checked_sub(1))
            .and_then(|a| self.floor(a, &mut 0));
        (pred, floor)
    }

    /// `by_addr`: the gap with the greatest start `<= addr`.
    fn floor(&self, addr: usize, visits: &mut usize) -> Option<(usize, usize)> {
        self.floor_rec(self.root, self.height, addr, visits)
    }

    fn floor_rec(
        &self,
        t: u32,
        h: usize,
        addr: usize,
        visits: &mut usize,
    ) -> Option<(usize, usize)> {
        *visits += 1;
        if h == 0 {
            let l = &self.leaves[t as usize];
            let pos = l.gap[..l.n].partition_point(|g| g.0 <= addr);
            return (pos > 0).then(|| (l.gap[pos - 1].0, l.gap[pos - 1].1));
        }
        let n = &self.inners[t as usize];
        let i = n.route(addr_key(addr));
        if let Some(found) = self.floor_rec(n.child[i], h - 1, addr, visits) {
            return Some(found);
        }
        // Child i starts above `addr`: the answer is the last gap of child i-1.
        let (mut t, mut h) = (n.child[i.checked_sub(1)?], h - 1);
        loop {
            *visits += 1;
            if h == 0 {
                let l = &self.leaves[t as usize];
                return (l.n > 0).then(|| (l.gap[l.n - 1].0, l.gap[l.n - 1].1));
            }
            let n = &self.inners[t as usize];
            t = n.child[n.n - 1];
            h -= 1;
        }
    }

    /// `by_addr`: sum of `len + kappa` over gaps starting below `addr`.
    fn prefix_weight(&self, addr: usize, kappa: usize, visits: &mut usize) -> u128 {
        let (mut t, mut h) = (self.root, self.height);
        let mut acc = 0;
        loop {
            *visits += 1;
            if h == 0 {
                let l = &self.leaves[t as usize];
                let pos = l.gap[..l.n].partition_point(|g| g.0 < addr);
                let leaf: u128 = l.gap[..pos]
                    .iter()
                    .map(|g| Agg::of_gap(g.1).weight(kappa))
                    .sum();
                return acc + leaf;
            }
            let n = &self.inners[t as usize];
            let i = n.route(addr_key(addr));
            acc += n.agg[..i].iter().map(|a| a.weight(kappa)).sum::<u128>();
            t = n.child[i];
            h -= 1;
        }
    }

    /// `by_addr`: the gap whose stretch `[before, before + len + kappa)` holds `r`, as
    /// (start, len, before). `r` must be below the total weight.
    fn select_weight(&self, mut r: u128, kappa: usize, visits: &mut usize) -> (usize, usize, u128) {
        let (mut t, mut h) = (self.root, self.height);
        let mut before = 0;
        'down: loop {
            *visits += 1;
            if h == 0 {
                let l = &self.leaves[t as usize];
                for e in 0..l.n {
                    let w = Agg::of_gap(l.gap[e].1).weight(kappa);
                    if r < w {
                        return (l.gap[e].0, l.gap[e].1, before);
                    }
                    r -= w;
                    before += w;
                }
                unreachable!("select_weight past the total");
            }
            let n = &self.inners[t as usize];
            for i in 0..n.n {
                let w = n.agg[i].weight(kappa);
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

    /// `by_len`: (count, sum of lengths) of the gaps with length `>= len`.
    fn suffix_at_least(&self, len: usize, visits: &mut usize) -> (usize, usize) {
        let k = len_key(len, 0);
        let (mut t, mut h) = (self.root, self.height);
        let mut acc = Agg::default();
        loop {
            *visits += 1;
            if h == 0 {
                let l = &self.leaves[t as usize];
                for e in 0..l.n {
                    if l.gap[e].1 >= len {
                        acc = acc.add(Agg::of_gap(l.gap[e].1));
                    }
                }
                return (acc.count, acc.sum);
            }
            let n = &self.inners[t as usize];
            let i = n.route(k);
            acc = n.agg[i + 1..n.n].iter().fold(acc, |a, &b| a.add(b));
            t = n.child[i];
            h -= 1;
        }
    }

    /// `by_len`: among gaps with length `>= len`, in key order with stretch
    /// `L - len + align`, the gap holding unit `r`, as (start, len, offset).
    fn select_suffix(
        &self,
        len: usize,
        align: usize,
        r: u128,
        visits: &mut usize,
    ) -> (usize, usize, u128) {
        let mut r = r;
        self.select_suffix_rec(self.root, self.height, len, align, &mut r, visits)
            .expect("select_suffix past the total")
    }

    fn select_suffix_rec(
        &self,
        t: u32,
        h: usize,
        len: usize,
        align: usize,
        r: &mut u128,
        visits: &mut usize,
    ) -> Option<(usize, usize, u128)> {
        *visits += 1;
        if h == 0 {
            let l = &self.leaves[t as usize];
            for e in 0..l.n {
                if l.gap[e].1 >= len {
                    let w = (l.gap[e].1 - len) as u128 + align as u128;
                    if *r < w {
                        return Some((l.gap[e].0, l.gap[e].1, *r));
                    }
                    *r -= w;
                }
            }
            return None;
        }
        let n = &self.inners[t as usize];
        // Children before i0 hold only shorter gaps, after it only long enough ones.
        let i0 = n.route(len_key(len, 0));
        if let Some(found) = self.select_suffix_rec(n.child[i0], h - 1, len, align, r, visits) {
            return Some(found);
        }
        for i in i0 + 1..n.n {
            let w = n.agg[i].suffix_weight(len, align);
            if *r < w {
                let (mut t, mut h) = (n.child[i], h - 1);
                'down: loop {
                    *visits += 1;
                    if h == 0 {
                        let l = &self.leaves[t as usize];
                        for e in 0..l.n {
                            let w = (l.gap[e].1 - len) as u128 + align as u128;
                            if *r < w {
                                return Some((l.gap[e].0, l.gap[e].1, *r));
                            }
                            *r -= w;
                        }
                        return None;
                    }
                    let n = &self.inners[t as usize];
                    for j in 0..n.n {
                        let w = n.agg[j].suffix_weight(len, align);
                        if *r < w {
                            t = n.child[j];
                            h -= 1;
                            continue 'down;
                        }
                        *r -= w;
                    }
                    return None;
                }
            }
            *r -= w;
        }
        None
    }

    /// `by_addr`: the lowest candidate for `q`, skipping children with no gap of length
    /// `>= q.len` and stopping at the first gap too high for the limit.
    fn first_fit(&self, q: &Query, visits: &mut usize) -> Option<FirstFit> {
        match self.first_fit_rec(self.root, self.height, q, visits) {
            Flow::Found(f) => Some(f),
            Flow::Stop | Flow::Continue => None,
        }
    }

    fn first_fit_rec(&self, t: u32, h: usize, q: &Query, visits: &mut usize) -> Flow {
        *visits += 1;
        let too_high = |start: usize| !matches!(start.checked_add(q.len), Some(e) if e <= q.limit);
        if h == 0 {
            let l = &self.leaves[t as usize];
            for e in 0..l.n {
                if l.gap[e].1 < q.len {
                    continue;
                }
                if too_high(l.gap[e].0) {
                    return Flow::Stop;
                }
                let end = (l.gap[e].0 + l.gap[e].1).min(q.limit);
                if let Some(slot) = slot_in_gap(l.gap[e].0, end, q, 0) {
                    return Flow::Found(FirstFit {
                        gap_start: l.gap[e].0,
                        slot,
                    });
                }
            }
            return Flow::Continue;
        }
        let n = &self.inners[t as usize];
        for i in 0..n.n {
            if i > 0 && too_high(n.key[i] as usize) {
                return Flow::Stop;
            }
            if n.agg[i].max < q.len {
                continue;
            }
            match self.first_fit_rec(n.child[i], h - 1, q, visits) {
                Flow::Continue => {}
                done => return done,
            }
        }
        Flow::Continue
    }

    /// `by_addr`: calls `f(start, len, before)` in address order for the gaps of length
    /// `>= len` starting at or after `from_start`, where `before` is the total weight
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
        let mut walk = Walk {
            tree: self,
            from_start,
            len,
            kappa,
            visits,
            before: 0,
            f,
        };
        walk.rec(self.root, self.height);
    }

    fn in_order(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        // Stack of (inner node, next child); then the current leaf and position.
        let mut stack: Vec<(u32, usize)> = Vec::new();
        let mut leaf = None;
        if self.height == 0 {
            leaf = Some((self.root, 0));
        } else {
            stack.push((self.root, 0));
        }
        std::iter::from_fn(move || loop {
            if let Some((t, i)) = leaf {
                let l = &self.leaves[t as usize];
                if i < l.n {
                    leaf = Some((t, i + 1));
                    return Some((l.gap[i].0, l.gap[i].1));
                }
                leaf = None;
            }
            let (t, i) = stack.pop()?;
            let n = &self.inners[t as usize];
            if i < n.n {
                stack.push((t, i + 1));
                if stack.len() == self.height {
                    leaf = Some((n.child[i], 0));
                } else {
                    stack.push((n.child[i], 0));
                }
            }
        })
    }

    #[cfg(test)]
    fn height(&self) -> usize {
        self.height
    }

    /// Separators, fill, aggregates and arena accounting of the whole tree.
    #[cfg(test)]
    fn check(&self) {
        // Returns (agg, min key, max key, leaves, inners) of the subtree.
        fn rec(
            tr: &GapTree,
            t: u32,
            h: usize,
            is_root: bool,
        ) -> (Agg, Option<Key>, Option<Key>, usize, usize) {
            let size = tr.size(t, h);
            assert!(is_root || size >= MIN_FILL, "underfull node");
            assert!(size <= CAP);
            if h == 0 {
                let keys: Vec<Key> = (0..size).map(|i| tr.leaf_key(t, i)).collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "leaf order");
                return (
                    tr.agg_of(t, 0),
                    keys.first().copied(),
                    keys.last().copied(),
                    1,
                    0,
                );
            }
            assert!(size >= 2 || !is_root, "root with one child");
            let n = &tr.inners[t as usize];
            let (mut all, mut lo, mut hi, mut leaves, mut inners) =
                (Agg::default(), None, None, 0, 1);
            for i in 0..n.n {
                let (a, cmin, cmax, l, inn) = rec(tr, n.child[i], h - 1, false);
                let got = n.agg[i];
                assert!((got.sum, got.count) == (a.sum, a.count), "stale aggregate");
                assert!(tr.by_len || got.max == a.max, "stale max");
                if i > 0 {
                    assert!(
                        !matches!(cmin, Some(m) if m < n.key[i]),
                        "separator above child"
                    );
                    assert!(
                        !matches!(hi, Some(m) if m >= n.key[i]),
                        "separator below left child"
                    );
                }
                all = all.add(a);
                lo = lo.or(cmin);
                hi = cmax.or(hi);
                leaves += l;
                inners += inn;
            }
            (all, lo, hi, leaves, inners)
        }
        let (all, _, _, leaves, inners) = rec(self, self.root, self.height, true);
        assert!(
            (all.sum, all.count) == (self.total.sum, self.total.count),
            "stale total"
        );
        assert!(self.by_len || all.max == self.total.max, "stale total max");
        assert_eq!(
            leaves + self.free_leaves.len(),
            self.leaves.len(),
            "leaf arena leak"
        );
        assert_eq!(
            inners + self.free_inners.len(),
            self.inners.len(),
            "inner arena leak"
        );
    }
}

/// State of `GapTree::walk_fitting`.
struct Walk<'a, 'f> {
    tree: &'a GapTree,
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
            let l = &tree.leaves[t as usize];
            for e in 0..l.n {
                if l.gap[e].0 >= self.from_start
                    && l.gap[e].1 >= self.len
                    && !(self.f)(l.gap[e].0, l.gap[e].1, self.before)
                {
                    return false;
                }
                self.before += Agg::of_gap(l.gap[e].1).weight(self.kappa);
            }
            return true;
        }
        let n = &tree.inners[t as usize];
        for i in 0..n.n {
            let below_from = i + 1 < n.n && n.key[i + 1] <= addr_key(self.from_start);
            if below_from || n.agg[i].max < self.len {
                self.before += n.agg[i].weight(self.kappa);
            } else if !self.rec(n.child[i], h - 1) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            run_model(seed, pages, 8, 3000, 64);
        }
    }

    /// Thousands of gaps: the gap trees get inner levels, so the one-descent paths of
    /// insert and remove meet leaf edges and separators.
    #[test]
    fn model_randomized_large() {
        run_model(99, 16_384, 2, 12_000, 3_000);
    }

    fn run_model(seed: u64, pages: usize, max_child_pages: usize, steps: u64, check_every: u64) {
        {
            let mut rng = Rng(seed * 0x9e37_79b9);
            let base = 0x40_0000 + rng.below(16) * PAGE;
            let size = pages * PAGE;
            let mut m: RegionMap<u64> = RegionMap::new(base, size);
            let mut model: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
            for step in 0..steps {
                match rng.below(10) {
                    0..=2 => {
                        let s = base + rng.below(size / PAGE) * PAGE;
                        let l = (1 + rng.below(max_child_pages)) * PAGE;
                        let free = s + l <= base + size
                            && model
                                .range(..s + l)
                                .next_back()
                                .map(|(&cs, &(cl, _))| cs + cl <= s)
                                .unwrap_or(true);
                        assert_eq!(m.is_free(s, l), free, "is_free({s:#x}, {l:#x})");
                        if free {
                            m.insert(s, l, step);
                            model.insert(s, (l, step));
                        }
                    }
                    3..=4 if !model.is_empty() => {
                        let k = *model.keys().nth(rng.below(model.len())).unwrap();
                        assert_eq!(m.remove(k), model.remove(&k));
                    }
                    _ => {
                        let len = (1 + rng.below(6)) * PAGE;
                        let align = PAGE << rng.below(5);
                        let limit =
                            (rng.below(3) == 0).then(|| base + rng.below(size / PAGE + 8) * PAGE);
                        let e = [0, 0, 1, 2, 4, 8, 30, 30][rng.below(8)];
                        let r = req(len, align, limit, e);
                        let rs = runs(&m, &r);
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
                let probe = base + rng.below(size + 2 * PAGE) - PAGE;
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

    /// The B+ trees alone, against a sorted `Vec`: enough gaps for three levels, so
    /// splits, merges and refills happen at every height, and every query is compared.
    #[test]
    fn gap_trees_match_a_sorted_list() {
        let mut rng = Rng(77);
        let mut by_addr = GapTree::new(false);
        let mut by_len = GapTree::new(true);
        let mut model: BTreeMap<usize, usize> = BTreeMap::new(); // start -> len
        for step in 0..60_000 {
            let grow = step < 20_000 || (step / 5000) % 2 == 1;
            if (grow && rng.below(4) != 0) || model.is_empty() {
                let start = rng.below(1 << 20) * 16;
                if model.contains_key(&start) {
                    continue;
                }
                let span = if rng.below(2) == 0 { 8 } else { 4096 };
                let len = 1 + rng.below(span);
                model.insert(start, len);
                by_addr.insert(start, len);
                by_len.insert(start, len);
            } else {
                let start = *model
                    .range(rng.below(1 << 24)..)
                    .next()
                    .or(model.iter().next())
                    .unwrap()
                    .0;
                let len = model[&start];
                if rng.below(3) == 0 {
                    // A change of length keeps the key in by_addr.
                    let new_len = 1 + rng.below(4096);
                    model.insert(start, new_len);
                    by_addr.set_len(start, new_len);
                    by_len.remove(start, len);
                    by_len.insert(start, new_len);
                } else {
                    model.remove(&start);
                    by_addr.remove(start, len);
                    by_len.remove(start, len);
                }
            }
            if step % 2000 == 0 || step == 59_999 {
                by_addr.check();
                by_len.check();
                let gaps: Vec<(usize, usize)> = model.iter().map(|(&s, &l)| (s, l)).collect();
                assert_eq!(by_addr.in_order().collect::<Vec<_>>(), gaps);
                let mut sorted = gaps.clone();
                sorted.sort_by_key(|&(s, l)| (l, s));
                assert_eq!(by_len.in_order().collect::<Vec<_>>(), sorted);
                let v = &mut 0;
                for _ in 0..50 {
                    let addr = rng.below(1 << 24);
                    let floor = model.range(..=addr).next_back().map(|(&s, &l)| (s, l));
                    assert_eq!(by_addr.floor(addr, v), floor);
                    let kappa = rng.below(64);
                    let prefix: u128 = gaps
                        .iter()
                        .filter(|g| g.0 < addr)
                        .map(|g| (g.1 + kappa) as u128)
                        .sum();
                    assert_eq!(by_addr.prefix_weight(addr, kappa, v), prefix);
                    let total: u128 = gaps.iter().map(|g| (g.1 + kappa) as u128).sum();
                    let r = (rng.next() as u128) % total;
                    let (gs, gl, before) = by_addr.select_weight(r, kappa, v);
                    let idx = gaps.iter().position(|g| g.0 == gs).unwrap();
                    let want_before: u128 = gaps[..idx].iter().map(|g| (g.1 + kappa) as u128).sum();
                    assert_eq!((gl, before), (gaps[idx].1, want_before));
                    assert!(r >= before && r < before + (gl + kappa) as u128);
                    let len = 1 + rng.below(4096);
                    let fit: Vec<_> = sorted.iter().filter(|g| g.1 >= len).collect();
                    let want = (fit.len(), fit.iter().map(|g| g.1).sum::<usize>());
                    assert_eq!(by_len.suffix_at_least(len, v), want);
                    if !fit.is_empty() {
                        let align = 16;
                        let w = |g: &(usize, usize)| (g.1 - len + align) as u128;
                        let total: u128 = fit.iter().map(|g| w(g)).sum();
                        let mut r = (rng.next() as u128) % total;
                        let (gs, _, off) = by_len.select_suffix(len, align, r, v);
                        let hit = fit.iter().find(|g| {
                            let found = r < w(g);
                            if !found {
                                r -= w(g);
                            }
                            found
                        });
                        assert_eq!((hit.unwrap().0, off), (gs, r));
                    }
                }
            }
        }
        assert!(by_addr.height() >= 2, "the test must reach inner levels");
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
        assert!(
            m.by_addr.height() <= 4 && m.by_len.height() <= 4,
            "treap heights"
        );
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
