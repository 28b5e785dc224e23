//! VMO calls on pager VMOs, concurrency, and resizable pager VMOs. Reference: zircon-abi.md
//! §2.2 ("Pager-backed: may block; `IO`, `IO_DATA_INTEGRITY`, `BAD_STATE` from the pager"),
//! §2.3 ("Requests: `ZX_PAGER_VMO_READ` when a non-resident page is touched (by fault,
//! `vmo_read`, `op_range COMMIT/PREFETCH`, …) — offset/length page aligned").
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zircon::prelude::*;
use zx_suite::handles::*;
use zx_suite::pager::*;
use zx_suite::port::*;
use zx_suite::probe::load;
use zx_suite::threads::*;
use zx_suite::vmo::*;
use zx_suite::{PAGE, PAGE_U64};

const KEY: u64 = 0x5EED;

/// §2.2/§2.3: `zx_vmo_read` of unsupplied pages sends one READ per missing run (page
/// aligned), blocks, and returns the supplied bytes.
#[test]
fn vmo_read_pager_blocks_until_supplied() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 8 * PAGE_U64, 0);
    assert_eq!(supply(pager, vmo, 2 * PAGE_U64, &pattern(0, PAGE)), ZX_OK);
    let reader = spawn(move || read(vmo, PAGE_U64 + 10, 3 * PAGE));
    let mut reqs = vec![expect_request(port, KEY), expect_request(port, KEY)];
    reqs.sort();
    assert_eq!(
        reqs,
        [
            (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64),
            (ZX_PAGER_VMO_READ, 3 * PAGE_U64, 2 * PAGE_U64)
        ]
    );
    assert!(reader.try_join(30).is_none());
    let data = pattern(4, 8 * PAGE);
    assert_eq!(supply(pager, vmo, 0, &data), ZX_OK);
    let got = reader.join().unwrap();
    let mut want = data[PAGE + 10..4 * PAGE + 10].to_vec();
    // The page supplied first was kept.
    want[PAGE - 10..2 * PAGE - 10].copy_from_slice(&pattern(0, PAGE));
    assert_eq!(got, want);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// "Concurrent faults on one range give one request, not many": three faulting threads and
/// two readers of the same page produce a single READ packet.
#[test]
fn pager_concurrent_faults_and_reads_of_one_page_send_one_request() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGE_U64, 0);
    let a1 = map_in_root(vmo, PAGE);
    let a2 = map_in_root(vmo, PAGE);
    let mut faulters = vec![
        spawn(move || load(a1 + 1)),
        spawn(move || load(a1 + 2)),
        spawn(move || load(a2 + 3)),
    ];
    let readers = [
        spawn(move || read(vmo, 0, 8)),
        spawn(move || read(vmo, 8, 8)),
    ];
    assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_READ, 0, PAGE_U64));
    expect_no_packet(port, 50);
    let data = pattern(8, PAGE);
    assert_eq!(supply(pager, vmo, 0, &data), ZX_OK);
    for (i, f) in faulters.drain(..).enumerate() {
        assert_eq!(f.join(), data[i + 1]);
    }
    let [r1, r2] = readers;
    assert_eq!(r1.join().unwrap(), data[..8]);
    assert_eq!(r2.join().unwrap(), data[8..16]);
    expect_no_packet(port, 10);
    unmap_in_root(a1, PAGE);
    unmap_in_root(a2, PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: a write needs the page supplied first (READ), then lands and dirties it.
#[test]
fn vmo_write_pager_requests_read_then_writes() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    let writer = spawn(move || write(vmo, PAGE_U64 + 4, b"abc"));
    assert_eq!(
        expect_request(port, KEY),
        (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64)
    );
    assert_eq!(supply(pager, vmo, PAGE_U64, &[1u8; PAGE]), ZX_OK);
    assert_eq!(writer.join(), ZX_OK);
    assert_eq!(
        read(vmo, PAGE_U64 + 3, 5).unwrap(),
        [1, b'a', b'b', b'c', 1]
    );
    // Range errors still come before anything is requested.
    assert_eq!(write(vmo, 2 * PAGE_U64, b"x"), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(read(vmo, PAGE_U64, PAGE + 1), Err(ZX_ERR_OUT_OF_RANGE));
    expect_no_packet(port, 10);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// §2.3: `op_range COMMIT/PREFETCH` raise READ requests and block; ZERO zeroes supplied
/// pages (asking for them first).
#[test]
fn vmo_op_range_pager_commit_prefetch_and_zero() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    let op = move |op, off, len| zx_vmo_op_range(vmo, op, off, len, null_mut(), 0);
    let committer = spawn(move || op(ZX_VMO_OP_COMMIT, 0, PAGE_U64));
    assert_eq!(expect_request(port, KEY), (ZX_PAGER_VMO_READ, 0, PAGE_U64));
    assert_eq!(supply(pager, vmo, 0, &[2u8; PAGE]), ZX_OK);
    assert_eq!(committer.join(), ZX_OK);
    let prefetcher = spawn(move || op(ZX_VMO_OP_PREFETCH, 0, 2 * PAGE_U64));
    assert_eq!(
        expect_request(port, KEY),
        (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64)
    );
    assert_eq!(supply(pager, vmo, PAGE_U64, &[3u8; PAGE]), ZX_OK);
    assert_eq!(prefetcher.join(), ZX_OK);
    assert_eq!(op(ZX_VMO_OP_ZERO, 100, PAGE_U64 + 50), ZX_OK);
    let got = read(vmo, 0, 2 * PAGE).unwrap();
    assert!(got[..100].iter().all(|&b| b == 2));
    assert!(got[100..PAGE + 150].iter().all(|&b| b == 0));
    assert!(got[PAGE + 150..].iter().all(|&b| b == 3));
    assert_eq!(op(ZX_VMO_OP_COMMIT, 0, 3 * PAGE_U64), ZX_ERR_OUT_OF_RANGE);
    expect_no_packet(port, 10);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// "a pager thread answering requests while other threads fault on mappings and call
/// `zx_vmo_read` on the same VMO": every thread sees exactly the pager's bytes, and each
/// page is requested at most once.
#[test]
fn pager_thread_serves_faulting_threads_and_readers_concurrently() {
    const PAGES: u64 = 256;
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, PAGES * PAGE_U64, 0);
    let addr = map_in_root(vmo, (PAGES * PAGE_U64) as usize);
    let content = |page: u64| (page as u8).wrapping_mul(7).wrapping_add(1);
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        spawn(move || {
            let mut requested = vec![0u32; PAGES as usize];
            let aux = zx_suite::vmo::vmo(16 * PAGE_U64);
            while !stop.load(Ordering::SeqCst) {
                let p = match wait_packet(port, std::time::Duration::from_millis(10)) {
                    Ok(p) => p,
                    Err(ZX_ERR_TIMED_OUT) => continue,
                    Err(e) => panic!("port wait: {e}"),
                };
                let (cmd, off, len) = request(&p);
                assert_eq!(cmd, ZX_PAGER_VMO_READ);
                for page in off / PAGE_U64..(off + len) / PAGE_U64 {
                    requested[page as usize] += 1;
                    assert_eq!(write(aux, 0, &[content(page); PAGE]), ZX_OK);
                    assert_eq!(
                        zx_pager_supply_pages(pager, vmo, page * PAGE_U64, PAGE_U64, aux, 0),
                        ZX_OK
                    );
                }
            }
            close(aux);
            requested
        })
    };
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            spawn(move || {
                for i in 0..PAGES {
                    let page = (i * 5 + t * 61) % PAGES;
                    let want = content(page);
                    if (i + t) % 2 == 0 {
                        assert_eq!(load(addr + (page * PAGE_U64) as usize + t as usize), want);
                    } else {
                        assert_eq!(read(vmo, page * PAGE_U64 + 9, 2).unwrap(), [want, want]);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join();
    }
    stop.store(true, Ordering::SeqCst);
    let requested = server.join();
    assert!(
        requested.iter().all(|&n| n <= 1),
        "a page was requested twice"
    );
    assert_eq!(
        requested.iter().filter(|&&n| n == 1).count(),
        PAGES as usize
    );
    unmap_in_root(addr, (PAGES * PAGE_U64) as usize);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// "a resizable pager VMO": growing adds pages that read as zero without a request and are
/// dirty (`ZX_VMO_DIRTY_RANGE_IS_ZERO`); shrinking fails a blocked reader (`OUT_OF_RANGE`).
#[test]
fn pager_resizable_vmo_grows_with_zero_pages_and_shrink_fails_waiters() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, ZX_VMO_RESIZABLE);
    assert_eq!(supply(pager, vmo, 0, &[1u8; PAGE]), ZX_OK);
    let reader = spawn(move || read(vmo, PAGE_U64, 1));
    assert_eq!(
        expect_request(port, KEY),
        (ZX_PAGER_VMO_READ, PAGE_U64, PAGE_U64)
    );
    assert_eq!(zx_vmo_set_size(vmo, PAGE_U64), ZX_OK);
    assert_eq!(reader.join(), Err(ZX_ERR_OUT_OF_RANGE));
    assert_eq!(zx_vmo_set_size(vmo, 3 * PAGE_U64), ZX_OK);
    let addr = map_in_root(vmo, 3 * PAGE);
    assert_eq!(load_within(addr), 1);
    // Grown pages: zero, through a mapping and through zx_vmo_read, with no request.
    assert_eq!(load_within(addr + 2 * PAGE + 5), 0);
    assert_eq!(read(vmo, PAGE_U64, 2 * PAGE).unwrap(), vec![0; 2 * PAGE]);
    store_within(addr + PAGE, 4);
    assert_eq!(read(vmo, PAGE_U64, 1).unwrap(), [4]);
    expect_no_packet(port, 20);
    let mut ranges = [zx_vmo_dirty_range_t::default(); 4];
    let mut actual = 0;
    assert_eq!(
        zx_pager_query_dirty_ranges(
            pager,
            vmo,
            0,
            3 * PAGE_U64,
            ranges.as_mut_ptr().cast(),
            96,
            &mut actual,
            null_mut()
        ),
        ZX_OK
    );
    assert_eq!(actual, 1);
    assert_eq!(
        (ranges[0].offset, ranges[0].length, ranges[0].options),
        (PAGE_U64, 2 * PAGE_U64, ZX_VMO_DIRTY_RANGE_IS_ZERO)
    );
    unmap_in_root(addr, 3 * PAGE);
    for h in [vmo, port, pager] {
        close(h);
    }
}

/// A port whose handle is closed cannot be named (`BAD_HANDLE`); a VMO whose port handle
/// was closed later still works for supplied pages, and closing the pager frees waiters.
#[test]
fn pager_closed_port_is_bad_handle_and_leaves_no_waiter_blocked() {
    let (pager, port) = (pager(), port());
    let vmo = pager_vmo_with(pager, port, KEY, 2 * PAGE_U64, 0);
    close(port);
    let mut h = ZX_HANDLE_INVALID;
    assert_eq!(
        zx_pager_create_vmo(pager, 0, port, 0, PAGE_U64, &mut h),
        ZX_ERR_BAD_HANDLE
    );
    assert_eq!(supply(pager, vmo, 0, &[7u8; PAGE]), ZX_OK);
    assert_eq!(read(vmo, 0, 2).unwrap(), [7, 7]);
    let reader = spawn(move || read(vmo, PAGE_U64, 1));
    assert!(reader.try_join(30).is_none());
    close(pager);
    assert_eq!(reader.join(), Err(ZX_ERR_BAD_STATE));
    close(vmo);
}
