//! `Mapping`: one mapped VMO range inside a VMAR, with its permission ceiling and its
//! protection runs.
//!
//! As in the current Zircon kernel (zircon-abi.md §3.5), `zx_vmar_protect` over part of a
//! mapping does not split the mapping object: it changes the mapping's [`Runs`]. Only
//! unmap splits a mapping (into remnants). A mapping's start address is its key in the
//! parent VMAR's region map and is not stored here.
use super::vm_option::{Perms, VmarFlags};
use super::vmo::Vmo;
use std::sync::Arc;

/// The protection runs of a mapping: `first` from the mapping's start, then a transition
/// at each `(addr, perms)` in `rest`. Invariants: transitions are strictly ascending, lie
/// strictly inside the mapping, and each changes the permissions (runs are maximal).
/// The common single-run case holds no heap memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runs {
    first: Perms,
    rest: Vec<(usize, Perms)>,
}

impl Runs {
    pub const fn single(perms: Perms) -> Runs {
        Runs {
            first: perms,
            rest: Vec::new(),
        }
    }

    /// Number of runs (each costs one host VMA).
    pub fn count(&self) -> usize {
        1 + self.rest.len()
    }

    /// The permissions at `addr` (inside the mapping).
    pub fn perms_at(&self, addr: usize) -> Perms {
        match self.rest.partition_point(|&(a, _)| a <= addr) {
            0 => self.first,
            i => self.rest[i - 1].1,
        }
    }

    /// Calls `f(start, end, perms)` for each run clipped to `[lo, hi)`, where the mapping
    /// itself ends at `end`.
    pub fn for_each_in(
        &self,
        lo: usize,
        hi: usize,
        end: usize,
        mut f: impl FnMut(usize, usize, Perms),
    ) {
        let hi = hi.min(end);
        if lo >= hi {
            return;
        }
        let i = self.rest.partition_point(|&(a, _)| a <= lo);
        let mut cur_start = lo;
        let mut cur = if i == 0 {
            self.first
        } else {
            self.rest[i - 1].1
        };
        for &(a, p) in &self.rest[i..] {
            if a >= hi {
                break;
            }
            f(cur_start, a, cur);
            cur_start = a;
            cur = p;
        }
        f(cur_start, hi, cur);
    }

    /// The runs of the sub-range `[lo, hi)` (for a remnant).
    pub fn restrict(&self, lo: usize, hi: usize) -> Runs {
        let mut out = Runs::single(self.perms_at(lo));
        out.rest
            .extend(self.rest.iter().copied().filter(|&(a, _)| a > lo && a < hi));
        out
    }

    /// True if every run within `[lo, hi)` satisfies `pred`.
    pub fn all_in(
        &self,
        lo: usize,
        hi: usize,
        end: usize,
        mut pred: impl FnMut(Perms) -> bool,
    ) -> bool {
        let mut ok = true;
        self.for_each_in(lo, hi, end, |_, _, p| ok &= pred(p));
        ok
    }

    /// Sets `[lo, hi)` of a mapping spanning `[start, end)` to `perms`, keeping runs maximal.
    pub fn set(&mut self, start: usize, end: usize, lo: usize, hi: usize, perms: Perms) {
        let lo = lo.max(start);
        let hi = hi.min(end);
        if lo >= hi {
            return;
        }
        if lo == start && hi == end {
            self.first = perms;
            self.rest.clear();
            return;
        }
        let after = self.perms_at(hi);
        let mut runs: Vec<(usize, Perms)> = Vec::with_capacity(self.rest.len() + 3);
        runs.push((start, self.first));
        runs.extend(self.rest.iter().copied());
        runs.retain(|&(a, _)| a < lo || a >= hi);
        let at = runs.partition_point(|&(a, _)| a < lo);
        runs.insert(at, (lo, perms));
        if hi < end && !runs.iter().any(|&(a, _)| a == hi) {
            let at = runs.partition_point(|&(a, _)| a < hi);
            runs.insert(at, (hi, after));
        }
        // `runs[0]` is at `start` (either the old first run or the new one at `lo == start`).
        self.first = runs[0].1;
        self.rest.clear();
        let mut last = self.first;
        for &(a, p) in &runs[1..] {
            if p != last {
                self.rest.push((a, p));
                last = p;
            }
        }
    }

    /// Appends `other`, which starts at `at` (the end of `self`'s mapping).
    pub fn concat(&mut self, at: usize, other: &Runs) {
        let last = self.rest.last().map_or(self.first, |&(_, p)| p);
        if other.first != last {
            self.rest.push((at, other.first));
        }
        self.rest.extend(other.rest.iter().copied());
    }

    /// The union of all runs' permissions.
    pub fn max_perms(&self) -> Perms {
        self.rest
            .iter()
            .fold(self.first, |acc, &(_, p)| acc.union(p))
    }
}

/// A mapping of a VMO range.
pub struct Mapping {
    /// Keeps the VMO alive after its last handle closes (vmar.fidl: map / Description).
    pub vmo: Arc<Vmo>,
    /// VMO offset of the mapping's first byte.
    pub vmo_offset: u64,
    /// "Could be R/W/X": VMO handle rights ∧ VMAR handle rights at map time (§3.2).
    pub ceiling: Perms,
    /// Flags that must match for two mappings to merge (§3.7): ALLOW_FAULTS,
    /// FAULT_BEYOND_STREAM_SIZE.
    pub flags: VmarFlags,
    pub runs: Runs,
}

impl Mapping {
    /// VMO offset of `addr`, for a mapping starting at `start`.
    pub fn vmo_offset_at(&self, start: usize, addr: usize) -> u64 {
        self.vmo_offset + (addr - start) as u64
    }

    /// A remnant covering `[lo, hi)` of this mapping (which starts at `start`).
    pub fn remnant(&self, start: usize, lo: usize, hi: usize) -> Mapping {
        Mapping {
            vmo: self.vmo.clone(),
            vmo_offset: self.vmo_offset_at(start, lo),
            ceiling: self.ceiling,
            flags: self.flags,
            runs: self.runs.restrict(lo, hi),
        }
    }

    /// True if `right`, starting at `at` (where `self`, starting at `start`, ends), may merge
    /// with `self` (zircon-abi.md §3.7).
    pub fn can_merge(&self, start: usize, at: usize, right: &Mapping) -> bool {
        Arc::ptr_eq(&self.vmo, &right.vmo)
            && self.vmo_offset_at(start, at) == right.vmo_offset
            && self.ceiling == right.ceiling
            && self.flags == right.flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Perms = Perms::READ;
    const RW: Perms = Perms::READ.union(Perms::WRITE);

    fn runs_of(r: &Runs, start: usize, end: usize) -> Vec<(usize, usize, Perms)> {
        let mut v = Vec::new();
        r.for_each_in(start, end, end, |s, e, p| v.push((s, e, p)));
        v
    }

    #[test]
    fn set_splits_and_coalesces() {
        let mut r = Runs::single(RW);
        r.set(0, 100, 20, 40, R);
        assert_eq!(
            runs_of(&r, 0, 100),
            vec![(0, 20, RW), (20, 40, R), (40, 100, RW)]
        );
        assert_eq!(r.count(), 3);
        r.set(0, 100, 40, 100, R);
        assert_eq!(runs_of(&r, 0, 100), vec![(0, 20, RW), (20, 100, R)]);
        r.set(0, 100, 0, 20, R);
        assert_eq!(runs_of(&r, 0, 100), vec![(0, 100, R)]);
        r.set(0, 100, 0, 10, Perms::NONE);
        assert_eq!(
            runs_of(&r, 0, 100),
            vec![(0, 10, Perms::NONE), (10, 100, R)]
        );
        r.set(0, 100, 5, 15, RW);
        assert_eq!(
            runs_of(&r, 0, 100),
            vec![(0, 5, Perms::NONE), (5, 15, RW), (15, 100, R)]
        );
        assert_eq!(runs_of(&r, 10, 20), vec![(10, 15, RW), (15, 20, R)]);
    }

    #[test]
    fn restrict_and_concat_round_trip() {
        let mut r = Runs::single(RW);
        r.set(0, 100, 30, 60, R);
        let left = r.restrict(0, 50);
        let right = r.restrict(50, 100);
        assert_eq!(runs_of(&left, 0, 50), vec![(0, 30, RW), (30, 50, R)]);
        assert_eq!(runs_of(&right, 50, 100), vec![(50, 60, R), (60, 100, RW)]);
        let mut joined = left.clone();
        joined.concat(50, &right);
        assert_eq!(joined, r);
        assert_eq!(joined.max_perms(), RW);
    }
}
