// Guest physical memory: one anonymous mapping at GPA 0. Every guest address the tender touches goes
// through translate(), which bounds-checks with overflow-safe arithmetic against the guest-visible
// size; nothing else does pointer math on guest addresses. Reservations above the visible size (the
// net ring, docs/guest-abi.md §3) are mapped for the guest but never valid in a hypercall.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace skiff {

class GuestMemory {
  public:
    // Maps `size` + `reserved` bytes (multiples of 2 MiB) of zero-filled memory, lazily: nothing is
    // pre-faulted. The guest sees `size`; the reservation follows it.
    explicit GuestMemory(uint64_t size, uint64_t reserved = 0);
    ~GuestMemory();
    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&&) = delete;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;

    // The guest-visible size: the limit of every hypercall pointer.
    uint64_t size() const { return size_; }
    // Everything mapped, reservation included: the KVM memory slot and the page tables cover this.
    uint64_t mapped_size() const { return size_ + reserved_; }
    // The host address of GPA 0, for registering the memory slot with KVM only.
    void* host_base() const { return base_; }
    // The part [gpa, gpa + len) of the reservations above size(), shared with the guest; a module
    // gets its own (src/memory/layout.h). Throws std::logic_error outside the reservations.
    std::span<uint8_t> reservation(uint64_t gpa, uint64_t len) const;

    // The bytes [gpa, gpa + len), or GuestFault "invalid guest access: gpa=..., len=...".
    std::span<const uint8_t> translate(uint64_t gpa, uint64_t len) const;
    // Like translate(), but also refuses ranges the guest itself cannot write (see protect_readonly()).
    std::span<uint8_t> translate_writable(uint64_t gpa, uint64_t len);

    template <typename T>
    T read(uint64_t gpa) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T value;
        std::memcpy(&value, translate(gpa, sizeof(T)).data(), sizeof(T));
        return value;
    }
    // Reads an in/out argument structure, refusing it first if its results could not be written
    // back: a hypercall then fails before it has any effect.
    template <typename T>
    T read_for_update(uint64_t gpa) {
        static_assert(std::is_trivially_copyable_v<T>);
        T value;
        std::memcpy(&value, translate_writable(gpa, sizeof(T)).data(), sizeof(T));
        return value;
    }
    template <typename T>
    void write(uint64_t gpa, const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        std::memcpy(translate_writable(gpa, sizeof(T)).data(), &value, sizeof(T));
    }

    // Set-up access, before the guest runs: ignores guest write protection.
    std::span<uint8_t> setup_span(uint64_t gpa, uint64_t len);
    // Asks for 2 MiB pages where [start, end) covers whole ones: for what set-up fills anyway (the
    // image), so filling it takes one fault per 2 MiB, not 512. The rest stays lazy in 4 KiB pages.
    void prefer_huge_pages(uint64_t start, uint64_t end);
    template <typename T>
    void write_setup(uint64_t gpa, const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        std::memcpy(setup_span(gpa, sizeof(T)).data(), &value, sizeof(T));
    }

    // A debugger's write (gdb's memory writes, its breakpoints): anywhere in guest memory the host can
    // read, also where its own mapping is read-only (text), which is lifted for the copy. False
    // outside guest memory or where the host has no access.
    bool debug_write(uint64_t gpa, std::span<const uint8_t> bytes);

    // The runs [start, end) of guest-visible memory the guest has touched (resident pages): what a
    // core file holds.
    struct Run {
        uint64_t start;
        uint64_t end;
    };
    std::vector<Run> touched_runs() const;

    // Marks [start, end) read-only for hypercall output; `host_too` also drops host write access,
    // which KVM mirrors into its second-level page tables (docs/guest-abi.md §1.3).
    void protect_readonly(uint64_t start, uint64_t end, bool host_too);
    // Removes all access to [start, end) on the host (segments with no permission at all).
    void protect_none(uint64_t start, uint64_t end);

  private:
    struct Range {
        uint64_t start;
        uint64_t end;
    };
    // GuestFault unless [gpa, gpa + len) lies inside the guest-visible memory (overflow-safe).
    void check_bounds(uint64_t gpa, uint64_t len) const;
    static bool overlaps(const std::vector<Range>& ranges, uint64_t gpa, uint64_t len);

    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    uint64_t reserved_ = 0;
    std::vector<Range> readonly_;       // the guest cannot write these (text, rodata, low memory)
    std::vector<Range> host_readonly_;  // nor can the host: mapped read-only (text, rodata)
    std::vector<Range> noaccess_;       // the host cannot even read these
};

}  // namespace skiff
