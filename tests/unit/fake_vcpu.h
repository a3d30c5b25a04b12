// A scripted vCPU for driving the hypercall loop without KVM.
#pragma once

#include <deque>

#include "kvm/vcpu.h"
#include "skiff/abi/hypercall.h"

namespace skiff::test {

class FakeVcpu final : public Vcpu {
  public:
    // Queues the exit a guest makes by `outl gpa, 0x500 + nr`.
    FakeVcpu& hypercall(uint32_t nr, uint64_t gpa) {
        VcpuExit e;
        e.kind = VcpuExit::Kind::Io;
        e.port = static_cast<uint16_t>(SKIFF_HYPERCALL_PIO_BASE + nr);
        e.out = true;
        e.size = 4;
        e.value = static_cast<uint32_t>(gpa);
        exits.push_back(e);
        return *this;
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
    VcpuRegisters registers() override {
        VcpuRegisters r{};
        r.rip = 0x100123;
        r.rsp = 0x1fffff8;
        r.cr2 = 0x8;
        return r;
    }

    std::deque<VcpuExit> exits;
    int runs = 0;
};

}  // namespace skiff::test
