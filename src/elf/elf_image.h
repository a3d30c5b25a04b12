// The unikernel ELF file, validated with libelf and never trusted beyond what was checked. Only the
// ELF header, the program headers and the notes are read when it is opened; segment data is read
// straight into guest memory by the loader, so a large or padded file costs what it loads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/unique_fd.h"

#include <gelf.h>

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
    uint64_t kernel_end;                  // page-aligned end of the last segment with file data
    std::vector<PlacedSegment> segments;  // in address order, none overlapping (plan() checks)
};

// One note of a PT_NOTE segment. desc is exactly n_descsz bytes (Solo5 notes include their
// internal padding in it).
struct ElfNote {
    std::string name;
    uint32_t type;
    std::vector<uint8_t> desc;
};

// The largest PT_NOTE segment skiff reads; a Solo5 image's are under 7 KiB.
inline constexpr uint64_t kMaxNoteSegment = 64 * 1024;

class ElfImage {
  public:
    // Reads and validates the file's header, program headers and notes; throws ImageError naming
    // `path`. The file stays open for read().
    static ElfImage open(const std::filesystem::path& path);
    // The same checks on bytes already in memory; `display_name` names the image in errors.
    static ElfImage from_bytes(std::string display_name, std::vector<uint8_t> bytes);

    const std::string& name() const { return name_; }
    uint64_t entry() const { return entry_; }
    // e_machine: EM_X86_64 or EM_AARCH64 (others are refused).
    uint16_t machine() const { return machine_; }
    // PT_LOAD headers with file data, in table order (headers with p_filesz == 0 are skipped).
    const std::vector<Segment>& segments() const { return segments_; }
    // Every note of every PT_NOTE segment, in file order.
    const std::vector<ElfNote>& notes() const { return notes_; }
    // Copies the file bytes [offset, offset + dst.size()) into `dst`; ImageError if the range lies
    // outside the file or cannot be read.
    void read(uint64_t offset, std::span<uint8_t> dst) const;

    // Places the segments in a guest memory of `mem_size` bytes (docs/guest-abi.md §1.2) or throws
    // ImageError saying which segment does not fit and why.
    LoadPlan plan(uint64_t mem_size) const;

  private:
    ElfImage() = default;
    void parse(Elf* elf);
    void read_notes(Elf* elf, const GElf_Phdr& ph, const std::string& seg);

    std::string name_;
    UniqueFd fd_;                 // an opened file, or
    std::vector<uint8_t> bytes_;  // bytes already in memory
    uint64_t size_ = 0;
    uint64_t entry_ = 0;
    uint16_t machine_ = 0;
    std::vector<Segment> segments_;
    std::vector<ElfNote> notes_;
};

}  // namespace skiff
