//! What `zx_pager_supply_pages` leaves in its aux VMO. Reference: zircon-abi.md §2.3
//! ("pages are *moved* (aux range ends up decommitted); pages already present in the pager
//! VMO are kept and the supplied duplicates freed; uncommitted aux pages supply zero
//! pages").
//!
//! zx-shim decommits the moved-out aux pages lazily (the `vmo` module docs, "Moved-out
//! pages"): these tests check that every way of looking at the aux VMO afterwards (reads,
//! old and new mappings, `ZX_INFO_VMO`, partial and whole-page writes, size changes,
//! op_range, a second supply) sees the range decommitted, also while a write races.
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::info::vmo_info;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::load;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

/// The bytes `[addr, addr + len)` of a live mapping of a plain VMO, read byte by byte.
fn mapped(addr: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| load(addr + i)).collect()
}

fn zeros(len: usize) -> Vec<u8> {
    vec![0; len]
}

/// "aux range ends up decommitted": `zx_vmo_read` gives zeros, `committed_bytes` drops by
/// the moved pages (and only by them), and the pager VMO holds the bytes.
#[test]
fn pager_supply_pages_aux_reads_zero_and_is_decommitted() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 4 * PAGE_U64, 0);
    let data = pattern(3, 4 * PAGE);
    let aux = aux_with(&data);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 2 * PAGE_U64, aux, PAGE_U64),
        ZX_OK
    );
    assert_eq!(vmo_info(aux).committed_bytes, 2 * PAGE_U64);
    let got = read(aux, 0, 4 * PAGE).unwrap();
    assert_eq!(got[..PAGE], data[..PAGE]);
    assert_eq!(got[PAGE..3 * PAGE], zeros(2 * PAGE)[..]);
    assert_eq!(got[3 * PAGE..], data[3 * PAGE..]);
    assert_eq!(read(vmo, 0, 2 * PAGE).unwrap(), data[PAGE..3 * PAGE]);
    assert_eq!(vmo_info(aux).committed_bytes, 2 * PAGE_U64);
    expect_no_packet(port, 10);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// A mapping of the aux VMO made after the supply sees the moved range as zero, and a
/// supply while it exists moves pages out at once.
#[test]
fn pager_supply_pages_new_mapping_of_aux_sees_zero() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 3 * PAGE_U64, 0);
    let data = pattern(4, 3 * PAGE);
    let aux = aux_with(&data);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 3 * PAGE_U64, aux, 0),
        ZX_OK
    );
    let addr = map_in_root_with(aux, 0, 3 * PAGE, ZX_VM_PERM_READ);
    // Nothing else looks at the aux VMO first (`ZX_INFO_VMO` would settle its pages).
    assert_eq!(mapped(addr, 3 * PAGE), zeros(3 * PAGE));
    // While mapped, a later move out is visible through the mapping at once.
    assert_eq!(write(aux, PAGE_U64, &pattern(5, PAGE)), ZX_OK);
    assert_eq!(mapped(addr + PAGE, 8), pattern(5, 8));
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 3 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(mapped(addr, 3 * PAGE), zeros(3 * PAGE));
    unmap_in_root(addr, 3 * PAGE);
    assert_eq!(read(vmo, 0, 3 * PAGE).unwrap(), data);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// A mapping of the aux VMO that exists during the supply sees the range become zero by
/// the time the call returns, and the pages are decommitted at once.
#[test]
fn pager_supply_pages_existing_mapping_of_aux_sees_zero() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 2 * PAGE_U64, 0);
    let data = pattern(6, 2 * PAGE);
    let aux = aux_with(&data);
    let addr = map_in_root_with(aux, 0, 2 * PAGE, ZX_VM_PERM_READ);
    assert_eq!(mapped(addr, 2 * PAGE), data);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, PAGE_U64, aux, PAGE_U64),
        ZX_OK
    );
    // Before reading through the mapping: a read fault on a host file hole allocates.
    assert_eq!(vmo_info(aux).committed_bytes, PAGE_U64);
    assert_eq!(mapped(addr + PAGE, PAGE), zeros(PAGE));
    assert_eq!(mapped(addr, PAGE), data[..PAGE]);
    unmap_in_root(addr, 2 * PAGE);
    assert_eq!(read(vmo, 0, PAGE).unwrap(), data[PAGE..]);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// A write covering part of a moved-out page leaves the rest of that page zero; a write
/// covering pages whole replaces them; pages beside them stay zero.
#[test]
fn pager_supply_pages_writes_over_moved_out_aux_pages() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 4 * PAGE_U64, 0);
    let aux = aux_with(&pattern(7, 4 * PAGE));
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 4 * PAGE_U64, aux, 0),
        ZX_OK
    );
    // Part of page 0.
    assert_eq!(write(aux, 100, b"hello"), ZX_OK);
    let mut want = zeros(PAGE);
    want[100..105].copy_from_slice(b"hello");
    assert_eq!(read(aux, 0, PAGE).unwrap(), want);
    // The end of page 1 and all of page 2: page 1's head stays zero.
    let new = pattern(8, PAGE + 10);
    assert_eq!(write(aux, 2 * PAGE_U64 - 10, &new), ZX_OK);
    let got = read(aux, PAGE_U64, 3 * PAGE).unwrap();
    assert_eq!(got[..PAGE - 10], zeros(PAGE - 10)[..]);
    assert_eq!(got[PAGE - 10..2 * PAGE], new[..]);
    assert_eq!(got[2 * PAGE..], zeros(PAGE)[..]);
    assert_eq!(vmo_info(aux).committed_bytes, 3 * PAGE_U64);
    // Page 3 written whole, then moved again with pages 2 and 3.
    let whole = pattern(9, PAGE);
    assert_eq!(write(aux, 3 * PAGE_U64, &whole), ZX_OK);
    assert_eq!(read(aux, 3 * PAGE_U64, PAGE).unwrap(), whole);
    let other = pager_vmo_with(pager, port, 2, 2 * PAGE_U64, 0);
    assert_eq!(
        zx_pager_supply_pages(pager, other, 0, 2 * PAGE_U64, aux, 2 * PAGE_U64),
        ZX_OK
    );
    let got = read(other, 0, 2 * PAGE).unwrap();
    assert_eq!(got[..PAGE], new[10..]);
    assert_eq!(got[PAGE..], whole[..]);
    assert_eq!(read(aux, 2 * PAGE_U64, 2 * PAGE).unwrap(), zeros(2 * PAGE));
    assert_eq!(vmo_info(aux).committed_bytes, 2 * PAGE_U64);
    for h in [aux, vmo, other, port, pager] {
        close(h);
    }
}

/// "uncommitted aux pages supply zero pages": a second supply from an aux range already
/// moved out supplies zero pages, not the bytes the first one moved.
#[test]
fn pager_supply_pages_second_supply_from_moved_out_aux_gives_zero_pages() {
    let (pager, port) = (pager(), port());
    let first = pager_vmo_with(pager, port, 1, 2 * PAGE_U64, 0);
    let second = pager_vmo_with(pager, port, 2, 2 * PAGE_U64, 0);
    let data = pattern(10, 2 * PAGE);
    let aux = aux_with(&data);
    assert_eq!(
        zx_pager_supply_pages(pager, first, 0, 2 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(
        zx_pager_supply_pages(pager, second, 0, 2 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(read(first, 0, 2 * PAGE).unwrap(), data);
    assert_eq!(read(second, 0, 2 * PAGE).unwrap(), zeros(2 * PAGE));
    // Also through a mapping of the pager VMO, whose faults are served by UFFDIO_COPY.
    let third = pager_vmo_with(pager, port, 3, PAGE_U64, 0);
    let addr = map_in_root(third, PAGE);
    assert_eq!(write(aux, 0, &data[..PAGE]), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, first, 0, PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(
        zx_pager_supply_pages(pager, third, 0, PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(mapped(addr, PAGE), zeros(PAGE));
    unmap_in_root(addr, PAGE);
    expect_no_packet(port, 10);
    for h in [aux, first, second, third, port, pager] {
        close(h);
    }
}

/// Shrinking and growing an aux VMO with moved-out pages: everything reads as zero and
/// nothing is committed.
#[test]
fn pager_supply_pages_moved_out_aux_after_set_size() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 3 * PAGE_U64, 0);
    let aux = vmo_with(4 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(write(aux, 0, &pattern(11, 4 * PAGE)), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 3 * PAGE_U64, aux, 0),
        ZX_OK
    );
    // Down to 1.5 pages (the tail of page 1 is zeroed), then up to 5 pages.
    assert_eq!(zx_vmo_set_size(aux, PAGE_U64 + PAGE_U64 / 2), ZX_OK);
    assert_eq!(read(aux, 0, 2 * PAGE).unwrap(), zeros(2 * PAGE));
    assert_eq!(vmo_info(aux).committed_bytes, 0);
    assert_eq!(zx_vmo_set_size(aux, 5 * PAGE_U64), ZX_OK);
    assert_eq!(read(aux, 0, 5 * PAGE).unwrap(), zeros(5 * PAGE));
    assert_eq!(vmo_info(aux).committed_bytes, 0);
    // The same after a grow that keeps moved-out pages, read only after growing.
    assert_eq!(write(aux, 0, &pattern(12, 2 * PAGE)), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 2 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(zx_vmo_set_size(aux, 6 * PAGE_U64), ZX_OK);
    assert_eq!(read(aux, 0, 6 * PAGE).unwrap(), zeros(6 * PAGE));
    assert_eq!(vmo_info(aux).committed_bytes, 0);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// COMMIT, ZERO and DECOMMIT over moved-out pages, and a content-size change through them:
/// the pages read as zero, and only committed ones count.
#[test]
fn pager_supply_pages_moved_out_aux_op_range_and_stream_size() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 4 * PAGE_U64, 0);
    let aux = aux_with(&pattern(13, 4 * PAGE));
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 0, 4 * PAGE_U64, aux, 0),
        ZX_OK
    );
    assert_eq!(vmo_op(aux, ZX_VMO_OP_COMMIT, 0, PAGE_U64), ZX_OK);
    assert_eq!(vmo_info(aux).committed_bytes, PAGE_U64);
    assert_eq!(read(aux, 0, PAGE).unwrap(), zeros(PAGE));
    assert_eq!(vmo_op(aux, ZX_VMO_OP_ZERO, PAGE_U64 + 10, 10), ZX_OK);
    assert_eq!(
        vmo_op(aux, ZX_VMO_OP_DECOMMIT, 2 * PAGE_U64, PAGE_U64),
        ZX_OK
    );
    assert_eq!(zx_vmo_set_stream_size(aux, 3 * PAGE_U64 + 100), ZX_OK);
    assert_eq!(vmo_info(aux).committed_bytes, PAGE_U64);
    assert_eq!(read(aux, 0, 4 * PAGE).unwrap(), zeros(4 * PAGE));
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// Many scattered moves (more runs than zx-shim keeps pending): every moved page still
/// reads as zero and the others keep their bytes.
#[test]
fn pager_supply_pages_many_scattered_moves_from_one_aux() {
    const PAGES: u64 = 300;
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, PAGES * PAGE_U64, 0);
    let data = pattern(14, (PAGES * PAGE_U64) as usize);
    let aux = aux_with(&data);
    for p in (0..PAGES).step_by(2) {
        assert_eq!(
            zx_pager_supply_pages(pager, vmo, p * PAGE_U64, PAGE_U64, aux, p * PAGE_U64),
            ZX_OK
        );
    }
    assert_eq!(vmo_info(aux).committed_bytes, PAGES / 2 * PAGE_U64);
    let got = read(aux, 0, data.len()).unwrap();
    for p in 0..PAGES as usize {
        let page = &got[p * PAGE..(p + 1) * PAGE];
        if p % 2 == 0 {
            assert!(page.iter().all(|&b| b == 0), "page {p} not zero");
        } else {
            assert_eq!(page, &data[p * PAGE..(p + 1) * PAGE]);
        }
    }
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// Small supplies into a mapped pager VMO from one aux VMO, over and over (zx-shim copies
/// them straight from a view of the aux file after a few): the bytes are right, also from
/// a part of the aux VMO that grew after the view was made, and after it shrank.
#[test]
fn pager_supply_pages_repeated_small_supplies_copy_the_aux_bytes() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, 16 * PAGE_U64, 0);
    let addr = map_in_root(vmo, 16 * PAGE);
    let aux = vmo_with(4 * PAGE_U64, ZX_VMO_RESIZABLE);
    for i in 0..8u64 {
        let data = pattern(20 + i as u8, PAGE);
        let at = (i % 4) * PAGE_U64;
        assert_eq!(write(aux, at, &data), ZX_OK);
        assert_eq!(
            zx_pager_supply_pages(pager, vmo, i * PAGE_U64, PAGE_U64, aux, at),
            ZX_OK
        );
        assert_eq!(mapped(addr + (i * PAGE_U64) as usize, PAGE), data);
    }
    assert_eq!(zx_vmo_set_size(aux, 8 * PAGE_U64), ZX_OK);
    let data = pattern(40, 2 * PAGE);
    assert_eq!(write(aux, 6 * PAGE_U64, &data), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 8 * PAGE_U64, 2 * PAGE_U64, aux, 6 * PAGE_U64),
        ZX_OK
    );
    assert_eq!(mapped(addr + 8 * PAGE, 2 * PAGE), data);
    assert_eq!(zx_vmo_set_size(aux, 2 * PAGE_U64), ZX_OK);
    let data = pattern(41, PAGE);
    assert_eq!(write(aux, PAGE_U64, &data), ZX_OK);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 10 * PAGE_U64, PAGE_U64, aux, PAGE_U64),
        ZX_OK
    );
    assert_eq!(mapped(addr + 10 * PAGE, PAGE), data);
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, 11 * PAGE_U64, PAGE_U64, aux, 2 * PAGE_U64),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(read(aux, 0, 2 * PAGE).unwrap(), zeros(2 * PAGE));
    expect_no_packet(port, 10);
    unmap_in_root(addr, 16 * PAGE);
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

const OLD: u8 = 0xAA;
const NEW: u8 = 0xBB;
/// Pages each round of the race moves out and writes (a longer write races more).
const RACE_PAGES: usize = 16;
const RACE_LEN: usize = RACE_PAGES * PAGE;

fn only_zero_or_new(bytes: &[u8], what: &str) {
    if let Some(i) = bytes.iter().position(|&b| b != 0 && b != NEW) {
        panic!(
            "{what}: byte {i} is {:#x}, neither zero nor the new byte",
            bytes[i]
        );
    }
}

/// `OLD` bytes written to `aux` and moved out into round `round`'s pages of `vmo`.
fn move_old_pages(pager: zx_handle_t, vmo: zx_handle_t, round: u64, aux: zx_handle_t) {
    assert_eq!(write(aux, 0, &[OLD; RACE_LEN]), ZX_OK);
    let at = round * RACE_LEN as u64;
    assert_eq!(
        zx_pager_supply_pages(pager, vmo, at, RACE_LEN as u64, aux, 0),
        ZX_OK
    );
}

/// A whole-page write over moved-out aux pages racing with reads, with a new mapping and
/// with a supply from those pages: nothing ever sees the bytes moved out, and once the
/// write returns its bytes are there (or, when the supply came after it, moved on).
#[test]
fn pager_supply_pages_write_racing_with_moved_out_aux_pages_never_shows_old_bytes() {
    const ROUNDS: u64 = 60;
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, 1, ROUNDS * RACE_LEN as u64, 0);
    let aux = zx_suite::vmo::vmo(RACE_LEN as u64);
    let new_pages = move || write(aux, 0, &[NEW; RACE_LEN]);
    for round in 0..ROUNDS {
        move_old_pages(pager, vmo, round, aux);
        match round % 3 {
            0 => {
                let writer = spawn(new_pages);
                loop {
                    only_zero_or_new(&read(aux, 0, RACE_LEN).unwrap(), "racing read");
                    if let Some(status) = writer.try_join(0) {
                        assert_eq!(status, ZX_OK);
                        break;
                    }
                }
                assert_eq!(read(aux, 0, RACE_LEN).unwrap(), [NEW; RACE_LEN]);
            }
            1 => {
                let writer = spawn(new_pages);
                let addr = map_in_root_with(aux, 0, RACE_LEN, ZX_VM_PERM_READ);
                only_zero_or_new(&mapped(addr, RACE_LEN), "new mapping");
                assert_eq!(writer.join(), ZX_OK);
                assert_eq!(mapped(addr, RACE_LEN), [NEW; RACE_LEN]);
                unmap_in_root(addr, RACE_LEN);
            }
            _ => {
                let other = pager_vmo_with(pager, port, 2, RACE_LEN as u64, 0);
                let writer = spawn(new_pages);
                assert_eq!(
                    zx_pager_supply_pages(pager, other, 0, RACE_LEN as u64, aux, 0),
                    ZX_OK
                );
                assert_eq!(writer.join(), ZX_OK);
                only_zero_or_new(&read(other, 0, RACE_LEN).unwrap(), "supplied pages");
                only_zero_or_new(&read(aux, 0, RACE_LEN).unwrap(), "aux after both");
                close(other);
            }
        }
        let at = round * RACE_LEN as u64;
        assert_eq!(read(vmo, at, RACE_LEN).unwrap(), [OLD; RACE_LEN]);
    }
    for h in [aux, vmo, port, pager] {
        close(h);
    }
}

/// Whether a host system call touching an unsupplied pager page waits for the pager (it
/// fails with `EFAULT` on hosts that only allow user-mode-only userfaultfds).
fn host_calls_wait_for_pagers() -> bool {
    use zircon::host::uffd::{OpenMode, Uffd, UFFD_FEATURE_MISSING_SHMEM};
    Uffd::open(UFFD_FEATURE_MISSING_SHMEM, 0).is_ok_and(|u| u.mode() != OpenMode::UserModeOnly)
}

/// How the deterministic race looks at the aux pages while the write is stuck.
#[derive(Clone, Copy, Debug)]
enum Look {
    Read,
    NewMapping,
    Supply,
}

/// The race above made certain: the write's source is a pager mapping whose first page is
/// supplied and the rest not, so the write lands its first page over the moved-out aux
/// pages and then waits (in the host kernel) for the pager. Meanwhile the aux pages are
/// read, supplied from, or mapped (which waits for the write: the host file is locked):
/// they hold zero or new bytes only. Once the rest of the source is supplied the write
/// completes and its bytes are all there, also after the supply (which moved the pages out
/// before the write finished, so it supplied zeros).
#[test]
fn pager_supply_pages_write_stuck_over_moved_out_aux_pages_never_shows_old_bytes() {
    if !host_calls_wait_for_pagers() {
        eprintln!("skipped: host system calls do not wait for pagers here");
        return;
    }
    for look in [Look::Read, Look::Supply, Look::NewMapping] {
        let (pager, port) = (pager(), port());
        let vmo = pager_vmo_with(pager, port, 1, RACE_LEN as u64, 0);
        let aux = zx_suite::vmo::vmo(RACE_LEN as u64);
        move_old_pages(pager, vmo, 0, aux);
        let src = pager_vmo_with(pager, port, 9, RACE_LEN as u64, 0);
        assert_eq!(supply(pager, src, 0, &[NEW; PAGE]), ZX_OK);
        let src_addr = map_in_root(src, RACE_LEN);
        let writer = spawn(move || {
            // SAFETY: `src_addr` maps RACE_LEN readable bytes until after the join.
            let buf = unsafe { std::slice::from_raw_parts(src_addr as *const u8, RACE_LEN) };
            write(aux, 0, buf)
        });
        // The write has landed the first page and waits for the second source page.
        assert_eq!(
            expect_request(port, 9),
            (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64),
            "{look:?}"
        );
        let other = pager_vmo_with(pager, port, 2, RACE_LEN as u64, 0);
        let mut mapper = None;
        match look {
            Look::Read => only_zero_or_new(&read(aux, 0, RACE_LEN).unwrap(), "read"),
            Look::Supply => {
                let s = zx_pager_supply_pages(pager, other, 0, RACE_LEN as u64, aux, 0);
                assert_eq!(s, ZX_OK);
                assert_eq!(read(other, 0, RACE_LEN).unwrap(), zeros(RACE_LEN));
            }
            Look::NewMapping => {
                mapper = Some(spawn(move || {
                    let addr = map_in_root_with(aux, 0, RACE_LEN, ZX_VM_PERM_READ);
                    (addr, mapped(addr, RACE_LEN))
                }));
            }
        }
        assert!(
            writer.try_join(20).is_none(),
            "{look:?}: the write did not wait"
        );
        let rest = RACE_LEN - PAGE;
        assert_eq!(supply(pager, src, PAGE_U64, &vec![NEW; rest]), ZX_OK);
        assert_eq!(writer.join(), ZX_OK, "{look:?}");
        assert_eq!(read(aux, 0, RACE_LEN).unwrap(), [NEW; RACE_LEN], "{look:?}");
        if let Some(mapper) = mapper {
            let (addr, seen) = mapper.join();
            only_zero_or_new(&seen, "new mapping");
            assert_eq!(mapped(addr, RACE_LEN), [NEW; RACE_LEN]);
            unmap_in_root(addr, RACE_LEN);
        }
        assert_eq!(read(vmo, 0, RACE_LEN).unwrap(), [OLD; RACE_LEN]);
        unmap_in_root(src_addr, RACE_LEN);
        for h in [aux, vmo, src, other, port, pager] {
            close(h);
        }
    }
}
