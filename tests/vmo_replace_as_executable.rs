//! Conformance tests for `zx_vmo_replace_as_executable`. Reference: zircon-abi.md §2.2
//! (`zx_vmo_replace_as_executable`), §1.3 (new VMOs never have `EXECUTE`).
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::vmo::*;
use zx_suite::PAGE_U64;

fn replace(h: zx_handle_t, vmex: zx_handle_t) -> Result<zx_handle_t, zx_status_t> {
    let mut out = ZX_HANDLE_INVALID;
    match zx_vmo_replace_as_executable(h, vmex, &mut out) {
        ZX_OK => Ok(out),
        status => {
            assert_eq!(out, ZX_HANDLE_INVALID, "out written on failure");
            Err(status)
        }
    }
}

/// §2.2: "`vmex` may be `ZX_HANDLE_INVALID`"; "Result = old rights | `EXECUTE`"; the old
/// handle is consumed; the object (koid, contents) is the same.
#[test]
fn vmo_replace_as_executable_adds_execute_and_consumes_handle() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"code"), ZX_OK);
    let koid = try_basic_info(h).unwrap().koid;
    let x = replace(h, ZX_HANDLE_INVALID).unwrap();
    assert!(!is_valid(h));
    let b = try_basic_info(x).unwrap();
    assert_eq!(
        (b.koid, b.rights),
        (koid, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_EXECUTE)
    );
    assert_eq!(read(x, 0, 4).unwrap(), b"code");
    close(x);
}

/// §2.2: "Result = old rights | `EXECUTE`" — reduced rights stay reduced.
#[test]
fn vmo_replace_as_executable_keeps_reduced_rights() {
    let h = vmo(PAGE_U64);
    let r = with_rights(h, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    let x = replace(r, ZX_HANDLE_INVALID).unwrap();
    assert_eq!(
        rights_of(x),
        ZX_RIGHT_READ | ZX_RIGHT_MAP | ZX_RIGHT_EXECUTE
    );
    let none = with_rights(h, ZX_RIGHT_NONE);
    let y = replace(none, ZX_HANDLE_INVALID).unwrap();
    assert_eq!(rights_of(y), ZX_RIGHT_EXECUTE);
    for z in [x, y, h] {
        close(z);
    }
}

/// §2.2: "The original handle is **always consumed**, even on failure": a `vmex` that is
/// not a handle is `BAD_HANDLE`, one that is not a VMEX resource `WRONG_TYPE`.
#[test]
fn vmo_replace_as_executable_bad_vmex_fails_and_consumes_handle() {
    let h = vmo(PAGE_U64);
    let keep = with_rights(h, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(replace(h, FORGED), Err(ZX_ERR_BAD_HANDLE));
    assert!(!is_valid(h));
    let other = vmo(PAGE_U64);
    let h2 = with_rights(keep, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(replace(h2, other), Err(ZX_ERR_WRONG_TYPE));
    assert!(!is_valid(h2));
    assert!(is_valid(other));
    // The VMO itself lives on through its other handle.
    assert_eq!(size(keep), PAGE_U64);
    close(other);
    close(keep);
}

/// §2.2: "non-VMO → `BAD_HANDLE`", and the handle is consumed all the same.
#[test]
fn vmo_replace_as_executable_non_vmo_is_bad_handle_and_consumed() {
    let other = non_vmo_handle(ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(replace(other, ZX_HANDLE_INVALID), Err(ZX_ERR_BAD_HANDLE));
    assert!(!is_valid(other));
}

/// §2 conventions: a handle that is not a handle is `BAD_HANDLE` (nothing to consume).
#[test]
fn vmo_replace_as_executable_bad_handle_is_bad_handle() {
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(replace(h, ZX_HANDLE_INVALID), Err(ZX_ERR_BAD_HANDLE));
    }
}

/// §2 conventions: "a bad output pointer gives `INVALID_ARGS`"; the original handle is
/// still consumed ("always consumed").
#[test]
fn vmo_replace_as_executable_null_out_is_invalid_args_and_consumes_handle() {
    let h = vmo(PAGE_U64);
    let keep = with_rights(h, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(
        zx_vmo_replace_as_executable(h, ZX_HANDLE_INVALID, std::ptr::null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    assert!(!is_valid(h));
    assert_eq!(rights_of(keep), ZX_DEFAULT_VMO_RIGHTS);
    close(keep);
}
