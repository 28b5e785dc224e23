//! Probing memory without crashing the test process.
//!
//! - [`readable`] / [`writable`] / [`read_byte`] / [`write_byte`] go through
//!   `process_vm_readv` / `process_vm_writev` on our own pid: the kernel checks the
//!   target pages' protection like a user access would and answers `EFAULT` instead of
//!   delivering a signal. A write probe writes back the byte it read, so it changes
//!   nothing.
//! - [`in_child`] runs a closure in a forked child and reports how the child ended, for
//!   the cases that must really fault (read, write, execute → `SIGSEGV`; beyond the end of
//!   a VMO → `SIGBUS`).

/// How a forked probe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildOutcome {
    Exited(i32),
    Signaled(i32),
}

impl ChildOutcome {
    pub const OK: ChildOutcome = ChildOutcome::Exited(0);
    pub const SEGV: ChildOutcome = ChildOutcome::Signaled(libc::SIGSEGV);
    pub const BUS: ChildOutcome = ChildOutcome::Signaled(libc::SIGBUS);
}

/// The byte at `addr`, or `None` if the page is not readable.
pub fn read_byte(addr: usize) -> Option<u8> {
    let mut byte = 0u8;
    let local = libc::iovec {
        iov_base: (&mut byte as *mut u8).cast(),
        iov_len: 1,
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: 1,
    };
    // SAFETY: `local` describes our own one-byte buffer; `remote` is only read by the
    // kernel, which checks it and answers EFAULT for inaccessible pages.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    (n == 1).then_some(byte)
}

/// Writes `value` at `addr` as a user store would; false if the page is not writable.
pub fn write_byte(addr: usize, value: u8) -> bool {
    let local = libc::iovec {
        iov_base: (&value as *const u8).cast_mut().cast(),
        iov_len: 1,
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: 1,
    };
    // SAFETY: `local` is our own one-byte buffer; the kernel checks `remote` and answers
    // EFAULT for pages that are not writable. Callers only probe memory they mapped.
    let n = unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) };
    n == 1
}

/// True if the byte at `addr` can be read.
pub fn readable(addr: usize) -> bool {
    read_byte(addr).is_some()
}

/// True if the byte at `addr` can be written (tested by writing back what is there).
pub fn writable(addr: usize) -> bool {
    match read_byte(addr) {
        Some(b) => write_byte(addr, b),
        None => false,
    }
}

/// The access allowed at `addr`: `"---"`, `"r--"` or `"rw-"` (execution is probed
/// separately with [`executes`]).
pub fn access(addr: usize) -> &'static str {
    match (readable(addr), writable(addr)) {
        (false, _) => "---",
        (true, false) => "r--",
        (true, true) => "rw-",
    }
}

/// Runs `f` in a forked child, which exits with status 0 if `f` returns.
pub fn in_child(f: impl FnOnce()) -> ChildOutcome {
    // SAFETY: the child only runs `f` (a few loads or stores, or a call into a page the
    // test prepared) and `_exit`s; it does not touch locks other threads might hold.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        f();
        // SAFETY: ends the child without running atexit handlers or destructors.
        unsafe { libc::_exit(0) };
    }
    let mut status = 0;
    // SAFETY: waits for the child we just forked.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid, "waitpid failed");
    if libc::WIFSIGNALED(status) {
        ChildOutcome::Signaled(libc::WTERMSIG(status))
    } else {
        ChildOutcome::Exited(libc::WEXITSTATUS(status))
    }
}

/// How a child that reads the byte at `addr` ends.
pub fn child_read(addr: usize) -> ChildOutcome {
    // SAFETY: runs in the child; a fault kills only the child.
    in_child(|| unsafe {
        std::ptr::read_volatile(addr as *const u8);
    })
}

/// How a child that writes the byte at `addr` ends.
pub fn child_write(addr: usize) -> ChildOutcome {
    // SAFETY: runs in the child; a fault kills only the child, and a successful store
    // changes only the child's view of private memory (shared memory: the test expects it).
    in_child(|| unsafe {
        std::ptr::write_volatile(addr as *mut u8, 0x5A);
    })
}

/// A function body that returns at once: `ret`.
#[cfg(target_arch = "x86_64")]
pub const RET: &[u8] = &[0xC3];
#[cfg(target_arch = "aarch64")]
pub const RET: &[u8] = &[0xC0, 0x03, 0x5F, 0xD6];
#[cfg(target_arch = "riscv64")]
pub const RET: &[u8] = &[0x67, 0x80, 0x00, 0x00];

/// How a child that calls the code at `addr` (which should hold [`RET`]) ends.
pub fn child_call(addr: usize) -> ChildOutcome {
    in_child(|| {
        // SAFETY: runs in the child; the page holds a bare `ret` (or faults, which kills
        // only the child).
        let f: extern "C" fn() = unsafe { std::mem::transmute(addr) };
        f();
    })
}

/// True if calling the code at `addr` returns normally (probed in a child).
pub fn executes(addr: usize) -> bool {
    child_call(addr) == ChildOutcome::OK
}

/// Reads a u64 through a mapping the caller knows is readable.
pub fn peek(addr: usize) -> u64 {
    // SAFETY: the caller mapped `addr` readable.
    unsafe { std::ptr::read_volatile(addr as *const u64) }
}

/// Writes a u64 through a mapping the caller knows is writable.
pub fn poke(addr: usize, value: u64) {
    // SAFETY: the caller mapped `addr` writable.
    unsafe { std::ptr::write_volatile(addr as *mut u64, value) }
}

/// Reads the byte at `addr` as a user load would: a fault on a pager page blocks until
/// the page is supplied (unlike [`read_byte`], which the kernel answers at once).
pub fn load(addr: usize) -> u8 {
    // SAFETY: the tests pass addresses of live mappings they made.
    unsafe { std::ptr::read_volatile(addr as *const u8) }
}

/// Stores the byte at `addr` as a user store would (see [`load`]).
pub fn store(addr: usize, value: u8) {
    // SAFETY: as in `load`, for writable mappings.
    unsafe { std::ptr::write_volatile(addr as *mut u8, value) }
}
