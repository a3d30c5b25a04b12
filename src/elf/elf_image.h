// The unikernel ELF file: read once, validated with libelf, never trusted beyond what was checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace skiff {

// Segment permission bits, as in ELF p_flags.
inline constexpr uint32_t kSegmentExec = 1;
inline constexpr uint32_t kSegmentWrite = 2;
inline constexpr uint32_t kSegmentRead = 4;

// A PT_LOAD program header with file data (p_filesz != 0), as the loader sees it.
struct Segment {
    size_t index;  // position in the program header table, for messages
    uint64_t vaddr;
    uint64_t offset;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
    uint32_t flags;  // kSegment* bits
};

// A segment after placement against a memory size: page-aligned [start, end) in guest memory.
struct PlacedSegment {
    Segment segment;
    uint64_t start;
    uint64_t end;
};

// Where the image lands in guest memory.
struct LoadPlan {
    uint64_t entry;
    uint64_t kernel_end;  // page-aligned end of the last segment with file data
    std::vector<PlacedSegment> segments;
};

// One note of a PT_NOTE segment. desc is exactly n_descsz bytes (Solo5 notes include their
// internal padding in it).
struct ElfNote {
    std::string name;
    uint32_t type;
    std::span<const uint8_t> desc;
};

class ElfImage {
  public:
    // Reads and validates the file's header and program headers; throws ImageError naming `path`.
    static ElfImage open(const std::filesystem::path& path);
    // The same checks on bytes already in memory; `display_name` names the image in errors.
    static ElfImage from_bytes(std::string display_name, std::vector<uint8_t> bytes);

    const std::string& name() const { return name_; }
    uint64_t entry() const { return entry_; }
    // PT_LOAD headers with file data, in table order (headers with p_filesz == 0 are skipped).
    const std::vector<Segment>& segments() const { return segments_; }
    // Every note of every PT_NOTE segment, in file order.
    const std::vector<ElfNote>& notes() const { return notes_; }
    // The file bytes [offset, offset + len); the range was validated for every loadable segment.
    std::span<const uint8_t> file_range(uint64_t offset, uint64_t len) const;

    // Places the segments in a guest memory of `mem_size` bytes (docs/guest-abi.md §1.2) or throws
    // ImageError saying which segment does not fit and why.
    LoadPlan plan(uint64_t mem_size) const;

    // Copies re-point each note's desc into the copy's own bytes; moves keep the buffer.
    ElfImage(const ElfImage& other);
    ElfImage& operator=(const ElfImage& other);
    ElfImage(ElfImage&&) noexcept = default;
    ElfImage& operator=(ElfImage&&) noexcept = default;
    ~ElfImage() = default;

  private:
    ElfImage() = default;
    void rebase_notes(const uint8_t* old_base);
    void parse();

    std::string name_;
    std::vector<uint8_t> bytes_;
    uint64_t entry_ = 0;
    std::vector<Segment> segments_;
    std::vector<ElfNote> notes_;
};

}  // namespace skiff
