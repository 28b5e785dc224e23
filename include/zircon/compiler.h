/* zx-shim: compiler helpers used by the <zircon/...> headers.
 *
 * Every macro is guarded so that a toolchain or libc that already provides one of these
 * names keeps its own definition. */
#ifndef SYSROOT_ZIRCON_COMPILER_H_
#define SYSROOT_ZIRCON_COMPILER_H_

/* C linkage for the declarations in between, when included from C++. */
#ifndef __BEGIN_CDECLS
#ifdef __cplusplus
#define __BEGIN_CDECLS extern "C" {
#define __END_CDECLS }
#else
#define __BEGIN_CDECLS
#define __END_CDECLS
#endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#define __ZX_GNU_ATTR(x) __attribute__(x)
#else
#define __ZX_GNU_ATTR(x)
#endif

/* The result depends only on the arguments (no memory is read). */
#ifndef __CONST
#define __CONST __ZX_GNU_ATTR((__const__))
#endif

/* The result depends only on the arguments and global memory. */
#ifndef __PURE
#define __PURE __ZX_GNU_ATTR((__pure__))
#endif

/* The function never calls back into the caller's translation unit. */
#ifndef __LEAF_FN
#define __LEAF_FN __ZX_GNU_ATTR((__leaf__))
#endif

#ifndef __NO_RETURN
#define __NO_RETURN __ZX_GNU_ATTR((__noreturn__))
#endif

#ifndef __WARN_UNUSED_RESULT
#define __WARN_UNUSED_RESULT __ZX_GNU_ATTR((__warn_unused_result__))
#endif

#ifndef __UNUSED
#define __UNUSED __ZX_GNU_ATTR((__unused__))
#endif

#ifndef __ALWAYS_INLINE
#define __ALWAYS_INLINE __ZX_GNU_ATTR((__always_inline__))
#endif

#ifndef __EXPORT
#define __EXPORT __ZX_GNU_ATTR((__visibility__("default")))
#endif

#ifndef __ALIGNED
#define __ALIGNED(x) __ZX_GNU_ATTR((__aligned__(x)))
#endif

/* True when `x` is a compile-time constant (always false without GNU C). */
#ifndef __ISCONSTANT
#if defined(__GNUC__) || defined(__clang__)
#define __ISCONSTANT(x) __builtin_constant_p(x)
#else
#define __ISCONSTANT(x) 0
#endif
#endif

/* A static assertion usable from both C (C11) and C++ (C++11). */
#ifndef __ZX_STATIC_ASSERT
#ifdef __cplusplus
#define __ZX_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define __ZX_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif
#endif

#endif /* SYSROOT_ZIRCON_COMPILER_H_ */
