/* zx-shim: the handles a process starts with. These are not system calls (Fuchsia's libc
 * provides them); zx-shim exports them from libzircon.so. */
#ifndef SYSROOT_ZIRCON_PROCESS_H_
#define SYSROOT_ZIRCON_PROCESS_H_

#include <zircon/compiler.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* This process (ZX_HANDLE_INVALID while zx-shim has no process objects). */
zx_handle_t zx_process_self(void);

/* The root VMAR of this process: the same handle on every call, never to be closed. */
zx_handle_t zx_vmar_root_self(void);

/* The default job (ZX_HANDLE_INVALID while zx-shim has no job objects). */
zx_handle_t zx_job_default(void);

__END_CDECLS

#endif /* SYSROOT_ZIRCON_PROCESS_H_ */
