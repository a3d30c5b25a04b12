/* memset and memcpy on x86_64: the CPU's string instructions. One instruction rather than a loop
 * matters on a software hypervisor, where each loop iteration of a guest is expensive (kvm-pvm:
 * about a microsecond). Built like mem.c (-fno-builtin), so gcc does not call these from here. */
#include "bindings.h"

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

/* Eight bytes per step, then the tail. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    size_t words = n / 8, tail = n % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(tail) : : "memory");
    return dst;
}
