/* Block device "storage": every 10th block and the last one can be written and read back, and two
 * blocks in one request; out of range, partial and misaligned requests and wrong handles fail with
 * EINVAL. */
#include "guest_test.h"

static void fill(uint8_t *buf, size_t n, uint64_t block)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(block * 13 + i * 3 + 1);
}

int skiff_app_main(const struct skiff_start_info *si)
{
    skiff_handle_t h;
    struct skiff_block_info info;
    CHECK(skiff_block_acquire("nosuchdisk", &h, &info) == SKIFF_R_EINVAL);
    CHECK(skiff_block_acquire("storage", &h, &info) == SKIFF_R_OK);
    out("capacity ");
    out_u64(info.capacity);
    out(" block size ");
    out_u64(info.block_size);
    out("\n");
    size_t bs = info.block_size;
    uint64_t blocks = info.capacity / bs;
    CHECK(bs >= 512 && info.capacity % bs == 0 && blocks >= 2);
    uint8_t *wbuf = (uint8_t *)si->heap_start;
    uint8_t *rbuf = wbuf + 2 * bs;

    /* Two blocks in one request: one write, one read. */
    fill(wbuf, 2 * bs, 7);
    CHECK(skiff_block_write(h, 2 * bs, wbuf, 2 * bs) == SKIFF_R_OK);
    CHECK(skiff_block_read(h, 2 * bs, rbuf, 2 * bs) == SKIFF_R_OK);
    for (size_t i = 0; i < 2 * bs; i++)
        CHECK(rbuf[i] == wbuf[i]);

    for (uint64_t b = 0; b < blocks; b += 10) {
        fill(wbuf, bs, b);
        CHECK(skiff_block_write(h, b * bs, wbuf, bs) == SKIFF_R_OK);
    }
    for (uint64_t b = 0; b < blocks; b += 10) {
        fill(wbuf, bs, b);
        CHECK(skiff_block_read(h, b * bs, rbuf, bs) == SKIFF_R_OK);
        for (size_t i = 0; i < bs; i++)
            CHECK(rbuf[i] == wbuf[i]);
    }
    uint64_t last = (blocks - 1) * bs;
    fill(wbuf, bs, blocks - 1);
    CHECK(skiff_block_write(h, last, wbuf, bs) == SKIFF_R_OK);
    CHECK(skiff_block_read(h, last, rbuf, bs) == SKIFF_R_OK);
    for (size_t i = 0; i < bs; i++)
        CHECK(rbuf[i] == wbuf[i]);

    CHECK(skiff_block_write(h, info.capacity, wbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(h, info.capacity, rbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(h, info.capacity + 10 * bs, rbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(h, last, rbuf, 2 * bs) == SKIFF_R_EINVAL); /* straddles the end */
    CHECK(skiff_block_read(h, 0, rbuf, bs - 1) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(h, 1, rbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_write(h, bs / 2, wbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(0, 0, rbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(h + 1, 0, rbuf, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_read(64, 0, rbuf, bs) == SKIFF_R_EINVAL);
    size_t got;
    CHECK(skiff_net_read(h, rbuf, bs, &got) == SKIFF_R_EINVAL);
    return test_success();
}
