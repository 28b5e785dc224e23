/* zx-shim IOBuffer example: two endpoints sharing memory, from C, on Linux.
 *
 * Build and run, from the workspace root:
 *   cargo build -p zx-shim        # produces target/debug/libzircon.so
 *   cc examples/iob.c -Iinclude -Ltarget/debug -lzircon -o iob
 *   LD_LIBRARY_PATH=target/debug ./iob
 *
 * An IOBuffer is a pair of peer endpoints sharing memory regions. Each region says, per
 * endpoint, what that endpoint may do with it. Here region 0 is a mailbox both endpoints
 * may read and write, and region 1 a notice board endpoint 0 writes and endpoint 1 may
 * only read. Each endpoint maps the regions into this process's root VMAR with
 * zx_vmar_map_iob (in a real program the endpoints would live in two processes), and the
 * bytes one side writes appear on the other side, with no copy and no call in between.
 * Every call's status is checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

/* Stops the example with the name of the status if `status` is an error. */
static void check(zx_status_t status, const char* what) {
  if (status != ZX_OK) {
    fprintf(stderr, "%s failed: %s (%d)\n", what, zx_status_get_string(status), status);
    exit(1);
  }
}

/* A private region of `size` bytes with the given per-endpoint access. */
static zx_iob_region_t region(zx_iob_access_t access, uint64_t size) {
  zx_iob_region_t r;
  memset(&r, 0, sizeof(r));
  r.type = ZX_IOB_REGION_TYPE_PRIVATE;
  r.access = access;
  r.size = size;
  r.discipline.type = ZX_IOB_DISCIPLINE_TYPE_NONE;
  return r;
}

int main(void) {
  const size_t page = zx_system_get_page_size();
  zx_handle_t root = zx_vmar_root_self();
  const zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

  /* 1. The IOBuffer: two regions, two endpoints. */
  zx_iob_region_t regions[2];
  regions[0] = region(ZX_IOB_ACCESS_EP0_CAN_MAP_READ | ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE |
                          ZX_IOB_ACCESS_EP1_CAN_MAP_READ | ZX_IOB_ACCESS_EP1_CAN_MAP_WRITE,
                      page);
  regions[1] = region(ZX_IOB_ACCESS_EP0_CAN_MAP_READ | ZX_IOB_ACCESS_EP0_CAN_MAP_WRITE |
                          ZX_IOB_ACCESS_EP1_CAN_MAP_READ,
                      page);
  zx_handle_t ep0, ep1;
  check(zx_iob_create(0, regions, 2, &ep0, &ep1), "zx_iob_create");
  zx_info_iob_t info;
  check(zx_object_get_info(ep0, ZX_INFO_IOB, &info, sizeof(info), NULL, NULL),
        "zx_object_get_info(ZX_INFO_IOB)");
  printf("created an IOBuffer with %u regions\n", info.region_count);

  /* 2. Each endpoint maps the mailbox read/write. */
  zx_vaddr_t box0, box1;
  check(zx_vmar_map_iob(root, rw, 0, ep0, 0, 0, page, &box0), "mapping the mailbox (ep0)");
  check(zx_vmar_map_iob(root, rw, 0, ep1, 0, 0, page, &box1), "mapping the mailbox (ep1)");
  printf("endpoint 0 sees the mailbox at 0x%lx, endpoint 1 at 0x%lx\n", (unsigned long)box0,
         (unsigned long)box1);

  /* 3. Data passes both ways through the shared pages. */
  strcpy((char*)box0, "ping from endpoint 0");
  printf("endpoint 1 reads: \"%s\"\n", (const char*)box1);
  strcpy((char*)box1 + 64, "pong from endpoint 1");
  printf("endpoint 0 reads: \"%s\"\n", (const char*)box0 + 64);

  /* 4. The notice board: endpoint 1 may only read it, so a writable mapping is refused. */
  zx_vaddr_t board0, board1;
  check(zx_vmar_map_iob(root, rw, 0, ep0, 1, 0, page, &board0), "mapping the board (ep0)");
  zx_status_t refused = zx_vmar_map_iob(root, rw, 0, ep1, 1, 0, page, &board1);
  printf("endpoint 1 mapping the board read/write: %s\n", zx_status_get_string(refused));
  check(zx_vmar_map_iob(root, ZX_VM_PERM_READ, 0, ep1, 1, 0, page, &board1),
        "mapping the board read-only (ep1)");
  strcpy((char*)board0, "notice: read-only for endpoint 1");
  printf("endpoint 1 reads the board: \"%s\"\n", (const char*)board1);

  /* 5. What endpoint 1 is told about the regions: its own bits come first ("EP0"). */
  zx_iob_region_info_t seen[2];
  size_t actual = 0;
  check(zx_object_get_info(ep1, ZX_INFO_IOB_REGIONS, seen, sizeof(seen), &actual, NULL),
        "zx_object_get_info(ZX_INFO_IOB_REGIONS)");
  printf("endpoint 1 sees region 1 with access 0x%02x (mine: map read only)\n",
         seen[1].region.access);

  /* 6. Closing the endpoints keeps the mappings: the memory lives on. */
  check(zx_handle_close(ep0), "closing endpoint 0");
  check(zx_handle_close(ep1), "closing endpoint 1");
  strcpy((char*)box1, "still shared after close");
  printf("after closing both endpoints, endpoint 0's mapping reads: \"%s\"\n",
         (const char*)box0);
  check(zx_vmar_unmap(root, box0, page), "zx_vmar_unmap");
  check(zx_vmar_unmap(root, box1, page), "zx_vmar_unmap");
  check(zx_vmar_unmap(root, board0, page), "zx_vmar_unmap");
  check(zx_vmar_unmap(root, board1, page), "zx_vmar_unmap");
  printf("unmapped: done\n");
  return 0;
}
