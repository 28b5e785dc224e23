//! `Object`: what a handle refers to. Cloning an `Object` clones the `Arc` of the
//! kernel object, never the object itself.
use crate::object::iob::IobEndpoint;
use crate::object::pager::Pager;
use crate::object::port::Port;
use crate::object::vmar::Vmar;
use crate::object::vmo::Vmo;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zx_sys::*;

/// A kernel object id. Unique per object for the life of the process; never reused.
pub type Koid = zx_koid_t;

static NEXT_KOID: AtomicU64 = AtomicU64::new(ZX_KOID_FIRST);

/// A fresh koid (≥ `ZX_KOID_FIRST`).
pub fn new_koid() -> Koid {
    NEXT_KOID.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone)]
pub enum Object {
    Vmo(Arc<Vmo>),
    Vmar(Arc<Vmar>),
    Port(Arc<Port>),
    Pager(Arc<Pager>),
    /// One endpoint of an IOBuffer.
    Iob(Arc<IobEndpoint>),
}

impl Object {
    pub fn koid(&self) -> Koid {
        match self {
            Object::Vmo(v) => v.koid(),
            Object::Vmar(v) => v.koid(),
            Object::Port(p) => p.koid(),
            Object::Pager(p) => p.koid(),
            Object::Iob(e) => e.koid(),
        }
    }

    pub fn obj_type(&self) -> zx_obj_type_t {
        match self {
            Object::Vmo(_) => ZX_OBJ_TYPE_VMO,
            Object::Vmar(_) => ZX_OBJ_TYPE_VMAR,
            Object::Port(_) => ZX_OBJ_TYPE_PORT,
            Object::Pager(_) => ZX_OBJ_TYPE_PAGER,
            Object::Iob(_) => ZX_OBJ_TYPE_IOB,
        }
    }

    /// The koid of a related object (an IOB endpoint's peer); 0 for the VM objects.
    pub fn related_koid(&self) -> Koid {
        match self {
            Object::Iob(e) => e.peer_koid(),
            _ => 0,
        }
    }
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Object(type {}, koid {})", self.obj_type(), self.koid())
    }
}
