// IPv4 subnets of taps against the host's own: a nic whose host_ip subnet overlaps one that another
// interface of this host already has would send the host's replies out of that interface (the
// guest then sees nothing, the host command "Destination Host Unreachable"), so such a suite is
// refused before any test runs.
#pragma once

#include "spec.h"

#include <string>
#include <vector>

namespace skiff::test {

// One IPv4 address of a host interface, with its prefix length.
struct InterfaceAddress {
    std::string interface;
    Ipv4Prefix address;
};

// The IPv4 addresses of this host's interfaces that are up (getifaddrs, i.e. netlink). Throws
// std::runtime_error when they cannot be read.
std::vector<InterfaceAddress> host_ipv4_addresses();

// True when the two subnets share an address (one contains the other).
bool subnets_overlap(const Ipv4Prefix& a, const Ipv4Prefix& b);

// "10.0.0.0/24": the subnet of an address; "10.0.0.5/24": the address as written.
std::string subnet_text(const Ipv4Prefix& prefix);
std::string address_text(const Ipv4Prefix& prefix);

// One line for every nic of `suite` whose host_ip subnet overlaps an address in `host`. The suite's
// tests run one after another (never two at once), so their nics may share subnets; the taps of one
// test are up together, and parse_suite() already refuses overlaps among them.
std::vector<std::string> subnet_collisions(const Suite& suite, const std::vector<InterfaceAddress>& host);

}  // namespace skiff::test
