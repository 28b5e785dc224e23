//! Helpers shared by the conformance tests (and open to the benchmarks).
//!
//! Setup helpers assert that the calls they make succeed, so a test body only holds the
//! calls it is about; helpers that return a `Result` or a status leave the check to the
//! test.
//!
//! - [`handles`]: closing, rights, basic info, a forged handle value.
//! - [`info`]: typed `zx_object_get_info` records.
//! - [`vmo`], [`vmar`], [`pager`], [`port`], [`iob`]: making and using objects of each
//!   family.
//! - [`probe`]: memory access through mappings, faulting or not; [`host`]: what the host
//!   itself reports (file descriptors, allocated blocks); [`pointers`]: pointers a call
//!   must refuse.
//! - [`threads`]: deadlines for what a test waits on, tests run one at a time; [`child`]:
//!   scenarios that must end a process, run in a re-executed test binary.
//! - [`rng`]: a seeded generator for randomised tests.
//! - [`consistency`]: the model/kernel consistency check; [`cprog`]: the built C programs.
//! - [`ratio`]: interleaved shim/bare measurement for the benchmarks.
pub mod child;
pub mod consistency;
pub mod cprog;
pub mod handles;
pub mod host;
pub mod info;
pub mod iob;
pub mod pager;
pub mod pointers;
pub mod port;
pub mod probe;
pub mod ratio;
pub mod rng;
pub mod threads;
pub mod vmar;
pub mod vmo;

/// The page size, as addresses and mapping lengths are typed.
pub const PAGE: usize = 4096;
/// The page size, as VMO offsets and sizes are typed.
pub const PAGE_U64: u64 = PAGE as u64;
