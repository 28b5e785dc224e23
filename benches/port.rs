//! Port costs beside the bare host mechanisms they stand in for, in the same run:
//!
//! * `one_thread`: `zx_port_queue` + `zx_port_wait` on a ready packet, against a
//!   `Mutex<VecDeque>` push/pop (the floor: one lock, no system call) and an eventfd
//!   write + read (two system calls).
//! * `ping_pong`: a packet to another thread and one back, through two ports, against the
//!   same hand-off over two blocking eventfds and over a `Mutex` + `Condvar` pair (futex).
//! * `source_round_trip`: a packet source's descriptor becomes readable, the thread blocked
//!   in `Port::wait` reads it itself and answers; against an eventfd ping-pong, which is what
//!   a dedicated userfaultfd handler thread would cost before any relay.
use criterion::{criterion_group, criterion_main, Criterion};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use zircon::host::event::EventFd;
use zircon::object::port::{PacketSource, Port};
use zircon::prelude::*;

const STOP: u64 = u64::MAX;

fn user(key: u64) -> zx_port_packet_t {
    zx_port_packet_t {
        key,
        type_: ZX_PKT_TYPE_USER,
        status: ZX_OK,
        payload: zx_port_packet_payload_t {
            user: zx_packet_user_t { u64: [key; 4] },
        },
    }
}

fn port() -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_port_create(0, &mut h), ZX_OK);
    h
}

/// A blocking eventfd, as a bare hand-off between threads.
struct BlockingEvent(RawFd);

impl BlockingEvent {
    fn new() -> BlockingEvent {
        // SAFETY: plain syscall with valid flags.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        assert!(fd >= 0);
        BlockingEvent(fd)
    }
    fn signal(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: 8 readable bytes, as eventfd requires.
        assert_eq!(unsafe { libc::write(self.0, one.as_ptr().cast(), 8) }, 8);
    }
    fn wait(&self) -> u64 {
        let mut buf = [0u8; 8];
        // SAFETY: 8 writable bytes, as eventfd requires.
        assert_eq!(unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), 8) }, 8);
        u64::from_ne_bytes(buf)
    }
}

impl Drop for BlockingEvent {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor.
        unsafe { libc::close(self.0) };
    }
}

fn one_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("port/one_thread");
    let h = port();
    let p = user(1);
    let mut out = user(0);
    g.bench_function("zx_port_queue+wait", |b| {
        b.iter(|| {
            assert_eq!(zx_port_queue(h, &p), ZX_OK);
            assert_eq!(zx_port_wait(h, ZX_TIME_INFINITE, &mut out), ZX_OK);
        })
    });
    let q: Mutex<VecDeque<zx_port_packet_t>> = Mutex::new(VecDeque::new());
    g.bench_function("bare_mutex_vecdeque", |b| {
        b.iter(|| {
            q.lock().unwrap().push_back(p);
            std::hint::black_box(q.lock().unwrap().pop_front());
        })
    });
    let e = BlockingEvent::new();
    g.bench_function("bare_eventfd_write+read", |b| {
        b.iter(|| {
            e.signal();
            std::hint::black_box(e.wait());
        })
    });
    g.finish();
    zx_handle_close(h);
}

/// Where the two threads of a round trip run. Unpinned runs land on either placement from
/// sample to sample, so each is measured pinned.
#[derive(Clone, Copy)]
enum Placement {
    SameCpu,
    CrossCpu,
}

impl Placement {
    fn name(self) -> &'static str {
        match self {
            Placement::SameCpu => "same_cpu",
            Placement::CrossCpu => "cross_cpu",
        }
    }
    fn partner_cpu(self) -> usize {
        match self {
            Placement::SameCpu => 0,
            Placement::CrossCpu => 1,
        }
    }
}

/// Pins the calling thread to `cpu` (`None`: every CPU). Best effort.
fn pin(cpu: Option<usize>) {
    // SAFETY: `set` is a plain bitmask that we initialise before use.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let n = thread::available_parallelism().map_or(1, |n| n.get());
        for c in 0..n {
            if cpu.is_none() || cpu == Some(c) {
                libc::CPU_SET(c, &mut set);
            }
        }
        libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set);
    }
}

/// Runs `iters` round trips against a partner thread running `partner`; the timer covers
/// only the round trips.
fn timed_round_trips(
    iters: u64,
    placement: Placement,
    partner: impl FnOnce() + Send + 'static,
    mut round_trip: impl FnMut(),
    stop: impl FnOnce(),
) -> Duration {
    pin(Some(0));
    let cpu = placement.partner_cpu();
    let partner = thread::spawn(move || {
        pin(Some(cpu));
        partner()
    });
    round_trip(); // the partner is running
    let start = Instant::now();
    for _ in 0..iters {
        round_trip();
    }
    let elapsed = start.elapsed();
    stop();
    partner.join().unwrap();
    pin(None);
    elapsed
}

fn ping_pong(c: &mut Criterion) {
    for placement in [Placement::SameCpu, Placement::CrossCpu] {
        let mut g = c.benchmark_group(format!("port/ping_pong/{}", placement.name()));
        g.bench_function("zx_port", |b| {
            b.iter_custom(|iters| {
                let (there, back) = (port(), port());
                let elapsed = timed_round_trips(
                    iters,
                    placement,
                    move || loop {
                        let mut p = user(0);
                        assert_eq!(zx_port_wait(there, ZX_TIME_INFINITE, &mut p), ZX_OK);
                        if p.key == STOP {
                            break;
                        }
                        assert_eq!(zx_port_queue(back, &p), ZX_OK);
                    },
                    || {
                        let mut p = user(0);
                        assert_eq!(zx_port_queue(there, &user(1)), ZX_OK);
                        assert_eq!(zx_port_wait(back, ZX_TIME_INFINITE, &mut p), ZX_OK);
                    },
                    || assert_eq!(zx_port_queue(there, &user(STOP)), ZX_OK),
                );
                zx_handle_close(there);
                zx_handle_close(back);
                elapsed
            })
        });
        g.bench_function("bare_eventfd", |b| {
            b.iter_custom(|iters| eventfd_round_trips(iters, placement))
        });
        g.bench_function("bare_mutex_condvar", |b| {
            b.iter_custom(|iters| {
                // (turn, stop): turn 1 = the partner's move, 0 = ours.
                let shared = Arc::new((Mutex::new((0u8, false)), Condvar::new(), Condvar::new()));
                let partner_side = shared.clone();
                timed_round_trips(
                    iters,
                    placement,
                    move || {
                        let (m, to_partner, to_us) = &*partner_side;
                        let mut st = m.lock().unwrap();
                        loop {
                            while st.0 != 1 && !st.1 {
                                st = to_partner.wait(st).unwrap();
                            }
                            if st.1 {
                                break;
                            }
                            st.0 = 0;
                            to_us.notify_one();
                        }
                    },
                    || {
                        let (m, to_partner, to_us) = &*shared;
                        let mut st = m.lock().unwrap();
                        st.0 = 1;
                        to_partner.notify_one();
                        while st.0 != 0 {
                            st = to_us.wait(st).unwrap();
                        }
                    },
                    || {
                        let (m, to_partner, _) = &*shared;
                        m.lock().unwrap().1 = true;
                        to_partner.notify_one();
                    },
                )
            })
        });
        g.finish();
    }
}

/// A stand-in for a userfaultfd: each count on the eventfd is one event, one packet.
struct FakeFault(EventFd);

impl PacketSource for FakeFault {
    fn fd(&self) -> RawFd {
        self.0.fd()
    }
    fn poll_packets(&self, out: &mut dyn FnMut(zx_port_packet_t)) {
        if let Ok(Some(n)) = self.0.take() {
            for _ in 0..n {
                out(user(7));
            }
        }
    }
}

/// The fault path: the "faulting" thread makes the source readable and blocks until the
/// "pager" thread, blocked in `Port::wait`, has read the event and answered. The baseline
/// is the same exchange over two blocking eventfds (a bare handler thread).
fn source_round_trip(c: &mut Criterion) {
    for placement in [Placement::SameCpu, Placement::CrossCpu] {
        let mut g = c.benchmark_group(format!("port/source_round_trip/{}", placement.name()));
        g.bench_function("port_wait_reads_source", |b| {
            b.iter_custom(|iters| {
                let port = Arc::new(Port::new());
                let fault = Arc::new(FakeFault(EventFd::new().unwrap()));
                port.attach_source(fault.clone()).unwrap();
                let resolved = Arc::new(BlockingEvent::new());
                let (p, r) = (port.clone(), resolved.clone());
                timed_round_trips(
                    iters,
                    placement,
                    move || loop {
                        let packet = p.wait(ZX_TIME_INFINITE).unwrap();
                        if packet.key == STOP {
                            break;
                        }
                        r.signal();
                    },
                    || {
                        fault.0.signal(1).unwrap();
                        resolved.wait();
                    },
                    || port.queue_kernel_packet(user(STOP)),
                )
            })
        });
        g.bench_function("bare_eventfd", |b| {
            b.iter_custom(|iters| eventfd_round_trips(iters, placement))
        });
        g.finish();
    }
}

/// The bare round trip of `ping_pong` and `source_round_trip`: signal an eventfd the
/// partner blocks on, block on the one it signals back.
fn eventfd_round_trips(iters: u64, placement: Placement) -> Duration {
    let there = Arc::new(BlockingEvent::new());
    let back = Arc::new(BlockingEvent::new());
    let (t, k) = (there.clone(), back.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    timed_round_trips(
        iters,
        placement,
        move || loop {
            t.wait();
            if s.load(Ordering::Acquire) {
                break;
            }
            k.signal();
        },
        || {
            there.signal();
            back.wait();
        },
        || {
            stop.store(true, Ordering::Release);
            there.signal();
        },
    )
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = one_thread, ping_pong, source_round_trip
}
criterion_main!(benches);
