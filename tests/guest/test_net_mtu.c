/* The NIC's MTU is the tap's (mtu=N on the command line says which), and a frame of exactly
 * mtu + 14 bytes can be sent; bad handles and unknown names are refused. */
#include "guest_test.h"
#include "net_responder.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    skiff_handle_t h;
    struct skiff_net_info info;
    char value[16];
    uint64_t expected = 0;
    CHECK(arg_value(si->cmdline, "mtu", value, sizeof value) && parse_u64(value, &expected));
    CHECK(skiff_net_acquire("nosuchnic", &h, &info) == SKIFF_R_EINVAL);
    CHECK(skiff_net_acquire("service0", &h, &info) == SKIFF_R_OK);
    out("MTU is ");
    out_u64(info.mtu);
    out("\n");
    CHECK(info.mtu == expected);
    CHECK(info.mtu + ETH_HLEN <= si->heap_size);

    uint8_t *frame = (uint8_t *)si->heap_start;
    size_t len = info.mtu + ETH_HLEN;
    for (size_t i = 0; i < 6; i++)
        frame[i] = 0xff;
    copy_bytes(frame + 6, info.mac_address, 6);
    put_be16(frame + 12, 0x88b5);
    for (size_t i = ETH_HLEN; i < len; i++)
        frame[i] = (uint8_t)i;
    CHECK(skiff_net_write(h, frame, len) == SKIFF_R_OK);
    CHECK(skiff_net_write(0, frame, len) == SKIFF_R_EINVAL);
    CHECK(skiff_net_write(h + 1, frame, len) == SKIFF_R_EINVAL);
    size_t got;
    CHECK(skiff_net_read(h + 1, frame, len, &got) == SKIFF_R_EINVAL);
    return test_success();
}
