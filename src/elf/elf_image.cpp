#include "elf/elf_image.h"

#include <gelf.h>
#include <libelf.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
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

ElfHandle begin_elf(int fd, std::vector<uint8_t>& bytes) {
    if (elf_version(EV_CURRENT) == EV_NONE) return nullptr;
    // ELF_C_READ on a file reads lazily with pread: the header now, the rest only when asked.
    return ElfHandle(fd >= 0 ? elf_begin(fd, ELF_C_READ, nullptr)
                             : elf_memory(reinterpret_cast<char*>(bytes.data()), bytes.size()));
}

}  // namespace

ElfImage ElfImage::open(const std::filesystem::path& path) {
    ElfImage image;
    image.name_ = path.string();
    image.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (!image.fd_.valid() || fstat(image.fd_.get(), &st) != 0) throw ImageError(errno_message(image.name_, errno));
    if (!S_ISREG(st.st_mode)) throw ImageError(image.name_ + ": not a regular file");
    image.size_ = uint64_t(st.st_size);
    ElfHandle elf = begin_elf(image.fd_.get(), image.bytes_);
    image.parse(elf.get());
    return image;
}

ElfImage ElfImage::from_bytes(std::string display_name, std::vector<uint8_t> bytes) {
    ElfImage image;
    image.name_ = std::move(display_name);
    image.bytes_ = std::move(bytes);
    image.size_ = image.bytes_.size();
    ElfHandle elf = begin_elf(-1, image.bytes_);
    image.parse(elf.get());
    return image;
}

void ElfImage::read(uint64_t offset, std::span<uint8_t> dst) const {
    if (!fits_in(offset, dst.size(), size_)) throw ImageError(name_ + ": file range out of bounds");
    if (!fd_.valid()) {
        std::copy_n(bytes_.begin() + std::ptrdiff_t(offset), dst.size(), dst.begin());
        return;
    }
    while (!dst.empty()) {
        const ssize_t n = ::pread(fd_.get(), dst.data(), dst.size(), off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw ImageError(errno_message(name_ + ": reading a segment failed", n < 0 ? errno : EIO));
        dst = dst.subspan(size_t(n));
        offset += uint64_t(n);
    }
}

void ElfImage::parse(Elf* elf_handle) {
    auto fail = [this](const std::string& what) { throw ImageError(name_ + ": " + what); };
    if (size_ < kEhdrSize) fail("not an ELF file (too short)");
    if (!elf_handle) fail(std::string("cannot read it as ELF: ") + elf_errmsg(-1));
    Elf* elf = elf_handle;
    if (elf_kind(elf) != ELF_K_ELF) fail("not an ELF file");
    if (gelf_getclass(elf) != ELFCLASS64) fail("not a 64-bit ELF file");
    const Elf64_Ehdr* eh = elf64_getehdr(elf);
    if (!eh) fail(std::string("unreadable ELF header: ") + elf_errmsg(-1));
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB) fail("not a little-endian ELF file");
    if (eh->e_version != EV_CURRENT) fail("unsupported ELF version");
    if (eh->e_machine != EM_X86_64 && eh->e_machine != EM_AARCH64)
        fail("not an x86_64 or aarch64 executable (e_machine " + std::to_string(eh->e_machine) + ")");
    if (eh->e_type == ET_DYN) fail("is position-independent (ET_DYN); link it static with -no-pie");
    if (eh->e_type != ET_EXEC) fail("not an executable (e_type " + std::to_string(eh->e_type) + ")");
    if (eh->e_ehsize != kEhdrSize || eh->e_phentsize != kPhdrSize) fail("malformed ELF header sizes");
    if (eh->e_phnum == 0) fail("has no program headers");
    if (!fits_in(eh->e_phoff, uint64_t{eh->e_phnum} * kPhdrSize, size_))
        fail("program header table lies outside the file");
    entry_ = eh->e_entry;
    machine_ = eh->e_machine;

    for (size_t i = 0; i < eh->e_phnum; ++i) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, static_cast<int>(i), &ph)) fail("unreadable program header " + std::to_string(i));
        const std::string seg = "segment " + std::to_string(i);
        if (ph.p_type == PT_DYNAMIC) fail("is dynamically linked (PT_DYNAMIC); link it static");
        if (ph.p_type == PT_NOTE) read_notes(elf, ph, seg);
        if (ph.p_type != PT_LOAD || ph.p_filesz == 0) continue;
        if (!fits_in(ph.p_offset, ph.p_filesz, size_)) fail(seg + ": file data lies outside the file");
        segments_.push_back(Segment{i, ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_align,
                                    static_cast<uint32_t>(ph.p_flags & (PF_R | PF_W | PF_X))});
    }
    if (segments_.empty()) fail("has no loadable segment");
}

void ElfImage::read_notes(Elf* elf, const GElf_Phdr& ph, const std::string& seg) {
    auto fail = [&](const std::string& what) { throw ImageError(name_ + ": " + seg + ": " + what); };
    if (!fits_in(ph.p_offset, ph.p_filesz, size_)) fail("note data lies outside the file");
    if (ph.p_filesz < 12) fail("note does not fall within valid size");
    if (ph.p_filesz > kMaxNoteSegment)
        fail("notes of " + std::to_string(ph.p_filesz) + " bytes (at most " + std::to_string(kMaxNoteSegment) + ")");
    Elf_Data* data = elf_getdata_rawchunk(elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_NHDR);
    if (!data) fail(std::string("unreadable notes: ") + elf_errmsg(-1));
    const auto* base = static_cast<const uint8_t*>(data->d_buf);
    size_t pos = 0;
    while (pos < data->d_size) {
        GElf_Nhdr nh;
        size_t name_off = 0, desc_off = 0;
        const size_t next = gelf_getnote(data, pos, &nh, &name_off, &desc_off);
        if (next == 0) {
            // A short all-zero tail is section padding, not a note.
            bool zero_tail = data->d_size - pos < sizeof(Elf64_Nhdr);
            for (size_t k = pos; zero_tail && k < data->d_size; ++k) zero_tail = base[k] == 0;
            if (!zero_tail) fail("note does not fall within valid size");
            break;
        }
        std::string name;
        if (nh.n_namesz > 0) name.assign(reinterpret_cast<const char*>(base + name_off), nh.n_namesz - 1);
        notes_.push_back(
            ElfNote{name, nh.n_type, std::vector<uint8_t>(base + desc_off, base + desc_off + nh.n_descsz)});
        pos = next;
    }
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
    // Stricter than Solo5: an entry point the guest could not execute would only end as a fault.
    const bool executable = std::any_of(plan.segments.begin(), plan.segments.end(), [this](const PlacedSegment& p) {
        return (p.segment.flags & kSegmentExec) && entry_ >= p.segment.vaddr &&
               entry_ - p.segment.vaddr < p.segment.memsz;
    });
    if (!executable) throw ImageError(name_ + ": entry point " + hex(entry_) + " is not in an executable segment");
    plan.kernel_end = e_end;
    return plan;
}

}  // namespace skiff
