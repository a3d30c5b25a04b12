#include "modules/block/uring_io.h"

#include <linux/falloc.h>

#include <cerrno>
#include <stdexcept>

#include "common/error.h"
#include "sandbox/sandbox.h"
#include "sandbox/sigsys.h"

namespace skiff {
namespace {

// liburing returns -errno; the messages say which step the kernel refused.
void check_step(int rc, const char* step) {
    if (rc < 0) throw HostError(errno_message(step, -rc));
}

bool transfers(BlockOp op) {
    return op == BlockOp::Read || op == BlockOp::Write;
}

}  // namespace

std::unique_ptr<UringIo> UringIo::open(Disks& disks, unsigned depth, std::string& why) {
    if (under_outer_filter()) return nullptr;
    try {
        return std::make_unique<UringIo>(disks, depth);
    } catch (const HostError& e) {
        why = e.what();
        return nullptr;
    }
}

UringIo::Ring::Ring(unsigned depth) {
    io_uring_params params{};
    // Disabled until it is restricted: nothing can be submitted to an unrestricted ring. No SQPOLL:
    // the ring thread submits itself, no kernel thread polls on its behalf.
    params.flags = IORING_SETUP_R_DISABLED;
    const int rc = io_uring_queue_init_params(depth, &ring, &params);
    // EINVAL: a kernel older than Linux 5.10 (or a depth it does not take); EPERM: io_uring is
    // disabled (kernel.io_uring_disabled); ENOSYS: not built into the kernel.
    check_step(rc, "io_uring_setup");
}

UringIo::Ring::~Ring() {
    io_uring_queue_exit(&ring);
}

UringIo::UringIo(Disks& disks, unsigned depth) : ring_(depth), depth_(depth) {
    restrict_to(disks);
}

UringIo::~UringIo() = default;

// Registers the disks' files and allows nothing but their reads, writes, fsyncs and fallocates,
// then enables the ring: from then on no registration is possible but giving the files back.
void UringIo::restrict_to(Disks& disks) {
    std::vector<int> fds;
    disks.for_each([&](const Disk& disk) {
        files_.push_back(&disk);
        fds.push_back(disk.fd.get());
    });
    if (!fds.empty())
        check_step(io_uring_register_files(&ring_.ring, fds.data(), unsigned(fds.size())), "io_uring_register_files");
    std::vector<io_uring_restriction> rules;
    for (const uint8_t op : {IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC, IORING_OP_FALLOCATE}) {
        io_uring_restriction r{};
        r.opcode = IORING_RESTRICTION_SQE_OP;
        r.sqe_op = op;
        rules.push_back(r);
    }
    for (const uint16_t kind : {IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IORING_RESTRICTION_SQE_FLAGS_ALLOWED}) {
        io_uring_restriction r{};
        r.opcode = kind;
        r.sqe_flags = IOSQE_FIXED_FILE;  // registered files only
        rules.push_back(r);
    }
    io_uring_restriction release{};
    release.opcode = IORING_RESTRICTION_REGISTER_OP;
    release.register_op = IORING_UNREGISTER_FILES;  // release_files()
    rules.push_back(release);
    check_step(io_uring_register_restrictions(&ring_.ring, rules.data(), unsigned(rules.size())),
               "io_uring_register_restrictions");
    check_step(io_uring_enable_rings(&ring_.ring), "io_uring_register(IORING_REGISTER_ENABLE_RINGS)");
}

void UringIo::allow(ThreadPolicy& rules) const {
    rules.allow_on_fd(SCMP_SYS(io_uring_enter), ring_.ring.ring_fd, "the block ring's I/O through its io_uring");
}

void UringIo::release_files() noexcept {
    if (!files_.empty()) (void)io_uring_unregister_files(&ring_.ring);
    files_.clear();
}

void UringIo::allow_release(ThreadPolicy& rules) const {
    rules.allow(SCMP_SYS(io_uring_register),
                {arg_equals(0, scmp_datum_t(ring_.ring.ring_fd)), arg_equals(1, IORING_UNREGISTER_FILES)},
                "the block ring's io_uring lets go of the disks (and their locks) before skiff exits");
}

int UringIo::file_index(const Disk& disk) const {
    for (size_t i = 0; i < files_.size(); ++i)
        if (files_[i] == &disk) return int(i);
    throw std::logic_error("io_uring: a disk added after the ring was set up");
}

// Queues what is left of `io` once `done` bytes of it are: all of it for a first submission.
void UringIo::queue(const BlockIo& io, uint64_t done, size_t index) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_.ring);
    if (!sqe) throw std::logic_error("io_uring: more requests in flight than the ring holds");
    const int file = file_index(*io.disk);
    const uint64_t offset = io.offset + done;
    const unsigned rest = unsigned(io.len - done);  // ring lengths are 32-bit
    switch (io.op) {
        case BlockOp::Read: io_uring_prep_read(sqe, file, io.into.data() + done, rest, offset); break;
        case BlockOp::Write: io_uring_prep_write(sqe, file, io.from.data() + done, rest, offset); break;
        case BlockOp::Flush: io_uring_prep_fsync(sqe, file, IORING_FSYNC_DATASYNC); break;
        case BlockOp::Discard:
            io_uring_prep_fallocate(sqe, file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(offset),
                                    off_t(io.len));
            break;
    }
    io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
    io_uring_sqe_set_data64(sqe, index);
}

void UringIo::run(std::span<const BlockIo> ios, std::span<BlockResult> results) {
    if (ios.size() > depth_) throw std::logic_error("io_uring: a round larger than the ring");
    std::vector<uint64_t> done(ios.size(), 0);
    unsigned in_flight = 0;
    for (size_t i = 0; i < ios.size(); ++i) {
        if (ios[i].op == BlockOp::Discard && ios[i].disk->block_device) {
            results[i] = perform(ios[i]);  // BLKDISCARD has no io_uring operation
            continue;
        }
        started(ios[i]);
        queue(ios[i], 0, i);
        ++in_flight;
    }
    // EAGAIN: the kernel is short of memory for requests. Retried, but not for ever: a host that
    // stays that way ends the run as a host error rather than spinning.
    constexpr int kMaxFruitlessTries = 10000;
    int fruitless = 0;
    while (in_flight > 0) {
        // Submits what is queued and waits for all of it; returns early, having waited for
        // nothing, if the kernel took only part of the submissions (the rest go next time).
        const int rc = io_uring_submit_and_wait(&ring_.ring, in_flight);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN)
            throw HostError(errno_message("block ring: io_uring_enter failed", -rc));
        if (rc == -EAGAIN && io_uring_cq_ready(&ring_.ring) == 0 && ++fruitless >= kMaxFruitlessTries)
            throw HostError(errno_message("block ring: io_uring_enter kept failing", EAGAIN));
        io_uring_cqe* cqe;
        unsigned head;
        unsigned seen = 0;
        io_uring_for_each_cqe(&ring_.ring, head, cqe) {
            ++seen;
            --in_flight;
            const size_t i = size_t(io_uring_cqe_get_data64(cqe));
            const BlockIo& io = ios[i];
            const int res = cqe->res;
            if (res > 0 && transfers(io.op)) done[i] += uint64_t(res);
            if (res == -EINTR || (res > 0 && transfers(io.op) && done[i] < io.len)) {
                queue(io, done[i], i);  // interrupted, or short: the rest, as pread/pwrite loop
                ++in_flight;
            } else if (res < 0) {
                results[i] = finished(io, -res);
            } else {
                // A transfer that made no progress met an unexpected end of file, as in pread.
                results[i] = finished(io, res == 0 && transfers(io.op) ? EIO : 0);
            }
        }
        io_uring_cq_advance(&ring_.ring, seen);
        if (seen > 0) fruitless = 0;
    }
}

}  // namespace skiff
