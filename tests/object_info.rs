//! Conformance tests for the generic rules of `zx_object_get_info` and the handle topics.
//! Reference: zircon-abi.md §1.8 ("Generic get_info rules"), §2.7.
use std::mem::size_of;
use std::ptr::null_mut;
use zircon::prelude::*;
use zx_suite::vmo::vmo;
use zx_suite::PAGE_U64;

/// One record of `topic` for `h`, with the call's status.
fn info<T: Default>(h: zx_handle_t, topic: u32) -> (zx_status_t, T) {
    let mut record = T::default();
    let status = zx_object_get_info(
        h,
        topic,
        (&mut record as *mut T).cast(),
        size_of::<T>(),
        null_mut(),
        null_mut(),
    );
    (status, record)
}

/// §1.8: `ZX_INFO_HANDLE_VALID` takes no buffer (NULL allowed) and answers OK/BAD_HANDLE only.
#[test]
fn get_info_handle_valid() {
    let h = vmo(PAGE_U64);
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_HANDLE_VALID,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_OK
    );
    zx_handle_close(h);
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_HANDLE_VALID,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_ERR_BAD_HANDLE
    );
}

/// §1.8: `ZX_INFO_HANDLE_BASIC` needs no right and reports koid, rights, type, related koid 0.
#[test]
fn get_info_handle_basic_fields() {
    let h = vmo(PAGE_U64);
    let mut none = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_NONE, &mut none), ZX_OK);
    let mut info = zx_info_handle_basic_t::default();
    let (mut actual, mut avail) = (99usize, 99usize);
    assert_eq!(
        zx_object_get_info(
            none,
            ZX_INFO_HANDLE_BASIC,
            (&mut info as *mut zx_info_handle_basic_t).cast(),
            size_of::<zx_info_handle_basic_t>(),
            &mut actual,
            &mut avail
        ),
        ZX_OK
    );
    assert_eq!((actual, avail), (1, 1));
    assert_eq!(info.type_, ZX_OBJ_TYPE_VMO);
    assert_eq!(info.rights, ZX_RIGHT_NONE);
    assert_eq!(info.related_koid, 0);
    assert_eq!(info.reserved, 0);
    assert!(info.koid >= ZX_KOID_FIRST);
    zx_handle_close(h);
    zx_handle_close(none);
}

/// §1.8: a single-record topic with a short buffer is `BUFFER_TOO_SMALL` after writing
/// actual=0 / avail=1, and the buffer is untouched.
#[test]
fn get_info_single_record_buffer_too_small_reports_counts() {
    let h = vmo(PAGE_U64);
    let mut buf = [0xAAu8; size_of::<zx_info_handle_basic_t>() - 1];
    let (mut actual, mut avail) = (99usize, 99usize);
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_HANDLE_BASIC,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut actual,
            &mut avail
        ),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!((actual, avail), (0, 1));
    assert!(buf.iter().all(|&b| b == 0xAA));
    zx_handle_close(h);
}

/// §1.8: "Handle lookup errors (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED) come first", before
/// buffer checks; unknown topics are `NOT_SUPPORTED`.
#[test]
fn get_info_handle_errors_first_and_unknown_topic() {
    let mut info = zx_info_vmar_t::default();
    let p = (&mut info as *mut zx_info_vmar_t).cast();
    assert_eq!(
        zx_object_get_info(
            ZX_HANDLE_INVALID,
            ZX_INFO_HANDLE_BASIC,
            null_mut(),
            0,
            null_mut(),
            null_mut()
        ),
        ZX_ERR_BAD_HANDLE
    );
    let h = vmo(PAGE_U64);
    // A VMAR topic on a VMO handle.
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_VMAR,
            p,
            size_of::<zx_info_vmar_t>(),
            null_mut(),
            null_mut()
        ),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(
        zx_object_get_info(
            h,
            0x7777,
            p,
            size_of::<zx_info_vmar_t>(),
            null_mut(),
            null_mut()
        ),
        ZX_ERR_NOT_SUPPORTED
    );
    // ZX_INFO_VMAR needs INSPECT.
    let root = zx_vmar_root_self();
    let mut no_inspect = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(root, ZX_RIGHT_READ, &mut no_inspect),
        ZX_OK
    );
    assert_eq!(
        zx_object_get_info(
            no_inspect,
            ZX_INFO_VMAR,
            p,
            size_of::<zx_info_vmar_t>(),
            null_mut(),
            null_mut()
        ),
        ZX_ERR_ACCESS_DENIED
    );
    zx_handle_close(no_inspect);
    zx_handle_close(h);
}

/// Foundation issue, "Bad input": misaligned `actual`/`avail` pointers are `INVALID_ARGS`.
#[test]
fn get_info_misaligned_counts_are_invalid_args() {
    let h = vmo(PAGE_U64);
    let mut info = zx_info_handle_basic_t::default();
    assert_eq!(
        zx_object_get_info(
            h,
            ZX_INFO_HANDLE_BASIC,
            (&mut info as *mut zx_info_handle_basic_t).cast(),
            size_of::<zx_info_handle_basic_t>(),
            3usize as *mut usize,
            null_mut()
        ),
        ZX_ERR_INVALID_ARGS
    );
    zx_handle_close(h);
}

/// §3.2: the root VMAR handle has 0x20801F and `ZX_INFO_VMAR` reports its whole range.
#[test]
fn get_info_root_vmar_rights_and_range() {
    let root = zx_vmar_root_self();
    assert_ne!(root, ZX_HANDLE_INVALID);
    assert_eq!(zx_vmar_root_self(), root, "zx_vmar_root_self is stable");
    let (status, basic) = info::<zx_info_handle_basic_t>(root, ZX_INFO_HANDLE_BASIC);
    assert_eq!(status, ZX_OK);
    assert_eq!(basic.rights, 0x20801F);
    assert_eq!(basic.type_, ZX_OBJ_TYPE_VMAR);
    let (status, info) = info::<zx_info_vmar_t>(root, ZX_INFO_VMAR);
    assert_eq!(status, ZX_OK);
    assert_ne!(info.base, 0);
    assert_eq!(info.base % 4096, 0);
    assert!(
        info.len >= 1 << 30,
        "root VMAR is at least 1 GiB: {:#x}",
        info.len
    );
    assert_eq!(info.len % 4096, 0);
}
