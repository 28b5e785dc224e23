/* zx-shim: zx_object_get_info() topics and records, and zx_object_get/set_property()
 * properties. */
#ifndef SYSROOT_ZIRCON_SYSCALLS_OBJECT_H_
#define SYSROOT_ZIRCON_SYSCALLS_OBJECT_H_

#include <stddef.h>
#include <stdint.h>
#include <zircon/compiler.h>
#include <zircon/syscalls/iob.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* ---- Topics ------------------------------------------------------------------------ */

typedef uint32_t zx_object_info_topic_t;

/* A topic whose record layout changed carries its version in the top four bits. */
#define __ZX_INFO_TOPIC(t, v) ((zx_object_info_topic_t)((t) | ((v) << 28)))

#define ZX_INFO_NONE ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC ((zx_object_info_topic_t)2u)       /* zx_info_handle_basic_t[1] */
#define ZX_INFO_VMAR ((zx_object_info_topic_t)7u)               /* zx_info_vmar_t[1] */
#define ZX_INFO_PROCESS_MAPS_V1 __ZX_INFO_TOPIC(13u, 0u)
#define ZX_INFO_PROCESS_MAPS_V2 __ZX_INFO_TOPIC(13u, 1u)
#define ZX_INFO_PROCESS_MAPS __ZX_INFO_TOPIC(13u, 2u)           /* zx_info_maps_t[n] */
#define ZX_INFO_PROCESS_VMOS __ZX_INFO_TOPIC(14u, 3u)           /* zx_info_vmo_t[n] */
#define ZX_INFO_HANDLE_COUNT ((zx_object_info_topic_t)19u)      /* zx_info_handle_count_t[1] */
#define ZX_INFO_VMO_V1 __ZX_INFO_TOPIC(23u, 0u)                 /* first 104 bytes */
#define ZX_INFO_VMO_V2 __ZX_INFO_TOPIC(23u, 1u)                 /* first 120 bytes */
#define ZX_INFO_VMO_V3 __ZX_INFO_TOPIC(23u, 2u)                 /* first 128 bytes */
#define ZX_INFO_VMO __ZX_INFO_TOPIC(23u, 3u)                    /* zx_info_vmo_t[1] */
#define ZX_INFO_IOB ((zx_object_info_topic_t)34u)               /* zx_info_iob_t[1] */
#define ZX_INFO_IOB_REGIONS ((zx_object_info_topic_t)35u)       /* zx_iob_region_info_t[n] */
#define ZX_INFO_VMAR_MAPS ((zx_object_info_topic_t)36u)         /* zx_info_maps_t[n] */

/* ---- ZX_INFO_HANDLE_BASIC, ZX_INFO_HANDLE_COUNT ----------------------------------- */

typedef struct zx_info_handle_basic {
  zx_koid_t koid;
  zx_rights_t rights;
  zx_obj_type_t type;
  zx_koid_t related_koid; /* the peer of paired objects, else 0 */
  uint32_t reserved;
  uint8_t padding1[4];
} zx_info_handle_basic_t;

typedef struct zx_info_handle_count {
  uint32_t handle_count;
} zx_info_handle_count_t;

/* ---- ZX_INFO_VMAR ------------------------------------------------------------------ */

typedef struct zx_info_vmar {
  uintptr_t base;
  size_t len;
} zx_info_vmar_t;

/* ---- ZX_INFO_VMO ------------------------------------------------------------------- */

/* zx_info_vmo_t.flags */
#define ZX_INFO_VMO_TYPE_PHYSICAL ((uint32_t)0u)
#define ZX_INFO_VMO_TYPE_PAGED ((uint32_t)1u << 0)
#define ZX_INFO_VMO_RESIZABLE ((uint32_t)1u << 1)
#define ZX_INFO_VMO_IS_COW_CLONE ((uint32_t)1u << 2)
#define ZX_INFO_VMO_VIA_HANDLE ((uint32_t)1u << 3)
#define ZX_INFO_VMO_VIA_MAPPING ((uint32_t)1u << 4)
#define ZX_INFO_VMO_PAGER_BACKED ((uint32_t)1u << 5)
#define ZX_INFO_VMO_CONTIGUOUS ((uint32_t)1u << 6)
#define ZX_INFO_VMO_DISCARDABLE ((uint32_t)1u << 7)
#define ZX_INFO_VMO_IMMUTABLE ((uint32_t)1u << 8)
#define ZX_INFO_VMO_VIA_IOB_HANDLE ((uint32_t)1u << 9)

/* ZX_INFO_VMO_TYPE_PAGED or ZX_INFO_VMO_TYPE_PHYSICAL. */
#define ZX_INFO_VMO_TYPE(flags) ((flags) & ((uint32_t)1u << 0))

/* The current layout. The older topics (ZX_INFO_VMO_V1..V3) return a prefix of it. */
typedef struct zx_info_vmo {
  zx_koid_t koid;
  char name[ZX_MAX_NAME_LEN];
  uint64_t size_bytes;
  zx_koid_t parent_koid; /* 0 unless the VMO is a child */
  size_t num_children;
  size_t num_mappings;
  size_t share_count;
  uint32_t flags;
  uint8_t padding1[4];
  uint64_t committed_bytes;
  zx_rights_t handle_rights; /* the rights of the queried handle */
  uint32_t cache_policy;
  uint64_t metadata_bytes;
  uint64_t committed_change_events;
  uint64_t populated_bytes;
  uint64_t committed_private_bytes;
  uint64_t populated_private_bytes;
  uint64_t committed_scaled_bytes;
  uint64_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes; /* 63-bit fixed point */
  uint64_t populated_fractional_scaled_bytes;
} zx_info_vmo_t;

/* ---- ZX_INFO_VMAR_MAPS, ZX_INFO_PROCESS_MAPS --------------------------------------- */

/* zx_info_maps_t.type */
#define ZX_INFO_MAPS_TYPE_NONE ((uint32_t)0u)
#define ZX_INFO_MAPS_TYPE_ASPACE ((uint32_t)1u)
#define ZX_INFO_MAPS_TYPE_VMAR ((uint32_t)2u)
#define ZX_INFO_MAPS_TYPE_MAPPING ((uint32_t)3u)

/* The union member of a ZX_INFO_MAPS_TYPE_MAPPING entry. */
typedef struct zx_info_maps_mapping {
  zx_vm_option_t mmu_flags; /* ZX_VM_PERM_* bits only */
  uint8_t padding1[4];
  zx_koid_t vmo_koid;
  uint64_t vmo_offset;
  size_t committed_bytes;
  size_t populated_bytes;
  size_t committed_private_bytes;
  size_t populated_private_bytes;
  size_t committed_scaled_bytes;
  size_t populated_scaled_bytes;
  uint64_t committed_fractional_scaled_bytes;
  uint64_t populated_fractional_scaled_bytes;
} zx_info_maps_mapping_t;

/* One entry per VMAR and per protection range of a mapping, depth-first pre-order. */
typedef struct zx_info_maps {
  char name[ZX_MAX_NAME_LEN];
  zx_vaddr_t base;
  size_t size;
  size_t depth; /* 0 for the queried object */
  uint32_t type; /* ZX_INFO_MAPS_TYPE_* */
  uint8_t padding1[4];
  union {
    zx_info_maps_mapping_t mapping;
  } u;
} zx_info_maps_t;

/* ---- Properties -------------------------------------------------------------------- */

/* char[ZX_MAX_NAME_LEN]; set truncates to ZX_MAX_NAME_LEN - 1 bytes. */
#define ZX_PROP_NAME ((uint32_t)3u)
/* uint64_t: a VMO's content ("stream") size. */
#define ZX_PROP_VMO_CONTENT_SIZE ((uint32_t)17u)

__END_CDECLS

#endif /* SYSROOT_ZIRCON_SYSCALLS_OBJECT_H_ */
