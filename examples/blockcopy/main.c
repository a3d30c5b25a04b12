/* blockcopy: verifies a known pattern on the disk "source", copies it block by block to "dest",
 * then reads "dest" back and verifies it. With the argument `fill` it first writes the pattern to
 * "source" (so it also works on fresh, zero-filled disks). Byte i of block b is (b * 7 + i) & 0xff.
 * A run longer than a second prints a progress line each second (a quick one prints none).
 * Try: truncate -s 1M a.img b.img; skiff --block:source=a.img --block:dest=b.img blockcopy.elf fill */
#include "skiff_util.h"

static int has_word(const char *cmdline, const char *word)
{
    size_t n = util_strlen(word);
    for (const char *p = cmdline; *p != '\0';) {
        while (*p == ' ')
            p++;
        size_t i = 0;
        while (i < n && p[i] == word[i])
            i++;
        if (i == n && (p[n] == ' ' || p[n] == '\0'))
            return 1;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    return 0;
}

#define NSEC_PER_SEC 1000000000ull

/* Blocks handled so far out of TOTAL (each block is read or written once per pass), and when the
 * next progress line is due. The clock is read without a hypercall. */
struct progress {
    uint64_t done, total;
    skiff_time_t next;
};

static void progress_step(struct progress *p, const char *pass)
{
    p->done++;
    skiff_time_t now = skiff_clock_monotonic();
    if (now < p->next)
        return;
    p->next = now + NSEC_PER_SEC;
    out("blockcopy: ");
    out(pass);
    out(", ");
    out_u64(p->done * 100 / p->total);
    out("% done\n");
}

static uint8_t pattern(uint64_t block, size_t i)
{
    return (uint8_t)(block * 7 + i);
}

static void fill_pattern(uint8_t *buf, size_t size, uint64_t block)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = pattern(block, i);
}

static int check_pattern(const uint8_t *buf, size_t size, uint64_t block, const char *disk)
{
    for (size_t i = 0; i < size; i++) {
        if (buf[i] != pattern(block, i)) {
            out(disk);
            out(": pattern mismatch in block ");
            out_u64(block);
            out(" at byte ");
            out_u64(i);
            out("\n");
            return 0;
        }
    }
    return 1;
}

static int acquire(const char *name, skiff_handle_t *h, struct skiff_block_info *info)
{
    if (skiff_block_acquire(name, h, info) != SKIFF_R_OK) {
        out("cannot acquire disk ");
        out(name);
        out("\n");
        return 0;
    }
    out(name);
    out(": ");
    out_u64(info->capacity);
    out(" bytes in blocks of ");
    out_u64(info->block_size);
    out("\n");
    return 1;
}

static int io_failed(const char *what, const char *disk, uint64_t block)
{
    out(what);
    out(" failed on ");
    out(disk);
    out(" block ");
    out_u64(block);
    out("\n");
    return SKIFF_EXIT_FAILURE;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    skiff_handle_t src, dst;
    struct skiff_block_info src_info, dst_info;
    if (!acquire("source", &src, &src_info) || !acquire("dest", &dst, &dst_info))
        return SKIFF_EXIT_FAILURE;
    if (dst_info.block_size != src_info.block_size || dst_info.capacity < src_info.capacity) {
        out("dest must have the block size of source and at least its capacity\n");
        return SKIFF_EXIT_FAILURE;
    }
    size_t bs = src_info.block_size;
    uint64_t blocks = src_info.capacity / bs;
    uint8_t *buf = (uint8_t *)si->heap_start;
    int fill = has_word(si->cmdline, "fill");
    struct progress progress;
    progress.done = 0;
    progress.total = blocks * (fill ? 3 : 2);
    progress.next = skiff_clock_monotonic() + NSEC_PER_SEC;

    if (fill) {
        for (uint64_t b = 0; b < blocks; b++) {
            fill_pattern(buf, bs, b);
            if (skiff_block_write(src, b * bs, buf, bs) != SKIFF_R_OK)
                return io_failed("write", "source", b);
            progress_step(&progress, "filling source");
        }
    }
    for (uint64_t b = 0; b < blocks; b++) {
        if (skiff_block_read(src, b * bs, buf, bs) != SKIFF_R_OK)
            return io_failed("read", "source", b);
        if (!check_pattern(buf, bs, b, "source"))
            return SKIFF_EXIT_FAILURE;
        if (skiff_block_write(dst, b * bs, buf, bs) != SKIFF_R_OK)
            return io_failed("write", "dest", b);
        progress_step(&progress, "copying");
    }
    for (uint64_t b = 0; b < blocks; b++) {
        for (size_t i = 0; i < bs; i++)
            buf[i] = 0;
        if (skiff_block_read(dst, b * bs, buf, bs) != SKIFF_R_OK)
            return io_failed("read", "dest", b);
        if (!check_pattern(buf, bs, b, "dest"))
            return SKIFF_EXIT_FAILURE;
        progress_step(&progress, "verifying dest");
    }
    out("blockcopy: copied and verified ");
    out_u64(blocks);
    out(" blocks, SUCCESS\n");
    return SKIFF_EXIT_SUCCESS;
}
