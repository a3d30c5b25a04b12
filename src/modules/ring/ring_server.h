// A shared ring served by a host thread (docs/guest-abi.md §6): the guest queues submissions in a
// ring above its visible memory and kicks an eventfd (a KVM ioeventfd: no exit to skiff) only while
// the host thread sleeps. The net and block modules each run one; what a batch of submissions means
// is theirs (a function given to the server), the thread, the kick, the stop with its last pass and
// the failure reporting are here.
#pragma once

#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "arch/arch.h"
#include "common/unique_fd.h"
#include "skiff/abi/ring.h"

namespace skiff {

class Kvm;
class Vm;
class RunControl;
class SandboxPolicy;
class SandboxedThread;
class ThreadPolicy;

// The shared u32 fields are written by one side and read by the other, concurrently.
inline std::atomic_ref<uint32_t> shared(uint32_t& field) {
    return std::atomic_ref<uint32_t>(field);
}

// The ring at the start of `area` (which must hold one).
skiff_ring& ring_in(std::span<uint8_t> area);

// True if the guest has submitted entries the host has not consumed.
bool ring_has_work(skiff_ring& ring);

// The submissions waiting, ent_tail - ent_head; GuestFault (naming `ring_name`) if the guest's tail
// is more than a ring ahead.
uint32_t pending_submissions(skiff_ring& ring, const char* ring_name);

// Publishes one completion at com_tail.
inline void post(skiff_ring& ring, const skiff_ring_completion& c) {
    const uint32_t tail = shared(ring.com_tail).load(std::memory_order_relaxed);
    std::memcpy(&ring.com[tail & (SKIFF_RING_SLOTS - 1)], &c, sizeof c);
    shared(ring.com_tail).store(tail + 1, std::memory_order_release);
}

class RingServer {
  public:
    // Serves a batch: the submissions pending now; returns how many it consumed. Runs on the thread.
    using Batch = std::function<uint32_t()>;

    // A kick eventfd registered at `kick` and a server, or nullptr (with one note naming `name` and
    // why) if KVM or the host refuses a step: the guest then uses the hypercalls.
    static std::unique_ptr<RingServer> start(const Kvm& kvm, Vm& vm, skiff_ring& ring, arch::KickAddress kick,
                                             const char* name, Batch batch, RunControl& control);
    RingServer(skiff_ring& ring, UniqueFd kick, const char* name, Batch batch, RunControl& control);
    ~RingServer();
    RingServer(const RingServer&) = delete;
    RingServer& operator=(const RingServer&) = delete;

    // The rules of the thread (its kick, ending the run on an error), which the module extends with
    // its devices' fds; the vCPU thread's right to wake it for the stop.
    ThreadPolicy& allow(SandboxPolicy& policy) const;
    // Makes one last pass (what the guest queued before HALT is served), joins the thread, and
    // throws what that pass found (a bad entry is still a guest fault).
    void stop();

  private:
    void serve() noexcept;
    bool wait_for_work(bool stalled);  // true once a stop was requested

    skiff_ring& ring_;
    UniqueFd kick_;
    const char* name_;
    Batch batch_;
    RunControl& control_;
    std::atomic<bool> stopping_{false};
    std::exception_ptr last_pass_error_;
    std::unique_ptr<SandboxedThread> thread_;  // last: started once everything it uses exists
};

}  // namespace skiff
