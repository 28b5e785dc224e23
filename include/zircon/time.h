/* zx-shim: time and duration types, ZX_TIME_INFINITE*, the ZX_NSEC()..ZX_HOUR() duration
 * macros and saturating arithmetic on times and durations.
 *
 * Times are signed nanoseconds on a clock (zx_clock_get_monotonic(): the host's
 * CLOCK_MONOTONIC). Arithmetic saturates at ZX_TIME_INFINITE / ZX_TIME_INFINITE_PAST
 * instead of overflowing, so "now + a huge timeout" is simply "never". */
#ifndef SYSROOT_ZIRCON_TIME_H_
#define SYSROOT_ZIRCON_TIME_H_

#include <stdint.h>
#include <zircon/compiler.h>

typedef int64_t zx_time_t;
typedef int64_t zx_instant_mono_t;
typedef int64_t zx_duration_t;

#define ZX_TIME_INFINITE INT64_MAX
#define ZX_TIME_INFINITE_PAST INT64_MIN

#if !defined(__GNUC__) && !defined(__clang__)
#error "<zircon/time.h> needs a GNU C compatible compiler (gcc or clang)"
#endif

__BEGIN_CDECLS

/* a + b, saturating in the direction of the overflow. */
static inline int64_t __zx_time_saturating_add(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
  }
  return sum;
}

/* a - b, saturating in the direction of the overflow. */
static inline int64_t __zx_time_saturating_sub(int64_t a, int64_t b) {
  int64_t diff;
  if (__builtin_sub_overflow(a, b, &diff)) {
    return b < 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
  }
  return diff;
}

static inline zx_time_t zx_time_add_duration(zx_time_t time, zx_duration_t duration) {
  return __zx_time_saturating_add(time, duration);
}

static inline zx_time_t zx_time_sub_duration(zx_time_t time, zx_duration_t duration) {
  return __zx_time_saturating_sub(time, duration);
}

static inline zx_duration_t zx_time_sub_time(zx_time_t time1, zx_time_t time2) {
  return __zx_time_saturating_sub(time1, time2);
}

static inline zx_duration_t zx_duration_add_duration(zx_duration_t dur1, zx_duration_t dur2) {
  return __zx_time_saturating_add(dur1, dur2);
}

static inline zx_duration_t zx_duration_sub_duration(zx_duration_t dur1, zx_duration_t dur2) {
  return __zx_time_saturating_sub(dur1, dur2);
}

/* duration * multiplier, saturating towards the sign of the exact product. */
static inline zx_duration_t zx_duration_mul_int64(zx_duration_t duration, int64_t multiplier) {
  int64_t product;
  if (__builtin_mul_overflow(duration, multiplier, &product)) {
    return ((duration > 0) == (multiplier > 0)) ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
  }
  return product;
}

static inline zx_duration_t zx_duration_from_nsec(int64_t n) { return zx_duration_mul_int64(1, n); }
static inline zx_duration_t zx_duration_from_usec(int64_t n) {
  return zx_duration_mul_int64(1000, n);
}
static inline zx_duration_t zx_duration_from_msec(int64_t n) {
  return zx_duration_mul_int64(1000000, n);
}
static inline zx_duration_t zx_duration_from_sec(int64_t n) {
  return zx_duration_mul_int64(1000000000, n);
}
static inline zx_duration_t zx_duration_from_min(int64_t n) {
  return zx_duration_mul_int64(60LL * 1000000000, n);
}
static inline zx_duration_t zx_duration_from_hour(int64_t n) {
  return zx_duration_mul_int64(3600LL * 1000000000, n);
}

__END_CDECLS

/* Duration constructors. A compile-time constant argument gives a constant expression
 * (usable in static initialisers); a run-time argument saturates like the helpers above. */
#define ZX_NSEC(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(1LL * (n))) : zx_duration_from_nsec(n))
#define ZX_USEC(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(1000LL * (n))) : zx_duration_from_usec(n))
#define ZX_MSEC(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(1000000LL * (n))) : zx_duration_from_msec(n))
#define ZX_SEC(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(1000000000LL * (n))) : zx_duration_from_sec(n))
#define ZX_MIN(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(60LL * 1000000000LL * (n))) : zx_duration_from_min(n))
#define ZX_HOUR(n) \
  (__ISCONSTANT(n) ? ((zx_duration_t)(3600LL * 1000000000LL * (n))) : zx_duration_from_hour(n))

#endif /* SYSROOT_ZIRCON_TIME_H_ */
