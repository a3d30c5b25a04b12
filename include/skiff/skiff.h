/* skiff guest API: what a unikernel linked with libskiff-bindings may call.
 *
 * Function for function the same API as Solo5's solo5.h (docs/guest-abi.md §7), with skiff_ names.
 * Freestanding C99: needs only <stddef.h>, <stdint.h> and <stdbool.h>. */
#ifndef SKIFF_SKIFF_H
#define SKIFF_SKIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skiff/abi/manifest.h" /* SKIFF_BLOCK_F_* */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SKIFF_R_OK = 0,      /* success */
    SKIFF_R_AGAIN = 1,   /* try again later (e.g. no frame to read) */
    SKIFF_R_EINVAL = 2,  /* invalid argument */
    SKIFF_R_EUNSPEC = 3, /* unspecified error */
    SKIFF_R_EOPNOTSUPP = 4, /* the device or tender cannot do this (a flush or discard) */
} skiff_result_t;

typedef uint64_t skiff_time_t;       /* nanoseconds */
typedef uint64_t skiff_handle_t;     /* a device: its manifest index (1..63) */
typedef uint64_t skiff_handle_set_t; /* bit i set <=> handle i */
typedef uint64_t skiff_off_t;        /* byte offset on a block device */

/* Exit statuses; values >= 255 are reserved. */
#define SKIFF_EXIT_SUCCESS 0
#define SKIFF_EXIT_FAILURE 1
#define SKIFF_EXIT_ABORT 255

#define SKIFF_NET_ALEN 6  /* Ethernet address length */
#define SKIFF_NET_HLEN 14 /* Ethernet header length */

/* Handed to skiff_app_main. */
struct skiff_start_info {
    const char *cmdline; /* NUL-terminated guest command line (read-only memory) */
    uintptr_t heap_start; /* first free byte after the image, 4 KiB aligned */
    size_t heap_size;     /* up to the top of memory; the stack grows down from the top of it */
};

/* Provided by the application. Returning is the same as skiff_exit(result). */
int skiff_app_main(const struct skiff_start_info *info);

/* End the guest with STATUS (0..254 by convention, 255 is abort). */
void skiff_exit(int status) __attribute__((noreturn));
/* End the guest with SKIFF_EXIT_ABORT. */
void skiff_abort(void) __attribute__((noreturn));

/* Write SIZE bytes to the console (the tender's stdout). Best effort. */
void skiff_console_write(const char *buf, size_t size);

/* Monotonic time in ns since an arbitrary point at boot (no hypercall). */
skiff_time_t skiff_clock_monotonic(void);
/* Wall-clock time in ns since 1970-01-01 UTC. */
skiff_time_t skiff_clock_wall(void);

/* Wait until monotonic time DEADLINE or until a network device has input, whichever comes
 * first. If READY_SET is not NULL, it receives the set of handles that have input. */
void skiff_yield(skiff_time_t deadline, skiff_handle_set_t *ready_set);

struct skiff_net_info {
    uint8_t mac_address[SKIFF_NET_ALEN];
    size_t mtu; /* excludes the Ethernet header */
};

skiff_result_t skiff_net_acquire(const char *name, skiff_handle_t *handle, struct skiff_net_info *info);
/* Send one frame (Ethernet header included, at most mtu + SKIFF_NET_HLEN bytes). */
skiff_result_t skiff_net_write(skiff_handle_t handle, const uint8_t *buf, size_t size);
/* Receive one frame into BUF (at least mtu + SKIFF_NET_HLEN bytes); SKIFF_R_AGAIN if none. */
skiff_result_t skiff_net_read(skiff_handle_t handle, uint8_t *buf, size_t size, size_t *read_size);

struct skiff_block_info {
    skiff_off_t capacity;   /* bytes */
    skiff_off_t block_size; /* bytes; requests are whole numbers of blocks */
    uint32_t flags;         /* SKIFF_BLOCK_F_* (skiff/abi/manifest.h): flush, discard, read-only */
};

skiff_result_t skiff_block_acquire(const char *name, skiff_handle_t *handle, struct skiff_block_info *info);
/* SIZE bytes at OFFSET: both non-zero multiples of block_size (a read-only device refuses writes
 * with SKIFF_R_EUNSPEC, as it does host I/O errors; a range past the end is SKIFF_R_EINVAL). */
skiff_result_t skiff_block_write(skiff_handle_t handle, skiff_off_t offset, const uint8_t *buf, size_t size);
skiff_result_t skiff_block_read(skiff_handle_t handle, skiff_off_t offset, uint8_t *buf, size_t size);
/* Every write completed before it is durable once it returns SKIFF_R_OK. */
skiff_result_t skiff_block_flush(skiff_handle_t handle);
/* The range's contents are no longer needed (on a file: it reads back as zeros). */
skiff_result_t skiff_block_discard(skiff_handle_t handle, skiff_off_t offset, size_t size);

/* Many requests at once: with the block ring they are in flight together (one kick, no exit each),
 * served in order, so a flush covers the writes before it. Each request's result is set; returns
 * the first that is not SKIFF_R_OK, or SKIFF_R_OK. */
enum skiff_block_op { SKIFF_BLOCK_OP_READ, SKIFF_BLOCK_OP_WRITE, SKIFF_BLOCK_OP_FLUSH, SKIFF_BLOCK_OP_DISCARD };
struct skiff_block_request {
    enum skiff_block_op op;
    skiff_handle_t handle;
    skiff_off_t offset;
    void *buf; /* reads and writes */
    size_t size;
    skiff_result_t result; /* out */
};
skiff_result_t skiff_block_submit(struct skiff_block_request *requests, size_t count);

/* Thread-local storage (x86_64, TLS variant II). */
skiff_result_t skiff_set_tls_base(uintptr_t base);
/* Bytes a TLS block needs: TLS data + TLS BSS + the thread pointer slot. */
size_t skiff_tls_size(void);
/* The thread pointer (FS base) for a TLS block starting at TLS_BLOCK. */
uintptr_t skiff_tls_tp_offset(uintptr_t tls_block);
/* Fill a zeroed block of skiff_tls_size() bytes: copy the TLS image, set the thread pointer slot. */
skiff_result_t skiff_tls_init(uintptr_t tls_block);

/* The memory and string functions libskiff-bindings provides, with their standard C signatures (so
 * a libc's <string.h> may be included too). The compiler may call the first four even where the
 * code does not: for structure copies, zeroing and comparisons. */
#ifdef __cplusplus
#define SKIFF_RESTRICT __restrict
#else
#define SKIFF_RESTRICT restrict
#endif
void *memset(void *dst, int c, size_t n);
void *memcpy(void *SKIFF_RESTRICT dst, const void *SKIFF_RESTRICT src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
