//! `Vmo`: a virtual memory object backed by a memfd.
use crate::handle::{new_koid, Koid};
use crate::host;
use crate::status::{Status, ZxResult};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct Vmo {
    koid: Koid,
    fd: OwnedFd,
    resizable: bool,
    /// Page-aligned size in bytes.
    size: AtomicU64,
}

impl Vmo {
    /// `zx_vmo_create` (skeleton: options are checked by the caller for now).
    pub fn create(size: u64, resizable: bool) -> ZxResult<Arc<Vmo>> {
        let size = size
            .checked_next_multiple_of(4096)
            .ok_or(Status::OUT_OF_RANGE)?;
        let fd = host::memfd::create(c"zx-vmo").map_err(|_| Status::NO_MEMORY)?;
        host::memfd::set_len(&fd, size).map_err(|_| Status::NO_MEMORY)?;
        Ok(Arc::new(Vmo {
            koid: new_koid(),
            fd,
            resizable,
            size: AtomicU64::new(size),
        }))
    }

    pub fn koid(&self) -> Koid {
        self.koid
    }

    /// The memfd that backs the VMO's pages; mappings map it `MAP_SHARED`.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Current size in bytes (page-aligned).
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    pub fn is_resizable(&self) -> bool {
        self.resizable
    }

    pub fn is_discardable(&self) -> bool {
        false
    }

    pub fn is_pager_backed(&self) -> bool {
        false
    }
}

// Placeholders for the object-info and property paths; replaced by the VMO implementation.
impl Vmo {
    pub fn name(&self) -> [u8; 32] {
        [0; 32]
    }
    pub fn set_name(&self, _name: &[u8]) {}
    pub fn stream_size(&self) -> u64 {
        self.size()
    }
    pub fn set_content_size(&self, _size: u64) -> ZxResult {
        Err(Status::NOT_SUPPORTED)
    }
    pub fn info(&self, _rights: crate::handle::Rights) -> zx_sys::zx_info_vmo_t {
        zx_sys::zx_info_vmo_t {
            koid: self.koid,
            size_bytes: self.size(),
            ..Default::default()
        }
    }
}

// Interface used by the VMAR layer (placeholders until the VMO implementation lands).
impl Vmo {
    /// A mapping of this VMO was created (for `zx_info_vmo_t.num_mappings`).
    pub fn add_mapping(&self) {}
    /// A mapping of this VMO went away.
    pub fn remove_mapping(&self) {}
    /// `ZX_VMO_OP_COMMIT` semantics over `[offset, offset + len)` (page-aligned).
    pub fn commit_range(&self, _offset: u64, _len: u64) -> ZxResult {
        Err(Status::NOT_SUPPORTED)
    }
    /// `ZX_VMO_OP_DECOMMIT` semantics (page-aligned): contents read back as zero.
    pub fn decommit_range(&self, _offset: u64, _len: u64) -> ZxResult {
        Err(Status::NOT_SUPPORTED)
    }
    /// `ZX_VMO_OP_ZERO` semantics.
    pub fn zero_range(&self, _offset: u64, _len: u64) -> ZxResult {
        Err(Status::NOT_SUPPORTED)
    }
}
