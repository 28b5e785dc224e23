/* zx-shim: IOBuffer (zx_iob_*) types, constants and region layouts. */
#ifndef SYSROOT_ZIRCON_SYSCALLS_IOB_H_
#define SYSROOT_ZIRCON_SYSCALLS_IOB_H_

#include <stdint.h>
#include <zircon/compiler.h>
#include <zircon/types.h>

__BEGIN_CDECLS

#define ZX_IOB_MAX_REGIONS ((uint32_t)64u)

/* ---- Disciplines ------------------------------------------------------------------- */

typedef uint64_t zx_iob_discipline_type_t;

#define ZX_IOB_DISCIPLINE_TYPE_NONE ((zx_iob_discipline_type_t)0u)
#define ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR ((zx_iob_discipline_type_t)1u)
#define ZX_IOB_DISCIPLINE_TYPE_MEDIATED_WRITE_RING_BUFFER ((zx_iob_discipline_type_t)2u)

typedef struct zx_iob_discipline {
  zx_iob_discipline_type_t type;
  union {
    uint64_t reserved[8];
  };
} zx_iob_discipline_t;

/* ---- Regions ----------------------------------------------------------------------- */

typedef uint32_t zx_iob_region_type_t;

#define ZX_IOB_REGION_TYPE_PRIVATE ((zx_iob_region_type_t)0u)
#define ZX_IOB_REGION_TYPE_SHARED ((zx_iob_region_type_t)1u)

/* Per-endpoint access to a region. "EP0" bits always describe the endpoint the region
 * descriptor was read through. */
typedef uint32_t zx_iob_access_t;

#define ZX_IOB_ACCESS_EP0_CAN_MAP_READ ((zx_iob_access_t)0x01u)
#define ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE ((zx_iob_access_t)0x02u)
#define ZX_IOB_ACCESS_EP0_CAN_MEDIATED_READ ((zx_iob_access_t)0x04u)
#define ZX_IOB_ACCESS_EP0_CAN_MEDIATED_WRITE ((zx_iob_access_t)0x08u)
#define ZX_IOB_ACCESS_EP1_CAN_MAP_READ ((zx_iob_access_t)0x10u)
#define ZX_IOB_ACCESS_EP1_CAN_MAP_WRITE ((zx_iob_access_t)0x20u)
#define ZX_IOB_ACCESS_EP1_CAN_MEDIATED_READ ((zx_iob_access_t)0x40u)
#define ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE ((zx_iob_access_t)0x80u)

/* ZX_IOB_REGION_TYPE_PRIVATE: a region backed by its own memory. `options` takes the VMO
 * creation options. */
typedef struct zx_iob_region_private {
  uint32_t options;
  uint32_t padding1;
  uint64_t padding2[3];
} zx_iob_region_private_t;

/* ZX_IOB_REGION_TYPE_SHARED: a region backed by a shared-region object. */
typedef struct zx_iob_region_shared {
  uint32_t options;
  zx_handle_t shared_region;
  uint64_t padding[3];
} zx_iob_region_shared_t;

/* One element of the `regions` array of zx_iob_create(). */
typedef struct zx_iob_region {
  zx_iob_region_type_t type;
  zx_iob_access_t access;
  uint64_t size;
  zx_iob_discipline_t discipline;
  union {
    zx_iob_region_private_t private_region;
    uint8_t max_extension[32];
  };
} zx_iob_region_t;

/* ---- zx_object_get_info() records ------------------------------------------------- */

/* ZX_INFO_IOB */
typedef struct zx_info_iob {
  uint64_t options;
  uint32_t region_count;
  uint8_t padding1[4];
} zx_info_iob_t;

/* ZX_INFO_IOB_REGIONS */
typedef struct zx_iob_region_info {
  zx_iob_region_t region;
  zx_koid_t koid;
} zx_iob_region_info_t;

/* ---- Call options ------------------------------------------------------------------ */

typedef uint64_t zx_iob_write_options_t;
typedef uint32_t zx_iob_allocate_id_options_t;

__END_CDECLS

#endif /* SYSROOT_ZIRCON_SYSCALLS_IOB_H_ */
