//! Interleaved ratio measurement for the benchmarks.
//!
//! On the development machine the time of one benchmark drifts by up to 10% between
//! runs, so the ratio of two benchmarks measured one after the other says little.
//! [`interleaved`] measures both sides inside one criterion sample, in alternating
//! blocks, so drift hits both alike, and hands criterion the ratio as a duration
//! (1 µs per iteration = 1.00x), so its statistics apply to the ratio itself.
use std::time::{Duration, Instant};

/// Operations per block: long enough that the clock reads are noise, short enough that
/// both sides see the same machine state.
pub const BLOCK: u64 = 32;

/// Runs `iters` operations on each side in alternating blocks of [`BLOCK`] (which side
/// goes first alternates too). Each side is called with a block size and returns the
/// time those operations took, so it can keep untimed setup out of the measurement.
/// Returns shim time / bare time encoded as `iters` microseconds per unit of ratio.
pub fn interleaved(
    iters: u64,
    shim: &mut dyn FnMut(u64) -> Duration,
    bare: &mut dyn FnMut(u64) -> Duration,
) -> Duration {
    let (mut t_shim, mut t_bare) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < iters {
        let n = BLOCK.min(iters - done);
        if (done / BLOCK) % 2 == 0 {
            t_shim += shim(n);
            t_bare += bare(n);
        } else {
            t_bare += bare(n);
            t_shim += shim(n);
        }
        done += n;
    }
    let ratio = t_shim.as_secs_f64() / t_bare.as_secs_f64();
    Duration::from_secs_f64(ratio * 1e-6 * iters as f64)
}

/// A side of [`interleaved`] that times `n` calls of `f`.
pub fn timed(mut f: impl FnMut()) -> impl FnMut(u64) -> Duration {
    move |n| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_known_durations() {
        let mut shim = |n: u64| Duration::from_micros(3 * n);
        let mut bare = |n: u64| Duration::from_micros(2 * n);
        let got = interleaved(100, &mut shim, &mut bare);
        assert!((got.as_secs_f64() - 150e-6).abs() < 1e-9, "{got:?}");
    }

    #[test]
    fn blocks_alternate_and_cover_every_iteration() {
        let calls = std::cell::RefCell::new(Vec::new());
        let mut shim = |n: u64| {
            calls.borrow_mut().push(('s', n));
            Duration::from_nanos(n)
        };
        let mut bare = |n: u64| {
            calls.borrow_mut().push(('b', n));
            Duration::from_nanos(n)
        };
        interleaved(2 * BLOCK + 5, &mut shim, &mut bare);
        let want = [
            ('s', BLOCK),
            ('b', BLOCK),
            ('b', BLOCK),
            ('s', BLOCK),
            ('s', 5),
            ('b', 5),
        ];
        assert_eq!(calls.into_inner(), want);
    }
}
