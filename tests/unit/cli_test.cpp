#include "cli/options.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace skiff {
namespace {

class CommandLine : public ::testing::Test {
  protected:
    Options parse(std::vector<const char*> args) {
        args.insert(args.begin(), "skiff");
        auto o = parse_command_line(static_cast<int>(args.size()), args.data(), modules);
        EXPECT_TRUE(o.has_value());
        return o.value_or(Options{});
    }
    std::string error_of(std::vector<const char*> args) {
        try {
            parse(std::move(args));
        } catch (const UsageError& e) {
            return e.what();
        }
        return "accepted";
    }
    ModuleList modules = compiled_modules();
};

TEST_F(CommandLine, ImageAloneGetsDefaults) {
    Options o = parse({"hello.elf"});
    EXPECT_EQ(o.unikernel, "hello.elf");
    EXPECT_EQ(o.mem_mib, 512u);
    EXPECT_TRUE(o.guest_args.empty());
    EXPECT_TRUE(o.sandbox);
}

TEST_F(CommandLine, EverythingAfterTheImageIsForTheGuest) {
    Options o = parse({"--mem=64", "hello.elf", "--mem=1", "-x", "a b"});
    EXPECT_EQ(o.mem_mib, 64u);
    EXPECT_EQ(o.guest_args, (std::vector<std::string>{"--mem=1", "-x", "a b"}));
    EXPECT_EQ(guest_command_line(o), "--mem=1 -x a b");
}

// urunc's older form passes `KERNEL "" "" WORDS`: empty arguments are kept and joined as Solo5
// joins them, one space between every two.
TEST_F(CommandLine, EmptyGuestArgumentsAreKept) {
    Options o = parse({"--mem", "64", "hello.elf", "", "", "Hello", "skiff"});
    EXPECT_EQ(o.mem_mib, 64u);
    EXPECT_EQ(o.guest_args, (std::vector<std::string>{"", "", "Hello", "skiff"}));
    EXPECT_EQ(guest_command_line(o), "  Hello skiff");
}

TEST_F(CommandLine, SpaceSeparatedOptionValuesAreNotTheImage) {
    Options o = parse({"--net", "service=tap0", "--mem", "8", "hello.elf"});
    EXPECT_EQ(o.unikernel, "hello.elf");
    ASSERT_EQ(o.module_options.size(), 1u);
    EXPECT_EQ(o.module_options[0].value, "tap0");
}

TEST_F(CommandLine, DoubleDashSeparatesImageAndGuestArguments) {
    EXPECT_EQ(parse({"--", "hello.elf", "x"}).guest_args, std::vector<std::string>{"x"});
    EXPECT_EQ(parse({"hello.elf", "--", "--solo5:quiet"}).guest_args, std::vector<std::string>{"--solo5:quiet"});
}

#if defined(SKIFF_MODULE_NET) && defined(SKIFF_MODULE_BLOCK)
TEST_F(CommandLine, Solo5StyleDeviceOptions) {
    Options o =
        parse({"--net:service=tap0", "--block:disk=/tmp/d.img", "--net-mac:service=02:00:00:00:00:01", "hello.elf"});
    ASSERT_EQ(o.module_options.size(), 3u);
    EXPECT_EQ(o.module_options[0].flag, "net");
    EXPECT_EQ(o.module_options[0].device, "service");
    EXPECT_EQ(o.module_options[0].value, "tap0");
    EXPECT_EQ(o.module_options[2].flag, "block");
    EXPECT_EQ(o.module_options[2].value, "/tmp/d.img");
}

TEST_F(CommandLine, SpaceSeparatedDeviceOptions) {
    Options o = parse({"--block", "disk=a=b.img", "hello.elf", "arg"});
    ASSERT_EQ(o.module_options.size(), 1u);
    EXPECT_EQ(o.module_options[0].device, "disk");
    EXPECT_EQ(o.module_options[0].value, "a=b.img");
    EXPECT_EQ(o.guest_args, std::vector<std::string>{"arg"});
}

TEST_F(CommandLine, DeviceOptionWithoutNameIsRefused) {
    EXPECT_EQ(error_of({"--net", "tap0", "hello.elf"}), "--net:tap0: expected --net:NAME=VALUE");
}
#endif

TEST_F(CommandLine, UnknownModuleOptionIsRefused) {
    EXPECT_EQ(error_of({"--gpu:x=y", "hello.elf"}), "unknown option --gpu:x (see --help)");
}

TEST_F(CommandLine, MissingImageIsRefused) {
    EXPECT_EQ(error_of({"--mem=32"}), "missing UNIKERNEL operand (see --help)");
}

TEST_F(CommandLine, MemoryOutOfRangeIsRefused) {
    EXPECT_NE(error_of({"--mem=0", "hello.elf"}).find("--mem"), std::string::npos);
    EXPECT_NE(error_of({"--mem=5000", "hello.elf"}).find("--mem"), std::string::npos);
    EXPECT_NE(error_of({"--mem=lots", "hello.elf"}).find("--mem"), std::string::npos);
}

TEST_F(CommandLine, NoSandboxTurnsTheSandboxOff) {
    EXPECT_FALSE(parse({"--no-sandbox", "hello.elf"}).sandbox);
}

TEST_F(CommandLine, CpuModelInEitherForm) {
    EXPECT_FALSE(parse({"hello.elf"}).host_cpu);
    EXPECT_TRUE(parse({"--cpu=host", "hello.elf"}).host_cpu);
    EXPECT_TRUE(parse({"--cpu", "host", "hello.elf"}).host_cpu);
    EXPECT_FALSE(parse({"--cpu=minimal", "--mem=8", "hello.elf"}).host_cpu);
    EXPECT_EQ(error_of({"--cpu=fast", "hello.elf"}), "--cpu=fast: the guest CPU is 'minimal' (default) or 'host'");
}

TEST_F(CommandLine, DumpManifestAndGuestArguments) {
    const Options o = parse({"--dump-manifest", "hello.elf", "--dump-manifest"});
    EXPECT_TRUE(o.dump_manifest);
    EXPECT_EQ(o.guest_args, std::vector<std::string>{"--dump-manifest"});
    EXPECT_FALSE(parse({"hello.elf", "--dump-manifest"}).dump_manifest);
}

// The parser is given only the options a command line names: a misspelt one is still refused.
TEST_F(CommandLine, UnknownOptionIsRefused) {
    EXPECT_EQ(error_of({"--memory=32", "hello.elf"}), "unknown option --memory=32 (see --help)");
    EXPECT_EQ(error_of({"--mem=32", "--sandbox", "hello.elf"}), "unknown option --sandbox (see --help)");
}

TEST_F(CommandLine, HelpAndVersionReturnNothingToRun) {
    const char* help[] = {"skiff", "--help"};
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse_command_line(2, help, modules).has_value());
    const std::string text = testing::internal::GetCapturedStdout();
    EXPECT_NE(text.find("Usage: skiff [OPTIONS] UNIKERNEL [--] [GUEST ARGS...]\n"), std::string::npos);
    EXPECT_EQ(text.find("{false}"), std::string::npos);
    EXPECT_NE(text.find("Modules compiled in:"), std::string::npos);
    EXPECT_NE(text.find("253    guest fault"), std::string::npos);
    const char* version[] = {"skiff", "--version"};
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse_command_line(2, version, modules).has_value());
    EXPECT_NE(testing::internal::GetCapturedStdout().find("skiff "), std::string::npos);
}

// The parser is given only the options a command line names, but help lists them all.
TEST_F(CommandLine, HelpListsEveryOption) {
    for (const char* flag : {"--help", "-h"}) {
        const char* argv[] = {"skiff", "--mem=64", flag};
        testing::internal::CaptureStdout();
        EXPECT_FALSE(parse_command_line(3, argv, modules).has_value());
        const std::string text = testing::internal::GetCapturedStdout();
        for (const char* core : {"-h,--help", "--version", "--mem", "--cpu", "--dump-manifest", "--no-sandbox"})
            EXPECT_NE(text.find(std::string("  ") + core + " "), std::string::npos) << flag << " " << core;
        size_t listed = 0;
        for (const auto& m : modules)
            for (const OptionSpec& o : m->options()) {
                EXPECT_NE(text.find("  --" + o.flag + " "), std::string::npos) << flag << " --" << o.flag;
                ++listed;
            }
        EXPECT_GT(listed, 0u);
    }
}

}  // namespace
}  // namespace skiff
