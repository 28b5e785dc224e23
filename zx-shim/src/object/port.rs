//! `Port`: a FIFO of 48-byte packets that threads block on (zircon-abi.md §1.10, §2.4).
//!
//! # Producers
//! * [`Port::queue_user`] (`zx_port_queue`): the type is forced to `ZX_PKT_TYPE_USER`, and
//!   at most [`MAX_USER_PACKETS`] user packets may be pending (`SHOULD_WAIT` beyond).
//! * [`Port::queue_kernel_packet`]: shim-internal producers (the pager's COMPLETE packets);
//!   the packet goes in exactly as given and is not counted against the user bound, as
//!   Zircon's kernel-owned packets are not.
//! * Packet sources ([`PacketSource`], attached with [`Port::attach_source`]): a pollable
//!   descriptor, in practice a userfaultfd, whose events become packets. There is no relay
//!   thread: a thread blocked in [`Port::wait`] polls the descriptors itself, reads the
//!   event, and returns the packet it produced, so a page fault reaches the user pager in
//!   one thread hop, the one the host needs anyway.
//!
//! # Waiting
//! Packets leave in FIFO order, and each packet wakes exactly one waiter. With no sources
//! attached, waiters sleep on a condition variable and a producer wakes one of them only if
//! some sleeper has not already been woken for an earlier packet. With sources attached,
//! one waiter at a time (the *poller*) sleeps in `ppoll` on the sources' descriptors plus
//! the port's eventfd, while the others sleep on the condition variable: a source event is
//! therefore read once. A producer wakes a sleeper if one is free, else kicks the poller
//! through the eventfd. A waiter that leaves (with a packet, on timeout or on error) hands
//! the remaining work (more packets, or the vacant poller role) to one sleeper.
//! Dequeuing an already queued packet takes the one mutex and makes no system call.
//!
//! # Closing
//! A waiter holds an `Arc<Port>`: closing the last handle does not disturb it. As in
//! Zircon, it keeps waiting until its deadline or a packet (sources and other holders of
//! the `Arc` can still queue); only new calls through the closed handle fail, with
//! `BAD_HANDLE`. Nothing in the shim blocks a waiter beyond its deadline.
//!
//! # Locks
//! `state` is a leaf. `drain` serialises source reads with [`Port::detach_source`] and is
//! taken before `state`: `drain -> (whatever PacketSource::poll_packets takes) -> state`.
use crate::handle::{new_koid, Koid, Object};
use crate::host::clock::monotonic_now;
use crate::host::event::{self, EventFd, PollFd};
use crate::host::Errno;
use crate::status::{Status, ZxResult};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;
use zx_sys::*;

/// Most user packets (`zx_port_queue`) pending on one port. Zircon raises a policy exception
/// and answers `SHOULD_WAIT` when a port holds too many; zx-shim has no exceptions and
/// answers `SHOULD_WAIT` at this depth. Kernel packets are not counted.
pub const MAX_USER_PACKETS: usize = 16 * 1024;

/// Something that turns host events into packets: a pager's userfaultfd.
///
/// Contract:
/// * [`fd`](PacketSource::fd) polls readable (`POLLIN`) while events are pending. It must
///   be non-blocking and stay open while the source is attached.
/// * [`poll_packets`](PacketSource::poll_packets) reads pending events without blocking and
///   hands each packet to `out`, which queues it on this port (packets addressed to another
///   port may be queued there with [`Port::queue_kernel_packet`] instead). It must consume
///   the readiness it reports, or the poller spins. It must not wait on this port or
///   detach a source from it.
/// * At most one thread calls `poll_packets` for a given port at a time, and never after
///   [`Port::detach_source`] has returned; every packet it produced is queued by then.
/// * A source whose descriptor is closed (`POLLNVAL`), or reports an error or hang-up and
///   yields no packet, is detached by the port (logged).
pub trait PacketSource: Send + Sync {
    fn fd(&self) -> RawFd;
    fn poll_packets(&self, out: &mut dyn FnMut(zx_port_packet_t));
    /// [`poll_packets`](PacketSource::poll_packets) on behalf of `port`: lets a source
    /// serving several ports hand `out` only the packets addressed to this one.
    fn poll_packets_on(&self, port: &Port, out: &mut dyn FnMut(zx_port_packet_t)) {
        let _ = port;
        self.poll_packets(out)
    }
}

type Sources = Arc<Vec<Arc<dyn PacketSource>>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    /// `zx_port_queue`: counted against [`MAX_USER_PACKETS`].
    User,
    /// `queue_kernel_packet` and packet sources.
    Kernel,
}

struct Queued {
    packet: zx_port_packet_t,
    origin: Origin,
}

struct State {
    queue: VecDeque<Queued>,
    /// Number of `Origin::User` entries in `queue`.
    user_packets: usize,
    /// Copy-on-write, so the poller takes a snapshot with one reference count.
    sources: Sources,
    /// A waiter is (or is about to be) in `ppoll` on the sources.
    polling: bool,
    /// The eventfd has been (or is about to be) written and the poller has not yet read it.
    kicked: bool,
    /// Waiters sleeping on `Port::wakeup`.
    sleepers: usize,
    /// Wake-ups sent to sleepers and not yet taken up (never more than `sleepers`).
    signaled: usize,
}

impl State {
    /// What a woken sleeper could do: take a packet, or take the vacant poller role.
    fn work(&self) -> usize {
        self.queue.len() + usize::from(!self.sources.is_empty() && !self.polling)
    }

    fn pop(&mut self) -> Option<zx_port_packet_t> {
        let Queued { packet, origin } = self.queue.pop_front()?;
        if origin == Origin::User {
            self.user_packets -= 1;
        }
        Some(packet)
    }

    /// Marks enough sleepers woken for the pending work; returns how many to notify.
    #[must_use]
    fn claim_sleepers(&mut self) -> usize {
        let mut n = 0;
        while self.sleepers > self.signaled && self.work() > self.signaled {
            self.signaled += 1;
            n += 1;
        }
        n
    }

    /// True when a packet has no sleeper assigned and the poller must be kicked.
    #[must_use]
    fn claim_kick(&mut self) -> bool {
        if self.polling && !self.kicked && self.queue.len() > self.signaled {
            self.kicked = true;
            true
        } else {
            false
        }
    }

    fn set_sources(&mut self, sources: Vec<Arc<dyn PacketSource>>) {
        self.sources = Arc::new(sources);
    }
}

/// Wake-ups to deliver once the state lock is released.
#[must_use]
struct Wakeups {
    sleepers: usize,
    kick: bool,
}

enum Timeout {
    Expired,
    Forever,
    After(u64),
}

fn timeout_until(deadline: zx_instant_mono_t) -> Timeout {
    if deadline == ZX_TIME_INFINITE {
        return Timeout::Forever;
    }
    let now = monotonic_now();
    if deadline <= now {
        Timeout::Expired
    } else {
        Timeout::After(deadline.abs_diff(now))
    }
}

fn same_source(a: &Arc<dyn PacketSource>, b: &Arc<dyn PacketSource>) -> bool {
    std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
}

pub struct Port {
    koid: Koid,
    bind_to_interrupt: bool,
    state: Mutex<State>,
    wakeup: Condvar,
    /// Written to wake the poller; created with the first source (plain ports own no fd).
    kick: OnceLock<EventFd>,
    /// Held while a source is read; see the module docs.
    drain: Mutex<()>,
}

impl Port {
    pub fn new() -> Port {
        Port {
            koid: new_koid(),
            bind_to_interrupt: false,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                user_packets: 0,
                sources: Arc::new(Vec::new()),
                polling: false,
                kicked: false,
                sleepers: 0,
                signaled: 0,
            }),
            wakeup: Condvar::new(),
            kick: OnceLock::new(),
            drain: Mutex::new(()),
        }
    }

    /// `zx_port_create`'s rules: options 0 or `ZX_PORT_BIND_TO_INTERRUPT` (the host has no
    /// interrupt objects, so the flag is recorded and has no further effect), anything else
    /// `INVALID_ARGS`.
    pub fn create(options: u32) -> ZxResult<Arc<Port>> {
        if options & !ZX_PORT_BIND_TO_INTERRUPT != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let mut port = Port::new();
        port.bind_to_interrupt = options & ZX_PORT_BIND_TO_INTERRUPT != 0;
        Ok(Arc::new(port))
    }

    pub fn koid(&self) -> Koid {
        self.koid
    }

    /// Whether the port was created with `ZX_PORT_BIND_TO_INTERRUPT`.
    pub fn binds_to_interrupts(&self) -> bool {
        self.bind_to_interrupt
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn deliver(&self, w: Wakeups) {
        for _ in 0..w.sleepers {
            self.wakeup.notify_one();
        }
        if w.kick {
            if let Some(kick) = self.kick.get() {
                if let Err(e) = kick.signal(1) {
                    // Cannot happen for an eventfd we own; the poller still wakes at its
                    // deadline, and the packet stays queued.
                    tracing::error!(target: "zx_shim::port", "eventfd write failed: {e:?}");
                }
            }
        }
    }

    fn push(&self, packet: zx_port_packet_t, origin: Origin) -> ZxResult {
        let mut st = self.lock();
        if origin == Origin::User {
            if st.user_packets >= MAX_USER_PACKETS {
                return Err(Status::SHOULD_WAIT);
            }
            st.user_packets += 1;
        }
        st.queue.push_back(Queued { packet, origin });
        let w = Wakeups {
            sleepers: st.claim_sleepers(),
            kick: st.claim_kick(),
        };
        drop(st);
        self.deliver(w);
        Ok(())
    }

    /// `zx_port_queue`: queues a copy of `packet` with its type forced to
    /// `ZX_PKT_TYPE_USER`; `SHOULD_WAIT` when [`MAX_USER_PACKETS`] are already pending.
    pub fn queue_user(&self, mut packet: zx_port_packet_t) -> ZxResult {
        packet.type_ = ZX_PKT_TYPE_USER;
        self.push(packet, Origin::User)
    }

    /// Queues `packet` exactly as given (type included) for shim-internal producers. Never
    /// refused: kernel packets are bounded by their producers (one per pager request).
    pub fn queue_kernel_packet(&self, packet: zx_port_packet_t) {
        // Kernel packets are never refused, so `push` cannot fail here.
        let _ = self.push(packet, Origin::Kernel);
    }

    /// Removes the queued kernel packets (not user packets) for which `matches` is true and
    /// returns how many: lets a producer withdraw requests nobody needs any more.
    pub fn remove_kernel_packets(
        &self,
        mut matches: impl FnMut(&zx_port_packet_t) -> bool,
    ) -> usize {
        let mut st = self.lock();
        let before = st.queue.len();
        st.queue
            .retain(|q| q.origin == Origin::User || !matches(&q.packet));
        before - st.queue.len()
    }

    /// Number of queued packets.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }

    /// `zx_port_wait`: the oldest packet, blocking until one arrives or `deadline` (absolute,
    /// host `CLOCK_MONOTONIC`; `ZX_TIME_INFINITE` never expires) passes: `TIMED_OUT`. A
    /// deadline in the past returns at once, with a packet if one is ready.
    pub fn wait(&self, deadline: zx_instant_mono_t) -> ZxResult<zx_port_packet_t> {
        let mut st = self.lock();
        // An expired deadline still reads the sources once, without sleeping: their pending
        // events are packets ready to be returned.
        let mut polled = false;
        loop {
            if let Some(packet) = st.pop() {
                self.leave(st);
                return Ok(packet);
            }
            let can_poll = !st.sources.is_empty() && !st.polling;
            let timeout = match timeout_until(deadline) {
                Timeout::Expired if can_poll && !polled => Some(0),
                Timeout::Expired => {
                    self.leave(st);
                    return Err(Status::TIMED_OUT);
                }
                Timeout::Forever => None,
                Timeout::After(ns) => Some(ns),
            };
            if can_poll {
                polled = true;
                st.polling = true;
                let sources = Arc::clone(&st.sources);
                drop(st);
                let outcome = self.poll_sources(&sources, timeout);
                drop(sources);
                st = self.lock();
                st.polling = false;
                if let Err(status) = outcome {
                    self.leave(st);
                    return Err(status);
                }
                continue;
            }
            st.sleepers += 1;
            st = match timeout {
                None => self.wakeup.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(ns) => {
                    self.wakeup
                        .wait_timeout(st, Duration::from_nanos(ns))
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
            st.sleepers -= 1;
            st.signaled = st.signaled.saturating_sub(1);
        }
    }

    /// A waiter is leaving: hand what it leaves behind (packets, the poller role) to
    /// sleepers.
    fn leave(&self, mut st: MutexGuard<'_, State>) {
        if st.sleepers == 0 {
            return;
        }
        let w = Wakeups {
            sleepers: st.claim_sleepers(),
            kick: false,
        };
        drop(st);
        self.deliver(w);
    }

    /// One `ppoll` on the kick eventfd and `sources`, then a read of the ready sources.
    /// Packets read are queued before this returns.
    fn poll_sources(&self, sources: &Sources, timeout_ns: Option<u64>) -> ZxResult {
        let Some(kick) = self.kick.get() else {
            // attach_source creates the eventfd before publishing any source.
            return Err(Status::INTERNAL);
        };
        let mut fds: Vec<PollFd> = Vec::with_capacity(sources.len() + 1);
        fds.push(PollFd::readable(kick.fd()));
        fds.extend(sources.iter().map(|s| PollFd::readable(s.fd())));
        match event::poll(&mut fds, timeout_ns) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(target: "zx_shim::port", "ppoll failed: {e:?}");
                return Err(if e == Errno::ENOMEM {
                    Status::NO_MEMORY
                } else {
                    Status::INTERNAL
                });
            }
        }
        if fds[0].is_ready() {
            if let Err(e) = kick.take() {
                tracing::error!(target: "zx_shim::port", "eventfd read failed: {e:?}");
            }
            self.lock().kicked = false;
        }
        if fds[1..].iter().any(PollFd::is_ready) {
            self.drain_sources(sources, &fds[1..]);
        }
        Ok(())
    }

    fn drain_sources(&self, sources: &Sources, fds: &[PollFd]) {
        let _drain = self.drain.lock().unwrap_or_else(|e| e.into_inner());
        // Sources detached since the snapshot must not be read again (PacketSource docs).
        let current = Arc::clone(&self.lock().sources);
        let mut produced: Vec<zx_port_packet_t> = Vec::new();
        let mut broken: Vec<Arc<dyn PacketSource>> = Vec::new();
        for (source, pfd) in sources.iter().zip(fds) {
            if !pfd.is_ready() || !current.iter().any(|c| same_source(c, source)) {
                continue;
            }
            if pfd.is_closed() {
                broken.push(Arc::clone(source));
                continue;
            }
            let before = produced.len();
            source.poll_packets_on(self, &mut |p| produced.push(p));
            if pfd.is_broken() && produced.len() == before {
                broken.push(Arc::clone(source));
            }
        }
        let mut st = self.lock();
        st.queue.extend(produced.into_iter().map(|packet| Queued {
            packet,
            origin: Origin::Kernel,
        }));
        if !broken.is_empty() {
            tracing::warn!(
                target: "zx_shim::port",
                "port {}: detaching {} packet source(s) whose descriptor is closed or failed",
                self.koid,
                broken.len()
            );
            let kept = st
                .sources
                .iter()
                .filter(|s| !broken.iter().any(|b| same_source(b, s)))
                .cloned()
                .collect();
            st.set_sources(kept);
        }
        // The poller (this thread) takes the first packet and hands the rest on as it leaves.
        drop(st);
        drop(broken);
    }

    /// Attaches a packet source: from now on waiters poll its descriptor and read it.
    /// `ALREADY_EXISTS` if it is attached already; `NO_RESOURCES` if the host refuses the
    /// port's eventfd.
    pub fn attach_source(&self, source: Arc<dyn PacketSource>) -> ZxResult {
        if self.kick.get().is_none() {
            let fd = EventFd::new().map_err(|e| {
                tracing::warn!(target: "zx_shim::port", "eventfd: {e:?}");
                Status::NO_RESOURCES
            })?;
            // A racing attach may have won; its eventfd serves as well.
            let _ = self.kick.set(fd);
        }
        let mut st = self.lock();
        if st.sources.iter().any(|s| same_source(s, &source)) {
            return Err(Status::ALREADY_EXISTS);
        }
        let mut sources = st.sources.to_vec();
        sources.push(source);
        st.set_sources(sources);
        // A poller must re-read the set; without one, a sleeper takes the role.
        let kick = st.polling && !st.kicked;
        st.kicked |= kick;
        let w = Wakeups {
            sleepers: st.claim_sleepers(),
            kick,
        };
        drop(st);
        self.deliver(w);
        Ok(())
    }

    /// Detaches `source` (false if it was not attached). When this returns, no thread is in
    /// or will enter `source.poll_packets` for this port, and the packets it produced are
    /// queued. Waits for an in-flight read: call it without holding locks that
    /// `poll_packets` takes.
    pub fn detach_source(&self, source: &Arc<dyn PacketSource>) -> bool {
        let mut st = self.lock();
        let before = st.sources.len();
        let kept: Vec<_> = st
            .sources
            .iter()
            .filter(|s| !same_source(s, source))
            .cloned()
            .collect();
        if kept.len() == before {
            return false;
        }
        st.set_sources(kept);
        // Kick the poller so it drops its snapshot (which keeps the source alive).
        let kick = st.polling && !st.kicked;
        st.kicked |= kick;
        drop(st);
        self.deliver(Wakeups { sleepers: 0, kick });
        drop(self.drain.lock().unwrap_or_else(|e| e.into_inner()));
        true
    }

    /// `zx_port_cancel` after the handle checks: `source` has the `WAIT` right. Objects that
    /// are not waitable are `NOT_SUPPORTED`. For waitable ones, the call would remove the
    /// async waits `source` registered with `key` on this port and the packets they queued;
    /// zx-shim registers none (`zx_object_wait_async` is `NOT_SUPPORTED`), so it finds
    /// nothing: `NOT_FOUND`.
    pub fn cancel(&self, source: &Object, _key: u64) -> ZxResult {
        if !is_waitable(source) {
            return Err(Status::NOT_SUPPORTED);
        }
        Err(Status::NOT_FOUND)
    }

    /// `zx_port_cancel_key` after the checks: cancels the async waits registered on this
    /// port with `key`, whatever their source, and removes the packets they queued. User
    /// packets and kernel packets (page requests) are not async-wait packets and stay
    /// queued. zx-shim registers no async waits, so this is always `NOT_FOUND`.
    pub fn cancel_key(&self, _key: u64) -> ZxResult {
        Err(Status::NOT_FOUND)
    }
}

impl Default for Port {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `zx_object_wait_async` could watch the object (zircon-abi.md §1.7: VMOs signal
/// `ZX_VMO_ZERO_CHILDREN`; ports and VMARs are not waitable). Exhaustive on purpose: a new
/// object type must decide.
pub fn is_waitable(object: &Object) -> bool {
    match object {
        Object::Vmo(_) => true,
        Object::Iob(_) => true,
        Object::Vmar(_) | Object::Port(_) | Object::Pager(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::thread;
    use std::time::Instant;

    const MS: i64 = 1_000_000;

    fn user(key: u64, word: u64) -> zx_port_packet_t {
        zx_port_packet_t {
            key,
            type_: 0x55,
            status: -7,
            payload: zx_port_packet_payload_t {
                user: zx_packet_user_t {
                    u64: [word, !word, word ^ 0xA5, 3],
                },
            },
        }
    }

    fn page_request(key: u64, offset: u64) -> zx_port_packet_t {
        zx_port_packet_t {
            key,
            type_: ZX_PKT_TYPE_PAGE_REQUEST,
            status: ZX_OK,
            payload: zx_port_packet_payload_t {
                page_request: zx_packet_page_request_t {
                    command: ZX_PAGER_VMO_READ,
                    offset,
                    length: 4096,
                    ..Default::default()
                },
            },
        }
    }

    fn words(p: &zx_port_packet_t) -> [u64; 4] {
        // SAFETY: every member of the payload union is plain integers over the same 32 bytes.
        unsafe { p.payload.user.u64 }
    }

    fn after(ns: i64) -> zx_instant_mono_t {
        monotonic_now() + ns
    }

    /// A fake userfaultfd: an eventfd whose count is the number of pending events; each
    /// event becomes one PAGE_REQUEST packet.
    struct FakeSource {
        events: EventFd,
        key: u64,
        reads: AtomicUsize,
        produced: AtomicUsize,
    }

    impl FakeSource {
        fn new(key: u64) -> Arc<FakeSource> {
            Arc::new(FakeSource {
                events: EventFd::new().unwrap(),
                key,
                reads: AtomicUsize::new(0),
                produced: AtomicUsize::new(0),
            })
        }
        fn fire(&self, n: u64) {
            self.events.signal(n).unwrap();
        }
    }

    impl PacketSource for FakeSource {
        fn fd(&self) -> RawFd {
            self.events.fd()
        }
        fn poll_packets(&self, out: &mut dyn FnMut(zx_port_packet_t)) {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let n = self.events.take().unwrap().unwrap_or(0);
            for _ in 0..n {
                let seq = self.produced.fetch_add(1, Ordering::SeqCst) as u64;
                out(page_request(self.key, seq * 4096));
            }
        }
    }

    fn as_source(s: &Arc<FakeSource>) -> Arc<dyn PacketSource> {
        s.clone()
    }

    #[test]
    fn create_options() {
        assert!(Port::create(0).is_ok());
        assert!(Port::create(ZX_PORT_BIND_TO_INTERRUPT)
            .unwrap()
            .binds_to_interrupts());
        assert_eq!(Port::create(2).err(), Some(Status::INVALID_ARGS));
        assert_eq!(Port::create(u32::MAX).err(), Some(Status::INVALID_ARGS));
    }

    #[test]
    fn queue_user_forces_type_and_keeps_the_rest() {
        let port = Port::new();
        port.queue_user(user(42, 0x1122_3344_5566_7788)).unwrap();
        let p = port.wait(0).unwrap();
        assert_eq!((p.key, p.type_, p.status), (42, ZX_PKT_TYPE_USER, -7));
        assert_eq!(words(&p), words(&user(0, 0x1122_3344_5566_7788)));
    }

    #[test]
    fn kernel_packets_keep_their_type_and_share_fifo_order() {
        let port = Port::new();
        port.queue_user(user(1, 1)).unwrap();
        port.queue_kernel_packet(page_request(2, 8192));
        port.queue_user(user(3, 3)).unwrap();
        let keys: Vec<_> = (0..3).map(|_| port.wait(0).unwrap()).collect();
        assert_eq!(keys.iter().map(|p| p.key).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(keys[1].type_, ZX_PKT_TYPE_PAGE_REQUEST);
        // SAFETY: the packet was built as a page request.
        assert_eq!(unsafe { keys[1].payload.page_request.offset }, 8192);
        assert_eq!(port.wait(0).err(), Some(Status::TIMED_OUT));
    }

    #[test]
    fn user_bound_is_should_wait_and_kernel_packets_are_exempt() {
        let port = Port::new();
        for i in 0..MAX_USER_PACKETS as u64 {
            port.queue_user(user(i, i)).unwrap();
        }
        assert_eq!(port.queue_user(user(0, 0)), Err(Status::SHOULD_WAIT));
        port.queue_kernel_packet(page_request(9, 0));
        assert_eq!(port.pending(), MAX_USER_PACKETS + 1);
        assert_eq!(port.wait(0).unwrap().key, 0);
        port.queue_user(user(77, 0)).unwrap();
        assert_eq!(port.queue_user(user(0, 0)), Err(Status::SHOULD_WAIT));
    }

    #[test]
    fn remove_kernel_packets_leaves_user_packets() {
        let port = Port::new();
        port.queue_user(user(5, 0)).unwrap();
        port.queue_kernel_packet(page_request(5, 0));
        port.queue_kernel_packet(page_request(6, 0));
        assert_eq!(port.remove_kernel_packets(|p| p.key == 5), 1);
        assert_eq!(port.wait(0).unwrap().type_, ZX_PKT_TYPE_USER);
        assert_eq!(port.wait(0).unwrap().key, 6);
        assert_eq!(port.pending(), 0);
    }

    #[test]
    fn past_deadline_times_out_at_once() {
        let port = Port::new();
        let start = Instant::now();
        assert_eq!(
            port.wait(ZX_TIME_INFINITE_PAST).err(),
            Some(Status::TIMED_OUT)
        );
        assert_eq!(port.wait(0).err(), Some(Status::TIMED_OUT));
        assert_eq!(port.wait(monotonic_now()).err(), Some(Status::TIMED_OUT));
        assert!(start.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn deadline_is_honoured() {
        let port = Port::new();
        let start = Instant::now();
        assert_eq!(port.wait(after(30 * MS)).err(), Some(Status::TIMED_OUT));
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    /// `n` threads each waiting (up to 5 s) for one packet's key, all started and about
    /// to wait when this returns.
    fn spawn_key_waiters(port: &Arc<Port>, n: usize) -> Vec<thread::JoinHandle<ZxResult<u64>>> {
        let barrier = Arc::new(Barrier::new(n + 1));
        let waiters = (0..n)
            .map(|_| {
                let (port, barrier) = (port.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    port.wait(after(5000 * MS)).map(|p| p.key)
                })
            })
            .collect();
        barrier.wait();
        waiters
    }

    #[test]
    fn many_waiters_each_get_one_packet() {
        const N: usize = 8;
        let port = Arc::new(Port::new());
        let waiters = spawn_key_waiters(&port, N);
        for i in 0..N as u64 {
            port.queue_user(user(i, 0)).unwrap();
        }
        let mut keys: Vec<u64> = waiters
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        keys.sort();
        assert_eq!(keys, (0..N as u64).collect::<Vec<_>>());
        assert_eq!(port.pending(), 0);
    }

    #[test]
    fn waiter_receives_packet_from_source() {
        let port = Arc::new(Port::new());
        let source = FakeSource::new(0xFA);
        port.attach_source(as_source(&source)).unwrap();
        let waiter = {
            let port = port.clone();
            thread::spawn(move || port.wait(ZX_TIME_INFINITE))
        };
        thread::sleep(Duration::from_millis(30));
        source.fire(1);
        let p = waiter.join().unwrap().unwrap();
        assert_eq!((p.key, p.type_), (0xFA, ZX_PKT_TYPE_PAGE_REQUEST));
        assert_eq!(source.produced.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn expired_deadline_still_reads_ready_sources() {
        let port = Port::new();
        let source = FakeSource::new(3);
        port.attach_source(as_source(&source)).unwrap();
        assert_eq!(port.wait(0).err(), Some(Status::TIMED_OUT));
        source.fire(2);
        assert_eq!(port.wait(0).unwrap().key, 3);
        assert_eq!(port.wait(ZX_TIME_INFINITE_PAST).unwrap().key, 3);
        assert_eq!(port.wait(0).err(), Some(Status::TIMED_OUT));
        assert_eq!(source.produced.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn source_event_is_consumed_once_with_two_waiters() {
        let port = Arc::new(Port::new());
        let source = FakeSource::new(1);
        port.attach_source(as_source(&source)).unwrap();
        let barrier = Arc::new(Barrier::new(3));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (port, barrier) = (port.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    port.wait(after(300 * MS))
                })
            })
            .collect();
        barrier.wait();
        thread::sleep(Duration::from_millis(30));
        source.fire(1);
        let results: Vec<_> = waiters.into_iter().map(|t| t.join().unwrap()).collect();
        let got = results.iter().filter(|r| r.is_ok()).count();
        let timed_out = results
            .iter()
            .filter(|r| r.as_ref().err() == Some(&Status::TIMED_OUT))
            .count();
        assert_eq!(
            (got, timed_out),
            (1, 1),
            "{:?}",
            results
                .iter()
                .map(|r| r.as_ref().map(|p| p.key))
                .collect::<Vec<_>>()
        );
        assert_eq!(source.produced.load(Ordering::SeqCst), 1);
        assert_eq!(port.pending(), 0);
    }

    #[test]
    fn source_packets_and_user_packets_reach_all_waiters() {
        const N: usize = 6;
        let port = Arc::new(Port::new());
        let source = FakeSource::new(100);
        port.attach_source(as_source(&source)).unwrap();
        let waiters = spawn_key_waiters(&port, N);
        source.fire(3);
        for i in 0..(N - 3) as u64 {
            port.queue_user(user(i, 0)).unwrap();
        }
        let keys: Vec<u64> = waiters
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert_eq!(keys.iter().filter(|&&k| k == 100).count(), 3, "{keys:?}");
        assert_eq!(source.produced.load(Ordering::SeqCst), 3);
        assert_eq!(port.pending(), 0);
    }

    /// Producers, a source and consumers with short deadlines race: every packet is
    /// delivered exactly once.
    #[test]
    fn racing_producers_consumers_and_source_lose_nothing() {
        const PRODUCERS: u64 = 2;
        const PER_PRODUCER: u64 = 2000;
        const FIRES: u64 = 500;
        let port = Arc::new(Port::new());
        let source = FakeSource::new(u64::MAX);
        port.attach_source(as_source(&source)).unwrap();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let (port, done) = (port.clone(), done.clone());
                thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match port.wait(after(2 * MS)) {
                            Ok(p) => got.push(p),
                            Err(Status::TIMED_OUT) if done.load(Ordering::SeqCst) => break,
                            Err(Status::TIMED_OUT) => {}
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                    got
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|t| {
                let port = port.clone();
                thread::spawn(move || {
                    for i in 0..PER_PRODUCER {
                        port.queue_user(user(t * PER_PRODUCER + i, 0)).unwrap();
                    }
                })
            })
            .collect();
        for i in 0..FIRES {
            source.fire(1);
            if i % 64 == 0 {
                thread::yield_now();
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        // Let the consumers drain what is queued and pending in the source.
        while port.pending() > 0 || source.produced.load(Ordering::SeqCst) < FIRES as usize {
            thread::sleep(Duration::from_millis(5));
        }
        done.store(true, Ordering::SeqCst);
        let mut user_keys = Vec::new();
        let mut from_source = 0;
        for c in consumers {
            for p in c.join().unwrap() {
                if p.type_ == ZX_PKT_TYPE_PAGE_REQUEST {
                    from_source += 1;
                } else {
                    user_keys.push(p.key);
                }
            }
        }
        while let Ok(p) = port.wait(0) {
            if p.type_ == ZX_PKT_TYPE_PAGE_REQUEST {
                from_source += 1;
            } else {
                user_keys.push(p.key);
            }
        }
        user_keys.sort_unstable();
        assert_eq!(user_keys, (0..PRODUCERS * PER_PRODUCER).collect::<Vec<_>>());
        assert_eq!(from_source, FIRES);
    }

    #[test]
    fn user_packet_wakes_the_poller() {
        let port = Arc::new(Port::new());
        let source = FakeSource::new(1);
        port.attach_source(as_source(&source)).unwrap();
        let waiter = {
            let port = port.clone();
            thread::spawn(move || port.wait(after(5000 * MS)))
        };
        thread::sleep(Duration::from_millis(30));
        let start = Instant::now();
        port.queue_user(user(9, 0)).unwrap();
        assert_eq!(waiter.join().unwrap().unwrap().key, 9);
        assert!(start.elapsed() < Duration::from_millis(2000));
        assert_eq!(source.reads.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn attach_while_waiting_makes_a_sleeper_poll() {
        let port = Arc::new(Port::new());
        let waiter = {
            let port = port.clone();
            thread::spawn(move || port.wait(after(5000 * MS)))
        };
        thread::sleep(Duration::from_millis(30));
        let source = FakeSource::new(7);
        port.attach_source(as_source(&source)).unwrap();
        assert_eq!(
            port.attach_source(as_source(&source)),
            Err(Status::ALREADY_EXISTS)
        );
        source.fire(1);
        assert_eq!(waiter.join().unwrap().unwrap().key, 7);
    }

    #[test]
    fn detach_stops_reads_and_releases_the_poller_snapshot() {
        let port = Arc::new(Port::new());
        let source = FakeSource::new(7);
        let dyn_source = as_source(&source);
        port.attach_source(dyn_source.clone()).unwrap();
        let waiter = {
            let port = port.clone();
            thread::spawn(move || port.wait(after(300 * MS)))
        };
        thread::sleep(Duration::from_millis(30));
        assert!(port.detach_source(&dyn_source));
        assert!(!port.detach_source(&dyn_source));
        let reads = source.reads.load(Ordering::SeqCst);
        source.fire(1);
        assert_eq!(waiter.join().unwrap().err(), Some(Status::TIMED_OUT));
        assert_eq!(source.reads.load(Ordering::SeqCst), reads);
        assert_eq!(port.pending(), 0);
        drop(dyn_source);
        // Only the test's own reference is left: the poller dropped its snapshot.
        assert_eq!(Arc::strong_count(&source), 1);
    }

    /// A source whose descriptor reports a hang-up forever: the port detaches it rather than
    /// spinning, and waiters still time out normally.
    struct HungUp {
        read_end: std::os::fd::OwnedFd,
        reads: AtomicUsize,
    }
    impl PacketSource for HungUp {
        fn fd(&self) -> RawFd {
            use std::os::fd::AsRawFd;
            self.read_end.as_raw_fd()
        }
        fn poll_packets(&self, _out: &mut dyn FnMut(zx_port_packet_t)) {
            self.reads.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn broken_source_is_detached_not_spun_on() {
        use std::os::fd::{FromRawFd, OwnedFd};
        let mut ends = [0; 2];
        // SAFETY: `ends` has room for the two descriptors pipe2 writes.
        let ret = unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        assert_eq!(ret, 0);
        // SAFETY: pipe2 returned two fresh descriptors that nothing else owns.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) };
        drop(write_end);
        let source = Arc::new(HungUp {
            read_end,
            reads: AtomicUsize::new(0),
        });
        let port = Port::new();
        port.attach_source(source.clone()).unwrap();
        assert_eq!(port.wait(after(50 * MS)).err(), Some(Status::TIMED_OUT));
        assert_eq!(source.reads.load(Ordering::SeqCst), 1);
        let dyn_source: Arc<dyn PacketSource> = source;
        assert!(!port.detach_source(&dyn_source));
    }

    #[test]
    fn cancel_and_cancel_key_find_nothing() {
        let port = Port::new();
        port.queue_user(user(3, 0)).unwrap();
        assert_eq!(port.cancel_key(3), Err(Status::NOT_FOUND));
        let other = Object::Port(Arc::new(Port::new()));
        assert_eq!(port.cancel(&other, 3), Err(Status::NOT_SUPPORTED));
        assert_eq!(port.wait(0).unwrap().key, 3);
    }
}
