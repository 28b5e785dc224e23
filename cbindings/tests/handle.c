/* zx_handle_close, zx_handle_close_many, zx_handle_duplicate, zx_handle_replace,
 * zx_handle_check_valid (zircon-abi.md §2.6). Handles are made with zx_vmo_create, whose
 * new handles carry ZX_DEFAULT_VMO_RIGHTS (§1.3). */
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

static zx_handle_t new_vmo(void) {
  zx_handle_t vmo = ZX_HANDLE_INVALID;
  if (zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo) != ZX_OK) {
    return ZX_HANDLE_INVALID;
  }
  return vmo;
}

/* §2.6: "ZX_HANDLE_INVALID → OK (like free(NULL))". */
static void close_invalid_handle_is_ok(void) { EXPECT_OK(zx_handle_close(ZX_HANDLE_INVALID)); }

/* §2.6: "otherwise BAD_HANDLE if not present". */
static void close_twice_is_bad_handle(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  EXPECT_OK(zx_handle_close(vmo));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_handle_close(vmo));
  EXPECT_TRUE(!handle_is_live(vmo));
}

/* §2.6: close_many closes everything it can; ZX_HANDLE_INVALID entries are skipped. */
static void close_many_closes_every_entry(void) {
  zx_handle_t handles[3] = {new_vmo(), ZX_HANDLE_INVALID, new_vmo()};
  ASSERT_TRUE(handles[0] != ZX_HANDLE_INVALID && handles[2] != ZX_HANDLE_INVALID);
  EXPECT_OK(zx_handle_close_many(handles, 3));
  EXPECT_TRUE(!handle_is_live(handles[0]));
  EXPECT_TRUE(!handle_is_live(handles[2]));
  EXPECT_OK(zx_handle_close_many(NULL, 0));
}

/* §2.6: "duplicates/invalid entries → BAD_HANDLE (the valid ones are still closed)". */
static void close_many_with_a_repeated_entry_is_bad_handle_but_closes(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t handles[2] = {vmo, vmo};
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_handle_close_many(handles, 2));
  EXPECT_TRUE(!handle_is_live(vmo));
}

/* §2.6: "ZX_RIGHT_SAME_RIGHTS (exactly 0x80000000) copies rights". */
static void duplicate_same_rights_copies_rights_and_object(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t dup = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &dup));
  EXPECT_TRUE(dup != vmo);
  zx_info_handle_basic_t a = basic_info(vmo);
  zx_info_handle_basic_t b = basic_info(dup);
  EXPECT_EQ_U64(b.rights, ZX_DEFAULT_VMO_RIGHTS);
  EXPECT_EQ_U64(b.rights, a.rights);
  EXPECT_EQ_U64(b.koid, a.koid);
  EXPECT_EQ_U64(b.type, ZX_OBJ_TYPE_VMO);
  /* Both handles stay usable independently. */
  EXPECT_OK(zx_handle_close(vmo));
  EXPECT_TRUE(handle_is_live(dup));
  EXPECT_OK(zx_handle_close(dup));
}

/* §2.6: a subset of the rights, including none at all, is allowed. */
static void duplicate_with_a_subset_gets_exactly_that_subset(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t dup = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE, &dup));
  EXPECT_EQ_U64(rights_of(dup), ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
  zx_handle_t none = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(dup, ZX_RIGHT_NONE, &none));
  EXPECT_EQ_U64(rights_of(none), ZX_RIGHT_NONE);
  zx_handle_close(none);
  zx_handle_close(dup);
  zx_handle_close(vmo);
}

/* §2.6: "rights not a subset → INVALID_ARGS (not ACCESS_DENIED)". */
static void duplicate_with_a_superset_is_invalid_args(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t reader = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE, &reader));
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS,
                zx_handle_duplicate(reader, ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_DUPLICATE,
                                    &out));
  /* The source handle is untouched by the failure. */
  EXPECT_EQ_U64(rights_of(reader), ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
  zx_handle_close(reader);
  zx_handle_close(vmo);
}

/* §2.6: "missing DUPLICATE → ACCESS_DENIED", checked before the subset rule. */
static void duplicate_without_the_duplicate_right_is_access_denied(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t reader = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ, &reader));
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_handle_duplicate(reader, ZX_RIGHT_READ, &out));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_handle_duplicate(reader, ZX_RIGHT_SAME_RIGHTS, &out));
  /* ACCESS_DENIED wins over a superset request. */
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_handle_duplicate(reader, ZX_RIGHT_WRITE, &out));
  zx_handle_close(reader);
  zx_handle_close(vmo);
}

/* §2.6: "BAD_HANDLE" comes first. */
static void duplicate_of_a_closed_handle_is_bad_handle(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  ASSERT_OK(zx_handle_close(vmo));
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &out));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE,
                zx_handle_duplicate(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS, &out));
}

/* §2.6: replace needs no right; the new handle has the requested rights and the old one is
 * gone. */
static void replace_invalidates_the_old_handle(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t reader = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_replace(vmo, ZX_RIGHT_READ, &reader));
  EXPECT_EQ_U64(rights_of(reader), ZX_RIGHT_READ);
  EXPECT_TRUE(!handle_is_live(vmo) || vmo == reader);
  /* No DUPLICATE right is needed to replace. */
  zx_handle_t same = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_replace(reader, ZX_RIGHT_SAME_RIGHTS, &same));
  EXPECT_EQ_U64(rights_of(same), ZX_RIGHT_READ);
  EXPECT_OK(zx_handle_close(same));
}

/* §2.6: "the source handle is invalidated even when the rights check fails". */
static void replace_consumes_the_handle_even_on_failure(void) {
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  zx_handle_t reader = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ, &reader));
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS,
                zx_handle_replace(reader, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &out));
  EXPECT_TRUE(!handle_is_live(reader));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_handle_close(reader));
  EXPECT_STATUS(ZX_ERR_NOT_FOUND, zx_handle_check_valid(reader));
  /* The object lives on through its other handle. */
  EXPECT_TRUE(handle_is_live(vmo));
  zx_handle_close(vmo);
}

/* §2.6: "0 → INVALID_ARGS; low two bits not both set → OUT_OF_RANGE; well-formed but not in
 * table → NOT_FOUND"; §1.1: every valid handle has both low bits set. */
static void check_valid_classifies_handle_values(void) {
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_handle_check_valid(ZX_HANDLE_INVALID));
  zx_handle_t vmo = new_vmo();
  ASSERT_TRUE(vmo != ZX_HANDLE_INVALID);
  EXPECT_EQ_U64(vmo & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
  EXPECT_OK(zx_handle_check_valid(vmo));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_handle_check_valid(vmo & ~ZX_HANDLE_FIXED_BITS_MASK));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_handle_check_valid(vmo ^ 1u));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_handle_check_valid(vmo ^ 2u));
  ASSERT_OK(zx_handle_close(vmo));
  EXPECT_STATUS(ZX_ERR_NOT_FOUND, zx_handle_check_valid(vmo));
}

int main(void) {
  RUN_TEST(close_invalid_handle_is_ok);
  RUN_TEST(close_twice_is_bad_handle);
  RUN_TEST(close_many_closes_every_entry);
  RUN_TEST(close_many_with_a_repeated_entry_is_bad_handle_but_closes);
  RUN_TEST(duplicate_same_rights_copies_rights_and_object);
  RUN_TEST(duplicate_with_a_subset_gets_exactly_that_subset);
  RUN_TEST(duplicate_with_a_superset_is_invalid_args);
  RUN_TEST(duplicate_without_the_duplicate_right_is_access_denied);
  RUN_TEST(duplicate_of_a_closed_handle_is_bad_handle);
  RUN_TEST(replace_invalidates_the_old_handle);
  RUN_TEST(replace_consumes_the_handle_even_on_failure);
  RUN_TEST(check_valid_classifies_handle_values);
  return TEST_SUMMARY();
}
