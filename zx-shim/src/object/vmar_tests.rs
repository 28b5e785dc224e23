//! Unit tests of the VMAR verbs over private address spaces (their own reservations),
//! independent of the handle table and the FFI layer.
use super::*;
use crate::host::maps::read_self_maps_in;
use crate::object::aspace::{AddressSpace, LayoutEntry};

const PAGE: usize = PAGE_SIZE;
const RW: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
const ALL: Rights = ROOT_RIGHTS;
const VMO_RIGHTS: Rights = Rights::DEFAULT_VMO;

fn aspace(size: usize) -> Arc<Vmar> {
    Vmar::new_address_space(size, true).unwrap()
}

fn vmo(pages: usize) -> Arc<Vmo> {
    Vmo::create((pages * PAGE) as u64, false).unwrap()
}

/// The host's view of `[lo, hi)`: shared mappings with their permissions, the rest
/// `None`. Retried until a read tiles the range: a VMA straddling its edge that another
/// test thread changes mid-read can be printed twice.
fn host_layout(lo: usize, hi: usize) -> Vec<LayoutEntry> {
    let mut host: Vec<LayoutEntry> = Vec::new();
    for _ in 0..20 {
        host.clear();
        let mut cursor = lo;
        let mut tiles = true;
        for e in read_self_maps_in(lo, hi).unwrap() {
            if e.end <= cursor {
                continue;
            }
            let start = e.start.max(cursor);
            tiles &= start == cursor;
            cursor = e.end;
            let perms = e.shared.then(|| {
                let mut p = Perms::NONE;
                for (on, bit) in [
                    (e.read, Perms::READ),
                    (e.write, Perms::WRITE),
                    (e.exec, Perms::EXECUTE),
                ] {
                    if on {
                        p = p.union(bit);
                    }
                }
                p
            });
            match host.last_mut() {
                Some(last) if last.end == start && last.perms == perms => last.end = e.end,
                _ => host.push(LayoutEntry {
                    start,
                    end: e.end,
                    perms,
                }),
            }
        }
        if tiles && cursor == hi {
            break;
        }
    }
    host
}

/// The model and /proc/self/maps agree over the VMAR's range, and the VMA account is exact.
fn assert_consistent(vmar: &Vmar) {
    let model = vmar.debug_layout();
    let host = host_layout(vmar.base(), vmar.base() + vmar.size());
    assert_eq!(model, host, "model vs /proc/self/maps");
    let (incremental, recomputed, _) = vmar.debug_vma_account();
    assert_eq!(incremental, recomputed, "VMA account drifted");
}

#[test]
fn map_write_read_unmap_round_trip() {
    let root = aspace(1 << 30);
    let v = vmo(4);
    let addr = root.map(ALL, RW, 0, &v, VMO_RIGHTS, 0, 4 * PAGE).unwrap();
    assert_eq!(addr % PAGE, 0);
    assert!(addr >= root.base() && addr + 4 * PAGE <= root.base() + root.size());
    // SAFETY: the range was just mapped read/write.
    unsafe { (addr as *mut u64).write_volatile(0xfeed) };
    assert_consistent(&root);
    root.unmap(ALL, addr + PAGE, PAGE).unwrap();
    assert_consistent(&root);
    // SAFETY: the first page is still mapped.
    assert_eq!(unsafe { (addr as *const u64).read_volatile() }, 0xfeed);
    root.unmap(ALL, addr, 4 * PAGE).unwrap();
    assert_eq!(root.unmap(ALL, addr, 4 * PAGE), Err(Status::NOT_FOUND));
    assert_consistent(&root);
}

#[test]
fn allocate_map_destroy_frees_everything() {
    let root = aspace(1 << 30);
    let opts = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC;
    let (child, rights) = root.allocate(opts, 0, 64 * PAGE).unwrap();
    assert_eq!(rights, Rights::DEFAULT_VMAR | Rights::READ | Rights::WRITE);
    assert_eq!(
        child.allocate(opts, 16 * PAGE, 16 * PAGE).err(),
        Some(Status::INVALID_ARGS)
    );
    let (grand, _) = child
        .allocate(opts | ZX_VM_SPECIFIC, 16 * PAGE, 16 * PAGE)
        .unwrap();
    assert_eq!(grand.base(), child.base() + 16 * PAGE);
    let v = vmo(2);
    let a = child
        .map(rights, RW, 0, &v, VMO_RIGHTS, 0, 2 * PAGE)
        .unwrap();
    let b = grand
        .map(rights, RW | ZX_VM_SPECIFIC, PAGE, &v, VMO_RIGHTS, 0, PAGE)
        .unwrap();
    assert_eq!(b, grand.base() + PAGE);
    assert!(a < grand.base() || a >= grand.base() + grand.size());
    assert_consistent(&root);
    child.destroy().unwrap();
    assert!(!grand.is_alive());
    assert_eq!(child.destroy(), Err(Status::BAD_STATE));
    assert_eq!(
        grand.map(rights, RW, 0, &v, VMO_RIGHTS, 0, PAGE),
        Err(Status::BAD_STATE)
    );
    assert_eq!(root.destroy(), Err(Status::NOT_SUPPORTED));
    assert_consistent(&root);
    assert_eq!(root.debug_layout().len(), 1);
}

#[test]
fn protect_changes_runs_without_splitting_and_merge_joins_neighbours() {
    let root = aspace(1 << 30);
    let (sub, rights) = root
        .allocate(
            ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC,
            0,
            16 * PAGE,
        )
        .unwrap();
    let v = vmo(8);
    let spec = RW | ZX_VM_SPECIFIC;
    sub.map(rights, spec, 0, &v, VMO_RIGHTS, 0, 2 * PAGE)
        .unwrap();
    sub.map(
        rights,
        spec,
        2 * PAGE,
        &v,
        VMO_RIGHTS,
        2 * PAGE as u64,
        3 * PAGE,
    )
    .unwrap();
    let maps = sub.maps().unwrap();
    assert_eq!(maps.len(), 2, "two adjacent mappings merge into one entry");
    assert_eq!(maps[1].size, 5 * PAGE);
    sub.protect(rights, ZX_VM_PERM_READ, sub.base() + PAGE, PAGE)
        .unwrap();
    let maps = sub.maps().unwrap();
    assert_eq!(maps.len(), 4);
    // SAFETY: the union field is the mapping variant for type MAPPING entries.
    let flags: Vec<u32> = maps[1..]
        .iter()
        .map(|m| unsafe { m.u.mapping.mmu_flags })
        .collect();
    assert_eq!(flags, vec![RW, ZX_VM_PERM_READ, RW]);
    assert_consistent(&root);
    sub.protect(rights, RW, sub.base(), 5 * PAGE).unwrap();
    assert_eq!(sub.maps().unwrap().len(), 2);
    assert_consistent(&root);
}

#[test]
fn vma_budget_refuses_maps_but_not_unmap_or_protect() {
    let base = crate::host::mman::reserve(1 << 30).unwrap();
    let flags = VmarFlags::CAN_MAP_SPECIFIC.union(VmarFlags::CAN_MAP_RWX);
    let root = Vmar::root_of(AddressSpace::with_limits(
        base,
        1 << 30,
        flags,
        true,
        64,
        96,
    ));
    let v = vmo(4);
    let mut addrs = Vec::new();
    loop {
        match root.map(ALL, RW, 0, &v, VMO_RIGHTS, 0, 4 * PAGE) {
            Ok(a) => addrs.push(a),
            Err(s) => {
                assert_eq!(s, Status::NO_MEMORY);
                break;
            }
        }
        assert!(addrs.len() < 64, "budget never enforced");
    }
    assert!(addrs.len() >= 20);
    let (vmas, _, limit) = root.debug_vma_account();
    assert!(vmas <= limit);
    // Splitting protects and unmaps still work at the map limit.
    for &a in addrs.iter().take(8) {
        root.protect(ALL, ZX_VM_PERM_READ, a + PAGE, PAGE).unwrap();
        root.unmap(ALL, a + 2 * PAGE, PAGE).unwrap();
    }
    assert_consistent(&root);
}

#[test]
fn map_range_populates_without_committing() {
    let root = aspace(1 << 30);
    let v = vmo(8);
    let a = root.map(ALL, RW, 0, &v, VMO_RIGHTS, 0, 8 * PAGE).unwrap();
    // SAFETY: mapped read/write; touching page 2 commits it in the memfd.
    unsafe { ((a + 2 * PAGE) as *mut u8).write_volatile(1) };
    let b = root
        .map(
            ALL,
            ZX_VM_PERM_READ | ZX_VM_MAP_RANGE,
            0,
            &v,
            VMO_RIGHTS,
            0,
            8 * PAGE,
        )
        .unwrap();
    let maps = root.maps().unwrap();
    let entry = maps.iter().find(|m| m.base == b).unwrap();
    // SAFETY: type MAPPING entry.
    assert_eq!(unsafe { entry.u.mapping.committed_bytes }, PAGE);
    root.op_range(ALL, ZX_VMAR_OP_MAP_RANGE, b, 8 * PAGE, true, 0)
        .unwrap();
    let maps = root.maps().unwrap();
    let entry = maps.iter().find(|m| m.base == b).unwrap();
    // SAFETY: the entry's type is MAPPING, so `u.mapping` is the initialised member.
    let committed = unsafe { entry.u.mapping.committed_bytes };
    assert_eq!(committed, PAGE, "MAP_RANGE never commits");
}

#[test]
fn parse_size_suffixes() {
    assert_eq!(parse_size("64T"), Some(64 << 40));
    assert_eq!(parse_size("1G"), Some(1 << 30));
    assert_eq!(parse_size("512m"), Some(512 << 20));
    assert_eq!(parse_size("4096"), Some(4096));
    assert_eq!(parse_size("x"), None);
    assert_eq!(parse_size("99999999999T"), None);
}

#[test]
fn compact_vmar_places_first_fit() {
    let root = aspace(1 << 30);
    let (c, rights) = root
        .allocate(
            ZX_VM_COMPACT | ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE,
            0,
            64 * PAGE,
        )
        .unwrap();
    let v = vmo(1);
    let a = c.map(rights, RW, 0, &v, VMO_RIGHTS, 0, PAGE).unwrap();
    let b = c
        .map(rights, ZX_VM_PERM_READ, 0, &v, VMO_RIGHTS, 0, PAGE)
        .unwrap();
    assert_eq!(a, c.base());
    assert_eq!(b, c.base() + PAGE);
}

/// The model's layout of the whole address space and its VMA account.
fn tree_state(vmar: &Vmar) -> (Vec<LayoutEntry>, usize) {
    (vmar.debug_layout(), vmar.debug_vma_account().0)
}

#[test]
fn map_range_failing_populate_and_rollback_leaves_the_tree_unchanged() {
    use crate::host::mman::inject::{arm, Plan};
    let root = aspace(1 << 30);
    let v = vmo(4);
    let a = root.map(ALL, RW, 0, &v, VMO_RIGHTS, 0, 4 * PAGE).unwrap();
    // SAFETY: mapped read/write; page 0 becomes present, so MAP_RANGE populates it.
    unsafe { (a as *mut u8).write_volatile(1) };
    let before = tree_state(&root);
    // Call 1 maps, call 2 populates (fails), call 3 takes the mapping back (fails too).
    let armed = arm(Plan::nth(2, libc::ENOMEM).and(3));
    let r = root.map(
        ALL,
        ZX_VM_PERM_READ | ZX_VM_MAP_RANGE,
        0,
        &v,
        VMO_RIGHTS,
        0,
        4 * PAGE,
    );
    assert_eq!(armed.finish().failed, 2);
    assert_eq!(r, Err(Status::NO_MEMORY));
    assert_eq!(tree_state(&root), before);
    assert_consistent(&root);
}

#[test]
fn undo_map_whose_release_fails_still_removes_the_mapping() {
    use crate::host::mman::inject::{arm, Plan};
    let root = aspace(1 << 30);
    let v = vmo(2);
    let before = tree_state(&root);
    let a = root.map(ALL, RW, 0, &v, VMO_RIGHTS, 0, 2 * PAGE).unwrap();
    let armed = arm(Plan::nth(1, libc::ENOMEM));
    root.undo_map(a, 2 * PAGE);
    assert_eq!(armed.finish().failed, 1);
    assert_eq!(tree_state(&root), before);
    assert_consistent(&root);
}
