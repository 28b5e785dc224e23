/* zx_object_get_info: ZX_INFO_HANDLE_VALID, ZX_INFO_HANDLE_BASIC, ZX_INFO_VMO (and its
 * older versions), ZX_INFO_VMAR, and the generic record rules (zircon-abi.md §1.8). */
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

#define PAGE ((uint64_t)ZX_PAGE_SIZE)

/* §1.8: HANDLE_VALID needs no buffer and answers OK / BAD_HANDLE only. */
static void handle_valid_reports_liveness(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  EXPECT_OK(zx_object_get_info(vmo, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
  ASSERT_OK(zx_handle_close(vmo));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE,
                zx_object_get_info(vmo, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE,
                zx_object_get_info(ZX_HANDLE_INVALID, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
}

/* §1.8: zx_info_handle_basic_t: koid, rights, type; related_koid 0 for a VMO; one record. */
static void handle_basic_describes_the_handle(void) {
  zx_handle_t a, b;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &a));
  ASSERT_OK(zx_vmo_create(PAGE, 0, &b));
  zx_info_handle_basic_t info;
  memset(&info, 0xcc, sizeof(info));
  size_t actual = 99, avail = 99;
  ASSERT_OK(zx_object_get_info(a, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), &actual, &avail));
  EXPECT_EQ_U64(actual, 1);
  EXPECT_EQ_U64(avail, 1);
  EXPECT_TRUE(info.koid >= ZX_KOID_FIRST);
  EXPECT_EQ_U64(info.rights, ZX_DEFAULT_VMO_RIGHTS);
  EXPECT_EQ_U64(info.type, ZX_OBJ_TYPE_VMO);
  EXPECT_EQ_U64(info.related_koid, 0);
  EXPECT_EQ_U64(info.reserved, 0);
  /* Another object has another koid; another handle to the same object has the same. */
  EXPECT_TRUE(basic_info(b).koid != info.koid);
  zx_handle_t dup;
  ASSERT_OK(zx_handle_duplicate(a, ZX_RIGHT_READ, &dup));
  EXPECT_EQ_U64(basic_info(dup).koid, info.koid);
  zx_handle_close(dup);
  zx_handle_close(a);
  zx_handle_close(b);
}

/* §1.8: HANDLE_BASIC needs no right; actual and avail may be NULL. */
static void handle_basic_needs_no_rights(void) {
  zx_handle_t vmo, bare;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_NONE, &bare));
  zx_info_handle_basic_t info;
  memset(&info, 0xcc, sizeof(info));
  EXPECT_OK(zx_object_get_info(bare, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL));
  EXPECT_EQ_U64(info.rights, ZX_RIGHT_NONE);
  EXPECT_EQ_U64(info.type, ZX_OBJ_TYPE_VMO);
  zx_handle_close(bare);
  zx_handle_close(vmo);
}

/* §1.8: a single-record topic with a short buffer returns BUFFER_TOO_SMALL after writing
 * actual=0 / avail=1, and leaves the buffer alone. */
static void short_buffer_is_buffer_too_small_with_counts(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  zx_info_handle_basic_t info;
  memset(&info, 0xcc, sizeof(info));
  size_t actual = 99, avail = 99;
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &info, sizeof(info) - 1, &actual,
                                   &avail));
  EXPECT_EQ_U64(actual, 0);
  EXPECT_EQ_U64(avail, 1);
  EXPECT_EQ_U64(info.rights, 0xccccccccu);
  actual = 99;
  avail = 99;
  zx_info_vmo_t vinfo;
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_object_get_info(vmo, ZX_INFO_VMO, &vinfo, 0, &actual, &avail));
  EXPECT_EQ_U64(actual, 0);
  EXPECT_EQ_U64(avail, 1);
  zx_handle_close(vmo);
}

/* §1.8: handle errors come first; an unknown topic is NOT_SUPPORTED. */
static void bad_handle_wrong_type_and_unknown_topic(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  zx_info_vmar_t vmar;
  zx_info_vmo_t vinfo;
  zx_info_handle_basic_t basic;
  EXPECT_STATUS(ZX_ERR_WRONG_TYPE,
                zx_object_get_info(vmo, ZX_INFO_VMAR, &vmar, sizeof(vmar), NULL, NULL));
  EXPECT_STATUS(ZX_ERR_WRONG_TYPE, zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMO, &vinfo,
                                                      sizeof(vinfo), NULL, NULL));
  uint8_t big[256];
  EXPECT_STATUS(ZX_ERR_NOT_SUPPORTED,
                zx_object_get_info(vmo, 0x7ffu, big, sizeof(big), NULL, NULL));
  ASSERT_OK(zx_handle_close(vmo));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &basic,
                                                      sizeof(basic), NULL, NULL));
}

/* §1.8: zx_info_vmo_t of a plain VMO: koid, size, flags TYPE_PAGED|VIA_HANDLE (+RESIZABLE),
 * handle_rights = the queried handle's rights, cached, no parent/children/mappings. */
static void vmo_info_describes_the_vmo(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(3 * PAGE, 0, &vmo));
  zx_info_vmo_t info;
  memset(&info, 0xcc, sizeof(info));
  size_t actual = 0, avail = 0;
  ASSERT_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), &actual, &avail));
  EXPECT_EQ_U64(actual, 1);
  EXPECT_EQ_U64(avail, 1);
  EXPECT_EQ_U64(info.koid, basic_info(vmo).koid);
  EXPECT_EQ_U64(info.size_bytes, 3 * PAGE);
  EXPECT_EQ_U64(info.parent_koid, 0);
  EXPECT_EQ_U64(info.num_children, 0);
  EXPECT_EQ_U64(info.num_mappings, 0);
  EXPECT_EQ_U64(info.flags, ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE);
  EXPECT_EQ_U64(ZX_INFO_VMO_TYPE(info.flags), ZX_INFO_VMO_TYPE_PAGED);
  EXPECT_EQ_U64(info.handle_rights, ZX_DEFAULT_VMO_RIGHTS);
  EXPECT_EQ_U64(info.cache_policy, ZX_CACHE_POLICY_CACHED);
  EXPECT_EQ_U64(info.committed_bytes, 0);
  EXPECT_EQ_U64(info.name[0], 0);

  /* handle_rights follows the handle; no right is needed for this topic. */
  zx_handle_t reader;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ, &reader));
  EXPECT_EQ_U64(vmo_info(reader).handle_rights, ZX_RIGHT_READ);
  zx_handle_close(reader);
  zx_handle_close(vmo);

  ASSERT_OK(zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &vmo));
  EXPECT_EQ_U64(vmo_info(vmo).flags,
                ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_RESIZABLE);
  zx_handle_close(vmo);
}

/* §1.8: older ZX_INFO_VMO topics write the matching prefix (104 bytes for V1). */
static void vmo_info_v1_writes_only_its_prefix(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(2 * PAGE, 0, &vmo));
  union {
    zx_info_vmo_t info;
    uint8_t bytes[sizeof(zx_info_vmo_t)];
  } buf;
  memset(&buf, 0xcc, sizeof(buf));
  size_t actual = 0, avail = 0;
  ASSERT_OK(zx_object_get_info(vmo, ZX_INFO_VMO_V1, &buf, 104, &actual, &avail));
  EXPECT_EQ_U64(actual, 1);
  EXPECT_EQ_U64(buf.info.size_bytes, 2 * PAGE);
  EXPECT_EQ_U64(buf.info.koid, basic_info(vmo).koid);
  EXPECT_EQ_U64(buf.info.cache_policy, ZX_CACHE_POLICY_CACHED);
  memset(&buf, 0xcc, sizeof(buf));
  ASSERT_OK(zx_object_get_info(vmo, ZX_INFO_VMO_V1, &buf, sizeof(buf), &actual, &avail));
  int untouched = 1;
  for (size_t i = 104; i < sizeof(buf); i++) {
    untouched &= buf.bytes[i] == 0xcc;
  }
  EXPECT_TRUE(untouched);
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_object_get_info(vmo, ZX_INFO_VMO_V1, &buf, 103, &actual, &avail));
  zx_handle_close(vmo);
}

/* §1.8 ZX_INFO_VMAR on the root VMAR (§3.10: it covers the user address space); needs
 * INSPECT. */
static void vmar_info_of_the_root_vmar(void) {
  zx_handle_t root = zx_vmar_root_self();
  ASSERT_TRUE(root != ZX_HANDLE_INVALID);
  zx_info_vmar_t info;
  memset(&info, 0, sizeof(info));
  size_t actual = 0, avail = 0;
  ASSERT_OK(zx_object_get_info(root, ZX_INFO_VMAR, &info, sizeof(info), &actual, &avail));
  EXPECT_EQ_U64(actual, 1);
  EXPECT_EQ_U64(avail, 1);
  EXPECT_TRUE(info.base != 0);
  EXPECT_EQ_U64(info.base % PAGE, 0);
  EXPECT_TRUE(info.len >= PAGE);
  EXPECT_EQ_U64(info.len % PAGE, 0);
  EXPECT_TRUE(info.base + info.len > info.base);
  zx_info_handle_basic_t basic = basic_info(root);
  EXPECT_EQ_U64(basic.type, ZX_OBJ_TYPE_VMAR);
  EXPECT_TRUE(basic.koid >= ZX_KOID_FIRST);

  zx_handle_t blind;
  ASSERT_OK(zx_handle_duplicate(root, ZX_RIGHT_SAME_RIGHTS, &blind));
  ASSERT_OK(zx_handle_replace(blind, rights_of(root) & ~ZX_RIGHT_INSPECT, &blind));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_object_get_info(blind, ZX_INFO_VMAR, &info, sizeof(info), NULL, NULL));
  zx_handle_close(blind);
}

int main(void) {
  RUN_TEST(handle_valid_reports_liveness);
  RUN_TEST(handle_basic_describes_the_handle);
  RUN_TEST(handle_basic_needs_no_rights);
  RUN_TEST(short_buffer_is_buffer_too_small_with_counts);
  RUN_TEST(bad_handle_wrong_type_and_unknown_topic);
  RUN_TEST(vmo_info_describes_the_vmo);
  RUN_TEST(vmo_info_v1_writes_only_its_prefix);
  RUN_TEST(vmar_info_of_the_root_vmar);
  return TEST_SUMMARY();
}
