#include "elf/elf_image.h"

#include <gelf.h>
#include <libelf.h>

#include <bit>
#include <fstream>
#include <memory>
#include <utility>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

constexpr uint64_t kEhdrSize = 64;
constexpr uint64_t kPhdrSize = 56;

struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

bool add_overflows(uint64_t a, uint64_t b, uint64_t* sum) {
    return __builtin_add_overflow(a, b, sum);
}

bool fits_in(uint64_t offset, uint64_t len, uint64_t size) {
    uint64_t end = 0;
    return !add_overflows(offset, len, &end) && end <= size;
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ImageError(errno_message(path.string(), errno));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw ImageError(path.string() + ": read error");
    return bytes;
}

}  // namespace

ElfImage ElfImage::open(const std::filesystem::path& path) {
    return from_bytes(path.string(), read_file(path));
}

ElfImage ElfImage::from_bytes(std::string display_name, std::vector<uint8_t> bytes) {
    ElfImage image;
    image.name_ = std::move(display_name);
    image.bytes_ = std::move(bytes);
    image.parse();
    return image;
}

ElfImage::ElfImage(const ElfImage& other)
    : name_(other.name_), bytes_(other.bytes_), entry_(other.entry_), segments_(other.segments_), notes_(other.notes_) {
    rebase_notes(other.bytes_.data());
}

ElfImage& ElfImage::operator=(const ElfImage& other) {
    if (this != &other) {
        ElfImage copy(other);
        *this = std::move(copy);
    }
    return *this;
}

void ElfImage::rebase_notes(const uint8_t* old_base) {
    for (ElfNote& note : notes_)
        note.desc = std::span<const uint8_t>(bytes_.data() + (note.desc.data() - old_base), note.desc.size());
}

std::span<const uint8_t> ElfImage::file_range(uint64_t offset, uint64_t len) const {
    if (!fits_in(offset, len, bytes_.size())) throw ImageError(name_ + ": file range out of bounds");
    return std::span<const uint8_t>(bytes_).subspan(offset, len);
}

void ElfImage::parse() {
    auto fail = [this](const std::string& what) { throw ImageError(name_ + ": " + what); };
    if (bytes_.size() < kEhdrSize) fail("not an ELF file (too short)");
    if (elf_version(EV_CURRENT) == EV_NONE) fail("libelf initialisation failed");
    ElfHandle elf(elf_memory(reinterpret_cast<char*>(bytes_.data()), bytes_.size()));
    if (!elf || elf_kind(elf.get()) != ELF_K_ELF) fail("not an ELF file");
    if (gelf_getclass(elf.get()) != ELFCLASS64) fail("not a 64-bit ELF file");
    const Elf64_Ehdr* eh = elf64_getehdr(elf.get());
    if (!eh) fail(std::string("unreadable ELF header: ") + elf_errmsg(-1));
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB) fail("not a little-endian ELF file");
    if (eh->e_version != EV_CURRENT) fail("unsupported ELF version");
    if (eh->e_machine != EM_X86_64) fail("not an x86_64 executable (e_machine " + std::to_string(eh->e_machine) + ")");
    if (eh->e_type == ET_DYN) fail("is position-independent (ET_DYN); link it static with -no-pie");
    if (eh->e_type != ET_EXEC) fail("not an executable (e_type " + std::to_string(eh->e_type) + ")");
    if (eh->e_ehsize != kEhdrSize || eh->e_phentsize != kPhdrSize) fail("malformed ELF header sizes");
    if (eh->e_phnum == 0) fail("has no program headers");
    if (!fits_in(eh->e_phoff, uint64_t{eh->e_phnum} * kPhdrSize, bytes_.size()))
        fail("program header table lies outside the file");
    entry_ = eh->e_entry;

    for (size_t i = 0; i < eh->e_phnum; ++i) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph)) fail("unreadable program header " + std::to_string(i));
        const std::string seg = "segment " + std::to_string(i);
        if (ph.p_type == PT_DYNAMIC) fail("is dynamically linked (PT_DYNAMIC); link it static");
        if (ph.p_type == PT_NOTE) {
            if (!fits_in(ph.p_offset, ph.p_filesz, bytes_.size())) fail(seg + ": note data lies outside the file");
            if (ph.p_filesz < 12) fail(seg + ": note does not fall within valid size");
            Elf_Data* data =
                elf_getdata_rawchunk(elf.get(), static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
            if (!data) fail(seg + std::string(": unreadable notes: ") + elf_errmsg(-1));
            size_t pos = 0;
            while (pos < data->d_size) {
                GElf_Nhdr nh;
                size_t name_off = 0, desc_off = 0;
                size_t next = gelf_getnote(data, pos, &nh, &name_off, &desc_off);
                if (next == 0) {
                    // A short all-zero tail is section padding, not a note.
                    const auto* tail = static_cast<const uint8_t*>(data->d_buf) + pos;
                    bool zero_tail = data->d_size - pos < sizeof(Elf64_Nhdr);
                    for (size_t k = 0; zero_tail && k < data->d_size - pos; ++k) zero_tail = tail[k] == 0;
                    if (!zero_tail) fail(seg + ": note does not fall within valid size");
                    break;
                }
                // Point into our own bytes (rawchunk data may be a converted copy freed with elf).
                const uint8_t* base = bytes_.data() + ph.p_offset;
                std::string name;
                if (nh.n_namesz > 0) name.assign(reinterpret_cast<const char*>(base + name_off), nh.n_namesz - 1);
                notes_.push_back(ElfNote{name, nh.n_type, std::span<const uint8_t>(base + desc_off, nh.n_descsz)});
                pos = next;
            }
        }
        if (ph.p_type != PT_LOAD || ph.p_filesz == 0) continue;
        if (!fits_in(ph.p_offset, ph.p_filesz, bytes_.size())) fail(seg + ": file data lies outside the file");
        segments_.push_back(Segment{i, ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_align,
                                    static_cast<uint32_t>(ph.p_flags & (PF_R | PF_W | PF_X))});
    }
    if (segments_.empty()) fail("has no loadable segment");
}

LoadPlan ElfImage::plan(uint64_t mem_size) const {
    auto fail = [this](const Segment& s, const std::string& what) {
        throw ImageError(name_ + ": segment " + std::to_string(s.index) + " " + what);
    };
    LoadPlan plan{entry_, 0, {}};
    uint64_t e_end = 0;
    const Segment* previous = nullptr;
    for (const Segment& s : segments_) {
        if (s.vaddr < SKIFF_MIN_LOAD_ADDR) fail(s, "is below the minimum load address 0x100000");
        if (previous && s.vaddr < previous->vaddr)
            fail(s, "is out of order (below segment " + std::to_string(previous->index) + ")");
        if (s.align == 0 || !std::has_single_bit(s.align)) fail(s, "has an alignment that is not a power of two");
        const uint64_t start = s.vaddr & ~(s.align - 1);
        if (start < SKIFF_MIN_LOAD_ADDR) fail(s, "is below the minimum load address 0x100000");
        if (start < e_end) fail(s, "overlaps segment " + std::to_string(previous->index));
        uint64_t file_end = 0, mem_end = 0, end = 0;
        if (s.vaddr >= mem_size || add_overflows(s.vaddr, s.filesz, &file_end) || file_end > mem_size)
            fail(s, "does not fit in guest memory");
        if (s.memsz < s.filesz) fail(s, "has a memory size smaller than its file size");
        if (add_overflows(s.vaddr, s.memsz, &mem_end) || add_overflows(mem_end, s.align - 1, &end))
            fail(s, "does not fit in guest memory");
        end &= ~(s.align - 1);
        if (end > mem_size) fail(s, "does not fit in guest memory");
        if (start % SKIFF_PAGE_SIZE != 0 || end % SKIFF_PAGE_SIZE != 0) fail(s, "is not page-aligned");
        if ((s.flags & kSegmentWrite) && (s.flags & kSegmentExec)) fail(s, "requests WRITE and EXEC permissions");
        e_end = std::max(e_end, end);
        plan.segments.push_back(PlacedSegment{s, start, end});
        previous = &s;
    }
    if (entry_ < SKIFF_MIN_LOAD_ADDR || entry_ >= mem_size)
        throw ImageError(name_ + ": entry point outside guest memory");
    plan.kernel_end = e_end;
    return plan;
}

}  // namespace skiff
