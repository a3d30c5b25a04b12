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

BlockResult failed(Disk& disk, const BlockIo& io, int error) {
    disk.record_error(errno_message(std::string(op_name(io.op)) + " at offset " + std::to_string(io.offset), error));
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

std::variant<BlockResult, BlockIo> check(Disks& disks, GuestMemory& mem, const BlockRequest& r) {
    Disk& disk = disks.at(r.handle);
    if (r.op == BlockOp::Flush) {
        if (disk.read_only || disk.write_through) return BlockResult{SKIFF_HC_OK};
        return BlockIo{r.op, &disk, r.offset, 0, {}, {}};  // the offset only names it in errors
    }
    if (r.len == 0 || r.offset % disk.block_size != 0 || r.len % disk.block_size != 0)
        throw GuestFault("offset " + std::to_string(r.offset) + " and length " + std::to_string(r.len) +
                         " must be non-zero multiples of the block size " + std::to_string(disk.block_size));
    uint64_t end = 0;
    if (r.len > SSIZE_MAX || __builtin_add_overflow(r.offset, r.len, &end) || end > disk.capacity)
        return BlockResult{SKIFF_HC_EINVAL};  // out of range: an error the guest handles, per the ABI
    if (r.op != BlockOp::Read && disk.read_only) return BlockResult{SKIFF_HC_EUNSPEC};  // nothing written
    BlockIo io{r.op, &disk, r.offset, r.len, {}, {}};
    if (r.op == BlockOp::Read) io.into = mem.translate_writable(r.data, r.len);
    if (r.op == BlockOp::Write) io.from = mem.translate(r.data, r.len);
    return io;
}

void started(const BlockIo& io) {
    // `written` says whether the end must flush: a write sets it before it can reach the file, a
    // flush clears it before it syncs (a write that races it sets it again).
    if (io.op == BlockOp::Write) io.disk->written.store(true);
    if (io.op == BlockOp::Flush) io.disk->written.store(false);
}

BlockResult finished(const BlockIo& io, int error) {
    Disk& disk = *io.disk;
    if (error == 0) {
        if (io.op == BlockOp::Discard) disk.written.store(true);
        return {SKIFF_HC_OK, io.len};
    }
    if (io.op == BlockOp::Discard && (error == EOPNOTSUPP || error == ENOTTY)) return {SKIFF_HC_EOPNOTSUPP};
    if (io.op == BlockOp::Flush) disk.flush_failed.store(true);
    return failed(disk, io, error);
}

BlockResult perform(const BlockIo& io) {
    started(io);
    const int fd = io.disk->fd.get();
    bool ok = false;
    switch (io.op) {
        case BlockOp::Read: ok = transfer_all(fd, io.into, io.offset); break;
        case BlockOp::Write: ok = transfer_all(fd, io.from, io.offset); break;
        case BlockOp::Flush: ok = flush(fd) == 0; break;
        case BlockOp::Discard: ok = discard(*io.disk, io.offset, io.len) == 0; break;
    }
    return finished(io, ok ? 0 : errno);
}

BlockResult execute(Disks& disks, GuestMemory& mem, const BlockRequest& r) {
    std::variant<BlockResult, BlockIo> checked = check(disks, mem, r);
    if (const BlockResult* result = std::get_if<BlockResult>(&checked)) return *result;
    return perform(std::get<BlockIo>(checked));
}

}  // namespace skiff
