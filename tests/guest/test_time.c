/* Clocks: monotonic never goes back and advances; the wall clock is after 2020; a yield with a
 * deadline 100 ms ahead waits about that long (lenient under nested KVM: 90-200 ms); a deadline in
 * the past returns at once. */
#include "guest_test.h"

#define WALL_2020 (1577836800ull * NSEC_PER_SEC)
#define WALL_2100 (4102444800ull * NSEC_PER_SEC)

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    skiff_time_t prev = skiff_clock_monotonic();
    for (int i = 0; i < 100000; i++) {
        skiff_time_t now = skiff_clock_monotonic();
        CHECK(now >= prev);
        prev = now;
    }

    skiff_time_t wall = skiff_clock_wall();
    out("wall clock (s): ");
    out_u64(wall / NSEC_PER_SEC);
    out("\n");
    CHECK(wall > WALL_2020 && wall < WALL_2100);

    skiff_time_t start = skiff_clock_monotonic();
    skiff_time_t wall_start = skiff_clock_wall();
    skiff_handle_set_t ready = 1;
    skiff_yield(start + 100 * NSEC_PER_MSEC, &ready);
    skiff_time_t slept = skiff_clock_monotonic() - start;
    skiff_time_t wall_slept = skiff_clock_wall() - wall_start;
    out("yield(100 ms) took (us): ");
    out_u64(slept / 1000);
    out(", wall clock moved (us): ");
    out_u64(wall_slept / 1000);
    out("\n");
    CHECK(ready == 0);
    CHECK(slept >= 90 * NSEC_PER_MSEC && slept <= 200 * NSEC_PER_MSEC);
    CHECK(wall_slept >= 80 * NSEC_PER_MSEC && wall_slept <= 250 * NSEC_PER_MSEC);

    start = skiff_clock_monotonic();
    skiff_yield(start > NSEC_PER_SEC ? start - NSEC_PER_SEC : 0, NULL);
    skiff_yield(0, NULL);
    skiff_time_t past = skiff_clock_monotonic() - start;
    out("two yields to past deadlines took (us): ");
    out_u64(past / 1000);
    out("\n");
    CHECK(past < 50 * NSEC_PER_MSEC);
    return test_success();
}
