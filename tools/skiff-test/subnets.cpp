#include "subnets.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace skiff::test {
namespace {

std::uint32_t mask_of(int prefix) {
    return prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix);
}

std::string dotted(std::uint32_t address) {
    in_addr raw{};
    raw.s_addr = htonl(address);
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &raw, text, sizeof text);
    return text;
}

int prefix_length(std::uint32_t mask) {
    int length = 0;
    while (length < 32 && (mask & (std::uint32_t(1) << (31 - length)))) ++length;
    return length;
}

}  // namespace

std::vector<InterfaceAddress> host_ipv4_addresses() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        throw std::runtime_error(std::string("cannot read this host's IPv4 addresses: ") + std::strerror(errno));
    std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> owner(list, ::freeifaddrs);
    std::vector<InterfaceAddress> found;
    for (const ifaddrs* entry = list; entry; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET || !(entry->ifa_flags & IFF_UP)) continue;
        sockaddr_in address{}, netmask{};
        std::memcpy(&address, entry->ifa_addr, sizeof address);
        if (entry->ifa_netmask) std::memcpy(&netmask, entry->ifa_netmask, sizeof netmask);
        found.push_back(
            {entry->ifa_name, Ipv4Prefix{ntohl(address.sin_addr.s_addr),
                                         entry->ifa_netmask ? prefix_length(ntohl(netmask.sin_addr.s_addr)) : 32}});
    }
    return found;
}

bool subnets_overlap(const Ipv4Prefix& a, const Ipv4Prefix& b) {
    const std::uint32_t mask = mask_of(std::min(a.prefix, b.prefix));
    return (a.address & mask) == (b.address & mask);
}

std::string subnet_text(const Ipv4Prefix& prefix) {
    return dotted(prefix.address & mask_of(prefix.prefix)) + "/" + std::to_string(prefix.prefix);
}

std::string address_text(const Ipv4Prefix& prefix) {
    return dotted(prefix.address) + "/" + std::to_string(prefix.prefix);
}

std::vector<std::string> subnet_collisions(const Suite& suite, const std::vector<InterfaceAddress>& host) {
    std::vector<std::string> problems;
    for (const auto& test : suite.tests)
        for (const auto& nic : test.nics) {
            if (!nic.host_ip) continue;
            auto wanted = parse_ipv4_prefix(*nic.host_ip);
            if (!wanted) continue;  // parse_suite refused it already
            for (const auto& other : host) {
                if (!subnets_overlap(*wanted, other.address)) continue;
                problems.push_back("test \"" + test.name + "\": nic \"" + nic.name + "\": host_ip " + *nic.host_ip +
                                   " (subnet " + subnet_text(*wanted) + ") collides with " +
                                   subnet_text(other.address) + " on this host's interface " + other.interface + " (" +
                                   address_text(other.address) + "); choose another host_ip");
                break;
            }
        }
    return problems;
}

}  // namespace skiff::test
