// The module set's lifecycle over modules that record what happens to them: the order of the
// phases, and what stop() throws.
#include "modules/module_set.h"

#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "hypercall/poll.h"
#include "hypercall/table.h"
#include "manifest/manifest.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

// A module without devices that takes part in every run; `on_stop` is what its stop() does (its
// thread's last act, say).
class Recorder : public Module {
  public:
    Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
    const char* name() const override { return name_.c_str(); }
    std::vector<OptionSpec> options() const override { return {}; }
    bool configure(const ModuleRequest&) override { return true; }
    void open(OpenContext&) override { log_.push_back("open " + name_); }
    void stop() override {
        log_.push_back("stop " + name_);
        if (on_stop) on_stop();
    }
    std::function<void()> on_stop;

  private:
    std::string name_;
    std::vector<std::string>& log_;
};

class ModuleSetStop : public ::testing::Test {
  protected:
    void SetUp() override {
        ModuleList list;
        for (const char* name : {"first", "second"}) {
            auto m = std::make_unique<Recorder>(name, log);
            recorders.push_back(m.get());
            list.push_back(std::move(m));
        }
        modules.emplace(std::move(list));
        modules->configure("test.elf", Manifest{}, {});
        modules->open(OpenContext{memory, hypercalls, entries, poll, 0}, MemoryLayout{4 << 20, {}, 0});
    }
    // What the run loop does at an exit: throws what is pending.
    std::string thrown_by_check() {
        try {
            control.check();
        } catch (const std::exception& e) {
            return e.what();
        }
        return "nothing";
    }
    std::string thrown_by_stop() {
        try {
            modules->stop(control);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "nothing";
    }

    std::vector<std::string> log;
    std::vector<Recorder*> recorders;
    RunControl control;
    GuestMemory memory{4 << 20};
    HypercallTable hypercalls;
    std::vector<skiff_manifest_entry> entries;
    PollSet poll{control.wake_fd()};
    std::optional<ModuleSet> modules;
};

TEST_F(ModuleSetStop, StopsInReverseOrderOfOpening) {
    EXPECT_EQ(thrown_by_stop(), "nothing");
    EXPECT_EQ(log, (std::vector<std::string>{"open first", "open second", "stop second", "stop first"}));
}

// A module's thread that failed after the guest's last exit (the guest halted meanwhile) left its
// error with the run control only: stop() throws it, once every module has stopped.
TEST_F(ModuleSetStop, ThrowsAThreadsErrorTheRunNeverSaw) {
    recorders[1]->on_stop = [this] { control.fail(std::make_exception_ptr(GuestFault("net ring: bad entry"))); };
    EXPECT_EQ(thrown_by_stop(), "net ring: bad entry");
    EXPECT_EQ(log.back(), "stop first");
}

TEST_F(ModuleSetStop, DoesNotThrowAgainWhatTheRunLoopThrew) {
    control.fail(std::make_exception_ptr(HostError("block device 'disk': write failed")));
    EXPECT_EQ(thrown_by_check(), "block device 'disk': write failed");
    EXPECT_EQ(thrown_by_stop(), "nothing");
}

// The run ended for another reason first (a stop signal): the thread's error still comes out.
TEST_F(ModuleSetStop, ThrowsAThreadsErrorThatCameAfterAStop) {
    raise(SIGTERM);  // RunControl's handler: a pending stop, no error
    EXPECT_EQ(thrown_by_check(), "stopped by SIGTERM");
    EXPECT_EQ(thrown_by_stop(), "nothing") << "a stop signal alone is not an error";
    control.fail(std::make_exception_ptr(HostError("block device 'disk': write failed")));
    EXPECT_EQ(thrown_by_stop(), "block device 'disk': write failed");
}

// A module's own failure to stop wins over a thread's error, and every module is still stopped.
TEST_F(ModuleSetStop, AModulesFailureToStopComesFirst) {
    recorders[1]->on_stop = [] { throw HostError("block device 'disk': fdatasync failed"); };
    recorders[0]->on_stop = [this] { control.fail(std::make_exception_ptr(GuestFault("net ring: bad entry"))); };
    EXPECT_EQ(thrown_by_stop(), "block device 'disk': fdatasync failed");
    EXPECT_EQ(log.back(), "stop first");
}

}  // namespace
}  // namespace skiff
