/* A TLS access before any skiff_set_tls_base faults (the library sets the thread pointer to 0, so
 * the access lands in unmapped memory). x86_64: with no IDT the tender reports a guest fault (253);
 * aarch64: the bindings' vectors report it and abort (255). */
#include "guest_test.h"

__thread volatile int tls_var = 3;

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    out("touching TLS with no TLS base\n");
    int v = tls_var;
    out("FAILURE: TLS access with thread pointer 0 did not fault\n");
    return v;
}
