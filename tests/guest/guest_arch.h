/* The few instructions guest test images use directly, one small helper each per architecture.
 * Raw hypercalls and ring kicks come from the bindings' own cpu.h. */
#ifndef SKIFF_GUEST_ARCH_H
#define SKIFF_GUEST_ARCH_H

#include <stdint.h>

#if defined(__x86_64__)

/* `ret`, for code placed where nothing may execute */
#define GUEST_RET_BYTES {0xc3}

/* r[i] = a[i] * b[i] in SIMD registers (SSE). */
static inline void guest_simd_multiply(float r[4], const float a[4], const float b[4])
{
    __asm__ __volatile__("movups %1, %%xmm0\n\t"
                         "movups %2, %%xmm1\n\t"
                         "mulps %%xmm1, %%xmm0\n\t"
                         "movups %%xmm0, %0"
                         : "=m"(*(float(*)[4])r)
                         : "m"(*(const float(*)[4])a), "m"(*(const float(*)[4])b)
                         : "xmm0", "xmm1");
}

static inline void guest_load_page_tables(uint64_t root)
{
    __asm__ __volatile__("mov %0, %%cr3" : : "r"(root) : "memory");
}

#elif defined(__aarch64__)

#define GUEST_RET_BYTES {0xc0, 0x03, 0x5f, 0xd6} /* ret (0xd65f03c0) */

/* r[i] = a[i] * b[i] in SIMD registers (Advanced SIMD). */
static inline void guest_simd_multiply(float r[4], const float a[4], const float b[4])
{
    __asm__ __volatile__("ld1 {v0.4s}, [%1]\n\t"
                         "ld1 {v1.4s}, [%2]\n\t"
                         "fmul v0.4s, v0.4s, v1.4s\n\t"
                         "st1 {v0.4s}, [%0]"
                         :
                         : "r"(r), "r"(a), "r"(b)
                         : "v0", "v1", "memory");
}

static inline void guest_set_vector_base(uint64_t base)
{
    __asm__ __volatile__("msr vbar_el1, %0\n\tisb" : : "r"(base) : "memory");
}

#else
#error "guest_arch.h: unknown architecture"
#endif

#endif
