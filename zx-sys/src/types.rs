//! Scalar types and `#[repr(C)]` structs with the C headers' layouts. Padding is always a
//! named field, so no struct has hidden padding and every byte is initialised.
use core::ffi::c_void;

pub type zx_handle_t = u32;
pub type zx_status_t = i32;
pub type zx_rights_t = u32;
pub type zx_signals_t = u32;
pub type zx_koid_t = u64;
pub type zx_vm_option_t = u32;
pub type zx_vaddr_t = usize;
pub type zx_paddr_t = usize;
pub type zx_gpaddr_t = usize;
pub type zx_off_t = u64;
pub type zx_obj_type_t = u32;
pub type zx_object_info_topic_t = u32;
pub type zx_packet_type_t = u32;
pub type zx_time_t = i64;
pub type zx_instant_mono_t = i64;
pub type zx_duration_t = i64;
pub type zx_iob_discipline_type_t = u64;
pub type zx_iob_region_type_t = u32;
pub type zx_iob_access_t = u32;
pub type zx_iob_write_options_t = u64;
pub type zx_iob_allocate_id_options_t = u32;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zx_iovec_t {
    pub buffer: *mut c_void,
    pub capacity: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_handle_basic_t {
    pub koid: zx_koid_t,
    pub rights: zx_rights_t,
    pub type_: zx_obj_type_t,
    pub related_koid: zx_koid_t,
    pub reserved: u32,
    pub padding1: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_handle_count_t {
    pub handle_count: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_vmar_t {
    pub base: usize,
    pub len: usize,
}

/// The current `zx_info_vmo_t` (topic `ZX_INFO_VMO`). Older topics are byte prefixes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_vmo_t {
    pub koid: zx_koid_t,
    pub name: [u8; 32],
    pub size_bytes: u64,
    pub parent_koid: zx_koid_t,
    pub num_children: usize,
    pub num_mappings: usize,
    pub share_count: usize,
    pub flags: u32,
    pub padding1: [u8; 4],
    pub committed_bytes: u64,
    pub handle_rights: zx_rights_t,
    pub cache_policy: u32,
    pub metadata_bytes: u64,
    pub committed_change_events: u64,
    pub populated_bytes: u64,
    pub committed_private_bytes: u64,
    pub populated_private_bytes: u64,
    pub committed_scaled_bytes: u64,
    pub populated_scaled_bytes: u64,
    pub committed_fractional_scaled_bytes: u64,
    pub populated_fractional_scaled_bytes: u64,
}

/// Byte length of `zx_info_vmo_t` for each versioned `ZX_INFO_VMO*` topic.
pub const ZX_INFO_VMO_V1_SIZE: usize = 104;
pub const ZX_INFO_VMO_V2_SIZE: usize = 120;
pub const ZX_INFO_VMO_V3_SIZE: usize = 128;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_maps_mapping_t {
    pub mmu_flags: zx_vm_option_t,
    pub padding1: [u8; 4],
    pub vmo_koid: zx_koid_t,
    pub vmo_offset: u64,
    pub committed_bytes: usize,
    pub populated_bytes: usize,
    pub committed_private_bytes: usize,
    pub populated_private_bytes: usize,
    pub committed_scaled_bytes: usize,
    pub populated_scaled_bytes: usize,
    pub committed_fractional_scaled_bytes: u64,
    pub populated_fractional_scaled_bytes: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union zx_info_maps_union_t {
    pub mapping: zx_info_maps_mapping_t,
}

/// The current `zx_info_maps_t` (topics `ZX_INFO_VMAR_MAPS`, `ZX_INFO_PROCESS_MAPS`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct zx_info_maps_t {
    pub name: [u8; 32],
    pub base: zx_vaddr_t,
    pub size: usize,
    pub depth: usize,
    pub type_: u32,
    pub padding1: [u8; 4],
    pub u: zx_info_maps_union_t,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_vmo_lock_state_t {
    pub offset: u64,
    pub size: u64,
    pub discarded_offset: u64,
    pub discarded_size: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_pager_vmo_stats_t {
    pub modified: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_vmo_dirty_range_t {
    pub offset: u64,
    pub length: u64,
    pub options: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_signal_t {
    pub trigger: zx_signals_t,
    pub observed: zx_signals_t,
    pub count: u64,
    pub timestamp: zx_time_t,
    pub reserved1: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_guest_bell_t {
    pub addr: zx_gpaddr_t,
    pub reserved0: u64,
    pub reserved1: u64,
    pub reserved2: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_interrupt_t {
    pub timestamp: zx_time_t,
    pub reserved0: u64,
    pub reserved1: u64,
    pub reserved2: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_packet_page_request_t {
    pub command: u16,
    pub flags: u16,
    pub reserved0: u32,
    pub offset: u64,
    pub length: u64,
    pub reserved1: u64,
}

/// `zx_packet_user_t`: 32 bytes of caller payload.
#[repr(C)]
#[derive(Clone, Copy)]
pub union zx_packet_user_t {
    pub u64: [u64; 4],
    pub u32: [u32; 8],
    pub u16: [u16; 16],
    pub c8: [u8; 32],
}

/// The anonymous union of `zx_port_packet_t` (C code names its members directly).
#[repr(C)]
#[derive(Clone, Copy)]
pub union zx_port_packet_payload_t {
    pub user: zx_packet_user_t,
    pub signal: zx_packet_signal_t,
    pub guest_bell: zx_packet_guest_bell_t,
    pub interrupt: zx_packet_interrupt_t,
    pub page_request: zx_packet_page_request_t,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct zx_port_packet_t {
    pub key: u64,
    pub type_: zx_packet_type_t,
    pub status: zx_status_t,
    pub payload: zx_port_packet_payload_t,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_iob_discipline_t {
    pub type_: zx_iob_discipline_type_t,
    pub reserved: [u64; 8],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_iob_region_private_t {
    pub options: u32,
    pub padding1: u32,
    pub padding2: [u64; 3],
}

/// The anonymous union at the end of `zx_iob_region_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union zx_iob_region_extension_t {
    pub private_region: zx_iob_region_private_t,
    pub max_extension: [u8; 32],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct zx_iob_region_t {
    pub type_: zx_iob_region_type_t,
    pub access: zx_iob_access_t,
    pub size: u64,
    pub discipline: zx_iob_discipline_t,
    pub extension: zx_iob_region_extension_t,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct zx_info_iob_t {
    pub options: u64,
    pub region_count: u32,
    pub padding1: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct zx_iob_region_info_t {
    pub region: zx_iob_region_t,
    pub koid: zx_koid_t,
}
