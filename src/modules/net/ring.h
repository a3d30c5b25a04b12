// Ring I/O for net devices (docs/guest-abi.md §6): the guest queues frames in a shared ring above its
// visible memory and kicks an eventfd only when the host thread sleeps, so frames cost no VM exit.
// process_ring() is the whole protocol for one batch, a plain function the unit tests drive; the
// NetRing class runs it on its own sandboxed I/O thread.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <span>

#include "common/unique_fd.h"
#include "memory/guest_memory.h"
#include "modules/device_table.h"
#include "modules/net/tap.h"
#include "skiff/abi/ring.h"

namespace skiff {

class Kvm;
class Vm;
class RunControl;
class SandboxPolicy;
class SandboxedThread;

using Taps = DeviceTable<Tap>;

// The ring at the start of `area` (which must hold one).
skiff_ring& ring_in(std::span<uint8_t> area);

// True if the guest has submitted entries the host has not consumed.
bool ring_has_work(skiff_ring& ring);

// Serves the submissions from ent_head up to the ent_tail read on entry and returns how many.
// Writes with a bad handle or length are dropped; reads post a completion. Throws GuestFault for a
// bad buffer GPA or a tail more than a ring ahead, HostError if a tap fails.
uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const Taps& taps);

class NetRing {
  public:
    // Activates ring I/O if KVM offers ioeventfds: registers the kick eventfd and creates the I/O
    // thread, which starts serving once the sandbox releases it. nullptr if any step fails: the
    // guest then gets no ring in boot info and uses the hypercalls.
    static std::unique_ptr<NetRing> start(const Kvm& kvm, Vm& vm, GuestMemory& mem, std::span<uint8_t> area,
                                          const Taps& taps, RunControl& control);
    NetRing(GuestMemory& mem, std::span<uint8_t> area, const Taps& taps, UniqueFd kick, RunControl& control);
    ~NetRing();
    NetRing(const NetRing&) = delete;
    NetRing& operator=(const NetRing&) = delete;

    void allow(SandboxPolicy& policy) const;
    // Makes one last pass (frames queued before HALT go out), joins the thread, and throws what that
    // pass found (a bad entry is still a guest fault).
    void stop();

  private:
    void serve() noexcept;
    bool wait_for_work();  // true once a stop was requested

    skiff_ring& ring_;
    GuestMemory& mem_;
    const Taps& taps_;
    UniqueFd kick_;
    RunControl& control_;
    std::atomic<bool> stopping_{false};
    std::exception_ptr last_pass_error_;
    std::unique_ptr<SandboxedThread> thread_;  // last: started once everything it uses exists
};

}  // namespace skiff
