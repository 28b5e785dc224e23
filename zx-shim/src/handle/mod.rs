//! Layer 2: the handle table. Looks up a value, checks the object type, then the rights,
//! in that order (zircon-abi.md §2 "lookup(h, R)"). No Zircon object rules live here.
pub mod object;
pub mod rights;
pub mod table;

pub use object::{new_koid, Koid, Object};
pub use rights::Rights;
pub use table::{HandleEntry, HandleTable, HandleValue};

use crate::object::iob::IobEndpoint;
use crate::object::pager::Pager;
use crate::object::port::Port;
use crate::object::vmar::Vmar;
use crate::object::vmo::Vmo;
use crate::status::{Status, ZxResult};
use std::sync::Arc;

/// The process's handle table.
pub static HANDLES: HandleTable = HandleTable::new();

/// Looks `value` up as a VMO: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED (missing `required`).
pub fn lookup_vmo(value: HandleValue, required: Rights) -> ZxResult<(Arc<Vmo>, Rights)> {
    let HandleEntry { object, rights } = HANDLES.get(value)?;
    let Object::Vmo(vmo) = object else {
        return Err(Status::WRONG_TYPE);
    };
    check_rights(rights, required)?;
    Ok((vmo, rights))
}

/// Looks `value` up as an IOB endpoint: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED (missing
/// `required`).
pub fn lookup_iob(value: HandleValue, required: Rights) -> ZxResult<(Arc<IobEndpoint>, Rights)> {
    let HandleEntry { object, rights } = HANDLES.get(value)?;
    let Object::Iob(endpoint) = object else {
        return Err(Status::WRONG_TYPE);
    };
    check_rights(rights, required)?;
    Ok((endpoint, rights))
}

/// Looks `value` up as a pager: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED (missing `required`).
pub fn lookup_pager(value: HandleValue, required: Rights) -> ZxResult<(Arc<Pager>, Rights)> {
    let HandleEntry { object, rights } = HANDLES.get(value)?;
    let Object::Pager(pager) = object else {
        return Err(Status::WRONG_TYPE);
    };
    check_rights(rights, required)?;
    Ok((pager, rights))
}

/// Looks `value` up as a port: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED (missing `required`).
pub fn lookup_port(value: HandleValue, required: Rights) -> ZxResult<(Arc<Port>, Rights)> {
    let HandleEntry { object, rights } = HANDLES.get(value)?;
    let Object::Port(port) = object else {
        return Err(Status::WRONG_TYPE);
    };
    check_rights(rights, required)?;
    Ok((port, rights))
}

/// Looks `value` up as a VMAR: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED (missing `required`).
pub fn lookup_vmar(value: HandleValue, required: Rights) -> ZxResult<(Arc<Vmar>, Rights)> {
    let HandleEntry { object, rights } = HANDLES.get(value)?;
    let Object::Vmar(vmar) = object else {
        return Err(Status::WRONG_TYPE);
    };
    check_rights(rights, required)?;
    Ok((vmar, rights))
}

/// Looks `value` up whatever its type: BAD_HANDLE → ACCESS_DENIED (missing `required`).
pub fn lookup_any(value: HandleValue, required: Rights) -> ZxResult<HandleEntry> {
    let entry = HANDLES.get(value)?;
    check_rights(entry.rights, required)?;
    Ok(entry)
}

fn check_rights(have: Rights, required: Rights) -> ZxResult {
    if have.contains(required) {
        Ok(())
    } else {
        Err(Status::ACCESS_DENIED)
    }
}
