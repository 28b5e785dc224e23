//! Every function the zx-shim library exports, declared once.
//!
//! [`zx_call_table!`] hands the list to a callback macro; this crate uses it to declare the
//! `extern "C"` functions and to build [`CALLS`], from which `build.rs` derives the C
//! prototype checks and the stub library used by the `LD_PRELOAD` test. zx-shim uses it to
//! check that each of its exported definitions has exactly the declared signature.
use crate::types::*;
use core::ffi::{c_char, c_void};

/// One exported function as the C headers must declare it. Types are the Rust spellings
/// (`*mut zx_handle_t`, `usize`); `build.rs` translates them to C.
#[derive(Clone, Copy, Debug)]
pub struct AbiCall {
    pub name: &'static str,
    pub ret: &'static str,
    pub params: &'static [(&'static str, &'static str)],
}

/// Invokes `$callback! { fn name(arg: Type, ...) -> Ret; ... }` with every exported call.
#[macro_export]
macro_rules! zx_call_table {
    ($callback:ident) => {
        $callback! {
            // <zircon/process.h>, <zircon/status.h>, clock and system.
            fn zx_process_self() -> zx_handle_t;
            fn zx_vmar_root_self() -> zx_handle_t;
            fn zx_job_default() -> zx_handle_t;
            fn zx_status_get_string(status: zx_status_t) -> *const c_char;
            fn zx_clock_get_monotonic() -> zx_instant_mono_t;
            fn zx_deadline_after(nanoseconds: zx_duration_t) -> zx_instant_mono_t;
            fn zx_system_get_page_size() -> u32;
            fn zx_system_get_features(kind: u32, features: *mut u32) -> zx_status_t;

            // Handles.
            fn zx_handle_close(handle: zx_handle_t) -> zx_status_t;
            fn zx_handle_close_many(handles: *const zx_handle_t, num_handles: usize) -> zx_status_t;
            fn zx_handle_duplicate(handle: zx_handle_t, rights: zx_rights_t, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_handle_replace(handle: zx_handle_t, rights: zx_rights_t, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_handle_check_valid(handle: zx_handle_t) -> zx_status_t;

            // Objects.
            fn zx_object_get_info(handle: zx_handle_t, topic: u32, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize) -> zx_status_t;
            fn zx_object_get_property(handle: zx_handle_t, property: u32, value: *mut c_void, value_size: usize) -> zx_status_t;
            fn zx_object_set_property(handle: zx_handle_t, property: u32, value: *const c_void, value_size: usize) -> zx_status_t;
            fn zx_object_wait_one(handle: zx_handle_t, signals: zx_signals_t, deadline: zx_instant_mono_t, observed: *mut zx_signals_t) -> zx_status_t;
            fn zx_object_wait_async(handle: zx_handle_t, port: zx_handle_t, key: u64, signals: zx_signals_t, options: u32) -> zx_status_t;

            // Processes.
            fn zx_process_create(job: zx_handle_t, name: *const c_char, name_size: usize, options: u32, proc_handle: *mut zx_handle_t, vmar_handle: *mut zx_handle_t) -> zx_status_t;
            fn zx_process_read_memory(handle: zx_handle_t, vaddr: zx_vaddr_t, buffer: *mut c_void, buffer_size: usize, actual: *mut usize) -> zx_status_t;
            fn zx_process_write_memory(handle: zx_handle_t, vaddr: zx_vaddr_t, buffer: *const c_void, buffer_size: usize, actual: *mut usize) -> zx_status_t;

            // VMARs.
            fn zx_vmar_allocate(parent_vmar: zx_handle_t, options: zx_vm_option_t, offset: usize, size: usize, child_vmar: *mut zx_handle_t, child_addr: *mut zx_vaddr_t) -> zx_status_t;
            fn zx_vmar_destroy(handle: zx_handle_t) -> zx_status_t;
            fn zx_vmar_map(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, vmo: zx_handle_t, vmo_offset: u64, len: usize, mapped_addr: *mut zx_vaddr_t) -> zx_status_t;
            fn zx_vmar_map_iob(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, ep: zx_handle_t, region_index: u32, region_offset: u64, region_length: usize, mapped_addr: *mut zx_vaddr_t) -> zx_status_t;
            fn zx_vmar_map_clock(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, clock: zx_handle_t, len: usize, mapped_addr: *mut zx_vaddr_t) -> zx_status_t;
            fn zx_vmar_unmap(handle: zx_handle_t, addr: zx_vaddr_t, len: usize) -> zx_status_t;
            fn zx_vmar_protect(handle: zx_handle_t, options: zx_vm_option_t, addr: zx_vaddr_t, len: usize) -> zx_status_t;
            fn zx_vmar_op_range(handle: zx_handle_t, op: u32, address: zx_vaddr_t, size: usize, buffer: *mut c_void, buffer_size: usize) -> zx_status_t;
            fn zx_vmar_unmap_handle_close_thread_exit(vmar_handle: zx_handle_t, addr: zx_vaddr_t, size: usize, close_handle: zx_handle_t) -> zx_status_t;

            // VMOs.
            fn zx_vmo_create(size: u64, options: u32, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_vmo_read(handle: zx_handle_t, buffer: *mut c_void, offset: u64, buffer_size: usize) -> zx_status_t;
            fn zx_vmo_write(handle: zx_handle_t, buffer: *const c_void, offset: u64, buffer_size: usize) -> zx_status_t;
            fn zx_vmo_get_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t;
            fn zx_vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t;
            fn zx_vmo_get_stream_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t;
            fn zx_vmo_set_stream_size(handle: zx_handle_t, size: u64) -> zx_status_t;
            fn zx_vmo_op_range(handle: zx_handle_t, op: u32, offset: u64, size: u64, buffer: *mut c_void, buffer_size: usize) -> zx_status_t;
            fn zx_vmo_create_child(handle: zx_handle_t, options: u32, offset: u64, size: u64, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_vmo_set_cache_policy(handle: zx_handle_t, cache_policy: u32) -> zx_status_t;
            fn zx_vmo_replace_as_executable(handle: zx_handle_t, vmex: zx_handle_t, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_vmo_create_contiguous(bti: zx_handle_t, size: usize, alignment_log2: u32, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_vmo_create_physical(resource: zx_handle_t, paddr: zx_paddr_t, size: usize, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_vmo_transfer_data(dst_vmo: zx_handle_t, options: u32, offset: u64, length: u64, src_vmo: zx_handle_t, src_offset: u64) -> zx_status_t;

            // Pagers.
            fn zx_pager_create(options: u32, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_pager_create_vmo(pager: zx_handle_t, options: u32, port: zx_handle_t, key: u64, size: u64, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_pager_detach_vmo(pager: zx_handle_t, vmo: zx_handle_t) -> zx_status_t;
            fn zx_pager_supply_pages(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, aux_vmo: zx_handle_t, aux_offset: u64) -> zx_status_t;
            fn zx_pager_op_range(pager: zx_handle_t, op: u32, pager_vmo: zx_handle_t, offset: u64, length: u64, data: u64) -> zx_status_t;
            fn zx_pager_query_vmo_stats(pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32, buffer: *mut c_void, buffer_size: usize) -> zx_status_t;
            fn zx_pager_query_dirty_ranges(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize) -> zx_status_t;

            // Ports.
            fn zx_port_create(options: u32, out: *mut zx_handle_t) -> zx_status_t;
            fn zx_port_queue(handle: zx_handle_t, packet: *const zx_port_packet_t) -> zx_status_t;
            fn zx_port_wait(handle: zx_handle_t, deadline: zx_instant_mono_t, packet: *mut zx_port_packet_t) -> zx_status_t;
            fn zx_port_cancel(handle: zx_handle_t, source: zx_handle_t, key: u64) -> zx_status_t;
            fn zx_port_cancel_key(handle: zx_handle_t, options: u32, key: u64) -> zx_status_t;

            // IOBuffers.
            fn zx_iob_create(options: u64, regions: *const c_void, num_regions: usize, ep0_out: *mut zx_handle_t, ep1_out: *mut zx_handle_t) -> zx_status_t;
            fn zx_iob_writev(handle: zx_handle_t, options: zx_iob_write_options_t, region_index: u32, vectors: *const zx_iovec_t, num_vectors: usize) -> zx_status_t;
            fn zx_iob_allocate_id(handle: zx_handle_t, options: zx_iob_allocate_id_options_t, region_index: u32, blob: *const c_void, blob_size: u64, id: *mut u32) -> zx_status_t;
        }
    };
}

macro_rules! declare_calls {
    ($( fn $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ; )*) => {
        extern "C" {
            $( pub fn $name( $( $arg: $ty ),* ) -> $ret; )*
        }
        /// Every exported call with its Rust-spelled signature.
        pub const CALLS: &[AbiCall] = &[
            $( AbiCall {
                name: stringify!($name),
                ret: stringify!($ret),
                params: &[ $( (stringify!($arg), stringify!($ty)) ),* ],
            } ),*
        ];
    };
}

zx_call_table!(declare_calls);

// Keep the imports used by the macro expansion visible to the compiler.
const _: Option<(*const c_char, *const c_void)> = None;
