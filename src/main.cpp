// skiff: boots one unikernel on one KVM vCPU and serves its hypercalls until it halts. main() is the
// list of phases; each layer and module owns what it opens.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "arch/arch.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/setup_trace.h"
#include "elf/elf_image.h"
#include "hypercall/clock.h"
#include "hypercall/console.h"
#include "hypercall/poll.h"
#include "hypercall/run_loop.h"
#include "kvm/kvm.h"
#include "manifest/manifest.h"
#include "memory/boot_info.h"
#include "memory/layout.h"
#include "memory/loader.h"
#include "modules/module_set.h"
#include "sandbox/sandbox.h"
#include "sandbox/sigsys.h"
#include "skiff/abi/boot.h"
#include "vcpu/kvm_vcpu.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

// With stdin, stdout or stderr closed, the next file skiff opens would take its number, and console
// output or messages would land in a guest's disk: give each closed one /dev/null first.
void ensure_standard_fds() {
    struct stat st;
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd)
        if (fstat(fd, &st) != 0 && ::open("/dev/null", O_RDWR) != fd) _exit(kExitOperatorError);
}

// One line on stderr per error; returns its exit code. The only place errors are printed.
int report(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        std::cerr << "skiff: " << e.what() << std::endl;
        return e.exit_code();
    } catch (const std::exception& e) {
        std::cerr << "skiff: internal error: " << e.what() << std::endl;
        return kExitHostError;
    }
}

int dump_manifest(const std::string& image, const Manifest& manifest) {
    std::cout << image << " declares " << manifest.devices.size() << " device(s)\n";
    for (const Device& d : manifest.devices)
        std::cout << "  " << d.handle << "  " << device_type_name(d.type) << "  " << d.name << "\n";
    return 0;
}

void allow_core(ThreadPolicy& rules, const KvmVcpu& vcpu, const PollSet& poll, const RunControl& control) {
    arch::allow_vcpu(rules, vcpu.fd());
    allow_console(rules, STDOUT_FILENO);
    poll.allow(rules);
    control.allow_vcpu_thread(rules);
}

// Runs the guest, then stops every module whatever happened (devices are synced); a failure to
// stop, or an I/O thread's error the run loop never saw, is reported after the guest's own ending,
// and wins (its data may be lost).
int run_then_stop(KvmVcpu& vcpu, GuestMemory& memory, const HypercallTable& hypercalls, RunControl& control,
                  ModuleSet& modules) {
    int status = 0;
    std::exception_ptr ending;
    try {
        const std::vector<RunObserver*> observers = modules.observers();
        status = run_guest(vcpu, memory, hypercalls, &control, observers);
    } catch (...) {
        ending = std::current_exception();
    }
    try {
        try {
            modules.stop(control);
        } catch (const GuestFault& fault) {
            throw guest_fault(vcpu, fault.what());  // a bad ring entry the last pass found
        }
    } catch (...) {
        if (ending) report(ending);
        throw;
    }
    if (ending) std::rethrow_exception(ending);
    return status;
}

// The guest has ended and every module has stopped: devices are synced, threads are done. The rest
// (the VM, guest memory, fds) the kernel releases at exit anyway, faster than one by one.
[[noreturn]] void leave(int status) {
    std::cout.flush();
    SetupTrace::instance().mark("teardown");
    SetupTrace::instance().flush();
    _exit(status);
}

int run(int argc, char** argv) {
    ModuleSet modules(compiled_modules());
    const auto options = parse_command_line(argc, argv, modules.compiled());
    if (!options) return 0;
    SetupTrace& trace = SetupTrace::instance();

    // Everything the operator or the image can get wrong is checked before anything is opened.
    const ElfImage image = ElfImage::open(options->unikernel);
    const Manifest manifest = load_manifest(image);
    if (options->dump_manifest) return dump_manifest(image.name(), manifest);
    arch::check_image(image);
    modules.configure(image.name(), manifest, options->module_options);
    const MemoryLayout layout = guest_memory_layout(guest_memory_size(options->mem_mib), modules.reservations());
    const LoadPlan plan = image.plan(layout.visible);
    arch::check_plan(image.name(), plan);
    const std::string cmdline = guest_command_line(*options);
    check_guest_command_line(cmdline);
    trace.mark("image+manifest+options");

    RunControl control;
    GuestMemory memory(layout.visible, layout.reserved);
    HypercallTable hypercalls;
    PollSet poll(control.wake_fd());
    std::vector<skiff_manifest_entry> entries = manifest.entries;
    register_console(hypercalls, memory, STDOUT_FILENO, isatty(STDOUT_FILENO));
    register_clock(hypercalls, memory);
    register_poll(hypercalls, memory, poll);
    modules.open(OpenContext{memory, hypercalls, entries, poll, 0}, layout);
    trace.mark("devices");

    Kvm kvm;
    arch::check_host(kvm);
    Vm vm(kvm);
    arch::restrict_vm(kvm, vm, options->host_cpu);
    trace.mark("kvm+vm");
    load_image(memory, image, plan);
    vm.set_memory(0, memory.mapped_size(), memory.host_base());
    trace.mark("memory");
    KvmVcpu vcpu(vm.create_vcpu(kvm));
    control.attach(vcpu.fd());
    arch::set_entry_state(kvm, vcpu.fd(), {plan.entry, memory.size(), SKIFF_BOOT_INFO_BASE, options->host_cpu});
    BootFeatures features;
    StartContext start{kvm, vm, vcpu, memory, control, features};
    modules.start(start);
    trace.mark("vcpu");
    arch::write_tables(memory, plan);
    write_boot_info(memory, {plan.kernel_end, arch::cycle_frequency(vcpu.fd()), cmdline, entries, features});
    trace.mark("boot-state");

    SandboxPolicy policy;
    allow_core(policy.vcpu_thread(), vcpu, poll, control);
    modules.allow(policy);
    if (!options->sandbox)
        policy.release_unfiltered();
    else if (!policy.install())
        note(
            "the seccomp filter skiff was started under forbids adding its own: the guest runs under that filter "
            "only");
    trace.mark("sandbox");
    const int status = run_then_stop(vcpu, memory, hypercalls, control, modules);
    trace.mark("guest-run");
    leave(status);
}

}  // namespace
}  // namespace skiff

int main(int argc, char** argv) {
    skiff::install_sigsys_handler();  // first: under an orchestrator's filter a refused call is an error
    skiff::ensure_standard_fds();
    skiff::SetupTrace::instance();  // starts the clock of the first phase when tracing
    try {
        const int status = skiff::run(argc, argv);
        skiff::SetupTrace::instance().mark("teardown");
        skiff::SetupTrace::instance().flush();
        return status;
    } catch (...) {
        skiff::SetupTrace::instance().flush();
        return skiff::report(std::current_exception());
    }
}
