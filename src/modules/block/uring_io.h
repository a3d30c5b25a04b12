// The block ring's I/O through io_uring (liburing): a round of checked requests (block_ring.h) is
// queued as one submission each, handed to the kernel with one io_uring_enter that also waits for
// them all, and finished in the guest's terms. Built only where liburing is (SKIFF_HAVE_LIBURING).
//
// The ring is set up before the sandbox: io_uring_setup, its mmaps and registrations happen on the
// creating thread; the ring thread then needs io_uring_enter on the ring's fd only. What a ring can
// do bypasses seccomp, so it is restricted (IORING_REGISTER_RESTRICTIONS) to reads, writes, fsyncs
// and fallocates on the disks' files, registered at set-up: the ring cannot reach anything else;
// the one registration left is giving those files back at the end.
#pragma once

#include <liburing.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "modules/block/disk.h"

namespace skiff {

class ThreadPolicy;

class UringIo {
  public:
    // The ring, or nullptr where the caller must do without (pread/pwrite): under a filter skiff
    // was started under (an orchestrator's allow-list has no io_uring calls, and may kill on them),
    // or where the kernel refuses one (too old, kernel.io_uring_disabled), `why` then saying so.
    static std::unique_ptr<UringIo> open(Disks& disks, unsigned depth, std::string& why);

    // A ring for up to `depth` requests at once on the files of `disks` (as they are now). HostError,
    // saying what the kernel refused, where it cannot be set up.
    UringIo(Disks& disks, unsigned depth);
    ~UringIo();
    UringIo(const UringIo&) = delete;
    UringIo& operator=(const UringIo&) = delete;

    // Carries out `ios` (at most `depth`, no two conflicting) and gives each its result. Short
    // transfers are resubmitted for the rest, as pread/pwrite are looped. HostError if the kernel
    // refuses io_uring_enter itself.
    void run(std::span<const BlockIo> ios, std::span<BlockResult> results);

    // The one system call the thread that calls run() needs.
    void allow(ThreadPolicy& rules) const;

    // Lets go of the disks' files once run() is done for good. The ring holds them (and with them
    // the disks' locks) until the kernel tears it down, some time after skiff has exited: a skiff
    // started right after this one would find its disk still locked. Best effort: nothing else
    // depends on it.
    void release_files() noexcept;
    // The system call release_files() needs, for the thread that calls it.
    void allow_release(ThreadPolicy& rules) const;

  private:
    // The io_uring itself, torn down (unmapped, closed) with its owner.
    struct Ring {
        explicit Ring(unsigned depth);
        ~Ring();
        Ring(const Ring&) = delete;
        Ring& operator=(const Ring&) = delete;
        io_uring ring{};
    };

    void restrict_to(Disks& disks);
    void queue(const BlockIo& io, uint64_t done, size_t index);
    int file_index(const Disk& disk) const;

    Ring ring_;
    unsigned depth_;
    std::vector<const Disk*> files_;  // registered file i is files_[i]'s fd
};

}  // namespace skiff
