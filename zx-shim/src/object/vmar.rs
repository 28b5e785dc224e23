//! `Vmar`: a virtual memory address region, and the six VMAR calls as flat check lists.
//!
//! Each verb checks its arguments in the order of zircon-abi.md §3.1, each check tagged
//! with its step number there; where `spec/README.md` decides differently, the spec wins
//! and the comment says so. The tree itself, the host effects and the VMA account live
//! in [`super::aspace`]; this file holds only the Zircon rules.
//!
//! # The root VMAR
//! On first use ([`Vmar::root`]) the process reserves one host range with
//! `mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)`, halving the
//! size while the host refuses, down to 1 GiB. The root VMAR covers exactly that
//! reservation: its base is wherever the host put it (Zircon's root starts at 2 MiB and
//! spans the whole user address space, zircon-abi.md §3.10; ours cannot, since the host
//! program's own code, heap and stacks live in the same address space). It has
//! CAN_MAP_SPECIFIC and CAN_MAP_READ/WRITE/EXECUTE, is not COMPACT, is named "root", and
//! cannot be destroyed.
//!
//! # Configuration
//! - `ZX_SHIM_ROOT_VMAR_SIZE`: size of the root reservation in bytes, with an optional
//!   suffix `K`, `M`, `G` or `T` (powers of 1024), e.g. `64T` (the default) or `16G`.
//! - `ZX_SHIM_ASLR=off` (or `0`, `false`, `no`): place non-specific mappings and VMARs
//!   lowest-address first fit instead of randomly among the aligned candidate slots with 30
//!   bits of entropy, for reproducible runs. Children of COMPACT VMARs are always placed
//!   first fit (zircon-abi.md §3.3).
//!
//! Both are read once, when the root VMAR is created.
//!
//! # Locks
//! Every verb takes its address space's lock once (op_range twice: VMO operations run
//! with it released, zircon-abi.md §3.6) and drops the `Arc<Vmo>`s of removed mappings
//! after releasing it.
use super::aspace::{AddressSpace, AspaceState, Child, Graveyard, NodeKey};
use super::few::Few;
use super::mapping::{Mapping, Runs};
use super::region_map::{Gaps, Placement};
use super::vm_option::{is_page_aligned, Perms, VmOptions, VmarFlags, PAGE_SIZE};
use super::vmo::Vmo;
use crate::handle::{new_koid, Koid, Rights};
use crate::host::mman;
use crate::status::{Status, ZxResult};
use std::sync::{Arc, Mutex};
use zx_sys::*;

/// Rights of the root VMAR handle (zircon-abi.md §3.2): 0x20801F.
pub const ROOT_RIGHTS: Rights = Rights::from_raw(
    zx_sys::ZX_DEFAULT_VMAR_RIGHTS
        | zx_sys::ZX_RIGHT_READ
        | zx_sys::ZX_RIGHT_WRITE
        | zx_sys::ZX_RIGHT_EXECUTE,
);

/// Environment variable overriding the root reservation size.
pub const ROOT_SIZE_ENV: &str = "ZX_SHIM_ROOT_VMAR_SIZE";
/// Environment variable turning placement randomisation off (`off`).
pub const ASLR_ENV: &str = "ZX_SHIM_ASLR";
/// Default root reservation: 64 TiB (linux-host.md "What this means" 7).
pub const DEFAULT_ROOT_SIZE: usize = 64 << 40;
/// The smallest root reservation accepted when the host refuses larger ones.
pub const ROOT_SIZE_FLOOR: usize = 1 << 30;

/// A VMAR as handles see it: which node of which address space, and the facts that
/// outlive its destruction (`ZX_INFO_VMAR` still reports the old range).
pub struct Vmar {
    aspace: Arc<AddressSpace>,
    key: NodeKey,
    base: usize,
    size: usize,
    flags: VmarFlags,
    koid: Koid,
    is_root: bool,
}

static ROOT: Mutex<Option<Arc<Vmar>>> = Mutex::new(None);

/// Parses a size with an optional K/M/G/T suffix (powers of 1024).
pub fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, shift) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 10),
        b'm' | b'M' => (&text[..text.len() - 1], 20),
        b'g' | b'G' => (&text[..text.len() - 1], 30),
        b't' | b'T' => (&text[..text.len() - 1], 40),
        _ => (text, 0),
    };
    let value: usize = digits.trim().parse().ok()?;
    value.checked_mul(1usize.checked_shl(shift)?)
}

fn aslr_from_env() -> bool {
    !matches!(
        std::env::var(ASLR_ENV)
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("off" | "0" | "false" | "no")
    )
}

/// Which of the map/allocate outcomes step 25/26 produce.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Allocate,
    Map { overwrite: bool },
}

/// What a mapping maps: a VMO through a VMO handle (`zx_vmar_map`), or an IOBuffer
/// region through an endpoint (`zx_vmar_map_iob`). The region is an internal VMO too; it
/// differs only in having no user stream size (zircon-abi.md §3.1 steps 3 and 10).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MapSource {
    Vmo,
    IobRegion,
}

/// An operation of `zx_vmar_op_range` to apply to one VMO range with the lock released.
struct VmoOp {
    vmo: Arc<Vmo>,
    offset: u64,
    len: u64,
}

impl Vmar {
    /// The process's root VMAR, reserving it on first use (module docs).
    pub fn root() -> ZxResult<Arc<Vmar>> {
        let mut root = ROOT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = &*root {
            return Ok(r.clone());
        }
        let size = std::env::var(ROOT_SIZE_ENV)
            .ok()
            .and_then(|s| parse_size(&s))
            .unwrap_or(DEFAULT_ROOT_SIZE);
        let vmar = Vmar::new_address_space(size, aslr_from_env())?;
        *root = Some(vmar.clone());
        Ok(vmar)
    }

    /// A fresh address space of its own (a new host reservation of `size` bytes, halved
    /// down to 1 GiB if refused) and its root VMAR. The process root is one of these;
    /// tests and benchmarks may make more.
    pub fn new_address_space(size: usize, aslr: bool) -> ZxResult<Arc<Vmar>> {
        let flags = VmarFlags::CAN_MAP_SPECIFIC.union(VmarFlags::CAN_MAP_RWX);
        let aspace = AddressSpace::reserve(size, ROOT_SIZE_FLOOR.min(size), flags, aslr)?;
        Ok(Vmar::root_of(aspace))
    }

    /// The root VMAR of `aspace`.
    pub fn root_of(aspace: Arc<AddressSpace>) -> Arc<Vmar> {
        let (key, base, size, flags) = {
            let state = aspace.lock();
            let key = state.root();
            let node = state.node(key).expect("root node");
            (key, node.base, node.size, node.flags)
        };
        Arc::new(Vmar {
            aspace,
            key,
            base,
            size,
            flags,
            koid: new_koid(),
            is_root: true,
        })
    }

    pub fn koid(&self) -> Koid {
        self.koid
    }
    pub fn base(&self) -> usize {
        self.base
    }
    pub fn size(&self) -> usize {
        self.size
    }
    pub fn flags(&self) -> VmarFlags {
        self.flags
    }
    pub fn is_root(&self) -> bool {
        self.is_root
    }
    pub fn address_space(&self) -> &Arc<AddressSpace> {
        &self.aspace
    }

    /// True until the VMAR is destroyed.
    pub fn is_alive(&self) -> bool {
        self.aspace.lock().node(self.key).is_some()
    }

    fn end(&self) -> usize {
        self.base + self.size
    }

    /// True if `[addr, addr + len)` lies inside this VMAR (no overflow).
    fn contains_range(&self, addr: usize, len: usize) -> bool {
        addr >= self.base && addr.checked_add(len).is_some_and(|end| end <= self.end())
    }

    /// `ZX_INFO_VMAR`: the range, also after destruction (zircon-abi.md §1.8).
    pub fn info(&self) -> zx_info_vmar_t {
        zx_info_vmar_t {
            base: self.base,
            len: self.size,
        }
    }

    /// `zx_vmar_allocate` after the parent handle's lookup, which required READ / WRITE /
    /// EXECUTE for each CAN_MAP_* requested. Returns the child and its handle rights:
    /// `ZX_DEFAULT_VMAR_RIGHTS` plus READ/WRITE/EXECUTE matching its CAN_MAP flags, whatever
    /// the parent handle had (zircon-abi.md §3.2).
    ///
    /// # Errors
    /// In check order (zircon-abi.md §3.1 "zx_vmar_allocate"): INVALID_ARGS (option word,
    /// PERM_*, size alignment, map-only flags), BAD_STATE (parent destroyed), INVALID_ARGS
    /// (size 0), ACCESS_DENIED (CAN_MAP_* beyond the parent's), then steps 21–26, where no
    /// room is NO_MEMORY (spec/README.md), then NO_MEMORY for the VMA budget.
    pub fn allocate(
        &self,
        options: zx_vm_option_t,
        offset: usize,
        size: usize,
    ) -> ZxResult<(Arc<Vmar>, Rights)> {
        // A1: split the option word: stray bits, bad alignment.
        let opts = VmOptions::split(options)?;
        // A2: any PERM_* (PERM_READ_IF_XOM_UNSUPPORTED included) is a map/protect option.
        if !opts.perms.is_empty() {
            return Err(Status::INVALID_ARGS);
        }
        // A3: size must be page-aligned (no rounding).
        if !is_page_aligned(size) {
            return Err(Status::INVALID_ARGS);
        }
        // A4: map-only flags.
        let map_only = VmarFlags::SPECIFIC_OVERWRITE
            .union(VmarFlags::REQUIRE_NON_RESIZABLE)
            .union(VmarFlags::ALLOW_FAULTS)
            .union(VmarFlags::FAULT_BEYOND_STREAM_SIZE);
        if opts.flags.intersects(map_only) || opts.map_range {
            return Err(Status::INVALID_ARGS);
        }
        let mut state = self.aspace.lock();
        // A5: parent alive.
        let parent_flags = state.node(self.key).ok_or(Status::BAD_STATE)?.flags;
        // A6: size 0.
        if size == 0 {
            return Err(Status::INVALID_ARGS);
        }
        // A7: CAN_MAP_* beyond the parent VMAR's own flags.
        let can_map = opts.flags.can_map();
        if !parent_flags.can_map().contains(can_map) {
            return Err(Status::ACCESS_DENIED);
        }
        // Steps 21–26.
        let addr = self.choose_range(
            &mut state,
            opts.flags,
            opts.align(),
            offset,
            size,
            Purpose::Allocate,
        )?;
        // Out of memory resources: the VMA budget (module docs of `aspace`).
        if state.vmas() >= self.aspace.map_vma_limit() {
            return Err(Status::NO_MEMORY);
        }
        let child_flags = opts.flags.intersect(
            VmarFlags::COMPACT
                .union(VmarFlags::CAN_MAP_SPECIFIC)
                .union(VmarFlags::CAN_MAP_RWX),
        );
        let key = state.add_vmar(self.key, addr, size, child_flags);
        drop(state);
        let child = Arc::new(Vmar {
            aspace: self.aspace.clone(),
            key,
            base: addr,
            size,
            flags: child_flags,
            koid: new_koid(),
            is_root: false,
        });
        Ok((child, Rights::DEFAULT_VMAR | can_map.rights()))
    }

    /// Steps 21–26 of zircon-abi.md §3.1, shared by map and allocate: where the new child
    /// goes. The node must be alive.
    fn choose_range(
        &self,
        state: &mut AspaceState,
        flags: VmarFlags,
        align: usize,
        offset: usize,
        len: usize,
        purpose: Purpose,
    ) -> ZxResult<usize> {
        let node_flags = state.node(self.key).ok_or(Status::BAD_STATE)?.flags;
        let specific = flags.is_specific();
        let upper = flags.contains(VmarFlags::OFFSET_IS_UPPER_LIMIT);
        // Step 21.
        if specific && upper {
            return Err(Status::INVALID_ARGS);
        }
        if !specific && !upper && offset != 0 {
            return Err(Status::INVALID_ARGS);
        }
        if !is_page_aligned(offset) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 22 (spec/README.md agrees: ACCESS_DENIED).
        if (specific || upper) && !node_flags.contains(VmarFlags::CAN_MAP_SPECIFIC) {
            return Err(Status::ACCESS_DENIED);
        }
        // Step 23.
        let size = self.size;
        let unsatisfiable = if upper {
            offset > size || len > size || len > offset
        } else {
            offset >= size || len > size - offset
        };
        if unsatisfiable {
            return Err(Status::INVALID_ARGS);
        }
        if specific {
            let addr = self.base + offset;
            // Step 24.
            if addr & (align - 1) != 0 {
                return Err(Status::INVALID_ARGS);
            }
            // Step 25.
            let node = state.node(self.key).ok_or(Status::BAD_STATE)?;
            for (_, _, child) in node.children.intersecting(addr, len) {
                match (purpose, child) {
                    (Purpose::Map { overwrite: true }, Child::Vmar(_)) => {
                        return Err(Status::INVALID_ARGS)
                    }
                    (Purpose::Map { overwrite: true }, Child::Mapping(_)) => {}
                    _ => return Err(Status::ALREADY_EXISTS),
                }
            }
            return Ok(addr);
        }
        // Step 26: no room is NO_MEMORY for allocate, NO_RESOURCES for map (spec/README.md).
        let req = Placement {
            len,
            align,
            upper_limit: upper.then_some(self.base + offset),
            entropy_bits: self.aspace.entropy_bits(node_flags),
        };
        state.place(self.key, &req).ok_or(match purpose {
            Purpose::Allocate => Status::NO_MEMORY,
            Purpose::Map { .. } => Status::NO_RESOURCES,
        })
    }

    /// `zx_vmar_map` after both handle lookups (steps 1–2; the VMAR handle needs no
    /// right). Returns the mapping's address; the caller writes it (step 29) and calls
    /// [`Vmar::undo_map`] if it cannot.
    ///
    /// # Errors
    /// Steps 3–28 of zircon-abi.md §3.1 in order, with the spec's decisions:
    /// NOT_SUPPORTED for resizable, discardable or pager-backed VMOs without ALLOW_FAULTS,
    /// BUFFER_TOO_SMALL for a non-resizable VMO mapped past its end without ALLOW_FAULTS,
    /// INVALID_ARGS for an unaligned `len`, NO_RESOURCES when there is no room; NO_MEMORY
    /// for the VMA budget or a host failure.
    #[allow(clippy::too_many_arguments)]
    pub fn map(
        &self,
        vmar_rights: Rights,
        options: zx_vm_option_t,
        vmar_offset: usize,
        vmo: &Arc<Vmo>,
        vmo_rights: Rights,
        vmo_offset: u64,
        len: usize,
    ) -> ZxResult<usize> {
        self.map_from(
            MapSource::Vmo,
            vmar_rights,
            options,
            vmar_offset,
            vmo,
            vmo_rights,
            vmo_offset,
            len,
        )
    }

    /// [`Vmar::map`] of `source`: for an IOB region (`zx_vmar_map_iob`), `vmo` is the
    /// region's memory and `vmo_rights` the endpoint's effective rights on it
    /// (zircon-abi.md §2.1); step 3 is skipped and FAULT_BEYOND_STREAM_SIZE is INVALID_ARGS
    /// at step 10.
    #[allow(clippy::too_many_arguments)]
    pub fn map_from(
        &self,
        source: MapSource,
        vmar_rights: Rights,
        options: zx_vm_option_t,
        vmar_offset: usize,
        vmo: &Arc<Vmo>,
        vmo_rights: Rights,
        vmo_offset: u64,
        len: usize,
    ) -> ZxResult<usize> {
        let flags = VmOptions::flags_of(options);
        // Step 3: FAULT_BEYOND_STREAM_SIZE needs a stream-size fault boundary the host
        // mapping cannot enforce; zx-shim does not implement it.
        if source == MapSource::Vmo && flags.contains(VmarFlags::FAULT_BEYOND_STREAM_SIZE) {
            return Err(Status::NOT_SUPPORTED);
        }
        // Step 4: the VMO handle needs MAP, whatever the options.
        if !vmo_rights.contains(Rights::MAP) {
            return Err(Status::ACCESS_DENIED);
        }
        // Step 5: READ_IF_XOM_UNSUPPORTED → READ (the host has no execute-only pages).
        let perms = VmOptions::perms_of(options);
        // Step 6.
        if !perms.is_valid_protection() {
            return Err(Status::INVALID_ARGS);
        }
        // Step 7.
        if options & ZX_VM_MAP_RANGE != 0 && flags.contains(VmarFlags::SPECIFIC_OVERWRITE) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 8.
        if flags.intersects(VmarFlags::CAN_MAP_RWX) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 9: both handles must allow each requested permission, R then W then X.
        let ceiling = Perms::from_rights(vmo_rights).intersect(Perms::from_rights(vmar_rights));
        for p in [Perms::READ, Perms::WRITE, Perms::EXECUTE] {
            if perms.contains(p) && !ceiling.contains(p) {
                return Err(Status::ACCESS_DENIED);
            }
        }
        // Step 10: an IOB region has no user stream size (a VMO was refused at step 3).
        if flags.contains(VmarFlags::FAULT_BEYOND_STREAM_SIZE) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 11: the option word split.
        let opts = VmOptions::split(options)?;
        let allow_faults = flags.contains(VmarFlags::ALLOW_FAULTS);
        // Step 12.
        if flags.contains(VmarFlags::REQUIRE_NON_RESIZABLE) && vmo.is_resizable() {
            return Err(Status::NOT_SUPPORTED);
        }
        // Step 13 (spec/README.md: resizable and pager-backed too, not only discardable).
        if !allow_faults && (vmo.is_resizable() || vmo.is_discardable() || vmo.is_pager_backed()) {
            return Err(Status::NOT_SUPPORTED);
        }
        // Step 14: COMPACT and CAN_MAP_SPECIFIC are allocate-only.
        if flags.intersects(VmarFlags::COMPACT.union(VmarFlags::CAN_MAP_SPECIFIC)) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 15: the VMAR object's CAN_MAP flags.
        if !self.flags.can_map().contains(perms) {
            return Err(Status::ACCESS_DENIED);
        }
        // Step 16.
        if vmo_offset & (PAGE_SIZE as u64 - 1) != 0 {
            return Err(Status::INVALID_ARGS);
        }
        // Step 17: overflow of the rounded length or of the VMO range.
        let rounded = len
            .checked_next_multiple_of(PAGE_SIZE)
            .ok_or(Status::OUT_OF_RANGE)?;
        let vmo_end = vmo_offset
            .checked_add(rounded as u64)
            .ok_or(Status::OUT_OF_RANGE)?;
        // Step 17b (spec/README.md): past the end of a non-resizable VMO needs ALLOW_FAULTS.
        if !allow_faults && vmo_end > vmo.size() {
            return Err(Status::BUFFER_TOO_SMALL);
        }
        // Before the host mmap: the mapping must not see pages a supply moved out (their
        // bytes stay in the file until punched). Not under the address-space lock: the punch
        // waits for writes in flight to the VMO's file. Held until `installed()` below.
        let announced = vmo.announce_mapping()?;
        let mut graveyard = Graveyard::default();
        let mut state = self.aspace.lock();
        // Step 18.
        let node_flags = state.node(self.key).ok_or(Status::BAD_STATE)?.flags;
        // Step 19 (spec/README.md: an unaligned len is INVALID_ARGS, not rounded).
        if len == 0 || !is_page_aligned(len) {
            return Err(Status::INVALID_ARGS);
        }
        // Step 20: the mapping's ceiling must fit the VMAR's CAN_MAP flags.
        let ceiling = ceiling.intersect(Perms::RWX);
        if !node_flags.can_map().contains(ceiling) {
            return Err(Status::ACCESS_DENIED);
        }
        // Steps 21–26.
        let overwrite = flags.contains(VmarFlags::SPECIFIC_OVERWRITE);
        let addr = self.choose_range(
            &mut state,
            flags,
            opts.align(),
            vmar_offset,
            len,
            Purpose::Map { overwrite },
        )?;
        // Out of memory resources: the VMA budget (module docs of `aspace`).
        if state.vmas() + 2 > self.aspace.map_vma_limit() {
            return Err(Status::NO_MEMORY);
        }
        let mapping = Mapping {
            vmo: vmo.clone(),
            vmo_offset,
            ceiling,
            flags: flags.intersect(VmarFlags::ALLOW_FAULTS),
            runs: Runs::single(perms),
        };
        if AspaceState::host_map(addr, len, &mapping).is_err() {
            state.host_resync(addr, addr + len);
            return Err(Status::NO_MEMORY);
        }
        if overwrite {
            state.clear_model(self.key, addr, addr + len, &mut graveyard);
        }
        announced.installed();
        let gaps = state.insert_mapping(self.key, addr, len, mapping);
        // Step 28: populate only pages the VMO already has; errors destroy the mapping.
        if opts.map_range && state.populate_present(self.key, addr, addr + len).is_err() {
            let released = mman::release_to_reserve(addr, len);
            state.clear_model(self.key, addr, addr + len, &mut graveyard);
            if released.is_err() {
                state.host_resync(addr, addr + len);
            }
            drop(state);
            return Err(Status::NO_MEMORY);
        }
        // Step 30: merge with neighbours (zircon-abi.md §3.7). Done before the caller's
        // step 29; an undo then unmaps exactly the new range, which leaves the model as if
        // the merge had not happened.
        self.merge_neighbours(&mut state, addr, len, gaps, &mut graveyard);
        drop(state);
        drop(graveyard);
        Ok(addr)
    }

    /// Merges the mapping at `[addr, addr + len)` with its left and right neighbours in
    /// this VMAR when §3.7 allows. `gaps` is the free room beside it: a side with room
    /// has no neighbour to merge with.
    fn merge_neighbours(
        &self,
        state: &mut AspaceState,
        addr: usize,
        len: usize,
        gaps: Gaps,
        graveyard: &mut Graveyard,
    ) {
        let (mut start, mut len) = (addr, len);
        if gaps.before == 0 && start > self.base {
            let left = match state
                .node(self.key)
                .and_then(|n| n.children.find(start - 1))
            {
                Some((ls, ll, Child::Mapping(l))) if ls + ll == start => {
                    let new = state.mapping(self.key, start).expect("new mapping");
                    l.can_merge(ls, start, new).then_some((ls, ll))
                }
                _ => None,
            };
            if let Some((ls, ll)) = left {
                self.merge_pair(state, ls, ll, start, len, graveyard);
                start = ls;
                len += ll;
            }
        }
        let end = start + len;
        if gaps.after > 0 {
            return;
        }
        let right = match state.node(self.key).and_then(|n| n.children.get(end)) {
            Some((rl, Child::Mapping(r))) => {
                let cur = state.mapping(self.key, start).expect("new mapping");
                cur.can_merge(start, end, r).then_some(rl)
            }
            _ => None,
        };
        if let Some(rl) = right {
            self.merge_pair(state, start, len, end, rl, graveyard);
        }
    }

    fn merge_pair(
        &self,
        state: &mut AspaceState,
        ls: usize,
        ll: usize,
        rs: usize,
        rl: usize,
        graveyard: &mut Graveyard,
    ) {
        let (_, right) = state.remove_mapping(self.key, rs);
        let (_, mut left) = state.remove_mapping(self.key, ls);
        left.runs.concat(rs, &right.runs);
        right.vmo.remove_mapping();
        graveyard.bury(right.vmo);
        state.insert_mapping(self.key, ls, ll + rl, left);
    }

    /// Undoes a successful [`Vmar::map`] whose address could not be written (step 29).
    pub fn undo_map(&self, addr: usize, len: usize) {
        let mut graveyard = Graveyard::default();
        let mut state = self.aspace.lock();
        if state.node(self.key).is_none() {
            return;
        }
        // The mapping goes from the model even if the host refuses: the caller never
        // learnt its address, so keeping it would leak it. The resync then releases it.
        let released = mman::release_to_reserve(addr, len);
        state.clear_model(self.key, addr, addr + len, &mut graveyard);
        if released.is_err() {
            state.host_resync(addr, addr + len);
        }
        drop(state);
    }

    /// `zx_vmar_unmap` after the lookup (no right needed; OP_CHILDREN consulted).
    ///
    /// # Errors
    /// zircon-abi.md §3.1 "zx_vmar_unmap": INVALID_ARGS (addr or len unaligned, len 0: the
    /// spec forbids rounding), BAD_STATE, INVALID_ARGS (outside the VMAR), NOT_FOUND
    /// (nothing in the range, spec/README.md), INVALID_ARGS (partly covered sub-VMAR, or a
    /// sub-VMAR without OP_CHILDREN), NO_MEMORY (the host refused the split; nothing
    /// changed).
    pub fn unmap(&self, rights: Rights, addr: usize, len: usize) -> ZxResult {
        // U1.
        if !is_page_aligned(addr) {
            return Err(Status::INVALID_ARGS);
        }
        // U2 (spec/README.md: len must be page-aligned).
        if len == 0 || !is_page_aligned(len) {
            return Err(Status::INVALID_ARGS);
        }
        let mut graveyard = Graveyard::default();
        let mut state = self.aspace.lock();
        // U3.
        let node = state.node(self.key).ok_or(Status::BAD_STATE)?;
        // U4.
        if !self.contains_range(addr, len) {
            return Err(Status::INVALID_ARGS);
        }
        let end = addr + len;
        // Fast path: the range is exactly one direct mapping (nothing else can intersect).
        if let Some((l, Child::Mapping(_))) = node.children.get(addr) {
            if l == len {
                if mman::release_to_reserve(addr, len).is_err() {
                    state.host_resync(addr, end);
                    return Err(Status::NO_MEMORY);
                }
                let (_, mapping) = state.remove_mapping(self.key, addr);
                mapping.vmo.remove_mapping();
                drop(state);
                drop(mapping);
                return Ok(());
            }
        }
        // U5 (spec/README.md) and U6.
        let mut any = false;
        for (s, l, child) in node.children.intersecting(addr, len) {
            any = true;
            if let Child::Vmar(_) = child {
                if s < addr || s + l > end || !rights.contains(Rights::OP_CHILDREN) {
                    return Err(Status::INVALID_ARGS);
                }
            }
        }
        if !any {
            return Err(Status::NOT_FOUND);
        }
        // U7: host first, then the model.
        if let Some((lo, hi)) = state.mapped_extent(self.key, addr, end) {
            if mman::release_to_reserve(lo, hi - lo).is_err() {
                state.host_resync(lo, hi);
                return Err(Status::NO_MEMORY);
            }
        }
        state.clear_model(self.key, addr, end, &mut graveyard);
        drop(state);
        drop(graveyard);
        Ok(())
    }

    /// `zx_vmar_protect` after the lookup, which required READ / WRITE / EXECUTE for each
    /// permission requested (PERM_READ_IF_XOM_UNSUPPORTED counting as READ).
    ///
    /// # Errors
    /// zircon-abi.md §3.1 "zx_vmar_protect", then the dry run in address order: NOT_FOUND
    /// (hole), ACCESS_DENIED (beyond a mapping's ceiling), INVALID_ARGS (mapping in a
    /// sub-VMAR without OP_CHILDREN), ACCESS_DENIED (a sub-VMAR mapping's permissions
    /// would increase), NOT_FOUND (trailing hole); NO_MEMORY for the VMA budget or a host
    /// failure. Any failure leaves all permissions unchanged.
    pub fn protect(
        &self,
        rights: Rights,
        options: zx_vm_option_t,
        addr: usize,
        len: usize,
    ) -> ZxResult {
        // P1: READ_IF_XOM_UNSUPPORTED → READ (rights were checked by the lookup).
        let perms = VmOptions::perms_of(options);
        // P2.
        if !perms.is_valid_protection() {
            return Err(Status::INVALID_ARGS);
        }
        // P3.
        if !is_page_aligned(addr) {
            return Err(Status::INVALID_ARGS);
        }
        // P4: stray bits, any VMAR flag, MAP_RANGE, alignment.
        let opts = VmOptions::split(options)?;
        if !opts.flags.is_empty() || opts.map_range || opts.align_log2 != 0 {
            return Err(Status::INVALID_ARGS);
        }
        // P5 (spec/README.md: len must be page-aligned).
        if len == 0 || !is_page_aligned(len) {
            return Err(Status::INVALID_ARGS);
        }
        let mut state = self.aspace.lock();
        // P6.
        let node_flags = state.node(self.key).ok_or(Status::BAD_STATE)?.flags;
        // P7.
        if !self.contains_range(addr, len) {
            return Err(Status::INVALID_ARGS);
        }
        let end = addr + len;
        // P8: the VMAR itself must allow the new permissions.
        if !node_flags.can_map().contains(perms) {
            return Err(Status::ACCESS_DENIED);
        }
        // P9: dry run in address order; count the VMAs the change adds.
        let mut cursor = addr;
        let mut added = 0usize;
        let mut removed = 0usize;
        let mut targets = Few::default();
        state.walk_mappings(self.key, addr, end, &mut |m| {
            if m.start.max(addr) > cursor {
                return Err(Status::NOT_FOUND);
            }
            if !m.mapping.ceiling.contains(perms) {
                return Err(Status::ACCESS_DENIED);
            }
            if m.depth > 0 {
                if !rights.contains(Rights::OP_CHILDREN) {
                    return Err(Status::INVALID_ARGS);
                }
                if !m
                    .mapping
                    .runs
                    .all_in(addr, end, m.end(), |p| p.contains(perms))
                {
                    return Err(Status::ACCESS_DENIED);
                }
            }
            let runs = new_runs(&m.mapping.runs, m.start, m.end(), addr, end, perms);
            added += runs.count();
            removed += m.mapping.runs.count();
            targets.push((m.node, m.start, runs));
            cursor = m.end().min(end);
            Ok(())
        })?;
        if cursor < end {
            return Err(Status::NOT_FOUND);
        }
        // Out of memory resources: keep room for unmap splits.
        if added > removed && state.vmas() + added - removed > self.aspace.protect_vma_limit() {
            return Err(Status::NO_MEMORY);
        }
        // P10: one host call for the whole (hole-free) range; undo on failure.
        if mman::protect(addr, len, perms.prot()).is_err() {
            state.host_resync(addr, end);
            return Err(Status::NO_MEMORY);
        }
        for (key, start, runs) in targets {
            state.set_runs(key, start, runs);
        }
        Ok(())
    }

    /// `zx_vmar_op_range` after the lookup (no right needed at lookup).
    ///
    /// # Errors
    /// zircon-abi.md §3.1 "zx_vmar_op_range": INVALID_ARGS (unknown op), ACCESS_DENIED
    /// (COMMIT, DECOMMIT, ZERO need WRITE; MAP_RANGE, PREFETCH need READ), INVALID_ARGS
    /// (buffer, size 0, unaligned address), OUT_OF_RANGE (outside the VMAR), BAD_STATE
    /// (destroyed), then in address order BAD_STATE (hole), INVALID_ARGS (sub-VMAR rules),
    /// ACCESS_DENIED (mapping ceiling); VMO errors pass through.
    pub fn op_range(
        &self,
        rights: Rights,
        op: u32,
        addr: usize,
        len: usize,
        buffer_is_null: bool,
        buffer_size: usize,
    ) -> ZxResult {
        // O1.
        let needs = match op {
            ZX_VMAR_OP_COMMIT | ZX_VMAR_OP_DECOMMIT | ZX_VMAR_OP_ZERO => Rights::WRITE,
            ZX_VMAR_OP_MAP_RANGE | ZX_VMAR_OP_PREFETCH => Rights::READ,
            ZX_VMAR_OP_DONT_NEED | ZX_VMAR_OP_ALWAYS_NEED => Rights::NONE,
            _ => return Err(Status::INVALID_ARGS),
        };
        // O2.
        if !rights.contains(needs) {
            return Err(Status::ACCESS_DENIED);
        }
        // O3: buffer and buffer_size are unused and must be empty.
        if !buffer_is_null || buffer_size != 0 {
            return Err(Status::INVALID_ARGS);
        }
        // O4: size rounded up to a page; 0 or an unaligned address is INVALID_ARGS.
        let len = len
            .checked_next_multiple_of(PAGE_SIZE)
            .ok_or(Status::INVALID_ARGS)?;
        if len == 0 || !is_page_aligned(addr) {
            return Err(Status::INVALID_ARGS);
        }
        // O5.
        if !self.contains_range(addr, len) {
            return Err(Status::OUT_OF_RANGE);
        }
        let end = addr + len;
        let state = self.aspace.lock();
        // O6.
        if state.node(self.key).is_none() {
            return Err(Status::BAD_STATE);
        }
        // O7: walk the mappings in address order.
        let no_subregions = matches!(
            op,
            ZX_VMAR_OP_COMMIT | ZX_VMAR_OP_DECOMMIT | ZX_VMAR_OP_PREFETCH
        );
        let needs_write = matches!(
            op,
            ZX_VMAR_OP_COMMIT | ZX_VMAR_OP_DECOMMIT | ZX_VMAR_OP_ZERO
        );
        let vmo_level = needs_write;
        let mut cursor = addr;
        let mut ops: Vec<VmoOp> = Vec::new();
        state.walk_mappings(self.key, addr, end, &mut |m| {
            if m.start.max(addr) > cursor {
                return Err(Status::BAD_STATE);
            }
            if m.depth > 0 && (no_subregions || !rights.contains(Rights::OP_CHILDREN)) {
                return Err(Status::INVALID_ARGS);
            }
            if needs_write && !m.mapping.ceiling.contains(Perms::WRITE) {
                return Err(Status::ACCESS_DENIED);
            }
            if op == ZX_VMAR_OP_PREFETCH && !m.mapping.ceiling.contains(Perms::READ) {
                return Err(Status::ACCESS_DENIED);
            }
            let lo = m.start.max(addr);
            let hi = m.end().min(end);
            cursor = hi;
            if vmo_level {
                // Parts of a mapping beyond the end of its VMO (ALLOW_FAULTS) have nothing
                // to operate on.
                let vmo_size = m.mapping.vmo.size();
                let offset = m.mapping.vmo_offset_at(m.start, lo);
                let vmo_end = m.mapping.vmo_offset_at(m.start, hi).min(vmo_size);
                if offset < vmo_end {
                    ops.push(VmoOp {
                        vmo: m.mapping.vmo.clone(),
                        offset,
                        len: vmo_end - offset,
                    });
                }
            }
            Ok(())
        })?;
        if cursor < end {
            return Err(Status::BAD_STATE);
        }
        match op {
            ZX_VMAR_OP_MAP_RANGE | ZX_VMAR_OP_ALWAYS_NEED | ZX_VMAR_OP_PREFETCH => {
                // Page tables for committed pages only; a failure to populate is not an
                // error of the hint.
                let _ = state.populate_present(self.key, addr, end);
                return Ok(());
            }
            ZX_VMAR_OP_DONT_NEED => return Ok(()),
            _ => {}
        }
        drop(state);
        // O8: VMO operations with the lock released, in address order; the first error
        // stops the walk (earlier mappings stay changed, zircon-abi.md §3.6).
        for VmoOp { vmo, offset, len } in &ops {
            match op {
                ZX_VMAR_OP_COMMIT => vmo.commit_range(*offset, *len)?,
                ZX_VMAR_OP_DECOMMIT => vmo.decommit_range(*offset, *len)?,
                _ => vmo.zero_range(*offset, *len)?,
            }
        }
        drop(ops);
        if op == ZX_VMAR_OP_COMMIT {
            let state = self.aspace.lock();
            if state.node(self.key).is_some() {
                let _ = state.populate_present(self.key, addr, end);
            }
        }
        Ok(())
    }

    /// `zx_vmar_destroy` after the lookup, which required OP_CHILDREN (ACCESS_DENIED per
    /// spec/README.md). Unmaps everything inside, destroys every sub-VMAR, and frees the
    /// range in the parent; handles stay valid and answer BAD_STATE (zircon-abi.md §3.8).
    ///
    /// # Errors
    /// NOT_SUPPORTED (root), BAD_STATE (already destroyed), NO_MEMORY (host refused).
    pub fn destroy(&self) -> ZxResult {
        // D2.
        if self.is_root {
            return Err(Status::NOT_SUPPORTED);
        }
        let mut graveyard = Graveyard::default();
        let mut state = self.aspace.lock();
        // D3.
        if state.node(self.key).is_none() {
            return Err(Status::BAD_STATE);
        }
        if let Some((lo, hi)) = state.mapped_extent(self.key, self.base, self.end()) {
            if mman::release_to_reserve(lo, hi - lo).is_err() {
                state.host_resync(lo, hi);
                return Err(Status::NO_MEMORY);
            }
        }
        state.destroy_model(self.key, &mut graveyard);
        drop(state);
        drop(graveyard);
        Ok(())
    }
}

/// The runs of a mapping `[start, end)` after protecting `[lo, hi)` to `perms`.
fn new_runs(old: &Runs, start: usize, end: usize, lo: usize, hi: usize, perms: Perms) -> Runs {
    if lo <= start && hi >= end {
        return Runs::single(perms);
    }
    let mut runs = old.clone();
    runs.set(start, end, lo, hi, perms);
    runs
}

#[path = "vmar_info.rs"]
mod info;

#[cfg(test)]
#[path = "vmar_tests.rs"]
mod tests;
