/* skiff guest ABI: the manifest, declaring every host resource of a unikernel (docs/guest-abi.md §2.3).
 * C99, self-contained; shared by the tender, the bindings and skiff-elftool. */
#ifndef SKIFF_ABI_MANIFEST_H
#define SKIFF_ABI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "static_assert.h"

#include "note.h"

#define SKIFF_MANIFEST_VERSION 1u
#define SKIFF_MANIFEST_MAX_ENTRIES 64u /* entry 0 is reserved, so 63 devices */
#define SKIFF_MANIFEST_MAX_DEVICES (SKIFF_MANIFEST_MAX_ENTRIES - 1u)
#define SKIFF_MANIFEST_NAME_SIZE 68u /* NUL included: at most 67 characters */
#define SKIFF_MANIFEST_NAME_MAX_LEN (SKIFF_MANIFEST_NAME_SIZE - 1u)

enum skiff_device_type {
    SKIFF_DEV_BLOCK_BASIC = 1,
    SKIFF_DEV_NET_BASIC = 2,
    SKIFF_DEV_RESERVED_FIRST = 0x40000000 /* entry 0; types >= this are ignored by the tender */
};

/* What a block device offers, in the guest's copy of the manifest (0 in images, and from tenders
 * that do not set them: Solo5's). */
#define SKIFF_BLOCK_F_FLUSH 1u     /* BLOCK_FLUSH makes completed writes durable */
#define SKIFF_BLOCK_F_DISCARD 2u   /* BLOCK_DISCARD may free a range */
#define SKIFF_BLOCK_F_READ_ONLY 4u /* writes fail (EUNSPEC) */

struct skiff_block_basic {
    uint64_t capacity;   /* bytes */
    uint16_t block_size; /* bytes */
    uint16_t flags;      /* SKIFF_BLOCK_F_*, skiff only */
};

struct skiff_net_basic {
    uint8_t mac[6];
    uint16_t mtu; /* excludes the 14-byte Ethernet header */
};

struct skiff_manifest_entry {
    char name[SKIFF_MANIFEST_NAME_SIZE];
    uint32_t type; /* enum skiff_device_type */
    union {
        struct skiff_block_basic block_basic;
        struct skiff_net_basic net_basic;
    } u;
    union {
        int hostfd;
        void *hostptr;
        uint64_t raw;
    } b; /* host-private backing; the guest ignores it */
    uint8_t attached;
    uint8_t pad[7];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_manifest_entry) == 104, "manifest entry is 104 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, type) == 68, "type at 68");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, u) == 72, "properties at 72");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, u.block_basic.block_size) == 80, "block_size at 80");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, u.block_basic.flags) == 82, "block flags at 82");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, u.net_basic.mtu) == 78, "mtu at 78");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, b) == 88, "backing at 88");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest_entry, attached) == 96, "attached at 96");

/* The manifest structure; entries[] holds `entries` elements. */
struct skiff_manifest {
    uint32_t version;
    uint32_t entries;
    struct skiff_manifest_entry e[];
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_manifest) == 8, "manifest header is 8 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_manifest, e) == 8, "entry array at 8");

#define SKIFF_MANIFEST_SIZE(n) (8u + 104u * (uint32_t)(n))
#define SKIFF_MANIFEST_NOTE_DESCSZ(n) (12u + 104u * (uint32_t)(n))

/* Declares the complete manifest note of NENTRIES entries as laid out in the file:
 * header, 4 bytes of padding, then the manifest (payload at note offset 24). */
#define SKIFF_MANIFEST_NOTE_STRUCT(tag, nentries)      \
    struct tag {                                       \
        struct skiff_note_header h;                    \
        uint32_t pad;                                  \
        uint32_t version;                              \
        uint32_t entries;                              \
        struct skiff_manifest_entry e[nentries];       \
    }

#endif
