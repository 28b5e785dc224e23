//! Layer 3: the Zircon objects. Every Zircon rule (option decoding, check order, rights
//! of new handles, placement) lives here and nowhere else. No libc: host effects go
//! through `crate::host`.
pub mod aspace;
pub mod few;
pub mod iob;
pub mod mapping;
pub mod pager;
pub mod port;
pub mod region_map;
pub mod vm_option;
pub mod vmar;
pub mod vmo;
