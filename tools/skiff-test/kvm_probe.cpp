#include "kvm_probe.h"

#include "common/unique_fd.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace skiff::test {

KvmProbe probe_host_kvm() {
    UniqueFd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm.valid()) return {false, std::string("cannot open /dev/kvm: ") + std::strerror(errno)};
    UniqueFd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
    if (!vm.valid()) return {false, std::string("/dev/kvm: KVM_CREATE_VM failed: ") + std::strerror(errno)};
    return {true, "/dev/kvm works"};
}

}  // namespace skiff::test
