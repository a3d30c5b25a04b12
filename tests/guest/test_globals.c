/* Initialised data is loaded and writable; BSS is zero; the heap is where start info says. */
#include "guest_test.h"

int initialised = 0x12345678;
static char greeting[] = "initialised data";
static uint64_t zeroed[4096];
extern char _end[];

int skiff_app_main(const struct skiff_start_info *si)
{
    CHECK(initialised == 0x12345678);
    CHECK(util_streq(greeting, "initialised data"));
    for (size_t i = 0; i < sizeof zeroed / sizeof zeroed[0]; i++)
        CHECK(zeroed[i] == 0);
    initialised++;
    greeting[0] = 'I';
    zeroed[4095] = 7;
    CHECK(launder((uintptr_t)initialised) == 0x12345679);
    CHECK(greeting[0] == 'I' && zeroed[4095] == 7);
    CHECK(si->heap_start % 4096 == 0);
    CHECK(si->heap_start >= (uintptr_t)_end);
    CHECK(si->heap_size >= 512 * 1024);
    /* The heap is usable memory up to near the stack. */
    volatile uint8_t *heap = (volatile uint8_t *)si->heap_start;
    heap[0] = 1;
    heap[si->heap_size / 2] = 2;
    CHECK(heap[0] == 1 && heap[si->heap_size / 2] == 2);
    return test_success();
}
