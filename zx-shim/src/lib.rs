//! zx-shim: Zircon's virtual-memory syscalls on Linux.
//!
//! # Layers
//! Data flows one way, and each layer is testable without the one above it:
//!
//! 1. [`ffi`]: the `extern "C"` entry points. Check pointers, decode arguments, catch
//!    panics, write out-params.
//! 2. [`handle`]: the handle table. Lookup, object type, rights.
//! 3. [`object`]: VMAR tree, VMO, ... The Zircon rules live here and nowhere else.
//! 4. [`host`]: the only code that calls mmap, mprotect, madvise, fallocate, memfd.
//!
//! # Lock order
//! ```text
//! handle table (leaf in practice: look up, clone the Arc, release)
//! address space (VMAR tree and mappings; host mmap/mprotect calls run under it)
//!   └─ VMO state (size, name, mapping count, moved-out aux pages: object/vmo/moved.rs)
//!        └─ pager VMO state (supplied/dirty pages, requests, waiters)
//!             └─ port state | userfaultfd registry (leaves)
//! IOB region allocation lock (zx_iob_allocate_id; never with the address space)
//!   └─ VMO state
//! pager (its VMOs and ports): taken alone, or before a port's state lock
//! ```
//! A VMO never takes the address-space lock. The page-fault path (a port waiter reading a
//! pager's userfaultfd) takes the registry, the pager and the pager VMO one at a time and
//! never the address-space lock, so a thread blocked on a pager page cannot hold up the
//! thread that serves it. No lock is held while touching caller
//! memory or blocking. `Arc`s whose drop may call the host are dropped after guards.
//!
//! # Unsafe code
//! Only `ffi::user` (caller pointers), `host` (system calls) and the exported functions'
//! signatures are unsafe; every block carries a `// SAFETY:` line.
pub mod ffi;
pub mod handle;
pub mod host;
pub mod object;
pub mod status;
pub mod trace;

pub use status::{Status, ZxResult};

/// Everything a Rust test or tool calling the shim in-process needs: the ABI types and
/// constants from zx-sys plus the exported functions themselves (safe to name directly,
/// unlike zx-sys's `extern` declarations of the same symbols).
pub mod prelude {
    pub use crate::ffi::exported::*;
    pub use zx_sys::abi::*;
    pub use zx_sys::layout::*;
    pub use zx_sys::types::*;
}
