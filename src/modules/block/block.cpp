// The block module: BLOCK_BASIC devices backed by a regular file or a block device.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <optional>

#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/device_table.h"
#include "modules/module.h"
#include "sandbox/sandbox.h"
#include "sandbox/sigsys.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

constexpr uint64_t kDefaultBlockSize = 512;
constexpr uint64_t kMaxBlockSize = 32768;  // the largest power of two the u16 field holds

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

// One block device as the operator configured it.
struct DiskConfig {
    Device device;
    std::string path;
    uint64_t block_size = kDefaultBlockSize;
    bool read_only = false;
};

struct Disk {
    UniqueFd fd;
    uint64_t capacity = 0;
    uint64_t block_size = 0;
    std::string label;  // "block device 'storage' (disk.img)"
    bool written = false;
    bool write_through = false;  // opened O_DSYNC: every write is durable when it returns
    bool read_only = false;
    dev_t st_dev = 0;
    ino_t st_ino = 0;
};

// Under a filter that forbids fdatasync (an orchestrator's), a flush at the end could not happen:
// then every write goes through to the device instead. Probed on the freshly opened file.
bool flush_forbidden(int fd) {
    if (!under_outer_filter()) return false;
    return ::fdatasync(fd) != 0 && errno == ENOSYS;
}

class BlockModule final : public Module {
  public:
    const char* name() const override { return "block"; }
    std::optional<DeviceType> device_type() const override { return DeviceType::Block; }
    std::vector<OptionSpec> options() const override {
        return {{"block", "PATH", "Back block device NAME with the file or block device PATH"},
                {"block-sector-size", "N", "Block size of device NAME: a power of two, 512 (default) to 32768"},
                {"block-readonly", "", "Open device NAME read-only: the guest's writes fail with an error"}};
    }

    bool configure(const ModuleRequest& request) override {
        for (const DeviceBinding& b : request.devices) {
            DiskConfig disk{b.device, *b.value("block")};
            if (disk.path.empty()) throw UsageError("--block:" + b.device.name + ": empty path");
            if (const std::string* size = b.value("block-sector-size")) {
                const std::optional<uint64_t> n = parse_block_size(*size);
                if (!n)
                    throw UsageError("--block-sector-size:" + b.device.name + "=" + *size +
                                     ": block size must be a power of two from 512 to 32768");
                disk.block_size = *n;
            }
            disk.read_only = b.value("block-readonly") != nullptr;
            configs_.push_back(std::move(disk));
        }
        return !configs_.empty();
    }

    void open(OpenContext& ctx) override {
        for (const DiskConfig& config : configs_) {
            Disk& disk = disks_.add(config.device.handle, Disk{});
            disk.label = "block device '" + config.device.name + "' (" + config.path + ")";
            disk.read_only = config.read_only;
            disk.fd = open_file(config, false);
            if (!disk.read_only && flush_forbidden(disk.fd.get())) {
                disk.fd = open_file(config, true);
                disk.write_through = true;
                if (!noted_write_through_++)
                    note(
                        "the seccomp filter skiff runs under forbids fdatasync: block devices are opened "
                        "O_DSYNC, every write durable when it returns");
            }
            check_not_bound_twice(config, disk);
            lock(config, disk);
            disk.capacity = capacity_of(disk.fd.get(), config.path);
            disk.block_size = config.block_size;
            if (disk.capacity < disk.block_size || disk.capacity % disk.block_size != 0)
                throw UsageError("block device '" + config.device.name + "': size of " + config.path + " (" +
                                 std::to_string(disk.capacity) +
                                 " bytes) must be a non-zero multiple of the block size (" +
                                 std::to_string(disk.block_size) + " bytes)");
            skiff_manifest_entry& e = ctx.entries[config.device.handle];
            e.u.block_basic.capacity = disk.capacity;
            e.u.block_basic.block_size = static_cast<uint16_t>(disk.block_size);
            e.attached = 1;
        }
        ctx.hypercalls.add(SKIFF_HC_BLOCK_WRITE, [this, &mem = ctx.memory](uint64_t gpa) { transfer(mem, gpa, true); });
        ctx.hypercalls.add(SKIFF_HC_BLOCK_READ, [this, &mem = ctx.memory](uint64_t gpa) { transfer(mem, gpa, false); });
    }

    void allow(SandboxPolicy& policy) const override {
        ThreadPolicy& rules = policy.vcpu_thread();
        disks_.for_each([&](const Disk& disk) {
            rules.allow_on_fd(SCMP_SYS(pread64), disk.fd.get(), "BLOCK_READ");
            if (disk.read_only) return;  // not even a write attempt reaches the kernel
            rules.allow_on_fd(SCMP_SYS(pwrite64), disk.fd.get(), "BLOCK_WRITE");
            rules.allow_on_fd(SCMP_SYS(fdatasync), disk.fd.get(), "the guest's writes reach the disk before exit");
        });
    }

    // Data the guest wrote reaches the disk before skiff exits, on every way out; a device whose
    // flush fails is named, and the run ends 254 (its writes may be lost).
    void stop() override {
        std::optional<HostError> failed;
        disks_.for_each([&](Disk& disk) {
            if (!disk.written || disk.write_through) return;
            disk.written = false;
            int rc;
            do rc = ::fdatasync(disk.fd.get());
            while (rc != 0 && errno == EINTR);
            if (rc != 0 && !failed)
                failed = HostError(errno_message(disk.label + ": flushing the guest's writes failed", errno));
        });
        if (failed) throw *failed;
    }

  private:
    static UniqueFd open_file(const DiskConfig& config, bool write_through) {
        const int mode = config.read_only ? O_RDONLY : O_RDWR | (write_through ? O_DSYNC : 0);
        UniqueFd fd(::open(config.path.c_str(), mode | O_CLOEXEC));
        if (!fd.valid()) {
            const int error = errno;
            std::string hint;
            if ((error == EPERM || error == EACCES || error == EROFS) && !config.read_only)
                hint = " (to serve it read-only: --block-readonly:" + config.device.name + ")";
            throw UsageError(
                errno_message("block device '" + config.device.name + "': cannot open " + config.path, error) + hint);
        }
        return fd;
    }

    // The same file behind two devices would be two views of one disk the guest thinks are apart.
    void check_not_bound_twice(const DiskConfig& config, Disk& disk) {
        struct stat st;
        if (fstat(disk.fd.get(), &st) != 0) throw UsageError(errno_message(config.path, errno));
        disk.st_dev = st.st_dev;
        disk.st_ino = st.st_ino;
        disks_.for_each([&](const Disk& other) {
            if (&other == &disk || other.st_dev != st.st_dev || other.st_ino != st.st_ino) return;
            if (other.read_only && disk.read_only) return;  // two read-only views agree
            throw UsageError("block device '" + config.device.name + "': " + config.path + " is already behind " +
                             other.label);
        });
    }

    // Advisory locks, as QEMU and Firecracker take them: another skiff (or a tool that locks) cannot
    // write a disk while a guest uses it. Shared for read-only devices, exclusive otherwise.
    void lock(const DiskConfig& config, const Disk& disk) {
        if (::flock(disk.fd.get(), (disk.read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0) return;
        if (errno == EWOULDBLOCK)
            throw UsageError("block device '" + config.device.name + "': " + config.path +
                             " is in use: another process holds a lock on it (another skiff serving it" +
                             (disk.read_only ? " read-write)" : "; only read-only users may share a disk)"));
        if (errno == ENOSYS && !noted_no_lock_++)
            note("the seccomp filter skiff runs under forbids flock: block devices are not locked");
    }

    void transfer(GuestMemory& mem, uint64_t gpa, bool write) {
        auto call = mem.read_for_update<skiff_hc_block_io>(gpa);
        Disk& disk = disks_.at(call.handle);
        if (call.len == 0 || call.offset % disk.block_size != 0 || call.len % disk.block_size != 0)
            throw GuestFault("offset " + std::to_string(call.offset) + " and length " + std::to_string(call.len) +
                             " must be non-zero multiples of the block size " + std::to_string(disk.block_size));
        uint64_t end = 0;
        if (call.len > SSIZE_MAX || __builtin_add_overflow(call.offset, call.len, &end) || end > disk.capacity) {
            call.ret = SKIFF_HC_EINVAL;  // out of range: an error the guest handles, per the ABI
            mem.write(gpa, call);
            return;
        }
        if (write && disk.read_only) {
            call.ret = SKIFF_HC_EUNSPEC;  // the operator made it read-only: nothing is written
            mem.write(gpa, call);
            return;
        }
        if (write) {
            io_all(disk, mem.translate(call.data, call.len), call.offset);
            disk.written = true;
        } else {
            io_all(disk, mem.translate_writable(call.data, call.len), call.offset);
        }
        call.ret = SKIFF_HC_OK;
        mem.write(gpa, call);
    }

    template <typename Span>
    static void io_all(Disk& disk, Span buf, uint64_t offset) {
        constexpr bool is_write = std::is_const_v<typename Span::element_type>;
        while (!buf.empty()) {
            const ssize_t n = is_write
                                  ? ::pwrite(disk.fd.get(), buf.data(), buf.size(), off_t(offset))
                                  : ::pread(disk.fd.get(), const_cast<uint8_t*>(buf.data()), buf.size(), off_t(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw HostError(
                    errno_message(disk.label + (is_write ? ": write failed" : ": read failed"), n < 0 ? errno : EIO));
            buf = buf.subspan(size_t(n));
            offset += uint64_t(n);
        }
    }

    std::vector<DiskConfig> configs_;
    DeviceTable<Disk> disks_{"block"};
    int noted_write_through_ = 0;
    int noted_no_lock_ = 0;
};

}  // namespace

std::unique_ptr<Module> make_block_module() {
    return std::make_unique<BlockModule>();
}

}  // namespace skiff
