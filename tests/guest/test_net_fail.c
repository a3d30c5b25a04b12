/* Net devices failing under the guest, and raw net calls the bindings would never make. Devices
 * "service0" and "service1"; the runner's host_command breaks the taps while the guest runs.
 *   mode=wait          waits an hour in POLL on service0 (the tap is deleted meanwhile)
 *   mode=write-later   after 4 s, writes one frame to service1 (whose tap is down by then), then
 *                      waits an hour in POLL; through the ring unless --skiff:no-ring leads
 *   mode=ring-bad-entry then=poll|halt|halt-while-served
 *                      queues a ring write whose buffer lies beyond guest memory, then waits in POLLs
 *                      that never time out, or halts at once; halt-while-served queues a good write
 *                      first and the bad one as soon as the tender has taken the good one, while its
 *                      thread still looks for work: it finds the bad entry as the tender handles HALT
 *   mode=raw-write case=bad-handle|runt|oversize|zero
 *                      one NET_WRITE hypercall straight to the tender; prints its result */
#include "guest_test.h"

#include "bindings.h"
#include "cpu.h"
#include "hypercall.h"
#include "ring.h"
#include "skiff/abi/ring.h"

static const uint8_t frame[64] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};

static skiff_handle_t acquire(const char *name, struct skiff_net_info *info)
{
    skiff_handle_t h = 0;
    if (skiff_net_acquire(name, &h, info) != SKIFF_R_OK)
        return 0;
    return h;
}

/* POLLs with the largest timeout there is: only the tender can end them (an event on a NIC, such
 * as the host's own chatter on a new tap, ends one POLL but not the wait). */
static void poll_forever(void)
{
    for (;;) {
        volatile struct skiff_hc_poll arg = {.timeout_nsecs = ~0ull};
        skiff_hypercall(SKIFF_HC_POLL, &arg);
    }
}

/* Waits until `deadline`, discarding what arrives meanwhile (the host's own chatter on a new tap). */
static void wait_until(skiff_time_t deadline, skiff_handle_t h0, skiff_handle_t h1)
{
    static uint8_t discard[9216 + 14];
    while (skiff_clock_monotonic() < deadline) {
        skiff_handle_set_t ready = 0;
        skiff_yield(deadline, &ready);
        size_t n;
        for (skiff_handle_t h = h0; h != 0; h = h == h0 ? h1 : 0)
            while ((ready & (1ull << h)) && skiff_net_read(h, discard, sizeof discard, &n) == SKIFF_R_OK) {
            }
    }
}

static int wait_a_long_time(skiff_handle_t h0, skiff_handle_t h1)
{
    wait_until(skiff_clock_monotonic() + 3600 * NSEC_PER_SEC, h0, h1);
    return test_fail("an hour passed, but the tender should have ended the run");
}

/* One NET_WRITE of 64 bytes at `data` on handle 1 (no completion comes back for a write). */
static void queue_write(volatile struct skiff_ring *ring, uint64_t data)
{
    skiff_ring_push(ring, SKIFF_NET_RING_KICK, SKIFF_RING_NET_WRITE, 1, data, 64, 0, 0);
}

static int ring_bad_entry(const char *then)
{
    const struct skiff_boot_info *bi = skiff_boot_info;
    if (!(bi->host_features & SKIFF_HOST_FEATURE_RING_IO) || bi->net_ring == 0)
        return test_fail("the tender offers no ring");
    volatile struct skiff_ring *ring = (volatile struct skiff_ring *)(uintptr_t)bi->net_ring;
    if (util_streq(then, "halt-while-served")) {
        queue_write(ring, (uint64_t)(uintptr_t)frame);
        while (ring->ent_head != ring->ent_tail) { /* writes get no completion: wait until it is taken */
        }
    }
    /* Said before the entry is published: the tender's thread may end the run at once. */
    out("queuing a bad ring entry\n");
    queue_write(ring, bi->mem_size + 0x1000); /* inside the ring's own reservation: never a valid buffer */
    if (util_streq(then, "poll"))
        poll_forever();
    return 0; /* HALT(0) right away; the tender must still find the entry */
}

static int raw_write(skiff_handle_t h, const struct skiff_net_info *info, const char *which)
{
    volatile struct skiff_hc_net_io arg = {.handle = h, .data = (uint64_t)(uintptr_t)frame, .len = 64, .ret = -1};
    static uint8_t big[9216 + 14 + 1];
    if (util_streq(which, "bad-handle")) {
        arg.handle = 63;
    } else if (util_streq(which, "runt")) {
        arg.len = 13;
    } else if (util_streq(which, "zero")) {
        arg.len = 0;
    } else if (util_streq(which, "oversize")) {
        arg.data = (uint64_t)(uintptr_t)big;
        arg.len = info->mtu + SKIFF_NET_HLEN + 1;
    } else {
        return test_fail("case=bad-handle|runt|oversize|zero expected");
    }
    skiff_hypercall(SKIFF_HC_NET_WRITE, &arg);
    out("NET_WRITE returned ");
    out_u64((uint64_t)arg.ret);
    out("\n");
    return arg.ret == SKIFF_HC_EINVAL ? test_success() : test_fail("expected EINVAL");
}

int skiff_app_main(const struct skiff_start_info *si)
{
    char mode[24], arg[24];
    struct skiff_net_info info0, info1;
    skiff_handle_t h0 = acquire("service0", &info0), h1 = acquire("service1", &info1);
    CHECK(h0 != 0 && h1 != 0);
    if (!arg_value(si->cmdline, "mode", mode, sizeof mode))
        return test_fail("mode=... expected");
    if (util_streq(mode, "wait"))
        return wait_a_long_time(h0, h1);
    if (util_streq(mode, "write-later")) {
        wait_until(skiff_clock_monotonic() + 4000 * NSEC_PER_MSEC, h0, h1); /* the host command has run by then, even under TCG */
        out("writing a frame to service1\n");
        CHECK(skiff_net_write(h1, frame, sizeof frame) == SKIFF_R_OK);
        return wait_a_long_time(h0, h1);
    }
    if (util_streq(mode, "ring-bad-entry") && arg_value(si->cmdline, "then", arg, sizeof arg))
        return ring_bad_entry(arg);
    if (util_streq(mode, "raw-write") && arg_value(si->cmdline, "case", arg, sizeof arg))
        return raw_write(h0, &info0, arg);
    return test_fail("unknown mode");
}
