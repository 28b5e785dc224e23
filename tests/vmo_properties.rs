//! Conformance tests for the VMO properties `ZX_PROP_NAME` and `ZX_PROP_VMO_CONTENT_SIZE`
//! through `zx_object_get_property` / `zx_object_set_property`. Reference: zircon-abi.md
//! §1.9, §2.2 (`zx_vmo_set_stream_size`, the content-size property).
use std::ffi::c_void;
use std::ptr::{null, null_mut};
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

fn get_name(h: zx_handle_t) -> Result<[u8; 32], zx_status_t> {
    let mut name = [0xEEu8; 32];
    match zx_object_get_property(h, ZX_PROP_NAME, name.as_mut_ptr().cast(), 32) {
        ZX_OK => Ok(name),
        status => Err(status),
    }
}

fn set_name(h: zx_handle_t, name: &[u8]) -> zx_status_t {
    zx_object_set_property(h, ZX_PROP_NAME, name.as_ptr().cast(), name.len())
}

fn get_content_size(h: zx_handle_t) -> Result<u64, zx_status_t> {
    let mut v = 0u64;
    let p = (&mut v as *mut u64).cast::<c_void>();
    match zx_object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, p, 8) {
        ZX_OK => Ok(v),
        status => Err(status),
    }
}

fn set_content_size(h: zx_handle_t, size: u64) -> zx_status_t {
    let p = (&size as *const u64).cast::<c_void>();
    zx_object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, p, 8)
}

/// §1.9: a new VMO's name is empty; getting it "always copies 32 bytes".
#[test]
fn vmo_property_name_of_new_vmo_is_empty() {
    let h = vmo(PAGE_U64);
    assert_eq!(get_name(h).unwrap(), [0; 32]);
    close(h);
}

/// §1.9: set then get round-trips; the name is also `zx_info_vmo_t.name` (§1.8).
#[test]
fn vmo_property_name_round_trips_and_shows_in_info() {
    let h = vmo(PAGE_U64);
    assert_eq!(set_name(h, b"my-buffer"), ZX_OK);
    let name = get_name(h).unwrap();
    assert_eq!(&name[..10], b"my-buffer\0");
    assert!(name[10..].iter().all(|&b| b == 0));
    assert_eq!(vmo_info(h).name, name);
    // A shorter name replaces the longer one completely.
    assert_eq!(set_name(h, b"ab"), ZX_OK);
    assert_eq!(&get_name(h).unwrap()[..3], b"ab\0");
    assert!(get_name(h).unwrap()[3..].iter().all(|&b| b == 0));
    close(h);
}

/// §1.9: "Setting truncates to 31 bytes" (plus the terminating NUL).
#[test]
fn vmo_property_name_set_truncates_to_31_bytes() {
    let h = vmo(PAGE_U64);
    let long = [b'n'; 100];
    assert_eq!(set_name(h, &long), ZX_OK);
    let name = get_name(h).unwrap();
    assert_eq!(&name[..31], &long[..31]);
    assert_eq!(name[31], 0);
    close(h);
}

/// §1.9: "Getting the name needs `value_size >= 32` else `BUFFER_TOO_SMALL`, and always
/// copies 32 bytes" — a larger buffer keeps its bytes past 32.
#[test]
fn vmo_property_name_get_needs_32_bytes_and_copies_exactly_32() {
    let h = vmo(PAGE_U64);
    assert_eq!(set_name(h, b"x"), ZX_OK);
    let mut small = [0xEEu8; 31];
    assert_eq!(
        zx_object_get_property(h, ZX_PROP_NAME, small.as_mut_ptr().cast(), 31),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(small, [0xEE; 31]);
    let mut big = [0xEEu8; 40];
    assert_eq!(
        zx_object_get_property(h, ZX_PROP_NAME, big.as_mut_ptr().cast(), 40),
        ZX_OK
    );
    assert_eq!(&big[..2], b"x\0");
    assert_eq!(&big[32..], &[0xEE; 8]);
    close(h);
}

/// §1.9: "NULL value pointer → `INVALID_ARGS` (before the handle lookup)".
#[test]
fn vmo_property_null_value_is_invalid_args_before_lookup() {
    let h = vmo(PAGE_U64);
    for target in [h, FORGED] {
        assert_eq!(
            zx_object_get_property(target, ZX_PROP_NAME, null_mut(), 32),
            ZX_ERR_INVALID_ARGS
        );
        assert_eq!(
            zx_object_set_property(target, ZX_PROP_NAME, null(), 4),
            ZX_ERR_INVALID_ARGS
        );
        assert_eq!(
            zx_object_get_property(target, ZX_PROP_VMO_CONTENT_SIZE, null_mut(), 8),
            ZX_ERR_INVALID_ARGS
        );
        assert_eq!(
            zx_object_set_property(target, ZX_PROP_VMO_CONTENT_SIZE, null(), 8),
            ZX_ERR_INVALID_ARGS
        );
    }
    close(h);
}

/// §1.9: "get needs `GET_PROPERTY`, set needs `SET_PROPERTY`"; a refused set changes
/// nothing.
#[test]
fn vmo_property_rights_are_required() {
    let h = vmo(PAGE_U64);
    assert_eq!(set_name(h, b"orig"), ZX_OK);
    let no_get = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_GET_PROPERTY);
    let no_set = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_SET_PROPERTY);
    assert_eq!(get_name(no_get), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(get_content_size(no_get), Err(ZX_ERR_ACCESS_DENIED));
    assert_eq!(set_name(no_set, b"changed"), ZX_ERR_ACCESS_DENIED);
    assert_eq!(set_content_size(no_set, 1), ZX_ERR_ACCESS_DENIED);
    assert_eq!(&get_name(no_set).unwrap()[..5], b"orig\0");
    assert_eq!(get_content_size(h), Ok(PAGE_U64));
    close(no_get);
    close(no_set);
    close(h);
}

/// §2 conventions: a handle that is not a handle is `BAD_HANDLE`.
#[test]
fn vmo_property_bad_handle_is_bad_handle() {
    let mut name = [0u8; 32];
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(
            zx_object_get_property(h, ZX_PROP_NAME, name.as_mut_ptr().cast(), 32),
            ZX_ERR_BAD_HANDLE
        );
        assert_eq!(set_name(h, b"x"), ZX_ERR_BAD_HANDLE);
    }
}

/// §1.9: `ZX_PROP_VMO_CONTENT_SIZE` is "same thing as the 'stream size'".
#[test]
fn vmo_property_content_size_is_the_stream_size() {
    let h = vmo(PAGE_U64 + 5);
    assert_eq!(get_content_size(h), Ok(PAGE_U64 + 5));
    assert_eq!(zx_vmo_set_stream_size(h, 77), ZX_OK);
    assert_eq!(get_content_size(h), Ok(77));
    assert_eq!(set_content_size(h, 99), ZX_OK);
    assert_eq!(stream_size(h), 99);
    close(h);
}

/// §2.2: the content-size property "only zeroes from the new size to the end" — growing it
/// zeroes nothing below the new size.
#[test]
fn vmo_property_content_size_zeroes_only_from_new_size() {
    let h = vmo(2 * PAGE_U64);
    assert_eq!(set_content_size(h, 100), ZX_OK);
    assert_eq!(write(h, 0, &[9; 2 * PAGE]), ZX_OK);
    assert_eq!(set_content_size(h, 5000), ZX_OK);
    assert_bytes(h, 0, 5000, 9);
    assert_bytes(h, 5000, 2 * PAGE - 5000, 0);
    assert_eq!(set_content_size(h, 10), ZX_OK);
    assert_bytes(h, 0, 10, 9);
    assert_bytes(h, 10, 2 * PAGE - 10, 0);
    assert_eq!(size(h), 2 * PAGE_U64);
    close(h);
}

/// §1.9: "content size needs `>= 8` bytes else `BUFFER_TOO_SMALL`"; nothing changes.
#[test]
fn vmo_property_content_size_small_buffer_is_buffer_too_small() {
    let h = vmo(PAGE_U64);
    let mut v = [0xEEu8; 7];
    assert_eq!(
        zx_object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, v.as_mut_ptr().cast(), 7),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(v, [0xEE; 7]);
    assert_eq!(
        zx_object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, [0u8; 7].as_ptr().cast(), 7),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(stream_size(h), PAGE_U64);
    close(h);
}

/// §1.9: "property/type mismatch → `WRONG_TYPE`", checked after the rights and after
/// "content size needs `>= 8` bytes". (zx-shim's other object types lack the property
/// rights, so the handle is given them directly.)
#[test]
fn vmo_property_content_size_on_non_vmo_is_wrong_type() {
    let other = non_vmo_handle_with_any_rights(ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY);
    let mut v = 0u64;
    let p = (&mut v as *mut u64).cast::<c_void>();
    assert_eq!(
        zx_object_get_property(other, ZX_PROP_VMO_CONTENT_SIZE, p, 8),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(
        zx_object_set_property(other, ZX_PROP_VMO_CONTENT_SIZE, p, 8),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(
        zx_object_get_property(other, ZX_PROP_VMO_CONTENT_SIZE, p, 4),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(
        zx_object_set_property(other, ZX_PROP_VMO_CONTENT_SIZE, p, 4),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    close(other);
    // Through the port's real handle, the missing right wins.
    let port = non_vmo_handle(ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(
        zx_object_get_property(port, ZX_PROP_VMO_CONTENT_SIZE, p, 8),
        ZX_ERR_ACCESS_DENIED
    );
    close(port);
}

/// §1.9: "Unknown property → `NOT_SUPPORTED`".
#[test]
fn vmo_property_unknown_property_is_not_supported() {
    let h = vmo(PAGE_U64);
    let mut v = [0u8; 64];
    for prop in [0, 1, 18, 1000] {
        assert_eq!(
            zx_object_get_property(h, prop, v.as_mut_ptr().cast(), 64),
            ZX_ERR_NOT_SUPPORTED
        );
        assert_eq!(
            zx_object_set_property(h, prop, v.as_ptr().cast(), 64),
            ZX_ERR_NOT_SUPPORTED
        );
    }
    close(h);
}
