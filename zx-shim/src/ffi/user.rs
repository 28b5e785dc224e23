//! Caller pointers. The only code that dereferences pointers handed in through the C ABI.
//!
//! Zircon copies to and from user memory with fault handling and reports a bad pointer as
//! `ZX_ERR_INVALID_ARGS` (out-params) or `ZX_ERR_NOT_FOUND` (VMO read/write buffers). On
//! Linux a store through a wild pointer would kill the process, so out-params are checked
//! for null and alignment, which is what callers get wrong in practice; buffers handed to
//! the host (`pread`/`pwrite`) are checked by the host kernel, which answers EFAULT.
use crate::status::{Status, ZxResult};

/// An out-parameter of type `T`, checked before any state changes.
pub struct UserOut<T>(*mut T);

impl<T: Copy> UserOut<T> {
    /// `INVALID_ARGS` for a null or misaligned pointer.
    pub fn new(ptr: *mut T) -> ZxResult<UserOut<T>> {
        if ptr.is_null() || !ptr.is_aligned() {
            return Err(Status::INVALID_ARGS);
        }
        Ok(UserOut(ptr))
    }

    /// Like [`UserOut::new`], but a null pointer means "not wanted" (`actual`/`avail`).
    pub fn optional(ptr: *mut T) -> ZxResult<Option<UserOut<T>>> {
        if ptr.is_null() {
            Ok(None)
        } else {
            UserOut::new(ptr).map(Some)
        }
    }

    pub fn write(&self, value: T) {
        // SAFETY: `new` checked that the pointer is non-null and aligned; the C caller
        // promises it points to writable storage for a `T`, as the ABI requires.
        unsafe { self.0.write(value) }
    }
}

/// A caller byte buffer (`buffer`, `buffer_size`) for the call to fill.
pub struct UserBufferMut {
    ptr: *mut u8,
    len: usize,
}

impl UserBufferMut {
    /// A zero-length buffer may be null. A non-empty null buffer is `INVALID_ARGS`.
    pub fn new(ptr: *mut u8, len: usize) -> ZxResult<UserBufferMut> {
        if ptr.is_null() && len != 0 {
            return Err(Status::INVALID_ARGS);
        }
        Ok(UserBufferMut { ptr, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `bytes` to the start of the buffer; `bytes.len()` must not exceed `len()`.
    pub fn write_bytes(&self, offset: usize, bytes: &[u8]) {
        assert!(offset
            .checked_add(bytes.len())
            .is_some_and(|end| end <= self.len));
        if bytes.is_empty() {
            return;
        }
        // SAFETY: the range lies inside the caller's buffer (asserted above), which the C
        // caller promises is writable for `len` bytes; `bytes` is our own memory and cannot
        // overlap it.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(offset), bytes.len()) }
    }

    /// Writes `value`'s bytes at `offset`, truncated to what fits before `limit`.
    pub fn write_struct<T: Copy>(&self, offset: usize, value: &T, limit: usize) {
        // SAFETY: `T` is one of the zx-sys `#[repr(C)]` structs, whose padding is all
        // named fields, so every byte is initialised.
        let bytes = unsafe {
            std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>())
        };
        self.write_bytes(offset, &bytes[..limit.min(bytes.len())]);
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }
}

/// A caller byte buffer to read from.
pub struct UserBuffer {
    ptr: *const u8,
    len: usize,
}

impl UserBuffer {
    pub fn new(ptr: *const u8, len: usize) -> ZxResult<UserBuffer> {
        if ptr.is_null() && len != 0 {
            return Err(Status::INVALID_ARGS);
        }
        Ok(UserBuffer { ptr, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The caller's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        if self.len == 0 {
            return Vec::new();
        }
        // SAFETY: non-null (checked in `new`) and the C caller promises `len` readable bytes.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }.to_vec()
    }

    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }
}
