/* Two NICs on one host bridge (the runner's bridge_nics): a broadcast frame sent on service0
 * arrives on service1, and one sent on service1 arrives on service0. Readiness is reported per
 * handle by skiff_yield. */
#include "guest_test.h"
#include "net_responder.h"

#define ETHERTYPE_EXPERIMENTAL 0x88b5
#define FRAME_LEN 64

struct nic {
    skiff_handle_t handle;
    struct skiff_net_info info;
};

static void build_frame(uint8_t *f, const struct nic *from, uint8_t seq)
{
    for (int i = 0; i < 6; i++)
        f[i] = 0xff;
    copy_bytes(f + 6, from->info.mac_address, 6);
    put_be16(f + 12, ETHERTYPE_EXPERIMENTAL);
    const char *magic = "skiff-2if";
    for (int i = 0; i < 9; i++)
        f[14 + i] = (uint8_t)magic[i];
    f[23] = (uint8_t)from->handle;
    f[24] = seq;
    for (int i = 25; i < FRAME_LEN; i++)
        f[i] = (uint8_t)i;
}

/* Sends from FROM until the frame shows up on TO (bridges may drop early frames). */
static int pass_frame(const struct nic *from, const struct nic *to, uint8_t *tx, uint8_t *rx)
{
    skiff_time_t deadline = skiff_clock_monotonic() + 10 * NSEC_PER_SEC;
    for (uint8_t seq = 0; skiff_clock_monotonic() < deadline; seq++) {
        build_frame(tx, from, seq);
        if (skiff_net_write(from->handle, tx, FRAME_LEN) != SKIFF_R_OK)
            return test_fail("net_write failed");
        skiff_time_t retry = skiff_clock_monotonic() + 200 * NSEC_PER_MSEC;
        while (skiff_clock_monotonic() < retry) {
            skiff_handle_set_t ready = 0;
            skiff_yield(retry, &ready);
            if ((ready & (1ull << to->handle)) == 0)
                continue;
            size_t len;
            while (skiff_net_read(to->handle, rx, to->info.mtu + ETH_HLEN, &len) == SKIFF_R_OK) {
                /* Ignore the host's own traffic (IPv6 router solicitations and the like). */
                if (len >= FRAME_LEN && same_bytes(rx, tx, FRAME_LEN) && rx[24] == seq) {
                    out("frame from handle ");
                    out_u64(from->handle);
                    out(" arrived on handle ");
                    out_u64(to->handle);
                    out("\n");
                    return SKIFF_EXIT_SUCCESS;
                }
            }
        }
    }
    return test_fail("frame did not cross the bridge");
}

int skiff_app_main(const struct skiff_start_info *si)
{
    struct nic a, b;
    CHECK(skiff_net_acquire("service0", &a.handle, &a.info) == SKIFF_R_OK);
    CHECK(skiff_net_acquire("service1", &b.handle, &b.info) == SKIFF_R_OK);
    CHECK(a.handle != b.handle);
    CHECK(!same_bytes(a.info.mac_address, b.info.mac_address, 6));
    CHECK((a.info.mac_address[0] & 1) == 0); /* unicast */
    uint8_t *tx = (uint8_t *)si->heap_start;
    uint8_t *rx = tx + 4096;
    CHECK(a.info.mtu + ETH_HLEN <= si->heap_size / 2 && b.info.mtu + ETH_HLEN <= si->heap_size / 2);
    if (pass_frame(&a, &b, tx, rx) != SKIFF_EXIT_SUCCESS || pass_frame(&b, &a, tx, rx) != SKIFF_EXIT_SUCCESS)
        return SKIFF_EXIT_FAILURE;
    return test_success();
}
