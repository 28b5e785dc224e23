/* zx-shim: zx_system_get_features() kinds and feature bits. */
#ifndef SYSROOT_ZIRCON_FEATURES_H_
#define SYSROOT_ZIRCON_FEATURES_H_

#include <stdint.h>

/* `kind` argument of zx_system_get_features(). */
#define ZX_FEATURE_KIND_CPU ((uint32_t)0u)
#define ZX_FEATURE_KIND_HW_BREAKPOINT_COUNT ((uint32_t)1u)
#define ZX_FEATURE_KIND_HW_WATCHPOINT_COUNT ((uint32_t)2u)
#define ZX_FEATURE_KIND_ADDRESS_TAGGING ((uint32_t)3u)
#define ZX_FEATURE_KIND_VM ((uint32_t)4u)

/* ZX_FEATURE_KIND_VM bits. zx-shim reports none: Linux cannot map execute-only, so
 * ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED always means ZX_VM_PERM_READ. */
#define ZX_VM_FEATURE_CAN_MAP_XOM ((uint32_t)1u << 0)

#endif /* SYSROOT_ZIRCON_FEATURES_H_ */
