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
constexpr int kSpinsBeforeSleep = 4096;  // docs/guest-abi.md §6

// The shared u32 fields are written by one side and read by the other, concurrently.
std::atomic_ref<uint32_t> shared(uint32_t& field) {
    return std::atomic_ref<uint32_t>(field);
}

inline void cpu_relax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

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

void post(skiff_ring& ring, const skiff_ring_completion& c) {
    const uint32_t tail = shared(ring.com_tail).load(std::memory_order_relaxed);
    std::memcpy(&ring.com[tail & kSlotMask], &c, sizeof c);
    shared(ring.com_tail).store(tail + 1, std::memory_order_release);
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

skiff_ring& ring_in(std::span<uint8_t> area) {
    if (area.size() < sizeof(skiff_ring)) throw std::logic_error("net ring: the reservation cannot hold a ring");
    return *reinterpret_cast<skiff_ring*>(area.data());
}

bool ring_has_work(skiff_ring& ring) {
    return shared(ring.ent_head).load(std::memory_order_relaxed) !=
           shared(ring.ent_tail).load(std::memory_order_acquire);
}

uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const Taps& taps) {
    const uint32_t tail = shared(ring.ent_tail).load(std::memory_order_acquire);
    uint32_t head = shared(ring.ent_head).load(std::memory_order_relaxed);
    const uint32_t count = tail - head;  // free-running u32 counters: wrap-around is fine
    if (count > SKIFF_RING_SLOTS)
        throw GuestFault("net ring: ent_tail " + std::to_string(tail) + " is more than " +
                         std::to_string(SKIFF_RING_SLOTS) + " entries ahead of ent_head " + std::to_string(head));
    for (; head != tail; ++head) {
        skiff_ring_submission s;  // one copy: the guest may rewrite the slot meanwhile
        std::memcpy(&s, &ring.ent[head & kSlotMask], sizeof s);
        serve_entry(ring, mem, taps, s);
        shared(ring.ent_head).store(head + 1, std::memory_order_release);
    }
    return count;
}

std::unique_ptr<NetRing> NetRing::start(const Kvm& kvm, Vm& vm, GuestMemory& mem, std::span<uint8_t> area,
                                        const Taps& taps, RunControl& control) {
    if (!kvm.has(KVM_CAP_IOEVENTFD) || !kvm.has(KVM_CAP_IMMEDIATE_EXIT)) return nullptr;
    auto without_ring = [](const std::string& why) {
        note("no ring I/O for the net devices (" + why + "): frames use the NET_WRITE/NET_READ hypercalls");
        return nullptr;
    };
    UniqueFd kick(eventfd(0, EFD_CLOEXEC));
    if (!kick.valid()) return without_ring(errno_message("cannot create its kick eventfd", errno));
    if (!vm.add_ioeventfd(arch::kRingKick.addr, arch::kRingKick.pio, kick.get()))
        return without_ring(errno_message("KVM_IOEVENTFD", errno));
    try {
        return std::make_unique<NetRing>(mem, area, taps, std::move(kick), control);
    } catch (const std::system_error& e) {
        return without_ring(std::string("cannot start its thread: ") + e.code().message());
    }
}

NetRing::NetRing(GuestMemory& mem, std::span<uint8_t> area, const Taps& taps, UniqueFd kick, RunControl& control)
    : ring_(ring_in(area)),
      mem_(mem),
      taps_(taps),
      kick_(std::move(kick)),
      control_(control),
      thread_(std::make_unique<SandboxedThread>("net ring", [this] { serve(); })) {}

NetRing::~NetRing() {
    try {
        stop();
    } catch (...) {
        // Only on unwinding: stop() was not called, and the run already ends with another error.
    }
}

void NetRing::stop() {
    if (!thread_) return;
    stopping_.store(true);
    const uint64_t one = 1;
    (void)!::write(kick_.get(), &one, sizeof one);
    thread_.reset();  // joins
    if (last_pass_error_) std::rethrow_exception(std::exchange(last_pass_error_, nullptr));
}

void NetRing::allow(SandboxPolicy& policy) const {
    ThreadPolicy& rules = policy.io_thread(*thread_);
    rules.allow_on_fd(SCMP_SYS(read), kick_.get(), "the ring thread sleeps on its kick eventfd");
    taps_.for_each([&](const Tap& tap) {
        rules.allow_on_fd(SCMP_SYS(read), tap.fd.get(), "ring NET_READ");
        rules.allow_on_fd(SCMP_SYS(write), tap.fd.get(), "ring NET_WRITE");
    });
    control_.allow_io_thread(rules);
    policy.vcpu_thread().allow_on_fd(SCMP_SYS(write), kick_.get(), "stopping the ring thread");
}

void NetRing::serve() noexcept {
    try {
        for (;;) {
            const bool stop = wait_for_work();
            process_ring(ring_, mem_, taps_);  // on a stop too: frames queued before HALT go out
            if (stop) return;
        }
    } catch (...) {
        if (stopping_.load())
            last_pass_error_ = std::current_exception();
        else
            control_.fail(std::current_exception());
    }
}

bool NetRing::wait_for_work() {
    for (int i = 0; i < kSpinsBeforeSleep; ++i) {
        if (stopping_.load(std::memory_order_acquire)) return true;
        if (ring_has_work(ring_)) return false;
        cpu_relax();
    }
    // Announce the sleep, then look again: a guest that queued meanwhile either sees needs_kick or
    // is seen here (both sides fence between their store and their load).
    shared(ring_.needs_kick).store(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!ring_has_work(ring_) && !stopping_.load()) {
        uint64_t kicks;
        while (::read(kick_.get(), &kicks, sizeof kicks) < 0)
            if (errno != EINTR) throw HostError(errno_message("net ring: cannot read the kick eventfd", errno));
    }
    shared(ring_.needs_kick).store(0, std::memory_order_relaxed);
    return stopping_.load(std::memory_order_acquire);
}

}  // namespace skiff
