//! `zx_object_get_info`, `zx_object_get_property`, `zx_object_set_property`.
use super::entry::zx_call;
use super::user::{UserBuffer, UserBufferMut, UserOut};
use crate::handle::{
    lookup_any, lookup_iob, lookup_vmar, lookup_vmo, HandleEntry, Object, Rights, HANDLES,
};
use crate::status::{Status, ZxResult};
use std::ffi::c_void;
use std::mem::size_of;
use zx_sys::*;

/// `zx_object_get_info`. Handle errors come first; single-record topics answer
/// `BUFFER_TOO_SMALL` after writing actual=0/avail=1; multi-record topics write as many
/// records as fit and report both counts (zircon-abi.md §1.8).
#[no_mangle]
pub extern "C" fn zx_object_get_info(
    handle: zx_handle_t,
    topic: u32,
    buffer: *mut c_void,
    buffer_size: usize,
    actual: *mut usize,
    avail: *mut usize,
) -> zx_status_t {
    zx_call!(zx_object_get_info(handle, topic, buffer, buffer_size, actual, avail) {
        if topic == ZX_INFO_HANDLE_VALID {
            return HANDLES.get(handle).map(drop);
        }
        let actual = UserOut::optional(actual)?;
        let avail = UserOut::optional(avail)?;
        let buffer = UserBufferMut::new(buffer.cast(), buffer_size)?;
        let report = |a: usize, b: usize| {
            if let Some(out) = &actual {
                out.write(a);
            }
            if let Some(out) = &avail {
                out.write(b);
            }
        };
        match topic {
            ZX_INFO_HANDLE_BASIC => {
                let HandleEntry { object, rights } = lookup_any(handle, Rights::NONE)?;
                let info = zx_info_handle_basic_t {
                    koid: object.koid(),
                    rights: rights.into_raw(),
                    type_: object.obj_type(),
                    related_koid: object.related_koid(),
                    reserved: 0,
                    padding1: [0; 4],
                };
                write_single(&buffer, &info, size_of::<zx_info_handle_basic_t>(), report)
            }
            ZX_INFO_VMAR => {
                let (vmar, _) = lookup_vmar(handle, Rights::INSPECT)?;
                let info = vmar.info();
                write_single(&buffer, &info, size_of::<zx_info_vmar_t>(), report)
            }
            ZX_INFO_VMAR_MAPS => {
                let (vmar, _) = lookup_vmar(handle, Rights::INSPECT)?;
                let entries = vmar.maps()?;
                write_many(&buffer, &entries, report)
            }
            ZX_INFO_IOB => {
                let (endpoint, _) = lookup_iob(handle, Rights::INSPECT)?;
                let info = endpoint.info();
                write_single(&buffer, &info, size_of::<zx_info_iob_t>(), report)
            }
            ZX_INFO_IOB_REGIONS => {
                let (endpoint, _) = lookup_iob(handle, Rights::INSPECT)?;
                write_many(&buffer, &endpoint.region_infos(), report)
            }
            ZX_INFO_VMO_V1 | ZX_INFO_VMO_V2 | ZX_INFO_VMO_V3 | ZX_INFO_VMO => {
                let (vmo, rights) = lookup_vmo(handle, Rights::NONE)?;
                let info = vmo.info(rights);
                let len = match topic {
                    ZX_INFO_VMO_V1 => ZX_INFO_VMO_V1_SIZE,
                    ZX_INFO_VMO_V2 => ZX_INFO_VMO_V2_SIZE,
                    ZX_INFO_VMO_V3 => ZX_INFO_VMO_V3_SIZE,
                    _ => size_of::<zx_info_vmo_t>(),
                };
                write_single(&buffer, &info, len, report)
            }
            _ => {
                // Unknown topics still validate the handle first.
                HANDLES.get(handle)?;
                Err(Status::NOT_SUPPORTED)
            }
        }
    })
}

/// Writes one record of `len` bytes (a prefix of `T` for older topic versions).
fn write_single<T: Copy>(
    buffer: &UserBufferMut,
    record: &T,
    len: usize,
    report: impl Fn(usize, usize),
) -> ZxResult {
    if buffer.len() < len {
        report(0, 1);
        return Err(Status::BUFFER_TOO_SMALL);
    }
    buffer.write_struct(0, record, len);
    report(1, 1);
    Ok(())
}

/// Writes as many records as fit; never `BUFFER_TOO_SMALL`.
fn write_many<T: Copy>(
    buffer: &UserBufferMut,
    records: &[T],
    report: impl Fn(usize, usize),
) -> ZxResult {
    let fit = (buffer.len() / size_of::<T>()).min(records.len());
    for (i, record) in records[..fit].iter().enumerate() {
        buffer.write_struct(i * size_of::<T>(), record, size_of::<T>());
    }
    report(fit, records.len());
    Ok(())
}

/// `zx_object_get_property`: NULL value → INVALID_ARGS (before the lookup); needs
/// `GET_PROPERTY`; `ZX_PROP_NAME` (≥ 32 bytes, copies 32) and `ZX_PROP_VMO_CONTENT_SIZE`
/// (≥ 8 bytes) on VMOs; a property of another object type → WRONG_TYPE; unknown →
/// NOT_SUPPORTED.
#[no_mangle]
pub extern "C" fn zx_object_get_property(
    handle: zx_handle_t,
    property: u32,
    value: *mut c_void,
    value_size: usize,
) -> zx_status_t {
    zx_call!(zx_object_get_property(handle, property, value, value_size) {
        if value.is_null() {
            return Err(Status::INVALID_ARGS);
        }
        let out = UserBufferMut::new(value.cast(), value_size)?;
        let HandleEntry { object, rights } = lookup_any(handle, Rights::GET_PROPERTY)?;
        match (property, &object) {
            (ZX_PROP_NAME, Object::Vmo(vmo)) => {
                if value_size < ZX_MAX_NAME_LEN {
                    return Err(Status::BUFFER_TOO_SMALL);
                }
                out.write_bytes(0, &vmo.name());
                Ok(())
            }
            (ZX_PROP_NAME, Object::Vmar(_)) => {
                if value_size < ZX_MAX_NAME_LEN {
                    return Err(Status::BUFFER_TOO_SMALL);
                }
                out.write_bytes(0, &[0u8; ZX_MAX_NAME_LEN]);
                Ok(())
            }
            // The size is checked before the type (zircon-abi.md §1.9).
            (ZX_PROP_VMO_CONTENT_SIZE, _) if value_size < size_of::<u64>() => {
                Err(Status::BUFFER_TOO_SMALL)
            }
            (ZX_PROP_VMO_CONTENT_SIZE, Object::Vmo(vmo)) => {
                out.write_bytes(0, &vmo.stream_size().to_ne_bytes());
                Ok(())
            }
            (ZX_PROP_VMO_CONTENT_SIZE, _) => Err(Status::WRONG_TYPE),
            _ => {
                let _ = rights;
                Err(Status::NOT_SUPPORTED)
            }
        }
    })
}

/// `zx_object_set_property`: NULL value → INVALID_ARGS; needs `SET_PROPERTY`; the name is
/// truncated to 31 bytes; the content size needs ≥ 8 bytes and goes through the VMO's
/// stream-size rules.
#[no_mangle]
pub extern "C" fn zx_object_set_property(
    handle: zx_handle_t,
    property: u32,
    value: *const c_void,
    value_size: usize,
) -> zx_status_t {
    zx_call!(zx_object_set_property(handle, property, value, value_size) {
        if value.is_null() {
            return Err(Status::INVALID_ARGS);
        }
        let HandleEntry { object, .. } = lookup_any(handle, Rights::SET_PROPERTY)?;
        match (property, &object) {
            (ZX_PROP_NAME, Object::Vmo(vmo)) => {
                // Only the first 31 bytes are read: the rest would be truncated anyway.
                let len = value_size.min(ZX_MAX_NAME_LEN - 1);
                vmo.set_name(&UserBuffer::new(value.cast(), len)?.to_vec());
                Ok(())
            }
            (ZX_PROP_NAME, Object::Vmar(_)) => Ok(()),
            // The size is checked before the type (zircon-abi.md §1.9).
            (ZX_PROP_VMO_CONTENT_SIZE, _) if value_size < size_of::<u64>() => {
                Err(Status::BUFFER_TOO_SMALL)
            }
            (ZX_PROP_VMO_CONTENT_SIZE, Object::Vmo(vmo)) => {
                let bytes = UserBuffer::new(value.cast(), size_of::<u64>())?.to_vec();
                let mut raw = [0u8; 8];
                raw.copy_from_slice(&bytes);
                vmo.set_content_size(u64::from_ne_bytes(raw))
            }
            (ZX_PROP_VMO_CONTENT_SIZE, _) => Err(Status::WRONG_TYPE),
            _ => Err(Status::NOT_SUPPORTED),
        }
    })
}
