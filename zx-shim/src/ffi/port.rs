//! `zx_port_*` (zircon-abi.md §1.10, §2.4). The queue and its rules live in
//! `crate::object::port`.
use super::entry::zx_call;
use super::user::{UserBuffer, UserOut};
use crate::handle::{lookup_any, lookup_port, Object, Rights, HANDLES};
use crate::object::port::Port;
use crate::status::{Status, ZxResult};
use std::mem::size_of;
use zx_sys::*;

/// `zx_port_create`: options 0 or `ZX_PORT_BIND_TO_INTERRUPT` (accepted; the host has no
/// interrupts to bind), else `INVALID_ARGS`. The handle has rights 0x800F (no `WAIT`: ports
/// are not waitable). A bad `out` is `INVALID_ARGS` and nothing is created.
#[no_mangle]
pub extern "C" fn zx_port_create(options: u32, out: *mut zx_handle_t) -> zx_status_t {
    zx_call!(zx_port_create(options, out) {
        let port = Port::create(options)?;
        let handle = HANDLES.add(Object::Port(port), Rights::DEFAULT_PORT)?;
        super::hand_out(out, handle)
    })
}

/// `zx_port_queue`: port needs `WRITE`; a null `packet` is `INVALID_ARGS`. Queues a copy of
/// the 48 bytes with `type` forced to `ZX_PKT_TYPE_USER`; `SHOULD_WAIT` when
/// `MAX_USER_PACKETS` user packets are pending (Zircon raises a policy exception there).
/// The packet may be unaligned, as Zircon copies it bytewise.
#[no_mangle]
pub extern "C" fn zx_port_queue(
    handle: zx_handle_t,
    packet: *const zx_port_packet_t,
) -> zx_status_t {
    zx_call!(zx_port_queue(handle, packet) {
        let (port, _) = lookup_port(handle, Rights::WRITE)?;
        let bytes = UserBuffer::new(packet.cast(), size_of::<zx_port_packet_t>())?;
        port.queue_user(packet_from_bytes(&bytes.to_vec())?)
    })
}

/// `zx_port_wait`: port needs `READ`; then a null or misaligned `packet` is `INVALID_ARGS`.
/// Zircon copies the packet out after dequeuing it, so a bad pointer loses the packet
/// there; zx-shim checks the pointer before dequeuing, so nothing is lost (and the call
/// fails at once rather than at the deadline). `TIMED_OUT` at `deadline` (host
/// `CLOCK_MONOTONIC` nanoseconds; `ZX_TIME_INFINITE` waits forever).
#[no_mangle]
pub extern "C" fn zx_port_wait(
    handle: zx_handle_t,
    deadline: zx_instant_mono_t,
    packet: *mut zx_port_packet_t,
) -> zx_status_t {
    zx_call!(zx_port_wait(handle, deadline, packet) {
        let (port, _) = lookup_port(handle, Rights::READ)?;
        let out = UserOut::new(packet)?;
        out.write(port.wait(deadline)?);
        Ok(())
    })
}

/// `zx_port_cancel`: port needs `WRITE`; `source` not a handle → `BAD_HANDLE`; without
/// `WAIT` → `ACCESS_DENIED`; not waitable → `NOT_SUPPORTED`; otherwise nothing matches, as
/// no async waits exist in zx-shim → `NOT_FOUND` (see `Port::cancel`).
#[no_mangle]
pub extern "C" fn zx_port_cancel(
    handle: zx_handle_t,
    source: zx_handle_t,
    key: u64,
) -> zx_status_t {
    zx_call!(zx_port_cancel(handle, source, key) {
        let (port, _) = lookup_port(handle, Rights::WRITE)?;
        let source = lookup_any(source, Rights::WAIT)?;
        port.cancel(&source.object, key)
    })
}

/// `zx_port_cancel_key`: port needs `WRITE`, then `options != 0` → `INVALID_ARGS` (the
/// general lookup-then-arguments order of §3.1; §2.4 names no exception). Only async-wait
/// packets are cancelled, never user packets, and zx-shim has no async waits → `NOT_FOUND`.
#[no_mangle]
pub extern "C" fn zx_port_cancel_key(handle: zx_handle_t, options: u32, key: u64) -> zx_status_t {
    zx_call!(zx_port_cancel_key(handle, options, key) {
        let (port, _) = lookup_port(handle, Rights::WRITE)?;
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        port.cancel_key(key)
    })
}

/// Decodes the caller's 48 bytes (native endianness, the layout of §1.10).
fn packet_from_bytes(bytes: &[u8]) -> ZxResult<zx_port_packet_t> {
    let field = |at: usize, n: usize| bytes.get(at..at + n).ok_or(Status::INVALID_ARGS);
    let mut payload = [0u8; 32];
    payload.copy_from_slice(field(16, 32)?);
    Ok(zx_port_packet_t {
        key: u64::from_ne_bytes(field(0, 8)?.try_into().map_err(|_| Status::INVALID_ARGS)?),
        type_: u32::from_ne_bytes(field(8, 4)?.try_into().map_err(|_| Status::INVALID_ARGS)?),
        status: i32::from_ne_bytes(field(12, 4)?.try_into().map_err(|_| Status::INVALID_ARGS)?),
        payload: zx_port_packet_payload_t {
            user: zx_packet_user_t { c8: payload },
        },
    })
}
