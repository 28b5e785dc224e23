//! The diagnostic side of `Vmar`: `ZX_INFO_VMAR_MAPS` and the model dumps used by the
//! consistency checks. Read-only: nothing here changes the tree or the host.
use super::Vmar;
use crate::handle::Koid;
use crate::host::mman;
use crate::object::aspace::{AspaceState, Child, LayoutEntry, NodeKey};
use crate::object::vm_option::Perms;
use crate::object::vmo::Vmo;
use crate::status::{Status, ZxResult};
use zx_sys::*;

impl Vmar {
    /// `ZX_INFO_VMAR_MAPS`: this VMAR (depth 0), then depth-first pre-order its sub-VMARs
    /// and one entry per protection run of each mapping, addresses ascending
    /// (zircon-abi.md §2.7). Mapping entries report the pages present in the VMO over the
    /// run as committed and populated bytes (found with `SEEK_DATA`, without touching
    /// them); the private and scaled variants equal them (VMOs here are never shared
    /// copy-on-write). BAD_STATE once destroyed.
    pub fn maps(&self) -> ZxResult<Vec<zx_info_maps_t>> {
        let state = self.aspace.lock();
        let node = state.node(self.key).ok_or(Status::BAD_STATE)?;
        let name: &[u8] = if node.parent.is_none() {
            b"root"
        } else {
            b"useralloc"
        };
        let mut out = vec![maps_entry(
            name,
            node.base,
            node.size,
            0,
            ZX_INFO_MAPS_TYPE_VMAR,
            None,
        )];
        emit_children(&state, self.key, 1, &mut out);
        Ok(out)
    }

    /// The model over this VMAR's range as `(start, end, perms)` runs, `perms == None` for
    /// bare reservation, adjacent equal entries coalesced. Diagnostic, for consistency
    /// checks against `/proc/self/maps`; also valid for a destroyed VMAR (its old range).
    pub fn debug_layout(&self) -> Vec<LayoutEntry> {
        self.aspace.lock().layout(self.base, self.end())
    }

    /// The model over `[lo, hi)` of this VMAR's address space. Diagnostic.
    pub fn debug_layout_range(&self, lo: usize, hi: usize) -> Vec<LayoutEntry> {
        self.aspace.lock().layout(lo, hi)
    }

    /// `(incremental VMA bound, recomputed VMA bound, map limit)` of the address space.
    /// Diagnostic: the first two must be equal.
    pub fn debug_vma_account(&self) -> (usize, usize, usize) {
        let state = self.aspace.lock();
        (
            state.vmas(),
            state.recount_vmas(),
            self.aspace.map_vma_limit(),
        )
    }
}

/// Appends the entries of the children of `key` (at `depth`) in pre-order.
fn emit_children(state: &AspaceState, key: NodeKey, depth: usize, out: &mut Vec<zx_info_maps_t>) {
    let Some(node) = state.node(key) else {
        return;
    };
    for (start, len, child) in node.children.iter() {
        match child {
            Child::Mapping(m) => {
                let name = m.vmo.name();
                let name_len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                m.runs
                    .for_each_in(start, start + len, start + len, |s, e, p| {
                        let offset = m.vmo_offset_at(start, s);
                        let committed = present_bytes(&m.vmo, offset, offset + (e - s) as u64);
                        out.push(maps_entry(
                            &name[..name_len],
                            s,
                            e - s,
                            depth,
                            ZX_INFO_MAPS_TYPE_MAPPING,
                            Some((p, m.vmo.koid(), offset, committed)),
                        ));
                    });
            }
            Child::Vmar(k) => {
                if let Some(sub) = state.node(*k) {
                    out.push(maps_entry(
                        b"useralloc",
                        sub.base,
                        sub.size,
                        depth,
                        ZX_INFO_MAPS_TYPE_VMAR,
                        None,
                    ));
                    emit_children(state, *k, depth + 1, out);
                }
            }
        }
    }
}

/// Bytes of `[offset, end)` present in the VMO's memfd (clipped to its size).
fn present_bytes(vmo: &Vmo, mut offset: u64, end: u64) -> u64 {
    use std::os::fd::AsFd;
    let end = end.min(vmo.size());
    let mut total = 0;
    while offset < end {
        match mman::next_data(vmo.fd().as_fd(), offset, end) {
            Ok(Some((s, e))) => {
                total += e - s;
                offset = e;
            }
            _ => break,
        }
    }
    total
}

fn maps_entry(
    name: &[u8],
    base: usize,
    size: usize,
    depth: usize,
    type_: u32,
    mapping: Option<(Perms, Koid, u64, u64)>,
) -> zx_info_maps_t {
    let mut n = [0u8; 32];
    let len = name.len().min(31);
    n[..len].copy_from_slice(&name[..len]);
    let mut u = zx_info_maps_mapping_t::default();
    if let Some((perms, koid, offset, committed)) = mapping {
        let committed = committed as usize;
        u = zx_info_maps_mapping_t {
            mmu_flags: perms.bits(),
            padding1: [0; 4],
            vmo_koid: koid,
            vmo_offset: offset,
            committed_bytes: committed,
            populated_bytes: committed,
            committed_private_bytes: committed,
            populated_private_bytes: committed,
            committed_scaled_bytes: committed,
            populated_scaled_bytes: committed,
            committed_fractional_scaled_bytes: 0,
            populated_fractional_scaled_bytes: 0,
        };
    }
    zx_info_maps_t {
        name: n,
        base,
        size,
        depth,
        type_,
        padding1: [0; 4],
        u: zx_info_maps_union_t { mapping: u },
    }
}
