/* x86_64: the instructions the bindings need, one inline function each (docs/guest-abi.md §4-§7).
 * Every other part of the bindings is the same on each architecture; bindings/aarch64/cpu.h is the
 * counterpart of this file. */
#ifndef SKIFF_BINDINGS_CPU_H
#define SKIFF_BINDINGS_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "skiff/abi/hypercall.h"
#include "skiff/abi/ring.h"

#define SKIFF_IA32_FS_BASE 0xC0000100u

/* Where each ring's kick goes: an I/O port. */
#define SKIFF_NET_RING_KICK SKIFF_RING_KICK_PORT
#define SKIFF_BLOCK_RING_KICK SKIFF_BLOCK_RING_KICK_PORT

/* A 32-bit OUT of GPA to the hypercall's port. The "memory" clobber makes the compiler write the
 * arguments before, and re-read the results after, the exit to the tender. */
static inline void skiff_cpu_hypercall(uint32_t nr, uint32_t gpa)
{
    uint16_t port = (uint16_t)SKIFF_HYPERCALL_PORT(nr);
    __asm__ __volatile__("outl %0, %1" : : "a"(gpa), "d"(port) : "memory");
}

static inline void skiff_cpu_ring_kick(uint64_t kick)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(0u), "d"((uint16_t)kick) : "memory");
}

/* x86 keeps stores in order and loads in order: only the compiler must be held back. */
static inline void skiff_store_barrier(void) { __asm__ __volatile__("" : : : "memory"); }
static inline void skiff_load_barrier(void) { __asm__ __volatile__("" : : : "memory"); }
static inline void skiff_full_barrier(void) { __asm__ __volatile__("mfence" : : : "memory"); }
static inline void skiff_cpu_relax(void) { __asm__ __volatile__("pause" : : : "memory"); }

/* The TSC: no exit; its frequency is the boot info's cpu_cycle_freq. */
static inline uint64_t skiff_cpu_counter(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* The thread pointer is the FS base (an MSR write the tender allows). */
static inline void skiff_cpu_set_thread_pointer(uintptr_t tp)
{
    __asm__ __volatile__("wrmsr" : : "c"(SKIFF_IA32_FS_BASE), "a"((uint32_t)tp), "d"((uint32_t)(tp >> 32)));
}

/* No IDT: an exception ends the guest as a triple fault, which skiff reports (status 253). */
static inline void skiff_cpu_install_trap_handlers(void) {}

/* TLS variant II: the TLS data ends at the thread pointer, where a one-word control block holds its
 * own address. IMAGE_SIZE is PT_TLS's p_memsz, which skiff.lds pads to a multiple of the alignment. */
#define SKIFF_TLS_TCB_SIZE sizeof(uintptr_t)
static inline size_t skiff_tls_block_size(size_t image_size, size_t align)
{
    (void)align;
    return image_size + SKIFF_TLS_TCB_SIZE;
}
static inline uintptr_t skiff_tls_thread_pointer(uintptr_t block, size_t image_size, size_t align)
{
    (void)align;
    return block + image_size;
}
static inline uintptr_t skiff_tls_data(uintptr_t block, size_t image_size, size_t align)
{
    (void)image_size;
    (void)align;
    return block;
}

#endif
