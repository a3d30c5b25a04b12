/* bench_floor: the least a KVM tender can do, the floor skiff's boot and hypercall figures are
 * compared with. It opens /dev/kvm, creates a VM and one vCPU, maps MIB MiB of guest memory lazily
 * (like skiff: private, anonymous, no reserve) and runs a guest that does N hypercall-like exits and
 * then stops. x86_64: a one-entry long-mode page table, 64-bit mode entered directly, N port-I/O
 * exits, then HLT. aarch64: the vCPU initialised, the MMU left off, N 4-byte MMIO stores, then one
 * store to the HALT slot.
 *
 * usage: bench_floor [N [MIB]]   N exits (default 1), MIB MiB of guest memory (default 512)
 * prints: exits=N ns_per_exit=X setup_ns=Y run_ns=R vmhwm_kib=Z
 *         (setup: open to the first KVM_RUN; run: the first KVM_RUN to HLT) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CODE_GPA 0x1000u
#define MMIO_HYPERCALL 0x100000010ull /* aarch64: where skiff's PUTS slot is */
#define MMIO_HALT 0x100000040ull
#define PML4_GPA 0x2000u
#define PDPT_GPA 0x3000u
#define PD_GPA 0x4000u
#define COUNTER_GPA 0x5000u

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
    int r = ioctl(fd, req, arg);
    if (r < 0)
        die(what);
    return r;
}

#if defined(__aarch64__)
/* The guest: x1 = N, x2 = the hypercall slot, x3 = the HALT slot (patched in);
 * cbz x1, done; loop: str w0, [x2]; subs x1, x1, #1; b.ne loop; done: str w0, [x3]; b . */
static void write_guest_code(uint8_t *mem, uint64_t n)
{
    uint32_t code[] = {
        0xD2800001 | (uint32_t)(n & 0xFFFF) << 5,                      /* movz x1, #n[15:0] */
        0xF2A00001 | (uint32_t)((n >> 16) & 0xFFFF) << 5,              /* movk x1, #n[31:16], lsl 16 */
        0xD2800002 | (uint32_t)(MMIO_HYPERCALL & 0xFFFF) << 5,         /* movz x2, #slot[15:0] */
        0xF2C00002 | (uint32_t)((MMIO_HYPERCALL >> 32) & 0xFFFF) << 5, /* movk x2, #slot[47:32], lsl 32 */
        0xD2800003 | (uint32_t)(MMIO_HALT & 0xFFFF) << 5,              /* movz x3, #halt[15:0] */
        0xF2C00003 | (uint32_t)((MMIO_HALT >> 32) & 0xFFFF) << 5,      /* movk x3, #halt[47:32], lsl 32 */
        0xB4000081,                                                    /* cbz x1, done (+4 instructions) */
        0xB9000040,                                                    /* loop: str w0, [x2] */
        0xF1000421,                                                    /* subs x1, x1, #1 */
        0x54FFFFC1,                                                    /* b.ne loop */
        0xB9000060,                                                    /* done: str w0, [x3] */
        0x14000000,                                                    /* b . */
    };
    memcpy(mem + CODE_GPA, code, sizeof code);
}

static void enter_guest(int vm, int vcpu)
{
    struct kvm_vcpu_init init;
    kvm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init, "KVM_ARM_PREFERRED_TARGET");
    kvm_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init, "KVM_ARM_VCPU_INIT");
    uint64_t pc = CODE_GPA, pstate = 0x3c5; /* EL1h, interrupts masked */
    struct kvm_one_reg regs[] = {
        {KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc), (uint64_t)(uintptr_t)&pc},
        {KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pstate),
         (uint64_t)(uintptr_t)&pstate},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        kvm_ioctl(vcpu, KVM_SET_ONE_REG, &regs[i], "KVM_SET_ONE_REG");
}

/* 1: a hypercall exit, 0: the guest stopped, -1: anything else */
static int classify_exit(const struct kvm_run *run)
{
    if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write)
        return -1;
    return run->mmio.phys_addr == MMIO_HYPERCALL ? 1 : run->mmio.phys_addr == MMIO_HALT ? 0 : -1;
}
#else
static void write_page_tables(uint8_t *mem)
{
    uint64_t pml4e = PDPT_GPA | 3, pdpte = PD_GPA | 3, pde = 0x83; /* present, writable, 2 MiB page at 0 */
    memcpy(mem + PML4_GPA, &pml4e, 8);
    memcpy(mem + PDPT_GPA, &pdpte, 8);
    memcpy(mem + PD_GPA, &pde, 8);
}

/* The guest: rcx = N (patched in); loop { out 0x500, eax; dec rcx; jnz loop }; hlt.
 * An `out` to the hypercall port, like skiff's hypercalls, with no argument block. */
static void write_guest_code(uint8_t *mem, uint64_t n)
{
    static const uint8_t code[] = {
        0x48, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, /* movabs rcx, N */
        0x48, 0x85, 0xc9,                   /* test rcx, rcx */
        0x74, 0x0a,                         /* jz done */
        0x66, 0xba, 0x00, 0x05,             /* loop: mov dx, 0x500 */
        0xef,                               /* out dx, eax */
        0x48, 0xff, 0xc9,                   /* dec rcx */
        0x75, 0xf6,                         /* jnz loop */
        0xf4,                               /* done: hlt */
    };
    memcpy(mem + CODE_GPA, code, sizeof code);
    memcpy(mem + CODE_GPA + 2, &n, sizeof n);
    write_page_tables(mem);
}

static void enter_guest(int vm, int vcpu)
{
    (void)vm;
    struct kvm_sregs s;
    kvm_ioctl(vcpu, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
    struct kvm_segment cs = {.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
                             .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1};
    struct kvm_segment ds = cs;
    ds.selector = 16;
    ds.type = 3;
    ds.l = 0;
    ds.db = 1;
    s.cs = cs;
    s.ds = s.es = s.fs = s.gs = s.ss = ds;
    s.cr3 = PML4_GPA;
    s.cr4 = 0x20;       /* PAE */
    s.cr0 = 0x80000011; /* PG | ET | PE */
    s.efer = 0x500;     /* LME | LMA */
    kvm_ioctl(vcpu, KVM_SET_SREGS, &s, "KVM_SET_SREGS");
    struct kvm_regs r = {0};
    r.rip = CODE_GPA;
    r.rflags = 2;
    kvm_ioctl(vcpu, KVM_SET_REGS, &r, "KVM_SET_REGS");
}

/* 1: a hypercall exit, 0: the guest stopped, -1: anything else */
static int classify_exit(const struct kvm_run *run)
{
    if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x500)
        return 1;
    return run->exit_reason == KVM_EXIT_HLT ? 0 : -1;
}
#endif

static long vmhwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    uint64_t size = (argc > 2 ? strtoull(argv[2], NULL, 10) : 512) << 20;
    uint64_t t0 = now_ns();

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("open /dev/kvm");
    int vm = kvm_ioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
    uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");
    write_guest_code(mem, n);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)mem};
    kvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
    int vcpu = kvm_ioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
    int run_size = kvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    enter_guest(vm, vcpu);

    uint64_t t1 = now_ns(), exits = 0;
    for (;;) {
        kvm_ioctl(vcpu, KVM_RUN, 0, "KVM_RUN");
        const int kind = classify_exit(run);
        if (kind == 1) {
            exits++;
            continue;
        }
        if (kind == 0)
            break;
        fprintf(stderr, "bench_floor: unexpected exit reason %u after %llu exits\n", run->exit_reason, (unsigned long long)exits);
        return 1;
    }
    uint64_t t2 = now_ns();
    if (exits != n) {
        fprintf(stderr, "bench_floor: %llu exits, expected %llu\n", (unsigned long long)exits, (unsigned long long)n);
        return 1;
    }
    printf("exits=%llu ns_per_exit=%.1f setup_ns=%llu run_ns=%llu vmhwm_kib=%ld\n", (unsigned long long)n,
           n ? (double)(t2 - t1) / (double)n : 0.0, (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
           vmhwm_kib());
    return 0;
}
