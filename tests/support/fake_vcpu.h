// A scripted vCPU for driving the hypercall loop without KVM. Port accesses go through the real
// architecture decoder (arch::decode_access), so the tests see the tender's own decoding.
#pragma once

#include <linux/kvm.h>

#include <cstring>
#include <deque>
#include <vector>

#include "arch/arch.h"
#include "skiff/abi/hypercall.h"
#include "vcpu/vcpu.h"

namespace skiff::test {

class FakeVcpu final : public Vcpu {
  public:
    static constexpr const char* kRegisters = "rip=0x100123 rsp=0x1fffff8 cr2=0x8";

    // Queues the exit of `out` (or `in`) of `size` bytes at `port`, as KVM reports it.
    FakeVcpu& port_access(uint16_t port, uint32_t value, uint8_t size = 4, bool out = true) {
        std::vector<uint8_t> area(8192);
        kvm_run run{};
        run.exit_reason = KVM_EXIT_IO;
        run.io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
        run.io.size = size;
        run.io.port = port;
        run.io.count = 1;
        run.io.data_offset = 4096;
        std::memcpy(area.data(), &run, sizeof run);
        std::memcpy(area.data() + 4096, &value, sizeof value);
        exits.push_back(arch::decode_access(*reinterpret_cast<const kvm_run*>(area.data())));
        return *this;
    }
    // Queues the exit a guest makes by `outl gpa, 0x500 + nr`.
    FakeVcpu& hypercall(uint32_t nr, uint64_t gpa) {
        return port_access(static_cast<uint16_t>(SKIFF_HYPERCALL_PIO_BASE + nr), static_cast<uint32_t>(gpa));
    }
    FakeVcpu& exit(VcpuExit e) {
        exits.push_back(e);
        return *this;
    }

    VcpuExit run() override {
        ++runs;
        if (exits.empty()) {
            VcpuExit e;
            e.kind = VcpuExit::Kind::Shutdown;
            return e;
        }
        VcpuExit e = exits.front();
        exits.pop_front();
        return e;
    }
    std::string describe_registers() override { return kRegisters; }

    std::deque<VcpuExit> exits;
    int runs = 0;
};

}  // namespace skiff::test
