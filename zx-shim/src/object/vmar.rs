//! `Vmar`: a virtual memory address region.
use crate::handle::{new_koid, Koid};

pub struct Vmar {
    koid: Koid,
}

impl Vmar {
    pub fn new_placeholder() -> Vmar {
        Vmar { koid: new_koid() }
    }

    pub fn koid(&self) -> Koid {
        self.koid
    }
}

use crate::handle::Rights;
use crate::status::{Status, ZxResult};
use std::sync::Arc;

/// Rights of the root VMAR handle (zircon-abi.md §3.2): 0x20801F.
pub const ROOT_RIGHTS: Rights = Rights::from_raw(
    zx_sys::ZX_DEFAULT_VMAR_RIGHTS
        | zx_sys::ZX_RIGHT_READ
        | zx_sys::ZX_RIGHT_WRITE
        | zx_sys::ZX_RIGHT_EXECUTE,
);

// Placeholders; replaced by the VMAR implementation.
impl Vmar {
    pub fn root() -> ZxResult<Arc<Vmar>> {
        Err(Status::NOT_SUPPORTED)
    }
    pub fn info(&self) -> zx_sys::zx_info_vmar_t {
        zx_sys::zx_info_vmar_t::default()
    }
    pub fn maps(&self) -> ZxResult<Vec<zx_sys::zx_info_maps_t>> {
        Err(Status::NOT_SUPPORTED)
    }
}
