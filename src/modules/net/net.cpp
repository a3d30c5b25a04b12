// The net module: NET_BASIC devices backed by existing Linux tap interfaces, served by the
// NET_WRITE/NET_READ hypercalls and, where KVM allows, by a shared ring on an I/O thread.
#include <net/if.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "common/error.h"
#include "modules/device_table.h"
#include "modules/module.h"
#include "modules/net/ring.h"
#include "modules/net/tap.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/hypercall.h"
#include "vcpu/kvm_vcpu.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

using Mac = std::array<uint8_t, 6>;

std::optional<Mac> parse_mac(const std::string& text) {
    Mac mac;
    unsigned int b[6];
    char tail;
    if (text.size() != 17 ||
        std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return std::nullopt;
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(b[i]);
    return mac;
}

// A random unicast, locally administered address.
Mac random_mac() {
    Mac mac;
    if (getrandom(mac.data(), mac.size(), 0) != static_cast<ssize_t>(mac.size()))
        throw SetupError(errno_message("cannot generate a MAC address", errno));
    mac[0] = static_cast<uint8_t>((mac[0] & ~1u) | 2u);
    return mac;
}

// One net device as the operator configured it.
struct NicConfig {
    Device device;
    std::string interface;
    std::optional<Mac> mac;  // none (or all zero): random
    int fd;                  // --net:NAME=@FD: a tap the parent opened; -1 for a named interface
};

// "7" → 7; anything that is no small non-negative number → -1.
int parse_fd(const std::string& text) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(text);
}

class NetModule final : public Module {
  public:
    const char* name() const override { return "net"; }
    std::optional<DeviceType> device_type() const override { return DeviceType::Net; }
    std::vector<OptionSpec> options() const override {
        return {{"net", "TAP",
                 "Connect net device NAME to the existing tap interface TAP, or to the tap fd N "
                 "the parent passed (TAP = @N)"},
                {"net-mac", "MAC", "MAC address of net device NAME (default: random, locally administered)"}};
    }

    bool configure(const ModuleRequest& request) override {
        for (const DeviceBinding& b : request.devices) {
            NicConfig nic{b.device, *b.value("net"), std::nullopt, -1};
            if (nic.interface.starts_with("@")) {
                nic.fd = parse_fd(nic.interface.substr(1));
                if (nic.fd < 0)
                    throw UsageError("--net:" + b.device.name + "=" + nic.interface +
                                     ": not a file descriptor (want @N, N a number)");
            } else if (nic.interface.empty() || nic.interface.size() >= IFNAMSIZ ||
                       nic.interface.find_first_of("/ %") != std::string::npos) {
                throw UsageError("--net:" + b.device.name + "=" + nic.interface + ": not a valid interface name");
            }
            if (const std::string* mac = b.value("net-mac")) {
                nic.mac = parse_mac(*mac);
                if (!nic.mac)
                    throw UsageError("--net-mac:" + b.device.name + "=" + *mac +
                                     ": malformed MAC address (want HH:HH:HH:HH:HH:HH)");
                if ((*nic.mac)[0] & 1)
                    throw UsageError("--net-mac:" + b.device.name + "=" + *mac +
                                     ": a multicast address (odd first octet); a NIC needs a unicast one, such as "
                                     "02:00:00:00:00:01");
                if (*nic.mac == Mac{})
                    throw UsageError("--net-mac:" + b.device.name + "=" + *mac +
                                     ": the all-zero address is no address");
            }
            for (const NicConfig& other : nics_)
                if (nic.fd >= 0 && other.fd == nic.fd)
                    throw UsageError("--net:" + b.device.name + "=@" + std::to_string(nic.fd) + ": fd " +
                                     std::to_string(nic.fd) + " is already net device '" + other.device.name + "'");
            nics_.push_back(std::move(nic));
        }
        return !nics_.empty();
    }

    // Every declared NIC is attached, so the ring's room is reserved whenever there is one
    // (docs/guest-abi.md §3), even if ring I/O ends up inactive.
    uint64_t reservation() const override { return SKIFF_RING_RESERVATION; }

    void open(OpenContext& ctx) override {
        ring_gpa_ = ctx.reservation;
        for (const NicConfig& nic : nics_) {
            Tap& tap = taps_.add(nic.device.handle, nic.fd >= 0 ? adopt_tap_fd(nic.device.name, nic.fd)
                                                                : open_tap(nic.device.name, nic.interface));
            Mac mac = nic.mac.value_or(Mac{});
            if (mac == Mac{}) mac = random_mac();
            skiff_manifest_entry& e = ctx.entries[nic.device.handle];
            std::memcpy(e.u.net_basic.mac, mac.data(), mac.size());
            e.u.net_basic.mtu = tap.mtu;
            e.attached = 1;
            ctx.poll.add(nic.device.handle, tap.fd.get(), tap.label);
        }
        ctx.hypercalls.add(SKIFF_HC_NET_WRITE, [this, &mem = ctx.memory](uint64_t gpa) { write_frame(mem, gpa); });
        ctx.hypercalls.add(SKIFF_HC_NET_READ, [this, &mem = ctx.memory](uint64_t gpa) { read_frame(mem, gpa); });
    }

    void start(StartContext& ctx) override {
        auto area = ctx.memory.reservation(ring_gpa_, SKIFF_RING_RESERVATION);
        ring_ = NetRing::start(ctx.kvm, ctx.vm, ctx.memory, area, taps_, ctx.control);
        if (!ring_) return;
        ctx.features.host_features |= SKIFF_HOST_FEATURE_RING_IO;
        ctx.features.net_ring = ring_gpa_;
    }

    void allow(SandboxPolicy& policy) const override {
        taps_.for_each([&](const Tap& tap) {
            policy.vcpu_thread().allow_on_fd(SCMP_SYS(read), tap.fd.get(), "NET_READ");
            policy.vcpu_thread().allow_on_fd(SCMP_SYS(write), tap.fd.get(), "NET_WRITE");
        });
        if (ring_) ring_->allow(policy);
    }

    void stop() override {
        if (ring_) ring_->stop();
    }

  private:
    void write_frame(GuestMemory& mem, uint64_t gpa) {
        auto call = mem.read_for_update<skiff_hc_net_io>(gpa);
        const Tap& tap = taps_.at(call.handle);
        if (!tap.accepts(call.len)) {
            call.ret = SKIFF_HC_EINVAL;  // a whole Ethernet header, at most mtu + 14 bytes
            mem.write(gpa, call);
            return;
        }
        tap.write_frame(mem.translate(call.data, call.len));
        call.ret = SKIFF_HC_OK;
        mem.write(gpa, call);
    }

    void read_frame(GuestMemory& mem, uint64_t gpa) {
        auto call = mem.read_for_update<skiff_hc_net_io>(gpa);
        const Tap& tap = taps_.at(call.handle);
        const size_t n = tap.read_frame(mem.translate_writable(call.data, call.len));
        if (n == 0) {
            call.ret = SKIFF_HC_AGAIN;
        } else {
            call.len = n;
            call.ret = SKIFF_HC_OK;
        }
        mem.write(gpa, call);
    }

    std::vector<NicConfig> nics_;
    Taps taps_{"net"};
    uint64_t ring_gpa_ = 0;
    std::unique_ptr<NetRing> ring_;  // after taps_: it reads them until stopped
};

}  // namespace

std::unique_ptr<Module> make_net_module() {
    return std::make_unique<NetModule>();
}

}  // namespace skiff
