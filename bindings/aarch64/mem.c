/* memset and memcpy on aarch64: eight bytes per step where both ends allow, then bytes. Plain C
 * (the library is built with -mgeneral-regs-only, so no SIMD), and -fno-builtin with
 * -fno-tree-loop-distribute-patterns keeps gcc from turning these loops into calls to themselves.
 * Unaligned accesses would be fine too (normal memory, MMU on), but aligned ones are faster. */
#include "bindings.h"

typedef uint64_t __attribute__((may_alias)) word_t; /* any object's bytes, eight at a time */

static int both_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & 7u) == 0;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (both_aligned(d, d)) {
        word_t pattern = 0x0101010101010101ull * (unsigned char)c;
        for (; n >= 8; n -= 8, d += 8)
            *(word_t *)d = pattern;
    }
    while (n-- > 0)
        *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (both_aligned(d, s)) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(word_t *)d = *(const word_t *)s;
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}
