/* What the headers themselves provide, used from C and C++: the saturating time helpers
 * and duration macros, typed constants, anonymous-union members, and that the headers
 * coexist in one translation unit. (Values and layouts are checked by build.rs against
 * zx-sys; this program checks the behaviour of the inline code.) */
#include <zircon/compiler.h>
#include <zircon/errors.h>
#include <zircon/features.h>
#include <zircon/limits.h>
#include <zircon/process.h>
#include <zircon/rights.h>
#include <zircon/status.h>
#include <zircon/syscalls-next.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/iob.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>
#include <zircon/time.h>
#include <zircon/types.h>

#include "runner.h"

/* Duration macros with constant arguments are constant expressions. */
static const zx_duration_t kTimeout = ZX_MSEC(250);

static void duration_macros_scale_to_nanoseconds(void) {
  EXPECT_TRUE(ZX_NSEC(7) == 7);
  EXPECT_TRUE(ZX_USEC(7) == 7000);
  EXPECT_TRUE(ZX_MSEC(7) == 7000000);
  EXPECT_TRUE(ZX_SEC(7) == 7000000000LL);
  EXPECT_TRUE(ZX_MIN(2) == 120000000000LL);
  EXPECT_TRUE(ZX_HOUR(1) == 3600000000000LL);
  EXPECT_TRUE(kTimeout == 250000000);
  /* Run-time arguments saturate instead of overflowing. */
  volatile int64_t big = INT64_MAX / 1000 + 1;
  volatile int64_t small = -(INT64_MAX / 1000) - 2;
  volatile int64_t three = 3;
  EXPECT_TRUE(ZX_USEC(big) == ZX_TIME_INFINITE);
  EXPECT_TRUE(ZX_USEC(small) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(ZX_SEC(three) == 3000000000LL);
  EXPECT_TRUE(ZX_HOUR(big) == ZX_TIME_INFINITE);
}

static void time_arithmetic_saturates(void) {
  EXPECT_TRUE(zx_time_add_duration(100, 23) == 123);
  EXPECT_TRUE(zx_time_add_duration(ZX_TIME_INFINITE - 5, 10) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_time_add_duration(ZX_TIME_INFINITE_PAST + 5, -10) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(zx_time_sub_duration(100, 23) == 77);
  EXPECT_TRUE(zx_time_sub_duration(ZX_TIME_INFINITE_PAST + 5, 10) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(zx_time_sub_duration(ZX_TIME_INFINITE - 5, -10) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_time_sub_time(123, 100) == 23);
  EXPECT_TRUE(zx_time_sub_time(ZX_TIME_INFINITE, ZX_TIME_INFINITE_PAST) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_time_sub_time(ZX_TIME_INFINITE_PAST, ZX_TIME_INFINITE) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(zx_duration_add_duration(ZX_SEC(1), ZX_MSEC(1)) == 1001000000);
  EXPECT_TRUE(zx_duration_add_duration(ZX_TIME_INFINITE, 1) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_duration_sub_duration(ZX_TIME_INFINITE_PAST, 1) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(zx_duration_sub_duration(5, 7) == -2);
  EXPECT_TRUE(zx_duration_mul_int64(ZX_MSEC(3), 4) == ZX_MSEC(12));
  EXPECT_TRUE(zx_duration_mul_int64(-5, 3) == -15);
  EXPECT_TRUE(zx_duration_mul_int64(INT64_MAX / 2, 3) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_duration_mul_int64(INT64_MAX / 2, -3) == ZX_TIME_INFINITE_PAST);
  EXPECT_TRUE(zx_duration_mul_int64(-(INT64_MAX / 2), -3) == ZX_TIME_INFINITE);
  EXPECT_TRUE(zx_duration_mul_int64(ZX_TIME_INFINITE_PAST, -1) == ZX_TIME_INFINITE);
}

/* Constants carry their ABI type, as Fuchsia's do. */
static void constants_are_typed(void) {
  EXPECT_EQ_U64(sizeof(ZX_RIGHT_READ), sizeof(zx_rights_t));
  EXPECT_EQ_U64(sizeof(ZX_RIGHT_SAME_RIGHTS), sizeof(zx_rights_t));
  EXPECT_TRUE(ZX_RIGHT_SAME_RIGHTS > 0);
  EXPECT_EQ_U64(sizeof(ZX_VM_PERM_READ), sizeof(zx_vm_option_t));
  EXPECT_EQ_U64(sizeof(ZX_VM_ALIGN_4GB), sizeof(zx_vm_option_t));
  EXPECT_TRUE(ZX_VM_ALIGN_4GB > 0);
  EXPECT_EQ_U64(sizeof(ZX_HANDLE_INVALID), sizeof(zx_handle_t));
  EXPECT_EQ_U64(sizeof(ZX_USER_SIGNAL_7), sizeof(zx_signals_t));
  EXPECT_EQ_U64(sizeof(ZX_INFO_VMO), sizeof(zx_object_info_topic_t));
  EXPECT_EQ_U64(sizeof(ZX_KOID_FIRST), sizeof(zx_koid_t));
  EXPECT_EQ_U64(sizeof(ZX_PAGER_VMO_DIRTY), sizeof(uint16_t));
  EXPECT_TRUE(ZX_ERR_BAD_HANDLE < 0);
  EXPECT_EQ_U64(sizeof(ZX_ERR_BAD_HANDLE), sizeof(int));
  /* Page masks work on full-width addresses. */
  uintptr_t addr = (uintptr_t)0x7fff12345678u;
  EXPECT_EQ_U64(addr & ~ZX_PAGE_MASK, (uintptr_t)0x7fff12345000u);
  EXPECT_EQ_U64(ZX_INFO_VMO_TYPE(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE),
                ZX_INFO_VMO_TYPE_PAGED);
}

/* Members of the anonymous unions are reached directly, as C code writes them. */
static void anonymous_union_members_alias(void) {
  zx_port_packet_t packet;
  memset(&packet, 0, sizeof(packet));
  packet.type = ZX_PKT_TYPE_PAGE_REQUEST;
  packet.page_request.command = ZX_PAGER_VMO_DIRTY;
  packet.page_request.offset = 0x3000;
  packet.page_request.length = 0x1000;
  EXPECT_EQ_U64(packet.user.u64[1], 0x3000);
  EXPECT_EQ_U64(packet.user.u16[0], ZX_PAGER_VMO_DIRTY);
  packet.signal.trigger = ZX_USER_SIGNAL_0;
  EXPECT_EQ_U64(packet.user.u32[0], ZX_USER_SIGNAL_0);
  EXPECT_EQ_U64((const uint8_t*)&packet.user - (const uint8_t*)&packet, 16);
  EXPECT_EQ_U64((const uint8_t*)&packet.guest_bell - (const uint8_t*)&packet, 16);
  EXPECT_EQ_U64((const uint8_t*)&packet.interrupt - (const uint8_t*)&packet, 16);
  EXPECT_EQ_U64(sizeof(packet), 48);

  zx_iob_region_t region;
  memset(&region, 0, sizeof(region));
  region.type = ZX_IOB_REGION_TYPE_PRIVATE;
  region.discipline.type = ZX_IOB_DISCIPLINE_TYPE_NONE;
  region.discipline.reserved[7] = 1;
  region.private_region.options = 0x12345678u;
  EXPECT_EQ_U64(region.max_extension[0], 0x78);
  EXPECT_EQ_U64((const uint8_t*)&region.private_region - (const uint8_t*)&region, 88);
  EXPECT_EQ_U64(sizeof(region), 120);

  zx_info_maps_t entry;
  memset(&entry, 0, sizeof(entry));
  entry.u.mapping.vmo_offset = 5;
  EXPECT_EQ_U64((const uint8_t*)&entry.u.mapping.vmo_offset - (const uint8_t*)&entry, 80);
  EXPECT_EQ_U64(sizeof(zx_vmo_dirty_range_t), 24);
}

int main(void) {
  RUN_TEST(duration_macros_scale_to_nanoseconds);
  RUN_TEST(time_arithmetic_saturates);
  RUN_TEST(constants_are_typed);
  RUN_TEST(anonymous_union_members_alias);
  return TEST_SUMMARY();
}
