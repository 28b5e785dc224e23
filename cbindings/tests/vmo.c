/* zx_vmo_create, zx_vmo_read/write, zx_vmo_get/set_size, zx_vmo_get/set_stream_size,
 * zx_vmo_op_range (COMMIT, DECOMMIT, ZERO) and the VMO properties (zircon-abi.md §2.2,
 * §1.9). */
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

#define PAGE ((uint64_t)ZX_PAGE_SIZE)

/* A handle to the VMO without the rights in `drop`. */
static zx_handle_t without_rights(zx_handle_t vmo, zx_rights_t drop) {
  zx_handle_t out = ZX_HANDLE_INVALID;
  if (zx_handle_duplicate(vmo, rights_of(vmo) & ~drop, &out) != ZX_OK) {
    return ZX_HANDLE_INVALID;
  }
  return out;
}

static int all_bytes_are(const uint8_t* buf, size_t len, uint8_t value) {
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != value) {
      return 0;
    }
  }
  return 1;
}

/* §2.2: size rounded up to a page; the content size is the unrounded argument; rights
 * ZX_DEFAULT_VMO_RIGHTS (0xD0EF). */
static void create_rounds_size_up_and_keeps_stream_size(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE + 100, 0, &vmo));
  uint64_t size = 0, stream = 0;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, 2 * PAGE);
  EXPECT_OK(zx_vmo_get_stream_size(vmo, &stream));
  EXPECT_EQ_U64(stream, PAGE + 100);
  zx_info_handle_basic_t info = basic_info(vmo);
  EXPECT_EQ_U64(info.type, ZX_OBJ_TYPE_VMO);
  EXPECT_EQ_U64(info.rights, ZX_DEFAULT_VMO_RIGHTS);
  EXPECT_EQ_U64(info.rights, 0xD0EFu);
  EXPECT_TRUE((info.rights & ZX_RIGHT_EXECUTE) == 0);
  zx_handle_close(vmo);
}

/* §2.2: "Size 0 is allowed." */
static void create_with_size_zero_is_ok(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(0, 0, &vmo));
  uint64_t size = 1;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, 0);
  zx_handle_close(vmo);
}

/* §1.3: a resizable VMO's handle also has ZX_RIGHT_RESIZE (0x40D0EF). */
static void create_resizable_adds_the_resize_right(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &vmo));
  EXPECT_EQ_U64(rights_of(vmo), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE);
  EXPECT_EQ_U64(rights_of(vmo), 0x40D0EFu);
  EXPECT_TRUE((vmo_info(vmo).flags & ZX_INFO_VMO_RESIZABLE) != 0);
  zx_handle_close(vmo);
}

/* §2.2: UNBOUNDED makes the VMO as large as possible; the size argument sets only the
 * stream size. RESIZABLE + UNBOUNDED → INVALID_ARGS. */
static void create_unbounded(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(3 * PAGE, ZX_VMO_UNBOUNDED, &vmo));
  uint64_t size = 0, stream = 0;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_OK(zx_vmo_get_stream_size(vmo, &stream));
  EXPECT_EQ_U64(stream, 3 * PAGE);
  EXPECT_TRUE(size > stream);
  zx_handle_close(vmo);
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS,
                zx_vmo_create(PAGE, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED, &out));
}

/* §1.6: "Any other bit → INVALID_ARGS" (bit 0 is unused; TRAP_DIRTY is for pager VMOs). */
static void create_with_unknown_options_is_invalid_args(void) {
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_create(PAGE, 1u << 0, &out));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_create(PAGE, 1u << 5, &out));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_create(PAGE, 1u << 31, &out));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_create(PAGE, ZX_VMO_TRAP_DIRTY, &out));
}

/* §2.2: "rounding overflow or size > max → OUT_OF_RANGE"; a bad out pointer is
 * INVALID_ARGS (§2 conventions). */
static void create_too_large_or_without_out_pointer_fails(void) {
  zx_handle_t out = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_create(UINT64_MAX, 0, &out));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_create(UINT64_MAX - PAGE + 2, 0, &out));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_create(PAGE, 0, NULL));
}

/* §2.2: a new VMO is zero filled; what is written is read back, across pages. */
static void write_then_read_round_trips(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(2 * PAGE, 0, &vmo));
  uint8_t zeros[64];
  memset(zeros, 0xff, sizeof(zeros));
  EXPECT_OK(zx_vmo_read(vmo, zeros, PAGE - 32, sizeof(zeros)));
  EXPECT_TRUE(all_bytes_are(zeros, sizeof(zeros), 0));

  const char msg[] = "straddles the page boundary";
  EXPECT_OK(zx_vmo_write(vmo, msg, PAGE - 10, sizeof(msg)));
  char back[sizeof(msg)];
  memset(back, 0, sizeof(back));
  EXPECT_OK(zx_vmo_read(vmo, back, PAGE - 10, sizeof(back)));
  EXPECT_TRUE(memcmp(back, msg, sizeof(msg)) == 0);
  /* The bytes around it are untouched. */
  uint8_t edge = 0xff;
  EXPECT_OK(zx_vmo_read(vmo, &edge, PAGE - 11, 1));
  EXPECT_EQ_U64(edge, 0);
  zx_handle_close(vmo);
}

/* §2.2: "offset+len > size (or wrap) → OUT_OF_RANGE, checked before touching the user
 * buffer; len == 0 at offset == size is OK, len == 0 at offset > size is OUT_OF_RANGE". */
static void read_write_range_checks_come_before_the_buffer(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  uint8_t buf[16];
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_read(vmo, buf, PAGE - 8, 16));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_write(vmo, buf, PAGE - 8, 16));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_read(vmo, NULL, PAGE, 1));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_write(vmo, NULL, 2 * PAGE, 1));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_read(vmo, buf, UINT64_MAX, 2));
  EXPECT_OK(zx_vmo_read(vmo, buf, PAGE, 0));
  EXPECT_OK(zx_vmo_write(vmo, buf, PAGE, 0));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_read(vmo, buf, PAGE + 1, 0));
  zx_handle_close(vmo);
}

/* §2.2 and surprise 4: an unmapped (NULL) user buffer in range → NOT_FOUND. */
static void read_write_with_a_null_buffer_is_not_found(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  EXPECT_STATUS(ZX_ERR_NOT_FOUND, zx_vmo_read(vmo, NULL, 0, 16));
  EXPECT_STATUS(ZX_ERR_NOT_FOUND, zx_vmo_write(vmo, NULL, 0, 16));
  zx_handle_close(vmo);
}

/* §2.2: read needs READ, write needs WRITE; lookup order BAD_HANDLE, WRONG_TYPE. */
static void read_write_need_rights_and_a_vmo(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  zx_handle_t no_read = without_rights(vmo, ZX_RIGHT_READ);
  zx_handle_t no_write = without_rights(vmo, ZX_RIGHT_WRITE);
  ASSERT_TRUE(no_read != ZX_HANDLE_INVALID && no_write != ZX_HANDLE_INVALID);
  uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_read(no_read, buf, 0, sizeof(buf)));
  EXPECT_OK(zx_vmo_write(no_read, buf, 0, sizeof(buf)));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_write(no_write, buf, 0, sizeof(buf)));
  EXPECT_OK(zx_vmo_read(no_write, buf, 0, sizeof(buf)));
  EXPECT_STATUS(ZX_ERR_WRONG_TYPE, zx_vmo_read(zx_vmar_root_self(), buf, 0, 1));
  zx_handle_close(no_read);
  zx_handle_close(no_write);
  zx_handle_close(vmo);
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_vmo_read(vmo, buf, 0, 1));
  EXPECT_STATUS(ZX_ERR_BAD_HANDLE, zx_vmo_write(vmo, buf, 0, 1));
}

/* §2.2: get_size and get_stream_size need no rights; a NULL out pointer → INVALID_ARGS. */
static void get_sizes_need_no_rights(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE + 1, 0, &vmo));
  zx_handle_t bare = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_NONE, &bare));
  uint64_t size = 0, stream = 0;
  EXPECT_OK(zx_vmo_get_size(bare, &size));
  EXPECT_EQ_U64(size, 2 * PAGE);
  EXPECT_OK(zx_vmo_get_stream_size(bare, &stream));
  EXPECT_EQ_U64(stream, PAGE + 1);
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_get_size(vmo, NULL));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_get_stream_size(vmo, NULL));
  zx_handle_close(bare);
  zx_handle_close(vmo);
}

/* §2.2: set_size rounds up, sets the content size to the argument, keeps the data below
 * the new size and zeroes what was cut off (growing again reads zeros). */
static void set_size_resizes_a_resizable_vmo(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &vmo));
  ASSERT_OK(zx_vmo_set_size(vmo, 3 * PAGE + 1));
  uint64_t size = 0, stream = 0;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, 4 * PAGE);
  EXPECT_OK(zx_vmo_get_stream_size(vmo, &stream));
  EXPECT_EQ_U64(stream, 3 * PAGE + 1);

  uint8_t fill[64];
  memset(fill, 0xab, sizeof(fill));
  ASSERT_OK(zx_vmo_write(vmo, fill, 0, sizeof(fill)));
  ASSERT_OK(zx_vmo_write(vmo, fill, 3 * PAGE, sizeof(fill)));
  /* Shrink to 32 bytes: the first 32 survive, the rest of the page is zeroed. */
  ASSERT_OK(zx_vmo_set_size(vmo, 32));
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, PAGE);
  uint8_t byte = 0;
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_read(vmo, &byte, PAGE, 1));
  ASSERT_OK(zx_vmo_set_size(vmo, 4 * PAGE));
  uint8_t back[64];
  EXPECT_OK(zx_vmo_read(vmo, back, 0, sizeof(back)));
  EXPECT_TRUE(all_bytes_are(back, 32, 0xab));
  EXPECT_TRUE(all_bytes_are(back + 32, 32, 0));
  EXPECT_OK(zx_vmo_read(vmo, back, 3 * PAGE, sizeof(back)));
  EXPECT_TRUE(all_bytes_are(back, sizeof(back), 0));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_set_size(vmo, UINT64_MAX));
  zx_handle_close(vmo);
}

/* §2.2, surprise 7: "a non-resizable VMO returns ZX_ERR_UNAVAILABLE (checked after the
 * WRITE check ...)". */
static void set_size_of_a_fixed_size_vmo_is_unavailable(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  EXPECT_STATUS(ZX_ERR_UNAVAILABLE, zx_vmo_set_size(vmo, 2 * PAGE));
  uint64_t size = 0;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, PAGE);
  zx_handle_t no_write = without_rights(vmo, ZX_RIGHT_WRITE);
  ASSERT_TRUE(no_write != ZX_HANDLE_INVALID);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_set_size(no_write, 2 * PAGE));
  zx_handle_close(no_write);
  zx_handle_close(vmo);
}

/* §2.2: a resizable VMO also needs RESIZE (→ ACCESS_DENIED), and WRITE. */
static void set_size_needs_write_and_resize(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &vmo));
  zx_handle_t no_resize = without_rights(vmo, ZX_RIGHT_RESIZE);
  zx_handle_t no_write = without_rights(vmo, ZX_RIGHT_WRITE);
  ASSERT_TRUE(no_resize != ZX_HANDLE_INVALID && no_write != ZX_HANDLE_INVALID);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_set_size(no_resize, 2 * PAGE));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_set_size(no_write, 2 * PAGE));
  uint64_t size = 0;
  EXPECT_OK(zx_vmo_get_size(vmo, &size));
  EXPECT_EQ_U64(size, PAGE);
  zx_handle_close(no_resize);
  zx_handle_close(no_write);
  zx_handle_close(vmo);
}

/* §2.2: set_stream_size needs WRITE; beyond the VMO size → OUT_OF_RANGE; shrinking zeroes
 * the bytes past the new stream size. */
static void stream_size_is_settable_within_the_vmo(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  uint8_t fill[100];
  memset(fill, 'x', sizeof(fill));
  ASSERT_OK(zx_vmo_write(vmo, fill, 0, sizeof(fill)));
  EXPECT_OK(zx_vmo_set_stream_size(vmo, 50));
  uint64_t stream = 0;
  EXPECT_OK(zx_vmo_get_stream_size(vmo, &stream));
  EXPECT_EQ_U64(stream, 50);
  uint8_t back[100];
  EXPECT_OK(zx_vmo_read(vmo, back, 0, sizeof(back)));
  EXPECT_TRUE(all_bytes_are(back, 50, 'x'));
  EXPECT_TRUE(all_bytes_are(back + 50, 50, 0));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_vmo_set_stream_size(vmo, PAGE + 1));
  EXPECT_OK(zx_vmo_set_stream_size(vmo, PAGE));
  zx_handle_t no_write = without_rights(vmo, ZX_RIGHT_WRITE);
  ASSERT_TRUE(no_write != ZX_HANDLE_INVALID);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_set_stream_size(no_write, 10));
  zx_handle_close(no_write);
  zx_handle_close(vmo);
}

/* §2.2 op_range: COMMIT commits (ZX_INFO_VMO.committed_bytes grows, never beyond the VMO
 * size), DECOMMIT reads back zeros, ZERO zeroes the range. */
static void op_range_commit_decommit_zero(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(4 * PAGE, 0, &vmo));
  EXPECT_EQ_U64(vmo_info(vmo).committed_bytes, 0);
  EXPECT_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 2 * PAGE, NULL, 0));
  uint64_t committed = vmo_info(vmo).committed_bytes;
  EXPECT_TRUE(committed >= 2 * PAGE && committed <= 4 * PAGE);

  uint8_t fill[64];
  memset(fill, 0x5a, sizeof(fill));
  ASSERT_OK(zx_vmo_write(vmo, fill, PAGE, sizeof(fill)));
  ASSERT_OK(zx_vmo_write(vmo, fill, 2 * PAGE, sizeof(fill)));
  committed = vmo_info(vmo).committed_bytes;
  EXPECT_TRUE(committed >= 3 * PAGE && committed <= 4 * PAGE);
  EXPECT_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, PAGE, PAGE, NULL, 0));
  uint8_t back[64];
  EXPECT_OK(zx_vmo_read(vmo, back, PAGE, sizeof(back)));
  EXPECT_TRUE(all_bytes_are(back, sizeof(back), 0));
  /* Exact with 4 KiB host pages; spec/README.md allows more where shmem uses huge pages. */
  EXPECT_TRUE(vmo_info(vmo).committed_bytes < committed);

  EXPECT_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_ZERO, 2 * PAGE, PAGE, NULL, 0));
  EXPECT_OK(zx_vmo_read(vmo, back, 2 * PAGE, sizeof(back)));
  EXPECT_TRUE(all_bytes_are(back, sizeof(back), 0));
  zx_handle_close(vmo);
}

/* §2.2 op_range: unknown op → INVALID_ARGS; COMMIT/DECOMMIT/ZERO need WRITE; DECOMMIT
 * needs a page-aligned range; beyond the size → OUT_OF_RANGE; DONT_NEED needs no right. */
static void op_range_errors(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(2 * PAGE, 0, &vmo));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_op_range(vmo, 5, 0, PAGE, NULL, 0));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_op_range(vmo, 99, 0, PAGE, NULL, 0));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE,
                zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, PAGE, 2 * PAGE, NULL, 0));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 1, PAGE, NULL, 0));
  zx_handle_t no_write = without_rights(vmo, ZX_RIGHT_WRITE);
  ASSERT_TRUE(no_write != ZX_HANDLE_INVALID);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_vmo_op_range(no_write, ZX_VMO_OP_COMMIT, 0, PAGE, NULL, 0));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_vmo_op_range(no_write, ZX_VMO_OP_DECOMMIT, 0, PAGE, NULL, 0));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_vmo_op_range(no_write, ZX_VMO_OP_ZERO, 0, PAGE, NULL, 0));
  zx_handle_t bare = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_RIGHT_NONE, &bare));
  EXPECT_OK(zx_vmo_op_range(bare, ZX_VMO_OP_DONT_NEED, 0, PAGE, NULL, 0));
  zx_handle_close(bare);
  zx_handle_close(no_write);
  zx_handle_close(vmo);
}

/* §1.9: a new VMO's name is empty; set stores it; get copies 32 bytes (NUL padded). */
static void name_property_round_trips(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  char name[ZX_MAX_NAME_LEN];
  memset(name, 'z', sizeof(name));
  EXPECT_OK(zx_object_get_property(vmo, ZX_PROP_NAME, name, sizeof(name)));
  EXPECT_TRUE(all_bytes_are((const uint8_t*)name, sizeof(name), 0));

  const char greeting[] = "greeting";
  EXPECT_OK(zx_object_set_property(vmo, ZX_PROP_NAME, greeting, strlen(greeting)));
  memset(name, 'z', sizeof(name));
  EXPECT_OK(zx_object_get_property(vmo, ZX_PROP_NAME, name, sizeof(name)));
  EXPECT_TRUE(strcmp(name, "greeting") == 0);
  EXPECT_TRUE(all_bytes_are((const uint8_t*)name + sizeof(greeting) - 1,
                            sizeof(name) - (sizeof(greeting) - 1), 0));
  zx_info_vmo_t info = vmo_info(vmo);
  EXPECT_TRUE(strcmp(info.name, "greeting") == 0);
  zx_handle_close(vmo);
}

/* §1.9: "Setting truncates to 31 bytes." */
static void name_property_is_truncated_to_31_bytes(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  const char long_name[] = "0123456789abcdefghijklmnopqrstuvwxyz-40-bytes";
  EXPECT_OK(zx_object_set_property(vmo, ZX_PROP_NAME, long_name, strlen(long_name)));
  char name[ZX_MAX_NAME_LEN];
  memset(name, 'z', sizeof(name));
  EXPECT_OK(zx_object_get_property(vmo, ZX_PROP_NAME, name, sizeof(name)));
  EXPECT_TRUE(memcmp(name, long_name, ZX_MAX_NAME_LEN - 1) == 0);
  EXPECT_EQ_U64(name[ZX_MAX_NAME_LEN - 1], 0);
  zx_handle_close(vmo);
}

/* §1.9: NULL value → INVALID_ARGS; get needs >= 32 bytes (BUFFER_TOO_SMALL) and
 * GET_PROPERTY, set needs SET_PROPERTY; unknown property → NOT_SUPPORTED. */
static void name_property_errors(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  char name[ZX_MAX_NAME_LEN];
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_object_get_property(vmo, ZX_PROP_NAME, NULL, 32));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_object_set_property(vmo, ZX_PROP_NAME, NULL, 4));
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_object_get_property(vmo, ZX_PROP_NAME, name, ZX_MAX_NAME_LEN - 1));
  zx_handle_t no_get = without_rights(vmo, ZX_RIGHT_GET_PROPERTY);
  zx_handle_t no_set = without_rights(vmo, ZX_RIGHT_SET_PROPERTY);
  ASSERT_TRUE(no_get != ZX_HANDLE_INVALID && no_set != ZX_HANDLE_INVALID);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_object_get_property(no_get, ZX_PROP_NAME, name, sizeof(name)));
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_object_set_property(no_set, ZX_PROP_NAME, "x", 1));
  EXPECT_STATUS(ZX_ERR_NOT_SUPPORTED, zx_object_get_property(vmo, 0x7fff, name, sizeof(name)));
  zx_handle_close(no_get);
  zx_handle_close(no_set);
  zx_handle_close(vmo);
}

/* §1.9, §2.2: ZX_PROP_VMO_CONTENT_SIZE is the stream size (uint64_t, >= 8 bytes). */
static void content_size_property_is_the_stream_size(void) {
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  uint64_t content = 0;
  EXPECT_OK(zx_object_get_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &content, sizeof(content)));
  EXPECT_EQ_U64(content, PAGE);
  content = 123;
  EXPECT_OK(zx_object_set_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &content, sizeof(content)));
  uint64_t stream = 0;
  EXPECT_OK(zx_vmo_get_stream_size(vmo, &stream));
  EXPECT_EQ_U64(stream, 123);
  uint32_t small = 0;
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_object_get_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &small, sizeof(small)));
  zx_handle_close(vmo);
}

int main(void) {
  RUN_TEST(create_rounds_size_up_and_keeps_stream_size);
  RUN_TEST(create_with_size_zero_is_ok);
  RUN_TEST(create_resizable_adds_the_resize_right);
  RUN_TEST(create_unbounded);
  RUN_TEST(create_with_unknown_options_is_invalid_args);
  RUN_TEST(create_too_large_or_without_out_pointer_fails);
  RUN_TEST(write_then_read_round_trips);
  RUN_TEST(read_write_range_checks_come_before_the_buffer);
  RUN_TEST(read_write_with_a_null_buffer_is_not_found);
  RUN_TEST(read_write_need_rights_and_a_vmo);
  RUN_TEST(get_sizes_need_no_rights);
  RUN_TEST(set_size_resizes_a_resizable_vmo);
  RUN_TEST(set_size_of_a_fixed_size_vmo_is_unavailable);
  RUN_TEST(set_size_needs_write_and_resize);
  RUN_TEST(stream_size_is_settable_within_the_vmo);
  RUN_TEST(op_range_commit_decommit_zero);
  RUN_TEST(op_range_errors);
  RUN_TEST(name_property_round_trips);
  RUN_TEST(name_property_is_truncated_to_31_bytes);
  RUN_TEST(name_property_errors);
  RUN_TEST(content_size_property_is_the_stream_size);
  return TEST_SUMMARY();
}
