#include "modules/net/ring.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "arch/arch.h"
#include "common/error.h"
#include "kvm/kvm.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

constexpr uint32_t kSlotMask = SKIFF_RING_SLOTS - 1;

void write_frame(GuestMemory& mem, const Tap* tap, const skiff_ring_submission& s) {
    if (!tap || !tap->accepts(s.len)) return;  // writes get no completion: dropped
    tap->write_frame(mem.translate(s.data, s.len));
}

skiff_ring_completion read_frame(GuestMemory& mem, const Tap* tap, const skiff_ring_submission& s) {
    skiff_ring_completion c{s.id, SKIFF_HC_EINVAL, 0, 0};
    if (!tap) return c;
    const size_t n = tap->read_frame(mem.translate_writable(s.data, s.len));
    c.ret = n > 0 ? SKIFF_HC_OK : SKIFF_HC_AGAIN;
    c.len = static_cast<uint32_t>(n);
    return c;
}

void serve_entry(skiff_ring& ring, GuestMemory& mem, const Taps& taps, const skiff_ring_submission& s) {
    const Tap* tap = taps.find(s.handle);
    try {
        if (s.operation == SKIFF_RING_NET_WRITE) write_frame(mem, tap, s);
        if (s.operation == SKIFF_RING_NET_READ) post(ring, read_frame(mem, tap, s));
        // Unknown operations are skipped without a completion.
    } catch (const GuestFault& fault) {
        throw with_context(s.operation == SKIFF_RING_NET_WRITE ? "net ring NET_WRITE" : "net ring NET_READ", fault);
    }
}

}  // namespace

uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const Taps& taps) {
    const uint32_t count = pending_submissions(ring, "net ring");
    uint32_t head = shared(ring.ent_head).load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < count; ++i, ++head) {
        skiff_ring_submission s;  // one copy: the guest may rewrite the slot meanwhile
        std::memcpy(&s, &ring.ent[head & kSlotMask], sizeof s);
        serve_entry(ring, mem, taps, s);
        shared(ring.ent_head).store(head + 1, std::memory_order_release);
    }
    return count;
}

std::unique_ptr<NetRing> NetRing::start(const Kvm& kvm, Vm& vm, GuestMemory& mem, std::span<uint8_t> area,
                                        const Taps& taps, RunControl& control) {
    skiff_ring& ring = ring_in(area);
    auto server = RingServer::start(
        kvm, vm, ring, arch::kRingKick, "net ring", [&ring, &mem, &taps] { return process_ring(ring, mem, taps); },
        control);
    return server ? std::make_unique<NetRing>(taps, std::move(server)) : nullptr;
}

NetRing::NetRing(GuestMemory& mem, std::span<uint8_t> area, const Taps& taps, UniqueFd kick, RunControl& control)
    : taps_(taps),
      server_(std::make_unique<RingServer>(
          ring_in(area), std::move(kick), "net ring",
          [&ring = ring_in(area), &mem, &taps] { return process_ring(ring, mem, taps); }, control)) {}

void NetRing::allow(SandboxPolicy& policy) const {
    ThreadPolicy& rules = server_->allow(policy);
    taps_.for_each([&](const Tap& tap) {
        rules.allow_on_fd(SCMP_SYS(read), tap.fd.get(), "ring NET_READ");
        rules.allow_on_fd(SCMP_SYS(write), tap.fd.get(), "ring NET_WRITE");
    });
}

}  // namespace skiff
