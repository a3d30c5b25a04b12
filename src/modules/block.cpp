// The block module: BLOCK_BASIC devices backed by a regular file or a block device.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <memory>

#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/module.h"
#include "modules/registry.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

constexpr uint64_t kDefaultBlockSize = 512;
constexpr uint64_t kMaxBlockSize = 32768;  // the largest power of two the u16 field holds

struct BlockDevice {
    UniqueFd fd;
    uint64_t capacity = 0;
    uint64_t block_size = 0;
    bool written = false;

    ~BlockDevice() {
        // Data the guest wrote before it halted or faulted reaches the disk before we exit.
        if (fd.valid() && written) ::fdatasync(fd.get());
    }
};

std::optional<uint64_t> parse_block_size(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const uint64_t n = std::stoull(text);
    if (n < kDefaultBlockSize || n > kMaxBlockSize || (n & (n - 1)) != 0) return std::nullopt;
    return n;
}

uint64_t capacity_of(int fd, const std::string& path) {
    struct stat st;
    if (fstat(fd, &st) != 0) throw UsageError(errno_message(path, errno));
    if (S_ISREG(st.st_mode)) return uint64_t(st.st_size);
    uint64_t bytes = 0;
    if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) == 0) return bytes;
    throw UsageError(path + ": not a regular file or block device");
}

class BlockModule final : public DeviceModule {
  public:
    const char* name() const override { return "block"; }
    DeviceType type() const override { return DeviceType::Block; }
    std::vector<OptionSpec> options() const override {
        return {{"block", "PATH", "Back block device NAME with the file or block device PATH"},
                {"block-sector-size", "N", "Block size of device NAME: a power of two, 512 (default) to 32768"}};
    }

    void check(const DeviceBinding& b) const override {
        if (b.value("block")->empty()) throw UsageError("--block:" + b.device.name + ": empty path");
        if (const std::string* size = b.value("block-sector-size"); size && !parse_block_size(*size))
            throw UsageError("--block-sector-size:" + b.device.name + "=" + *size +
                             ": block size must be a power of two from 512 to 32768");
    }

    void attach(const std::vector<DeviceBinding>& bindings, AttachContext& ctx) override {
        for (const DeviceBinding& b : bindings) {
            const std::string& path = *b.value("block");
            auto dev = std::make_unique<BlockDevice>();
            dev->fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
            if (!dev->fd.valid())
                throw UsageError(errno_message("block device '" + b.device.name + "': cannot open " + path, errno));
            dev->capacity = capacity_of(dev->fd.get(), path);
            const std::string* size = b.value("block-sector-size");
            dev->block_size = size ? *parse_block_size(*size) : kDefaultBlockSize;
            if (dev->capacity < dev->block_size || dev->capacity % dev->block_size != 0)
                throw UsageError("block device '" + b.device.name + "': size of " + path + " (" +
                                 std::to_string(dev->capacity) +
                                 " bytes) must be a non-zero multiple of the block size (" +
                                 std::to_string(dev->block_size) + " bytes)");
            skiff_manifest_entry& e = ctx.entries[b.device.handle];
            e.u.block_basic.capacity = dev->capacity;
            e.u.block_basic.block_size = static_cast<uint16_t>(dev->block_size);
            e.attached = 1;
            devices_[b.device.handle] = std::move(dev);
        }
        ctx.hypercalls.add(SKIFF_HC_BLOCK_WRITE, [this, &mem = ctx.memory](uint64_t gpa) { transfer(mem, gpa, true); });
        ctx.hypercalls.add(SKIFF_HC_BLOCK_READ, [this, &mem = ctx.memory](uint64_t gpa) { transfer(mem, gpa, false); });
    }

    void allow(SandboxPolicy& policy) const override {
        for (const auto& dev : devices_)
            if (dev) policy.allow_block_fd(dev->fd.get());
    }

  private:
    BlockDevice& device(uint64_t handle) {
        if (handle >= devices_.size() || !devices_[handle])
            throw GuestFault("handle " + std::to_string(handle) + " is not a block device");
        return *devices_[handle];
    }

    void transfer(GuestMemory& mem, uint64_t gpa, bool write) {
        auto call = mem.read<skiff_hc_block_io>(gpa);
        BlockDevice& dev = device(call.handle);
        if (call.len == 0 || call.offset % dev.block_size != 0 || call.len % dev.block_size != 0)
            throw GuestFault("offset " + std::to_string(call.offset) + " and length " + std::to_string(call.len) +
                             " must be non-zero multiples of the block size " + std::to_string(dev.block_size));
        uint64_t end = 0;
        if (call.len > SSIZE_MAX || __builtin_add_overflow(call.offset, call.len, &end) || end > dev.capacity) {
            call.ret = SKIFF_HC_EINVAL;  // out of range: an error the guest handles, per the ABI
            mem.write(gpa, call);
            return;
        }
        if (write) {
            io_all(dev, mem.translate(call.data, call.len), call.offset);
            dev.written = true;
        } else {
            io_all(dev, mem.translate_writable(call.data, call.len), call.offset);
        }
        call.ret = SKIFF_HC_OK;
        mem.write(gpa, call);
    }

    template <typename Span>
    static void io_all(BlockDevice& dev, Span buf, uint64_t offset) {
        constexpr bool is_write = std::is_const_v<typename Span::element_type>;
        while (!buf.empty()) {
            const ssize_t n = is_write
                                  ? ::pwrite(dev.fd.get(), buf.data(), buf.size(), off_t(offset))
                                  : ::pread(dev.fd.get(), const_cast<uint8_t*>(buf.data()), buf.size(), off_t(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw HostError(
                    errno_message(is_write ? "block write failed" : "block read failed", n < 0 ? errno : EIO));
            buf = buf.subspan(size_t(n));
            offset += uint64_t(n);
        }
    }

    std::array<std::unique_ptr<BlockDevice>, SKIFF_MANIFEST_MAX_ENTRIES> devices_{};
};

}  // namespace

std::unique_ptr<DeviceModule> make_block_module() {
    return std::make_unique<BlockModule>();
}

}  // namespace skiff
