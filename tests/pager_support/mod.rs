//! Helpers shared by the pager conformance tests (`tests/pager_*.rs`): pagers, ports and
//! pager VMOs, supplying bytes, waiting for packets with deadlines, mapping, and running a
//! scenario in a child process.
#![allow(dead_code)]
use std::time::{Duration, Instant};
use zircon::prelude::*;

pub const PAGE: u64 = 4096;
pub const PAGE_USIZE: usize = 4096;
/// A handle value with the fixed bits set that no table slot matches.
pub const FORGED: zx_handle_t = 0xDEAD_BEEF;
/// Deadline for anything a test waits on: generous, but a hang fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub fn pager() -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_pager_create(0, &mut h), ZX_OK);
    h
}

pub fn port() -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_port_create(0, &mut h), ZX_OK);
    h
}

pub fn vmo(size: u64) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_vmo_create(size, 0, &mut h), ZX_OK);
    h
}

pub fn pager_vmo_with(
    pager: zx_handle_t,
    port: zx_handle_t,
    key: u64,
    size: u64,
    options: u32,
) -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_pager_create_vmo(pager, options, port, key, size, &mut h),
        ZX_OK
    );
    h
}

pub fn close(h: zx_handle_t) {
    assert_eq!(zx_handle_close(h), ZX_OK);
}

/// Another handle to `h`'s object with exactly `rights`, installed straight into the handle
/// table (pager handles carry no `DUPLICATE` right, so `zx_handle_duplicate` cannot make it).
pub fn with_rights(h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    use zircon::handle::{Rights, HANDLES};
    let object = HANDLES.get(h).expect("live handle").object;
    HANDLES
        .add(object, Rights::from_raw(rights))
        .expect("handle table")
}

pub fn rights_of(h: zx_handle_t) -> zx_rights_t {
    basic_info(h).rights
}

pub fn basic_info(h: zx_handle_t) -> zx_info_handle_basic_t {
    let mut info = zx_info_handle_basic_t::default();
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_HANDLE_BASIC,
            (&mut info as *mut zx_info_handle_basic_t).cast(),
            std::mem::size_of::<zx_info_handle_basic_t>(),
            std::ptr::null_mut(),
            std::ptr::null_mut()
        ),
        ZX_OK
    );
    info
}

pub fn vmo_info(h: zx_handle_t) -> zx_info_vmo_t {
    // SAFETY: all-zero bytes are a valid zx_info_vmo_t (plain integers).
    let mut info: zx_info_vmo_t = unsafe { std::mem::zeroed() };
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_VMO,
            (&mut info as *mut zx_info_vmo_t).cast(),
            std::mem::size_of::<zx_info_vmo_t>(),
            std::ptr::null_mut(),
            std::ptr::null_mut()
        ),
        ZX_OK
    );
    info
}

/// A plain VMO holding `data` at offset 0, to supply from.
pub fn aux_with(data: &[u8]) -> zx_handle_t {
    let h = vmo(data.len() as u64);
    assert_eq!(zx_vmo_write(h, data.as_ptr().cast(), 0, data.len()), ZX_OK);
    h
}

/// Supplies `data` at `offset` through a fresh aux VMO.
pub fn supply(pager: zx_handle_t, vmo: zx_handle_t, offset: u64, data: &[u8]) -> zx_status_t {
    let aux = aux_with(data);
    let status = zx_pager_supply_pages(pager, vmo, offset, data.len() as u64, aux, 0);
    close(aux);
    status
}

/// `len` bytes of a recognisable pattern that depends on `seed`.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(31).wrapping_add((i % 251) as u8))
        .collect()
}

pub fn read(vmo: zx_handle_t, offset: u64, len: usize) -> Result<Vec<u8>, zx_status_t> {
    let mut buf = vec![0u8; len];
    match zx_vmo_read(vmo, buf.as_mut_ptr().cast(), offset, len) {
        ZX_OK => Ok(buf),
        e => Err(e),
    }
}

pub fn write(vmo: zx_handle_t, offset: u64, data: &[u8]) -> zx_status_t {
    zx_vmo_write(vmo, data.as_ptr().cast(), offset, data.len())
}

pub fn deadline_after(d: Duration) -> zx_instant_mono_t {
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

pub fn wait_packet(port: zx_handle_t, d: Duration) -> Result<zx_port_packet_t, zx_status_t> {
    // SAFETY: all-zero bytes are a valid packet (plain integers).
    let mut p: zx_port_packet_t = unsafe { std::mem::zeroed() };
    match zx_port_wait(port, deadline_after(d), &mut p) {
        ZX_OK => Ok(p),
        e => Err(e),
    }
}

/// `(command, offset, length)` of a page request.
pub fn request(p: &zx_port_packet_t) -> (u16, u64, u64) {
    assert_eq!(p.type_, ZX_PKT_TYPE_PAGE_REQUEST, "not a page request");
    assert_eq!(p.status, ZX_OK);
    // SAFETY: page-request packets carry the page_request member.
    let r = unsafe { p.payload.page_request };
    (r.command, r.offset, r.length)
}

/// The next page request on `port`, which must arrive within [`PATIENCE`].
pub fn expect_request(port: zx_handle_t, key: u64) -> (u16, u64, u64) {
    let p = next_packet(port).expect("a page request within the deadline");
    assert_eq!(p.key, key);
    request(&p)
}

/// Asserts that no packet arrives within `ms` milliseconds.
pub fn expect_no_packet(port: zx_handle_t, ms: u64) {
    match wait_packet(port, Duration::from_millis(ms)) {
        Err(ZX_ERR_TIMED_OUT) => {}
        Ok(p) => panic!("unexpected packet: key {:#x}, {:?}", p.key, request(&p)),
        Err(e) => panic!("zx_port_wait: {e}"),
    }
}

/// Maps `len` bytes of `vmo` (offset 0) readable and writable, with `ZX_VM_ALLOW_FAULTS`.
pub fn map(vmo: zx_handle_t, len: usize) -> usize {
    map_with(vmo, 0, len, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
}

pub fn map_with(vmo: zx_handle_t, offset: u64, len: usize, perms: zx_vm_option_t) -> usize {
    let mut addr = 0;
    assert_eq!(
        zx_vmar_map(
            zx_vmar_root_self(),
            perms | ZX_VM_ALLOW_FAULTS,
            0,
            vmo,
            offset,
            len,
            &mut addr
        ),
        ZX_OK
    );
    addr
}

pub fn unmap(addr: usize, len: usize) {
    assert_eq!(zx_vmar_unmap(zx_vmar_root_self(), addr, len), ZX_OK);
}

/// Runs `f` on a new thread; [`Joiner::join`] fails the test if it has not finished within
/// [`PATIENCE`] (the thread is then leaked, still blocked, rather than hanging the run).
pub struct Joiner<T> {
    rx: std::sync::mpsc::Receiver<T>,
}

pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Joiner<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    Joiner { rx }
}

impl<T> Joiner<T> {
    pub fn join(self) -> T {
        self.rx
            .recv_timeout(PATIENCE)
            .expect("thread still blocked at the deadline (or panicked)")
    }

    /// The result if the thread has finished within `ms`, else `None`.
    pub fn try_join(&self, ms: u64) -> Option<T> {
        self.rx.recv_timeout(Duration::from_millis(ms)).ok()
    }
}

/// Reads the byte at `addr` (a fault on a pager page blocks until it is supplied).
pub fn load(addr: usize) -> u8 {
    // SAFETY: the tests pass addresses of live mappings they made.
    unsafe { std::ptr::read_volatile(addr as *const u8) }
}

pub fn store(addr: usize, value: u8) {
    // SAFETY: as in `load`, for writable mappings.
    unsafe { std::ptr::write_volatile(addr as *mut u8, value) }
}

/// [`load`] on another thread, failing the test (instead of hanging) if it blocks past
/// [`PATIENCE`]: for accesses expected not to need the pager.
pub fn load_within(addr: usize) -> u8 {
    spawn(move || load(addr)).join()
}

/// [`store`] on another thread, with the same deadline as [`load_within`].
pub fn store_within(addr: usize, value: u8) {
    spawn(move || store(addr, value)).join()
}

/// Waits until `cond` holds, failing at the deadline.
pub fn wait_until(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < PATIENCE,
            "condition not met by the deadline"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Environment variable naming the scenario a child process runs.
pub const CHILD_ENV: &str = "ZX_PAGER_TEST_CHILD";

/// How a scenario run in a child process (this test binary re-executed with
/// `CHILD_ENV=scenario`, running only `test_name`) ended: `Some(signal)` if killed by a
/// signal, `None` if it exited (its code must be 0). A child process, not a bare fork,
/// because the test harness is multi-threaded and the scenario needs threads of its own.
pub fn child_signal(test_name: &str, scenario: &str) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, scenario)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn the test binary");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            if let Some(sig) = status.signal() {
                return Some(sig);
            }
            assert_eq!(status.code(), Some(0), "child scenario {scenario} failed");
            return None;
        }
        if start.elapsed() > PATIENCE * 2 {
            let _ = child.kill();
            panic!("child scenario {scenario} hung");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The scenario this process was started to run, if any.
pub fn child_scenario() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}
