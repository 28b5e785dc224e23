/* zx-shim: page geometry. Code should ask zx_system_get_page_size() at run time; these are
 * the values of the architectures zx-shim supports. */
#ifndef SYSROOT_ZIRCON_LIMITS_H_
#define SYSROOT_ZIRCON_LIMITS_H_

#include <stdint.h>

#define ZX_PAGE_SHIFT ((uint32_t)12u)
/* uintptr_t, so that `addr & ~ZX_PAGE_MASK` keeps the high bits of a 64-bit address. */
#define ZX_PAGE_SIZE ((uintptr_t)1u << ZX_PAGE_SHIFT)
#define ZX_PAGE_MASK (ZX_PAGE_SIZE - 1u)

#define ZX_MIN_PAGE_SHIFT ((uint32_t)12u)
#if defined(__aarch64__)
#define ZX_MAX_PAGE_SHIFT ((uint32_t)16u)
#else
#define ZX_MAX_PAGE_SHIFT ((uint32_t)21u)
#endif

#endif /* SYSROOT_ZIRCON_LIMITS_H_ */
