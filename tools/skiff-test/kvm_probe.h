// Whether this host's /dev/kvm can really create a VM (the device node alone proves nothing).
#pragma once

#include <string>

namespace skiff::test {

struct KvmProbe {
    bool works = false;
    std::string why;  // "/dev/kvm works" or what failed
};

KvmProbe probe_host_kvm();

}  // namespace skiff::test
