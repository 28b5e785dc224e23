/* IOBuffers from C: zx_iob_create, zx_vmar_map_iob, ZX_INFO_IOB(_REGIONS) and
 * zx_iob_allocate_id through the real headers (spec/vmar.fidl: MapIob; zircon-abi.md
 * §1.11, §2.1, §2.5). The full suite is in tests/iob_*.rs and tests/vmar_map_iob.rs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zircon/process.h>
#include <zircon/syscalls-next.h>
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

#define PAGE ((size_t)ZX_PAGE_SIZE)

/* Writes addr[0] back unchanged in a child process; returns the signal that killed the
 * child, or 0. */
static int signal_from_writing(volatile char* addr) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char value = addr[0];
    addr[0] = value;
    _exit(0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    return -1;
  }
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* A private region (options 0) of `size` bytes with `access` and `discipline`. */
static zx_iob_region_t region_of(zx_iob_access_t access, uint64_t size,
                                 zx_iob_discipline_type_t discipline) {
  zx_iob_region_t region;
  memset(&region, 0, sizeof(region));
  region.type = ZX_IOB_REGION_TYPE_PRIVATE;
  region.access = access;
  region.size = size;
  region.discipline.type = discipline;
  region.private_region.options = 0;
  return region;
}

static const zx_iob_access_t kBothReadWrite =
    ZX_IOB_ACCESS_EP0_CAN_MAP_READ | ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE |
    ZX_IOB_ACCESS_EP1_CAN_MAP_READ | ZX_IOB_ACCESS_EP1_CAN_MAP_WRITE;

/* §2.5: two peer endpoints with ZX_DEFAULT_IOB_RIGHTS; related_koid names the peer. */
static void create_gives_two_peer_endpoints(void) {
  zx_iob_region_t region = region_of(kBothReadWrite, PAGE, ZX_IOB_DISCIPLINE_TYPE_NONE);
  zx_handle_t ep0 = ZX_HANDLE_INVALID, ep1 = ZX_HANDLE_INVALID;
  ASSERT_OK(zx_iob_create(0, &region, 1, &ep0, &ep1));
  zx_info_handle_basic_t b0 = basic_info(ep0), b1 = basic_info(ep1);
  EXPECT_EQ_U64(b0.type, ZX_OBJ_TYPE_IOB);
  EXPECT_EQ_U64(b1.type, ZX_OBJ_TYPE_IOB);
  EXPECT_EQ_U64(b0.rights, ZX_DEFAULT_IOB_RIGHTS);
  EXPECT_EQ_U64(b1.rights, ZX_DEFAULT_IOB_RIGHTS);
  EXPECT_EQ_U64(b0.related_koid, b1.koid);
  EXPECT_EQ_U64(b1.related_koid, b0.koid);
  zx_handle_close(ep0);
  zx_handle_close(ep1);
}

/* §2.5 check order: options, region count (> 64 OUT_OF_RANGE, 0 INVALID_ARGS), then each
 * region (no map-write or mediated access, unknown discipline). */
static void create_reports_bad_input(void) {
  zx_iob_region_t region = region_of(kBothReadWrite, PAGE, ZX_IOB_DISCIPLINE_TYPE_NONE);
  zx_handle_t ep0 = ZX_HANDLE_INVALID, ep1 = ZX_HANDLE_INVALID;
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_iob_create(1, &region, 1, &ep0, &ep1));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_iob_create(0, &region, 65, &ep0, &ep1));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_iob_create(0, &region, 0, &ep0, &ep1));
  zx_iob_region_t read_only = region_of(ZX_IOB_ACCESS_EP0_CAN_MAP_READ, PAGE, 0);
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_iob_create(0, &read_only, 1, &ep0, &ep1));
  zx_iob_region_t unknown = region_of(kBothReadWrite, PAGE, 77);
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_iob_create(0, &unknown, 1, &ep0, &ep1));
  zx_iob_region_t huge = region_of(kBothReadWrite, UINT64_MAX, 0);
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE, zx_iob_create(0, &huge, 1, &ep0, &ep1));
  EXPECT_EQ_U64(ep0, ZX_HANDLE_INVALID);
  EXPECT_EQ_U64(ep1, ZX_HANDLE_INVALID);
}

/* MapIob: both endpoints map the same region; bytes written through one mapping are read
 * through the other, both ways; the mappings outlive both endpoint handles. */
static void map_iob_shares_memory_between_endpoints(void) {
  zx_iob_region_t region = region_of(kBothReadWrite, 2 * PAGE, ZX_IOB_DISCIPLINE_TYPE_NONE);
  zx_handle_t ep0, ep1;
  ASSERT_OK(zx_iob_create(0, &region, 1, &ep0, &ep1));
  zx_handle_t root = zx_vmar_root_self();
  const zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
  zx_vaddr_t a0 = 0, a1 = 0;
  ASSERT_OK(zx_vmar_map_iob(root, rw, 0, ep0, 0, 0, 2 * PAGE, &a0));
  ASSERT_OK(zx_vmar_map_iob(root, rw, 0, ep1, 0, 0, 2 * PAGE, &a1));
  EXPECT_TRUE(a0 != a1);
  EXPECT_EQ_U64(a0 % PAGE, 0);
  char* m0 = (char*)a0;
  char* m1 = (char*)a1;
  strcpy(m0 + PAGE, "from endpoint 0");
  EXPECT_TRUE(strcmp(m1 + PAGE, "from endpoint 0") == 0);
  strcpy(m1, "from endpoint 1");
  EXPECT_TRUE(strcmp(m0, "from endpoint 1") == 0);
  EXPECT_OK(zx_handle_close(ep0));
  EXPECT_OK(zx_handle_close(ep1));
  m0[0] = 'F';
  EXPECT_EQ_U64(m1[0], 'F');
  EXPECT_OK(zx_vmar_unmap(root, a0, 2 * PAGE));
  EXPECT_OK(zx_vmar_unmap(root, a1, 2 * PAGE));
}

/* §2.1: the endpoint's access bits stand in for VMO rights: a read-only endpoint cannot
 * map writable (ACCESS_DENIED), its read-only mapping faults on a store and cannot be
 * protected up; a bad region index is OUT_OF_RANGE. */
static void map_iob_follows_the_endpoints_access(void) {
  zx_iob_region_t region = region_of(ZX_IOB_ACCESS_EP0_CAN_MAP_READ |
                                         ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE |
                                         ZX_IOB_ACCESS_EP1_CAN_MAP_READ,
                                     PAGE, ZX_IOB_DISCIPLINE_TYPE_NONE);
  zx_handle_t ep0, ep1;
  ASSERT_OK(zx_iob_create(0, &region, 1, &ep0, &ep1));
  zx_handle_t root = zx_vmar_root_self();
  zx_vaddr_t addr = 0;
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_vmar_map_iob(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, ep1, 0, 0, PAGE,
                                &addr));
  EXPECT_STATUS(ZX_ERR_OUT_OF_RANGE,
                zx_vmar_map_iob(root, ZX_VM_PERM_READ, 0, ep1, 1, 0, PAGE, &addr));
  EXPECT_STATUS(ZX_ERR_BUFFER_TOO_SMALL,
                zx_vmar_map_iob(root, ZX_VM_PERM_READ, 0, ep1, 0, 0, 2 * PAGE, &addr));
  EXPECT_EQ_U64(addr, 0);
  ASSERT_OK(zx_vmar_map_iob(root, ZX_VM_PERM_READ, 0, ep1, 0, 0, PAGE, &addr));
  EXPECT_EQ_U64(signal_from_writing((volatile char*)addr), SIGSEGV);
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_vmar_protect(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, addr, PAGE));
  EXPECT_OK(zx_vmar_unmap(root, addr, PAGE));
  zx_handle_close(ep0);
  zx_handle_close(ep1);
}

/* §2.5: ZX_INFO_IOB_REGIONS from endpoint 1 shows the access bits swapped; the region
 * koid is the same from both endpoints. */
static void info_regions_swap_access_for_endpoint_1(void) {
  zx_iob_region_t region = region_of(ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE |
                                         ZX_IOB_ACCESS_EP0_CAN_MAP_READ |
                                         ZX_IOB_ACCESS_EP1_CAN_MAP_READ,
                                     5000, ZX_IOB_DISCIPLINE_TYPE_NONE);
  zx_handle_t ep0, ep1;
  ASSERT_OK(zx_iob_create(0, &region, 1, &ep0, &ep1));
  zx_info_iob_t info;
  memset(&info, 0, sizeof(info));
  EXPECT_OK(zx_object_get_info(ep0, ZX_INFO_IOB, &info, sizeof(info), NULL, NULL));
  EXPECT_EQ_U64(info.region_count, 1);
  zx_iob_region_info_t r0, r1;
  size_t actual = 0, avail = 0;
  EXPECT_OK(zx_object_get_info(ep0, ZX_INFO_IOB_REGIONS, &r0, sizeof(r0), &actual, &avail));
  EXPECT_EQ_U64(actual, 1);
  EXPECT_EQ_U64(avail, 1);
  EXPECT_OK(zx_object_get_info(ep1, ZX_INFO_IOB_REGIONS, &r1, sizeof(r1), NULL, NULL));
  EXPECT_EQ_U64(r0.region.access, 0x13);
  EXPECT_EQ_U64(r1.region.access, 0x31);
  EXPECT_EQ_U64(r0.region.size, 2 * PAGE);
  EXPECT_EQ_U64(r0.koid, r1.koid);
  zx_handle_close(ep0);
  zx_handle_close(ep1);
}

/* §2.5 ID_ALLOCATOR: zx_iob_allocate_id hands out ids 0, 1, ... and the blob is in the
 * region (layout: header, 16-byte entries {offset, size}, blobs at the top). */
static void allocate_id_stores_blobs(void) {
  zx_iob_region_t region =
      region_of(ZX_IOB_ACCESS_EP0_CAN_MAP_READ | ZX_IOB_ACCESS_EP1_CAN_MEDIATED_WRITE, PAGE,
                ZX_IOB_DISCIPLINE_TYPE_ID_ALLOCATOR);
  zx_handle_t ep0, ep1;
  ASSERT_OK(zx_iob_create(0, &region, 1, &ep0, &ep1));
  uint32_t id = 99;
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED, zx_iob_allocate_id(ep0, 0, 0, "x", 1, &id));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_iob_allocate_id(ep1, 1, 0, "x", 1, &id));
  ASSERT_OK(zx_iob_allocate_id(ep1, 0, 0, "hello", 5, &id));
  EXPECT_EQ_U64(id, 0);
  ASSERT_OK(zx_iob_allocate_id(ep1, 0, 0, "world", 5, &id));
  EXPECT_EQ_U64(id, 1);
  zx_vaddr_t addr = 0;
  ASSERT_OK(
      zx_vmar_map_iob(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, ep0, 0, 0, PAGE, &addr));
  const char* base = (const char*)addr;
  uint32_t next_id;
  uint64_t entry[2];
  memcpy(&next_id, base, sizeof(next_id));
  EXPECT_EQ_U64(next_id, 2);
  memcpy(entry, base + 16 + 16, sizeof(entry));
  EXPECT_EQ_U64(entry[1], 5);
  EXPECT_TRUE(memcmp(base + entry[0], "world", 5) == 0);
  EXPECT_OK(zx_vmar_unmap(zx_vmar_root_self(), addr, PAGE));
  zx_handle_close(ep0);
  zx_handle_close(ep1);
}

int main(void) {
  RUN_TEST(create_gives_two_peer_endpoints);
  RUN_TEST(create_reports_bad_input);
  RUN_TEST(map_iob_shares_memory_between_endpoints);
  RUN_TEST(map_iob_follows_the_endpoints_access);
  RUN_TEST(info_regions_swap_access_for_endpoint_1);
  RUN_TEST(allocate_id_stores_blobs);
  return TEST_SUMMARY();
}
