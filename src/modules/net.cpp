// The net module: NET_BASIC devices backed by existing Linux tap interfaces.
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/module.h"
#include "modules/registry.h"
#include "modules/tap_io.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"

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
        throw UsageError(errno_message("cannot generate a MAC address", errno));
    mac[0] = static_cast<uint8_t>((mac[0] & ~1u) | 2u);
    return mac;
}

ifreq interface_request(const std::string& tap) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, tap.c_str(), IFNAMSIZ - 1);
    return ifr;
}

struct Tap {
    UniqueFd fd;
    uint16_t mtu = 0;
};

// Opens the existing tap interface `tap` and reads its MTU; turns off GRO/GSO so no frame exceeds it.
Tap open_tap(const std::string& device, const std::string& tap) {
    const std::string what = "net device '" + device + "': ";
    if (if_nametoindex(tap.c_str()) == 0)
        throw UsageError(what + "no interface " + tap + " (create it first: ip tuntap add " + tap + " mode tap)");
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr = interface_request(tap);
    if (!sock.valid() || ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
        throw UsageError(errno_message(what + "cannot query " + tap, errno));
    if (!(ifr.ifr_flags & (IFF_UP | IFF_RUNNING))) throw UsageError(what + "interface " + tap + " is down");
    ifr = interface_request(tap);
    if (ioctl(sock.get(), SIOCGIFMTU, &ifr) != 0)
        throw UsageError(errno_message(what + "cannot read the MTU of " + tap, errno));
    Tap t;
    t.mtu = static_cast<uint16_t>(ifr.ifr_mtu);
    for (uint32_t cmd : {ETHTOOL_SGRO, ETHTOOL_SGSO}) {  // best effort: not every interface supports it
        ethtool_value off{cmd, 0};
        ifr = interface_request(tap);
        ifr.ifr_data = reinterpret_cast<char*>(&off);
        ioctl(sock.get(), SIOCETHTOOL, &ifr);
    }

    t.fd.reset(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!t.fd.valid()) throw UsageError(errno_message(what + "cannot open /dev/net/tun", errno));
    ifr = interface_request(tap);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(t.fd.get(), TUNSETIFF, &ifr) != 0)
        throw UsageError(errno_message(what + "cannot attach to " + tap, errno));
    if (tap != ifr.ifr_name) throw UsageError(what + "attached to " + ifr.ifr_name + " instead of " + tap);
    return t;
}

class NetModule final : public DeviceModule {
  public:
    const char* name() const override { return "net"; }
    DeviceType type() const override { return DeviceType::Net; }
    std::vector<OptionSpec> options() const override {
        return {{"net", "TAP", "Connect net device NAME to the existing tap interface TAP"},
                {"net-mac", "MAC", "MAC address of net device NAME (default: random, locally administered)"}};
    }

    void check(const DeviceBinding& b) const override {
        const std::string& tap = *b.value("net");
        if (tap.empty() || tap.size() >= IFNAMSIZ || tap.find_first_of("/ %") != std::string::npos)
            throw UsageError("--net:" + b.device.name + "=" + tap + ": not a valid interface name");
        if (const std::string* mac = b.value("net-mac"); mac && !parse_mac(*mac))
            throw UsageError("--net-mac:" + b.device.name + "=" + *mac +
                             ": malformed MAC address (want HH:HH:HH:HH:HH:HH)");
    }

    void attach(const std::vector<DeviceBinding>& bindings, AttachContext& ctx) override {
        for (const DeviceBinding& b : bindings) {
            Tap tap = open_tap(b.device.name, *b.value("net"));
            const std::string* mac_text = b.value("net-mac");
            Mac mac = mac_text ? *parse_mac(*mac_text) : Mac{};
            if (mac == Mac{}) mac = random_mac();
            skiff_manifest_entry& e = ctx.entries[b.device.handle];
            std::memcpy(e.u.net_basic.mac, mac.data(), mac.size());
            e.u.net_basic.mtu = tap.mtu;
            e.attached = 1;
            ctx.poll.sources.push_back({b.device.handle, tap.fd.get()});
            taps_[b.device.handle] = std::make_unique<Tap>(std::move(tap));
        }
        ctx.hypercalls.add(SKIFF_HC_NET_WRITE, [this, &mem = ctx.memory](uint64_t gpa) { write_frame(mem, gpa); });
        ctx.hypercalls.add(SKIFF_HC_NET_READ, [this, &mem = ctx.memory](uint64_t gpa) { read_frame(mem, gpa); });
    }

    void allow(SandboxPolicy& policy) const override {
        for (const auto& tap : taps_)
            if (tap) policy.allow_net_fd(tap->fd.get());
    }

  private:
    Tap& tap(uint64_t handle) {
        if (handle >= taps_.size() || !taps_[handle])
            throw GuestFault("handle " + std::to_string(handle) + " is not a net device");
        return *taps_[handle];
    }

    void write_frame(GuestMemory& mem, uint64_t gpa) {
        auto call = mem.read<skiff_hc_net_io>(gpa);
        Tap& t = tap(call.handle);
        if (call.len == 0 || call.len > t.mtu + kEthernetHeader) {
            call.ret = SKIFF_HC_EINVAL;  // the ABI's contract is len <= mtu + 14
            mem.write(gpa, call);
            return;
        }
        write_frame_to_tap(t.fd.get(), mem.translate(call.data, call.len), "net write");
        call.ret = SKIFF_HC_OK;
        mem.write(gpa, call);
    }

    void read_frame(GuestMemory& mem, uint64_t gpa) {
        auto call = mem.read<skiff_hc_net_io>(gpa);
        Tap& t = tap(call.handle);
        const ssize_t n = read_frame_from_tap(t.fd.get(), mem.translate_writable(call.data, call.len));
        if (n < 0) throw HostError(errno_message("net read: read from tap failed", errno));
        if (n == 0) {
            call.ret = SKIFF_HC_AGAIN;
        } else {
            call.len = uint64_t(n);
            call.ret = SKIFF_HC_OK;
        }
        mem.write(gpa, call);
    }

    std::array<std::unique_ptr<Tap>, SKIFF_MANIFEST_MAX_ENTRIES> taps_{};
};

}  // namespace

std::unique_ptr<DeviceModule> make_net_module() {
    return std::make_unique<NetModule>();
}

}  // namespace skiff
