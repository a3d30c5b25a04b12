/* The ABI note and the PT_INTERP string every skiff unikernel carries. skiff.lds names the note
 * with EXTERN, so this object is linked into every guest, also one with an entry point of its own
 * instead of start.c's. */
#include "skiff/abi/note.h"

/* The ABI note: hvt target, ABI version 2; the linker script gives it its own PT_NOTE. */
__attribute__((section(".note.solo5.abi"), aligned(4), used))
const struct skiff_abi_note skiff_abi_note = {
    .h = {
        .n_namesz = SKIFF_NOTE_NAMESZ,
        .n_descsz = sizeof(struct skiff_abi_info),
        .n_type = SKIFF_NOTE_TYPE_ABI,
        .n_name = SKIFF_NOTE_NAME,
    },
    .payload = {.abi_target = SKIFF_ABI_TARGET_HVT, .abi_version = SKIFF_ABI_VERSION},
};

/* A PT_INTERP naming a path that does not exist, so the host kernel refuses to exec the image. */
__attribute__((section(".interp"), used)) const char skiff_interp[] = "/nonexistent/skiff/";
