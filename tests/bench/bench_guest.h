/* Console output for the bench guests: one "key=value ..." line that run.sh parses. */
#ifndef SKIFF_BENCH_GUEST_H
#define SKIFF_BENCH_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/abi/hypercall.h"
#include "skiff/skiff.h"

static inline void bench_out(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    skiff_console_write(s, n);
}

static inline void bench_out_u64(const char *key, uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    bench_out(key);
    skiff_console_write(buf + i, sizeof buf - i);
}

/* A raw hypercall (guest-abi.md §5.1), for transfers the one-block-per-call API does not offer. */
static inline void bench_hypercall(enum skiff_hypercall_nr nr, volatile void *arg)
{
    uint16_t port = (uint16_t)SKIFF_HYPERCALL_PORT(nr);
    uint32_t gpa = (uint32_t)(uintptr_t)arg;
    __asm__ __volatile__("outl %0, %1" : : "a"(gpa), "d"(port) : "memory");
}

#endif
