//! `ZX_PAGER_OP_FAIL`, `zx_pager_detach_vmo`, closing the pager and dropping the VMO.
//! Reference: zircon-abi.md §2.3 ("FAIL: ... waiting `vmo_read`/`COMMIT` callers get that
//! status, faulting threads take a fatal page-fault exception"; "`ZX_PAGER_VMO_COMPLETE`
//! once, after detach or when the last reference to the VMO goes away"; "If the pager handle
//! is closed: no more packets (not even COMPLETE) and accesses fail as if detached";
//! "detach: ... Outstanding and future faults then fail"). On Linux a fatal page fault is
//! `SIGBUS`; those cases run in a child process.
use zircon::prelude::*;
use zx_suite::child::*;
use zx_suite::handles::*;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::load;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const KEY: u64 = 0xFA11;

fn status_data(status: zx_status_t) -> u64 {
    status as i64 as u64
}

fn expect_complete(port: zx_handle_t, key: u64) {
    assert_eq!(expect_request(port, key), (ZX_PAGER_VMO_COMPLETE, 0, 0));
}

/// §2.3 FAIL: a blocked `zx_vmo_read` returns the given status; a later read asks again
/// and succeeds once supplied.
#[test]
fn pager_op_range_fail_fails_blocked_vmo_read_with_status() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    let reader = spawn(move || read(vmo, 100, 10));
    assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_READ, 0, PAGE_U64));
    let data = status_data(ZX_ERR_IO_DATA_INTEGRITY);
    assert_eq!(
        zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, PAGE_U64, data),
        ZX_OK
    );
    assert_eq!(reader.join(), Err(ZX_ERR_IO_DATA_INTEGRITY));
    let reader = spawn(move || read(vmo, 100, 10));
    assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_READ, 0, PAGE_U64));
    assert_eq!(supply(pager, vmo, 0, &pattern(9, PAGE)), ZX_OK);
    assert_eq!(reader.join().unwrap(), pattern(9, PAGE)[100..110]);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3 FAIL: COMMIT waiters get the status too; each allowed status is accepted.
#[test]
fn pager_op_range_fail_fails_blocked_commit_with_each_allowed_status() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    for status in [
        ZX_ERR_IO,
        ZX_ERR_IO_DATA_INTEGRITY,
        ZX_ERR_BAD_STATE,
        ZX_ERR_NO_SPACE,
        ZX_ERR_BUFFER_TOO_SMALL,
    ] {
        let committer = spawn(move || {
            zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, PAGE_U64, std::ptr::null_mut(), 0)
        });
        assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_READ, 0, PAGE_U64));
        assert_eq!(
            zx_pager_op_range(
                pager,
                ZX_PAGER_OP_FAIL,
                vmo,
                0,
                PAGE_U64,
                status_data(status)
            ),
            ZX_OK
        );
        assert_eq!(committer.join(), status);
    }
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3 FAIL: "`data` must fit in int32 and be one of IO, IO_DATA_INTEGRITY, BAD_STATE,
/// NO_SPACE, BUFFER_TOO_SMALL (else INVALID_ARGS)"; the blocked reader keeps waiting.
#[test]
fn pager_op_range_fail_with_other_status_is_invalid_args_and_loses_nothing() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let reader = spawn(move || read(vmo, 0, 1));
    assert_eq!(expect_request(port, KEY).0, ZX_PAGER_VMO_READ);
    for data in [
        0,
        status_data(ZX_ERR_NOT_FOUND),
        status_data(ZX_ERR_INTERNAL),
        ZX_ERR_IO as u32 as u64,
        1,
    ] {
        assert_eq!(
            zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, PAGE_U64, data),
            ZX_ERR_INVALID_ARGS
        );
    }
    assert!(reader.try_join(30).is_none(), "the reader must still wait");
    assert_eq!(supply(pager, vmo, 0, &[4u8; PAGE]), ZX_OK);
    assert_eq!(reader.join().unwrap(), [4]);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3 FAIL: range beyond the VMO → `OUT_OF_RANGE`; on a detached VMO → `BAD_STATE`.
#[test]
fn pager_op_range_fail_range_and_detached_errors() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let io = status_data(ZX_ERR_IO);
    assert_eq!(
        zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, 2 * PAGE_U64, io),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(
        zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, PAGE_U64, io),
        ZX_OK
    );
    assert_eq!(zx_pager_detach_vmo(pager, vmo), ZX_OK);
    assert_eq!(
        zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, PAGE_U64, io),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(
        zx_pager_op_range(pager, ZX_PAGER_OP_DIRTY, vmo, 0, PAGE_U64, 0),
        ZX_ERR_BAD_STATE
    );
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3 FAIL: "faulting threads take a fatal page-fault exception": `SIGBUS`.
#[test]
fn pager_op_range_fail_faulting_thread_takes_sigbus() {
    let signal = signal_of_released_fault(
        "pager_op_range_fail_faulting_thread_takes_sigbus",
        "fail",
        KEY,
        |f| {
            assert_eq!(f.request, (ZX_PAGER_VMO_READ, 0, PAGE_U64));
            let io = status_data(ZX_ERR_IO);
            assert_eq!(
                zx_pager_op_range(f.pager, ZX_PAGER_OP_FAIL, f.vmo, 0, PAGE_U64, io),
                ZX_OK
            );
        },
    );
    assert_eq!(signal, Some(libc::SIGBUS));
}

/// §2.3 detach: "Outstanding ... faults then fail": a thread blocked in a fault takes
/// `SIGBUS` when the VMO is detached.
#[test]
fn pager_detach_vmo_blocked_faulting_thread_takes_sigbus() {
    let signal = signal_of_released_fault(
        "pager_detach_vmo_blocked_faulting_thread_takes_sigbus",
        "detach",
        KEY,
        |f| {
            assert_eq!(f.request.0, ZX_PAGER_VMO_READ);
            assert_eq!(zx_pager_detach_vmo(f.pager, f.vmo), ZX_OK);
        },
    );
    assert_eq!(signal, Some(libc::SIGBUS));
}

/// §2.3 detach: "... and future faults then fail", at once, with nobody reading the port.
#[test]
fn pager_detach_vmo_future_fault_takes_sigbus_without_a_port_waiter() {
    let signal = signal_of_child(
        "pager_detach_vmo_future_fault_takes_sigbus_without_a_port_waiter",
        "future",
        || {
            let (pager, port) = (pager(), port());
            let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
            assert_eq!(supply(pager, vmo, 0, &[5u8; PAGE]), ZX_OK);
            let addr = map_in_root(vmo, 2 * PAGE);
            assert_eq!(zx_pager_detach_vmo(pager, vmo), ZX_OK);
            // Supplied pages stay readable; the unsupplied one faults fatally.
            assert_eq!(load(addr), 5);
            load(addr + PAGE);
        },
    );
    assert_eq!(signal, Some(libc::SIGBUS));
}

/// §2.3 "If the pager handle is closed: ... accesses fail as if detached": a thread blocked
/// in a fault takes `SIGBUS`.
#[test]
fn pager_close_blocked_faulting_thread_takes_sigbus() {
    let signal = signal_of_released_fault(
        "pager_close_blocked_faulting_thread_takes_sigbus",
        "close",
        KEY,
        |f| {
            assert_eq!(f.request.0, ZX_PAGER_VMO_READ);
            close(f.pager);
        },
    );
    assert_eq!(signal, Some(libc::SIGBUS));
}

/// §2.3 detach: blocked `zx_vmo_read` fails (`BAD_STATE`), one COMPLETE packet is queued,
/// supplied pages stay readable, and detaching again is harmless (no second COMPLETE).
#[test]
fn pager_detach_vmo_fails_blocked_read_and_sends_complete_once() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 0, &[6u8; PAGE]), ZX_OK);
    let reader = spawn(move || read(vmo, PAGE_U64, 4));
    assert_eq!(
        expect_request(port, KEY),
        (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64)
    );
    assert_eq!(zx_pager_detach_vmo(pager, vmo), ZX_OK);
    assert_eq!(reader.join(), Err(ZX_ERR_BAD_STATE));
    expect_complete(port, KEY);
    assert_eq!(read(vmo, 0, 4).unwrap(), [6; 4]);
    assert_eq!(read(vmo, PAGE_U64, 1), Err(ZX_ERR_BAD_STATE));
    assert_eq!(zx_pager_detach_vmo(pager, vmo), ZX_OK);
    assert_eq!(supply(pager, vmo, PAGE_U64, &[1u8; PAGE]), ZX_ERR_BAD_STATE);
    close(vmo);
    expect_no_packet(port, 20);
    close(port);
    close(pager);
}

/// §2.3 detach rights and errors: pager needs `ATTACH_VMO | MANAGE_VMO`, VMO `WRITE`;
/// a VMO of another pager or a plain VMO → `INVALID_ARGS`; handle errors first.
#[test]
fn pager_detach_vmo_rights_and_foreign_vmo() {
    let (pager, port) = (pager(), port());
    let other = zx_suite::pager::pager();
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let plain = zx_suite::vmo::vmo(PAGE_U64);
    for rights in [ZX_RIGHT_ATTACH_VMO, ZX_RIGHT_MANAGE_VMO] {
        let p = with_any_rights(pager, rights);
        assert_eq!(zx_pager_detach_vmo(p, vmo), ZX_ERR_ACCESS_DENIED);
        close(p);
    }
    let ro = with_any_rights(vmo, ZX_RIGHT_READ);
    assert_eq!(zx_pager_detach_vmo(pager, ro), ZX_ERR_ACCESS_DENIED);
    assert_eq!(zx_pager_detach_vmo(other, vmo), ZX_ERR_INVALID_ARGS);
    assert_eq!(zx_pager_detach_vmo(pager, plain), ZX_ERR_INVALID_ARGS);
    assert_eq!(zx_pager_detach_vmo(FORGED, vmo), ZX_ERR_BAD_HANDLE);
    assert_eq!(zx_pager_detach_vmo(port, vmo), ZX_ERR_WRONG_TYPE);
    assert_eq!(zx_pager_detach_vmo(pager, port), ZX_ERR_WRONG_TYPE);
    expect_no_packet(port, 10);
    for h in [ro, plain, vmo, port, pager, other] {
        close(h);
    }
}

/// §2.3 "If the pager handle is closed: no more packets (not even COMPLETE) and accesses
/// fail as if detached": a blocked read fails and no COMPLETE arrives.
#[test]
fn pager_close_fails_blocked_read_without_complete() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let reader = spawn(move || read(vmo, 0, 1));
    assert_eq!(expect_request(port, KEY).0, ZX_PAGER_VMO_READ);
    close(pager);
    assert_eq!(reader.join(), Err(ZX_ERR_BAD_STATE));
    close(vmo);
    expect_no_packet(port, 30);
    close(port);
}

/// §2.3 COMPLETE "when the last reference to the VMO goes away": a mapping is a reference,
/// so the packet comes when the last handle is closed *and* the mapping is gone.
#[test]
fn pager_vmo_last_reference_sends_complete() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let addr = map_in_root(vmo, PAGE);
    close(vmo);
    expect_no_packet(port, 20);
    unmap_in_root(addr, PAGE);
    expect_complete(port, KEY);
    expect_no_packet(port, 10);
    close(port);
    close(pager);
}
