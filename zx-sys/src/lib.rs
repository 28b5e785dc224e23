//! Zircon virtual-memory ABI for Rust: types, constants, `#[repr(C)]` structs and the
//! `extern "C"` declarations of every call zx-shim exports. No logic lives here.
//!
//! This crate is the single source of truth for the ABI. `build.rs` at the workspace root
//! turns [`CONSTANTS`], [`STRUCTS`] and [`CALLS`] into a C file of static assertions that is
//! compiled against `include/zircon/` as C11 and C++17, so any value, size, offset or
//! prototype that drifts between Rust and the C headers fails the build.
#![allow(non_camel_case_types)]
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod calls;
pub mod layout;
pub mod types;

pub use abi::*;
pub use calls::*;
pub use layout::*;
pub use types::*;

#[cfg(test)]
mod tests;
