/* Small helpers shared by the C tests: object info and handle shorthands. */
#ifndef ZX_SHIM_CBINDINGS_TESTS_HELPERS_H_
#define ZX_SHIM_CBINDINGS_TESTS_HELPERS_H_

#include <string.h>
#include <zircon/syscalls.h>

/* ZX_INFO_HANDLE_BASIC of `handle`; a zeroed record (type ZX_OBJ_TYPE_NONE) on failure. */
static inline zx_info_handle_basic_t basic_info(zx_handle_t handle) {
  zx_info_handle_basic_t info;
  memset(&info, 0, sizeof(info));
  if (zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) !=
      ZX_OK) {
    memset(&info, 0, sizeof(info));
  }
  return info;
}

/* The rights of `handle`, or 0xffffffff (never a valid rights word here) on failure. */
static inline zx_rights_t rights_of(zx_handle_t handle) {
  zx_info_handle_basic_t info;
  memset(&info, 0, sizeof(info));
  if (zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) !=
      ZX_OK) {
    return 0xffffffffu;
  }
  return info.rights;
}

/* ZX_INFO_VMO of `vmo`; a zeroed record on failure. */
static inline zx_info_vmo_t vmo_info(zx_handle_t vmo) {
  zx_info_vmo_t info;
  memset(&info, 0, sizeof(info));
  if (zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL) != ZX_OK) {
    memset(&info, 0, sizeof(info));
  }
  return info;
}

/* True if `handle` is still in the handle table. */
static inline int handle_is_live(zx_handle_t handle) {
  return zx_object_get_info(handle, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL) == ZX_OK;
}

#endif /* ZX_SHIM_CBINDINGS_TESTS_HELPERS_H_ */
