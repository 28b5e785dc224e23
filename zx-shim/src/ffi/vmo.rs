//! `zx_vmo_*` (placeholder: being implemented).
use super::entry::zx_call;
use super::unsupported::not_supported;
use crate::status::Status;
use std::ffi::c_void;
use zx_sys::*;

not_supported! {
    fn zx_vmo_create(size: u64, options: u32, out: *mut zx_handle_t);
    fn zx_vmo_read(handle: zx_handle_t, buffer: *mut c_void, offset: u64, buffer_size: usize);
    fn zx_vmo_write(handle: zx_handle_t, buffer: *const c_void, offset: u64, buffer_size: usize);
    fn zx_vmo_get_size(handle: zx_handle_t, size: *mut u64);
    fn zx_vmo_set_size(handle: zx_handle_t, size: u64);
    fn zx_vmo_get_stream_size(handle: zx_handle_t, size: *mut u64);
    fn zx_vmo_set_stream_size(handle: zx_handle_t, size: u64);
    fn zx_vmo_op_range(handle: zx_handle_t, op: u32, offset: u64, size: u64, buffer: *mut c_void, buffer_size: usize);
    fn zx_vmo_set_cache_policy(handle: zx_handle_t, cache_policy: u32);
    fn zx_vmo_replace_as_executable(handle: zx_handle_t, vmex: zx_handle_t, out: *mut zx_handle_t);
}
