#include "modules/net_ring.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/error.h"
#include "modules/tap_io.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

constexpr uint32_t kSlotMask = SKIFF_RING_SLOTS - 1;
constexpr int kSpinsBeforeSleep = 4096;  // guest-abi.md §6

// The shared u32 fields are written by one side and read by the other, concurrently.
std::atomic_ref<uint32_t> shared(uint32_t& field) {
    return std::atomic_ref<uint32_t>(field);
}

void write_frame(GuestMemory& mem, const RingDevice& dev, const skiff_ring_submission& s) {
    if (dev.fd < 0 || s.len == 0 || s.len > dev.max_frame) return;  // writes get no completion: dropped
    write_frame_to_tap(dev.fd, mem.translate(s.data, s.len), "net ring");
}

skiff_ring_completion read_frame(GuestMemory& mem, const RingDevice& dev, const skiff_ring_submission& s) {
    skiff_ring_completion c{s.id, SKIFF_HC_EINVAL, 0, 0};
    if (dev.fd < 0) return c;
    const ssize_t n = read_frame_from_tap(dev.fd, mem.translate_writable(s.data, s.len));
    if (n > 0) {
        c.ret = SKIFF_HC_OK;
        c.len = static_cast<uint32_t>(n);
    } else if (n == 0) {
        c.ret = SKIFF_HC_AGAIN;
    }
    return c;
}

void post(skiff_ring& ring, const skiff_ring_completion& c) {
    const uint32_t tail = shared(ring.com_tail).load(std::memory_order_relaxed);
    std::memcpy(&ring.com[tail & kSlotMask], &c, sizeof c);
    shared(ring.com_tail).store(tail + 1, std::memory_order_release);
}

void serve_entry(skiff_ring& ring, GuestMemory& mem, const RingDevices& devices, const skiff_ring_submission& s) {
    static const RingDevice none;
    const RingDevice& dev = s.handle < devices.size() ? devices[s.handle] : none;
    try {
        if (s.operation == SKIFF_RING_NET_WRITE) write_frame(mem, dev, s);
        if (s.operation == SKIFF_RING_NET_READ) post(ring, read_frame(mem, dev, s));
        // Unknown operations are skipped without a completion.
    } catch (const GuestFault& fault) {
        const char* op = s.operation == SKIFF_RING_NET_WRITE ? "NET_WRITE" : "NET_READ";
        throw GuestFault(std::string("net ring ") + op + ": " + fault.what());
    }
}

}  // namespace

skiff_ring& ring_in(GuestMemory& mem) {
    auto area = mem.reserved_area();
    if (area.size() < sizeof(skiff_ring)) throw std::logic_error("net ring: guest memory has no ring reservation");
    return *reinterpret_cast<skiff_ring*>(area.data());
}

bool ring_has_work(skiff_ring& ring) {
    return shared(ring.ent_head).load(std::memory_order_relaxed) !=
           shared(ring.ent_tail).load(std::memory_order_acquire);
}

uint32_t process_ring(skiff_ring& ring, GuestMemory& mem, const RingDevices& devices) {
    const uint32_t tail = shared(ring.ent_tail).load(std::memory_order_acquire);
    uint32_t head = shared(ring.ent_head).load(std::memory_order_relaxed);
    const uint32_t count = tail - head;  // free-running u32 counters: wrap-around is fine
    if (count > SKIFF_RING_SLOTS)
        throw GuestFault("net ring: ent_tail " + std::to_string(tail) + " is more than " +
                         std::to_string(SKIFF_RING_SLOTS) + " entries ahead of ent_head " + std::to_string(head));
    for (; head != tail; ++head) {
        skiff_ring_submission s;  // one copy: the guest may rewrite the slot meanwhile
        std::memcpy(&s, &ring.ent[head & kSlotMask], sizeof s);
        serve_entry(ring, mem, devices, s);
        shared(ring.ent_head).store(head + 1, std::memory_order_release);
    }
    return count;
}

NetRing::NetRing(GuestMemory& mem, const RingDevices& devices, UniqueFd kick, std::function<void()> on_error)
    : ring_(ring_in(mem)),
      mem_(mem),
      devices_(devices),
      kick_(std::move(kick)),
      on_error_(std::move(on_error)),
      thread_([this] { serve(); }) {
    // The thread must be past its start-up system calls (rseq, robust list) before the sandbox is
    // installed, or they would be refused.
    running_.wait(false);
}

NetRing::~NetRing() {
    stopping_.store(true);
    const uint64_t one = 1;
    (void)!::write(kick_.get(), &one, sizeof one);
    thread_.join();
}

void NetRing::rethrow_error() const {
    if (failed_.load(std::memory_order_acquire)) std::rethrow_exception(error_);
}

void NetRing::serve() noexcept {
    running_.store(true);
    running_.notify_one();
    try {
        for (;;) {
            const bool stop = wait_for_work();
            process_ring(ring_, mem_, devices_);  // on a stop too: frames queued before HALT go out
            if (stop) return;
        }
    } catch (...) {
        error_ = std::current_exception();
        failed_.store(true, std::memory_order_release);
        on_error_();
    }
}

bool NetRing::wait_for_work() {
    for (int i = 0; i < kSpinsBeforeSleep; ++i) {
        if (stopping_.load(std::memory_order_acquire)) return true;
        if (ring_has_work(ring_)) return false;
        __builtin_ia32_pause();
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

RingDevices ring_devices(const PollSet& poll, std::span<const skiff_manifest_entry> entries) {
    RingDevices devices;
    for (const PollSet::Source& s : poll.sources)
        devices.at(s.handle) = RingDevice{s.fd, uint32_t{entries[s.handle].u.net_basic.mtu} + kEthernetHeader};
    return devices;
}

std::unique_ptr<NetRing> start_net_ring(const Kvm& kvm, Vm& vm, KvmVcpu& vcpu, GuestMemory& mem,
                                        const RingDevices& devices) {
    if (mem.reserved_area().size() < sizeof(skiff_ring)) return nullptr;
    if (!kvm.has(KVM_CAP_IOEVENTFD) || !kvm.has(KVM_CAP_IMMEDIATE_EXIT)) return nullptr;
    UniqueFd kick(eventfd(0, EFD_CLOEXEC));
    if (!kick.valid() || !vm.add_pio_eventfd(SKIFF_RING_KICK_PORT, kick.get())) return nullptr;
    vcpu.enable_remote_exit();
    try {
        return std::make_unique<NetRing>(mem, devices, std::move(kick), [&vcpu] { vcpu.request_exit(); });
    } catch (const std::system_error&) {
        return nullptr;  // no thread: the hypercalls still work
    }
}

}  // namespace skiff
