//! The process-wide handle table.
//!
//! A handle value is 32 bits: the two low bits are always set (`ZX_HANDLE_FIXED_BITS_MASK`)
//! and the upper 30 bits are a keyed bijection of (generation, slot index). Consecutive
//! handles therefore look unrelated, a value whose generation no longer matches its slot
//! (closed, replaced) is `BAD_HANDLE`, and so is a forged value, which decodes to an empty or
//! mismatched slot with overwhelming probability. Object identity is never encoded in the
//! value: `replace` hands out a fresh one.
//!
//! # Locks
//! `HandleTable::slots` is a leaf in the lock order: it is held only to copy an entry out or
//! to install/remove one. Objects are dropped after the guard is released, because dropping
//! the last `Arc` of a VMO or VMAR may call into the host.
use super::object::Object;
use super::rights::Rights;
use crate::status::{Status, ZxResult};
use std::sync::{OnceLock, RwLock};
use zx_sys::*;

/// A raw handle value as the caller sees it.
pub type HandleValue = zx_handle_t;

const INDEX_BITS: u32 = 20;
const GEN_BITS: u32 = 10;
const MAX_SLOTS: usize = 1 << INDEX_BITS;
const VALUE_MASK: u32 = (1 << (INDEX_BITS + GEN_BITS)) - 1;
/// An odd multiplier and its inverse modulo 2^30: multiplication by an odd number is a
/// bijection on the 30-bit payload, which spreads consecutive slots far apart.
const MIX: u32 = 0x2545_F491 & VALUE_MASK | 1;

const fn mix_inverse() -> u32 {
    // Newton iteration for the inverse of an odd number modulo 2^32; good modulo 2^30 too.
    let mut inv: u32 = MIX;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(MIX.wrapping_mul(inv)));
        i += 1;
    }
    inv
}
const MIX_INV: u32 = mix_inverse();

/// What a handle holds: the object and this handle's rights.
#[derive(Clone, Debug)]
pub struct HandleEntry {
    pub object: Object,
    pub rights: Rights,
}

struct Slot {
    generation: u32,
    entry: Option<HandleEntry>,
}

#[derive(Default)]
struct Slots {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

pub struct HandleTable {
    key: OnceLock<u32>,
    /// Guarded: all slots and the free list. Invariant: an index is in `free` iff its
    /// slot's `entry` is `None`.
    slots: RwLock<Slots>,
}

impl Default for HandleTable {
    fn default() -> Self {
        Self::new()
    }
}

impl HandleTable {
    pub const fn new() -> HandleTable {
        HandleTable {
            key: OnceLock::new(),
            slots: RwLock::new(Slots {
                slots: Vec::new(),
                free: Vec::new(),
            }),
        }
    }

    fn key(&self) -> u32 {
        *self.key.get_or_init(|| {
            let mut key = [0u8; 4];
            // SAFETY: getrandom writes at most `key.len()` bytes into the valid array.
            let got = unsafe { libc::getrandom(key.as_mut_ptr().cast(), key.len(), 0) };
            if got == 4 {
                u32::from_ne_bytes(key) & VALUE_MASK
            } else {
                (std::process::id().wrapping_mul(0x9E37_79B9)) & VALUE_MASK
            }
        })
    }

    fn encode(&self, index: u32, generation: u32) -> HandleValue {
        let payload = ((generation << INDEX_BITS) | index).wrapping_mul(MIX) & VALUE_MASK;
        ((payload ^ self.key()) << 2) | ZX_HANDLE_FIXED_BITS_MASK
    }

    fn decode(&self, value: HandleValue) -> Option<(usize, u32)> {
        if value & ZX_HANDLE_FIXED_BITS_MASK != ZX_HANDLE_FIXED_BITS_MASK {
            return None;
        }
        let payload = ((value >> 2) ^ self.key()).wrapping_mul(MIX_INV) & VALUE_MASK;
        Some((
            (payload & ((1 << INDEX_BITS) - 1)) as usize,
            payload >> INDEX_BITS,
        ))
    }

    /// Installs a new handle. `NO_RESOURCES` when the table is full.
    pub fn add(&self, object: Object, rights: Rights) -> ZxResult<HandleValue> {
        let mut s = self.slots.write().unwrap_or_else(|e| e.into_inner());
        let index = match s.free.pop() {
            Some(i) => i,
            None => {
                if s.slots.len() >= MAX_SLOTS {
                    return Err(Status::NO_RESOURCES);
                }
                s.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                (s.slots.len() - 1) as u32
            }
        };
        let slot = &mut s.slots[index as usize];
        slot.entry = Some(HandleEntry { object, rights });
        let generation = slot.generation;
        drop(s);
        Ok(self.encode(index, generation))
    }

    /// The entry behind `value`, or `BAD_HANDLE`.
    pub fn get(&self, value: HandleValue) -> ZxResult<HandleEntry> {
        let (index, generation) = self.decode(value).ok_or(Status::BAD_HANDLE)?;
        let s = self.slots.read().unwrap_or_else(|e| e.into_inner());
        match s.slots.get(index) {
            Some(Slot {
                generation: g,
                entry: Some(e),
            }) if *g == generation => Ok(e.clone()),
            _ => Err(Status::BAD_HANDLE),
        }
    }

    /// Removes `value` from the table and returns what it held, or `BAD_HANDLE`. The caller
    /// drops the entry, outside the table lock.
    pub fn remove(&self, value: HandleValue) -> ZxResult<HandleEntry> {
        let (index, generation) = self.decode(value).ok_or(Status::BAD_HANDLE)?;
        let mut s = self.slots.write().unwrap_or_else(|e| e.into_inner());
        let slot = match s.slots.get_mut(index) {
            Some(slot) if slot.generation == generation && slot.entry.is_some() => slot,
            _ => return Err(Status::BAD_HANDLE),
        };
        let entry = slot.entry.take().ok_or(Status::BAD_HANDLE)?;
        slot.generation = (slot.generation + 1) & ((1 << GEN_BITS) - 1);
        s.free.push(index as u32);
        Ok(entry)
    }

    /// `zx_handle_duplicate`: BAD_HANDLE, then missing DUPLICATE → ACCESS_DENIED, then
    /// rights not a subset → INVALID_ARGS.
    pub fn duplicate(&self, value: HandleValue, rights: Rights) -> ZxResult<HandleValue> {
        let entry = self.get(value)?;
        if !entry.rights.contains(Rights::DUPLICATE) {
            return Err(Status::ACCESS_DENIED);
        }
        let rights = resolve_rights(entry.rights, rights)?;
        self.add(entry.object, rights)
    }

    /// `zx_handle_replace`: the old handle is consumed even when the rights are refused.
    pub fn replace(&self, value: HandleValue, rights: Rights) -> ZxResult<HandleValue> {
        let entry = self.remove(value)?;
        let rights = resolve_rights(entry.rights, rights)?;
        self.add(entry.object, rights)
    }

    /// Number of live handles (for tests and leak checks).
    pub fn len(&self) -> usize {
        let s = self.slots.read().unwrap_or_else(|e| e.into_inner());
        s.slots.len() - s.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `SAME_RIGHTS` keeps `current`; otherwise `requested` must be a subset (INVALID_ARGS).
fn resolve_rights(current: Rights, requested: Rights) -> ZxResult<Rights> {
    if requested == Rights::SAME_RIGHTS {
        Ok(current)
    } else if current.contains(requested) {
        Ok(requested)
    } else {
        Err(Status::INVALID_ARGS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_fixed_bits() {
        let t = HandleTable::new();
        for (i, g) in [(0u32, 0u32), (1, 0), (5, 7), ((1 << 20) - 1, 1023)] {
            let v = t.encode(i, g);
            assert_eq!(v & 3, 3);
            assert_ne!(v, 0);
            assert_eq!(t.decode(v), Some((i as usize, g)));
        }
        assert_eq!(t.decode(0x10), None);
    }

    #[test]
    fn consecutive_slots_are_not_sequential() {
        let t = HandleTable::new();
        let a = t.encode(0, 0);
        let b = t.encode(1, 0);
        let c = t.encode(2, 0);
        assert!(b.wrapping_sub(a) != c.wrapping_sub(b) || b.abs_diff(a) > 0x1000);
    }
}
