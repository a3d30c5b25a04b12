// skiff: boots one unikernel on one KVM vCPU and serves its hypercalls until it halts.
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include "cli/options.h"
#include "common/error.h"
#include "common/setup_trace.h"
#include "elf/elf_image.h"
#include "hypercall/run_loop.h"
#include "kvm/kvm.h"
#include "manifest/manifest.h"
#include "memory/boot_setup.h"
#include "modules/console.h"
#include "modules/device_bindings.h"
#include "modules/net_ring.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

void on_signal(int sig) {
    char msg[] = "skiff: exiting on signal NN\n";
    msg[25] = char('0' + sig / 10);
    msg[26] = char('0' + sig % 10);
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(kExitOperatorError);
}

void install_signal_handlers() {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the guest
}

void dump_manifest(const std::string& image, const Manifest& manifest) {
    std::cout << image << " declares " << manifest.devices.size() << " device(s)\n";
    for (const Device& d : manifest.devices)
        std::cout << "  " << d.handle << "  " << device_type_name(d.type) << "  " << d.name << "\n";
}

int run(int argc, char** argv) {
    const ModuleList modules = compiled_modules();
    const auto options = parse_command_line(argc, argv, modules);
    if (!options) return 0;

    // Everything the operator or the image can get wrong is checked before anything is opened.
    const ElfImage image = ElfImage::open(options->unikernel);
    const Manifest manifest = load_manifest(image);
    if (options->dump_manifest) {
        dump_manifest(image.name(), manifest);
        return 0;
    }
    // Every declared device gets bound, so a declared NIC is an attached one: reserve the net ring.
    const bool has_nic = manifest.declares(DeviceType::Net);
    const MemoryLayout layout = guest_memory_layout(guest_memory_size(options->mem_mib), has_nic);
    const LoadPlan plan = image.plan(layout.visible);
    const std::string cmdline = guest_command_line(*options);
    check_guest_command_line(cmdline);
    const auto bindings = bind_devices(image.name(), manifest, options->devices, modules);
    install_signal_handlers();
    SetupTrace& trace = SetupTrace::instance();
    trace.mark("image+manifest+options");

    GuestMemory memory(layout.visible, layout.reserved);
    HypercallTable hypercalls;
    PollSet poll;
    std::vector<skiff_manifest_entry> entries = manifest.entries;
    AttachContext context{memory, hypercalls, entries, poll};
    register_console(hypercalls, memory, STDOUT_FILENO);
    register_clock(hypercalls, memory);
    register_poll(hypercalls, memory, poll);
    for (const ModuleBindings& group : bindings) group.module->attach(group.bindings, context);

    trace.mark("devices");
    Kvm kvm;
    Vm vm(kvm);
    trace.mark("kvm+vm");
    load_image(memory, image, plan);
    vm.set_memory(0, memory.mapped_size(), memory.host_base());
    trace.mark("memory");
    auto vcpu = vm.create_vcpu(kvm);
    vcpu->set_cpuid(kvm.supported_cpuid());
    vcpu->enter_long_mode({plan.entry, memory.size() - 8, SKIFF_BOOT_INFO_BASE});
    std::unique_ptr<NetRing> ring;
    if (layout.reserved) ring = start_net_ring(kvm, vm, *vcpu, memory, ring_devices(poll, entries));
    trace.mark("vcpu");
    const uint64_t ring_gpa = ring ? memory.size() : 0;
    write_boot_state(memory, plan, BootParams{plan.kernel_end, vcpu->tsc_hz(), cmdline, entries, ring_gpa});
    trace.mark("boot-state");

    if (options->sandbox) {
        SandboxPolicy policy;
        policy.allow_vcpu_fd(vcpu->fd());
        for (const ModuleBindings& group : bindings) group.module->allow(policy);
        if (ring) policy.allow_net_ring(ring->kick_fd(), vcpu->exit_signal_pid(), vcpu->exit_signal_tid());
        policy.install();
    }
    trace.mark("sandbox");
    const int status = run_guest(*vcpu, memory, hypercalls, [&ring] {
        if (ring) ring->rethrow_error();
    });
    trace.mark("guest-run");
    return status;
}

}  // namespace
}  // namespace skiff

int main(int argc, char** argv) {
    skiff::SetupTrace::instance();  // starts the clock of the first phase when tracing
    try {
        const int status = skiff::run(argc, argv);
        skiff::SetupTrace::instance().mark("teardown");
        return status;
    } catch (const skiff::Error& e) {
        std::cerr << "skiff: " << e.what() << std::endl;
        return e.exit_code();
    } catch (const std::exception& e) {
        std::cerr << "skiff: internal error: " << e.what() << std::endl;
        return skiff::kExitHostError;
    }
}
