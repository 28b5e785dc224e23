//! `zx_vmar_*`: decode arguments, look the handles up with the rights each call requires,
//! call the object layer, and write out-params last (undoing the call if they are bad,
//! zircon-abi.md §3.1 step 29).
use super::entry::zx_call;
use super::user::UserOut;
use crate::handle::{lookup_vmar, lookup_vmo, Object, Rights, HANDLES};
use crate::object::vm_option::VmOptions;
use crate::object::vmar::Vmar;
use crate::status::{Status, ZxResult};
use std::ffi::c_void;
use zx_sys::*;

/// `zx_vmar_allocate`: the parent handle needs READ / WRITE / EXECUTE for each
/// CAN_MAP_READ / WRITE / EXECUTE requested. If either out-pointer is bad the new VMAR is
/// destroyed and its handle closed (`INVALID_ARGS`).
#[no_mangle]
pub extern "C" fn zx_vmar_allocate(
    parent_vmar: zx_handle_t,
    options: zx_vm_option_t,
    offset: usize,
    size: usize,
    child_vmar: *mut zx_handle_t,
    child_addr: *mut zx_vaddr_t,
) -> zx_status_t {
    zx_call!(zx_vmar_allocate(parent_vmar, options, offset, size, child_vmar, child_addr) {
        let required = VmOptions::flags_of(options).can_map().rights();
        let (parent, _) = lookup_vmar(parent_vmar, required)?;
        let (child, rights) = parent.allocate(options, offset, size)?;
        let undo = |status: Status| -> ZxResult {
            let _ = child.destroy();
            Err(status)
        };
        let handle = match HANDLES.add(Object::Vmar(child.clone()), rights) {
            Ok(handle) => handle,
            Err(status) => return undo(status),
        };
        match (UserOut::new(child_vmar), UserOut::new(child_addr)) {
            (Ok(out_handle), Ok(out_addr)) => {
                out_handle.write(handle);
                out_addr.write(child.base());
                Ok(())
            }
            _ => {
                drop(HANDLES.remove(handle));
                undo(Status::INVALID_ARGS)
            }
        }
    })
}

/// `zx_vmar_destroy`: needs `OP_CHILDREN` (`ACCESS_DENIED`, spec/README.md).
#[no_mangle]
pub extern "C" fn zx_vmar_destroy(handle: zx_handle_t) -> zx_status_t {
    zx_call!(zx_vmar_destroy(handle) {
        let (vmar, _) = lookup_vmar(handle, Rights::OP_CHILDREN)?;
        vmar.destroy()
    })
}

/// `zx_vmar_map`: neither handle needs a right at lookup (the VMO's MAP right and the
/// permission rights are checked by the object layer, in order). A bad `mapped_addr`
/// unmaps the new mapping (`INVALID_ARGS`).
#[no_mangle]
pub extern "C" fn zx_vmar_map(
    handle: zx_handle_t,
    options: zx_vm_option_t,
    vmar_offset: usize,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
    mapped_addr: *mut zx_vaddr_t,
) -> zx_status_t {
    zx_call!(zx_vmar_map(handle, options, vmar_offset, vmo, vmo_offset, len, mapped_addr) {
        let (vmar, vmar_rights) = lookup_vmar(handle, Rights::NONE)?;
        let (vmo, vmo_rights) = lookup_vmo(vmo, Rights::NONE)?;
        let addr = vmar.map(vmar_rights, options, vmar_offset, &vmo, vmo_rights, vmo_offset, len)?;
        drop(vmo);
        hand_out_mapping(&vmar, addr, len, mapped_addr)
    })
}

/// Step 29 of a map (zircon-abi.md §3.1): writes the new mapping's address to
/// `mapped_addr`, or, when that pointer is unusable, unmaps it again and fails: the caller
/// could never unmap a mapping it does not know of.
pub(super) fn hand_out_mapping(
    vmar: &Vmar,
    addr: usize,
    len: usize,
    mapped_addr: *mut zx_vaddr_t,
) -> ZxResult {
    match UserOut::new(mapped_addr) {
        Ok(out) => {
            out.write(addr);
            Ok(())
        }
        Err(status) => {
            vmar.undo_map(addr, len);
            Err(status)
        }
    }
}

/// `zx_vmar_unmap`: no right needed; reaching into sub-VMARs needs `OP_CHILDREN`.
#[no_mangle]
pub extern "C" fn zx_vmar_unmap(handle: zx_handle_t, addr: zx_vaddr_t, len: usize) -> zx_status_t {
    zx_call!(zx_vmar_unmap(handle, addr, len) {
        let (vmar, rights) = lookup_vmar(handle, Rights::NONE)?;
        vmar.unmap(rights, addr, len)
    })
}

/// `zx_vmar_protect`: the handle needs READ / WRITE / EXECUTE for each permission
/// requested (`PERM_READ_IF_XOM_UNSUPPORTED` counts as READ), checked before anything
/// else (zircon-abi.md §3.1).
#[no_mangle]
pub extern "C" fn zx_vmar_protect(
    handle: zx_handle_t,
    options: zx_vm_option_t,
    addr: zx_vaddr_t,
    len: usize,
) -> zx_status_t {
    zx_call!(zx_vmar_protect(handle, options, addr, len) {
        let required = VmOptions::perms_of(options).rights();
        let (vmar, rights) = lookup_vmar(handle, required)?;
        vmar.protect(rights, options, addr, len)
    })
}

/// `zx_vmar_op_range`: no right needed at lookup; each op's rights are checked after the
/// op code (zircon-abi.md §3.1). `buffer` must be null and `buffer_size` 0.
#[no_mangle]
pub extern "C" fn zx_vmar_op_range(
    handle: zx_handle_t,
    op: u32,
    address: zx_vaddr_t,
    size: usize,
    buffer: *mut c_void,
    buffer_size: usize,
) -> zx_status_t {
    zx_call!(zx_vmar_op_range(handle, op, address, size, buffer, buffer_size) {
        let (vmar, rights) = lookup_vmar(handle, Rights::NONE)?;
        vmar.op_range(rights, op, address, size, buffer.is_null(), buffer_size)
    })
}
