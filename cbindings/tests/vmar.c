/* A VMAR smoke test: map a VMO into the root VMAR, use the memory, protect and unmap it
 * (spec/vmar.fidl: map, protect, unmap; zircon-abi.md §3.1). The full VMAR suite is in
 * tests/vmar_*.rs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "helpers.h"
#include "runner.h"

#define PAGE ((size_t)ZX_PAGE_SIZE)

/* Reads (or rewrites, unchanged) addr[0] in a child process; returns the signal that
 * killed the child, or 0. The mapping is shared, so the child must not change the byte. */
static int signal_from_touching(volatile char* addr, int write) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char value = addr[0];
    if (write) {
      addr[0] = value;
    }
    _exit(0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    return -1;
  }
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* vmar.fidl map: the VMO's pages appear at *mapped_addr, inside the VMAR; writes through
 * the mapping are VMO writes and VMO writes show through the mapping. */
static void map_write_through_mapping_read_with_vmo_read(void) {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(2 * PAGE, 0, &vmo));
  zx_vaddr_t addr = 0;
  ASSERT_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 2 * PAGE, &addr));
  EXPECT_TRUE(addr != 0);
  EXPECT_EQ_U64(addr % PAGE, 0);
  zx_info_vmar_t root_info;
  memset(&root_info, 0, sizeof(root_info));
  EXPECT_OK(zx_object_get_info(root, ZX_INFO_VMAR, &root_info, sizeof(root_info), NULL, NULL));
  EXPECT_TRUE(addr >= root_info.base && addr + 2 * PAGE <= root_info.base + root_info.len);
  EXPECT_EQ_U64(vmo_info(vmo).num_mappings, 1);

  char* mem = (char*)addr;
  const char msg[] = "written through the mapping";
  memcpy(mem + PAGE - 4, msg, sizeof(msg));
  char back[sizeof(msg)];
  memset(back, 0, sizeof(back));
  EXPECT_OK(zx_vmo_read(vmo, back, PAGE - 4, sizeof(back)));
  EXPECT_TRUE(memcmp(back, msg, sizeof(msg)) == 0);

  EXPECT_OK(zx_vmo_write(vmo, "VMO", 0, 3));
  EXPECT_TRUE(memcmp(mem, "VMO", 3) == 0);

  EXPECT_OK(zx_vmar_unmap(root, addr, 2 * PAGE));
  EXPECT_EQ_U64(vmo_info(vmo).num_mappings, 0);
  EXPECT_EQ_U64(signal_from_touching(mem, 0), SIGSEGV);
  /* The data lives on in the VMO. */
  memset(back, 0, sizeof(back));
  EXPECT_OK(zx_vmo_read(vmo, back, PAGE - 4, sizeof(back)));
  EXPECT_TRUE(memcmp(back, msg, sizeof(msg)) == 0);
  zx_handle_close(vmo);
}

/* vmar.fidl protect: after dropping PERM_WRITE, reads work and writes fault. */
static void protect_read_only_makes_writes_fault(void) {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  zx_vaddr_t addr = 0;
  ASSERT_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, PAGE, &addr));
  volatile char* mem = (volatile char*)addr;
  mem[0] = 'a';
  EXPECT_EQ_U64(signal_from_touching(mem, 1), 0);
  ASSERT_OK(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, PAGE));
  EXPECT_EQ_U64(mem[0], 'a');
  EXPECT_EQ_U64(signal_from_touching(mem, 0), 0);
  EXPECT_EQ_U64(signal_from_touching(mem, 1), SIGSEGV);
  EXPECT_OK(zx_vmar_unmap(root, addr, PAGE));
  zx_handle_close(vmo);
}

/* zircon-abi.md §3.1 steps 4 and 6: a VMO handle without MAP → ACCESS_DENIED; PERM_WRITE
 * without PERM_READ → INVALID_ARGS. */
static void map_checks_map_right_and_protection(void) {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t vmo;
  ASSERT_OK(zx_vmo_create(PAGE, 0, &vmo));
  zx_handle_t no_map;
  ASSERT_OK(zx_handle_duplicate(vmo, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_MAP, &no_map));
  zx_vaddr_t addr = 0;
  EXPECT_STATUS(ZX_ERR_ACCESS_DENIED,
                zx_vmar_map(root, ZX_VM_PERM_READ, 0, no_map, 0, PAGE, &addr));
  EXPECT_STATUS(ZX_ERR_INVALID_ARGS, zx_vmar_map(root, ZX_VM_PERM_WRITE, 0, vmo, 0, PAGE, &addr));
  zx_handle_close(no_map);
  zx_handle_close(vmo);
}

int main(void) {
  RUN_TEST(map_write_through_mapping_read_with_vmo_read);
  RUN_TEST(protect_read_only_makes_writes_fault);
  RUN_TEST(map_checks_map_right_and_protection);
  return TEST_SUMMARY();
}
