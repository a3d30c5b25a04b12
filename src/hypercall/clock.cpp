#include "hypercall/clock.h"

#include <ctime>

#include "skiff/abi/hypercall.h"

namespace skiff {

void register_clock(HypercallTable& table, GuestMemory& mem) {
    table.add(SKIFF_HC_WALLTIME, [&mem](uint64_t gpa) {
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        mem.write(gpa, skiff_hc_walltime{uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec)});
    });
}

}  // namespace skiff
