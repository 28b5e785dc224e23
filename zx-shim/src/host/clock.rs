//! The host clock behind `zx_clock_get_monotonic` and every deadline.
use zx_sys::zx_instant_mono_t;

/// Host `CLOCK_MONOTONIC` in nanoseconds (a vDSO read, no system call).
pub fn monotonic_now() -> zx_instant_mono_t {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    // `time_t` and `c_long` are i64 on the LP64 hosts zx-shim supports.
    ts.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec)
}
