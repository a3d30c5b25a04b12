/* multi: acquires three NICs (net0..net2) and two disks (disk0, disk1) and prints what the tender
 * reports for each: handle, MAC and MTU, or capacity and block size. Exits 0 if all were found. */
#include "skiff_util.h"

static int show_nic(const char *name)
{
    skiff_handle_t h;
    struct skiff_net_info info;
    if (skiff_net_acquire(name, &h, &info) != SKIFF_R_OK) {
        out("cannot acquire NIC ");
        out(name);
        out("\n");
        return 0;
    }
    out(name);
    out(": handle ");
    out_u64(h);
    out(" mac ");
    out_mac(info.mac_address);
    out(" mtu ");
    out_u64(info.mtu);
    out("\n");
    return 1;
}

static int show_disk(const char *name)
{
    skiff_handle_t h;
    struct skiff_block_info info;
    if (skiff_block_acquire(name, &h, &info) != SKIFF_R_OK) {
        out("cannot acquire disk ");
        out(name);
        out("\n");
        return 0;
    }
    out(name);
    out(": handle ");
    out_u64(h);
    out(" capacity ");
    out_u64(info.capacity);
    out(" block size ");
    out_u64(info.block_size);
    out("\n");
    return 1;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    int ok = show_nic("net0") & show_nic("net1") & show_nic("net2") & show_disk("disk0") & show_disk("disk1");
    if (!ok)
        return SKIFF_EXIT_FAILURE;
    out("multi: all 5 devices present, SUCCESS\n");
    return SKIFF_EXIT_SUCCESS;
}
