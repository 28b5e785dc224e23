//! Random sequences of VMAR calls checked against a page-level reference model.
//!
//! One region of the root (48 pages) holds direct mappings and one-level sub-VMARs. Each
//! step draws a call (allocate, map, map with SPECIFIC_OVERWRITE, unmap, protect,
//! op_range COMMIT/DECOMMIT, destroy, or a read/write through a mapping) from a seeded
//! PRNG, predicts its status and effect with the model, performs it, and then checks:
//! the status, the memory contents and access rights (probed), the shim's layout against
//! the model, and the shim against `/proc/self/maps` (zx_suite::consistency). A failure
//! names the seed and step.
use zircon::handle::{lookup_vmar, Rights};
use zircon::object::vm_option::Perms;
use zircon::prelude::*;
use zx_suite::consistency::{check_whole_root, model_view, Piece};
use zx_suite::handles::*;
use zx_suite::probe::{self, peek, poke};
use zx_suite::rng::Rng;
use zx_suite::vmar::*;
use zx_suite::vmo::vmo;
use zx_suite::PAGE;

const PAGES: usize = 48;
const VMO_PAGES: usize = 16;
const VMOS: usize = 3;
const R: u32 = ZX_VM_PERM_READ;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Page {
    vmo: usize,
    vmo_page: usize,
    perms: u32,
    ceiling: u32,
    /// The sub-VMAR holding the mapping, `None` for a direct child of the region.
    sub: Option<usize>,
}

struct Sub {
    start: usize,
    len: usize,
    h: zx_handle_t,
    alive: bool,
}

struct Model {
    pages: [Option<Page>; PAGES],
    subs: Vec<Sub>,
    data: [[u64; VMO_PAGES]; VMOS],
}

impl Model {
    fn live_sub_at(&self, page: usize) -> Option<usize> {
        self.subs
            .iter()
            .position(|s| s.alive && page >= s.start && page < s.start + s.len)
    }
    /// True if a direct child of the region (mapping or live sub-VMAR) covers `page`.
    fn occupied(&self, page: usize) -> bool {
        self.live_sub_at(page).is_some() || self.pages[page].is_some_and(|p| p.sub.is_none())
    }
    fn expected_layout(&self, base: usize) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::new();
        for (i, p) in self.pages.iter().enumerate() {
            let perms = p.map(|p| Perms::from_bits_truncate(p.perms));
            let (start, end) = (base + i * PAGE, base + (i + 1) * PAGE);
            match out.last_mut() {
                Some(last) if last.perms == perms => last.end = end,
                _ => out.push(Piece { start, end, perms }),
            }
        }
        out
    }
}

fn run(seed: u64, steps: usize) {
    let region = region(PAGES);
    let vmos: Vec<zx_handle_t> = (0..VMOS).map(|_| vmo((VMO_PAGES * PAGE) as u64)).collect();
    let ro: Vec<zx_handle_t> = vmos
        .iter()
        .map(|&v| with_rights(v, rights_of(v) & !ZX_RIGHT_WRITE))
        .collect();
    let mut m = Model {
        pages: [None; PAGES],
        subs: Vec::new(),
        data: [[0; VMO_PAGES]; VMOS],
    };
    let mut rng = Rng::new(seed | 1);
    let (shim, _) = lookup_vmar(region.h, Rights::NONE).unwrap();
    let mut outcomes = std::collections::BTreeMap::<(&str, zx_status_t), usize>::new();
    let mut tally =
        |call: &'static str, status: zx_status_t| *outcomes.entry((call, status)).or_default() += 1;
    for step in 0..steps {
        let ctx = format!("seed {seed:#x} step {step}");
        let o = rng.below(PAGES);
        let l = 1 + rng.below(8.min(PAGES - o));
        match rng.below(9) {
            0 => {
                // allocate a sub-VMAR (SPECIFIC) in the region.
                let expect = if (o..o + l).any(|p| m.occupied(p)) {
                    ZX_ERR_ALREADY_EXISTS
                } else {
                    ZX_OK
                };
                tally("allocate", expect);
                match try_allocate(region.h, SUB | ZX_VM_SPECIFIC, o * PAGE, l * PAGE) {
                    Ok(sub) => {
                        assert_eq!(ZX_OK, expect, "{ctx}: allocate");
                        m.subs.push(Sub {
                            start: o,
                            len: l,
                            h: sub.h,
                            alive: true,
                        });
                        std::mem::forget(sub);
                    }
                    Err(s) => assert_eq!(s, expect, "{ctx}: allocate"),
                }
            }
            1..=3 => {
                // map (SPECIFIC or SPECIFIC_OVERWRITE) into the region or a sub-VMAR.
                let overwrite = rng.below(3) == 0;
                let vi = rng.below(VMOS);
                let writable_handle = rng.below(4) != 0;
                let perms = if rng.below(2) == 0 { R } else { RW };
                let vmo_page = rng.below(VMO_PAGES);
                let live: Vec<usize> = (0..m.subs.len()).filter(|&i| m.subs[i].alive).collect();
                let target = if !live.is_empty() && rng.below(2) == 0 {
                    Some(live[rng.below(live.len())])
                } else {
                    None
                };
                let (h, t0, tlen) = match target {
                    Some(s) => (m.subs[s].h, m.subs[s].start, m.subs[s].len),
                    None => (region.h, 0, PAGES),
                };
                let off = rng.below(tlen);
                let len = 1 + rng.below(4);
                let ceiling = if writable_handle { RW } else { R };
                let expect = if perms & !ceiling != 0 {
                    ZX_ERR_ACCESS_DENIED
                } else if vmo_page + len > VMO_PAGES {
                    ZX_ERR_BUFFER_TOO_SMALL
                } else if off + len > tlen {
                    ZX_ERR_INVALID_ARGS
                } else {
                    let range = t0 + off..t0 + off + len;
                    let sub_hit =
                        target.is_none() && range.clone().any(|p| m.live_sub_at(p).is_some());
                    let map_hit = range
                        .clone()
                        .any(|p| m.pages[p].is_some_and(|pg| pg.sub == target));
                    match (overwrite, sub_hit, map_hit) {
                        (true, true, _) => ZX_ERR_INVALID_ARGS,
                        (true, false, _) => ZX_OK,
                        (false, true, _) | (false, _, true) => ZX_ERR_ALREADY_EXISTS,
                        (false, false, false) => ZX_OK,
                    }
                };
                let flag = if overwrite {
                    ZX_VM_SPECIFIC_OVERWRITE
                } else {
                    ZX_VM_SPECIFIC
                };
                let handle = if writable_handle { vmos[vi] } else { ro[vi] };
                tally(if overwrite { "map_overwrite" } else { "map" }, expect);
                let got = map(
                    h,
                    perms | flag,
                    off * PAGE,
                    handle,
                    (vmo_page * PAGE) as u64,
                    len * PAGE,
                );
                assert_eq!(
                    got.err().unwrap_or(ZX_OK),
                    expect,
                    "{ctx}: map {perms:#x}|{flag:#x} at {off}+{len} of {target:?}"
                );
                if expect == ZX_OK {
                    for i in 0..len {
                        m.pages[t0 + off + i] = Some(Page {
                            vmo: vi,
                            vmo_page: vmo_page + i,
                            perms,
                            ceiling,
                            sub: target,
                        });
                    }
                }
            }
            4 => {
                // unmap a range of the region.
                let range = o..o + l;
                let subs_hit: Vec<usize> = (0..m.subs.len())
                    .filter(|&i| {
                        m.subs[i].alive
                            && m.subs[i].start < o + l
                            && m.subs[i].start + m.subs[i].len > o
                    })
                    .collect();
                let any = !subs_hit.is_empty()
                    || range
                        .clone()
                        .any(|p| m.pages[p].is_some_and(|pg| pg.sub.is_none()));
                let partial = subs_hit
                    .iter()
                    .any(|&i| m.subs[i].start < o || m.subs[i].start + m.subs[i].len > o + l);
                let expect = if !any {
                    ZX_ERR_NOT_FOUND
                } else if partial {
                    ZX_ERR_INVALID_ARGS
                } else {
                    ZX_OK
                };
                tally("unmap", expect);
                assert_eq!(
                    unmap(region.h, region.at(o * PAGE), l * PAGE),
                    expect,
                    "{ctx}: unmap {o}+{l}"
                );
                if expect == ZX_OK {
                    for p in range {
                        m.pages[p] = None;
                    }
                    for i in subs_hit {
                        m.subs[i].alive = false;
                    }
                }
            }
            5 => {
                // protect a range of the region (reaching into sub-VMARs: reduce only).
                let perms = [0, R, RW][rng.below(3)];
                let mut expect = ZX_OK;
                for p in o..o + l {
                    let Some(pg) = m.pages[p] else {
                        expect = ZX_ERR_NOT_FOUND;
                        break;
                    };
                    if perms & !pg.ceiling != 0 || (pg.sub.is_some() && perms & !pg.perms != 0) {
                        expect = ZX_ERR_ACCESS_DENIED;
                        break;
                    }
                }
                tally("protect", expect);
                assert_eq!(
                    protect(region.h, perms, region.at(o * PAGE), l * PAGE),
                    expect,
                    "{ctx}: protect {o}+{l} {perms:#x}"
                );
                if expect == ZX_OK {
                    for p in o..o + l {
                        m.pages[p].as_mut().unwrap().perms = perms;
                    }
                }
            }
            6 => {
                // op_range COMMIT or DECOMMIT over a range of the region.
                let decommit = rng.below(2) == 0;
                let mut expect = ZX_OK;
                for p in o..o + l {
                    match m.pages[p] {
                        None => {
                            expect = ZX_ERR_BAD_STATE;
                            break;
                        }
                        Some(pg) if pg.sub.is_some() => {
                            expect = ZX_ERR_INVALID_ARGS;
                            break;
                        }
                        Some(pg) if pg.ceiling & ZX_VM_PERM_WRITE == 0 => {
                            expect = ZX_ERR_ACCESS_DENIED;
                            break;
                        }
                        _ => {}
                    }
                }
                let code = if decommit {
                    ZX_VMAR_OP_DECOMMIT
                } else {
                    ZX_VMAR_OP_COMMIT
                };
                tally(if decommit { "decommit" } else { "commit" }, expect);
                assert_eq!(
                    vmar_op(region.h, code, region.at(o * PAGE), l * PAGE),
                    expect,
                    "{ctx}: op {code} {o}+{l}"
                );
                if expect == ZX_OK && decommit {
                    for p in o..o + l {
                        let pg = m.pages[p].unwrap();
                        m.data[pg.vmo][pg.vmo_page] = 0;
                    }
                }
            }
            7 => {
                // destroy a sub-VMAR (live or not).
                if m.subs.is_empty() {
                    continue;
                }
                let i = rng.below(m.subs.len());
                let expect = if m.subs[i].alive {
                    ZX_OK
                } else {
                    ZX_ERR_BAD_STATE
                };
                tally("destroy", expect);
                assert_eq!(zx_vmar_destroy(m.subs[i].h), expect, "{ctx}: destroy");
                if expect == ZX_OK {
                    m.subs[i].alive = false;
                    for p in m.pages.iter_mut() {
                        if p.is_some_and(|pg| pg.sub == Some(i)) {
                            *p = None;
                        }
                    }
                }
            }
            _ => {
                // read and write through the mapping at page `o`, and probe its access.
                let addr = region.at(o * PAGE);
                let want = match m.pages[o] {
                    None => "---",
                    Some(pg) if pg.perms == RW => "rw-",
                    Some(pg) if pg.perms == R => "r--",
                    Some(_) => "---",
                };
                assert_eq!(probe::access(addr), want, "{ctx}: access of page {o}");
                if let Some(pg) = m.pages[o] {
                    if pg.perms & R != 0 {
                        assert_eq!(
                            peek(addr),
                            m.data[pg.vmo][pg.vmo_page],
                            "{ctx}: contents of page {o}"
                        );
                    }
                    if pg.perms == RW {
                        let value = rng.next_u64();
                        poke(addr, value);
                        m.data[pg.vmo][pg.vmo_page] = value;
                    }
                }
            }
        }
        assert_eq!(
            model_view(&shim, region.base, region.end()),
            m.expected_layout(region.base),
            "{ctx}: shim vs model"
        );
        region.check();
    }
    // Every call must have been seen succeeding, so the run cannot pass vacuously.
    for call in [
        "allocate",
        "map",
        "map_overwrite",
        "unmap",
        "protect",
        "commit",
        "decommit",
        "destroy",
    ] {
        assert!(
            outcomes.contains_key(&(call, ZX_OK)),
            "seed {seed:#x}: {call} never succeeded: {outcomes:?}"
        );
    }
    eprintln!("seed {seed:#x}: {outcomes:?}");
    for s in &m.subs {
        let _ = zx_handle_close(s.h);
    }
    for h in vmos.into_iter().chain(ro) {
        close(h);
    }
}

/// A few thousand random calls against the reference model, over three seeds; then the
/// whole root agrees with the kernel and the VMA account is exact.
#[test]
fn vmar_model_random_sequences_match_reference_and_kernel() {
    let base_seed = std::env::var("ZX_SHIM_MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0001u64);
    for i in 0..3 {
        run(base_seed.wrapping_add(i * 0x9E37_79B9), 1500);
    }
    check_whole_root(root());
}
