//! What the host itself reports about the process, independent of what the shim says:
//! open file descriptors and blocks allocated to a memfd.
use std::os::unix::fs::MetadataExt;

/// Number of open file descriptors of the process (a memfd backs each VMO and IOB region).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Bytes the host has allocated to the memory object mapped at `addr`: the `st_blocks` of
/// the memfd whose inode `/proc/self/maps` shows there.
pub fn host_allocated_bytes(addr: usize) -> u64 {
    let entries = zircon::host::maps::read_self_maps_in(addr, addr + 1).expect("maps");
    let inode = entries.first().expect("a mapping at addr").inode;
    for fd in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        if let Ok(meta) = std::fs::metadata(fd.expect("fd entry").path()) {
            if meta.ino() == inode && inode != 0 {
                return meta.blocks() * 512;
            }
        }
    }
    panic!("no open file with inode {inode} backs {addr:#x}");
}
