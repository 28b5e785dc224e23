/* zx-shim: calls and types of the next API level: pager dirty-range queries and IOBuffer
 * id allocation. Unlike Fuchsia's copy this header has no API-level guard: zx-shim
 * implements the next level on every host. */
#ifndef SYSROOT_ZIRCON_SYSCALLS_NEXT_H_
#define SYSROOT_ZIRCON_SYSCALLS_NEXT_H_

#include <stddef.h>
#include <stdint.h>
#include <zircon/compiler.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/iob.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* zx_pager_op_range(ZX_PAGER_OP_WRITEBACK_BEGIN) data, and zx_vmo_dirty_range_t.options:
 * the range is known to be all zeros. */
#define ZX_VMO_DIRTY_RANGE_IS_ZERO ((uint64_t)1u)

/* A record of zx_pager_query_dirty_ranges(). */
typedef struct zx_vmo_dirty_range {
  uint64_t offset;
  uint64_t length;
  uint64_t options;
} zx_vmo_dirty_range_t;

/* Fills `buffer` with zx_vmo_dirty_range_t records. */
extern zx_status_t zx_pager_query_dirty_ranges(zx_handle_t pager, zx_handle_t pager_vmo,
                                               uint64_t offset, uint64_t length, void* buffer,
                                               size_t buffer_size, size_t* actual,
                                               size_t* avail) __LEAF_FN;

/* Allocates an id for `blob` in an ID_ALLOCATOR region. */
extern zx_status_t zx_iob_allocate_id(zx_handle_t handle, zx_iob_allocate_id_options_t options,
                                      uint32_t region_index, const void* blob,
                                      uint64_t blob_size, uint32_t* id) __LEAF_FN;

__END_CDECLS

#endif /* SYSROOT_ZIRCON_SYSCALLS_NEXT_H_ */
