//! `zx_pager_supply_pages`. Reference: zircon-abi.md §2.3 ("alignment of off/len/aux_off
//! checked first (`INVALID_ARGS`, before any handle lookup); pager `MANAGE_VMO`; pager_vmo
//! `WRITE`; foreign VMO → `INVALID_ARGS`; aux `READ|WRITE`; pages are *moved* (aux range
//! ends up decommitted); pages already present in the pager VMO are kept and the supplied
//! duplicates freed; uncommitted aux pages supply zero pages; aux physical/contiguous/
//! pager-backed → `NOT_SUPPORTED`; detached → `BAD_STATE`; bad range → `OUT_OF_RANGE`").
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::vmo_info;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::load;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// Supplied bytes read back; the aux range is decommitted; already-present pages are kept.
#[test]
fn pager_supply_pages_moves_pages_and_keeps_present_ones() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 4 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, PAGE_U64, &pattern(1, PAGE)), ZX_OK);
    let aux = aux_with(&pattern(2, 3 * PAGE));
    assert_eq!(vmo_info(aux).committed_bytes, 3 * PAGE_U64);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 3 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(vmo_info(aux).committed_bytes, 0);
    assert_eq!(read(aux, 0, 3 * PAGE).unwrap(), vec![0; 3 * PAGE]);
    let got = read(vmo, 0, 3 * PAGE).unwrap();
    assert_eq!(got[..PAGE], pattern(2, 3 * PAGE)[..PAGE]);
    assert_eq!(got[PAGE..2 * PAGE], pattern(1, PAGE)[..]);
    assert_eq!(got[2 * PAGE..], pattern(2, 3 * PAGE)[2 * PAGE..]);
    assert_eq!(vmo_info(vmo).committed_bytes, 3 * PAGE_U64);
    // Nothing was requested: every read hit supplied pages.
    expect_no_packet(port, 10);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// "uncommitted aux pages supply zero pages"; a supply at an aux offset; length 0 is a no-op.
#[test]
fn pager_supply_pages_from_uncommitted_aux_supplies_zeros() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 2 * PAGE_U64, 0);
    let aux = zx_suite::vmo::vmo(4 * PAGE_U64);
    assert_eq!(write(aux, 3 * PAGE_U64, &[9u8; PAGE]), ZX_OK);
    assert_eq!(zx_pager_supply_pages(pager, vmo, 0, 0, aux, 0), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 2 * PAGE_U64, aux, 2 * PAGE_U64),
        ZX_OK
    );
    assert_eq!(read(vmo, 0, PAGE).unwrap(), vec![0; PAGE]);
    assert_eq!(read(vmo, PAGE_U64, PAGE).unwrap(), vec![9; PAGE]);
    expect_no_packet(port, 10);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// Alignment is checked before any handle lookup; then pager, VMO, ownership, aux.
#[test]
fn pager_supply_pages_errors_in_kernel_order() {
    let (pager, port) = (pager(), port());
    let other = zx_suite::pager::pager();
    let vmo = pager_vmo_with(pager, port, 1, 2 * PAGE_U64, 0);
    let foreign = pager_vmo_with(other, port, 2, 2 * PAGE_U64, 0);
    let aux = zx_suite::vmo::vmo(2 * PAGE_U64);
    assert_eq!(write(aux, 0, &[3u8; 2 * PAGE]), ZX_OK);
    let s = |p, v, off, len, a, aoff| zx_pager_supply_pages(p, v, off, len, a, aoff);
    // Alignment first, even with bad handles.
    assert_eq!(
        s(FORGED, FORGED, 1, PAGE_U64, FORGED, 0),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(s(FORGED, FORGED, 0, 1, FORGED, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        s(FORGED, FORGED, 0, PAGE_U64, FORGED, 7),
        ZX_ERR_INVALID_ARGS
    );
    // Pager handle.
    assert_eq!(s(FORGED, vmo, 0, PAGE_U64, aux, 0), ZX_ERR_BAD_HANDLE);
    assert_eq!(s(port, vmo, 0, PAGE_U64, aux, 0), ZX_ERR_WRONG_TYPE);
    let attach_only = with_any_rights(pager, ZX_RIGHT_ATTACH_VMO);
    assert_eq!(
        s(attach_only, vmo, 0, PAGE_U64, aux, 0),
        ZX_ERR_ACCESS_DENIED
    );
    // Pager VMO handle.
    assert_eq!(s(pager, FORGED, 0, PAGE_U64, aux, 0), ZX_ERR_BAD_HANDLE);
    let vmo_ro = with_any_rights(vmo, ZX_RIGHT_READ);
    assert_eq!(s(pager, vmo_ro, 0, PAGE_U64, aux, 0), ZX_ERR_ACCESS_DENIED);
    // Foreign VMOs (another pager's, a plain one) before the aux lookup.
    assert_eq!(
        s(pager, foreign, 0, PAGE_U64, FORGED, 0),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(s(pager, aux, 0, PAGE_U64, FORGED, 0), ZX_ERR_INVALID_ARGS);
    // Aux handle: READ|WRITE; aux of the wrong kind.
    assert_eq!(s(pager, vmo, 0, PAGE_U64, FORGED, 0), ZX_ERR_BAD_HANDLE);
    assert_eq!(s(pager, vmo, 0, PAGE_U64, port, 0), ZX_ERR_WRONG_TYPE);
    for rights in [ZX_RIGHT_READ, ZX_RIGHT_WRITE] {
        let a = with_any_rights(aux, rights);
        assert_eq!(s(pager, vmo, 0, PAGE_U64, a, 0), ZX_ERR_ACCESS_DENIED);
        close(a);
    }
    assert_eq!(s(pager, vmo, 0, PAGE_U64, foreign, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(s(pager, vmo, 0, PAGE_U64, vmo, 0), ZX_ERR_NOT_SUPPORTED);
    // Ranges.
    assert_eq!(
        s(pager, vmo, PAGE_U64, 2 * PAGE_U64, aux, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        s(pager, vmo, 0, PAGE_U64, aux, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        s(pager, vmo, !(PAGE_U64 - 1), PAGE_U64, aux, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    // Nothing was lost: the aux still holds its bytes and nothing was supplied.
    assert_eq!(read(aux, 0, 2 * PAGE).unwrap(), vec![3; 2 * PAGE]);
    assert_eq!(vmo_info(vmo).committed_bytes, 0);
    assert_eq!(s(pager, vmo, 0, 2 * PAGE_U64, aux, 0), ZX_OK);
    assert_eq!(read(vmo, 0, 2 * PAGE).unwrap(), vec![3; 2 * PAGE]);
    for h in [attach_only, vmo_ro, aux, vmo, foreign, port, pager, other] {
        close(h);
    }
}

/// A supply over pages several readers wait on wakes all of them, and a supply larger than
/// the request is fine.
#[test]
fn pager_supply_pages_wakes_all_waiters_of_a_range() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 7, 16 * PAGE_U64, 0);
    let addr = map_in_root(vmo, 16 * PAGE);
    let faulters: Vec<_> = (0..4)
        .map(|i| spawn(move || load(addr + i * 3 * PAGE + 1)))
        .collect();
    let reader = spawn(move || read(vmo, 13 * PAGE_U64, PAGE));
    let data = pattern(5, 16 * PAGE);
    assert_eq!(expect_request(port, 7).0, ZX_PAGER_VMO_READ);
    // Let the other faults arrive, then supply everything at once.
    std::thread::sleep(std::time::Duration::from_millis(30));
    assert_eq!(supply(pager, vmo, 0, &data), ZX_OK);
    for (i, f) in faulters.into_iter().enumerate() {
        assert_eq!(f.join(), data[i * 3 * PAGE + 1]);
    }
    assert_eq!(reader.join().unwrap(), data[13 * PAGE..14 * PAGE]);
    unmap_in_root(addr, 16 * PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}
