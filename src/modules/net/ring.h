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
#include "modules/ring/ring_server.h"
#include "skiff/abi/ring.h"

namespace skiff {

using Taps = DeviceTable<Tap>;

// Serves the net submissions from ent_head up to the ent_tail read on entry and returns how many.
// Writes with a bad handle or length are dropped; reads post a completion. Throws GuestFault for a
// bad buffer GPA or a tail more than a ring ahead, HostError if a tap fails.
uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const Taps& taps);

// The net ring's server: its thread may read and write the taps.
class NetRing {
  public:
    // nullptr if KVM or the host refuses ring I/O (one note says why): frames use the hypercalls.
    static std::unique_ptr<NetRing> start(const Kvm& kvm, Vm& vm, GuestMemory& mem, std::span<uint8_t> area,
                                          const Taps& taps, RunControl& control);
    NetRing(GuestMemory& mem, std::span<uint8_t> area, const Taps& taps, UniqueFd kick, RunControl& control);
    explicit NetRing(const Taps& taps, std::unique_ptr<RingServer> server) : taps_(taps), server_(std::move(server)) {}

    void allow(SandboxPolicy& policy) const;
    void stop() { server_->stop(); }

  private:
    const Taps& taps_;
    std::unique_ptr<RingServer> server_;
};

}  // namespace skiff
