#include "fixtures.h"

#include "common/unique_fd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

namespace skiff::test {
namespace {

namespace fs = std::filesystem;

std::string errno_text() {
    return std::strerror(errno);
}

ifreq request_for(const std::string& name) {
    ifreq request{};
    name.copy(request.ifr_name, IFNAMSIZ - 1);  // zero-initialised above, so NUL-terminated
    return request;
}

// An AF_INET socket: the handle for the SIOCSIF* and bridge ioctls.
UniqueFd control_socket() {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw std::runtime_error("socket(AF_INET): " + errno_text());
    return fd;
}

void interface_ioctl(const std::string& name, unsigned long op, ifreq& request, const char* what) {
    UniqueFd sock = control_socket();
    if (::ioctl(sock.get(), op, &request) != 0) throw std::runtime_error(name + ": " + what + ": " + errno_text());
}

void set_up(const std::string& name, bool up) {
    ifreq request = request_for(name);
    interface_ioctl(name, SIOCGIFFLAGS, request, "reading flags");
    if (up)
        request.ifr_flags = short(request.ifr_flags | IFF_UP);
    else
        request.ifr_flags = short(request.ifr_flags & ~IFF_UP);
    interface_ioctl(name, SIOCSIFFLAGS, request, up ? "bringing up" : "bringing down");
}

void set_ipv4(const std::string& name, const std::string& host_ip) {
    auto prefix = parse_ipv4_prefix(host_ip);
    if (!prefix) throw std::runtime_error(name + ": bad host_ip " + host_ip);
    auto set = [&](unsigned long op, std::uint32_t value, const char* what) {
        ifreq request = request_for(name);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(value);
        std::memcpy(&request.ifr_addr, &address, sizeof address);
        interface_ioctl(name, op, request, what);
    };
    std::uint32_t mask = prefix->prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix->prefix);
    set(SIOCSIFADDR, prefix->address, ("setting address " + host_ip).c_str());
    set(SIOCSIFNETMASK, mask, "setting netmask");
}

void set_mtu(const std::string& name, int mtu) {
    ifreq request = request_for(name);
    request.ifr_mtu = mtu;
    interface_ioctl(name, SIOCSIFMTU, request, ("setting mtu " + std::to_string(mtu)).c_str());
}

UniqueFd open_tun() {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!fd.valid()) throw std::runtime_error("/dev/net/tun: " + errno_text());
    return fd;
}

// Takes the persistent tap `name` away; system calls only, so it also works from a crash handler.
void delete_tap(const std::string& name) {
    UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    ifreq request = request_for(name);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (tun.valid() && ::ioctl(tun.get(), TUNSETIFF, &request) == 0) ::ioctl(tun.get(), TUNSETPERSIST, 0);
}

void delete_bridge(const std::string& name) {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request = request_for(name);
    ::ioctl(sock.get(), SIOCGIFFLAGS, &request);
    request.ifr_flags = short(request.ifr_flags & ~IFF_UP);
    ::ioctl(sock.get(), SIOCSIFFLAGS, &request);
    ::ioctl(sock.get(), SIOCBRDELBR, name.c_str());
}

}  // namespace

fs::path create_disk_file(const fs::path& dir, const DiskSpec& disk) {
    fs::path file = dir / ("disk-" + disk.name + ".img");
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid() || ::ftruncate(fd.get(), off_t(disk.size)) != 0)
        throw std::runtime_error(file.string() + ": cannot create disk \"" + disk.name + "\": " + errno_text());
    return file;
}

TapDevice::TapDevice(const NicSpec& nic) {
    UniqueFd tun = open_tun();
    // skt<pid>t<n>: the kernel picks n, the pid keeps runs that share a host (ctest -j) apart.
    ifreq request = request_for("skt" + std::to_string(::getpid()) + "t%d");
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(tun.get(), TUNSETIFF, &request) != 0)
        throw std::runtime_error("tap for nic \"" + nic.name + "\": TUNSETIFF: " + errno_text());
    if (::ioctl(tun.get(), TUNSETPERSIST, 1) != 0)
        throw std::runtime_error(std::string(request.ifr_name) + ": TUNSETPERSIST: " + errno_text());
    name_ = request.ifr_name;
    on_crash_ = std::make_unique<tools::EmergencyCleanup>([name = name_] { delete_tap(name); });
    try {
        if (nic.mtu) set_mtu(name_, *nic.mtu);
        if (nic.host_ip) set_ipv4(name_, *nic.host_ip);
        set_up(name_, true);
    } catch (...) {
        remove();
        throw;
    }
}

TapDevice::~TapDevice() {
    remove();
}

void TapDevice::remove() {
    if (name_.empty()) return;
    delete_tap(name_);  // the device may already be gone: nothing else to do then
    on_crash_.reset();
    name_.clear();
}

Bridge::Bridge() : name_("sktbr" + std::to_string(::getpid())) {
    UniqueFd sock = control_socket();
    if (::ioctl(sock.get(), SIOCBRADDBR, name_.c_str()) != 0)
        throw std::runtime_error(name_ + ": cannot create bridge: " + errno_text());
    on_crash_ = std::make_unique<tools::EmergencyCleanup>([name = name_] { delete_bridge(name); });
    set_up(name_, true);
}

Bridge::~Bridge() {
    delete_bridge(name_);
}

void Bridge::add(const TapDevice& tap) {
    ifreq lookup = request_for(tap.name());
    interface_ioctl(tap.name(), SIOCGIFINDEX, lookup, "looking up its index");
    ifreq request = request_for(name_);
    request.ifr_ifindex = lookup.ifr_ifindex;
    interface_ioctl(name_, SIOCBRADDIF, request, ("adding " + tap.name()).c_str());
}

// kvm-pvm, a software hypervisor some clouds offer as /dev/kvm, stops guests at their first MXCSR-using
// SSE instruction with an internal error; real KVM (and the emulated backend) runs them.
std::string sse_missing() {
    if (access("/sys/module/kvm_pvm", F_OK) == 0)
        return "this host's /dev/kvm is kvm-pvm, which cannot run guest SSE arithmetic (use --kvm=emulated)";
    return "";
}

std::string missing_capability(const std::string& requirement) {
    static std::map<std::string, std::string> known;  // probed once per run
    if (auto it = known.find(requirement); it != known.end()) return it->second;
    std::string why;
    try {
        if (requirement == "net")
            TapDevice probe(NicSpec{"probe", {}, {}});
        else if (requirement == "bridge")
            Bridge probe;
        else if (requirement == "sse")
            why = sse_missing();
        else
            why = "unknown capability " + requirement;
    } catch (const std::exception& e) {
        why = std::string("cannot ") + (requirement == "net" ? "create tap devices" : "create bridges") + " here (" +
              e.what() + ")";
    }
    return known[requirement] = why;
}

}  // namespace skiff::test
