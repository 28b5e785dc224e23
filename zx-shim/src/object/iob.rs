//! IOBuffers (zircon-abi.md §1.11, §2.5): two peer endpoints sharing up to 64 memory
//! regions, each with per-endpoint access bits and an access discipline.
//!
//! # Model
//! [`Iob`] is what both endpoints share: the regions and the two endpoint koids. An
//! [`IobEndpoint`] (what an IOB handle refers to) knows its side, 0 or 1, and holds an
//! `Arc` of the `Iob`. Each region's memory is an internal [`Vmo`] (one memfd), created
//! through the option parser of `zx_vmo_create` and never handed out as a VMO handle. A
//! mapping of a region holds the region's `Arc<Vmo>` like any mapping, so the memory lives
//! on after both endpoints are closed (vmar.fidl, MapIob: "Mapping a region retains a
//! reference to the mapped region"). The region's koid is its VMO's: `ZX_INFO_IOB_REGIONS`
//! and `ZX_INFO_VMAR_MAPS` (`vmo_koid`) agree, from either endpoint.
//!
//! # Access bits
//! Stored as given to `zx_iob_create`. An endpoint reads them with its own bits in the EP0
//! positions: endpoint 1 sees the two nibbles swapped in `ZX_INFO_IOB_REGIONS`.
//! `zx_vmar_map_iob` maps a region with "VMO rights" made from this endpoint's map bits
//! (`CAN_MAP_READ` → READ|MAP, `CAN_MAP_WRITE` → WRITE|MAP) ANDed with the endpoint
//! handle's rights | MAP (zircon-abi.md §2.1); everything else is `zx_vmar_map`'s.
//!
//! # Disciplines
//! - `NONE`: shared memory only; no mediated access bits.
//! - `ID_ALLOCATOR`: `zx_iob_allocate_id` copies blobs into the region and hands out ids,
//!   in the layout documented in [`ids`] (zx-shim's own; the reference gives none).
//! - `MEDIATED_WRITE_RING_BUFFER` requires a shared region, which zx-shim cannot create
//!   (below), so no region ever has it and `zx_iob_writev` finds nothing to write to.
//!
//! # Deviations from Zircon
//! - `ZX_IOB_PEER_CLOSED` is not tracked: zx-shim has no waiting (`zx_object_wait_one`
//!   and `zx_object_wait_async` are `NOT_SUPPORTED`), so nobody could observe it.
//! - `ZX_IOB_REGION_TYPE_SHARED` needs a shared-region handle, and no call of zx-shim
//!   creates one: such a region fails with the status of its handle's lookup (BAD_HANDLE,
//!   or WRONG_TYPE for a handle of another type).
//! - `ZX_INFO_IOB_REGIONS` reports each region's size as created, rounded up to a page
//!   (`ZX_VMO_UNBOUNDED`: the maximum VMO size), rather than the size argument.
use super::vmo::Vmo;
use crate::handle::{new_koid, Koid, Rights};
use crate::status::{Status, ZxResult};
use std::mem::offset_of;
use std::sync::{Arc, Mutex};
use zx_sys::*;

#[path = "iob_ids.rs"]
pub mod ids;

/// Size of one `zx_iob_region_t` in the `regions` array of `zx_iob_create`.
pub const REGION_DESC_SIZE: usize = std::mem::size_of::<zx_iob_region_t>();

/// The access bits of one endpoint, in the EP0 positions.
const MAP_READ: u32 = ZX_IOB_ACCESS_EP0_CAN_MAP_READ;
const MAP_WRITE: u32 = ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE;
const MEDIATED_READ: u32 = ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ;
const MEDIATED_WRITE: u32 = ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE;
const MEDIATED: u32 = MEDIATED_READ | MEDIATED_WRITE;
/// The bits of one side: EP0 in the low nibble, EP1 in the next.
const SIDE_BITS: u32 = 0xF;

/// Which endpoint: 0 or 1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    Ep0,
    Ep1,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Ep0 => 0,
            Side::Ep1 => 1,
        }
    }

    /// This side's bits of `access`, moved to the EP0 positions.
    fn bits(self, access: zx_iob_access_t) -> u32 {
        match self {
            Side::Ep0 => access & SIDE_BITS,
            Side::Ep1 => (access >> 4) & SIDE_BITS,
        }
    }

    /// `access` as this side reads it: its own bits as EP0, the peer's as EP1.
    fn view(self, access: zx_iob_access_t) -> zx_iob_access_t {
        match self {
            Side::Ep0 => access,
            Side::Ep1 => {
                (access & !0xFF) | ((access & SIDE_BITS) << 4) | ((access >> 4) & SIDE_BITS)
            }
        }
    }
}

/// One element of `zx_iob_create`'s `regions`, decoded from its `zx_iob_region_t`.
#[derive(Clone, Copy, Debug)]
pub struct RegionSpec {
    pub region_type: zx_iob_region_type_t,
    pub access: zx_iob_access_t,
    pub size: u64,
    pub discipline: zx_iob_discipline_t,
    /// The type-specific union (`private_region` or `shared_region`), as raw bytes.
    pub extension: [u8; 32],
}

impl RegionSpec {
    /// Decodes a `zx_iob_region_t` (`REGION_DESC_SIZE` bytes, native byte order).
    pub fn from_bytes(b: &[u8; REGION_DESC_SIZE]) -> RegionSpec {
        let u32_at = |at: usize| u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        let u64_at = |at: usize| u64::from_ne_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let discipline = offset_of!(zx_iob_region_t, discipline);
        let reserved_at = discipline + offset_of!(zx_iob_discipline_t, reserved);
        let mut reserved = [0u64; 8];
        for (i, r) in reserved.iter_mut().enumerate() {
            *r = u64_at(reserved_at + 8 * i);
        }
        let extension = offset_of!(zx_iob_region_t, extension);
        RegionSpec {
            region_type: u32_at(offset_of!(zx_iob_region_t, type_)),
            access: u32_at(offset_of!(zx_iob_region_t, access)),
            size: u64_at(offset_of!(zx_iob_region_t, size)),
            discipline: zx_iob_discipline_t {
                type_: u64_at(discipline + offset_of!(zx_iob_discipline_t, type_)),
                reserved,
            },
            extension: b[extension..extension + 32].try_into().expect("32 bytes"),
        }
    }

    /// `private_region.options` / `shared_region.options` (both at the union's start).
    fn type_options(&self) -> u32 {
        u32::from_ne_bytes(self.extension[0..4].try_into().expect("4 bytes"))
    }

    /// `shared_region.shared_region`.
    fn shared_region_handle(&self) -> zx_handle_t {
        u32::from_ne_bytes(self.extension[4..8].try_into().expect("4 bytes"))
    }

    /// The record `ZX_INFO_IOB_REGIONS` reports to `side`.
    fn record(&self, side: Side) -> zx_iob_region_t {
        zx_iob_region_t {
            type_: self.region_type,
            access: side.view(self.access),
            size: self.size,
            discipline: self.discipline,
            extension: zx_iob_region_extension_t {
                max_extension: self.extension,
            },
        }
    }
}

/// A region: what was asked for (with the real size) and its memory.
struct Region {
    spec: RegionSpec,
    vmo: Arc<Vmo>,
    /// Serialises `zx_iob_allocate_id` on this region (ID_ALLOCATOR only).
    ids: Mutex<()>,
}

/// The object both endpoints share.
pub struct Iob {
    koids: [Koid; 2],
    regions: Vec<Region>,
}

/// One endpoint of an IOBuffer: what an IOB handle refers to.
pub struct IobEndpoint {
    iob: Arc<Iob>,
    side: Side,
}

/// Rights of each endpoint handle `zx_iob_create` returns: 0xF0EF (zircon-abi.md §1.3).
pub const ENDPOINT_RIGHTS: Rights = Rights::DEFAULT_IOB;

/// `zx_iob_create`'s checks made before the region array is read, in the kernel's order
/// (zircon-abi.md §2.5): options ≠ 0 → INVALID_ARGS; more than 64 regions → OUT_OF_RANGE;
/// none → INVALID_ARGS.
pub fn check_create_args(options: u64, num_regions: usize) -> ZxResult {
    if options != 0 {
        return Err(Status::INVALID_ARGS);
    }
    if num_regions > ZX_IOB_MAX_REGIONS as usize {
        return Err(Status::OUT_OF_RANGE);
    }
    if num_regions == 0 {
        return Err(Status::INVALID_ARGS);
    }
    Ok(())
}

impl Iob {
    /// `zx_iob_create` after [`check_create_args`] and the copy of the regions: checks
    /// each region in order and creates its memory, then the two peer endpoints.
    /// `shared_region` gives the status of a `SHARED` region's handle lookup (module docs).
    ///
    /// # Errors
    /// Per region, the first failure wins (zircon-abi.md §2.5): unknown type →
    /// INVALID_ARGS; PRIVATE: `zx_vmo_create`'s option and size errors (INVALID_ARGS,
    /// OUT_OF_RANGE); SHARED: options or size ≠ 0 → INVALID_ARGS, then the handle's
    /// status; no MAP_WRITE and no mediated bit for either endpoint → INVALID_ARGS; the
    /// discipline's rules → INVALID_ARGS. NO_MEMORY / NO_RESOURCES if the host has no
    /// memfd. Nothing created survives a failure.
    pub fn create(
        specs: &[RegionSpec],
        shared_region: impl Fn(zx_handle_t) -> Status,
    ) -> ZxResult<(Arc<IobEndpoint>, Arc<IobEndpoint>)> {
        let mut regions = Vec::with_capacity(specs.len());
        for spec in specs {
            regions.push(Region::create(spec, &shared_region)?);
        }
        let iob = Arc::new(Iob {
            koids: [new_koid(), new_koid()],
            regions,
        });
        let ep0 = Arc::new(IobEndpoint {
            iob: iob.clone(),
            side: Side::Ep0,
        });
        let ep1 = Arc::new(IobEndpoint {
            iob,
            side: Side::Ep1,
        });
        Ok((ep0, ep1))
    }
}

impl Region {
    fn create(
        spec: &RegionSpec,
        shared_region: &impl Fn(zx_handle_t) -> Status,
    ) -> ZxResult<Region> {
        let vmo = match spec.region_type {
            ZX_IOB_REGION_TYPE_PRIVATE => Vmo::create_with_options(spec.size, spec.type_options())?,
            ZX_IOB_REGION_TYPE_SHARED => {
                if spec.type_options() != 0 || spec.size != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                return Err(shared_region(spec.shared_region_handle()));
            }
            _ => return Err(Status::INVALID_ARGS),
        };
        let (ep0, ep1) = (Side::Ep0.bits(spec.access), Side::Ep1.bits(spec.access));
        if (ep0 | ep1) & (MAP_WRITE | MEDIATED) == 0 {
            return Err(Status::INVALID_ARGS);
        }
        match spec.discipline.type_ {
            ZX_IOB_DISCIPLINE_TYPE_NONE => {
                if (ep0 | ep1) & MEDIATED != 0 {
                    return Err(Status::INVALID_ARGS);
                }
            }
            ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR => {
                // An endpoint with any mediated access must be able to write (allocate).
                for bits in [ep0, ep1] {
                    if bits & MEDIATED != 0 && bits & MEDIATED_WRITE == 0 {
                        return Err(Status::INVALID_ARGS);
                    }
                }
            }
            // Needs a shared region; this one is private.
            ZX_IOB_DISCIPLINE_TYPE_MEDIATED_WRITE_RING_BUFFER => return Err(Status::INVALID_ARGS),
            _ => return Err(Status::INVALID_ARGS),
        }
        Ok(Region {
            spec: RegionSpec {
                size: vmo.size(),
                ..*spec
            },
            vmo,
            ids: Mutex::new(()),
        })
    }
}

impl IobEndpoint {
    pub fn koid(&self) -> Koid {
        self.iob.koids[self.side.index()]
    }

    /// The other endpoint's koid (`zx_info_handle_basic_t.related_koid`).
    pub fn peer_koid(&self) -> Koid {
        self.iob.koids[1 - self.side.index()]
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn region_count(&self) -> usize {
        self.iob.regions.len()
    }

    /// `ZX_INFO_IOB`.
    pub fn info(&self) -> zx_info_iob_t {
        zx_info_iob_t {
            options: 0,
            region_count: self.region_count() as u32,
            padding1: [0; 4],
        }
    }

    /// `ZX_INFO_IOB_REGIONS`: every region, with the access bits as this endpoint reads
    /// them (module docs), and the region's koid.
    pub fn region_infos(&self) -> Vec<zx_iob_region_info_t> {
        self.iob
            .regions
            .iter()
            .map(|r| zx_iob_region_info_t {
                region: r.spec.record(self.side),
                koid: r.vmo.koid(),
            })
            .collect()
    }

    /// The region at `index`: OUT_OF_RANGE if there is none.
    fn region(&self, index: u32) -> ZxResult<&Region> {
        self.iob
            .regions
            .get(index as usize)
            .ok_or(Status::OUT_OF_RANGE)
    }

    /// `zx_vmar_map_iob` after both handle lookups: the region's memory and the "VMO
    /// rights" it is mapped with (module docs). OUT_OF_RANGE for a bad `index`.
    pub fn region_for_map(
        &self,
        index: u32,
        handle_rights: Rights,
    ) -> ZxResult<(Arc<Vmo>, Rights)> {
        let region = self.region(index)?;
        let bits = self.side.bits(region.spec.access);
        let mut rights = Rights::NONE;
        if bits & MAP_READ != 0 {
            rights = rights | Rights::READ | Rights::MAP;
        }
        if bits & MAP_WRITE != 0 {
            rights = rights | Rights::WRITE | Rights::MAP;
        }
        Ok((region.vmo.clone(), rights & (handle_rights | Rights::MAP)))
    }

    /// `zx_iob_writev` after the handle lookup: OUT_OF_RANGE for a bad `index`, then
    /// WRONG_TYPE, as no region has the ring-buffer discipline (module docs).
    pub fn check_writev(&self, index: u32) -> ZxResult {
        self.region(index)?;
        Err(Status::WRONG_TYPE)
    }

    /// `zx_iob_allocate_id` after the handle lookup (WRITE): the region's ID allocator.
    ///
    /// # Errors
    /// OUT_OF_RANGE (bad `index`), WRONG_TYPE (not an ID_ALLOCATOR region), ACCESS_DENIED
    /// (this endpoint has no mediated write access to it).
    pub fn id_allocator(&self, index: u32) -> ZxResult<ids::IdAllocator<'_>> {
        let region = self.region(index)?;
        if region.spec.discipline.type_ != ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR {
            return Err(Status::WRONG_TYPE);
        }
        if self.side.bits(region.spec.access) & MEDIATED_WRITE == 0 {
            return Err(Status::ACCESS_DENIED);
        }
        Ok(ids::IdAllocator::new(&region.vmo, &region.ids))
    }
}

impl std::fmt::Debug for IobEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IobEndpoint(koid {}, {:?}, {} regions)",
            self.koid(),
            self.side,
            self.region_count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(access: u32, size: u64, discipline: u64) -> RegionSpec {
        RegionSpec {
            region_type: ZX_IOB_REGION_TYPE_PRIVATE,
            access,
            size,
            discipline: zx_iob_discipline_t {
                type_: discipline,
                reserved: [0; 8],
            },
            extension: [0; 32],
        }
    }

    fn no_shared(_: zx_handle_t) -> Status {
        Status::BAD_HANDLE
    }

    #[test]
    fn region_descriptions_decode_field_by_field() {
        let mut bytes = [0u8; REGION_DESC_SIZE];
        bytes[0..4].copy_from_slice(&1u32.to_ne_bytes());
        bytes[4..8].copy_from_slice(&0x21u32.to_ne_bytes());
        bytes[8..16].copy_from_slice(&5000u64.to_ne_bytes());
        bytes[16..24].copy_from_slice(&2u64.to_ne_bytes());
        bytes[80..88].copy_from_slice(&9u64.to_ne_bytes());
        bytes[88..92].copy_from_slice(&7u32.to_ne_bytes());
        bytes[92..96].copy_from_slice(&0xABCDu32.to_ne_bytes());
        let spec = RegionSpec::from_bytes(&bytes);
        assert_eq!((spec.region_type, spec.access, spec.size), (1, 0x21, 5000));
        assert_eq!(spec.discipline.type_, 2);
        assert_eq!(spec.discipline.reserved[7], 9);
        assert_eq!(
            (spec.type_options(), spec.shared_region_handle()),
            (7, 0xABCD)
        );
    }

    #[test]
    fn sides_swap_access_nibbles() {
        assert_eq!(Side::Ep1.view(0x21), 0x12);
        assert_eq!(Side::Ep0.view(0x21), 0x21);
        assert_eq!(Side::Ep1.bits(0x30), 0x3);
        assert_eq!(Side::Ep1.view(0x100 | 0x84), 0x100 | 0x48);
    }

    #[test]
    fn effective_rights_follow_the_endpoints_map_bits_and_handle() {
        let access = ZX_IOB_ACCESS_EP0_CAN_MAP_READ
            | ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE
            | ZX_IOB_ACCESS_EP1_CAN_MAP_READ;
        let (ep0, ep1) = Iob::create(&[spec(access, 4096, 0)], no_shared).unwrap();
        let rw = Rights::READ | Rights::WRITE | Rights::MAP;
        assert_eq!(ep0.region_for_map(0, ENDPOINT_RIGHTS).unwrap().1, rw);
        assert_eq!(
            ep1.region_for_map(0, ENDPOINT_RIGHTS).unwrap().1,
            Rights::READ | Rights::MAP
        );
        // The handle's MAP right does not matter; its READ/WRITE do.
        assert_eq!(
            ep0.region_for_map(0, Rights::READ).unwrap().1,
            Rights::READ | Rights::MAP
        );
        assert_eq!(
            ep0.region_for_map(1, ENDPOINT_RIGHTS).unwrap_err(),
            Status::OUT_OF_RANGE
        );
        assert_eq!(ep0.peer_koid(), ep1.koid());
        assert_eq!(ep1.peer_koid(), ep0.koid());
    }

    #[test]
    fn create_checks_in_order() {
        let err = |s: RegionSpec| Iob::create(&[s], no_shared).unwrap_err();
        let w = ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE;
        let mut bad_type = spec(w, 4096, 0);
        bad_type.region_type = 7;
        assert_eq!(err(bad_type), Status::INVALID_ARGS);
        // Size overflow beats the access check.
        assert_eq!(err(spec(0, u64::MAX, 0)), Status::OUT_OF_RANGE);
        assert_eq!(
            err(spec(ZX_IOB_ACCESS_EP0_CAN_MAP_READ, 4096, 0)),
            Status::INVALID_ARGS
        );
        assert_eq!(err(spec(w | MEDIATED_WRITE, 4096, 0)), Status::INVALID_ARGS);
        assert_eq!(err(spec(w, 4096, 2)), Status::INVALID_ARGS);
        assert_eq!(err(spec(w, 4096, 3)), Status::INVALID_ARGS);
        assert_eq!(err(spec(MEDIATED_READ, 4096, 1)), Status::INVALID_ARGS);
        assert!(Iob::create(
            &[spec(ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE, 4096, 1)],
            no_shared
        )
        .is_ok());
        let mut shared = spec(w, 0, 0);
        shared.region_type = ZX_IOB_REGION_TYPE_SHARED;
        assert_eq!(err(shared), Status::BAD_HANDLE);
        shared.size = 4096;
        assert_eq!(err(shared), Status::INVALID_ARGS);
    }
}
