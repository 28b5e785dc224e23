//! Wake-ups and readiness: `eventfd` and `ppoll`, the host calls a port waiter blocks in
//! when packet sources (userfaultfd descriptors) are attached to the port.
//!
//! Descriptors are non-blocking: a read with nothing pending answers `Ok(None)` rather than
//! blocking, so only `poll` ever sleeps.
use super::{check, check_size, Errno};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// An `eventfd` counter (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct EventFd(OwnedFd);

impl EventFd {
    pub fn new() -> Result<EventFd, Errno> {
        // SAFETY: plain syscall; the flags are valid.
        let fd = check(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
        // SAFETY: eventfd returned a fresh descriptor that nothing else owns.
        Ok(EventFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// Adds `n` to the counter, making the descriptor readable. A counter already at its
    /// maximum is readable anyway, so EAGAIN counts as success.
    pub fn signal(&self, n: u64) -> Result<(), Errno> {
        let bytes = n.to_ne_bytes();
        // SAFETY: `bytes` is 8 readable bytes, as eventfd requires.
        match check_size(unsafe { libc::write(self.fd(), bytes.as_ptr().cast(), bytes.len()) }) {
            Ok(_) => Ok(()),
            Err(Errno(libc::EAGAIN)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads and resets the counter: `Ok(None)` when it was zero.
    pub fn take(&self) -> Result<Option<u64>, Errno> {
        let mut bytes = [0u8; 8];
        // SAFETY: `bytes` is 8 writable bytes, as eventfd requires.
        match check_size(unsafe { libc::read(self.fd(), bytes.as_mut_ptr().cast(), bytes.len()) }) {
            Ok(_) => Ok(Some(u64::from_ne_bytes(bytes))),
            Err(Errno(libc::EAGAIN)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One entry of a [`poll`] set: a descriptor watched for readability.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct PollFd(libc::pollfd);

impl PollFd {
    /// Watches `fd` for input (`POLLIN`); errors and hang-ups are always reported.
    pub fn readable(fd: RawFd) -> PollFd {
        PollFd(libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
    }

    /// Input is ready.
    pub fn is_readable(&self) -> bool {
        self.0.revents & libc::POLLIN != 0
    }

    /// The descriptor reported an error or hang-up (`POLLERR`/`POLLHUP`).
    pub fn is_broken(&self) -> bool {
        self.0.revents & (libc::POLLERR | libc::POLLHUP) != 0
    }

    /// The descriptor is not open (`POLLNVAL`).
    pub fn is_closed(&self) -> bool {
        self.0.revents & libc::POLLNVAL != 0
    }

    /// Anything at all was reported.
    pub fn is_ready(&self) -> bool {
        self.0.revents != 0
    }
}

/// Sleeps until a descriptor in `fds` is ready or `timeout_ns` nanoseconds have passed
/// (`None`: no limit). Returns how many entries have events: 0 on timeout, and also when a
/// signal interrupted the sleep (the caller recomputes its timeout and polls again).
pub fn poll(fds: &mut [PollFd], timeout_ns: Option<u64>) -> Result<usize, Errno> {
    let ts = timeout_ns.map(|ns| libc::timespec {
        tv_sec: (ns / 1_000_000_000).min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `PollFd` is a transparent `pollfd`, so `fds` is `fds.len()` valid pollfds;
    // `ts_ptr` is null or points to a timespec that outlives the call; no signal mask.
    let ret = check(unsafe {
        libc::ppoll(
            fds.as_mut_ptr().cast::<libc::pollfd>(),
            fds.len() as libc::nfds_t,
            ts_ptr,
            std::ptr::null(),
        )
    });
    match ret {
        Ok(n) => Ok(n as usize),
        Err(Errno(libc::EINTR)) => Ok(0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eventfd_signal_take_and_poll() {
        let e = EventFd::new().unwrap();
        assert_eq!(e.take().unwrap(), None);
        let mut fds = [PollFd::readable(e.fd())];
        assert_eq!(poll(&mut fds, Some(0)).unwrap(), 0);
        e.signal(1).unwrap();
        e.signal(2).unwrap();
        assert_eq!(poll(&mut fds, Some(1_000_000_000)).unwrap(), 1);
        assert!(fds[0].is_readable() && !fds[0].is_broken() && !fds[0].is_closed());
        assert_eq!(e.take().unwrap(), Some(3));
        assert_eq!(e.take().unwrap(), None);
    }

    #[test]
    fn poll_reports_closed_descriptor() {
        let mut fds = [PollFd::readable(i32::MAX - 1)];
        assert_eq!(poll(&mut fds, Some(0)).unwrap(), 1);
        assert!(fds[0].is_closed());
    }
}
