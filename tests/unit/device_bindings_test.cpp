#include "modules/device_bindings.h"
#include "modules/module_set.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "module_test_support.h"

namespace skiff {
namespace {

#if defined(SKIFF_MODULE_NET) && defined(SKIFF_MODULE_BLOCK)

class DeviceBindings : public ::testing::Test {
  protected:
    // What ModuleSet::configure says: the binding rules, then each module's own checks.
    std::string error_of(const std::vector<ModuleOption>& options) {
        try {
            ModuleSet(compiled_modules()).configure("hello.elf", manifest, options);
        } catch (const UsageError& e) {
            return e.what();
        }
        return "accepted";
    }
    ModuleList modules = compiled_modules();
    Manifest manifest =
        test::manifest_of({{"service", DeviceType::Net}, {"admin", DeviceType::Net}, {"disk", DeviceType::Block}});
    std::vector<ModuleOption> all{{"net", "service", "tap0"}, {"net", "admin", "tap1"}, {"block", "disk", "disk.img"}};
};

TEST_F(DeviceBindings, GroupsBindingsByModule) {
    auto groups = bind_options("hello.elf", manifest, all, modules);
    ASSERT_EQ(groups.size(), modules.size());     // one per compiled module, in order
    for (size_t i = 2; i < groups.size(); ++i) {  // the debugging modules: no devices, no flags given
        EXPECT_TRUE(groups[i].request.devices.empty()) << groups[i].module->name();
        EXPECT_TRUE(groups[i].request.flags.empty()) << groups[i].module->name();
    }
    EXPECT_STREQ(groups[0].module->name(), "net");
    ASSERT_EQ(groups[0].request.devices.size(), 2u);
    EXPECT_EQ(groups[0].request.devices[1].device.handle, 2u);
    EXPECT_EQ(*groups[0].request.devices[1].value("net"), "tap1");
    EXPECT_STREQ(groups[1].module->name(), "block");
    EXPECT_EQ(groups[1].request.devices.size(), 1u);
}

TEST_F(DeviceBindings, AValidBindingIsAccepted) {
    EXPECT_EQ(error_of(all), "accepted");
}

TEST_F(DeviceBindings, MissingBindingNamesTheDeviceAndTheOption) {
    EXPECT_EQ(error_of({{"net", "admin", "tap1"}, {"block", "disk", "d.img"}}),
              "hello.elf declares net device 'service' but no --net:service=TAP was given");
}

TEST_F(DeviceBindings, UndeclaredNameIsRefused) {
    all.push_back({"net", "extra", "tap2"});
    EXPECT_EQ(error_of(all),
              "--net:extra: hello.elf declares no net device 'extra'" +
                  std::string(" (it declares net 'service', net 'admin', block 'disk'; --dump-manifest lists them)"));
}

TEST_F(DeviceBindings, BlockNameOnANetFlagIsRefused) {
    all.push_back({"net", "disk", "tap2"});
    EXPECT_EQ(error_of(all), "--net:disk: 'disk' is a block device in hello.elf, not a net device");
}

TEST_F(DeviceBindings, DuplicateBindingIsRefused) {
    all.push_back({"block", "disk", "other.img"});
    EXPECT_EQ(error_of(all), "--block:disk given twice");
}

TEST_F(DeviceBindings, OptionalOptionsNeedADeclaredDevice) {
    all.push_back({"net-mac", "nope", "02:00:00:00:00:01"});
    EXPECT_EQ(error_of(all),
              "--net-mac:nope: hello.elf declares no net device 'nope'" +
                  std::string(" (it declares net 'service', net 'admin', block 'disk'; --dump-manifest lists them)"));
}

TEST_F(DeviceBindings, MalformedMacIsRefused) {
    all.push_back({"net-mac", "service", "02:00:00:00:00"});
    EXPECT_EQ(error_of(all), "--net-mac:service=02:00:00:00:00: malformed MAC address (want HH:HH:HH:HH:HH:HH)");
}

TEST_F(DeviceBindings, OverlongTapNameIsRefused) {
    all[0].value = "a-very-long-tap-name";
    EXPECT_EQ(error_of(all), "--net:service=a-very-long-tap-name: not a valid interface name");
}

TEST_F(DeviceBindings, NothingDeclaredNothingBound) {
    manifest = test::manifest_of({});
    for (const ModuleRequests& group : bind_options("hello.elf", manifest, {}, modules))
        EXPECT_TRUE(group.request.devices.empty());
    EXPECT_EQ(error_of({{"block", "disk", "d.img"}}),
              "--block:disk: hello.elf declares no block device 'disk' (it declares no devices)");
}

TEST_F(DeviceBindings, SixtyThreeDevicesOfAnyMix) {
    std::vector<std::pair<std::string, DeviceType>> devices;
    std::vector<ModuleOption> options;
    for (int i = 0; i < 63; ++i) {
        const bool net = i % 2 == 0;
        devices.push_back({"dev" + std::to_string(i), net ? DeviceType::Net : DeviceType::Block});
        options.push_back(
            {net ? "net" : "block", "dev" + std::to_string(i), net ? "tap" + std::to_string(i) : "f.img"});
    }
    manifest = test::manifest_of(devices);
    auto groups = bind_options("hello.elf", manifest, options, modules);
    EXPECT_EQ(groups[0].request.devices.size() + groups[1].request.devices.size(), 63u);
    EXPECT_EQ(error_of(options), "accepted");
}

TEST_F(DeviceBindings, SameNameDifferentTypesBindSeparately) {
    manifest = test::manifest_of({{"x", DeviceType::Net}, {"x", DeviceType::Block}});
    auto groups = bind_options("hello.elf", manifest, {{"net", "x", "tap0"}, {"block", "x", "x.img"}}, modules);
    EXPECT_EQ(*groups[0].request.devices.at(0).value("net"), "tap0");
    EXPECT_EQ(*groups[1].request.devices.at(0).value("block"), "x.img");
}

TEST(DeviceBindingsWithoutModules, DeclaredTypeWithoutItsModuleIsRefused) {
    ModuleList none;
    Manifest m = test::manifest_of({{"service", DeviceType::Net}});
    try {
        bind_options("hello.elf", m, {}, none);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(),
                     "hello.elf declares net device 'service' but this skiff was built without the net module");
    }
}

#endif

}  // namespace
}  // namespace skiff
