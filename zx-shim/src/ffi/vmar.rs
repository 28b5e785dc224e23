//! `zx_vmar_*` (placeholder: being implemented).
use super::entry::zx_call;
use super::unsupported::not_supported;
use crate::status::Status;
use std::ffi::c_void;
use zx_sys::*;

not_supported! {
    fn zx_vmar_allocate(parent_vmar: zx_handle_t, options: zx_vm_option_t, offset: usize, size: usize, child_vmar: *mut zx_handle_t, child_addr: *mut zx_vaddr_t);
    fn zx_vmar_destroy(handle: zx_handle_t);
    fn zx_vmar_map(handle: zx_handle_t, options: zx_vm_option_t, vmar_offset: usize, vmo: zx_handle_t, vmo_offset: u64, len: usize, mapped_addr: *mut zx_vaddr_t);
    fn zx_vmar_unmap(handle: zx_handle_t, addr: zx_vaddr_t, len: usize);
    fn zx_vmar_protect(handle: zx_handle_t, options: zx_vm_option_t, addr: zx_vaddr_t, len: usize);
    fn zx_vmar_op_range(handle: zx_handle_t, op: u32, address: zx_vaddr_t, size: usize, buffer: *mut c_void, buffer_size: usize);
}
