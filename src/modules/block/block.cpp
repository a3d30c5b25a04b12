// The block module: BLOCK_BASIC devices backed by a regular file or a block device, served by the
// BLOCK_* hypercalls and, where KVM allows, by the block ring on an I/O thread.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "arch/arch.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/block/block_ring.h"
#include "modules/block/disk.h"
#ifdef SKIFF_HAVE_LIBURING
#include "modules/block/uring_io.h"
#endif
#include "modules/module.h"
#include "modules/ring/ring_server.h"
#include "sandbox/sandbox.h"
#include "sandbox/sigsys.h"
#include "skiff/abi/boot.h"
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

// One block device as the operator configured it.
struct DiskConfig {
    Device device;
    std::string path;
    uint64_t block_size = kDefaultBlockSize;
    bool read_only = false;
};

// Under a filter that forbids fdatasync (an orchestrator's), a flush at the end could not happen:
// then every write goes through to the device instead. Probed on the freshly opened file.
bool flush_forbidden(int fd) {
    if (!under_outer_filter()) return false;
    return ::fdatasync(fd) != 0 && errno == ENOSYS;
}

UniqueFd open_file(const DiskConfig& config, bool write_through) {
    const int mode = config.read_only ? O_RDONLY : O_RDWR | (write_through ? O_DSYNC : 0);
    UniqueFd fd(::open(config.path.c_str(), mode | O_CLOEXEC));
    if (!fd.valid()) {
        const int error = errno;
        std::string hint;
        if ((error == EPERM || error == EACCES || error == EROFS) && !config.read_only)
            hint = " (to serve it read-only: --block-readonly:" + config.device.name + ")";
        throw UsageError(errno_message("block device '" + config.device.name + "': cannot open " + config.path, error) +
                         hint);
    }
    return fd;
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

    // Every attached disk can use the block ring, so its room is reserved whenever there is one.
    uint64_t reservation() const override { return SKIFF_RING_RESERVATION; }

    void open(OpenContext& ctx) override {
        ring_gpa_ = ctx.reservation;
        for (const DiskConfig& config : configs_) {
            Disk& disk = disks_.add(config.device.handle);
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
            describe(config, disk);
            lock(config, disk);
            skiff_manifest_entry& e = ctx.entries[config.device.handle];
            e.u.block_basic.capacity = disk.capacity;
            e.u.block_basic.block_size = static_cast<uint16_t>(disk.block_size);
            e.u.block_basic.flags =
                uint16_t(SKIFF_BLOCK_F_FLUSH | (disk.read_only ? SKIFF_BLOCK_F_READ_ONLY : SKIFF_BLOCK_F_DISCARD));
            e.attached = 1;
        }
        const std::pair<uint32_t, BlockOp> calls[] = {{SKIFF_HC_BLOCK_WRITE, BlockOp::Write},
                                                      {SKIFF_HC_BLOCK_READ, BlockOp::Read},
                                                      {SKIFF_HC_BLOCK_FLUSH, BlockOp::Flush},
                                                      {SKIFF_HC_BLOCK_DISCARD, BlockOp::Discard}};
        for (const auto& call : calls)  // no structured bindings: Clang before 16 cannot capture them
            ctx.hypercalls.add(call.first,
                               [this, op = call.second, &mem = ctx.memory](uint64_t gpa) { hypercall(mem, gpa, op); });
    }

    void start(StartContext& ctx) override {
        skiff_ring& ring = ring_in(ctx.memory.reservation(ring_gpa_, SKIFF_RING_RESERVATION));
        std::string no_uring;  // why the ring's I/O is one system call per request
        RingServer::Batch batch = ring_batch(ring, ctx.memory, no_uring);
        ring_ =
            RingServer::start(ctx.kvm, ctx.vm, ring, arch::kBlockRingKick, "block ring", std::move(batch), ctx.control);
        if (!ring_) {
            release_uring();
            return;
        }
        if (!no_uring.empty())
            note("the block ring does without io_uring (" + no_uring + "): its requests are served one at a time");
        ctx.features.host_features |= SKIFF_HOST_FEATURE_BLOCK_RING;
        ctx.features.block_ring = ring_gpa_;
    }

    void allow(SandboxPolicy& policy) const override {
        allow_io(policy.vcpu_thread(), "BLOCK_* hypercalls");
        if (!ring_) return;
#ifdef SKIFF_HAVE_LIBURING
        if (uring_) uring_->allow_release(policy.vcpu_thread());  // stop() runs on the vCPU thread
#endif
        ThreadPolicy& rules = ring_->allow(policy);
#ifdef SKIFF_HAVE_LIBURING
        if (uring_) {
            uring_->allow(rules);
            allow_device_discards(rules);  // BLKDISCARD has no io_uring operation
            return;
        }
#endif
        allow_io(rules, "the block ring");
    }

    // Data the guest wrote reaches the disk before skiff exits, on every way out; a device whose
    // flush fails, or whose flush failed while the guest ran, is named, and the run ends 254 (its
    // writes may be lost). Other I/O errors the guest was told of get one line.
    void stop() override {
        std::exception_ptr ring_failure;
        if (ring_) try {
                ring_->stop();  // its last pass first: what the guest queued before HALT is done
            } catch (...) {
                ring_failure = std::current_exception();
            }
#ifdef SKIFF_HAVE_LIBURING
        if (uring_) uring_->release_files();  // the thread is done with it
#endif
        std::optional<HostError> failed;
        disks_.for_each([&](Disk& disk) {
            if (disk.errors.load() > 0)
                note(disk.label + ": " + std::to_string(disk.errors.load()) +
                     " I/O error(s) returned to the guest (last: " + disk.last_error_text() + ")");
            if (disk.flush_failed.load() && !failed)
                failed = HostError(disk.label + ": a flush the guest asked for failed: its writes may be lost");
            if (!disk.written.exchange(false) || disk.write_through) return;
            int rc;
            do rc = ::fdatasync(disk.fd.get());
            while (rc != 0 && errno == EINTR);
            if (rc != 0 && !failed)
                failed = HostError(errno_message(disk.label + ": flushing the guest's writes failed", errno));
        });
        if (ring_failure) std::rethrow_exception(ring_failure);
        if (failed) throw *failed;
    }

  private:
    void hypercall(GuestMemory& mem, uint64_t gpa, BlockOp op) {
        auto call = mem.read_for_update<skiff_hc_block_io>(gpa);
        const BlockResult r = execute(disks_, mem, BlockRequest{op, call.handle, call.offset, call.data, call.len});
        call.ret = r.ret;
        mem.write(gpa, call);
    }

    // The ring thread's work: each pass through io_uring where there is one, else request by request.
    RingServer::Batch ring_batch(skiff_ring& ring, GuestMemory& mem, std::string& no_uring) {
#ifdef SKIFF_HAVE_LIBURING
        uring_ = UringIo::open(disks_, SKIFF_RING_SLOTS, no_uring);
        if (uring_) {
            BlockIoRound round = [uring = uring_.get()](auto ios, auto results) { uring->run(ios, results); };
            return [&ring, &mem, this, round] { return process_block_ring_in_rounds(ring, mem, disks_, round); };
        }
#else
        (void)no_uring;  // nothing to say: built without liburing
#endif
        return [&ring, &mem, this] { return process_block_ring(ring, mem, disks_); };
    }

    // The system calls of synchronous I/O on the disks.
    void allow_io(ThreadPolicy& rules, const char* who) const {
        disks_.for_each([&](const Disk& disk) {
            const int fd = disk.fd.get();
            rules.allow_on_fd(SCMP_SYS(pread64), fd, who);
            if (disk.read_only) return;  // not even a write attempt reaches the kernel
            rules.allow_on_fd(SCMP_SYS(pwrite64), fd, who);
            rules.allow_on_fd(SCMP_SYS(fdatasync), fd, "flushes: the guest's writes reach the disk");
            if (!disk.block_device) rules.allow_on_fd(SCMP_SYS(fallocate), fd, "discards punch holes in a file");
        });
        allow_device_discards(rules);
    }

    void allow_device_discards(ThreadPolicy& rules) const {
        disks_.for_each([&](const Disk& disk) {
            if (disk.block_device && !disk.read_only)
                rules.allow_ioctl(disk.fd.get(), BLKDISCARD, "discards on a block device");
        });
    }

    void release_uring() {
#ifdef SKIFF_HAVE_LIBURING
        uring_.reset();
#endif
    }

    // Size, kind and identity of the opened file; the same file behind two devices would be two
    // views of one disk the guest thinks are apart.
    void describe(const DiskConfig& config, Disk& disk) {
        struct stat st;
        if (fstat(disk.fd.get(), &st) != 0) throw UsageError(errno_message(config.path, errno));
        disk.block_device = S_ISBLK(st.st_mode);
        if (S_ISREG(st.st_mode))
            disk.capacity = uint64_t(st.st_size);
        else if (!disk.block_device || ioctl(disk.fd.get(), BLKGETSIZE64, &disk.capacity) != 0)
            throw UsageError(config.path + ": not a regular file or block device");
        disk.block_size = config.block_size;
        if (disk.capacity < disk.block_size || disk.capacity % disk.block_size != 0)
            throw UsageError("block device '" + config.device.name + "': size of " + config.path + " (" +
                             std::to_string(disk.capacity) + " bytes) must be a non-zero multiple of the block size (" +
                             std::to_string(disk.block_size) + " bytes)");
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

    std::vector<DiskConfig> configs_;
    Disks disks_{"block"};
    uint64_t ring_gpa_ = 0;
#ifdef SKIFF_HAVE_LIBURING
    std::unique_ptr<UringIo> uring_;  // the ring thread's, when it has one
#endif
    std::unique_ptr<RingServer> ring_;  // after disks_ and uring_: it uses them until stopped
    int noted_write_through_ = 0;
    int noted_no_lock_ = 0;
};

}  // namespace

std::unique_ptr<Module> make_block_module() {
    return std::make_unique<BlockModule>();
}

}  // namespace skiff
