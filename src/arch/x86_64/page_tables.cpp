#include "arch/x86_64/page_tables.h"

#include <utility>

#include "arch/page_map.h"
#include "skiff/abi/boot.h"

namespace skiff::x86 {
namespace {

constexpr uint64_t kTableLink = kPtePresent | kPteWritable;
constexpr uint64_t kEntries = 512;
constexpr uint64_t kDirectories = 4;  // 4 GiB, the largest guest
constexpr uint64_t kAddressMask = 0x000FFFFFFFFFF000ull;

uint64_t entry_bits(arch::PagePermission p) {
    if (!p.present) return 0;
    return kPtePresent | (p.writable ? kPteWritable : 0) | (p.executable ? 0 : kPteNoExecute);
}

}  // namespace

void build_page_tables(GuestMemory& mem, const LoadPlan& plan) {
    const uint64_t tables_end = arch::extra_page_tables_end(plan);
    mem.write_setup<uint64_t>(SKIFF_PML4_BASE, SKIFF_PDPT_BASE | kTableLink);
    for (uint64_t d = 0; d < kDirectories; ++d)
        mem.write_setup<uint64_t>(SKIFF_PDPT_BASE + d * 8, (SKIFF_PD_BASE + d * SKIFF_PAGE_SIZE) | kTableLink);

    uint64_t next_table = arch::kExtraPageTablesBase;
    for (uint64_t r = 0; r < mem.mapped_size() / SKIFF_HUGE_PAGE_SIZE; ++r) {
        const uint64_t base = r * SKIFF_HUGE_PAGE_SIZE;
        uint64_t pde;
        if (const std::optional<arch::PagePermission> uniform = arch::region_permission(plan, r)) {
            const uint64_t bits = entry_bits(*uniform);
            pde = bits ? base | bits | kPteHuge : 0;
        } else {
            const uint64_t table = r == 0 ? SKIFF_PT0_BASE : std::exchange(next_table, next_table + SKIFF_PAGE_SIZE);
            for (uint64_t i = 0; i < kEntries; ++i) {
                const uint64_t gpa = base + i * SKIFF_PAGE_SIZE;
                const uint64_t bits = entry_bits(arch::page_permission(plan, gpa, tables_end));
                mem.write_setup<uint64_t>(table + i * 8, bits ? gpa | bits : 0);
            }
            pde = table | kTableLink;
        }
        mem.write_setup<uint64_t>(SKIFF_PD_BASE + r * 8, pde);
    }
}

uint64_t lookup_pte(const GuestMemory& mem, uint64_t gpa) {
    auto entry = [&](uint64_t table, uint64_t index) { return mem.read<uint64_t>((table & kAddressMask) + index * 8); };
    const uint64_t pml4e = entry(SKIFF_PML4_BASE, (gpa >> 39) & 511);
    if (!(pml4e & kPtePresent)) return 0;
    const uint64_t pdpte = entry(pml4e, (gpa >> 30) & 511);
    if (!(pdpte & kPtePresent)) return 0;
    const uint64_t pde = entry(pdpte, (gpa >> 21) & 511);
    if (!(pde & kPtePresent) || (pde & kPteHuge)) return pde;
    return entry(pde, (gpa >> 12) & 511);
}

}  // namespace skiff::x86
