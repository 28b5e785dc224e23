//! The `ID_ALLOCATOR` discipline: `zx_iob_allocate_id` copies a blob into the region and
//! returns a new id for it (zircon-abi.md §2.5).
//!
//! The reference gives the call's checks but not the memory layout, so this layout is
//! zx-shim's own. It is meant to be read through a mapping of the region, without a call:
//!
//! ```text
//! offset          size  field
//! 0               4     next_id    ids handed out so far; ids are 0, 1, 2, ... in order
//! 4               4     reserved   written as 0
//! 8               8     blob_head  lowest byte of blob storage in use; 0 until the
//!                                  first allocation
//! 16 + 16 * id    16    entry id   { u64 offset; u64 size } of blob `id`, from the
//!                                  region's start
//! ...                   free
//! blob_head..top        blobs      packed downward from `top`, each at a multiple of 8
//! ```
//!
//! Integers are in the host's byte order (little-endian on every supported host). `top`
//! is the region's size, or `memfd::MAX_LEN` for the rare regions larger than a host file
//! can be (`ZX_VMO_UNBOUNDED`). The caller's blob is first copied out of caller memory with
//! no lock held; then, under the region's allocation lock, the allocator writes the blob,
//! then its entry, then the header, so a reader that loads `next_id` with acquire ordering
//! may read every entry below it and its blob.
//!
//! Errors: a header that contradicts itself (`blob_head` unaligned, beyond `top`, inside
//! the entries, or 0 with ids handed out) was changed through a writable mapping:
//! `ZX_ERR_IO_DATA_INTEGRITY`, and nothing is written. No room for the entry and the blob,
//! or no id left: `ZX_ERR_NO_MEMORY`.
use crate::host::memfd::{self, CallerBuf};
use crate::host::Errno;
use crate::object::vmo::Vmo;
use crate::status::{Status, ZxResult};
use std::sync::{Arc, Mutex};

/// Bytes of the header at the region's start.
pub const HEADER_SIZE: u64 = 16;
/// Bytes of one index entry.
pub const ENTRY_SIZE: u64 = 16;
/// Alignment of each blob's start.
pub const BLOB_ALIGN: u64 = 8;

/// The allocator of one ID_ALLOCATOR region, found by `IobEndpoint::id_allocator`.
pub struct IdAllocator<'a> {
    vmo: &'a Arc<Vmo>,
    lock: &'a Mutex<()>,
}

/// A host failure on the region's file: out of memory or space is NO_MEMORY; anything
/// else is unexpected (INTERNAL, logged).
fn host_error(errno: Errno) -> Status {
    match errno.0 {
        libc::ENOMEM | libc::ENOSPC | libc::EFBIG => Status::NO_MEMORY,
        e => {
            tracing::error!(target: "zx_shim::iob", "ID allocator I/O failed: errno {e}");
            Status::INTERNAL
        }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

impl<'a> IdAllocator<'a> {
    pub(super) fn new(vmo: &'a Arc<Vmo>, lock: &'a Mutex<()>) -> IdAllocator<'a> {
        IdAllocator { vmo, lock }
    }

    /// Stores a copy of the caller's `blob` and returns its id. The blob is copied before
    /// the region's lock is taken (no lock is held while touching caller memory).
    ///
    /// # Errors
    /// NO_MEMORY (a blob larger than the region can ever hold, region full, no id left,
    /// host out of memory), INVALID_ARGS (the host cannot read `blob`), IO_DATA_INTEGRITY
    /// (the header was corrupted through a mapping). Nothing changes on failure.
    pub fn allocate(&self, blob: &CallerBuf) -> ZxResult<u32> {
        let top = self.vmo.size().min(memfd::MAX_LEN);
        let room = top.saturating_sub(HEADER_SIZE + ENTRY_SIZE);
        let blob_size = blob.len() as u64;
        if top < HEADER_SIZE + ENTRY_SIZE || blob_size > room {
            return Err(Status::NO_MEMORY);
        }
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(blob.len())
            .map_err(|_| Status::NO_MEMORY)?;
        bytes.resize(blob.len(), 0);
        blob.copy_to(&mut bytes).map_err(|e| match e {
            Errno::EFAULT => Status::INVALID_ARGS,
            e => host_error(e),
        })?;

        let _serial = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let fd = self.vmo.fd();
        let mut header = [0u8; HEADER_SIZE as usize];
        memfd::read_exact_at(fd, &mut header, 0).map_err(host_error)?;
        let next_id = u32_at(&header, 0);
        let blob_head = u64_at(&header, 8);
        let entries_end = HEADER_SIZE + ENTRY_SIZE * u64::from(next_id);
        let head = match blob_head {
            0 if next_id == 0 => top,
            0 => return Err(Status::IO_DATA_INTEGRITY),
            h => h,
        };
        if head > top || head % BLOB_ALIGN != 0 || head < entries_end {
            return Err(Status::IO_DATA_INTEGRITY);
        }
        if next_id == u32::MAX {
            return Err(Status::NO_MEMORY);
        }
        let offset = head
            .checked_sub(blob_size)
            .map(|o| o & !(BLOB_ALIGN - 1))
            .filter(|&o| o >= entries_end + ENTRY_SIZE)
            .ok_or(Status::NO_MEMORY)?;
        memfd::write_all_at(fd, &bytes, offset).map_err(host_error)?;
        let mut entry = [0u8; ENTRY_SIZE as usize];
        entry[0..8].copy_from_slice(&offset.to_ne_bytes());
        entry[8..16].copy_from_slice(&blob_size.to_ne_bytes());
        memfd::write_all_at(fd, &entry, entries_end).map_err(host_error)?;
        let mut header = [0u8; HEADER_SIZE as usize];
        header[0..4].copy_from_slice(&(next_id + 1).to_ne_bytes());
        header[8..16].copy_from_slice(&offset.to_ne_bytes());
        memfd::write_all_at(fd, &header, 0).map_err(host_error)?;
        Ok(next_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(vmo: &Vmo, offset: u64, bytes: &[u8]) {
        memfd::write_all_at(vmo.fd(), bytes, offset).unwrap();
    }

    fn read(vmo: &Vmo, offset: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        memfd::read_exact_at(vmo.fd(), &mut out, offset).unwrap();
        out
    }

    fn alloc(a: &IdAllocator<'_>, blob: &[u8]) -> ZxResult<u32> {
        // SAFETY: `blob` is readable for its length.
        a.allocate(&unsafe { CallerBuf::new(blob.as_ptr(), blob.len()) })
    }

    #[test]
    fn ids_count_up_and_blobs_pack_down_from_the_top() {
        let vmo = Vmo::create(4096, false).unwrap();
        let lock = Mutex::new(());
        let a = IdAllocator::new(&vmo, &lock);
        assert_eq!(alloc(&a, b"hello"), Ok(0));
        assert_eq!(alloc(&a, b"world!!!!"), Ok(1));
        assert_eq!(alloc(&a, b""), Ok(2));
        let header = read(&vmo, 0, 16);
        assert_eq!(u32_at(&header, 0), 3);
        let e0 = read(&vmo, 16, 16);
        let e1 = read(&vmo, 32, 16);
        let e2 = read(&vmo, 48, 16);
        assert_eq!((u64_at(&e0, 0), u64_at(&e0, 8)), (4088, 5));
        assert_eq!((u64_at(&e1, 0), u64_at(&e1, 8)), (4072, 9));
        assert_eq!((u64_at(&e2, 0), u64_at(&e2, 8)), (4072, 0));
        assert_eq!(u64_at(&header, 8), 4072);
        assert_eq!(read(&vmo, 4088, 5), b"hello");
        assert_eq!(read(&vmo, 4072, 9), b"world!!!!");
    }

    #[test]
    fn full_region_and_corrupt_header() {
        let vmo = Vmo::create(4096, false).unwrap();
        let lock = Mutex::new(());
        let a = IdAllocator::new(&vmo, &lock);
        assert_eq!(alloc(&a, &[1; 4096 - 32 + 1]), Err(Status::NO_MEMORY));
        assert_eq!(alloc(&a, &[1; 4096 - 32]), Ok(0));
        assert_eq!(alloc(&a, b""), Err(Status::NO_MEMORY));
        // A writer mapping scribbles on the header: nothing more is handed out.
        write(&vmo, 8, &7u64.to_ne_bytes());
        assert_eq!(alloc(&a, b"x"), Err(Status::IO_DATA_INTEGRITY));
        write(&vmo, 8, &0u64.to_ne_bytes());
        assert_eq!(alloc(&a, b"x"), Err(Status::IO_DATA_INTEGRITY));
        let empty = Vmo::create(0, false).unwrap();
        assert_eq!(
            alloc(&IdAllocator::new(&empty, &lock), b""),
            Err(Status::NO_MEMORY)
        );
    }

    #[test]
    fn unreadable_blob_allocates_nothing() {
        let vmo = Vmo::create(4096, false).unwrap();
        let lock = Mutex::new(());
        let a = IdAllocator::new(&vmo, &lock);
        // SAFETY: NULL is refused by the host kernel with EFAULT.
        let null = unsafe { CallerBuf::new(std::ptr::null(), 3) };
        assert_eq!(a.allocate(&null), Err(Status::INVALID_ARGS));
        assert_eq!(read(&vmo, 0, 16), vec![0; 16]);
        assert_eq!(alloc(&a, b"abc"), Ok(0));
    }
}
