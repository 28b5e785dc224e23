//! Parsing `/proc/self/maps`, for the consistency check between the VMAR model and the
//! kernel's view. Diagnostic only: never used on a syscall path.
use std::io;

/// One line of `/proc/self/maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapsEntry {
    pub start: usize,
    pub end: usize,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    /// `s` (shared) rather than `p` (private).
    pub shared: bool,
    pub offset: u64,
    pub inode: u64,
    /// The path column (e.g. `/memfd:zx-vmo (deleted)`), empty for anonymous memory.
    pub path: String,
}

/// Parses one line; `None` if it is malformed.
pub fn parse_line(line: &str) -> Option<MapsEntry> {
    let mut fields = line.splitn(6, ' ');
    let range = fields.next()?;
    let perms = fields.next()?.as_bytes();
    let offset = fields.next()?;
    let _dev = fields.next()?;
    let inode = fields.next()?;
    let path = fields.next().unwrap_or("").trim_start().to_string();
    let (start, end) = range.split_once('-')?;
    if perms.len() < 4 {
        return None;
    }
    Some(MapsEntry {
        start: usize::from_str_radix(start, 16).ok()?,
        end: usize::from_str_radix(end, 16).ok()?,
        read: perms[0] == b'r',
        write: perms[1] == b'w',
        exec: perms[2] == b'x',
        shared: perms[3] == b's',
        offset: u64::from_str_radix(offset, 16).ok()?,
        inode: inode.parse().ok()?,
        path,
    })
}

/// All entries of `/proc/self/maps`, in address order.
pub fn read_self_maps() -> io::Result<Vec<MapsEntry>> {
    let text = std::fs::read_to_string("/proc/self/maps")?;
    Ok(text.lines().filter_map(parse_line).collect())
}

/// The entries intersecting `[start, end)`, clipped to it.
pub fn read_self_maps_in(start: usize, end: usize) -> io::Result<Vec<MapsEntry>> {
    Ok(read_self_maps()?
        .into_iter()
        .filter(|e| e.end > start && e.start < end)
        .map(|mut e| {
            if e.start < start {
                e.offset += (start - e.start) as u64;
                e.start = start;
            }
            e.end = e.end.min(end);
            e
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shared_memfd_and_anonymous_lines() {
        let e = parse_line(
            "7f0000000000-7f0000002000 rw-s 00001000 00:01 1234                       /memfd:zx-vmo (deleted)",
        )
        .unwrap();
        assert_eq!((e.start, e.end), (0x7f00_0000_0000, 0x7f00_0000_2000));
        assert!(e.read && e.write && !e.exec && e.shared);
        assert_eq!(e.offset, 0x1000);
        assert_eq!(e.inode, 1234);
        assert_eq!(e.path, "/memfd:zx-vmo (deleted)");
        let a = parse_line("10000-20000 ---p 00000000 00:00 0 ").unwrap();
        assert!(!a.read && !a.shared && a.path.is_empty());
    }

    #[test]
    fn reads_own_maps() {
        static MARKER: u8 = 7;
        let marker = &MARKER as *const u8 as usize;
        // Other tests in this process remap while we read, and the kernel may then print a
        // line twice: one of a few reads comes out tiled, as the consistency check expects.
        let tiled = (0..20).any(|_| {
            let maps = read_self_maps().unwrap();
            assert!(maps.iter().any(|m| m.start <= marker && marker < m.end));
            maps.windows(2).all(|w| w[0].end <= w[1].start)
        });
        assert!(
            tiled,
            "no read of /proc/self/maps came out ordered and non-overlapping"
        );
    }
}
