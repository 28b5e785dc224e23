//! Address-space calls: reserve, map a memfd at a fixed address, give a range back to the
//! reservation, protect, populate.
