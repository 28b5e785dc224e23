//! `zx_iob_*` and `zx_vmar_map_iob` (placeholder: being implemented).
#![allow(unused_imports)]
use super::entry::zx_call;
use super::unsupported::not_supported;
use crate::status::Status;
use std::ffi::c_void;
use zx_sys::*;

not_supported! {
    fn zx_iob_create(options: u64, regions: *const c_void, num_regions: usize, ep0_out: *mut zx_handle_t, ep1_out: *mut zx_handle_t);
    fn zx_iob_writev(handle: zx_handle_t, options: zx_iob_write_options_t, region_index: u32, vectors: *const zx_iovec_t, num_vectors: usize);
    fn zx_iob_allocate_id(handle: zx_handle_t, options: zx_iob_allocate_id_options_t, region_index: u32, blob: *const c_void, blob_size: u64, id: *mut u32);
    fn zx_vmar_map_iob(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, ep: zx_handle_t, region_index: u32, region_offset: u64, region_length: usize, mapped_addr: *mut zx_vaddr_t);
}
