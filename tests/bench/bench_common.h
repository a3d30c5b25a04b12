/* Shared by the bench guests and bench_hostio (freestanding C99), so both sides use the same
 * offsets and the same frames. */
#ifndef SKIFF_BENCH_COMMON_H
#define SKIFF_BENCH_COMMON_H

#include <stdint.h>

#define BENCH_RNG_SEED 0x9e3779b97f4a7c15ull
#define BENCH_MAX_FRAME 2048
#define BENCH_ETHERTYPE 0x88b5 /* IEEE local experimental */

/* Slot (offset / size) of transfer I: I itself, or a xorshift64 draw over SLOTS. */
static inline uint64_t bench_offset(uint64_t i, uint64_t slots, int random, uint64_t *rng)
{
    if (!random)
        return i % slots;
    uint64_t x = *rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    return x % slots;
}

/* A broadcast frame of SIZE bytes (>= 14) from a locally administered address. */
static inline void bench_frame(uint8_t *frame, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++)
        frame[i] = (uint8_t)i;
    for (int i = 0; i < 6; i++)
        frame[i] = 0xff;
    frame[6] = 0x02;
    frame[12] = BENCH_ETHERTYPE >> 8;
    frame[13] = BENCH_ETHERTYPE & 0xff;
}

static inline int bench_is_frame(const uint8_t *frame, uint64_t size)
{
    return size >= 14 && frame[12] == (BENCH_ETHERTYPE >> 8) && frame[13] == (BENCH_ETHERTYPE & 0xff);
}

/* Decimal argument parsing without a libc. */
static inline uint64_t bench_parse_u64(const char **s)
{
    uint64_t n = 0;
    while (**s == ' ')
        (*s)++;
    while (**s >= '0' && **s <= '9')
        n = n * 10 + (uint64_t)(*(*s)++ - '0');
    return n;
}

static inline int bench_parse_word(const char **s, const char *word)
{
    while (**s == ' ')
        (*s)++;
    const char *p = *s;
    while (*word && *p == *word) {
        p++;
        word++;
    }
    if (*word || (*p != ' ' && *p != '\0'))
        return 0;
    *s = p;
    return 1;
}

#endif
