//! Every numeric constant of the ABI, declared once. The table macro also records each
//! constant by its C name in [`CONSTANTS`] for the header agreement checks.
use crate::types::*;

/// One ABI constant as the C headers must define it.
#[derive(Clone, Copy, Debug)]
pub struct AbiConst {
    pub name: &'static str,
    pub value: i128,
}

macro_rules! abi_constants {
    ($( $name:ident : $ty:ty = $val:expr; )*) => {
        $( pub const $name: $ty = $val; )*
        /// Every constant of this module, by C name, with its value widened to `i128`.
        pub const CONSTANTS: &[AbiConst] = &[
            $( AbiConst { name: stringify!($name), value: $name as i128 } ),*
        ];
    };
}

abi_constants! {
    // Handles, koids, names, pages.
    ZX_HANDLE_INVALID: zx_handle_t = 0;
    ZX_HANDLE_FIXED_BITS_MASK: zx_handle_t = 0x3;
    ZX_KOID_INVALID: zx_koid_t = 0;
    ZX_KOID_KERNEL: zx_koid_t = 1;
    ZX_KOID_FIRST: zx_koid_t = 1024;
    ZX_MAX_NAME_LEN: usize = 32;
    ZX_PAGE_SHIFT: u32 = 12;
    ZX_PAGE_SIZE: u32 = 4096;
    ZX_PAGE_MASK: u32 = 0xfff;
    ZX_MIN_PAGE_SHIFT: u32 = 12;
    ZX_MAX_PAGE_SHIFT: u32 = if cfg!(target_arch = "aarch64") { 16 } else { 21 };

    // Status codes (errors.h).
    ZX_OK: zx_status_t = 0;
    ZX_ERR_INTERNAL: zx_status_t = -1;
    ZX_ERR_NOT_SUPPORTED: zx_status_t = -2;
    ZX_ERR_NO_RESOURCES: zx_status_t = -3;
    ZX_ERR_NO_MEMORY: zx_status_t = -4;
    ZX_ERR_INTERNAL_INTR_RETRY: zx_status_t = -6;
    ZX_ERR_INVALID_ARGS: zx_status_t = -10;
    ZX_ERR_BAD_HANDLE: zx_status_t = -11;
    ZX_ERR_WRONG_TYPE: zx_status_t = -12;
    ZX_ERR_BAD_SYSCALL: zx_status_t = -13;
    ZX_ERR_OUT_OF_RANGE: zx_status_t = -14;
    ZX_ERR_BUFFER_TOO_SMALL: zx_status_t = -15;
    ZX_ERR_BAD_STATE: zx_status_t = -20;
    ZX_ERR_TIMED_OUT: zx_status_t = -21;
    ZX_ERR_SHOULD_WAIT: zx_status_t = -22;
    ZX_ERR_CANCELED: zx_status_t = -23;
    ZX_ERR_PEER_CLOSED: zx_status_t = -24;
    ZX_ERR_NOT_FOUND: zx_status_t = -25;
    ZX_ERR_ALREADY_EXISTS: zx_status_t = -26;
    ZX_ERR_ALREADY_BOUND: zx_status_t = -27;
    ZX_ERR_UNAVAILABLE: zx_status_t = -28;
    ZX_ERR_ACCESS_DENIED: zx_status_t = -30;
    ZX_ERR_IO: zx_status_t = -40;
    ZX_ERR_IO_REFUSED: zx_status_t = -41;
    ZX_ERR_IO_DATA_INTEGRITY: zx_status_t = -42;
    ZX_ERR_IO_DATA_LOSS: zx_status_t = -43;
    ZX_ERR_IO_NOT_PRESENT: zx_status_t = -44;
    ZX_ERR_IO_OVERRUN: zx_status_t = -45;
    ZX_ERR_IO_MISSED_DEADLINE: zx_status_t = -46;
    ZX_ERR_IO_INVALID: zx_status_t = -47;
    ZX_ERR_BAD_PATH: zx_status_t = -50;
    ZX_ERR_NOT_DIR: zx_status_t = -51;
    ZX_ERR_NOT_FILE: zx_status_t = -52;
    ZX_ERR_FILE_BIG: zx_status_t = -53;
    ZX_ERR_NO_SPACE: zx_status_t = -54;
    ZX_ERR_NOT_EMPTY: zx_status_t = -55;
    ZX_ERR_STOP: zx_status_t = -60;
    ZX_ERR_NEXT: zx_status_t = -61;
    ZX_ERR_ASYNC: zx_status_t = -62;
    ZX_ERR_PROTOCOL_NOT_SUPPORTED: zx_status_t = -70;
    ZX_ERR_ADDRESS_UNREACHABLE: zx_status_t = -71;
    ZX_ERR_ADDRESS_IN_USE: zx_status_t = -72;
    ZX_ERR_NOT_CONNECTED: zx_status_t = -73;
    ZX_ERR_CONNECTION_REFUSED: zx_status_t = -74;
    ZX_ERR_CONNECTION_RESET: zx_status_t = -75;
    ZX_ERR_CONNECTION_ABORTED: zx_status_t = -76;
    ZX_ERR_INTERNAL_INTR_KILLED: zx_status_t = -502;

    // Rights (rights.h).
    ZX_RIGHT_NONE: zx_rights_t = 0;
    ZX_RIGHT_DUPLICATE: zx_rights_t = 1 << 0;
    ZX_RIGHT_TRANSFER: zx_rights_t = 1 << 1;
    ZX_RIGHT_READ: zx_rights_t = 1 << 2;
    ZX_RIGHT_WRITE: zx_rights_t = 1 << 3;
    ZX_RIGHT_EXECUTE: zx_rights_t = 1 << 4;
    ZX_RIGHT_MAP: zx_rights_t = 1 << 5;
    ZX_RIGHT_GET_PROPERTY: zx_rights_t = 1 << 6;
    ZX_RIGHT_SET_PROPERTY: zx_rights_t = 1 << 7;
    ZX_RIGHT_ENUMERATE: zx_rights_t = 1 << 8;
    ZX_RIGHT_DESTROY: zx_rights_t = 1 << 9;
    ZX_RIGHT_SET_POLICY: zx_rights_t = 1 << 10;
    ZX_RIGHT_GET_POLICY: zx_rights_t = 1 << 11;
    ZX_RIGHT_SIGNAL: zx_rights_t = 1 << 12;
    ZX_RIGHT_SIGNAL_PEER: zx_rights_t = 1 << 13;
    ZX_RIGHT_WAIT: zx_rights_t = 1 << 14;
    ZX_RIGHT_INSPECT: zx_rights_t = 1 << 15;
    ZX_RIGHT_MANAGE_JOB: zx_rights_t = 1 << 16;
    ZX_RIGHT_MANAGE_PROCESS: zx_rights_t = 1 << 17;
    ZX_RIGHT_MANAGE_THREAD: zx_rights_t = 1 << 18;
    ZX_RIGHT_APPLY_PROFILE: zx_rights_t = 1 << 19;
    ZX_RIGHT_MANAGE_SOCKET: zx_rights_t = 1 << 20;
    ZX_RIGHT_OP_CHILDREN: zx_rights_t = 1 << 21;
    ZX_RIGHT_RESIZE: zx_rights_t = 1 << 22;
    ZX_RIGHT_ATTACH_VMO: zx_rights_t = 1 << 23;
    ZX_RIGHT_MANAGE_VMO: zx_rights_t = 1 << 24;
    ZX_RIGHT_SAME_RIGHTS: zx_rights_t = 1 << 31;
    ZX_RIGHTS_BASIC: zx_rights_t = 0xC003;
    ZX_RIGHTS_IO: zx_rights_t = 0xC;
    ZX_RIGHTS_PROPERTY: zx_rights_t = 0xC0;
    ZX_RIGHTS_POLICY: zx_rights_t = 0xC00;
    ZX_DEFAULT_VMO_RIGHTS: zx_rights_t = 0xD0EF;
    ZX_DEFAULT_VMAR_RIGHTS: zx_rights_t = 0x208003;
    ZX_DEFAULT_PAGER_RIGHTS: zx_rights_t = 0x1808002;
    ZX_DEFAULT_PORT_RIGHTS: zx_rights_t = 0x800F;
    ZX_DEFAULT_IOB_RIGHTS: zx_rights_t = 0xF0EF;
    ZX_DEFAULT_IOB_SHARED_REGION_RIGHTS: zx_rights_t = 0xD0C3;
    ZX_DEFAULT_PROCESS_RIGHTS: zx_rights_t = 0x6D3CF;
    ZX_DEFAULT_EVENT_RIGHTS: zx_rights_t = 0xD003;

    // Object types.
    ZX_OBJ_TYPE_NONE: zx_obj_type_t = 0;
    ZX_OBJ_TYPE_PROCESS: zx_obj_type_t = 1;
    ZX_OBJ_TYPE_THREAD: zx_obj_type_t = 2;
    ZX_OBJ_TYPE_VMO: zx_obj_type_t = 3;
    ZX_OBJ_TYPE_CHANNEL: zx_obj_type_t = 4;
    ZX_OBJ_TYPE_EVENT: zx_obj_type_t = 5;
    ZX_OBJ_TYPE_PORT: zx_obj_type_t = 6;
    ZX_OBJ_TYPE_INTERRUPT: zx_obj_type_t = 9;
    ZX_OBJ_TYPE_PCI_DEVICE: zx_obj_type_t = 11;
    ZX_OBJ_TYPE_DEBUGLOG: zx_obj_type_t = 12;
    ZX_OBJ_TYPE_LOG: zx_obj_type_t = 12;
    ZX_OBJ_TYPE_SOCKET: zx_obj_type_t = 14;
    ZX_OBJ_TYPE_RESOURCE: zx_obj_type_t = 15;
    ZX_OBJ_TYPE_EVENTPAIR: zx_obj_type_t = 16;
    ZX_OBJ_TYPE_JOB: zx_obj_type_t = 17;
    ZX_OBJ_TYPE_VMAR: zx_obj_type_t = 18;
    ZX_OBJ_TYPE_FIFO: zx_obj_type_t = 19;
    ZX_OBJ_TYPE_GUEST: zx_obj_type_t = 20;
    ZX_OBJ_TYPE_VCPU: zx_obj_type_t = 21;
    ZX_OBJ_TYPE_TIMER: zx_obj_type_t = 22;
    ZX_OBJ_TYPE_IOMMU: zx_obj_type_t = 23;
    ZX_OBJ_TYPE_BTI: zx_obj_type_t = 24;
    ZX_OBJ_TYPE_PROFILE: zx_obj_type_t = 25;
    ZX_OBJ_TYPE_PMT: zx_obj_type_t = 26;
    ZX_OBJ_TYPE_SUSPEND_TOKEN: zx_obj_type_t = 27;
    ZX_OBJ_TYPE_PAGER: zx_obj_type_t = 28;
    ZX_OBJ_TYPE_EXCEPTION: zx_obj_type_t = 29;
    ZX_OBJ_TYPE_CLOCK: zx_obj_type_t = 30;
    ZX_OBJ_TYPE_STREAM: zx_obj_type_t = 31;
    ZX_OBJ_TYPE_MSI: zx_obj_type_t = 32;
    ZX_OBJ_TYPE_IOB: zx_obj_type_t = 33;
    ZX_OBJ_TYPE_COUNTER: zx_obj_type_t = 34;
    ZX_OBJ_TYPE_IOB_SHARED_REGION: zx_obj_type_t = 35;
    ZX_OBJ_TYPE_SAMPLER: zx_obj_type_t = 36;
    ZX_OBJ_TYPE_UPPER_BOUND: zx_obj_type_t = 64;

    // zx_vm_option_t.
    ZX_VM_PERM_READ: zx_vm_option_t = 1 << 0;
    ZX_VM_PERM_WRITE: zx_vm_option_t = 1 << 1;
    ZX_VM_PERM_EXECUTE: zx_vm_option_t = 1 << 2;
    ZX_VM_COMPACT: zx_vm_option_t = 1 << 3;
    ZX_VM_SPECIFIC: zx_vm_option_t = 1 << 4;
    ZX_VM_SPECIFIC_OVERWRITE: zx_vm_option_t = 1 << 5;
    ZX_VM_CAN_MAP_SPECIFIC: zx_vm_option_t = 1 << 6;
    ZX_VM_CAN_MAP_READ: zx_vm_option_t = 1 << 7;
    ZX_VM_CAN_MAP_WRITE: zx_vm_option_t = 1 << 8;
    ZX_VM_CAN_MAP_EXECUTE: zx_vm_option_t = 1 << 9;
    ZX_VM_MAP_RANGE: zx_vm_option_t = 1 << 10;
    ZX_VM_REQUIRE_NON_RESIZABLE: zx_vm_option_t = 1 << 11;
    ZX_VM_ALLOW_FAULTS: zx_vm_option_t = 1 << 12;
    ZX_VM_OFFSET_IS_UPPER_LIMIT: zx_vm_option_t = 1 << 13;
    ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED: zx_vm_option_t = 1 << 14;
    ZX_VM_FAULT_BEYOND_STREAM_SIZE: zx_vm_option_t = 1 << 15;
    ZX_VM_ALIGN_BASE: zx_vm_option_t = 24;
    ZX_VM_ALIGN_1KB: zx_vm_option_t = 10 << 24;
    ZX_VM_ALIGN_2KB: zx_vm_option_t = 11 << 24;
    ZX_VM_ALIGN_4KB: zx_vm_option_t = 12 << 24;
    ZX_VM_ALIGN_8KB: zx_vm_option_t = 13 << 24;
    ZX_VM_ALIGN_16KB: zx_vm_option_t = 14 << 24;
    ZX_VM_ALIGN_32KB: zx_vm_option_t = 15 << 24;
    ZX_VM_ALIGN_64KB: zx_vm_option_t = 16 << 24;
    ZX_VM_ALIGN_128KB: zx_vm_option_t = 17 << 24;
    ZX_VM_ALIGN_256KB: zx_vm_option_t = 18 << 24;
    ZX_VM_ALIGN_512KB: zx_vm_option_t = 19 << 24;
    ZX_VM_ALIGN_1MB: zx_vm_option_t = 20 << 24;
    ZX_VM_ALIGN_2MB: zx_vm_option_t = 21 << 24;
    ZX_VM_ALIGN_4MB: zx_vm_option_t = 22 << 24;
    ZX_VM_ALIGN_8MB: zx_vm_option_t = 23 << 24;
    ZX_VM_ALIGN_16MB: zx_vm_option_t = 24 << 24;
    ZX_VM_ALIGN_32MB: zx_vm_option_t = 25 << 24;
    ZX_VM_ALIGN_64MB: zx_vm_option_t = 26 << 24;
    ZX_VM_ALIGN_128MB: zx_vm_option_t = 27 << 24;
    ZX_VM_ALIGN_256MB: zx_vm_option_t = 28 << 24;
    ZX_VM_ALIGN_512MB: zx_vm_option_t = 29 << 24;
    ZX_VM_ALIGN_1GB: zx_vm_option_t = 30 << 24;
    ZX_VM_ALIGN_2GB: zx_vm_option_t = 31 << 24;
    ZX_VM_ALIGN_4GB: zx_vm_option_t = 32 << 24;
    ZX_VM_FLAG_PERM_READ: zx_vm_option_t = 1 << 0;
    ZX_VM_FLAG_PERM_WRITE: zx_vm_option_t = 1 << 1;
    ZX_VM_FLAG_PERM_EXECUTE: zx_vm_option_t = 1 << 2;
    ZX_VM_FLAG_COMPACT: zx_vm_option_t = 1 << 3;
    ZX_VM_FLAG_SPECIFIC: zx_vm_option_t = 1 << 4;
    ZX_VM_FLAG_SPECIFIC_OVERWRITE: zx_vm_option_t = 1 << 5;
    ZX_VM_FLAG_CAN_MAP_SPECIFIC: zx_vm_option_t = 1 << 6;
    ZX_VM_FLAG_CAN_MAP_READ: zx_vm_option_t = 1 << 7;
    ZX_VM_FLAG_CAN_MAP_WRITE: zx_vm_option_t = 1 << 8;
    ZX_VM_FLAG_CAN_MAP_EXECUTE: zx_vm_option_t = 1 << 9;
    ZX_VM_FLAG_MAP_RANGE: zx_vm_option_t = 1 << 10;
    ZX_VM_FLAG_REQUIRE_NON_RESIZABLE: zx_vm_option_t = 1 << 11;

    // VMO creation and child options.
    ZX_VMO_RESIZABLE: u32 = 1 << 1;
    ZX_VMO_DISCARDABLE: u32 = 1 << 2;
    ZX_VMO_TRAP_DIRTY: u32 = 1 << 3;
    ZX_VMO_UNBOUNDED: u32 = 1 << 4;
    ZX_VMO_CHILD_SNAPSHOT: u32 = 1 << 0;
    ZX_VMO_CHILD_RESIZABLE: u32 = 1 << 2;
    ZX_VMO_CHILD_SLICE: u32 = 1 << 3;
    ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE: u32 = 1 << 4;
    ZX_VMO_CHILD_NO_WRITE: u32 = 1 << 5;
    ZX_VMO_CHILD_REFERENCE: u32 = 1 << 6;
    ZX_VMO_CHILD_SNAPSHOT_MODIFIED: u32 = 1 << 7;

    // zx_vmo_op_range / zx_vmar_op_range operations.
    ZX_VMO_OP_COMMIT: u32 = 1;
    ZX_VMO_OP_DECOMMIT: u32 = 2;
    ZX_VMO_OP_LOCK: u32 = 3;
    ZX_VMO_OP_UNLOCK: u32 = 4;
    ZX_VMO_OP_CACHE_SYNC: u32 = 6;
    ZX_VMO_OP_CACHE_INVALIDATE: u32 = 7;
    ZX_VMO_OP_CACHE_CLEAN: u32 = 8;
    ZX_VMO_OP_CACHE_CLEAN_INVALIDATE: u32 = 9;
    ZX_VMO_OP_ZERO: u32 = 10;
    ZX_VMO_OP_TRY_LOCK: u32 = 11;
    ZX_VMO_OP_DONT_NEED: u32 = 12;
    ZX_VMO_OP_ALWAYS_NEED: u32 = 13;
    ZX_VMO_OP_PREFETCH: u32 = 14;
    ZX_VMAR_OP_COMMIT: u32 = 1;
    ZX_VMAR_OP_DECOMMIT: u32 = 2;
    ZX_VMAR_OP_MAP_RANGE: u32 = 3;
    ZX_VMAR_OP_ZERO: u32 = 10;
    ZX_VMAR_OP_DONT_NEED: u32 = 12;
    ZX_VMAR_OP_ALWAYS_NEED: u32 = 13;
    ZX_VMAR_OP_PREFETCH: u32 = 14;

    // Cache policy.
    ZX_CACHE_POLICY_CACHED: u32 = 0;
    ZX_CACHE_POLICY_UNCACHED: u32 = 1;
    ZX_CACHE_POLICY_UNCACHED_DEVICE: u32 = 2;
    ZX_CACHE_POLICY_WRITE_COMBINING: u32 = 3;
    ZX_CACHE_POLICY_MASK: u32 = 3;

    // Pager.
    ZX_PAGER_OP_FAIL: u32 = 1;
    ZX_PAGER_OP_DIRTY: u32 = 2;
    ZX_PAGER_OP_WRITEBACK_BEGIN: u32 = 3;
    ZX_PAGER_OP_WRITEBACK_END: u32 = 4;
    ZX_PAGER_VMO_STATS_MODIFIED: u32 = 1;
    ZX_PAGER_RESET_VMO_STATS: u32 = 1;
    ZX_VMO_DIRTY_RANGE_IS_ZERO: u64 = 1;
    ZX_PAGER_VMO_READ: u16 = 0;
    ZX_PAGER_VMO_COMPLETE: u16 = 1;
    ZX_PAGER_VMO_DIRTY: u16 = 2;

    // Signals.
    ZX_SIGNAL_NONE: zx_signals_t = 0;
    ZX_VMO_ZERO_CHILDREN: zx_signals_t = 1 << 3;
    ZX_IOB_PEER_CLOSED: zx_signals_t = 1 << 2;
    ZX_SIGNAL_HANDLE_CLOSED: zx_signals_t = 1 << 23;
    ZX_USER_SIGNAL_0: zx_signals_t = 1 << 24;
    ZX_USER_SIGNAL_1: zx_signals_t = 1 << 25;
    ZX_USER_SIGNAL_2: zx_signals_t = 1 << 26;
    ZX_USER_SIGNAL_3: zx_signals_t = 1 << 27;
    ZX_USER_SIGNAL_4: zx_signals_t = 1 << 28;
    ZX_USER_SIGNAL_5: zx_signals_t = 1 << 29;
    ZX_USER_SIGNAL_6: zx_signals_t = 1 << 30;
    ZX_USER_SIGNAL_7: zx_signals_t = 1 << 31;

    // zx_object_get_info topics.
    ZX_INFO_NONE: zx_object_info_topic_t = 0;
    ZX_INFO_HANDLE_VALID: zx_object_info_topic_t = 1;
    ZX_INFO_HANDLE_BASIC: zx_object_info_topic_t = 2;
    ZX_INFO_VMAR: zx_object_info_topic_t = 7;
    ZX_INFO_PROCESS_MAPS_V1: zx_object_info_topic_t = 13;
    ZX_INFO_PROCESS_MAPS_V2: zx_object_info_topic_t = 0x1000_000D;
    ZX_INFO_PROCESS_MAPS: zx_object_info_topic_t = 0x2000_000D;
    ZX_INFO_PROCESS_VMOS: zx_object_info_topic_t = 0x3000_000E;
    ZX_INFO_HANDLE_COUNT: zx_object_info_topic_t = 19;
    ZX_INFO_VMO_V1: zx_object_info_topic_t = 23;
    ZX_INFO_VMO_V2: zx_object_info_topic_t = 0x1000_0017;
    ZX_INFO_VMO_V3: zx_object_info_topic_t = 0x2000_0017;
    ZX_INFO_VMO: zx_object_info_topic_t = 0x3000_0017;
    ZX_INFO_IOB: zx_object_info_topic_t = 34;
    ZX_INFO_IOB_REGIONS: zx_object_info_topic_t = 35;
    ZX_INFO_VMAR_MAPS: zx_object_info_topic_t = 36;

    // zx_info_vmo_t.flags and zx_info_maps_t.type.
    ZX_INFO_VMO_TYPE_PHYSICAL: u32 = 0;
    ZX_INFO_VMO_TYPE_PAGED: u32 = 1 << 0;
    ZX_INFO_VMO_RESIZABLE: u32 = 1 << 1;
    ZX_INFO_VMO_IS_COW_CLONE: u32 = 1 << 2;
    ZX_INFO_VMO_VIA_HANDLE: u32 = 1 << 3;
    ZX_INFO_VMO_VIA_MAPPING: u32 = 1 << 4;
    ZX_INFO_VMO_PAGER_BACKED: u32 = 1 << 5;
    ZX_INFO_VMO_CONTIGUOUS: u32 = 1 << 6;
    ZX_INFO_VMO_DISCARDABLE: u32 = 1 << 7;
    ZX_INFO_VMO_IMMUTABLE: u32 = 1 << 8;
    ZX_INFO_VMO_VIA_IOB_HANDLE: u32 = 1 << 9;
    ZX_INFO_MAPS_TYPE_NONE: u32 = 0;
    ZX_INFO_MAPS_TYPE_ASPACE: u32 = 1;
    ZX_INFO_MAPS_TYPE_VMAR: u32 = 2;
    ZX_INFO_MAPS_TYPE_MAPPING: u32 = 3;

    // Properties.
    ZX_PROP_NAME: u32 = 3;
    ZX_PROP_VMO_CONTENT_SIZE: u32 = 17;

    // Ports.
    ZX_PKT_TYPE_USER: zx_packet_type_t = 0x00;
    ZX_PKT_TYPE_SIGNAL_ONE: zx_packet_type_t = 0x01;
    ZX_PKT_TYPE_GUEST_BELL: zx_packet_type_t = 0x03;
    ZX_PKT_TYPE_GUEST_MEM: zx_packet_type_t = 0x04;
    ZX_PKT_TYPE_GUEST_IO: zx_packet_type_t = 0x05;
    ZX_PKT_TYPE_GUEST_VCPU: zx_packet_type_t = 0x06;
    ZX_PKT_TYPE_INTERRUPT: zx_packet_type_t = 0x07;
    ZX_PKT_TYPE_PAGE_REQUEST: zx_packet_type_t = 0x09;
    ZX_PORT_BIND_TO_INTERRUPT: u32 = 1;
    ZX_WAIT_ASYNC_ONCE: u32 = 0;
    ZX_WAIT_ASYNC_TIMESTAMP: u32 = 1;
    ZX_WAIT_ASYNC_EDGE: u32 = 2;
    ZX_WAIT_ASYNC_BOOT_TIMESTAMP: u32 = 4;

    // IOBuffers.
    ZX_IOB_MAX_REGIONS: u32 = 64;
    ZX_IOB_DISCIPLINE_TYPE_NONE: zx_iob_discipline_type_t = 0;
    ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR: zx_iob_discipline_type_t = 1;
    ZX_IOB_DISCIPLINE_TYPE_MEDIATED_WRITE_RING_BUFFER: zx_iob_discipline_type_t = 2;
    ZX_IOB_REGION_TYPE_PRIVATE: zx_iob_region_type_t = 0;
    ZX_IOB_REGION_TYPE_SHARED: zx_iob_region_type_t = 1;
    ZX_IOB_ACCESS_EP0_CAN_MAP_READ: zx_iob_access_t = 0x01;
    ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE: zx_iob_access_t = 0x02;
    ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ: zx_iob_access_t = 0x04;
    ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE: zx_iob_access_t = 0x08;
    ZX_IOB_ACCESS_EP1_CAN_MAP_READ: zx_iob_access_t = 0x10;
    ZX_IOB_ACCESS_EP1_CAN_MAP_WRITE: zx_iob_access_t = 0x20;
    ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ: zx_iob_access_t = 0x40;
    ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE: zx_iob_access_t = 0x80;

    // Features.
    ZX_FEATURE_KIND_CPU: u32 = 0;
    ZX_FEATURE_KIND_HW_BREAKPOINT_COUNT: u32 = 1;
    ZX_FEATURE_KIND_HW_WATCHPOINT_COUNT: u32 = 2;
    ZX_FEATURE_KIND_ADDRESS_TAGGING: u32 = 3;
    ZX_FEATURE_KIND_VM: u32 = 4;
    ZX_VM_FEATURE_CAN_MAP_XOM: u32 = 1 << 0;

    // Time.
    ZX_TIME_INFINITE: zx_time_t = i64::MAX;
    ZX_TIME_INFINITE_PAST: zx_time_t = i64::MIN;
}

/// `ZX_NSEC(n)`: a duration of `n` nanoseconds.
pub const fn zx_nsec(n: i64) -> zx_duration_t {
    n
}
/// `ZX_USEC(n)`.
pub const fn zx_usec(n: i64) -> zx_duration_t {
    n.saturating_mul(1_000)
}
/// `ZX_MSEC(n)`.
pub const fn zx_msec(n: i64) -> zx_duration_t {
    n.saturating_mul(1_000_000)
}
/// `ZX_SEC(n)`.
pub const fn zx_sec(n: i64) -> zx_duration_t {
    n.saturating_mul(1_000_000_000)
}
