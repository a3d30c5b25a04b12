// A nic's host_ip against the subnets this host's interfaces already have.
#include "subnets.h"

#include <gtest/gtest.h>

#include <net/if.h>

namespace {

using skiff::test::InterfaceAddress;
using skiff::test::Ipv4Prefix;
using skiff::test::parse_ipv4_prefix;
using skiff::test::subnet_collisions;
using skiff::test::subnets_overlap;

Ipv4Prefix prefix(const char* text) {
    return parse_ipv4_prefix(text).value();
}

skiff::test::Suite suite_with_nics(const std::string& json) {
    return skiff::test::parse_suite(
        R"({"version": 1, "tests": [{"name": "ping", "image": "x.elf", "exit_code": 0, "nics": )" + json + "}]}",
        "t.json");
}

TEST(SkiffTestSubnets, OverlapWhenOneContainsTheOther) {
    EXPECT_TRUE(subnets_overlap(prefix("10.0.0.1/24"), prefix("10.0.0.5/24")));
    EXPECT_TRUE(subnets_overlap(prefix("10.0.0.1/24"), prefix("10.0.0.0/8")));
    EXPECT_TRUE(subnets_overlap(prefix("10.0.0.0/8"), prefix("10.0.0.1/24")));
    EXPECT_TRUE(subnets_overlap(prefix("10.0.0.1/24"), prefix("10.0.0.200/32")));
    EXPECT_TRUE(subnets_overlap(prefix("192.168.1.1/0"), prefix("10.0.0.1/24")));
    EXPECT_FALSE(subnets_overlap(prefix("10.0.0.1/24"), prefix("10.0.1.1/24")));
    EXPECT_FALSE(subnets_overlap(prefix("10.0.0.1/25"), prefix("10.0.0.129/25")));
}

TEST(SkiffTestSubnets, NamesTheInterfaceAndTheSubnet) {
    const std::vector<InterfaceAddress> host = {{"lo", prefix("127.0.0.1/8")}, {"eth0", prefix("10.0.0.5/24")}};
    auto problems = subnet_collisions(suite_with_nics(R"([{"name": "service0", "host_ip": "10.0.0.1/24"}])"), host);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0],
              "test \"ping\": nic \"service0\": host_ip 10.0.0.1/24 (subnet 10.0.0.0/24) collides with 10.0.0.0/24 "
              "on this host's interface eth0 (10.0.0.5/24); choose another host_ip");
}

TEST(SkiffTestSubnets, OtherSubnetsAndNicsWithoutAddressPass) {
    const std::vector<InterfaceAddress> host = {{"lo", prefix("127.0.0.1/8")}, {"eth0", prefix("10.0.0.5/24")}};
    EXPECT_TRUE(subnet_collisions(suite_with_nics(R"([{"name": "a", "host_ip": "10.0.1.1/24"}, {"name": "b"}])"), host)
                    .empty());
    EXPECT_TRUE(subnet_collisions(suite_with_nics(R"([{"name": "a", "host_ip": "10.0.0.1/24"}])"), {}).empty());
}

TEST(SkiffTestSubnets, TestsOfOneRunMayShareASubnet) {
    // They run one after another: each test's taps are gone before the next test's are made.
    auto suite = skiff::test::parse_suite(R"({"version": 1, "tests": [
        {"name": "a", "image": "x.elf", "exit_code": 0, "nics": [{"name": "n", "host_ip": "10.9.0.1/24"}]},
        {"name": "b", "image": "x.elf", "exit_code": 0, "nics": [{"name": "n", "host_ip": "10.9.0.1/24"}]}]})",
                                          "t.json");
    EXPECT_TRUE(subnet_collisions(suite, {{"eth0", prefix("10.0.0.5/24")}}).empty());
}

TEST(SkiffTestSubnets, ReadsThisHostsAddresses) {
    // Whatever this host has, every entry is a valid up interface with a prefix length.
    for (const auto& address : skiff::test::host_ipv4_addresses()) {
        EXPECT_FALSE(address.interface.empty());
        EXPECT_LE(address.address.prefix, 32);
        if (address.interface == "lo") {
            EXPECT_EQ(skiff::test::subnet_text(address.address), "127.0.0.0/8");
        }
    }
}

TEST(SkiffTestSubnets, WritesSubnetsAndAddresses) {
    EXPECT_EQ(skiff::test::subnet_text(prefix("10.0.0.5/24")), "10.0.0.0/24");
    EXPECT_EQ(skiff::test::address_text(prefix("10.0.0.5/24")), "10.0.0.5/24");
    EXPECT_EQ(skiff::test::subnet_text(prefix("10.1.2.3/0")), "0.0.0.0/0");
}

}  // namespace
