//! Helpers shared by the conformance tests and benchmarks.
pub mod consistency;
pub mod cprog;
pub mod probe;
