// Ring I/O for net devices (guest-abi.md §6): the guest queues frames in a shared ring above its
// visible memory and kicks an eventfd only when the host thread sleeps, so frames cost no VM exit.
// process_ring() is the whole protocol for one batch, a plain function the unit tests drive; the
// NetRing class runs it on its own thread.
#pragma once

#include <array>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <thread>

#include "common/unique_fd.h"
#include "kvm/kvm.h"
#include "memory/guest_memory.h"
#include "modules/poll.h"
#include "skiff/abi/manifest.h"
#include "skiff/abi/ring.h"

namespace skiff {

// One net device as the ring sees it; fd -1 = no net device behind this handle.
struct RingDevice {
    int fd = -1;
    uint32_t max_frame = 0;  // mtu + Ethernet header: longer writes are dropped
};
using RingDevices = std::array<RingDevice, SKIFF_MANIFEST_MAX_ENTRIES>;

// The ring at the start of `mem`'s reservation (which must hold one).
skiff_ring& ring_in(GuestMemory& mem);

// True if the guest has submitted entries the host has not consumed.
bool ring_has_work(skiff_ring& ring);

// Serves the submissions from ent_head up to the ent_tail read on entry and returns how many.
// Writes with a bad handle or length are dropped; reads post a completion. Throws GuestFault for a
// bad buffer GPA or a tail more than a ring ahead, HostError if a tap write fails.
uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const RingDevices& devices);

// The I/O thread. Stops and joins on destruction; an error on the thread is kept for
// rethrow_error() and announced through `on_error` (which interrupts the vCPU).
class NetRing {
  public:
    NetRing(GuestMemory& mem, const RingDevices& devices, UniqueFd kick, std::function<void()> on_error);
    ~NetRing();
    NetRing(const NetRing&) = delete;
    NetRing& operator=(const NetRing&) = delete;

    int kick_fd() const { return kick_.get(); }
    // On the vCPU thread: rethrows the thread's error, if it had one.
    void rethrow_error() const;

  private:
    void serve() noexcept;
    bool wait_for_work();  // true once a stop was requested

    skiff_ring& ring_;
    GuestMemory& mem_;
    RingDevices devices_;
    UniqueFd kick_;
    std::function<void()> on_error_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;
    std::jthread thread_;  // last: started once everything it uses exists
};

// The net devices the net module attached: it puts every tap, with its handle, in the poll set;
// the MTU is in the filled-in manifest entry.
RingDevices ring_devices(const PollSet& poll, std::span<const skiff_manifest_entry> entries);

// Activates ring I/O (guest-abi.md §6) if `mem` holds the ring reservation and KVM offers ioeventfd
// and immediate exit: registers the kick eventfd on port 0x600 and starts the thread, which
// interrupts `vcpu` on a fatal error. Returns nullptr if any step fails: the guest then gets
// host_features = 0 and uses the hypercalls.
std::unique_ptr<NetRing> start_net_ring(const Kvm& kvm, Vm& vm, KvmVcpu& vcpu, GuestMemory& mem,
                                        const RingDevices& devices);

}  // namespace skiff
