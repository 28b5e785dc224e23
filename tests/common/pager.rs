//! Pagers: pager VMOs, supplying their pages, the page requests they send, and mapping
//! them so that faults reach the pager.
use crate::child::signal_of_child;
use crate::handles::close;
use crate::port::{next_packet, port, wait_packet};
use crate::probe::{load, store};
use crate::threads::{spawn, Joiner, PATIENCE};
use crate::vmar::{map, root, unmap};
use crate::vmo::{vmo, write};
use crate::{PAGE, PAGE_U64};
use std::time::Duration;
use zircon::prelude::*;

pub fn pager() -> zx_handle_t {
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(zx_pager_create(0, &mut h), ZX_OK);
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

/// A plain VMO holding `data` at offset 0, to supply from.
pub fn aux_with(data: &[u8]) -> zx_handle_t {
    let h = vmo(data.len() as u64);
    assert_eq!(write(h, 0, data), ZX_OK);
    h
}

/// Supplies `data` at `offset` through a fresh aux VMO.
pub fn supply(pager: zx_handle_t, vmo: zx_handle_t, offset: u64, data: &[u8]) -> zx_status_t {
    let aux = aux_with(data);
    let status = zx_pager_supply_pages(pager, vmo, offset, data.len() as u64, aux, 0);
    close(aux);
    status
}

/// `(command, offset, length)` of a page request.
pub fn request(p: &zx_port_packet_t) -> (u16, u64, u64) {
    assert_eq!(p.type_, ZX_PKT_TYPE_PAGE_REQUEST, "not a page request");
    assert_eq!(p.status, ZX_OK);
    // SAFETY: page-request packets carry the page_request member.
    let r = unsafe { p.payload.page_request };
    (r.command, r.offset, r.length)
}

/// The next page request on `port`, which must arrive within the deadline.
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

/// Maps `len` bytes of `vmo` (offset 0) readable and writable in the root VMAR, with
/// `ZX_VM_ALLOW_FAULTS`.
pub fn map_in_root(vmo: zx_handle_t, len: usize) -> usize {
    map_in_root_with(vmo, 0, len, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
}

/// Maps `len` bytes of `vmo` from `offset` with `perms` in the root VMAR, with
/// `ZX_VM_ALLOW_FAULTS`.
pub fn map_in_root_with(vmo: zx_handle_t, offset: u64, len: usize, perms: zx_vm_option_t) -> usize {
    map(root(), perms | ZX_VM_ALLOW_FAULTS, 0, vmo, offset, len).expect("zx_vmar_map")
}

pub fn unmap_in_root(addr: usize, len: usize) {
    assert_eq!(unmap(root(), addr, len), ZX_OK);
}

/// [`load`] on another thread, failing the test (instead of hanging) if it blocks past
/// the deadline: for accesses expected not to need the pager.
pub fn load_within(addr: usize) -> u8 {
    spawn(move || load(addr)).join()
}

/// [`store`] on another thread, with the same deadline as [`load_within`].
pub fn store_within(addr: usize, value: u8) {
    spawn(move || store(addr, value)).join()
}

/// A thread blocked in a fault on the one page of a fresh pager VMO mapped in the root.
pub struct BlockedFault {
    pub pager: zx_handle_t,
    pub port: zx_handle_t,
    pub vmo: zx_handle_t,
    pub addr: usize,
    /// The page request the fault sent.
    pub request: (u16, u64, u64),
    /// The faulting thread; never joined, it ends with the child.
    _faulter: Joiner<u8>,
}

/// Runs, in a child process (as [`signal_of_child`]), a thread that faults on a fresh
/// one-page pager VMO with `key` and blocks; once its page request has arrived, `release`
/// acts on it, and the child lives on until the deadline so that the released fault can
/// end it. Returns the signal the child died of, if any.
pub fn signal_of_released_fault(
    test_name: &str,
    scenario: &str,
    key: u64,
    release: impl FnOnce(&BlockedFault),
) -> Option<i32> {
    signal_of_child(test_name, scenario, || {
        let (pager, port) = (pager(), port());
        let vmo = pager_vmo_with(pager, port, key, PAGE_U64, 0);
        let addr = map_in_root(vmo, PAGE);
        let _faulter = spawn(move || load(addr));
        let request = expect_request(port, key);
        let fault = BlockedFault {
            pager,
            port,
            vmo,
            addr,
            request,
            _faulter,
        };
        release(&fault);
        std::thread::sleep(PATIENCE);
    })
}
