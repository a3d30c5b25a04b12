/* Small helpers shared by the example and test unikernels: console printing and command-line
 * parsing, without a libc. Header-only so each image stays self-contained. */
#ifndef SKIFF_EXAMPLES_UTIL_H
#define SKIFF_EXAMPLES_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/skiff.h"

static inline size_t util_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

static inline int util_streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static inline void out(const char *s)
{
    skiff_console_write(s, util_strlen(s));
}

static inline void out_u64(uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    skiff_console_write(buf + i, sizeof buf - i);
}

static inline void out_hex(uint64_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    char buf[16];
    if (digits > 16)
        digits = 16;
    for (unsigned i = 0; i < digits; i++)
        buf[digits - 1 - i] = hex[(v >> (4 * i)) & 0xf];
    skiff_console_write(buf, digits);
}

static inline void out_mac(const uint8_t mac[SKIFF_NET_ALEN])
{
    for (int i = 0; i < SKIFF_NET_ALEN; i++) {
        if (i > 0)
            out(":");
        out_hex(mac[i], 2);
    }
}

/* Finds the word "KEY=VALUE" in the space-separated CMDLINE; copies VALUE (at most SIZE-1 bytes)
 * into BUF. Returns 1 if found. */
static inline int arg_value(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t klen = util_strlen(key);
    const char *p = cmdline;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        size_t i = 0;
        while (i < klen && p[i] == key[i])
            i++;
        if (i == klen && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = 0;
            while (v[n] != '\0' && v[n] != ' ' && n + 1 < size) {
                buf[n] = v[n];
                n++;
            }
            buf[n] = '\0';
            return 1;
        }
        while (*p != '\0' && *p != ' ')
            p++;
    }
    return 0;
}

/* Parses a decimal number; returns 0 and leaves *OUT alone on anything else. */
static inline int parse_u64(const char *s, uint64_t *out_value)
{
    uint64_t v = 0;
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out_value = v;
    return 1;
}

/* Parses a dotted IPv4 address into network byte order bytes. */
static inline int parse_ipv4(const char *s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255)
            return 0;
        ip[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return 0;
    }
    return *s == '\0';
}

#endif
