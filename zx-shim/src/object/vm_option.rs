//! Decoding of the `zx_vm_option_t` word, done once per call (zircon-abi.md §3 intro):
//! (a) MMU permissions, (b) VMAR flags, (c) the alignment byte, plus `MAP_RANGE`.
//!
//! `ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED` becomes `PERM_READ`: the host cannot map
//! execute-only pages (`zx_system_get_features(ZX_FEATURE_KIND_VM)` reports no XOM).
use crate::handle::Rights;
use crate::host::mman::Prot;
use crate::status::{Status, ZxResult};
use zx_sys::*;

/// The page size every VMAR computation uses.
pub const PAGE_SIZE: usize = 4096;

/// True if `x` is a multiple of the page size.
pub const fn is_page_aligned(x: usize) -> bool {
    x & (PAGE_SIZE - 1) == 0
}

/// Mapping permissions: a subset of read, write, execute, with the `ZX_VM_PERM_*` values.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Perms(u32);

impl Perms {
    pub const NONE: Perms = Perms(0);
    pub const READ: Perms = Perms(ZX_VM_PERM_READ);
    pub const WRITE: Perms = Perms(ZX_VM_PERM_WRITE);
    pub const EXECUTE: Perms = Perms(ZX_VM_PERM_EXECUTE);
    pub const RWX: Perms = Perms(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE);

    pub const fn bits(self) -> u32 {
        self.0
    }
    /// The permission bits of `bits` (other bits ignored).
    pub const fn from_bits_truncate(bits: u32) -> Perms {
        Perms(bits & Perms::RWX.0)
    }
    pub const fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn union(self, other: Perms) -> Perms {
        Perms(self.0 | other.0)
    }
    pub const fn intersect(self, other: Perms) -> Perms {
        Perms(self.0 & other.0)
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// zircon-abi.md §3 "valid protection": write or execute require read.
    pub const fn is_valid_protection(self) -> bool {
        self.0 & ZX_VM_PERM_READ != 0 || self.0 & (ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE) == 0
    }
    /// The host protection for these permissions.
    pub const fn prot(self) -> Prot {
        Prot::new(
            self.0 & ZX_VM_PERM_READ != 0,
            self.0 & ZX_VM_PERM_WRITE != 0,
            self.0 & ZX_VM_PERM_EXECUTE != 0,
        )
    }
    /// What a handle's READ/WRITE/EXECUTE rights allow.
    pub const fn from_rights(rights: Rights) -> Perms {
        let r = rights.into_raw();
        let mut p = 0;
        if r & ZX_RIGHT_READ != 0 {
            p |= ZX_VM_PERM_READ;
        }
        if r & ZX_RIGHT_WRITE != 0 {
            p |= ZX_VM_PERM_WRITE;
        }
        if r & ZX_RIGHT_EXECUTE != 0 {
            p |= ZX_VM_PERM_EXECUTE;
        }
        Perms(p)
    }
    /// The READ/WRITE/EXECUTE rights these permissions correspond to.
    pub const fn rights(self) -> Rights {
        let mut r = 0;
        if self.0 & ZX_VM_PERM_READ != 0 {
            r |= ZX_RIGHT_READ;
        }
        if self.0 & ZX_VM_PERM_WRITE != 0 {
            r |= ZX_RIGHT_WRITE;
        }
        if self.0 & ZX_VM_PERM_EXECUTE != 0 {
            r |= ZX_RIGHT_EXECUTE;
        }
        Rights::from_raw(r)
    }
}

impl std::fmt::Debug for Perms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = |p: Perms, ch: char| if self.contains(p) { ch } else { '-' };
        write!(
            f,
            "{}{}{}",
            c(Perms::READ, 'r'),
            c(Perms::WRITE, 'w'),
            c(Perms::EXECUTE, 'x')
        )
    }
}

/// VMAR flags: the non-permission, non-alignment option bits, with their `ZX_VM_*` values.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug, Hash)]
pub struct VmarFlags(u32);

impl VmarFlags {
    pub const NONE: VmarFlags = VmarFlags(0);
    pub const COMPACT: VmarFlags = VmarFlags(ZX_VM_COMPACT);
    pub const SPECIFIC: VmarFlags = VmarFlags(ZX_VM_SPECIFIC);
    pub const SPECIFIC_OVERWRITE: VmarFlags = VmarFlags(ZX_VM_SPECIFIC_OVERWRITE);
    pub const CAN_MAP_SPECIFIC: VmarFlags = VmarFlags(ZX_VM_CAN_MAP_SPECIFIC);
    pub const CAN_MAP_READ: VmarFlags = VmarFlags(ZX_VM_CAN_MAP_READ);
    pub const CAN_MAP_WRITE: VmarFlags = VmarFlags(ZX_VM_CAN_MAP_WRITE);
    pub const CAN_MAP_EXECUTE: VmarFlags = VmarFlags(ZX_VM_CAN_MAP_EXECUTE);
    pub const REQUIRE_NON_RESIZABLE: VmarFlags = VmarFlags(ZX_VM_REQUIRE_NON_RESIZABLE);
    pub const ALLOW_FAULTS: VmarFlags = VmarFlags(ZX_VM_ALLOW_FAULTS);
    pub const OFFSET_IS_UPPER_LIMIT: VmarFlags = VmarFlags(ZX_VM_OFFSET_IS_UPPER_LIMIT);
    pub const FAULT_BEYOND_STREAM_SIZE: VmarFlags = VmarFlags(ZX_VM_FAULT_BEYOND_STREAM_SIZE);
    pub const CAN_MAP_RWX: VmarFlags =
        VmarFlags(ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE);
    /// Every bit this type can hold.
    const ALL: VmarFlags = VmarFlags(
        ZX_VM_COMPACT
            | ZX_VM_SPECIFIC
            | ZX_VM_SPECIFIC_OVERWRITE
            | ZX_VM_CAN_MAP_SPECIFIC
            | ZX_VM_CAN_MAP_READ
            | ZX_VM_CAN_MAP_WRITE
            | ZX_VM_CAN_MAP_EXECUTE
            | ZX_VM_REQUIRE_NON_RESIZABLE
            | ZX_VM_ALLOW_FAULTS
            | ZX_VM_OFFSET_IS_UPPER_LIMIT
            | ZX_VM_FAULT_BEYOND_STREAM_SIZE,
    );

    pub const fn bits(self) -> u32 {
        self.0
    }
    pub const fn contains(self, other: VmarFlags) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn intersects(self, other: VmarFlags) -> bool {
        self.0 & other.0 != 0
    }
    pub const fn union(self, other: VmarFlags) -> VmarFlags {
        VmarFlags(self.0 | other.0)
    }
    pub const fn intersect(self, other: VmarFlags) -> VmarFlags {
        VmarFlags(self.0 & other.0)
    }
    pub const fn without(self, other: VmarFlags) -> VmarFlags {
        VmarFlags(self.0 & !other.0)
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The permissions the CAN_MAP_READ/WRITE/EXECUTE bits allow.
    pub const fn can_map(self) -> Perms {
        Perms((self.0 & VmarFlags::CAN_MAP_RWX.0) >> 7)
    }
    /// The CAN_MAP_READ/WRITE/EXECUTE bits for `perms`.
    pub const fn from_can_map(perms: Perms) -> VmarFlags {
        VmarFlags(perms.bits() << 7)
    }
    /// SPECIFIC or SPECIFIC_OVERWRITE.
    pub const fn is_specific(self) -> bool {
        self.intersects(VmarFlags(ZX_VM_SPECIFIC | ZX_VM_SPECIFIC_OVERWRITE))
    }
}

/// A decoded option word.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VmOptions {
    pub perms: Perms,
    pub flags: VmarFlags,
    pub map_range: bool,
    /// log2 of the requested alignment; 0 = none requested.
    pub align_log2: u8,
}

const ALIGN_SHIFT: u32 = ZX_VM_ALIGN_BASE;
const LOW_BITS_KNOWN: u32 =
    Perms::RWX.0 | VmarFlags::ALL.0 | ZX_VM_MAP_RANGE | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED;

impl VmOptions {
    /// The permission bits of a raw option word, with READ_IF_XOM_UNSUPPORTED turned into
    /// READ (zircon-abi.md §3.1 map step 5).
    pub const fn perms_of(raw: zx_vm_option_t) -> Perms {
        let mut p = Perms::from_bits_truncate(raw);
        if raw & ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 {
            p = p.union(Perms::READ);
        }
        p
    }

    /// The VMAR-flag bits of a raw option word, whatever else it holds.
    pub const fn flags_of(raw: zx_vm_option_t) -> VmarFlags {
        VmarFlags(raw & VmarFlags::ALL.0)
    }

    /// Splits the option word. Bits 16..23, or an alignment byte outside {0, 10..=32}, are
    /// `INVALID_ARGS` (zircon-abi.md §1.5).
    pub fn split(raw: zx_vm_option_t) -> ZxResult<VmOptions> {
        let low = raw & ((1 << ALIGN_SHIFT) - 1);
        if low & !LOW_BITS_KNOWN != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let align_log2 = (raw >> ALIGN_SHIFT) as u8;
        if align_log2 != 0 && !(10..=32).contains(&align_log2) {
            return Err(Status::INVALID_ARGS);
        }
        Ok(VmOptions {
            perms: VmOptions::perms_of(raw),
            flags: VmOptions::flags_of(raw),
            map_range: raw & ZX_VM_MAP_RANGE != 0,
            align_log2,
        })
    }

    /// The effective alignment: the requested one, at least a page (ALIGN_1KB and
    /// ALIGN_2KB mean page alignment, zircon-abi.md §3.3 step 1).
    pub const fn align(&self) -> usize {
        let requested = if self.align_log2 == 0 {
            0
        } else {
            1usize << self.align_log2
        };
        if requested > PAGE_SIZE {
            requested
        } else {
            PAGE_SIZE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_decodes_each_part() {
        let o =
            VmOptions::split(ZX_VM_PERM_READ | ZX_VM_SPECIFIC | ZX_VM_MAP_RANGE | ZX_VM_ALIGN_2MB)
                .unwrap();
        assert_eq!(o.perms, Perms::READ);
        assert_eq!(o.flags, VmarFlags::SPECIFIC);
        assert!(o.map_range);
        assert_eq!(o.align(), 2 << 20);
        assert_eq!(
            VmOptions::split(ZX_VM_ALIGN_1KB).unwrap().align(),
            PAGE_SIZE
        );
        assert_eq!(VmOptions::split(0).unwrap().align(), PAGE_SIZE);
    }

    #[test]
    fn split_rejects_stray_bits_and_bad_alignment() {
        assert_eq!(VmOptions::split(1 << 16), Err(Status::INVALID_ARGS));
        assert_eq!(VmOptions::split(1 << 23), Err(Status::INVALID_ARGS));
        assert_eq!(VmOptions::split(9 << 24), Err(Status::INVALID_ARGS));
        assert_eq!(VmOptions::split(33 << 24), Err(Status::INVALID_ARGS));
        assert!(VmOptions::split(ZX_VM_ALIGN_4GB).is_ok());
    }

    #[test]
    fn xom_means_read_and_protection_validity() {
        assert_eq!(
            VmOptions::perms_of(ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED | ZX_VM_PERM_EXECUTE),
            Perms::READ.union(Perms::EXECUTE)
        );
        assert!(!Perms::WRITE.is_valid_protection());
        assert!(!Perms::EXECUTE.is_valid_protection());
        assert!(Perms::NONE.is_valid_protection());
        assert!(Perms::RWX.is_valid_protection());
        assert_eq!(VmarFlags::from_can_map(Perms::RWX), VmarFlags::CAN_MAP_RWX);
        assert_eq!(VmarFlags::CAN_MAP_WRITE.can_map(), Perms::WRITE);
    }
}
