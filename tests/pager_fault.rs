//! Page faults on mappings of pager VMOs. Reference: zircon-abi.md §2.3 ("Requests:
//! `ZX_PAGER_VMO_READ` when a non-resident page is touched (by fault, ...)"), §1.10.
mod pager_support;

use pager_support::*;
use zircon::prelude::*;

/// §2.3: touching a non-resident page through a mapping sends one READ request with the
/// VMO's key; the faulting thread blocks until the page is supplied, then reads its bytes.
#[test]
fn pager_fault_sends_read_request_and_resumes_with_supplied_bytes() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 0xF00D, 4 * PAGE, 0);
    let addr = map(vmo, 4 * PAGE_USIZE);
    let reader = spawn(move || load(addr + 2 * PAGE_USIZE + 7));
    let (cmd, off, len) = expect_request(port, 0xF00D);
    assert_eq!((cmd, off, len), (ZX_PAGER_VMO_READ, 2 * PAGE, PAGE));
    assert!(
        reader.try_join(50).is_none(),
        "the faulting thread must wait"
    );
    let data = pattern(3, PAGE_USIZE);
    assert_eq!(supply(pager, vmo, 2 * PAGE, &data), ZX_OK);
    assert_eq!(reader.join(), data[7]);
    expect_no_packet(port, 20);
    unmap(addr, 4 * PAGE_USIZE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// vmar.fidl unmap + §2.3: a thread blocked on a pager page whose mapping is unmapped is
/// not left waiting for a supply that can no longer reach it: it retries against the
/// address space as it is now and takes the fault of an unmapped address (`SIGSEGV`).
#[test]
fn pager_fault_blocked_thread_is_released_by_unmap() {
    if child_scenario().is_some() {
        let (pager, port) = (pager(), port());
        let vmo = pager_vmo_with(pager, port, 1, PAGE, 0);
        let addr = map(vmo, PAGE_USIZE);
        let _faulter = spawn(move || load(addr));
        assert_eq!(expect_request(port, 1).0, ZX_PAGER_VMO_READ);
        unmap(addr, PAGE_USIZE);
        std::thread::sleep(PATIENCE);
        return;
    }
    assert_eq!(
        child_signal("pager_fault_blocked_thread_is_released_by_unmap", "unmap"),
        Some(libc::SIGSEGV)
    );
}

/// §2.3: every mapping of the VMO sees a supply, and pages of other mappings at other
/// offsets are requested at their own offsets (a mapping at a VMO offset).
#[test]
fn pager_fault_in_mapping_at_offset_requests_vmo_offset() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 2, 8 * PAGE, 0);
    let a = map_with(vmo, 4 * PAGE, 2 * PAGE_USIZE, ZX_VM_PERM_READ);
    let b = map(vmo, 8 * PAGE_USIZE);
    let faulter = spawn(move || load(a + PAGE_USIZE + 3));
    assert_eq!(expect_request(port, 2), (ZX_PAGER_VMO_READ, 5 * PAGE, PAGE));
    let data = pattern(6, PAGE_USIZE);
    assert_eq!(supply(pager, vmo, 5 * PAGE, &data), ZX_OK);
    assert_eq!(faulter.join(), data[3]);
    assert_eq!(load_within(b + 5 * PAGE_USIZE + 3), data[3]);
    expect_no_packet(port, 10);
    unmap(a, 2 * PAGE_USIZE);
    unmap(b, 8 * PAGE_USIZE);
    for h in [vmo, port, pager] {
        close(h);
    }
}
