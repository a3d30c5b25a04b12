// The dumpcore module: with --dumpcore=DIR, a guest that faults or aborts (HALT with status 255)
// leaves an ELF core file, DIR/core.skiff.PID, for `gdb GUEST.elf CORE`. The file is created
// unnamed (O_TMPFILE) in DIR before the sandbox, so under the sandbox skiff writes to that one fd
// and names it in that one directory; a run that ends well leaves nothing behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "arch/arch.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "modules/dumpcore/core_file.h"
#include "modules/module.h"
#include "sandbox/sandbox.h"
#include "vcpu/kvm_vcpu.h"

namespace skiff {
namespace {

// More runs than an ELF header counts (e_phnum is 16 bits): the core then holds all of memory.
constexpr size_t kMaxRuns = 60000;

class DumpcoreModule final : public Module, public RunObserver {
  public:
    const char* name() const override { return "dumpcore"; }
    std::vector<OptionSpec> options() const override {
        return {{"dumpcore", "DIR",
                 "Write a core file (core.skiff.PID) to DIR when the guest faults or aborts, for gdb", false}};
    }

    bool configure(const ModuleRequest& request) override {
        auto it = request.flags.find("dumpcore");
        if (it == request.flags.end()) return false;
        dir_ = it->second;
        struct stat st;
        if (dir_.empty() || ::stat(dir_.c_str(), &st) != 0)
            throw UsageError(
                errno_message("--dumpcore=" + dir_ + ": no such directory", dir_.empty() ? ENOENT : errno));
        if (!S_ISDIR(st.st_mode)) throw UsageError("--dumpcore=" + dir_ + ": not a directory");
        if (::access(dir_.c_str(), W_OK | X_OK) != 0)
            throw UsageError(errno_message("--dumpcore=" + dir_ + ": cannot write there", errno));
        pid_ = ::getpid();
        name_ = "core.skiff." + std::to_string(pid_);
        return true;
    }

    void open(OpenContext& ctx) override {
        memory_ = &ctx.memory;
        dir_fd_.reset(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (dir_fd_.valid()) file_.reset(::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
        if (!file_.valid())
            throw UsageError(errno_message("--dumpcore=" + dir_ + ": cannot create a file there", errno));
        proc_path_ = "/proc/self/fd/" + std::to_string(file_.get());
    }

    void start(StartContext& ctx) override { vcpu_ = &ctx.vcpu; }

    void allow(SandboxPolicy& policy) const override {
        ThreadPolicy& rules = policy.vcpu_thread();
        rules.allow_on_fd(SCMP_SYS(pwrite64), file_.get(), "dumpcore: the core file");
        rules.allow(SCMP_SYS(mincore), "dumpcore: which guest memory the guest touched");
        rules.allow(SCMP_SYS(linkat), {arg_equals(2, scmp_datum_t(dir_fd_.get())), arg_equals(4, AT_EMPTY_PATH)},
                    "dumpcore: naming the core file, in its directory only");
        rules.allow(SCMP_SYS(linkat), {arg_equals(2, scmp_datum_t(dir_fd_.get())), arg_equals(4, AT_SYMLINK_FOLLOW)},
                    "dumpcore: naming the core file without CAP_DAC_READ_SEARCH");
        arch::allow_core_dump(rules, vcpu_->fd());
    }

    RunObserver* observer() override { return this; }

    std::string ended(const RunEnding& ending) override {
        const bool aborted = ending.status && *ending.status == 255;
        bool faulted = false;
        if (ending.error) try {
                std::rethrow_exception(ending.error);
            } catch (const GuestFault&) {
                faulted = true;
            } catch (...) {
            }
        if (!aborted && !faulted) return "";
        return dump(aborted ? ending.cookie : 0);
    }

  private:
    std::string dump(uint64_t trap_frame) {
        const std::string path = dir_ + "/" + name_;
        try {
            std::vector<GuestMemory::Run> runs = memory_->touched_runs();
            if (runs.size() > kMaxRuns) runs = {{0, memory_->size()}};
            const std::vector<uint8_t> notes = arch::core_notes(vcpu_->fd(), *memory_, trap_frame, pid_);
            const CoreLayout layout = core_layout(arch::kElfMachine, notes, runs);
            if (!write_core(file_.get(), layout, *memory_, runs))
                return errno_message("writing the core file failed", errno);
        } catch (const Error& e) {
            return std::string("no core file: ") + e.what();
        }
        // Named only once complete: a core file in DIR is never half-written.
        if (::linkat(file_.get(), "", dir_fd_.get(), name_.c_str(), AT_EMPTY_PATH) != 0 &&
            ::linkat(AT_FDCWD, proc_path_.c_str(), dir_fd_.get(), name_.c_str(), AT_SYMLINK_FOLLOW) != 0)
            return errno_message("the core file could not be named " + path, errno);
        return "core dumped to " + path;
    }

    std::string dir_;
    std::string name_;
    std::string proc_path_;
    int pid_ = 0;
    UniqueFd dir_fd_;
    UniqueFd file_;
    GuestMemory* memory_ = nullptr;
    KvmVcpu* vcpu_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_dumpcore_module() {
    return std::make_unique<DumpcoreModule>();
}

}  // namespace skiff
