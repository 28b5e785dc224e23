//! Pointers a call must refuse: misaligned ones and ones to nothing mapped.
use crate::PAGE;
use std::ptr::null_mut;

/// A pointer one byte into `buf`: misaligned for any out-parameter wider than a byte, and
/// still inside `buf`, so a call that wrongly writes through it shows in `buf`.
pub fn misaligned<T>(buf: &mut [impl Copy]) -> *mut T {
    buf.as_mut_ptr().cast::<u8>().wrapping_add(1).cast()
}

/// An address with nothing mapped at it (a page mapped and unmapped again).
pub fn unmapped_address() -> *mut u8 {
    // SAFETY: a fresh anonymous mapping, returned to the host right away; only its address
    // is kept.
    unsafe {
        let p = libc::mmap(
            null_mut(),
            PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        assert_eq!(libc::munmap(p, PAGE), 0);
        p.cast()
    }
}
