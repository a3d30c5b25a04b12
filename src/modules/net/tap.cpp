#include "modules/net/tap.h"

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace skiff {
namespace {

ifreq interface_request(const std::string& name) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    return ifr;
}

}  // namespace

void Tap::write_frame(std::span<const uint8_t> frame) const {
    ssize_t n;
    do n = ::write(fd.get(), frame.data(), frame.size());
    while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(frame.size()))
        throw HostError(errno_message(label + ": writing a frame failed", n < 0 ? errno : EIO));
}

size_t Tap::read_frame(std::span<uint8_t> buffer) const {
    ssize_t n;
    do n = ::read(fd.get(), buffer.data(), buffer.size());
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return 0;
    if (n < 0) throw HostError(errno_message(label + ": reading a frame failed", errno));
    return size_t(n);
}

namespace {

// The MTU of `interface`, and no aggregated frames larger than it (best effort: not every
// interface lets GRO/GSO be turned off).
uint16_t mtu_of(const std::string& what, const std::string& interface) {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr = interface_request(interface);
    if (!sock.valid() || ioctl(sock.get(), SIOCGIFMTU, &ifr) != 0)
        throw UsageError(errno_message(what + ": cannot read the MTU of " + interface, errno));
    const auto mtu = static_cast<uint16_t>(ifr.ifr_mtu);
    for (uint32_t cmd : {ETHTOOL_SGRO, ETHTOOL_SGSO}) {
        ethtool_value off{cmd, 0};
        ifr = interface_request(interface);
        ifr.ifr_data = reinterpret_cast<char*>(&off);
        ioctl(sock.get(), SIOCETHTOOL, &ifr);
    }
    return mtu;
}

}  // namespace

Tap adopt_tap_fd(const std::string& device, int fd) {
    const std::string what = "net device '" + device + "': fd " + std::to_string(fd);
    struct stat st;
    if (fstat(fd, &st) != 0) throw UsageError(what + " is not open (--net:" + device + "=@" + std::to_string(fd) + ")");
    ifreq ifr{};
    if (ioctl(fd, TUNGETIFF, &ifr) != 0) throw UsageError(what + " is not a tap (it answers no TUNGETIFF)");
    const std::string interface(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
    if (!(ifr.ifr_flags & IFF_TAP)) throw UsageError(what + " is a tun (" + interface + "), not a tap");
    if (!(ifr.ifr_flags & IFF_NO_PI) || (ifr.ifr_flags & IFF_VNET_HDR))
        throw UsageError(what + " (" + interface +
                         ") carries packet information or vnet headers: open it with IFF_TAP | IFF_NO_PI only");
    int on = 1;
    if (ioctl(fd, FIONBIO, &on) != 0) throw UsageError(errno_message(what + ": cannot make it non-blocking", errno));
    Tap tap;
    tap.fd.reset(fd);
    tap.mtu = mtu_of("net device '" + device + "'", interface);
    tap.label = "net device '" + device + "' (tap " + interface + ", fd " + std::to_string(fd) + ")";
    return tap;
}

Tap open_tap(const std::string& device, const std::string& interface) {
    const std::string what = "net device '" + device + "'";
    if (if_nametoindex(interface.c_str()) == 0)
        throw UsageError(what + ": no interface " + interface + " (create it first: ip tuntap add " + interface +
                         " mode tap)");
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr = interface_request(interface);
    if (!sock.valid() || ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
        throw UsageError(errno_message(what + ": cannot query " + interface, errno));
    // Only tun/tap interfaces have tun_flags; anything else (eth0, a bridge) cannot carry a guest.
    const std::string sysfs = "/sys/class/net/" + interface;
    if (access(sysfs.c_str(), F_OK) == 0 && access((sysfs + "/tun_flags").c_str(), F_OK) != 0)
        throw UsageError(what + ": " + interface +
                         " is not a tap interface (create one: ip tuntap add tap0 mode tap; " +
                         "ip link set tap0 up; then --net:" + device + "=tap0)");
    if (!(ifr.ifr_flags & (IFF_UP | IFF_RUNNING)))
        throw UsageError(what + ": interface " + interface + " is down (bring it up: ip link set " + interface +
                         " up)");
    Tap tap;
    tap.mtu = mtu_of(what, interface);
    tap.label = what + " (tap " + interface + ")";

    tap.fd.reset(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!tap.fd.valid()) throw UsageError(errno_message(what + ": cannot open /dev/net/tun", errno));
    ifr = interface_request(interface);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(tap.fd.get(), TUNSETIFF, &ifr) != 0) {
        if (errno == EBUSY)
            throw UsageError(what + ": tap " + interface + " is in use by another process (a tap serves one guest)");
        if (errno == EPERM)
            throw UsageError(what + ": not permitted to attach to tap " + interface +
                             " (create it for this user: ip tuntap add " + interface + " mode tap user $USER)");
        if (errno == EINVAL)
            throw UsageError(what + ": " + interface + " is a tun interface, not a tap (ip tuntap add " + interface +
                             " mode tap)");
        throw UsageError(errno_message(what + ": cannot attach to " + interface, errno));
    }
    if (interface != ifr.ifr_name)
        throw UsageError(what + ": attached to " + ifr.ifr_name + " instead of " + interface);
    return tap;
}

}  // namespace skiff
