//! Helpers shared by the conformance tests and benchmarks.
