//! The Rust side of the ABI check: sizes and offsets as zircon-abi.md §1 gives them. The C
//! side is checked against the same tables by the workspace `build.rs`.
use crate::*;
use std::collections::HashSet;

fn layout(name: &str) -> &'static AbiStruct {
    STRUCTS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn offset(name: &str, field: &str) -> usize {
    let s = layout(name);
    s.fields
        .iter()
        .find(|f| f.0 == field)
        .unwrap_or_else(|| panic!("{name}.{field} missing"))
        .1
}

#[test]
fn struct_sizes_match_the_reference() {
    for (name, size) in [
        ("zx_iovec_t", 16),
        ("zx_info_handle_basic_t", 32),
        ("zx_info_handle_count_t", 4),
        ("zx_info_vmar_t", 16),
        ("zx_info_vmo_t", 176),
        ("zx_info_maps_mapping_t", 88),
        ("zx_info_maps_t", 152),
        ("zx_vmo_lock_state_t", 32),
        ("zx_pager_vmo_stats_t", 4),
        ("zx_vmo_dirty_range_t", 24),
        ("zx_packet_page_request_t", 32),
        ("zx_packet_signal_t", 32),
        ("zx_packet_user_t", 32),
        ("zx_port_packet_t", 48),
        ("zx_iob_discipline_t", 72),
        ("zx_iob_region_private_t", 32),
        ("zx_iob_region_t", 120),
        ("zx_info_iob_t", 16),
        ("zx_iob_region_info_t", 128),
    ] {
        assert_eq!(layout(name).size, size, "sizeof({name})");
    }
}

#[test]
fn field_offsets_match_the_reference() {
    for (name, field, off) in [
        ("zx_info_handle_basic_t", "rights", 8),
        ("zx_info_handle_basic_t", "type", 12),
        ("zx_info_handle_basic_t", "related_koid", 16),
        ("zx_info_vmo_t", "name", 8),
        ("zx_info_vmo_t", "size_bytes", 40),
        ("zx_info_vmo_t", "num_mappings", 64),
        ("zx_info_vmo_t", "flags", 80),
        ("zx_info_vmo_t", "committed_bytes", 88),
        ("zx_info_vmo_t", "handle_rights", 96),
        ("zx_info_vmo_t", "cache_policy", 100),
        ("zx_info_vmo_t", "populated_bytes", 120),
        ("zx_info_vmo_t", "populated_fractional_scaled_bytes", 168),
        ("zx_info_maps_t", "base", 32),
        ("zx_info_maps_t", "depth", 48),
        ("zx_info_maps_t", "type", 56),
        ("zx_info_maps_t", "u", 64),
        ("zx_info_maps_mapping_t", "vmo_koid", 8),
        ("zx_info_maps_mapping_t", "committed_bytes", 24),
        ("zx_port_packet_t", "type", 8),
        ("zx_port_packet_t", "status", 12),
        ("zx_port_packet_t", "user", 16),
        ("zx_port_packet_t", "page_request", 16),
        ("zx_packet_page_request_t", "offset", 8),
        ("zx_packet_page_request_t", "length", 16),
        ("zx_iob_region_t", "size", 8),
        ("zx_iob_region_t", "discipline", 16),
        ("zx_iob_region_t", "private_region", 88),
        ("zx_iob_region_info_t", "koid", 120),
        ("zx_info_iob_t", "region_count", 8),
    ] {
        assert_eq!(offset(name, field), off, "offsetof({name}, {field})");
    }
}

#[test]
fn versioned_vmo_info_sizes_are_prefixes() {
    assert_eq!(
        offset("zx_info_vmo_t", "metadata_bytes"),
        ZX_INFO_VMO_V1_SIZE
    );
    assert_eq!(
        offset("zx_info_vmo_t", "populated_bytes"),
        ZX_INFO_VMO_V2_SIZE
    );
    assert_eq!(
        offset("zx_info_vmo_t", "committed_private_bytes"),
        ZX_INFO_VMO_V3_SIZE
    );
}

#[test]
fn constant_and_call_names_are_unique() {
    let mut seen = HashSet::new();
    for c in CONSTANTS {
        assert!(seen.insert(c.name), "constant {} listed twice", c.name);
    }
    let mut calls = HashSet::new();
    for c in CALLS {
        assert!(calls.insert(c.name), "call {} listed twice", c.name);
    }
}

#[test]
fn derived_values_agree() {
    assert_eq!(
        ZX_DEFAULT_VMAR_RIGHTS,
        ZX_RIGHTS_BASIC & !ZX_RIGHT_WAIT | ZX_RIGHT_OP_CHILDREN
    );
    assert_eq!(
        ZX_DEFAULT_VMO_RIGHTS,
        ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL
    );
    assert_eq!(
        ZX_DEFAULT_PAGER_RIGHTS,
        ZX_RIGHT_INSPECT | ZX_RIGHT_TRANSFER | ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO
    );
    assert_eq!(ZX_VM_ALIGN_4GB, 32 << ZX_VM_ALIGN_BASE);
    assert_eq!(ZX_INFO_VMO, 23 | (3 << 28));
    assert_eq!(ZX_INFO_PROCESS_MAPS, 13 | (2 << 28));
}
