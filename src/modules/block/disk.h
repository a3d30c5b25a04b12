// One block device as the guest sees it, and the requests it makes of it: the same checks and the
// same I/O whether a request comes by hypercall (the vCPU thread) or through the block ring (its
// thread), docs/guest-abi.md §5.6 and §6.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <variant>

#include "common/unique_fd.h"
#include "memory/guest_memory.h"
#include "modules/device_table.h"

namespace skiff {

struct Disk {
    UniqueFd fd;
    uint64_t capacity = 0;
    uint64_t block_size = 0;
    std::string label;  // "block device 'storage' (disk.img)"
    bool read_only = false;
    bool write_through = false;  // opened O_DSYNC: every write is durable when it returns
    bool block_device = false;   // a block device, not a regular file (how to discard)
    dev_t st_dev = 0;
    ino_t st_ino = 0;
    std::atomic<bool> written{false};  // since the last flush

    // I/O errors returned to the guest, for the line at the end; a failed flush ends the run 254.
    std::atomic<uint64_t> errors{0};
    std::atomic<bool> flush_failed{false};
    std::mutex last_error_mutex;
    std::string last_error;

    void record_error(const std::string& what);
    std::string last_error_text();
};

using Disks = DeviceTable<Disk>;

enum class BlockOp { Read, Write, Flush, Discard };

struct BlockRequest {
    BlockOp op;
    uint64_t handle;
    uint64_t offset;
    uint64_t data;  // GPA of the buffer (reads and writes)
    uint64_t len;
};

struct BlockResult {
    int32_t ret;       // enum skiff_hc_result
    uint64_t len = 0;  // bytes transferred
};

// A request that passed every check and needs the host's I/O, with the guest's buffer translated.
struct BlockIo {
    BlockOp op;
    Disk* disk;
    uint64_t offset;
    uint64_t len;                   // bytes; 0 for a flush
    std::span<uint8_t> into;        // reads: where the bytes go
    std::span<const uint8_t> from;  // writes: the bytes
};

// The checks of execute() without the I/O: a result when none is needed (a range past the end, a
// write to a read-only device, a flush with nothing to do), or the I/O to do. Throws as execute().
std::variant<BlockResult, BlockIo> check(Disks& disks, GuestMemory& mem, const BlockRequest& request);

// What every way of carrying out checked I/O does around it, in the guest's order: started() just
// before it is issued, finished() with its outcome (0 or the errno of the failure) once it is done.
void started(const BlockIo& io);
BlockResult finished(const BlockIo& io, int error);

// Carries out checked I/O with one system call at a time (pread/pwrite until done).
BlockResult perform(const BlockIo& io);

// Carries out one request. GuestFault for what the ABI makes fatal (an unknown handle, a length or
// offset that is not whole blocks, a bad buffer); a range past the end is EINVAL, a write to a
// read-only device EUNSPEC, a host I/O error EUNSPEC (recorded on the disk), a discard the store
// cannot do EOPNOTSUPP.
BlockResult execute(Disks& disks, GuestMemory& mem, const BlockRequest& request);

}  // namespace skiff
