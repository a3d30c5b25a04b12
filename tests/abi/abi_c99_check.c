/* Compiled as strict C99 by the test suite: the guest ABI headers must stand alone for any guest
 * toolchain, and their static asserts check every layout. */
#include "skiff/abi/abi.h"

int skiff_abi_c99_check(void);
int skiff_abi_c99_check(void) { return (int)sizeof(struct skiff_boot_info); }
