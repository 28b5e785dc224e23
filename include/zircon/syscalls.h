/* zx-shim: the Zircon virtual-memory system calls.
 *
 * Include this header and link with -lzircon (or run with LD_PRELOAD=libzircon.so).
 * <zircon/process.h> declares zx_vmar_root_self() and friends, <zircon/status.h>
 * zx_status_get_string(), <zircon/syscalls-next.h> the calls of the next API level. */
#ifndef SYSROOT_ZIRCON_SYSCALLS_H_
#define SYSROOT_ZIRCON_SYSCALLS_H_

#include <stddef.h>
#include <stdint.h>
#include <zircon/compiler.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>
#include <zircon/time.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* ---- Clock and system -------------------------------------------------------------- */

/* The host's CLOCK_MONOTONIC, in nanoseconds. */
extern zx_instant_mono_t zx_clock_get_monotonic(void) __LEAF_FN;

/* now + nanoseconds, saturating at ZX_TIME_INFINITE / ZX_TIME_INFINITE_PAST. */
static inline zx_instant_mono_t zx_deadline_after(zx_duration_t nanoseconds) {
  return zx_time_add_duration(zx_clock_get_monotonic(), nanoseconds);
}

extern uint32_t zx_system_get_page_size(void) __CONST __LEAF_FN;

extern zx_status_t zx_system_get_features(uint32_t kind, uint32_t* features) __LEAF_FN;

/* ---- Handles ----------------------------------------------------------------------- */

extern zx_status_t zx_handle_close(zx_handle_t handle) __LEAF_FN;

extern zx_status_t zx_handle_close_many(const zx_handle_t* handles, size_t num_handles)
    __LEAF_FN;

extern zx_status_t zx_handle_duplicate(zx_handle_t handle, zx_rights_t rights, zx_handle_t* out)
    __LEAF_FN;

/* Consumes `handle`, even when the call fails. */
extern zx_status_t zx_handle_replace(zx_handle_t handle, zx_rights_t rights, zx_handle_t* out)
    __LEAF_FN;

extern zx_status_t zx_handle_check_valid(zx_handle_t handle) __LEAF_FN;

/* ---- Objects ----------------------------------------------------------------------- */

extern zx_status_t zx_object_get_info(zx_handle_t handle, uint32_t topic, void* buffer,
                                      size_t buffer_size, size_t* actual, size_t* avail)
    __LEAF_FN;

extern zx_status_t zx_object_get_property(zx_handle_t handle, uint32_t property, void* value,
                                          size_t value_size) __LEAF_FN;

extern zx_status_t zx_object_set_property(zx_handle_t handle, uint32_t property,
                                          const void* value, size_t value_size) __LEAF_FN;

extern zx_status_t zx_object_wait_one(zx_handle_t handle, zx_signals_t signals,
                                      zx_instant_mono_t deadline, zx_signals_t* observed)
    __LEAF_FN;

extern zx_status_t zx_object_wait_async(zx_handle_t handle, zx_handle_t port, uint64_t key,
                                        zx_signals_t signals, uint32_t options) __LEAF_FN;

/* ---- Processes --------------------------------------------------------------------- */

extern zx_status_t zx_process_create(zx_handle_t job, const char* name, size_t name_size,
                                     uint32_t options, zx_handle_t* proc_handle,
                                     zx_handle_t* vmar_handle) __LEAF_FN;

extern zx_status_t zx_process_read_memory(zx_handle_t handle, zx_vaddr_t vaddr, void* buffer,
                                          size_t buffer_size, size_t* actual) __LEAF_FN;

extern zx_status_t zx_process_write_memory(zx_handle_t handle, zx_vaddr_t vaddr,
                                           const void* buffer, size_t buffer_size,
                                           size_t* actual) __LEAF_FN;

/* ---- VMARs ------------------------------------------------------------------------- */

extern zx_status_t zx_vmar_allocate(zx_handle_t parent_vmar, zx_vm_option_t options,
                                    size_t offset, size_t size, zx_handle_t* child_vmar,
                                    zx_vaddr_t* child_addr) __LEAF_FN;

extern zx_status_t zx_vmar_destroy(zx_handle_t handle) __LEAF_FN;

extern zx_status_t zx_vmar_map(zx_handle_t handle, zx_vm_option_t options, size_t vmar_offset,
                               zx_handle_t vmo, uint64_t vmo_offset, size_t len,
                               zx_vaddr_t* mapped_addr) __LEAF_FN;

extern zx_status_t zx_vmar_map_iob(zx_handle_t handle, zx_vm_option_t options,
                                   size_t vmar_offset, zx_handle_t ep, uint32_t region_index,
                                   uint64_t region_offset, size_t region_length,
                                   zx_vaddr_t* mapped_addr) __LEAF_FN;

extern zx_status_t zx_vmar_map_clock(zx_handle_t handle, zx_vm_option_t options,
                                     size_t vmar_offset, zx_handle_t clock, size_t len,
                                     zx_vaddr_t* mapped_addr) __LEAF_FN;

extern zx_status_t zx_vmar_unmap(zx_handle_t handle, zx_vaddr_t addr, size_t len) __LEAF_FN;

extern zx_status_t zx_vmar_protect(zx_handle_t handle, zx_vm_option_t options, zx_vaddr_t addr,
                                   size_t len) __LEAF_FN;

extern zx_status_t zx_vmar_op_range(zx_handle_t handle, uint32_t op, zx_vaddr_t address,
                                    size_t size, void* buffer, size_t buffer_size) __LEAF_FN;

/* Returns only on failure. */
extern zx_status_t zx_vmar_unmap_handle_close_thread_exit(zx_handle_t vmar_handle,
                                                          zx_vaddr_t addr, size_t size,
                                                          zx_handle_t close_handle) __LEAF_FN;

/* ---- VMOs -------------------------------------------------------------------------- */

extern zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t* out) __LEAF_FN;

/* Note the argument order: buffer, offset, then length. */
extern zx_status_t zx_vmo_read(zx_handle_t handle, void* buffer, uint64_t offset,
                               size_t buffer_size) __LEAF_FN;

extern zx_status_t zx_vmo_write(zx_handle_t handle, const void* buffer, uint64_t offset,
                                size_t buffer_size) __LEAF_FN;

extern zx_status_t zx_vmo_get_size(zx_handle_t handle, uint64_t* size) __LEAF_FN;

extern zx_status_t zx_vmo_set_size(zx_handle_t handle, uint64_t size) __LEAF_FN;

extern zx_status_t zx_vmo_get_stream_size(zx_handle_t handle, uint64_t* size) __LEAF_FN;

extern zx_status_t zx_vmo_set_stream_size(zx_handle_t handle, uint64_t size) __LEAF_FN;

extern zx_status_t zx_vmo_op_range(zx_handle_t handle, uint32_t op, uint64_t offset,
                                   uint64_t size, void* buffer, size_t buffer_size) __LEAF_FN;

extern zx_status_t zx_vmo_create_child(zx_handle_t handle, uint32_t options, uint64_t offset,
                                       uint64_t size, zx_handle_t* out) __LEAF_FN;

extern zx_status_t zx_vmo_set_cache_policy(zx_handle_t handle, uint32_t cache_policy)
    __LEAF_FN;

/* Consumes `handle`, even when the call fails. */
extern zx_status_t zx_vmo_replace_as_executable(zx_handle_t handle, zx_handle_t vmex,
                                                zx_handle_t* out) __LEAF_FN;

extern zx_status_t zx_vmo_create_contiguous(zx_handle_t bti, size_t size,
                                            uint32_t alignment_log2, zx_handle_t* out)
    __LEAF_FN;

extern zx_status_t zx_vmo_create_physical(zx_handle_t resource, zx_paddr_t paddr, size_t size,
                                          zx_handle_t* out) __LEAF_FN;

extern zx_status_t zx_vmo_transfer_data(zx_handle_t dst_vmo, uint32_t options, uint64_t offset,
                                        uint64_t length, zx_handle_t src_vmo,
                                        uint64_t src_offset) __LEAF_FN;

/* ---- Pagers ------------------------------------------------------------------------ */

extern zx_status_t zx_pager_create(uint32_t options, zx_handle_t* out) __LEAF_FN;

extern zx_status_t zx_pager_create_vmo(zx_handle_t pager, uint32_t options, zx_handle_t port,
                                       uint64_t key, uint64_t size, zx_handle_t* out)
    __LEAF_FN;

extern zx_status_t zx_pager_detach_vmo(zx_handle_t pager, zx_handle_t vmo) __LEAF_FN;

extern zx_status_t zx_pager_supply_pages(zx_handle_t pager, zx_handle_t pager_vmo,
                                         uint64_t offset, uint64_t length, zx_handle_t aux_vmo,
                                         uint64_t aux_offset) __LEAF_FN;

extern zx_status_t zx_pager_op_range(zx_handle_t pager, uint32_t op, zx_handle_t pager_vmo,
                                     uint64_t offset, uint64_t length, uint64_t data)
    __LEAF_FN;

extern zx_status_t zx_pager_query_vmo_stats(zx_handle_t pager, zx_handle_t pager_vmo,
                                            uint32_t options, void* buffer, size_t buffer_size)
    __LEAF_FN;

/* ---- Ports ------------------------------------------------------------------------- */

extern zx_status_t zx_port_create(uint32_t options, zx_handle_t* out) __LEAF_FN;

extern zx_status_t zx_port_queue(zx_handle_t handle, const zx_port_packet_t* packet) __LEAF_FN;

extern zx_status_t zx_port_wait(zx_handle_t handle, zx_instant_mono_t deadline,
                                zx_port_packet_t* packet) __LEAF_FN;

extern zx_status_t zx_port_cancel(zx_handle_t handle, zx_handle_t source, uint64_t key)
    __LEAF_FN;

extern zx_status_t zx_port_cancel_key(zx_handle_t handle, uint32_t options, uint64_t key)
    __LEAF_FN;

/* ---- IOBuffers --------------------------------------------------------------------- */

/* `regions` points to `num_regions` zx_iob_region_t. */
extern zx_status_t zx_iob_create(uint64_t options, const void* regions, size_t num_regions,
                                 zx_handle_t* ep0_out, zx_handle_t* ep1_out) __LEAF_FN;

extern zx_status_t zx_iob_writev(zx_handle_t handle, zx_iob_write_options_t options,
                                 uint32_t region_index, const zx_iovec_t* vectors,
                                 size_t num_vectors) __LEAF_FN;

__END_CDECLS

#endif /* SYSROOT_ZIRCON_SYSCALLS_H_ */
