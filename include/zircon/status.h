/* zx-shim: names of status codes. */
#ifndef SYSROOT_ZIRCON_STATUS_H_
#define SYSROOT_ZIRCON_STATUS_H_

#include <zircon/compiler.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* The C name of `status` ("ZX_ERR_BAD_HANDLE"), or "(UNKNOWN)". The string is static. */
const char* zx_status_get_string(zx_status_t status);

__END_CDECLS

#endif /* SYSROOT_ZIRCON_STATUS_H_ */
