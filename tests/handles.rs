//! Conformance tests for the handle calls (`zx_handle_*`) and the handle table's value
//! encoding. Reference: zircon-abi.md §1.1 (handle values), §2.6 (handle family), §2
//! conventions (lookup order: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED).
use std::collections::HashSet;
use zircon::prelude::*;
use zx_suite::handles::{is_valid, try_basic_info};
use zx_suite::vmo::vmo;
use zx_suite::PAGE_U64;

/// §2.6: "`ZX_HANDLE_INVALID` → OK (like `free(NULL)`)".
#[test]
fn handle_close_invalid_is_ok() {
    assert_eq!(zx_handle_close(ZX_HANDLE_INVALID), ZX_OK);
}

/// §2.6: closing a handle twice: the second close is `BAD_HANDLE`, and the value no
/// longer names any object.
#[test]
fn handle_close_twice_is_bad_handle() {
    let h = vmo(PAGE_U64);
    assert!(is_valid(h));
    assert_eq!(zx_handle_close(h), ZX_OK);
    assert!(!is_valid(h));
    assert_eq!(zx_handle_close(h), ZX_ERR_BAD_HANDLE);
    let mut size = 0u64;
    assert_eq!(zx_vmo_get_size(h, &mut size), ZX_ERR_BAD_HANDLE);
}

/// §1.1: "every valid handle value has its two low bits set"; values are never 0 and not
/// sequential.
#[test]
fn handle_values_have_fixed_bits_and_are_not_sequential() {
    let handles: Vec<zx_handle_t> = (0..64).map(|_| vmo(PAGE_U64)).collect();
    for &h in &handles {
        assert_ne!(h, ZX_HANDLE_INVALID);
        assert_eq!(
            h & ZX_HANDLE_FIXED_BITS_MASK,
            ZX_HANDLE_FIXED_BITS_MASK,
            "{h:#x}"
        );
    }
    let steps: HashSet<u32> = handles
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]))
        .collect();
    assert!(
        steps.len() > 8,
        "handle values look sequential: {handles:x?}"
    );
    for h in handles {
        assert_eq!(zx_handle_close(h), ZX_OK);
    }
}

/// §2.6 and the foundation issue: a stale value (closed, its slot reused) is `BAD_HANDLE`,
/// never another object.
#[test]
fn handle_stale_value_is_bad_handle_not_another_object() {
    for _ in 0..200 {
        let old = vmo(PAGE_U64);
        let old_koid = try_basic_info(old).unwrap().koid;
        assert_eq!(zx_handle_close(old), ZX_OK);
        let new = vmo(PAGE_U64);
        assert_ne!(new, old, "a closed value was handed out again");
        assert_eq!(try_basic_info(old).unwrap_err(), ZX_ERR_BAD_HANDLE);
        assert_ne!(try_basic_info(new).unwrap().koid, old_koid);
        assert_eq!(zx_handle_close(new), ZX_OK);
    }
}

/// Forged values (right shape, never handed out) are `BAD_HANDLE`; the process survives.
#[test]
fn handle_forged_values_are_bad_handle() {
    let live: Vec<zx_handle_t> = (0..16).map(|_| vmo(PAGE_U64)).collect();
    let live_set: HashSet<_> = live.iter().copied().collect();
    let mut x: u32 = 0x1234_5678;
    let mut tried = 0;
    while tried < 10_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let forged = x | ZX_HANDLE_FIXED_BITS_MASK;
        if live_set.contains(&forged) {
            continue;
        }
        tried += 1;
        let mut size = 0u64;
        assert_eq!(
            zx_vmo_get_size(forged, &mut size),
            ZX_ERR_BAD_HANDLE,
            "{forged:#x}"
        );
    }
    for h in live {
        zx_handle_close(h);
    }
}

/// §2.6: `ZX_RIGHT_SAME_RIGHTS` copies the rights; the duplicate names the same object
/// (same koid) under a different value.
#[test]
fn handle_duplicate_same_rights() {
    let h = vmo(PAGE_U64);
    let mut dup = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &mut dup),
        ZX_OK
    );
    assert_ne!(dup, h);
    let (a, b) = (try_basic_info(h).unwrap(), try_basic_info(dup).unwrap());
    assert_eq!(a.koid, b.koid);
    assert_eq!(a.rights, b.rights);
    assert_eq!(b.rights, ZX_DEFAULT_VMO_RIGHTS);
    // Data written through one handle is read through the other: one object.
    assert_eq!(zx_vmo_write(h, b"dup".as_ptr().cast(), 0, 3), ZX_OK);
    let mut buf = [0u8; 3];
    assert_eq!(zx_vmo_read(dup, buf.as_mut_ptr().cast(), 0, 3), ZX_OK);
    assert_eq!(&buf, b"dup");
    zx_handle_close(h);
    zx_handle_close(dup);
}

/// §2.6: a subset of the rights is allowed, including `ZX_RIGHT_NONE`; the new handle has
/// exactly those rights and they are enforced.
#[test]
fn handle_duplicate_subset_is_enforced() {
    let h = vmo(PAGE_U64);
    let mut ro = ZX_HANDLE_INVALID;
    let rights = ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE;
    assert_eq!(zx_handle_duplicate(h, rights, &mut ro), ZX_OK);
    assert_eq!(try_basic_info(ro).unwrap().rights, rights);
    let mut byte = 0u8;
    assert_eq!(zx_vmo_read(ro, (&mut byte as *mut u8).cast(), 0, 1), ZX_OK);
    assert_eq!(
        zx_vmo_write(ro, b"x".as_ptr().cast(), 0, 1),
        ZX_ERR_ACCESS_DENIED
    );
    let mut none = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_NONE, &mut none), ZX_OK);
    assert_eq!(try_basic_info(none).unwrap().rights, ZX_RIGHT_NONE);
    for x in [h, ro, none] {
        zx_handle_close(x);
    }
}

/// §2.6: "rights not a subset → `INVALID_ARGS` (not ACCESS_DENIED)"; nothing is created.
#[test]
fn handle_duplicate_superset_is_invalid_args() {
    let h = vmo(PAGE_U64);
    let mut ro = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(h, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE, &mut ro),
        ZX_OK
    );
    let mut out = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(ro, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &mut out),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(out, ZX_HANDLE_INVALID);
    assert!(is_valid(ro));
    zx_handle_close(h);
    zx_handle_close(ro);
}

/// §2.6: "missing `DUPLICATE` → `ACCESS_DENIED`", checked before the subset rule.
#[test]
fn handle_duplicate_without_duplicate_right_is_access_denied() {
    let h = vmo(PAGE_U64);
    let mut nodup = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_READ, &mut nodup), ZX_OK);
    let mut out = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(nodup, ZX_RIGHT_SAME_RIGHTS, &mut out),
        ZX_ERR_ACCESS_DENIED
    );
    // Superset *and* no DUPLICATE: ACCESS_DENIED wins.
    assert_eq!(
        zx_handle_duplicate(nodup, ZX_RIGHT_WRITE, &mut out),
        ZX_ERR_ACCESS_DENIED
    );
    zx_handle_close(h);
    zx_handle_close(nodup);
}

/// Foundation issue, "Bad input": a null out pointer is `INVALID_ARGS` and creates nothing.
#[test]
fn handle_duplicate_null_out_is_invalid_args() {
    let h = vmo(PAGE_U64);
    assert_eq!(
        zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, std::ptr::null_mut()),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(
        zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, 2usize as *mut zx_handle_t),
        ZX_ERR_INVALID_ARGS,
        "misaligned out pointer"
    );
    assert!(is_valid(h));
    zx_handle_close(h);
}

/// §2.6: `zx_handle_duplicate` on a bad handle is `BAD_HANDLE`.
#[test]
fn handle_duplicate_bad_handle() {
    let mut out = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_duplicate(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS, &mut out),
        ZX_ERR_BAD_HANDLE
    );
}

/// §2.6: `zx_handle_replace` needs no right, hands out a new value and invalidates the old.
#[test]
fn handle_replace_moves_the_object() {
    let h = vmo(PAGE_U64);
    let koid = try_basic_info(h).unwrap().koid;
    let mut ro = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_READ, &mut ro), ZX_OK);
    let mut out = ZX_HANDLE_INVALID;
    // No DUPLICATE right needed.
    assert_eq!(zx_handle_replace(ro, ZX_RIGHT_SAME_RIGHTS, &mut out), ZX_OK);
    assert!(!is_valid(ro));
    let info = try_basic_info(out).unwrap();
    assert_eq!((info.koid, info.rights), (koid, ZX_RIGHT_READ));
    zx_handle_close(h);
    zx_handle_close(out);
}

/// §2.6: "the source handle is invalidated **even when the rights check fails**".
#[test]
fn handle_replace_consumes_even_on_failure() {
    let h = vmo(PAGE_U64);
    let mut ro = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_READ, &mut ro), ZX_OK);
    let mut out = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_handle_replace(ro, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &mut out),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(out, ZX_HANDLE_INVALID);
    assert!(!is_valid(ro));
    assert_eq!(
        zx_handle_replace(ro, ZX_RIGHT_SAME_RIGHTS, &mut out),
        ZX_ERR_BAD_HANDLE
    );
    zx_handle_close(h);
}

/// §2.6: `zx_handle_check_valid`: 0 → INVALID_ARGS; low two bits not both set →
/// OUT_OF_RANGE; well-formed but not in the table → NOT_FOUND.
#[test]
fn handle_check_valid_statuses() {
    let h = vmo(PAGE_U64);
    assert_eq!(zx_handle_check_valid(h), ZX_OK);
    assert_eq!(
        zx_handle_check_valid(ZX_HANDLE_INVALID),
        ZX_ERR_INVALID_ARGS
    );
    assert_eq!(zx_handle_check_valid(h & !1), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(zx_handle_check_valid(h & !2), ZX_ERR_OUT_OF_RANGE);
    zx_handle_close(h);
    assert_eq!(zx_handle_check_valid(h), ZX_ERR_NOT_FOUND);
}

/// §2.6: `zx_handle_close_many` closes every valid entry; an invalid or repeated entry makes
/// the result `BAD_HANDLE`, but the valid ones are still closed. `ZX_HANDLE_INVALID`
/// entries are skipped.
#[test]
fn handle_close_many_closes_valid_ones_despite_bad_entries() {
    let a = vmo(PAGE_U64);
    let b = vmo(PAGE_U64);
    let list = [a, ZX_HANDLE_INVALID, b];
    assert_eq!(zx_handle_close_many(list.as_ptr(), list.len()), ZX_OK);
    assert!(!is_valid(a) && !is_valid(b));

    let c = vmo(PAGE_U64);
    let d = vmo(PAGE_U64);
    let list = [c, c, d];
    assert_eq!(
        zx_handle_close_many(list.as_ptr(), list.len()),
        ZX_ERR_BAD_HANDLE
    );
    assert!(!is_valid(c) && !is_valid(d));
    assert_eq!(zx_handle_close_many(std::ptr::null(), 0), ZX_OK);
}

/// Koids are unique per object and shared by handles to one object (§1.1, §1.8).
#[test]
fn handle_koids_unique_per_object() {
    let handles: Vec<_> = (0..32).map(|_| vmo(PAGE_U64)).collect();
    let koids: HashSet<u64> = handles
        .iter()
        .map(|&h| try_basic_info(h).unwrap().koid)
        .collect();
    assert_eq!(koids.len(), handles.len());
    assert!(koids.iter().all(|&k| k >= ZX_KOID_FIRST));
    for h in handles {
        zx_handle_close(h);
    }
}

/// §2 conventions: type is checked before rights — a wrong-type handle with no rights is
/// `WRONG_TYPE`, not `ACCESS_DENIED`.
#[test]
fn handle_lookup_checks_type_before_rights() {
    let root = zx_vmar_root_self();
    let mut none = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(root, ZX_RIGHT_NONE, &mut none), ZX_OK);
    let mut byte = 0u8;
    assert_eq!(
        zx_vmo_read(none, (&mut byte as *mut u8).cast(), 0, 1),
        ZX_ERR_WRONG_TYPE
    );
    assert_eq!(
        zx_vmo_write(none, (&byte as *const u8).cast(), 0, 1),
        ZX_ERR_WRONG_TYPE
    );
    let v = vmo(PAGE_U64);
    let mut vnone = ZX_HANDLE_INVALID;
    assert_eq!(zx_handle_duplicate(v, ZX_RIGHT_NONE, &mut vnone), ZX_OK);
    assert_eq!(zx_vmar_destroy(vnone), ZX_ERR_WRONG_TYPE);
    for h in [none, v, vnone] {
        zx_handle_close(h);
    }
}

/// Handles are usable from many threads at once: concurrent create/duplicate/close never
/// yields a value that names the wrong object.
#[test]
fn handle_table_is_thread_safe() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..500u32 {
                    let h = vmo(PAGE_U64);
                    let tag = (t * 1000 + i).to_ne_bytes();
                    assert_eq!(zx_vmo_write(h, tag.as_ptr().cast(), 0, 4), ZX_OK);
                    let mut d = ZX_HANDLE_INVALID;
                    assert_eq!(zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &mut d), ZX_OK);
                    assert_eq!(zx_handle_close(h), ZX_OK);
                    let mut back = [0u8; 4];
                    assert_eq!(zx_vmo_read(d, back.as_mut_ptr().cast(), 0, 4), ZX_OK);
                    assert_eq!(back, tag);
                    assert_eq!(zx_handle_close(d), ZX_OK);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
