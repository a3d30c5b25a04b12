/* One NIC "service0": answers ARP and ICMP echo for ip=A.B.C.D (default 10.0.0.2) until limit=N
 * echo replies were sent (default 3), or fails after timeout=S seconds (default 20). The runner's
 * host_command pings the guest. */
#include "guest_test.h"
#include "net_responder.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    uint8_t ip[4] = {10, 0, 0, 2};
    uint64_t limit = 3, timeout_s = 20;
    char value[32];
    if (arg_value(si->cmdline, "ip", value, sizeof value))
        CHECK(parse_ipv4(value, ip));
    if (arg_value(si->cmdline, "limit", value, sizeof value))
        CHECK(parse_u64(value, &limit));
    if (arg_value(si->cmdline, "timeout", value, sizeof value))
        CHECK(parse_u64(value, &timeout_s));

    struct responder r;
    CHECK(responder_init(&r, "service0", ip, (uint8_t *)si->heap_start, si->heap_size / 2));
    skiff_time_t deadline = skiff_clock_monotonic() + timeout_s * NSEC_PER_SEC;
    while (r.echo_replies < limit) {
        skiff_time_t now = skiff_clock_monotonic();
        if (now >= deadline)
            return test_fail("timed out waiting for pings");
        skiff_handle_set_t ready = 0;
        skiff_yield(now + 500 * NSEC_PER_MSEC < deadline ? now + 500 * NSEC_PER_MSEC : deadline, &ready);
        CHECK((ready & ~(1ull << r.handle)) == 0);
        if (ready != 0)
            CHECK(responder_drain(&r));
    }
    out("answered ");
    out_u64(r.echo_replies);
    out(" pings\n");
    return test_success();
}
