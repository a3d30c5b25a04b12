/* The durability pattern: the guest writes it to block device "storage" and the host test
 * (tests/hostile/durability_test.cpp) reads it back from the backing file after skiff exits.
 * Blocks 0..DURABILITY_BLOCKS-1 and the last block of the device are written; with "fill=1" on the
 * command line, every block is. */
#ifndef SKIFF_DURABILITY_PATTERN_H
#define SKIFF_DURABILITY_PATTERN_H

#include "guest_test.h"

#define DURABILITY_BLOCKS 8u

/* Byte i of block b for run tag `tag`; the host test computes the same. */
static inline uint8_t durability_byte(uint64_t tag, uint64_t block, uint64_t i)
{
    return (uint8_t)(tag * 31u + block * 7u + i + 0x5Au);
}

/* Writes the pattern tagged by the command line's "tag=N" (default 1); 0 on success. */
static inline int durability_write(const struct skiff_start_info *si)
{
    char tag_text[8];
    uint64_t tag = 1;
    if (arg_value(si->cmdline, "tag", tag_text, sizeof tag_text))
        tag = (uint64_t)(tag_text[0] - '0');
    skiff_handle_t h;
    struct skiff_block_info info;
    if (skiff_block_acquire("storage", &h, &info) != SKIFF_R_OK)
        return test_fail("cannot acquire block device storage");
    uint64_t bs = info.block_size;
    uint64_t blocks = info.capacity / bs;
    if (blocks < DURABILITY_BLOCKS + 1)
        return test_fail("block device storage is too small");
    char fill[4];
    const int all = arg_value(si->cmdline, "fill", fill, sizeof fill) && fill[0] == '1';
    uint8_t *buf = (uint8_t *)si->heap_start;
    uint64_t count = all ? blocks : DURABILITY_BLOCKS + 1;
    for (uint64_t n = 0; n < count; n++) {
        uint64_t b = all || n < DURABILITY_BLOCKS ? n : blocks - 1;
        for (uint64_t i = 0; i < bs; i++)
            buf[i] = durability_byte(tag, b, i);
        if (skiff_block_write(h, b * bs, buf, bs) != SKIFF_R_OK)
            return test_fail("block write failed");
    }
    out("wrote the durability pattern\n");
    return 0;
}

#endif
