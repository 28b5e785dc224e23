/* zx-shim demo: the Zircon virtual-memory calls from C, on Linux.
 *
 * Build and run, from the workspace root:
 *   cargo build -p zx-shim        # produces target/debug/libzircon.so
 *   cc examples/demo.c -Iinclude -Ltarget/debug -lzircon -o demo
 *   LD_LIBRARY_PATH=target/debug ./demo
 *
 * It creates a VMO (a memory object), names it, writes a greeting into it, maps it into
 * this process's root VMAR (address region), reads and changes the text through the
 * mapping, and reads it back with zx_vmo_read. Every call's status is checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

/* Stops the demo with the name of the status if `status` is an error. */
static void check(zx_status_t status, const char* what) {
  if (status != ZX_OK) {
    fprintf(stderr, "%s failed: %s (%d)\n", what, zx_status_get_string(status), status);
    exit(1);
  }
}

int main(void) {
  const uint64_t size = zx_system_get_page_size();
  const char greeting[] = "Hello from a Zircon VMO!";

  /* 1. A VMO: zero-filled memory, referred to by a handle. */
  zx_handle_t vmo;
  check(zx_vmo_create(size, 0, &vmo), "zx_vmo_create");
  printf("created a VMO of %llu bytes\n", (unsigned long long)size);

  const char name[] = "demo-greeting";
  check(zx_object_set_property(vmo, ZX_PROP_NAME, name, strlen(name)), "naming the VMO");

  /* 2. Write into it like a file. Note the argument order: buffer, offset, length. */
  check(zx_vmo_write(vmo, greeting, 0, sizeof(greeting)), "zx_vmo_write");

  /* 3. Map it into the root VMAR, readable and writable; the kernel picks the address. */
  zx_handle_t root = zx_vmar_root_self();
  zx_vaddr_t addr;
  check(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, size, &addr),
        "zx_vmar_map");
  char* text = (char*)addr;
  printf("mapped at 0x%lx, the mapping reads: \"%s\"\n", (unsigned long)addr, text);

  /* 4. Change it through the mapping; zx_vmo_read sees the same memory. */
  memcpy(text, "Howdy", 5);
  char back[sizeof(greeting)];
  check(zx_vmo_read(vmo, back, 0, sizeof(back)), "zx_vmo_read");
  printf("after writing through the mapping, zx_vmo_read gives: \"%s\"\n", back);

  /* 5. What the objects report about themselves. */
  zx_info_vmo_t vmo_info;
  check(zx_object_get_info(vmo, ZX_INFO_VMO, &vmo_info, sizeof(vmo_info), NULL, NULL),
        "zx_object_get_info(ZX_INFO_VMO)");
  printf("VMO \"%s\": %llu bytes, %llu committed, %zu mapping(s)\n", vmo_info.name,
         (unsigned long long)vmo_info.size_bytes, (unsigned long long)vmo_info.committed_bytes,
         vmo_info.num_mappings);
  zx_info_vmar_t root_info;
  check(zx_object_get_info(root, ZX_INFO_VMAR, &root_info, sizeof(root_info), NULL, NULL),
        "zx_object_get_info(ZX_INFO_VMAR)");
  printf("root VMAR: base 0x%lx, %zu bytes\n", (unsigned long)root_info.base, root_info.len);

  /* 6. Make the mapping read-only (a write through it would now fault), then unmap it and
   *    close the VMO. The root VMAR handle belongs to the process: never close it. */
  check(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, size), "zx_vmar_protect");
  printf("protected read-only, still reads: \"%s\"\n", text);
  check(zx_vmar_unmap(root, addr, size), "zx_vmar_unmap");
  check(zx_handle_close(vmo), "zx_handle_close");
  printf("unmapped and closed: done\n");
  return 0;
}
