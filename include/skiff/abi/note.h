/* skiff guest ABI: the two ELF notes every unikernel carries (docs/guest-abi.md §2).
 * C99, self-contained; shared by the tender, the bindings and skiff-elftool. */
#ifndef SKIFF_ABI_NOTE_H
#define SKIFF_ABI_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "static_assert.h"

/* Both notes are owned by "Solo5" (namesz 6 with the NUL, name field padded to 8 bytes). */
#define SKIFF_NOTE_NAME "Solo5"
#define SKIFF_NOTE_NAMESZ 6u
#define SKIFF_NOTE_HEADER_SIZE 20u /* namesz, descsz, type, 8-byte name */

#define SKIFF_NOTE_TYPE_ABI 0x31494241u      /* "ABI1" */
#define SKIFF_NOTE_TYPE_MANIFEST 0x3154464Du /* "MFT1" */

/* n_descsz includes the padding between the 20-byte header and the payload:
 * payload offset D and the largest n_descsz a loader accepts, per note. */
#define SKIFF_ABI_NOTE_PAYLOAD_OFFSET 20u
#define SKIFF_ABI_NOTE_MAX_DESCSZ 32u
#define SKIFF_MANIFEST_NOTE_PAYLOAD_OFFSET 24u
#define SKIFF_MANIFEST_NOTE_MAX_DESCSZ 6668u

#define SKIFF_ABI_TARGET_HVT 1u
#define SKIFF_ABI_VERSION 2u

struct skiff_note_header {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[8];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_note_header) == SKIFF_NOTE_HEADER_SIZE, "note header is 20 bytes");

/* ABI note payload (16 bytes). */
struct skiff_abi_info {
    uint32_t abi_target;
    uint32_t abi_version;
    uint32_t reserved0;
    uint32_t reserved1;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_abi_info) == 16, "ABI note payload is 16 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_abi_info, abi_version) == 4, "abi_version at 4");

/* The complete ABI note as laid out in the file (36 bytes). */
struct skiff_abi_note {
    struct skiff_note_header h;
    struct skiff_abi_info payload;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_abi_note) == 36, "ABI note is 36 bytes");

#endif
