/* The largest manifest the ABI allows: 63 block devices storage0..storage62. All are attached with
 * handles 1..63, and the first and last can be read and written. */
#include "guest_test.h"

static int name_of(char *buf, unsigned n)
{
    const char *prefix = "storage";
    size_t i = 0;
    for (; prefix[i] != '\0'; i++)
        buf[i] = prefix[i];
    if (n >= 10)
        buf[i++] = (char)('0' + n / 10);
    buf[i++] = (char)('0' + n % 10);
    buf[i] = '\0';
    return 1;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    char name[16];
    for (unsigned n = 0; n < 63; n++) {
        skiff_handle_t h;
        struct skiff_block_info info;
        name_of(name, n);
        if (skiff_block_acquire(name, &h, &info) != SKIFF_R_OK) {
            out(name);
            return test_fail(": not acquired");
        }
        CHECK(h == n + 1);
        CHECK(info.capacity >= info.block_size && info.block_size >= 512);
        if (n == 0 || n == 62) {
            uint8_t *buf = (uint8_t *)si->heap_start;
            buf[0] = (uint8_t)(n + 1);
            CHECK(skiff_block_write(h, 0, buf, info.block_size) == SKIFF_R_OK);
            buf[0] = 0;
            CHECK(skiff_block_read(h, 0, buf, info.block_size) == SKIFF_R_OK);
            CHECK(buf[0] == n + 1);
        }
    }
    out("acquired 63 block devices\n");
    return test_success();
}
