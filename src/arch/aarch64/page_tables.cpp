#include "arch/aarch64/page_tables.h"

#include <utility>

#include "arch/aarch64/vectors.h"
#include "arch/page_map.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/hypercall.h"

namespace skiff::aarch64 {
namespace {

constexpr uint64_t kEntries = 512;
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kAddressMask = 0x0000FFFFFFFFF000ull;
constexpr uint64_t kTableLink = kDescValid | kDescTable;

// Bits of a leaf mapping guest RAM with permission `p` (0 if not present). EL0 never runs, so UXN
// everywhere; AP[1] stays 0 (no EL0 access).
uint64_t ram_bits(arch::PagePermission p) {
    if (!p.present) return 0;
    uint64_t bits = kDescValid | kDescAccessed | kDescInnerShareable | kDescAttrNormal | kDescUserNoExecute;
    if (!p.writable) bits |= kDescReadOnly;
    if (!p.executable) bits |= kDescPrivilegedNoExecute;
    return bits;
}

// The level-2 entry of 2 MiB region `r`: a block, or a level-3 table at `table`.
uint64_t level2_entry(GuestMemory& mem, const LoadPlan& plan, uint64_t r, uint64_t table, uint64_t tables_end) {
    const uint64_t base = r * SKIFF_HUGE_PAGE_SIZE;
    for (uint64_t i = 0; i < kEntries; ++i) {
        const uint64_t gpa = base + i * SKIFF_PAGE_SIZE;
        const arch::PagePermission permission = gpa == SKIFF_A64_VECTORS_BASE
                                                    ? arch::PagePermission{true, false, true}
                                                    : arch::page_permission(plan, gpa, tables_end);
        const uint64_t bits = ram_bits(permission);
        // Level-3 pages have bit 1 set where blocks have it clear.
        mem.write_setup<uint64_t>(table + i * 8, bits ? gpa | bits | kDescTable : 0);
    }
    return table | kTableLink;
}

}  // namespace

void build_page_tables(GuestMemory& mem, const LoadPlan& plan) {
    const uint64_t tables_end = arch::extra_page_tables_end(plan);
    const uint64_t regions = mem.mapped_size() / SKIFF_HUGE_PAGE_SIZE;
    mem.write_setup<uint64_t>(SKIFF_A64_L0_BASE, SKIFF_A64_L1_BASE | kTableLink);
    for (uint64_t g = 0; g * kGiB < mem.mapped_size(); ++g)
        mem.write_setup<uint64_t>(SKIFF_A64_L1_BASE + g * 8, (SKIFF_A64_L2_BASE + g * SKIFF_PAGE_SIZE) | kTableLink);
    // The hypercall window: a 1 GiB Device block, read/write, never executable.
    mem.write_setup<uint64_t>(SKIFF_A64_L1_BASE + (SKIFF_HYPERCALL_MMIO_BASE / kGiB) * 8,
                              SKIFF_HYPERCALL_MMIO_BASE | kDescValid | kDescAccessed | kDescAttrDevice |
                                  kDescPrivilegedNoExecute | kDescUserNoExecute);

    const auto vectors = default_vector_table();
    for (size_t i = 0; i < vectors.size(); ++i) mem.write_setup<uint32_t>(SKIFF_A64_VECTORS_BASE + 4 * i, vectors[i]);

    uint64_t next_table = arch::kExtraPageTablesBase;
    for (uint64_t r = 0; r < regions; ++r) {
        uint64_t entry;
        if (const std::optional<arch::PagePermission> uniform = arch::region_permission(plan, r)) {
            const uint64_t bits = ram_bits(*uniform);
            entry = bits ? r * SKIFF_HUGE_PAGE_SIZE | bits : 0;
        } else {
            const uint64_t table = r == 0 ? SKIFF_A64_L3_BASE : std::exchange(next_table, next_table + SKIFF_PAGE_SIZE);
            entry = level2_entry(mem, plan, r, table, tables_end);
        }
        mem.write_setup<uint64_t>(SKIFF_A64_L2_BASE + r * 8, entry);
    }
}

uint64_t lookup_descriptor(const GuestMemory& mem, uint64_t va) {
    uint64_t table = SKIFF_A64_L0_BASE;
    for (int level = 0; level <= 3; ++level) {
        const uint64_t index = (va >> (39 - 9 * level)) & (kEntries - 1);
        if (level == 0 && (va >> 48) != 0) return 0;
        const uint64_t desc = mem.read<uint64_t>(table + index * 8);
        if (!(desc & kDescValid)) return 0;
        if (level == 3 || !(desc & kDescTable)) return desc;
        table = desc & kAddressMask;
    }
    return 0;
}

}  // namespace skiff::aarch64
