//! The pages `zx_pager_supply_pages` moved out of a VMO whose decommit is deferred (the
//! `vmo` module docs, "Moved-out pages"), and the writes in flight over them.
//!
//! Pure bookkeeping in page indices: the caller holds the VMO lock and punches whatever
//! [`MovedOut::take`] and friends hand back.
use std::collections::BTreeMap;

/// Most runs a set holds: beyond this the VMO decommits them all at once.
pub const MAX_RUNS: usize = 64;
/// Most pages a set holds (16 MiB): bounds the memory held by pages that read as zero.
pub const MAX_PAGES: u64 = 4096;

/// Runs of page indices `[start, end)`, in order.
pub type Runs = Vec<(u64, u64)>;

/// A write in flight that overwrites moved-out pages whole (see [`MovedOut::claim`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Claim {
    writer: u64,
    start: u64,
    end: u64,
}

#[derive(Default, Debug)]
pub struct MovedOut {
    /// Disjoint, non-adjacent runs of page indices `[start, end)`, keyed by start.
    runs: BTreeMap<u64, u64>,
    /// Pages in `runs`.
    pages: u64,
    /// Pieces of `runs` that writes in flight are overwriting whole.
    claims: Vec<Claim>,
    next_writer: u64,
}

impl MovedOut {
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The pieces of the runs inside `[lo, hi)`, in order.
    pub fn pieces(&self, lo: u64, hi: u64) -> Runs {
        let first = self.runs.range(..=lo).next_back().map_or(lo, |(&s, _)| s);
        self.runs
            .range(first..hi)
            .map(|(&s, &e)| (s.max(lo), e.min(hi)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    /// Removes `[lo, hi)` from the runs (not from the claims).
    fn remove_runs(&mut self, lo: u64, hi: u64) {
        for (s, e) in self.pieces(lo, hi) {
            let (&rs, &re) = self.runs.range(..=s).next_back().expect("piece of a run");
            self.runs.remove(&rs);
            if rs < s {
                self.runs.insert(rs, s);
            }
            if e < re {
                self.runs.insert(e, re);
            }
            self.pages -= e - s;
        }
    }

    /// Removes `[lo, hi)` from the claims, splitting those that stick out.
    fn remove_claims(&mut self, lo: u64, hi: u64, only: Option<u64>) {
        let mut kept = Vec::with_capacity(self.claims.len());
        for c in self.claims.drain(..) {
            if c.end <= lo || hi <= c.start || only.is_some_and(|w| w != c.writer) {
                kept.push(c);
                continue;
            }
            if c.start < lo {
                kept.push(Claim { end: lo, ..c });
            }
            if hi < c.end {
                kept.push(Claim { start: hi, ..c });
            }
        }
        self.claims = kept;
    }

    /// Takes `[lo, hi)` out of the set and returns the pieces that were in it, for the caller
    /// to decommit. Writers whose claims lose pages find out in [`MovedOut::release`].
    pub fn take(&mut self, lo: u64, hi: u64) -> Runs {
        let pieces = self.pieces(lo, hi);
        if !pieces.is_empty() {
            self.remove_runs(lo, hi);
            self.remove_claims(lo, hi, None);
        }
        pieces
    }

    /// Adds `[lo, hi)`; `false`, with nothing changed, if the set would outgrow its bounds.
    /// Claims inside it stay: their writes began while the pages read as zero, and land
    /// after the move.
    pub fn insert(&mut self, lo: u64, hi: u64) -> bool {
        if lo >= hi {
            return true;
        }
        // Runs that overlap or touch [lo, hi) merge with it.
        let first = self
            .runs
            .range(..=lo)
            .next_back()
            .filter(|(_, &e)| e >= lo)
            .map_or(lo, |(&s, _)| s);
        let merged: Vec<(u64, u64)> = self.runs.range(first..=hi).map(|(&s, &e)| (s, e)).collect();
        let (start, end) = merged
            .iter()
            .fold((lo, hi), |(s, e), &(rs, re)| (s.min(rs), e.max(re)));
        let old: u64 = merged.iter().map(|(s, e)| e - s).sum();
        let pages = self.pages - old + (end - start);
        if self.runs.len() + 1 - merged.len() > MAX_RUNS || pages > MAX_PAGES {
            return false;
        }
        for (s, _) in merged {
            self.runs.remove(&s);
        }
        self.runs.insert(start, end);
        self.pages = pages;
        true
    }

    /// A write over `[lo, hi)` (whole pages) is about to start: the moved-out pieces there
    /// that no other write claims become this writer's, and stay in the set (reading as
    /// zero) until [`MovedOut::release`]. Pieces another write claims are taken out of the
    /// set instead, for the caller to decommit (that writer then writes them again).
    /// Returns the writer, its pieces and the taken ones.
    pub fn claim(&mut self, lo: u64, hi: u64) -> (u64, Runs, Runs) {
        let writer = self.next_writer;
        self.next_writer += 1;
        let mut contested: Vec<(u64, u64)> = self
            .claims
            .iter()
            .filter(|c| c.start < hi && lo < c.end)
            .map(|c| (c.start.max(lo), c.end.min(hi)))
            .collect();
        contested.sort_unstable();
        let mut taken = Vec::new();
        for (s, e) in contested {
            taken.extend(self.take(s, e));
        }
        let mine = self.pieces(lo, hi);
        self.claims.extend(
            mine.iter()
                .map(|&(start, end)| Claim { writer, start, end }),
        );
        (writer, mine, taken)
    }

    /// `writer` has written its claimed pages in `[lo, hi)`: those it still holds leave the
    /// set (they now hold its bytes). Returns how many it still held; fewer than it claimed
    /// means they were decommitted meanwhile, and it must write them again.
    pub fn release(&mut self, writer: u64, lo: u64, hi: u64) -> u64 {
        let held: Vec<(u64, u64)> = self
            .claims
            .iter()
            .filter(|c| c.writer == writer && c.start < hi && lo < c.end)
            .map(|c| (c.start.max(lo), c.end.min(hi)))
            .collect();
        self.remove_claims(lo, hi, Some(writer));
        for &(s, e) in &held {
            self.remove_runs(s, e);
        }
        held.iter().map(|(s, e)| e - s).sum()
    }

    /// `writer` failed: its remaining claims go, and their pages stay moved out.
    pub fn abandon(&mut self, writer: u64) {
        self.claims.retain(|c| c.writer != writer);
    }

    #[cfg(test)]
    fn runs(&self) -> Vec<(u64, u64)> {
        self.runs.iter().map(|(&s, &e)| (s, e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_take_splits() {
        let mut m = MovedOut::default();
        assert!(m.insert(0, 1) && m.insert(1, 2) && m.insert(5, 8));
        assert_eq!(m.runs(), [(0, 2), (5, 8)]);
        assert!(m.insert(1, 6));
        assert_eq!((m.runs(), m.pages), (vec![(0, 8)], 8));
        assert_eq!(m.take(2, 4), [(2, 4)]);
        assert_eq!((m.runs(), m.pages), (vec![(0, 2), (4, 8)], 6));
        assert_eq!(m.take(1, 5), [(1, 2), (4, 5)]);
        assert_eq!(m.take(10, 20), []);
        assert_eq!(m.take(0, u64::MAX), [(0, 1), (5, 8)]);
        assert!(m.is_empty() && m.pages == 0);
    }

    #[test]
    fn insert_refuses_beyond_bounds() {
        let mut m = MovedOut::default();
        for i in 0..MAX_RUNS as u64 {
            assert!(m.insert(2 * i, 2 * i + 1));
        }
        assert!(!m.insert(1000, 1001));
        // Merging adds no run.
        assert!(m.insert(1, 2));
        assert!(!m.insert(0, MAX_PAGES + 1));
        assert_eq!(m.runs().len(), MAX_RUNS - 1);
    }

    #[test]
    fn claims_release_and_lose_pages() {
        let mut m = MovedOut::default();
        m.insert(0, 10);
        let (w, mine, taken) = m.claim(2, 6);
        assert_eq!((mine, taken), (vec![(2, 6)], vec![]));
        // A second writer over a claimed piece takes it out of the set.
        let (w2, mine2, taken2) = m.claim(5, 8);
        assert_eq!((mine2, taken2), (vec![(6, 8)], vec![(5, 6)]));
        assert_eq!(m.runs(), [(0, 5), (6, 10)]);
        // A flush takes pages from the first writer.
        assert_eq!(m.take(3, 4), [(3, 4)]);
        assert_eq!(m.release(w, 2, 6), 2);
        assert_eq!(m.runs(), [(0, 2), (6, 10)]);
        // A move over a claim keeps it: the write lands after the move.
        assert!(m.insert(6, 7));
        assert_eq!(m.release(w2, 6, 8), 2);
        assert_eq!(m.runs(), [(0, 2), (8, 10)]);
        let (w3, _, _) = m.claim(0, 2);
        m.abandon(w3);
        assert_eq!(m.release(w3, 0, 2), 0);
        assert_eq!(m.runs(), [(0, 2), (8, 10)]);
    }
}
