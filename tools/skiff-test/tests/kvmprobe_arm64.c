/* kvmprobe_arm64: the smallest arm64 KVM user, for the arm64 emulated host's self-test (selftest.sh
 * arm64). Built static with the aarch64 cross compiler; it runs inside the emulated host as a test
 * "image" (the stand-in tender execs ELF images). It checks that /dev/kvm there really runs a guest:
 * KVM_CREATE_VM, KVM_ARM_PREFERRED_TARGET + KVM_ARM_VCPU_INIT (with PSCI 0.2), then a guest at the
 * start of its RAM (MMU off) that stores 1..1000 to an unmapped address (1000 KVM_EXIT_MMIO, timed)
 * and powers off through PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT). Exit 0 and "kvmprobe: ok" when
 * all of that happened. */
#define _GNU_SOURCE
#include <errno.h>
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

#define RAM_BASE 0x40000000ull /* where QEMU's virt board has RAM; any IPA would do */
#define RAM_SIZE 0x10000ull
#define MMIO_ADDR 0x10000000ull /* below RAM_BASE, mapped to nothing */
#define STORES 1000u

/* Assembled with aarch64-linux-gnu-as (comments are the source). */
static const uint32_t guest_code[] = {
    0xd2a20000, /* movz x0, #0x1000, lsl #16    x0 = MMIO_ADDR */
    0x52800001, /* movz w1, #0 */
    0x11000421, /* 1: add w1, w1, #1 */
    0xb9000001, /* str w1, [x0]                 KVM_EXIT_MMIO */
    0x710fa03f, /* cmp w1, #1000                STORES */
    0x54ffffa1, /* b.ne 1b */
    0x52800100, /* movz w0, #0x0008 */
    0x72b08000, /* movk w0, #0x8400, lsl #16    w0 = PSCI_0_2_FN_SYSTEM_OFF */
    0xd4000002, /* hvc #0                       KVM_EXIT_SYSTEM_EVENT */
    0x14000000, /* 2: b 2b */
};

static void die(const char* what) {
    fprintf(stderr, "kvmprobe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int must(int rc, const char* what) {
    if (rc < 0) die(what);
    return rc;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void set_pc(int vcpu, uint64_t pc) {
    struct kvm_one_reg reg = {
        .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc),
        .addr = (uint64_t)(uintptr_t)&pc,
    };
    must(ioctl(vcpu, KVM_SET_ONE_REG, &reg), "KVM_SET_ONE_REG pc");
}

static int make_vcpu(int vm) {
    int vcpu = must(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_vcpu_init init;
    memset(&init, 0, sizeof init);
    must(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), "KVM_ARM_PREFERRED_TARGET");
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2; /* SYSTEM_OFF becomes a system event */
    must(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), "KVM_ARM_VCPU_INIT");
    printf("kvmprobe: vcpu initialised (preferred target %u)\n", init.target);
    return vcpu;
}

static void map_ram(int vm) {
    void* ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) die("mmap guest RAM");
    memcpy(ram, guest_code, sizeof guest_code);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = RAM_BASE, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram};
    must(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
}

/* One MMIO exit: the store of `expected` to MMIO_ADDR. */
static int is_expected_store(const struct kvm_run* run, uint32_t expected) {
    uint32_t value;
    memcpy(&value, run->mmio.data, sizeof value);
    return run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write && run->mmio.phys_addr == MMIO_ADDR &&
           run->mmio.len == 4 && value == expected;
}

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("open /dev/kvm");
    printf("kvmprobe: KVM API version %d\n", must(ioctl(kvm, KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION"));
    int vm = must(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    map_ram(vm);
    int vcpu = make_vcpu(vm);
    set_pc(vcpu, RAM_BASE);
    int run_size = must(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run* run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");

    double start = now_us();
    for (uint32_t i = 1; i <= STORES; ++i) {
        must(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
        if (!is_expected_store(run, i)) {
            fprintf(stderr, "kvmprobe: exit %u: reason %u, expected an MMIO store of %u to 0x%llx\n", i,
                    run->exit_reason, i, MMIO_ADDR);
            return 1;
        }
        if (i == 1) printf("kvmprobe: KVM_EXIT_MMIO: write of 1 to 0x%llx, 4 bytes\n", MMIO_ADDR);
    }
    printf("kvmprobe: %u MMIO exits, %.1f us each\n", STORES, (now_us() - start) / STORES);
    must(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    if (run->exit_reason != KVM_EXIT_SYSTEM_EVENT || run->system_event.type != KVM_SYSTEM_EVENT_SHUTDOWN) {
        fprintf(stderr, "kvmprobe: after the stores: exit reason %u, expected a PSCI SYSTEM_OFF event\n",
                run->exit_reason);
        return 1;
    }
    printf("kvmprobe: KVM_EXIT_SYSTEM_EVENT (PSCI SYSTEM_OFF)\nkvmprobe: ok\n");
    return 0;
}
