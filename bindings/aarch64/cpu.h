/* aarch64: the instructions the bindings need, one inline function each (docs/guest-abi.md,
 * aarch64 part). Counterpart of bindings/x86_64/cpu.h. */
#ifndef SKIFF_BINDINGS_CPU_H
#define SKIFF_BINDINGS_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/abi/hypercall.h"
#include "skiff/abi/ring.h"

/* Where each ring's kick goes: an address in the MMIO window. */
#define SKIFF_NET_RING_KICK SKIFF_RING_KICK_MMIO
#define SKIFF_BLOCK_RING_KICK SKIFF_BLOCK_RING_KICK_MMIO

/* One 32-bit store (`str wN`) of the GPA to the hypercall's slot, exactly the access the tender
 * accepts: no writeback addressing and no pair, so KVM gets a valid syndrome. The "memory" clobber
 * orders the argument writes before it and the result reads after it. */
static inline void skiff_cpu_store32(uint64_t addr, uint32_t value)
{
    __asm__ __volatile__("str %w0, [%1]" : : "r"(value), "r"(addr) : "memory");
}

static inline void skiff_cpu_hypercall(uint32_t nr, uint32_t gpa)
{
    skiff_cpu_store32(SKIFF_HYPERCALL_MMIO_ADDR(nr), gpa);
}

static inline void skiff_cpu_ring_kick(uint64_t kick) { skiff_cpu_store32(kick, 0); }

/* The host's ring thread runs on another CPU: real barriers, inner shareable. */
static inline void skiff_store_barrier(void) { __asm__ __volatile__("dmb ishst" : : : "memory"); }
static inline void skiff_load_barrier(void) { __asm__ __volatile__("dmb ishld" : : : "memory"); }
static inline void skiff_full_barrier(void) { __asm__ __volatile__("dmb ish" : : : "memory"); }
static inline void skiff_cpu_relax(void) { __asm__ __volatile__("yield" : : : "memory"); }

/* The virtual counter: no trap; its frequency (CNTFRQ_EL0) is the boot info's cpu_cycle_freq. The
 * isb keeps the read from being taken early, before the code it times. */
static inline uint64_t skiff_cpu_counter(void)
{
    uint64_t ticks;
    __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(ticks) : : "memory");
    return ticks;
}

static inline void skiff_cpu_set_thread_pointer(uintptr_t tp)
{
    __asm__ __volatile__("msr tpidr_el0, %0" : : "r"(tp));
}

/* VBAR_EL1 = the table of vectors.S, which reports any exception and ends the guest (trap.c). */
void skiff_cpu_install_trap_handlers(void);

/* TLS variant I: the thread pointer is the block's start, where a 16-byte control block begins (its
 * first word holds its own address); the TLS data follows at 16 rounded up to its alignment, the
 * offset the linker's TLS relocations assume. */
#define SKIFF_TLS_TCB_SIZE 16u
static inline size_t skiff_tls_data_offset(size_t align)
{
    return align > SKIFF_TLS_TCB_SIZE ? align : SKIFF_TLS_TCB_SIZE;
}
static inline size_t skiff_tls_block_size(size_t image_size, size_t align)
{
    return skiff_tls_data_offset(align) + image_size;
}
static inline uintptr_t skiff_tls_thread_pointer(uintptr_t block, size_t image_size, size_t align)
{
    (void)image_size;
    (void)align;
    return block;
}
static inline uintptr_t skiff_tls_data(uintptr_t block, size_t image_size, size_t align)
{
    (void)image_size;
    return block + skiff_tls_data_offset(align);
}

#endif
