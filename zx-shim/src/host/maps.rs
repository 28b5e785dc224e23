//! Parsing `/proc/self/maps`, for the consistency check between the VMAR model and the
//! kernel's view.
