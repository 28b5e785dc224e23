//! Conformance tests for `zx_vmo_set_cache_policy`. Reference: zircon-abi.md §1.6 (policy
//! values), §2.2 (`zx_vmo_set_cache_policy`, "Uncached VMOs → `BAD_STATE`"), §3.1
//! (`vmo_set_cache_policy` checks options before the lookup).
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::*;
use zx_suite::vmo::*;
use zx_suite::PAGE_U64;

/// §2.2: "bad bits → `INVALID_ARGS` (before lookup)".
#[test]
fn vmo_set_cache_policy_bad_bits_are_invalid_args_before_lookup() {
    let h = vmo(PAGE_U64);
    for policy in [ZX_CACHE_POLICY_MASK + 1, 0x10, u32::MAX] {
        assert_eq!(zx_vmo_set_cache_policy(h, policy), ZX_ERR_INVALID_ARGS);
        assert_eq!(zx_vmo_set_cache_policy(FORGED, policy), ZX_ERR_INVALID_ARGS);
    }
    assert_eq!(vmo_info(h).cache_policy, ZX_CACHE_POLICY_CACHED);
    close(h);
}

/// §2.2: "lookup(`MAP`)" — BAD_HANDLE, WRONG_TYPE, then ACCESS_DENIED; nothing changes.
#[test]
fn vmo_set_cache_policy_lookup_needs_map() {
    for h in [ZX_HANDLE_INVALID, closed_handle(), FORGED] {
        assert_eq!(
            zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED),
            ZX_ERR_BAD_HANDLE
        );
    }
    let other = non_vmo_handle(ZX_RIGHT_NONE);
    assert_eq!(
        zx_vmo_set_cache_policy(other, ZX_CACHE_POLICY_CACHED),
        ZX_ERR_WRONG_TYPE
    );
    close(other);
    let h = vmo(PAGE_U64);
    let no_map = with_rights(h, ZX_DEFAULT_VMO_RIGHTS & !ZX_RIGHT_MAP);
    assert_eq!(
        zx_vmo_set_cache_policy(no_map, ZX_CACHE_POLICY_UNCACHED),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(vmo_info(h).cache_policy, ZX_CACHE_POLICY_CACHED);
    let map_only = with_rights(h, ZX_RIGHT_MAP);
    assert_eq!(
        zx_vmo_set_cache_policy(map_only, ZX_CACHE_POLICY_UNCACHED),
        ZX_OK
    );
    for x in [map_only, no_map, h] {
        close(x);
    }
}

/// §1.6: every policy value is accepted on an unmapped VMO without committed pages, and
/// `zx_info_vmo_t.cache_policy` reports it.
#[test]
fn vmo_set_cache_policy_is_recorded_in_info() {
    let h = vmo(PAGE_U64);
    for policy in [
        ZX_CACHE_POLICY_UNCACHED,
        ZX_CACHE_POLICY_UNCACHED_DEVICE,
        ZX_CACHE_POLICY_WRITE_COMBINING,
        ZX_CACHE_POLICY_CACHED,
    ] {
        assert_eq!(zx_vmo_set_cache_policy(h, policy), ZX_OK);
        assert_eq!(vmo_info(h).cache_policy, policy);
    }
    close(h);
}

/// §2.2: "Uncached VMOs → `BAD_STATE`" for read and write (and ZERO, which is a write).
#[test]
fn vmo_read_write_of_uncached_vmo_is_bad_state() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED), ZX_OK);
    let mut b = [0u8; 4];
    assert_eq!(
        zx_vmo_read(h, b.as_mut_ptr().cast(), 0, 4),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(write(h, 0, b"nope"), ZX_ERR_BAD_STATE);
    assert_eq!(vmo_op(h, ZX_VMO_OP_ZERO, 0, PAGE_U64), ZX_ERR_BAD_STATE);
    assert_eq!(committed(h), 0);
    assert_eq!(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), ZX_OK);
    assert_bytes(h, 0, 4, 0);
    close(h);
}

/// §2.2 "mapped/has children/is child/pinned → `BAD_STATE`", and the kernel's rule that
/// committed pages cannot leave an uncached policy: COMMIT under UNCACHED, then CACHED is
/// refused until the pages are decommitted.
#[test]
fn vmo_set_cache_policy_from_uncached_with_committed_pages_is_bad_state() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED), ZX_OK);
    assert_eq!(vmo_op(h, ZX_VMO_OP_COMMIT, 0, PAGE_U64), ZX_OK);
    assert_eq!(
        zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED),
        ZX_ERR_BAD_STATE
    );
    assert_eq!(vmo_info(h).cache_policy, ZX_CACHE_POLICY_UNCACHED);
    assert_eq!(vmo_op(h, ZX_VMO_OP_DECOMMIT, 0, PAGE_U64), ZX_OK);
    assert_eq!(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), ZX_OK);
    close(h);
}

/// A cached VMO with committed pages may change policy (only leaving uncached is refused).
#[test]
fn vmo_set_cache_policy_from_cached_with_committed_pages_is_ok() {
    let h = vmo(PAGE_U64);
    assert_eq!(write(h, 0, b"x"), ZX_OK);
    assert_eq!(
        zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_WRITE_COMBINING),
        ZX_OK
    );
    assert_eq!(vmo_info(h).cache_policy, ZX_CACHE_POLICY_WRITE_COMBINING);
    close(h);
}
