/* State shared between the parts of the bindings library (not part of the public API). */
#ifndef SKIFF_BINDINGS_BINDINGS_H
#define SKIFF_BINDINGS_BINDINGS_H

#include <stdint.h>

#include "skiff/abi/boot.h"
#include "skiff/abi/manifest.h"
#include "skiff/skiff.h"

/* Set once by _start, read-only afterwards. */
extern const struct skiff_boot_info *skiff_boot_info;
/* Set by _start when the command line leads with --skiff:no-ring: net I/O uses hypercalls only. */
extern int skiff_no_ring;

void skiff_clock_init(uint64_t cpu_cycle_freq);

/* The manifest entry behind HANDLE if it exists and has TYPE, else NULL. */
const struct skiff_manifest_entry *skiff_manifest_entry_of(skiff_handle_t handle, uint32_t type);
/* The first entry of TYPE called NAME, storing its index in *HANDLE; NULL if none. */
const struct skiff_manifest_entry *skiff_manifest_find(const char *name, uint32_t type, skiff_handle_t *handle);

#endif
