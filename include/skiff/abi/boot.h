/* skiff guest ABI: guest physical memory layout, boot info and initial vCPU state (docs/guest-abi.md §3, §4).
 * C99, self-contained. */
#ifndef SKIFF_ABI_BOOT_H
#define SKIFF_ABI_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "static_assert.h"

#define SKIFF_PAGE_SIZE 0x1000ull
#define SKIFF_HUGE_PAGE_SIZE 0x200000ull /* memory is sized in these */

/* Low memory layout (GPAs). */
#define SKIFF_GDT_BASE 0x1000ull
#define SKIFF_PML4_BASE 0x2000ull
#define SKIFF_PDPT_BASE 0x3000ull
#define SKIFF_PD_BASE 0x4000ull /* four contiguous page directories, 0x4000-0x7fff */
#define SKIFF_PT0_BASE 0x8000ull /* 4 KiB pages of the first 2 MiB */
#define SKIFF_BOOT_INFO_BASE 0x10000ull
#define SKIFF_MANIFEST_COPY_BASE 0x10038ull
#define SKIFF_CMDLINE_SIZE 8192u /* NUL included */
#define SKIFF_MIN_LOAD_ADDR 0x100000ull

/* Memory size limits. */
#define SKIFF_MEM_DEFAULT (512ull << 20)
#define SKIFF_MEM_MAX (4ull << 30)

/* Boot info at SKIFF_BOOT_INFO_BASE; its GPA is passed in RDI. */
#define SKIFF_HOST_FEATURE_RING_IO 1u    /* the net ring, at net_ring */
#define SKIFF_HOST_FEATURE_BLOCK_RING 2u /* the block ring, at block_ring_page << 12 */

struct skiff_boot_info {
    uint64_t mem_size;       /* guest-visible memory size */
    uint64_t kernel_end;     /* page-aligned end of the loaded image */
    uint64_t cpu_cycle_freq; /* TSC frequency, Hz */
    uint64_t cmdline;        /* GPA of the NUL-terminated command line */
    uint64_t mft;            /* GPA of the manifest copy */
    uint32_t host_features;  /* SKIFF_HOST_FEATURE_* */
    uint32_t block_ring_page; /* GPA >> 12 of the block ring (SKIFF_HOST_FEATURE_BLOCK_RING), or 0 */
    uint64_t net_ring;       /* GPA of the net ring, or 0 */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_boot_info) == 56, "boot info is 56 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_boot_info, cpu_cycle_freq) == 16, "cpu_cycle_freq at 16");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_boot_info, mft) == 32, "mft at 32");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_boot_info, host_features) == 40, "host_features at 40");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_boot_info, block_ring_page) == 44, "block_ring_page at 44");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_boot_info, net_ring) == 48, "net_ring at 48");
SKIFF_STATIC_ASSERT(SKIFF_BOOT_INFO_BASE + sizeof(struct skiff_boot_info) == SKIFF_MANIFEST_COPY_BASE,
               "manifest copy follows boot info");

/* Initial vCPU state. */
#define SKIFF_X86_CR0_INIT 0x80010021ull /* PE, NE, WP, PG */
#define SKIFF_X86_CR4_INIT 0x620ull      /* PAE, OSFXSR, OSXMMEXCPT */
#define SKIFF_X86_EFER_INIT 0x500ull     /* LME, LMA */
#define SKIFF_X86_EFER_NXE 0x800ull      /* set by skiff: its page tables use NX */
#define SKIFF_X86_RFLAGS_INIT 0x2ull
#define SKIFF_X86_GDT_CODE 0x00AF99000000FFFFull
#define SKIFF_X86_GDT_DATA 0x00CF93000000FFFFull
#define SKIFF_X86_SEL_CODE 0x08u
#define SKIFF_X86_SEL_DATA 0x10u

/* aarch64 (docs/guest-abi.md §4, aarch64): page tables in low memory, 4 KiB granule, walked from
 * level 0; the MMU is on from the first instruction. */
#define SKIFF_A64_L0_BASE 0x1000ull
#define SKIFF_A64_L1_BASE 0x2000ull
#define SKIFF_A64_L2_BASE 0x3000ull /* four contiguous level-2 tables, 0x3000-0x6fff */
#define SKIFF_A64_L3_BASE 0x7000ull /* 4 KiB pages of the first 2 MiB */
#define SKIFF_A64_VECTORS_BASE 0x8000ull /* skiff's vector table until the guest sets VBAR_EL1 (read+execute) */
#define SKIFF_A64_PSTATE_INIT 0x3C5ull       /* EL1h, D, A, I, F masked */
#define SKIFF_A64_MAIR_INIT 0xBBFF440C0400ull /* index 1 Device-nGnRE, index 4 Normal write-back */
#define SKIFF_A64_TCR_INIT 0x32B5183518ull   /* T0SZ 24 (40-bit), 4 KiB granule, 40-bit IPA, TBI0 */
#define SKIFF_A64_TCR_EPD1 (1ull << 23)      /* skiff: no TTBR1 walks */
#define SKIFF_A64_SCTLR_MMU 0x1005ull        /* M, C, I */
#define SKIFF_A64_CPACR_FPEN (3ull << 20)    /* FP and SIMD not trapped */
#define SKIFF_A64_STACK_GAP 16u              /* SP_EL1 = mem_size - 16 */

#endif
