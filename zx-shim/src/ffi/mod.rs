//! Layer 1: the exported `extern "C"` functions. Each one checks pointers, decodes
//! arguments, calls the handle table and the object layer, and writes out-params last.
//! This is the only module with `#[no_mangle]` items.
pub(crate) mod entry;
pub mod handle;
pub mod iob;
pub mod object;
pub mod pager;
pub mod port;
pub mod system;
pub mod unsupported;
pub mod user;
pub mod vmar;
pub mod vmo;

use crate::handle::{HandleValue, HANDLES};
use crate::status::ZxResult;
use zx_sys::zx_handle_t;

/// Writes a just-installed handle to the caller's `out`, as every creating call does last.
/// A null or misaligned `out` removes the handle again, dropping what it held, and is
/// `INVALID_ARGS` (Zircon writes out-params last and tears down on failure).
pub(crate) fn hand_out(out: *mut zx_handle_t, value: HandleValue) -> ZxResult {
    match user::UserOut::new(out) {
        Ok(out) => {
            out.write(value);
            Ok(())
        }
        Err(status) => {
            let _ = HANDLES.remove(value);
            Err(status)
        }
    }
}

#[cfg(test)]
mod signature_check {
    //! Every exported definition has exactly the signature zx-sys declares: coercing both
    //! to one fn-pointer type fails to compile on any difference.
    use std::ffi::{c_char, c_void};
    use zx_sys::*;

    macro_rules! check_signatures {
        ($( fn $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ; )*) => {
            #[test]
            fn exported_calls_match_zx_sys_declarations() {
                $(
                    let declared: unsafe extern "C" fn($($ty),*) -> $ret = zx_sys::$name;
                    let defined: unsafe extern "C" fn($($ty),*) -> $ret = crate::ffi::exported::$name;
                    assert_ne!(declared as usize, 0);
                    assert_ne!(defined as usize, 0);
                )*
                const _: Option<(*const c_char, *const c_void)> = None;
            }
        };
    }
    zx_call_table!(check_signatures);
}

/// Every exported function, by its C name, whichever module defines it.
pub mod exported {
    pub use super::handle::*;
    pub use super::iob::*;
    pub use super::object::*;
    pub use super::pager::*;
    pub use super::port::*;
    pub use super::system::*;
    pub use super::unsupported::*;
    pub use super::vmar::*;
    pub use super::vmo::*;
}
