#include "modules/ring/ring_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "common/error.h"
#include "kvm/kvm.h"
#include "sandbox/sandbox.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

constexpr int kSpinsBeforeSleep = 4096;  // docs/guest-abi.md §6

inline void cpu_relax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

}  // namespace

skiff_ring& ring_in(std::span<uint8_t> area) {
    if (area.size() < sizeof(skiff_ring)) throw std::logic_error("ring: the reservation cannot hold a ring");
    return *reinterpret_cast<skiff_ring*>(area.data());
}

bool ring_has_work(skiff_ring& ring) {
    return shared(ring.ent_head).load(std::memory_order_relaxed) !=
           shared(ring.ent_tail).load(std::memory_order_acquire);
}

uint32_t pending_submissions(skiff_ring& ring, const char* ring_name) {
    const uint32_t tail = shared(ring.ent_tail).load(std::memory_order_acquire);
    const uint32_t head = shared(ring.ent_head).load(std::memory_order_relaxed);
    const uint32_t count = tail - head;  // free-running u32 counters: wrap-around is fine
    if (count > SKIFF_RING_SLOTS)
        throw GuestFault(std::string(ring_name) + ": ent_tail " + std::to_string(tail) + " is more than " +
                         std::to_string(SKIFF_RING_SLOTS) + " entries ahead of ent_head " + std::to_string(head));
    return count;
}

std::unique_ptr<RingServer> RingServer::start(const Kvm& kvm, Vm& vm, skiff_ring& ring, arch::KickAddress kick,
                                              const char* name, Batch batch, RunControl& control) {
    if (!kvm.has(KVM_CAP_IOEVENTFD) || !kvm.has(KVM_CAP_IMMEDIATE_EXIT)) return nullptr;
    auto without_ring = [name](const std::string& why) {
        note(std::string("no ") + name + " (" + why + "): the guest uses the hypercalls");
        return nullptr;
    };
    UniqueFd kick_fd(eventfd(0, EFD_CLOEXEC));
    if (!kick_fd.valid()) return without_ring(errno_message("cannot create its kick eventfd", errno));
    if (!vm.add_ioeventfd(kick.addr, kick.pio, kick_fd.get()))
        return without_ring(errno_message("KVM_IOEVENTFD", errno));
    try {
        return std::make_unique<RingServer>(ring, std::move(kick_fd), name, std::move(batch), control);
    } catch (const std::system_error& e) {
        return without_ring(std::string("cannot start its thread: ") + e.code().message());
    }
}

RingServer::RingServer(skiff_ring& ring, UniqueFd kick, const char* name, Batch batch, RunControl& control)
    : ring_(ring),
      kick_(std::move(kick)),
      name_(name),
      batch_(std::move(batch)),
      control_(control),
      thread_(std::make_unique<SandboxedThread>(name, [this] { serve(); })) {}

RingServer::~RingServer() {
    try {
        stop();
    } catch (...) {
        // Only on unwinding: stop() was not called, and the run already ends with another error.
    }
}

void RingServer::stop() {
    if (!thread_) return;
    stopping_.store(true);
    const uint64_t one = 1;
    (void)!::write(kick_.get(), &one, sizeof one);
    thread_.reset();  // joins
    if (last_pass_error_) std::rethrow_exception(std::exchange(last_pass_error_, nullptr));
}

ThreadPolicy& RingServer::allow(SandboxPolicy& policy) const {
    ThreadPolicy& rules = policy.io_thread(*thread_);
    rules.allow_on_fd(SCMP_SYS(read), kick_.get(), "the ring thread sleeps on its kick eventfd");
    control_.allow_io_thread(rules);
    policy.vcpu_thread().allow_on_fd(SCMP_SYS(write), kick_.get(), "stopping the ring thread");
    return rules;
}

void RingServer::serve() noexcept {
    try {
        bool stalled = false;
        for (;;) {
            const bool stop = wait_for_work(stalled);
            // On a stop too: what was queued before HALT is served. A batch that consumes nothing
            // with work pending (no room for completions) waits for the guest's next kick.
            stalled = batch_() == 0;
            if (stop) return;
        }
    } catch (...) {
        if (stopping_.load())
            last_pass_error_ = std::current_exception();
        else
            control_.fail(std::current_exception());
    }
}

bool RingServer::wait_for_work(bool stalled) {
    for (int i = 0; i < kSpinsBeforeSleep && !stalled; ++i) {
        if (stopping_.load(std::memory_order_acquire)) return true;
        if (ring_has_work(ring_)) return false;
        cpu_relax();
    }
    // Announce the sleep, then look again: a guest that queued meanwhile either sees needs_kick or
    // is seen here (both sides fence between their store and their load).
    shared(ring_.needs_kick).store(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if ((stalled || !ring_has_work(ring_)) && !stopping_.load()) {
        uint64_t kicks;
        while (::read(kick_.get(), &kicks, sizeof kicks) < 0)
            if (errno != EINTR)
                throw HostError(errno_message(std::string(name_) + ": cannot read the kick eventfd", errno));
    }
    shared(ring_.needs_kick).store(0, std::memory_order_relaxed);
    return stopping_.load(std::memory_order_acquire);
}

}  // namespace skiff
