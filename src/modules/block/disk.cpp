#include "modules/block/disk.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "common/error.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

// Whole transfers; false with errno on an error (EIO for an unexpected end of file).
template <typename Span>
bool transfer_all(int fd, Span buf, uint64_t offset) {
    constexpr bool is_write = std::is_const_v<typename Span::element_type>;
    while (!buf.empty()) {
        const ssize_t n = is_write ? ::pwrite(fd, buf.data(), buf.size(), off_t(offset))
                                   : ::pread(fd, const_cast<uint8_t*>(buf.data()), buf.size(), off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        buf = buf.subspan(size_t(n));
        offset += uint64_t(n);
    }
    return true;
}

int flush(int fd) {
    int rc;
    do rc = ::fdatasync(fd);
    while (rc != 0 && errno == EINTR);
    return rc;
}

// Frees [offset, offset + len): a hole in a file (reads then give zeros), a discard on a device.
int discard(const Disk& disk, uint64_t offset, uint64_t len) {
    if (disk.block_device) {
        const uint64_t range[2] = {offset, len};
        return ::ioctl(disk.fd.get(), BLKDISCARD, range);
    }
    return ::fallocate(disk.fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(offset), off_t(len));
}

const char* op_name(BlockOp op) {
    switch (op) {
        case BlockOp::Read: return "read";
        case BlockOp::Write: return "write";
        case BlockOp::Flush: return "flush";
        case BlockOp::Discard: return "discard";
    }
    return "?";
}

BlockResult failed(Disk& disk, const BlockRequest& r, int error) {
    disk.record_error(errno_message(std::string(op_name(r.op)) + " at offset " + std::to_string(r.offset), error));
    return {SKIFF_HC_EUNSPEC};
}

}  // namespace

void Disk::record_error(const std::string& what) {
    errors.fetch_add(1);
    std::lock_guard lock(last_error_mutex);
    last_error = what;
}

std::string Disk::last_error_text() {
    std::lock_guard lock(last_error_mutex);
    return last_error;
}

BlockResult execute(Disks& disks, GuestMemory& mem, const BlockRequest& r) {
    Disk& disk = disks.at(r.handle);
    if (r.op == BlockOp::Flush) {
        if (disk.read_only || disk.write_through) return {SKIFF_HC_OK};
        disk.written.store(false);
        if (flush(disk.fd.get()) == 0) return {SKIFF_HC_OK};
        disk.flush_failed.store(true);
        return failed(disk, r, errno);
    }
    if (r.len == 0 || r.offset % disk.block_size != 0 || r.len % disk.block_size != 0)
        throw GuestFault("offset " + std::to_string(r.offset) + " and length " + std::to_string(r.len) +
                         " must be non-zero multiples of the block size " + std::to_string(disk.block_size));
    uint64_t end = 0;
    if (r.len > SSIZE_MAX || __builtin_add_overflow(r.offset, r.len, &end) || end > disk.capacity)
        return {SKIFF_HC_EINVAL};  // out of range: an error the guest handles, per the ABI
    if (r.op != BlockOp::Read && disk.read_only) return {SKIFF_HC_EUNSPEC};  // nothing written
    switch (r.op) {
        case BlockOp::Read:
            if (!transfer_all(disk.fd.get(), mem.translate_writable(r.data, r.len), r.offset))
                return failed(disk, r, errno);
            return {SKIFF_HC_OK, r.len};
        case BlockOp::Write:
            disk.written.store(true);
            if (!transfer_all(disk.fd.get(), mem.translate(r.data, r.len), r.offset)) return failed(disk, r, errno);
            return {SKIFF_HC_OK, r.len};
        case BlockOp::Discard:
            if (discard(disk, r.offset, r.len) == 0) {
                disk.written.store(true);
                return {SKIFF_HC_OK, r.len};
            }
            if (errno == EOPNOTSUPP || errno == ENOTTY) return {SKIFF_HC_EOPNOTSUPP};
            return failed(disk, r, errno);
        case BlockOp::Flush: break;
    }
    return {SKIFF_HC_EINVAL};
}

}  // namespace skiff
