//! Ports: creating them and waiting for packets with a deadline.
use crate::threads::PATIENCE;
use std::time::Duration;
use zircon::prelude::*;

pub fn port() -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_port_create(0, &mut h), ZX_OK);
    h
}

/// The monotonic time `d` from now, read from the host clock rather than the shim's.
fn deadline_after(d: Duration) -> zx_instant_mono_t {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec + d.as_nanos() as i64
}

/// The next packet on `port` within [`PATIENCE`], or the status of the failed wait.
pub fn next_packet(port: zx_handle_t) -> Result<zx_port_packet_t, zx_status_t> {
    wait_packet(port, PATIENCE)
}

/// The next packet on `port` within `d`, or the status of the failed wait.
pub fn wait_packet(port: zx_handle_t, d: Duration) -> Result<zx_port_packet_t, zx_status_t> {
    // SAFETY: all-zero bytes are a valid packet (plain integers).
    let mut p: zx_port_packet_t = unsafe { std::mem::zeroed() };
    match zx_port_wait(port, deadline_after(d), &mut p) {
        ZX_OK => Ok(p),
        e => Err(e),
    }
}
