//! `zx_pager_*` (placeholder: being implemented).
#![allow(unused_imports)]
use super::entry::zx_call;
use super::unsupported::not_supported;
use crate::status::Status;
use std::ffi::c_void;
use zx_sys::*;

not_supported! {
    fn zx_pager_create(options: u32, out: *mut zx_handle_t);
    fn zx_pager_create_vmo(pager: zx_handle_t, options: u32, port: zx_handle_t, key: u64, size: u64, out: *mut zx_handle_t);
    fn zx_pager_detach_vmo(pager: zx_handle_t, vmo: zx_handle_t);
    fn zx_pager_supply_pages(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, aux_vmo: zx_handle_t, aux_offset: u64);
    fn zx_pager_op_range(pager: zx_handle_t, op: u32, pager_vmo: zx_handle_t, offset: u64, length: u64, data: u64);
    fn zx_pager_query_vmo_stats(pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32, buffer: *mut c_void, buffer_size: usize);
    fn zx_pager_query_dirty_ranges(pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, buffer: *mut c_void, buffer_size: usize, actual: *mut usize, avail: *mut usize);
}
