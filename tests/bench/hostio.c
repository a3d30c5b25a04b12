/* bench_hostio: the host-side floor for the block and network figures, doing from one ordinary
 * process what the bench guests do through skiff, with the same sizes, counts and offsets.
 *
 * usage: bench_hostio block FILE read|write seq|rand SIZE COUNT
 *          pread/pwrite COUNT transfers of SIZE bytes; prints ns=T
 *        bench_hostio tap-tx TAP SIZE COUNT
 *          writes COUNT frames of SIZE bytes to tap TAP (as skiff does for NET_WRITE); prints ns=T
 *        bench_hostio tap-rx TAP COUNT SETTLE_MS
 *          attaches to TAP, waits for the first bench frame, lets the queue fill for SETTLE_MS, then
 *          times reading up to COUNT bench frames until the queue is empty; prints frames=F bytes=B ns=T
 *        bench_hostio inject TAP SIZE COUNT
 *          sends COUNT frames of SIZE bytes into TAP from the kernel side (AF_PACKET), so that whoever
 *          holds the tap reads them; prints ns=T
 * Frames carry EtherType 0x88b5 (local experimental) so receivers can ignore the host's own chatter. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_hostio: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int block(int argc, char **argv)
{
    if (argc != 7)
        return 2;
    int write = strcmp(argv[3], "write") == 0, random = strcmp(argv[4], "rand") == 0;
    uint64_t size = strtoull(argv[5], NULL, 10), count = strtoull(argv[6], NULL, 10);
    int fd = open(argv[2], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die(argv[2]);
    uint64_t slots = (uint64_t)lseek(fd, 0, SEEK_END) / size;
    uint8_t *buf = aligned_alloc(4096, size);
    memset(buf, 0x5a, size);
    uint64_t rng = BENCH_RNG_SEED, t0 = now_ns();
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off = bench_offset(i, slots, random, &rng) * size;
        ssize_t n = write ? pwrite(fd, buf, size, (off_t)off) : pread(fd, buf, size, (off_t)off);
        if (n != (ssize_t)size)
            die(write ? "pwrite" : "pread");
    }
    uint64_t t1 = now_ns();
    if (write)
        fdatasync(fd); /* untimed, as in skiff, which syncs written devices when the guest halts */
    printf("ns=%llu\n", (unsigned long long)(t1 - t0));
    return 0;
}

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die("/dev/net/tun");
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0)
        die(name);
    return fd;
}

static int tap_tx(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    uint64_t size = strtoull(argv[3], NULL, 10), count = strtoull(argv[4], NULL, 10);
    int fd = open_tap(argv[2]);
    uint8_t frame[BENCH_MAX_FRAME];
    bench_frame(frame, size);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < count; i++)
        if (write(fd, frame, size) != (ssize_t)size)
            die("write to tap");
    printf("ns=%llu\n", (unsigned long long)(now_ns() - t0));
    return 0;
}

static int tap_rx(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    uint64_t count = strtoull(argv[3], NULL, 10), settle_ms = strtoull(argv[4], NULL, 10);
    int fd = open_tap(argv[2]);
    uint8_t frame[BENCH_MAX_FRAME];
    ssize_t n;
    do /* blocking: wait for the first bench frame */
        n = read(fd, frame, sizeof frame);
    while (n > 0 && !bench_is_frame(frame, (uint64_t)n));
    if (n <= 0)
        die("read from tap");
    usleep((useconds_t)(settle_ms * 1000));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    uint64_t frames = 1, bytes = (uint64_t)n, t0 = now_ns();
    while (frames < count && (n = read(fd, frame, sizeof frame)) > 0)
        if (bench_is_frame(frame, (uint64_t)n)) {
            frames++;
            bytes += (uint64_t)n;
        }
    printf("frames=%llu bytes=%llu ns=%llu\n", (unsigned long long)frames, (unsigned long long)bytes,
           (unsigned long long)(now_ns() - t0));
    return 0;
}

static int inject(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    uint64_t size = strtoull(argv[3], NULL, 10), count = strtoull(argv[4], NULL, 10);
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("AF_PACKET socket");
    struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[2]), .sll_halen = 6};
    if (addr.sll_ifindex == 0)
        die(argv[2]);
    uint8_t frame[BENCH_MAX_FRAME];
    bench_frame(frame, size);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < count; i++)
        if (sendto(s, frame, size, 0, (struct sockaddr *)&addr, sizeof addr) != (ssize_t)size)
            die("send into tap");
    printf("ns=%llu\n", (unsigned long long)(now_ns() - t0));
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && strcmp(argv[1], "block") == 0)
        rc = block(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "tap-tx") == 0)
        rc = tap_tx(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "tap-rx") == 0)
        rc = tap_rx(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "inject") == 0)
        rc = inject(argc, argv);
    if (rc == 2)
        fprintf(stderr, "bench_hostio: bad arguments (see the usage at the top of tests/bench/hostio.c)\n");
    return rc;
}
