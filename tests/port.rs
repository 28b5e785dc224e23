//! Conformance tests for the port calls (`zx_port_*`). Reference: zircon-abi.md §1.10
//! (packet layout and types), §2.4 (port family), §2 conventions (lookup order:
//! BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED; output pointers written last).
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};
use zircon::object::port::MAX_USER_PACKETS;
use zircon::prelude::*;
use zx_suite::handles::{basic_info, with_rights};
use zx_suite::pointers::misaligned;
use zx_suite::port::port;
use zx_suite::vmo::vmo;
use zx_suite::PAGE_U64;

const MS: i64 = 1_000_000;

fn close(handles: &[zx_handle_t]) {
    for &h in handles {
        assert_eq!(zx_handle_close(h), ZX_OK);
    }
}

/// A packet with every byte chosen: `key`, a type the queue must overwrite, a status, and a
/// payload whose bytes are `seed, seed+1, ...`.
fn packet(key: u64, seed: u8) -> zx_port_packet_t {
    let mut c8 = [0u8; 32];
    for (i, b) in c8.iter_mut().enumerate() {
        *b = seed.wrapping_add(i as u8);
    }
    zx_port_packet_t {
        key,
        type_: ZX_PKT_TYPE_PAGE_REQUEST,
        status: ZX_ERR_IO,
        payload: zx_port_packet_payload_t {
            user: zx_packet_user_t { c8 },
        },
    }
}

fn empty_packet() -> zx_port_packet_t {
    packet(0xDEAD, 0)
}

fn bytes(p: &zx_port_packet_t) -> [u8; 32] {
    // SAFETY: all union members are plain integers over the same 32 bytes.
    unsafe { p.payload.user.c8 }
}

/// A received packet in comparable, printable form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Got {
    key: u64,
    type_: zx_packet_type_t,
    status: zx_status_t,
    c8: [u8; 32],
}

impl Got {
    fn payload_is(&self, seed: u8) -> bool {
        self.c8 == bytes(&packet(0, seed))
    }
}

fn queue(h: zx_handle_t, p: &zx_port_packet_t) -> zx_status_t {
    zx_port_queue(h, p)
}

fn wait(h: zx_handle_t, deadline: zx_instant_mono_t) -> Result<Got, zx_status_t> {
    let mut p = empty_packet();
    match zx_port_wait(h, deadline, &mut p) {
        ZX_OK => Ok(Got {
            key: p.key,
            type_: p.type_,
            status: p.status,
            c8: bytes(&p),
        }),
        status => Err(status),
    }
}

/// §1.10: "`zx_port_create` options: 0 or `ZX_PORT_BIND_TO_INTERRUPT 1`". The host has no
/// interrupts; the flag is accepted and the port works as any other.
#[test]
fn port_create_accepts_zero_and_bind_to_interrupt() {
    for options in [0, ZX_PORT_BIND_TO_INTERRUPT] {
        let mut h = ZX_HANDLE_INVALID;
        assert_eq!(zx_port_create(options, &mut h), ZX_OK);
        assert_ne!(h, ZX_HANDLE_INVALID);
        assert_eq!(queue(h, &packet(options as u64, 1)), ZX_OK);
        assert_eq!(wait(h, 0).unwrap().key, options as u64);
        close(&[h]);
    }
}

/// §2.4: "options ∉ {0, BIND_TO_INTERRUPT} → `INVALID_ARGS`"; the out handle is untouched.
#[test]
fn port_create_other_options_are_invalid_args() {
    for options in [2, 3, 0x8000_0000, u32::MAX] {
        let mut h = 0x1234;
        assert_eq!(
            zx_port_create(options, &mut h),
            ZX_ERR_INVALID_ARGS,
            "{options:#x}"
        );
        assert_eq!(h, 0x1234);
    }
}

/// §2 conventions: "a bad output pointer gives `INVALID_ARGS`".
#[test]
fn port_create_null_out_is_invalid_args() {
    assert_eq!(zx_port_create(0, std::ptr::null_mut()), ZX_ERR_INVALID_ARGS);
    let mut storage = [0u32; 2];
    let misaligned = misaligned(&mut storage);
    assert_eq!(zx_port_create(0, misaligned), ZX_ERR_INVALID_ARGS);
    assert_eq!(storage, [0; 2]);
}

/// §2.4: "Rights 0x800F (no `WAIT`: ports are not waitable)"; §1.4: PORT is type 6.
#[test]
fn port_create_rights_are_0x800f() {
    let h = port();
    let info = basic_info(h);
    assert_eq!(info.rights, 0x800F);
    assert_eq!(info.rights, ZX_DEFAULT_PORT_RIGHTS);
    assert_eq!(info.type_, ZX_OBJ_TYPE_PORT);
    assert!(info.koid >= ZX_KOID_FIRST);
    close(&[h]);
}

/// §2.4: "copies the 48-byte packet and **forces `type = ZX_PKT_TYPE_USER`** regardless of
/// what the caller set; key/status/payload are the caller's."
#[test]
fn port_queue_forces_user_type_and_keeps_key_status_payload() {
    let h = port();
    let sent = packet(0x0123_4567_89AB_CDEF, 0x40);
    assert_eq!(queue(h, &sent), ZX_OK);
    let got = wait(h, ZX_TIME_INFINITE).unwrap();
    assert_eq!(got.type_, ZX_PKT_TYPE_USER);
    assert_eq!(got.key, 0x0123_4567_89AB_CDEF);
    assert_eq!(got.status, ZX_ERR_IO);
    assert_eq!(got.c8, bytes(&sent));
    close(&[h]);
}

/// §2.4: the queue copies the packet: changing the caller's copy afterwards changes
/// nothing, and an unaligned packet is read as well (Zircon copies bytewise).
#[test]
fn port_queue_copies_the_packet_even_unaligned() {
    let h = port();
    let mut sent = packet(5, 9);
    assert_eq!(queue(h, &sent), ZX_OK);
    sent.key = 6;
    let mut raw = [0u8; 49];
    // SAFETY: the packet is 48 initialised bytes; `raw` has room for them at offset 1.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (&sent as *const zx_port_packet_t).cast::<u8>(),
            raw.as_mut_ptr().add(1),
            48,
        )
    };
    assert_eq!(zx_port_queue(h, raw[1..].as_ptr().cast()), ZX_OK);
    assert_eq!(wait(h, 0).unwrap().key, 5);
    let second = wait(h, 0).unwrap();
    assert_eq!(second.key, 6);
    assert!(second.payload_is(9));
    close(&[h]);
}

/// §2.4: "`zx_port_wait`: ... FIFO".
#[test]
fn port_wait_returns_packets_in_fifo_order() {
    let h = port();
    for key in 0..100u64 {
        assert_eq!(queue(h, &packet(key, key as u8)), ZX_OK);
    }
    for key in 0..100u64 {
        let p = wait(h, 0).unwrap();
        assert_eq!(p.key, key);
        assert!(p.payload_is(key as u8));
    }
    assert_eq!(wait(h, 0).unwrap_err(), ZX_ERR_TIMED_OUT);
    close(&[h]);
}

/// §2.4: "a past deadline returns immediately unless a packet is ready".
#[test]
fn port_wait_past_deadline_times_out_immediately() {
    let h = port();
    let start = Instant::now();
    for deadline in [ZX_TIME_INFINITE_PAST, 0, zx_clock_get_monotonic() - MS] {
        assert_eq!(wait(h, deadline).unwrap_err(), ZX_ERR_TIMED_OUT);
    }
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(queue(h, &packet(1, 0)), ZX_OK);
    assert_eq!(wait(h, ZX_TIME_INFINITE_PAST).unwrap().key, 1);
    close(&[h]);
}

/// §2.4: "`ZX_ERR_TIMED_OUT` at deadline": not before it.
#[test]
fn port_wait_times_out_at_the_deadline() {
    let h = port();
    let start = Instant::now();
    assert_eq!(
        wait(h, zx_deadline_after(50 * MS)).unwrap_err(),
        ZX_ERR_TIMED_OUT
    );
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(50), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    close(&[h]);
}

/// §2.4: "only one waiter is woken per packet": N waiters and N packets, each waiter gets
/// exactly one packet; none is duplicated and none is lost.
#[test]
fn port_wait_n_waiters_n_packets_each_get_one() {
    const N: usize = 8;
    let h = port();
    let barrier = Arc::new(Barrier::new(N + 1));
    let waiters: Vec<_> = (0..N)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                wait(h, zx_deadline_after(10_000 * MS))
            })
        })
        .collect();
    barrier.wait();
    thread::sleep(Duration::from_millis(20));
    for key in 0..N as u64 {
        assert_eq!(queue(h, &packet(key, key as u8)), ZX_OK);
    }
    let mut keys: Vec<u64> = waiters
        .into_iter()
        .map(|t| {
            let p = t.join().unwrap().expect("a waiter got no packet");
            assert!(p.payload_is(p.key as u8));
            p.key
        })
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..N as u64).collect::<Vec<_>>());
    assert_eq!(wait(h, 0).unwrap_err(), ZX_ERR_TIMED_OUT);
    close(&[h]);
}

/// §2.4: "only one waiter is woken per packet": with two blocked waiters, one packet
/// releases one of them; the other times out.
#[test]
fn port_wait_one_packet_wakes_exactly_one_of_two() {
    let h = port();
    let barrier = Arc::new(Barrier::new(3));
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                wait(h, zx_deadline_after(400 * MS))
            })
        })
        .collect();
    barrier.wait();
    thread::sleep(Duration::from_millis(30));
    assert_eq!(queue(h, &packet(77, 0)), ZX_OK);
    let results: Vec<_> = waiters.into_iter().map(|t| t.join().unwrap()).collect();
    let keys: Vec<u64> = results
        .iter()
        .filter_map(|r| r.ok())
        .map(|p| p.key)
        .collect();
    let timeouts = results
        .iter()
        .filter(|r| **r == Err(ZX_ERR_TIMED_OUT))
        .count();
    assert_eq!((keys, timeouts), (vec![77], 1));
    close(&[h]);
}

/// §2.4: a waiter blocked with `ZX_TIME_INFINITE` is released by a packet another thread
/// queues.
#[test]
fn port_wait_infinite_is_released_by_producer_thread() {
    let h = port();
    let waiter = thread::spawn(move || wait(h, ZX_TIME_INFINITE));
    thread::sleep(Duration::from_millis(30));
    let producer = thread::spawn(move || queue(h, &packet(0xC0FFEE, 3)));
    assert_eq!(producer.join().unwrap(), ZX_OK);
    let p = waiter.join().unwrap().unwrap();
    assert_eq!((p.key, p.type_), (0xC0FFEE, ZX_PKT_TYPE_USER));
    close(&[h]);
}

/// §2 conventions: "**Type is checked before rights**": a VMO handle, even with no rights,
/// is `WRONG_TYPE` for every port call.
#[test]
fn port_calls_on_a_vmo_are_wrong_type() {
    let v = vmo(PAGE_U64);
    let v0 = with_rights(v, ZX_RIGHT_NONE);
    let p = packet(1, 1);
    let mut out = empty_packet();
    for h in [v, v0] {
        assert_eq!(zx_port_queue(h, &p), ZX_ERR_WRONG_TYPE);
        assert_eq!(zx_port_wait(h, 0, &mut out), ZX_ERR_WRONG_TYPE);
        assert_eq!(zx_port_cancel(h, v, 1), ZX_ERR_WRONG_TYPE);
        assert_eq!(zx_port_cancel_key(h, 0, 1), ZX_ERR_WRONG_TYPE);
    }
    close(&[v, v0]);
}

/// §2.4: queue needs `WRITE`, wait needs `READ`, cancel and cancel_key need `WRITE`:
/// `ACCESS_DENIED` otherwise, and the denied call has no effect.
#[test]
fn port_calls_without_the_right_are_access_denied() {
    let h = port();
    let read_only = with_rights(h, ZX_RIGHT_READ);
    let write_only = with_rights(h, ZX_RIGHT_WRITE);
    let v = vmo(PAGE_U64);
    assert_eq!(queue(read_only, &packet(1, 0)), ZX_ERR_ACCESS_DENIED);
    assert_eq!(zx_port_cancel(read_only, v, 1), ZX_ERR_ACCESS_DENIED);
    assert_eq!(zx_port_cancel_key(read_only, 0, 1), ZX_ERR_ACCESS_DENIED);
    assert_eq!(queue(write_only, &packet(2, 0)), ZX_OK);
    assert_eq!(wait(write_only, 0).unwrap_err(), ZX_ERR_ACCESS_DENIED);
    // The rights check comes before the pointer check.
    assert_eq!(
        zx_port_wait(write_only, 0, std::ptr::null_mut()),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(
        zx_port_queue(read_only, std::ptr::null()),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(wait(read_only, 0).unwrap().key, 2);
    close(&[h, read_only, write_only, v]);
}

/// §2 conventions: "`BAD_HANDLE` (not a handle in this process)": invalid, closed and
/// forged values, for every port call.
#[test]
fn port_calls_on_bad_handles_are_bad_handle() {
    let closed = port();
    close(&[closed]);
    let p = packet(1, 1);
    let mut out = empty_packet();
    for h in [ZX_HANDLE_INVALID, closed, 0xFFFF_FFFF] {
        assert_eq!(zx_port_queue(h, &p), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_port_wait(h, 0, &mut out), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_port_cancel(h, h, 1), ZX_ERR_BAD_HANDLE);
        assert_eq!(zx_port_cancel_key(h, 0, 1), ZX_ERR_BAD_HANDLE);
    }
}

/// §2.4 `zx_port_queue` copies the packet from the caller; a null packet is
/// `INVALID_ARGS` and nothing is queued.
#[test]
fn port_queue_null_packet_is_invalid_args() {
    let h = port();
    assert_eq!(zx_port_queue(h, std::ptr::null()), ZX_ERR_INVALID_ARGS);
    assert_eq!(wait(h, 0).unwrap_err(), ZX_ERR_TIMED_OUT);
    close(&[h]);
}

/// §2.4: "`packet` bad → `INVALID_ARGS`". zx-shim checks the pointer before dequeuing, so
/// the packet stays queued for the next caller (Zircon would have lost it).
#[test]
fn port_wait_bad_packet_pointer_is_invalid_args_and_loses_nothing() {
    let h = port();
    assert_eq!(queue(h, &packet(11, 0)), ZX_OK);
    assert_eq!(
        zx_port_wait(h, ZX_TIME_INFINITE, std::ptr::null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    let mut storage = [0u64; 8];
    let misaligned = (storage.as_mut_ptr() as *mut u8).wrapping_add(4).cast();
    assert_eq!(
        zx_port_wait(h, ZX_TIME_INFINITE, misaligned),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(storage, [0; 8]);
    assert_eq!(wait(h, 0).unwrap().key, 11);
    close(&[h]);
}

/// §2.4: "Queue depth is bounded (policy exception when too many)": zx-shim answers
/// `SHOULD_WAIT` once `MAX_USER_PACKETS` (16384) user packets are pending, and accepts
/// packets again once one is dequeued.
#[test]
fn port_queue_beyond_the_bound_is_should_wait() {
    assert_eq!(MAX_USER_PACKETS, 16 * 1024);
    let h = port();
    for key in 0..MAX_USER_PACKETS as u64 {
        assert_eq!(queue(h, &packet(key, 0)), ZX_OK, "packet {key}");
    }
    assert_eq!(queue(h, &packet(u64::MAX, 0)), ZX_ERR_SHOULD_WAIT);
    assert_eq!(wait(h, 0).unwrap().key, 0);
    assert_eq!(queue(h, &packet(u64::MAX, 0)), ZX_OK);
    assert_eq!(queue(h, &packet(u64::MAX, 0)), ZX_ERR_SHOULD_WAIT);
    close(&[h]);
}

/// §2.4: "`zx_port_cancel_key(h, options, key)`: options must be 0" (`INVALID_ARGS`).
#[test]
fn port_cancel_key_nonzero_options_are_invalid_args() {
    let h = port();
    for options in [1, 2, u32::MAX] {
        assert_eq!(zx_port_cancel_key(h, options, 0), ZX_ERR_INVALID_ARGS);
    }
    close(&[h]);
}

/// §2.4: cancel_key cancels async waits and the packets they queued; user packets are not
/// async-wait packets, so a queued user packet with the key is kept and, with no waits
/// registered (`zx_object_wait_async` is not supported), the answer is `NOT_FOUND`.
#[test]
fn port_cancel_key_keeps_user_packets_and_finds_nothing() {
    let h = port();
    assert_eq!(queue(h, &packet(42, 0)), ZX_OK);
    assert_eq!(zx_port_cancel_key(h, 0, 42), ZX_ERR_NOT_FOUND);
    assert_eq!(zx_port_cancel_key(h, 0, 43), ZX_ERR_NOT_FOUND);
    assert_eq!(wait(h, 0).unwrap().key, 42);
    close(&[h]);
}

/// §2.4: "`zx_port_cancel(h, source, key)`: port `WRITE`; source must have `WAIT` and be
/// waitable (`NOT_SUPPORTED`); ... nothing found → `NOT_FOUND`". A bad source is
/// `BAD_HANDLE`; a port (never has `WAIT`) or a VMO handle without `WAIT` is
/// `ACCESS_DENIED`; a waitable VMO with `WAIT` has nothing pending: `NOT_FOUND`.
#[test]
fn port_cancel_checks_source_handle_then_finds_nothing() {
    let h = port();
    let v = vmo(PAGE_U64);
    let v_no_wait = with_rights(v, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_WAIT);
    assert_eq!(zx_port_cancel(h, ZX_HANDLE_INVALID, 1), ZX_ERR_BAD_HANDLE);
    assert_eq!(zx_port_cancel(h, h, 1), ZX_ERR_ACCESS_DENIED);
    assert_eq!(zx_port_cancel(h, v_no_wait, 1), ZX_ERR_ACCESS_DENIED);
    assert_eq!(queue(h, &packet(1, 0)), ZX_OK);
    assert_eq!(zx_port_cancel(h, v, 1), ZX_ERR_NOT_FOUND);
    assert_eq!(wait(h, 0).unwrap().key, 1);
    close(&[h, v, v_no_wait]);
}

/// §2.6 and §2.4: closing a port handle affects only calls made through it afterwards
/// (`BAD_HANDLE`); a thread already waiting keeps waiting and is released by a packet
/// queued through another handle.
#[test]
fn port_wait_survives_closing_the_waited_handle() {
    let h = port();
    let other = with_rights(h, ZX_RIGHT_SAME_RIGHTS);
    let waiter = thread::spawn(move || wait(h, zx_deadline_after(10_000 * MS)));
    thread::sleep(Duration::from_millis(30));
    close(&[h]);
    assert_eq!(queue(h, &packet(1, 0)), ZX_ERR_BAD_HANDLE);
    assert_eq!(queue(other, &packet(2, 0)), ZX_OK);
    assert_eq!(waiter.join().unwrap().unwrap().key, 2);
    close(&[other]);
}

/// §2.4 with the last handle gone: the waiter keeps its port and times out at its
/// deadline, not earlier and not never.
#[test]
fn port_wait_after_last_handle_closed_times_out_at_deadline() {
    let h = port();
    let start = Instant::now();
    let waiter = thread::spawn(move || wait(h, zx_deadline_after(150 * MS)));
    thread::sleep(Duration::from_millis(30));
    close(&[h]);
    assert_eq!(waiter.join().unwrap().unwrap_err(), ZX_ERR_TIMED_OUT);
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(wait(h, 0).unwrap_err(), ZX_ERR_BAD_HANDLE);
}
