/* A minimal test runner for the C programs in cbindings/tests/.
 *
 * Each test is a function `static void name(void)`; main() calls RUN_TEST(name) for each
 * and returns TEST_SUMMARY(). Output, one line each:
 *   PASS name
 *   FAIL name: file:line expression [details]
 * then "N passed, M failed" alone on the last line. The exit status is non-zero when any
 * test failed. EXPECT_* record a failure and continue; ASSERT_* also return from the test. */
#ifndef ZX_SHIM_CBINDINGS_TESTS_RUNNER_H_
#define ZX_SHIM_CBINDINGS_TESTS_RUNNER_H_

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zircon/status.h>
#include <zircon/types.h>

static const char* runner_current_test = "";
static int runner_current_failed = 0;
static int runner_passed = 0;
static int runner_failed = 0;

static inline void runner_fail(const char* file, int line, const char* expr, const char* details) {
  const char* base = strrchr(file, '/');
  file = base ? base + 1 : file;
  printf("FAIL %s: %s:%d %s%s%s\n", runner_current_test, file, line, expr, details[0] ? " " : "",
         details);
  fflush(stdout);
  runner_current_failed = 1;
}

static inline void runner_run(const char* name, void (*test)(void)) {
  runner_current_test = name;
  runner_current_failed = 0;
  test();
  if (runner_current_failed) {
    runner_failed++;
  } else {
    runner_passed++;
    printf("PASS %s\n", name);
    fflush(stdout);
  }
}

static inline int runner_summary(void) {
  printf("%d passed, %d failed\n", runner_passed, runner_failed);
  fflush(stdout);
  return runner_failed == 0 && runner_passed > 0 ? 0 : 1;
}

/* Records a failure of a status comparison; returns 1 if it failed. */
static inline int runner_check_status(const char* file, int line, const char* expr,
                                      zx_status_t got, zx_status_t want) {
  if (got == want) {
    return 0;
  }
  char details[160];
  snprintf(details, sizeof(details), "(got %s, want %s)", zx_status_get_string(got),
           zx_status_get_string(want));
  runner_fail(file, line, expr, details);
  return 1;
}

/* Records a failure of an integer comparison; returns 1 if it failed. */
static inline int runner_check_u64(const char* file, int line, const char* expr, uint64_t got,
                                   uint64_t want) {
  if (got == want) {
    return 0;
  }
  char details[96];
  snprintf(details, sizeof(details), "(got 0x%" PRIx64 ", want 0x%" PRIx64 ")", got, want);
  runner_fail(file, line, expr, details);
  return 1;
}

#define RUN_TEST(fn) runner_run(#fn, fn)
#define TEST_SUMMARY() runner_summary()

#define EXPECT_TRUE(expr)                          \
  do {                                             \
    if (!(expr)) {                                 \
      runner_fail(__FILE__, __LINE__, #expr, ""); \
    }                                              \
  } while (0)

#define ASSERT_TRUE(expr)                          \
  do {                                             \
    if (!(expr)) {                                 \
      runner_fail(__FILE__, __LINE__, #expr, ""); \
      return;                                      \
    }                                              \
  } while (0)

/* `call` must return `want` (both zx_status_t). */
#define EXPECT_STATUS(want, call) \
  ((void)runner_check_status(__FILE__, __LINE__, #call, (call), (want)))

#define ASSERT_STATUS(want, call)                                             \
  do {                                                                        \
    if (runner_check_status(__FILE__, __LINE__, #call, (call), (want))) {     \
      return;                                                                 \
    }                                                                         \
  } while (0)

#define EXPECT_OK(call) EXPECT_STATUS(ZX_OK, call)
#define ASSERT_OK(call) ASSERT_STATUS(ZX_OK, call)

/* Unsigned integer equality, printed in hex on failure. */
#define EXPECT_EQ_U64(got, want) \
  ((void)runner_check_u64(__FILE__, __LINE__, #got " == " #want, (uint64_t)(got), (uint64_t)(want)))

#define ASSERT_EQ_U64(got, want)                                                           \
  do {                                                                                     \
    if (runner_check_u64(__FILE__, __LINE__, #got " == " #want, (uint64_t)(got),           \
                         (uint64_t)(want))) {                                              \
      return;                                                                              \
    }                                                                                      \
  } while (0)

#endif /* ZX_SHIM_CBINDINGS_TESTS_RUNNER_H_ */
