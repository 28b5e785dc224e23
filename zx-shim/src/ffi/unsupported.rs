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
}
