#include "memory/guest_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <utility>

#include "common/error.h"

namespace skiff {
namespace {

constexpr uint64_t kPage = 4096;

[[noreturn]] void invalid_access(uint64_t gpa, uint64_t len, const char* why) {
    throw GuestFault("invalid guest access: gpa=" + hex(gpa) + ", len=" + std::to_string(len) + " (" + why + ")");
}

}  // namespace

GuestMemory::GuestMemory(uint64_t size, uint64_t reserved) : size_(size), reserved_(reserved) {
    // MAP_NORESERVE: a 4 GiB guest costs only the pages it touches.
    void* p = mmap(nullptr, mapped_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw SetupError(
            errno_message("cannot map " + std::to_string(mapped_size() >> 20) + " MiB of guest memory", errno));
    base_ = static_cast<uint8_t*>(p);
}

GuestMemory::~GuestMemory() {
    if (base_) munmap(base_, mapped_size());
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      reserved_(std::exchange(other.reserved_, 0)),
      readonly_(std::move(other.readonly_)),
      host_readonly_(std::move(other.host_readonly_)),
      noaccess_(std::move(other.noaccess_)) {}

void GuestMemory::check_bounds(uint64_t gpa, uint64_t len) const {
    uint64_t end = 0;
    if (gpa > size_ || __builtin_add_overflow(gpa, len, &end) || end > size_)
        invalid_access(gpa, len, "outside guest memory");
}

std::span<const uint8_t> GuestMemory::translate(uint64_t gpa, uint64_t len) const {
    check_bounds(gpa, len);
    if (overlaps(noaccess_, gpa, len)) invalid_access(gpa, len, "not accessible to the guest");
    return {base_ + gpa, len};
}

std::span<uint8_t> GuestMemory::translate_writable(uint64_t gpa, uint64_t len) {
    translate(gpa, len);
    if (overlaps(readonly_, gpa, len)) invalid_access(gpa, len, "read-only for the guest");
    return {base_ + gpa, len};
}

std::span<uint8_t> GuestMemory::reservation(uint64_t gpa, uint64_t len) const {
    uint64_t end = 0;
    if (gpa < size_ || __builtin_add_overflow(gpa, len, &end) || end > mapped_size())
        throw std::logic_error("guest memory: " + hex(gpa) + "+" + std::to_string(len) + " is not a reservation");
    return {base_ + gpa, len};
}

std::span<uint8_t> GuestMemory::setup_span(uint64_t gpa, uint64_t len) {
    check_bounds(gpa, len);
    return {base_ + gpa, len};
}

void GuestMemory::prefer_huge_pages(uint64_t start, uint64_t end) {
    constexpr uintptr_t kHuge = uintptr_t(2) << 20;
    check_bounds(start, end - start);
    const uintptr_t first = (reinterpret_cast<uintptr_t>(base_ + start) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t last = reinterpret_cast<uintptr_t>(base_ + end) & ~(kHuge - 1);
    // Advice only: without transparent huge pages the image loads in 4 KiB pages, as before.
    if (first < last) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

bool GuestMemory::overlaps(const std::vector<Range>& ranges, uint64_t gpa, uint64_t len) {
    for (const Range& r : ranges)
        if (gpa < r.end && gpa + len > r.start) return true;
    return false;
}

void GuestMemory::protect_readonly(uint64_t start, uint64_t end, bool host_too) {
    translate(start, end - start);
    readonly_.push_back(Range{start, end});
    if (!host_too) return;
    host_readonly_.push_back(Range{start, end});
    if (mprotect(base_ + start, end - start, PROT_READ) != 0)
        throw SetupError(errno_message("cannot protect guest memory", errno));
}

bool GuestMemory::debug_write(uint64_t gpa, std::span<const uint8_t> bytes) {
    uint64_t end = 0;
    if (gpa > size_ || __builtin_add_overflow(gpa, bytes.size(), &end) || end > size_ ||
        overlaps(noaccess_, gpa, bytes.size()))
        return false;
    if (bytes.empty()) return true;
    const bool lifted = overlaps(host_readonly_, gpa, bytes.size());
    const uint64_t first = gpa & ~(kPage - 1), last = (end + kPage - 1) & ~(kPage - 1);
    if (lifted && mprotect(base_ + first, last - first, PROT_READ | PROT_WRITE) != 0) return false;
    std::memcpy(base_ + gpa, bytes.data(), bytes.size());
    if (lifted)
        for (const Range& r : host_readonly_) {
            const uint64_t from = std::max(r.start, first), to = std::min(r.end, last);
            if (from < to && mprotect(base_ + from, to - from, PROT_READ) != 0)
                throw HostError(errno_message("cannot protect guest memory again", errno));
        }
    return true;
}

std::vector<GuestMemory::Run> GuestMemory::touched_runs() const {
    std::vector<Run> runs;
    std::vector<unsigned char> resident(size_ / kPage);
    if (mincore(base_, size_, resident.data()) != 0) return {{0, size_}};  // then all of it
    for (uint64_t page = 0; page < resident.size(); ++page) {
        if (!(resident[page] & 1) || overlaps(noaccess_, page * kPage, kPage)) continue;
        if (!runs.empty() && runs.back().end == page * kPage)
            runs.back().end += kPage;
        else
            runs.push_back(Run{page * kPage, (page + 1) * kPage});
    }
    return runs;
}

void GuestMemory::protect_none(uint64_t start, uint64_t end) {
    translate(start, end - start);
    readonly_.push_back(Range{start, end});
    noaccess_.push_back(Range{start, end});
    if (mprotect(base_ + start, end - start, PROT_NONE) != 0)
        throw SetupError(errno_message("cannot protect guest memory", errno));
}

}  // namespace skiff
