/* The CPU the guest sees (docs/guest-abi.md §4.5, §4.6):
 *   mode=minimal        no VMX, no SVM, no hypervisor leaves, no perfmon leaf; the hypervisor bit
 *                       and SSE2 present; the TLS MSRs and the TSC work
 *   mode=host           (with --cpu=host) KVM's own leaves are visible
 *   mode=rdmsr|wrmsr msr=0xHEX
 *                       reads or writes that MSR; a denied one ends the run (253) naming it */
#include "guest_test.h"

struct regs {
    uint32_t a, b, c, d;
};

static struct regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct regs r;
    __asm__ __volatile__("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(subleaf));
    return r;
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static int has_kvm_signature(void)
{
    struct regs r = cpuid(0x40000000, 0);
    return r.b == 0x4b4d564b && r.c == 0x564b4d56 && r.d == 0x4d; /* "KVMKVMKVM\0\0\0" */
}

static uint32_t parse_hex(const char *s)
{
    uint32_t v = 0;
    if (s[0] == '0' && s[1] == 'x')
        s += 2;
    for (; *s; ++s)
        v = v * 16 + (uint32_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
    return v;
}

static int minimal(void)
{
    struct regs l1 = cpuid(1, 0), ext = cpuid(0x80000001, 0);
    out("vmx=");
    out_u64((l1.c >> 5) & 1);
    out(" svm=");
    out_u64((ext.c >> 2) & 1);
    out(" hypervisor=");
    out_u64(l1.c >> 31);
    out(" kvm-leaves=");
    out_u64((uint64_t)has_kvm_signature());
    out("\n");
    CHECK(!(l1.c & (1u << 5)));   /* VMX */
    CHECK(!(ext.c & (1u << 2)));  /* SVM */
    CHECK(l1.c & (1u << 31));     /* hypervisor */
    CHECK(l1.d & (1u << 26));     /* SSE2 */
    CHECK(!has_kvm_signature());
    CHECK(cpuid(0, 0).a < 0xA || cpuid(0xA, 0).a == 0); /* no perfmon */
    /* Allowed MSRs: TLS base, TSC. */
    wrmsr(0xC0000100, 0x123000);
    CHECK(rdmsr(0xC0000100) == 0x123000);
    wrmsr(0xC0000100, 0);
    uint64_t t0 = rdmsr(0x10), t1 = rdmsr(0x10);
    CHECK(t1 >= t0);
    return test_success();
}

int skiff_app_main(const struct skiff_start_info *si)
{
    char mode[16], msr[16];
    if (!arg_value(si->cmdline, "mode", mode, sizeof mode))
        return test_fail("mode=minimal|host|rdmsr|wrmsr expected");
    if (util_streq(mode, "minimal"))
        return minimal();
    if (util_streq(mode, "host")) {
        CHECK(has_kvm_signature());
        return test_success();
    }
    if (!arg_value(si->cmdline, "msr", msr, sizeof msr))
        return test_fail("msr=0xHEX expected");
    out("touching MSR ");
    out(msr);
    out("\n");
    if (util_streq(mode, "rdmsr"))
        (void)rdmsr(parse_hex(msr));
    else
        wrmsr(parse_hex(msr), 0);
    return test_fail("the MSR access went through");
}
