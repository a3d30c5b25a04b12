/* bench_hostio: the host-side floor for the block and network figures, doing from one ordinary
 * process what the bench guests do through skiff, with the same sizes, counts and offsets.
 *
 * usage: bench_hostio block FILE read|write seq|rand SIZE COUNT [QD]
 *          COUNT transfers of SIZE bytes; prints ns=T. QD 1 (the default): a pread/pwrite loop on
 *          one buffer. QD > 1: io_uring (liburing) with QD requests in flight, each on its own
 *          buffer, a finished one replaced at once; without liburing or without io_uring in the
 *          kernel it prints "skipped: WHY" and exits 77
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
#ifdef BENCH_HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench_common.h"

#define EXIT_SKIPPED 77

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

/* QD transfers in flight through io_uring; returns the time taken, 0 with a message if io_uring is
 * unavailable. */
static uint64_t block_uring(int fd, int write, int random, uint64_t size, uint64_t count, uint64_t slots,
                            unsigned qd)
{
#ifdef BENCH_HAVE_LIBURING
    struct io_uring ring;
    int rc = io_uring_queue_init(qd, &ring, 0);
    if (rc < 0) {
        printf("skipped: io_uring unavailable (%s)\n", strerror(-rc));
        return 0;
    }
    uint8_t *bufs = aligned_alloc(4096, size * qd);
    if (bufs == NULL)
        die("aligned_alloc");
    memset(bufs, 0x5a, size * qd);
    /* Buffers not in flight: completions may come in any order, so each names its buffer. */
    unsigned *free_bufs = malloc(qd * sizeof *free_bufs);
    unsigned nfree = qd;
    if (free_bufs == NULL)
        die("malloc");
    for (unsigned i = 0; i < qd; i++)
        free_bufs[i] = i;
    uint64_t rng = BENCH_RNG_SEED, queued = 0, done = 0, t0 = now_ns();
    while (done < count) {
        while (queued < count && nfree > 0) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            if (sqe == NULL)
                break;
            uint64_t off = bench_offset(queued, slots, random, &rng) * size;
            unsigned b = free_bufs[--nfree];
            if (write)
                io_uring_prep_write(sqe, fd, bufs + b * size, (unsigned)size, off);
            else
                io_uring_prep_read(sqe, fd, bufs + b * size, (unsigned)size, off);
            io_uring_sqe_set_data64(sqe, b);
            queued++;
        }
        rc = io_uring_submit_and_wait(&ring, 1);
        if (rc < 0) {
            errno = -rc;
            die("io_uring_submit_and_wait");
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe)
        {
            if (cqe->res != (int)size) {
                errno = cqe->res < 0 ? -cqe->res : EIO;
                die(write ? "io_uring write" : "io_uring read");
            }
            free_bufs[nfree++] = (unsigned)io_uring_cqe_get_data64(cqe);
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
        done += seen;
    }
    uint64_t t = now_ns() - t0;
    io_uring_queue_exit(&ring);
    free(free_bufs);
    free(bufs);
    return t;
#else
    (void)fd, (void)write, (void)random, (void)size, (void)count, (void)slots, (void)qd;
    printf("skipped: no liburing\n");
    return 0;
#endif
}

static int block(int argc, char **argv)
{
    if (argc != 7 && argc != 8)
        return 2;
    int write = strcmp(argv[3], "write") == 0, random = strcmp(argv[4], "rand") == 0;
    uint64_t size = strtoull(argv[5], NULL, 10), count = strtoull(argv[6], NULL, 10);
    uint64_t qd = argc == 8 ? strtoull(argv[7], NULL, 10) : 1;
    if (size == 0 || size > (1u << 30) || qd == 0 || qd > 4096)
        return 2;
    int fd = open(argv[2], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        die(argv[2]);
    uint64_t slots = (uint64_t)lseek(fd, 0, SEEK_END) / size;
    if (slots == 0)
        return 2;
    uint64_t t;
    if (qd > 1) {
        t = block_uring(fd, write, random, size, count, slots, (unsigned)qd);
        if (t == 0)
            return EXIT_SKIPPED;
    } else {
        uint8_t *buf = aligned_alloc(4096, size);
        if (buf == NULL)
            die("aligned_alloc");
        memset(buf, 0x5a, size);
        uint64_t rng = BENCH_RNG_SEED, t0 = now_ns();
        for (uint64_t i = 0; i < count; i++) {
            uint64_t off = bench_offset(i, slots, random, &rng) * size;
            ssize_t n = write ? pwrite(fd, buf, size, (off_t)off) : pread(fd, buf, size, (off_t)off);
            if (n != (ssize_t)size)
                die(write ? "pwrite" : "pread");
        }
        t = now_ns() - t0;
        free(buf);
    }
    if (write)
        fdatasync(fd); /* untimed, as in skiff, which syncs written devices when the guest halts */
    printf("ns=%llu\n", (unsigned long long)t);
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
