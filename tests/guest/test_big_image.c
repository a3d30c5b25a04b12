/* An image larger than a few 2 MiB regions: 6 MiB of read-only data and 6 MiB of writable data,
 * every 4 KiB page filled with its own byte. The tender loads whole 2 MiB regions of an image
 * through huge pages; the guest checks that every page holds its own byte (nothing shifted, lost or
 * zeroed at a region boundary) and that it can write each data page. */
#include "guest_test.h"

#define PAGES 1536 /* 6 MiB */

/* Page p holds the byte (p * 7 + SEED) & 0xff, SEED telling the two sections apart. */
#define FILL_PAGES(section, flags, symbol, seed)                                                                     \
    __asm__(".pushsection " section ", " flags ", @progbits\n"                                                     \
            ".balign 4096\n"                                                                                       \
            ".globl " symbol "\n" symbol ":\n"                                                                     \
            ".set page, 0\n"                                                                                       \
            ".rept 1536\n"                                                                                         \
            ".fill 4096, 1, (page * 7 + " seed ") & 0xff\n"                                                        \
            ".set page, page + 1\n"                                                                                \
            ".endr\n"                                                                                              \
            ".popsection\n")

FILL_PAGES(".rodata.big_image", "\"a\"", "big_rodata", "1");
FILL_PAGES(".data.big_image", "\"aw\"", "big_data", "3");
extern const volatile uint8_t big_rodata[];
extern volatile uint8_t big_data[];

static int pages_hold(const volatile uint8_t *base, unsigned seed)
{
    for (unsigned p = 0; p < PAGES; p++) {
        uint8_t want = (uint8_t)(p * 7 + seed);
        if (base[p * 4096] != want || base[p * 4096 + 4095] != want)
            return 0;
    }
    return 1;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    CHECK(pages_hold(big_rodata, 1));
    CHECK(pages_hold(big_data, 3));
    for (unsigned p = 0; p < PAGES; p++)
        big_data[p * 4096 + 100] = 0x5a;
    for (unsigned p = 0; p < PAGES; p++)
        CHECK(big_data[p * 4096 + 100] == 0x5a);
    return test_success();
}
