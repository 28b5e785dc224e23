//! `zx_pager_create` and `zx_pager_create_vmo`. Reference: zircon-abi.md §2.3, §1.3
//! (pager rights 0x1808002), §1.6 (VMO options), §1.8 (`ZX_INFO_VMO_PAGER_BACKED`).
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::vmo_info;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::vmo::*;
use zx_suite::PAGE_U64;

/// §2.3 "`zx_pager_create(options, out)`: options ≠ 0 → `INVALID_ARGS`. Rights 0x1808002".
#[test]
fn pager_create_rights_type_and_options() {
    let p = pager();
    let info = basic_info(p);
    assert_eq!(info.rights, 0x180_8002);
    assert_eq!(info.type_, ZX_OBJ_TYPE_PAGER);
    assert_ne!(info.koid, 0);
    close(p);
    let mut h = ZX_HANDLE_INVALID;
    for options in [1, 2, u32::MAX] {
        assert_eq!(zx_pager_create(options, &mut h), ZX_ERR_INVALID_ARGS);
    }
    assert_eq!(h, ZX_HANDLE_INVALID);
    assert_eq!(zx_pager_create(0, null_mut()), ZX_ERR_INVALID_ARGS);
}

/// §2.3: the returned VMO "has normal VMO rights (+RESIZE if resizable),
/// `ZX_INFO_VMO_PAGER_BACKED`"; its size is rounded up to a page and it starts empty.
#[test]
fn pager_create_vmo_rights_flags_and_size() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 5000, 0);
    assert_eq!(rights_of(vmo), ZX_DEFAULT_VMO_RIGHTS);
    let info = vmo_info(vmo);
    assert_eq!(
        info.flags,
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_PAGER_BACKED
    );
    assert_eq!((info.size_bytes, info.committed_bytes), (8192, 0));
    let mut size = 0;
    assert_eq!(zx_vmo_get_stream_size(vmo, &mut size), ZX_OK);
    assert_eq!(size, 5000);
    let rvmo = pager_vmo_with(
        pager,
        port,
        2,
        PAGE_U64,
        ZX_VMO_RESIZABLE | ZX_VMO_TRAP_DIRTY,
    );
    assert_eq!(rights_of(rvmo), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE);
    assert_eq!(
        vmo_info(rvmo).flags,
        ZX_INFO_VMO_TYPE_PAGED
            | ZX_INFO_VMO_VIA_HANDLE
            | ZX_INFO_VMO_PAGER_BACKED
            | ZX_INFO_VMO_RESIZABLE
    );
    // Nothing is requested by creating.
    expect_no_packet(port, 10);
    for h in [vmo, rvmo, port, pager] {
        close(h);
    }
}

/// §2.3: "lookup(pager, `ATTACH_VMO`), lookup(port, `WRITE`)", handle errors in that
/// order; the option parser is `zx_vmo_create`'s (`TRAP_DIRTY` split off first).
#[test]
fn pager_create_vmo_handle_and_option_errors() {
    let (pager, port) = (pager(), port());
    let create = |p, options, port, size| {
        let mut h = ZX_HANDLE_INVALID;
        let status = zx_pager_create_vmo(p, options, port, 0, size, &mut h);
        if status == ZX_OK {
            close(h);
        } else {
            assert_eq!(h, ZX_HANDLE_INVALID);
        }
        status
    };
    let closed_port = zx_suite::port::port();
    close(closed_port);
    let manage_only = with_any_rights(pager, ZX_RIGHT_MANAGE_VMO);
    let port_ro = with_any_rights(port, ZX_RIGHT_READ);
    let plain = vmo(PAGE_U64);
    assert_eq!(create(FORGED, 0, port, PAGE_U64), ZX_ERR_BAD_HANDLE);
    assert_eq!(create(plain, 0, port, PAGE_U64), ZX_ERR_WRONG_TYPE);
    assert_eq!(create(manage_only, 0, port, PAGE_U64), ZX_ERR_ACCESS_DENIED);
    // Pager errors win over port errors.
    assert_eq!(
        create(manage_only, 0, FORGED, PAGE_U64),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(create(pager, 0, closed_port, PAGE_U64), ZX_ERR_BAD_HANDLE);
    assert_eq!(create(pager, 0, plain, PAGE_U64), ZX_ERR_WRONG_TYPE);
    assert_eq!(create(pager, 0, port_ro, PAGE_U64), ZX_ERR_ACCESS_DENIED);
    // Options after the lookups.
    assert_eq!(create(FORGED, 1, port, PAGE_U64), ZX_ERR_BAD_HANDLE);
    assert_eq!(create(pager, 1, port, PAGE_U64), ZX_ERR_INVALID_ARGS);
    assert_eq!(create(pager, 1 << 5, port, PAGE_U64), ZX_ERR_INVALID_ARGS);
    assert_eq!(
        create(pager, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED, port, PAGE_U64),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(create(pager, 0, port, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(create(pager, ZX_VMO_TRAP_DIRTY, port, 0), ZX_OK);
    assert_eq!(create(pager, ZX_VMO_UNBOUNDED, port, 10), ZX_OK);
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_pager_create_vmo(pager, 0, port, 0, PAGE_U64, null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    // The two VMOs created (and closed) above each sent COMPLETE; failed creations queue
    // nothing (no COMPLETE for a VMO that never existed).
    for _ in 0..2 {
        assert_eq!(expect_request(port, 0), (ZX_PAGER_VMO_COMPLETE, 0, 0));
    }
    expect_no_packet(port, 10);
    assert_eq!(
        zx_pager_create_vmo(pager, 0, port, 0, PAGE_U64, &mut h),
        ZX_OK
    );
    for h in [h, manage_only, port_ro, plain, port, pager] {
        close(h);
    }
}

/// §2.2/§2.3: a pager-backed VMO is not snapshot-clonable; mapping it needs
/// `ZX_VM_ALLOW_FAULTS` (spec/vmar.fidl); DECOMMIT is for plain VMOs only.
#[test]
fn pager_vmo_map_needs_allow_faults_and_decommit_is_not_supported() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, PAGE_U64, 0);
    let mut addr = 0;
    assert_eq!(
        zx_vmar_map(
            zx_vmar_root_self(),
            ZX_VM_PERM_READ,
            0,
            vmo,
            0,
            4096,
            &mut addr
        ),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_eq!(
        zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, PAGE_U64, null_mut(), 0),
        ZX_ERR_NOT_SUPPORTED
    );
    let mut child = ZX_HANDLE_INVALID;
    assert_ne!(
        zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, PAGE_U64, &mut child),
        ZX_OK
    );
    expect_no_packet(port, 10);
    for h in [vmo, port, pager] {
        close(h);
    }
}
