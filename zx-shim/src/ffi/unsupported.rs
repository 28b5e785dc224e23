//! Calls the headers declare that zx-shim does not implement yet. Each answers
//! `ZX_ERR_NOT_SUPPORTED` and is listed as missing in the README.
use super::entry::zx_call;
use crate::status::Status;
use std::ffi::{c_char, c_void};
use zx_sys::*;

macro_rules! not_supported {
    ($( fn $name:ident ( $( $arg:ident : $ty:ty ),* ); )*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: not implemented; `ZX_ERR_NOT_SUPPORTED`.")]
            #[no_mangle]
            pub extern "C" fn $name( $( $arg: $ty ),* ) -> zx_status_t {
                zx_call!($name( $($arg),* ) { Err(Status::NOT_SUPPORTED) })
            }
        )*
    };
}
// Kept for modules that still stub calls; unused while none does.
#[allow(unused_imports)]
pub(crate) use not_supported;

not_supported! {
    fn zx_object_wait_one(handle: zx_handle_t, signals: zx_signals_t, deadline: zx_instant_mono_t, observed: *mut zx_signals_t);
    fn zx_object_wait_async(handle: zx_handle_t, port: zx_handle_t, key: u64, signals: zx_signals_t, options: u32);
    fn zx_process_create(job: zx_handle_t, name: *const c_char, name_size: usize, options: u32, proc_handle: *mut zx_handle_t, vmar_handle: *mut zx_handle_t);
    fn zx_process_read_memory(handle: zx_handle_t, vaddr: zx_vaddr_t, buffer: *mut c_void, buffer_size: usize, actual: *mut usize);
    fn zx_process_write_memory(handle: zx_handle_t, vaddr: zx_vaddr_t, buffer: *const c_void, buffer_size: usize, actual: *mut usize);
    fn zx_vmar_map_clock(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, clock: zx_handle_t, len: usize, mapped_addr: *mut zx_vaddr_t);
    fn zx_vmar_unmap_handle_close_thread_exit(vmar_handle: zx_handle_t, addr: zx_vaddr_t, size: usize, close_handle: zx_handle_t);
    fn zx_vmo_create_child(handle: zx_handle_t, options: u32, offset: u64, size: u64, out: *mut zx_handle_t);
    fn zx_vmo_create_contiguous(bti: zx_handle_t, size: usize, alignment_log2: u32, out: *mut zx_handle_t);
    fn zx_vmo_create_physical(resource: zx_handle_t, paddr: zx_paddr_t, size: usize, out: *mut zx_handle_t);
    fn zx_vmo_transfer_data(dst_vmo: zx_handle_t, options: u32, offset: u64, length: u64, src_vmo: zx_handle_t, src_offset: u64);
    fn zx_pager_create(options: u32, out: *mut zx_handle_t);
    fn zx_pager_create_vmo(pager: zx_handle_t, options: u32, port: zx_handle_t, key: u64, size: u64, out: *mut zx_handle_t);
    fn zx_pager_detach_vmo(pager: zx_handle_t, vmo: zx_handle_t);
    fn zx_pager_supply_pages(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, aux_vmo: zx_handle_t, aux_offset: u64);
    fn zx_pager_op_range(pager: zx_handle_t, op: u32, pager_vmo: zx_handle_t, offset: u64, length: u64, data: u64);
    fn zx_pager_query_vmo_stats(pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32, buffer: *mut c_void, buffer_size: usize);
    fn zx_pager_query_dirty_ranges(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize);
    fn zx_iob_create(options: u64, regions: *const c_void, num_regions: usize, ep0_out: *mut zx_handle_t, ep1_out: *mut zx_handle_t);
    fn zx_iob_writev(handle: zx_handle_t, options: zx_iob_write_options_t, region_index: u32, vectors: *const zx_iovec_t, num_vectors: usize);
    fn zx_iob_allocate_id(handle: zx_handle_t, options: zx_iob_allocate_id_options_t, region_index: u32, blob: *const c_void, blob_size: u64, id: *mut u32);
    fn zx_vmar_map_iob(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, ep: zx_handle_t, region_index: u32, region_offset: u64, region_length: usize, mapped_addr: *mut zx_vaddr_t);
}
