//! `zx_iob_create`, `zx_iob_writev`, `zx_iob_allocate_id` and `zx_vmar_map_iob`: decode
//! arguments, look the handles up, call the object layer (`object::iob`), and write
//! out-params last.
use super::entry::zx_call;
use super::user::{UserBuffer, UserOut};
use crate::handle::{lookup_iob, lookup_vmar, Object, Rights, HANDLES};
use crate::host::memfd::CallerBuf;
use crate::object::iob::{self, Iob, RegionSpec, ENDPOINT_RIGHTS, REGION_DESC_SIZE};
use crate::object::vmar::MapSource;
use crate::status::Status;
use std::ffi::c_void;
use zx_sys::*;

/// The status of a `ZX_IOB_REGION_TYPE_SHARED` region's handle: zx-shim creates no
/// shared-region objects, so the lookup fails (BAD_HANDLE, or WRONG_TYPE).
fn shared_region_lookup(handle: zx_handle_t) -> Status {
    match HANDLES.get(handle) {
        Ok(_) => Status::WRONG_TYPE,
        Err(status) => status,
    }
}

/// `zx_iob_create`: options, then the region count (zircon-abi.md §2.5), then `regions`
/// is read (NULL → INVALID_ARGS) and each region checked in order. Both endpoints get
/// `ZX_DEFAULT_IOB_RIGHTS`. A bad out-pointer is INVALID_ARGS with nothing left behind.
#[no_mangle]
pub extern "C" fn zx_iob_create(
    options: u64,
    regions: *const c_void,
    num_regions: usize,
    ep0_out: *mut zx_handle_t,
    ep1_out: *mut zx_handle_t,
) -> zx_status_t {
    zx_call!(zx_iob_create(options, regions, num_regions, ep0_out, ep1_out) {
        iob::check_create_args(options, num_regions)?;
        // At most 64 regions: the product cannot overflow.
        let bytes = UserBuffer::new(regions.cast(), num_regions * REGION_DESC_SIZE)?.to_vec();
        let specs: Vec<RegionSpec> = bytes
            .chunks_exact(REGION_DESC_SIZE)
            .map(|chunk| RegionSpec::from_bytes(chunk.try_into().expect("one region")))
            .collect();
        let (ep0, ep1) = Iob::create(&specs, shared_region_lookup)?;
        let (out0, out1) = (UserOut::new(ep0_out)?, UserOut::new(ep1_out)?);
        let h0 = HANDLES.add(Object::Iob(ep0), ENDPOINT_RIGHTS)?;
        let h1 = match HANDLES.add(Object::Iob(ep1), ENDPOINT_RIGHTS) {
            Ok(h) => h,
            Err(status) => {
                drop(HANDLES.remove(h0));
                return Err(status);
            }
        };
        out0.write(h0);
        out1.write(h1);
        Ok(())
    })
}

/// `zx_iob_writev`: the endpoint needs `WRITE`; a bad `region_index` is OUT_OF_RANGE, any
/// other region WRONG_TYPE. Writes apply only to the ring-buffer discipline, which needs a
/// shared region zx-shim cannot create, so `options` and `vectors` are never reached.
#[no_mangle]
pub extern "C" fn zx_iob_writev(
    handle: zx_handle_t,
    options: zx_iob_write_options_t,
    region_index: u32,
    vectors: *const zx_iovec_t,
    num_vectors: usize,
) -> zx_status_t {
    zx_call!(zx_iob_writev(handle, options, region_index, vectors, num_vectors) {
        let (endpoint, _) = lookup_iob(handle, Rights::WRITE)?;
        endpoint.check_writev(region_index)
    })
}

/// `zx_iob_allocate_id`: options ≠ 0 → INVALID_ARGS (first); the endpoint needs `WRITE`;
/// then OUT_OF_RANGE / WRONG_TYPE / ACCESS_DENIED for the region; a NULL `blob` with a
/// non-zero size or a bad `id` pointer → INVALID_ARGS, checked before anything is
/// allocated; then NO_MEMORY / IO_DATA_INTEGRITY from the allocator (`object::iob::ids`).
/// A blob the host cannot read is INVALID_ARGS, and no id is handed out.
#[no_mangle]
pub extern "C" fn zx_iob_allocate_id(
    handle: zx_handle_t,
    options: zx_iob_allocate_id_options_t,
    region_index: u32,
    blob: *const c_void,
    blob_size: u64,
    id: *mut u32,
) -> zx_status_t {
    zx_call!(zx_iob_allocate_id(handle, options, region_index, blob, blob_size, id) {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let (endpoint, _) = lookup_iob(handle, Rights::WRITE)?;
        let allocator = endpoint.id_allocator(region_index)?;
        let len = usize::try_from(blob_size).map_err(|_| Status::INVALID_ARGS)?;
        if blob.is_null() && len != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let out = UserOut::new(id)?;
        // SAFETY: the caller promises `blob` is readable for `blob_size` bytes; zx-shim
        // never dereferences it, the host kernel copies it and answers EFAULT if it is not.
        let buf = unsafe { CallerBuf::new(blob.cast(), len) };
        let new_id = allocator.allocate(&buf)?;
        out.write(new_id);
        Ok(())
    })
}

/// `zx_vmar_map_iob`: `zx_vmar_map` with the region standing in for the VMO. Neither
/// handle needs a right at lookup; a bad `region_index` is OUT_OF_RANGE after both
/// lookups; the region is mapped with the endpoint's effective rights (zircon-abi.md
/// §2.1). A bad `mapped_addr` unmaps the new mapping (INVALID_ARGS).
#[no_mangle]
pub extern "C" fn zx_vmar_map_iob(
    handle: zx_handle_t,
    options: zx_vm_option_t,
    vmar_offset: usize,
    ep: zx_handle_t,
    region_index: u32,
    region_offset: u64,
    region_length: usize,
    mapped_addr: *mut zx_vaddr_t,
) -> zx_status_t {
    zx_call!(zx_vmar_map_iob(handle, options, vmar_offset, ep, region_index, region_offset, region_length, mapped_addr) {
        let (vmar, vmar_rights) = lookup_vmar(handle, Rights::NONE)?;
        let (endpoint, ep_rights) = lookup_iob(ep, Rights::NONE)?;
        let (vmo, vmo_rights) = endpoint.region_for_map(region_index, ep_rights)?;
        drop(endpoint);
        let addr = vmar.map_from(
            MapSource::IobRegion,
            vmar_rights,
            options,
            vmar_offset,
            &vmo,
            vmo_rights,
            region_offset,
            region_length,
        )?;
        drop(vmo);
        super::vmar::hand_out_mapping(&vmar, addr, region_length, mapped_addr)
    })
}
