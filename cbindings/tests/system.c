/* zx_system_get_page_size, zx_system_get_features, zx_clock_get_monotonic,
 * zx_deadline_after, zx_status_get_string and zx_vmar_root_self (zircon-abi.md §1.1, §1.3,
 * §1.12, §3.2; spec/README.md "Supporting names"). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <time.h>
#include <unistd.h>
#include <zircon/features.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

static int64_t host_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* §1.1: "Code should use zx_system_get_page_size()": the host page, 4096 here. */
static void page_size_is_the_host_page_size(void) {
  EXPECT_EQ_U64(zx_system_get_page_size(), ZX_PAGE_SIZE);
  EXPECT_EQ_U64(zx_system_get_page_size(), (uint64_t)sysconf(_SC_PAGESIZE));
}

/* §1.12: "A Linux shim should report 0 for KIND_VM (no execute-only)". */
static void vm_features_report_no_execute_only(void) {
  uint32_t features = 0xffffffffu;
  EXPECT_OK(zx_system_get_features(ZX_FEATURE_KIND_VM, &features));
  EXPECT_EQ_U64(features & ZX_VM_FEATURE_CAN_MAP_XOM, 0);
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_system_get_features(ZX_FEATURE_KIND_VM, NULL));
}

/* spec/README.md: zx_clock_get_monotonic() is host CLOCK_MONOTONIC nanoseconds. */
static void clock_monotonic_is_host_monotonic_and_never_goes_back(void) {
  int64_t before = host_monotonic_ns();
  zx_instant_mono_t now = zx_clock_get_monotonic();
  int64_t after = host_monotonic_ns();
  EXPECT_TRUE(before <= now && now <= after);
  zx_instant_mono_t last = zx_clock_get_monotonic();
  int went_back = 0;
  for (int i = 0; i < 10000; i++) {
    zx_instant_mono_t t = zx_clock_get_monotonic();
    went_back |= t < last;
    last = t;
  }
  EXPECT_TRUE(!went_back);
  struct timespec pause = {0, 2000000};
  nanosleep(&pause, NULL);
  EXPECT_TRUE(zx_clock_get_monotonic() - now >= ZX_MSEC(2));
}

/* zx_deadline_after(d) = now + d, saturating (the header's inline and the exported symbol
 * agree). */
static void deadline_after_adds_to_now_and_saturates(void) {
  zx_instant_mono_t before = zx_clock_get_monotonic();
  zx_instant_mono_t deadline = zx_deadline_after(ZX_MSEC(10));
  zx_instant_mono_t after = zx_clock_get_monotonic();
  EXPECT_TRUE(before + ZX_MSEC(10) <= deadline && deadline <= after + ZX_MSEC(10));
  EXPECT_TRUE(zx_deadline_after(ZX_TIME_INFINITE) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_deadline_after(ZX_TIME_INFINITE_PAST) < 0);

  /* The exported function, as Rust and LD_PRELOAD users reach it. */
  typedef zx_instant_mono_t (*deadline_fn)(zx_duration_t);
  deadline_fn exported = (deadline_fn)dlsym(RTLD_DEFAULT, "zx_deadline_after");
  ASSERT_TRUE(exported != NULL);
  before = zx_clock_get_monotonic();
  deadline = exported(ZX_SEC(1));
  after = zx_clock_get_monotonic();
  EXPECT_TRUE(before + ZX_SEC(1) <= deadline && deadline <= after + ZX_SEC(1));
  EXPECT_TRUE(exported(ZX_TIME_INFINITE) == ZX_TIME_INFINITE);
  EXPECT_TRUE(exported(ZX_TIME_INFINITE_PAST) < 0);
}

/* zx_status_get_string names every status by its C name. */
static void status_strings_are_the_c_names(void) {
#define STATUS_NAME(s) {s, #s}
  static const struct {
    zx_status_t status;
    const char* name;
  } names[] = {
      STATUS_NAME(ZX_OK),
      STATUS_NAME(ZX_ERR_INTERNAL),
      STATUS_NAME(ZX_ERR_NOT_SUPPORTED),
      STATUS_NAME(ZX_ERR_NO_RESOURCES),
      STATUS_NAME(ZX_ERR_NO_MEMORY),
      STATUS_NAME(ZX_ERR_INTERNAL_INTR_RETRY),
      STATUS_NAME(ZX_ERR_INVALID_ARGS),
      STATUS_NAME(ZX_ERR_BAD_HANDLE),
      STATUS_NAME(ZX_ERR_WRONG_TYPE),
      STATUS_NAME(ZX_ERR_BAD_SYSCALL),
      STATUS_NAME(ZX_ERR_OUT_OF_RANGE),
      STATUS_NAME(ZX_ERR_BUFFER_TOO_SMALL),
      STATUS_NAME(ZX_ERR_BAD_STATE),
      STATUS_NAME(ZX_ERR_TIMED_OUT),
      STATUS_NAME(ZX_ERR_SHOULD_WAIT),
      STATUS_NAME(ZX_ERR_CANCELED),
      STATUS_NAME(ZX_ERR_PEER_CLOSED),
      STATUS_NAME(ZX_ERR_NOT_FOUND),
      STATUS_NAME(ZX_ERR_ALREADY_EXISTS),
      STATUS_NAME(ZX_ERR_ALREADY_BOUND),
      STATUS_NAME(ZX_ERR_UNAVAILABLE),
      STATUS_NAME(ZX_ERR_ACCESS_DENIED),
      STATUS_NAME(ZX_ERR_IO),
      STATUS_NAME(ZX_ERR_IO_REFUSED),
      STATUS_NAME(ZX_ERR_IO_DATA_INTEGRITY),
      STATUS_NAME(ZX_ERR_IO_DATA_LOSS),
      STATUS_NAME(ZX_ERR_IO_NOT_PRESENT),
      STATUS_NAME(ZX_ERR_IO_OVERRUN),
      STATUS_NAME(ZX_ERR_IO_MISSED_DEADLINE),
      STATUS_NAME(ZX_ERR_IO_INVALID),
      STATUS_NAME(ZX_ERR_BAD_PATH),
      STATUS_NAME(ZX_ERR_NOT_DIR),
      STATUS_NAME(ZX_ERR_NOT_FILE),
      STATUS_NAME(ZX_ERR_FILE_BIG),
      STATUS_NAME(ZX_ERR_NO_SPACE),
      STATUS_NAME(ZX_ERR_NOT_EMPTY),
      STATUS_NAME(ZX_ERR_STOP),
      STATUS_NAME(ZX_ERR_NEXT),
      STATUS_NAME(ZX_ERR_ASYNC),
      STATUS_NAME(ZX_ERR_PROTOCOL_NOT_SUPPORTED),
      STATUS_NAME(ZX_ERR_ADDRESS_UNREACHABLE),
      STATUS_NAME(ZX_ERR_ADDRESS_IN_USE),
      STATUS_NAME(ZX_ERR_NOT_CONNECTED),
      STATUS_NAME(ZX_ERR_CONNECTION_REFUSED),
      STATUS_NAME(ZX_ERR_CONNECTION_RESET),
      STATUS_NAME(ZX_ERR_CONNECTION_ABORTED),
      STATUS_NAME(ZX_ERR_INTERNAL_INTR_KILLED),
  };
#undef STATUS_NAME
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    const char* got = zx_status_get_string(names[i].status);
    if (got == NULL || strcmp(got, names[i].name) != 0) {
      char details[128];
      snprintf(details, sizeof(details), "(%d gave \"%s\")", names[i].status,
               got ? got : "NULL");
      runner_fail(__FILE__, __LINE__, names[i].name, details);
    }
  }
  EXPECT_TRUE(strcmp(zx_status_get_string(-5), "(UNKNOWN)") == 0);
  EXPECT_TRUE(strcmp(zx_status_get_string(12345), "(UNKNOWN)") == 0);
}

/* §3.2: the root VMAR handle has 0x20801F (ZX_DEFAULT_VMAR_RIGHTS + READ/WRITE/EXECUTE)
 * and is the same handle on every call. */
static void root_vmar_handle_has_the_root_rights(void) {
  zx_handle_t root = zx_vmar_root_self();
  ASSERT_TRUE(root != ZX_HANDLE_INVALID);
  EXPECT_EQ_U64(zx_vmar_root_self(), root);
  EXPECT_OK(zx_handle_check_valid(root));
  zx_info_handle_basic_t info = basic_info(root);
  EXPECT_EQ_U64(info.type, ZX_OBJ_TYPE_VMAR);
  EXPECT_EQ_U64(info.rights, 0x20801Fu);
  EXPECT_EQ_U64(info.rights,
                ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE);
}

int main(void) {
  RUN_TEST(page_size_is_the_host_page_size);
  RUN_TEST(vm_features_report_no_execute_only);
  RUN_TEST(clock_monotonic_is_host_monotonic_and_never_goes_back);
  RUN_TEST(deadline_after_adds_to_now_and_saturates);
  RUN_TEST(status_strings_are_the_c_names);
  RUN_TEST(root_vmar_handle_has_the_root_rights);
  return TEST_SUMMARY();
}
