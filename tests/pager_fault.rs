//! Page faults on mappings of pager VMOs. Reference: zircon-abi.md §2.3 ("Requests:
//! `ZX_PAGER_VMO_READ` when a non-resident page is touched (by fault, ...)"), §1.10.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::load;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// §2.3: touching a non-resident page through a mapping sends one READ request with the
/// VMO's key; the faulting thread blocks until the page is supplied, then reads its bytes.
#[test]
fn pager_fault_sends_read_request_and_resumes_with_supplied_bytes() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 0xF00D, 4 * PAGE_U64, 0);
    let addr = map_in_root(vmo, 4 * PAGE);
    let reader = spawn(move || load(addr + 2 * PAGE + 7));
    let (cmd, off, len) = expect_request(port, 0xF00D);
    assert_eq!((cmd, off, len), (ZX_PAGER_VMO_READ, 2 * PAGE_U64, PAGE_U64));
    assert!(
        reader.try_join(50).is_none(),
        "the faulting thread must wait"
    );
    let data = pattern(3, PAGE);
    assert_eq!(supply(pager, vmo, 2 * PAGE_U64, &data), ZX_OK);
    assert_eq!(reader.join(), data[7]);
    expect_no_packet(port, 20);
    unmap_in_root(addr, 4 * PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// vmar.fidl unmap + §2.3: a thread blocked on a pager page whose mapping is unmapped is
/// not left waiting for a supply that can no longer reach it: it retries against the
/// address space as it is now and takes the fault of an unmapped address (`SIGSEGV`).
#[test]
fn pager_fault_blocked_thread_is_released_by_unmap() {
    let signal = signal_of_released_fault(
        "pager_fault_blocked_thread_is_released_by_unmap",
        "unmap",
        1,
        |f| {
            assert_eq!(f.request.0, ZX_PAGER_VMO_READ);
            unmap_in_root(f.addr, PAGE);
        },
    );
    assert_eq!(signal, Some(libc::SIGSEGV));
}

/// §2.3: every mapping of the VMO sees a supply, and pages of other mappings at other
/// offsets are requested at their own offsets (a mapping at a VMO offset).
#[test]
fn pager_fault_in_mapping_at_offset_requests_vmo_offset() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 2, 8 * PAGE_U64, 0);
    let a = map_in_root_with(vmo, 4 * PAGE_U64, 2 * PAGE, ZX_VM_PERM_READ);
    let b = map_in_root(vmo, 8 * PAGE);
    let faulter = spawn(move || load(a + PAGE + 3));
    assert_eq!(
        expect_request(port, 2),
        (ZX_PAGER_VMO_READ, 5 * PAGE_U64, PAGE_U64)
    );
    let data = pattern(6, PAGE);
    assert_eq!(supply(pager, vmo, 5 * PAGE_U64, &data), ZX_OK);
    assert_eq!(faulter.join(), data[3]);
    assert_eq!(load_within(b + 5 * PAGE + 3), data[3]);
    expect_no_packet(port, 10);
    unmap_in_root(a, 2 * PAGE);
    unmap_in_root(b, 8 * PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}
