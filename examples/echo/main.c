/* echo: answers ARP and ICMP echo (ping) on the NIC "service" for ip=A.B.C.D (default 10.0.0.2).
 * With limit=N it exits 0 after N echo replies; otherwise it runs until killed.
 * Try: skiff --net:service=tap0 echo.elf ip=10.0.0.2 limit=3   (and ping 10.0.0.2 on the host) */
#include "net_responder.h"

#define NSEC_PER_SEC 1000000000ull

int skiff_app_main(const struct skiff_start_info *si)
{
    uint8_t ip[4] = {10, 0, 0, 2};
    uint64_t limit = 0;
    char value[32];
    if (arg_value(si->cmdline, "ip", value, sizeof value) && !parse_ipv4(value, ip)) {
        out("echo: ip=A.B.C.D expected\n");
        return SKIFF_EXIT_FAILURE;
    }
    if (arg_value(si->cmdline, "limit", value, sizeof value) && !parse_u64(value, &limit)) {
        out("echo: limit=N expected\n");
        return SKIFF_EXIT_FAILURE;
    }

    struct responder r;
    if (!responder_init(&r, "service", ip, (uint8_t *)si->heap_start, si->heap_size / 2))
        return SKIFF_EXIT_FAILURE;
    r.echo_limit = limit; /* pings queued together are not answered past it */
    out("echo: serving ");
    for (int i = 0; i < 4; i++) {
        out_u64(ip[i]);
        out(i < 3 ? "." : "\n");
    }

    while (limit == 0 || r.echo_replies < limit) {
        skiff_handle_set_t ready = 0;
        skiff_yield(skiff_clock_monotonic() + NSEC_PER_SEC, &ready);
        if ((ready & (1ull << r.handle)) != 0 && !responder_drain(&r))
            return SKIFF_EXIT_FAILURE;
    }
    out("echo: answered ");
    out_u64(r.echo_replies);
    out(" pings, SUCCESS\n");
    return SKIFF_EXIT_SUCCESS;
}
