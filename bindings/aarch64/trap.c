/* Any exception the guest takes (vectors.S) ends it with one report on the console and HALT with
 * status 255, the way skiff_abort() does:
 *   skiff bindings: ABORT: data abort (write, permission fault, level 3) at pc=0x100f3c far=0x100000
 *   esr=0x9600004f lr=0x100e80 sp=0x1fffef0
 * (one line). Numbers are hex without leading zeros, as skiff prints addresses. */
#include "bindings.h"
#include "cpu.h"

/* The handler's own stack (vectors.S switches to it), so that even a stack overflow is reported. */
static uint8_t trap_stack[8192] __attribute__((aligned(16)));

void skiff_cpu_install_trap_handlers(void)
{
    extern char skiff_exception_vectors[]; /* vectors.S */
    __asm__ __volatile__("msr sp_el0, %0\n\t"
                         "msr vbar_el1, %1\n\t"
                         "isb"
                         :
                         : "r"(trap_stack + sizeof trap_stack), "r"(skiff_exception_vectors)
                         : "memory");
}

struct skiff_trap_frame {
    uint64_t x[31];
    uint64_t sp;
};

void skiff_trap(uint64_t vector, const struct skiff_trap_frame *frame);

#define EC_UNKNOWN 0x00u
#define EC_FP_SIMD 0x07u
#define EC_SVC 0x15u
#define EC_INSTRUCTION_ABORT 0x21u /* from EL1; 0x20 from EL0 */
#define EC_PC_ALIGNMENT 0x22u
#define EC_DATA_ABORT 0x25u /* from EL1; 0x24 from EL0 */
#define EC_SP_ALIGNMENT 0x26u
#define EC_BRK 0x3cu
#define ESR_WNR (1u << 6) /* data aborts: the access was a write */

#define READ_SYSREG(name)                                      \
    ({                                                         \
        uint64_t value_;                                       \
        __asm__ __volatile__("mrs %0, " #name : "=r"(value_)); \
        value_;                                                \
    })

struct line {
    char text[256];
    size_t len;
};

static void put(struct line *l, const char *s)
{
    while (*s != '\0' && l->len < sizeof l->text)
        l->text[l->len++] = *s++;
}

static void put_hex(struct line *l, uint64_t v)
{
    char digits[17];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 15u];
        v >>= 4;
    } while (v != 0);
    put(l, "0x");
    while (n > 0 && l->len < sizeof l->text)
        l->text[l->len++] = digits[--n];
}

/* The vector: its low two bits the kind (synchronous, IRQ, FIQ, SError), the upper two where the
 * exception came from; only "EL1 on SP_EL1" is expected (the guest never drops to EL0). */
static const char *vector_kind(uint64_t vector)
{
    static const char *const kinds[] = {"synchronous exception", "IRQ", "FIQ", "SError"};
    return kinds[vector & 3u];
}

static const char *vector_origin(uint64_t vector)
{
    static const char *const origins[] = {" (taken on SP_EL0)", "", " (from EL0)", " (from AArch32 EL0)"};
    return origins[(vector >> 2) & 3u];
}

static const char *fault_status(uint32_t fsc)
{
    static const char *const groups[] = {"address size fault", "translation fault", "access flag fault",
                                         "permission fault"};
    if (fsc < 16u)
        return groups[fsc >> 2];
    return fsc == 0x21u ? "alignment fault" : "other fault";
}

/* "data abort (write, permission fault, level 3)", "BRK", ... */
static void put_cause(struct line *l, uint64_t esr)
{
    uint32_t ec = (uint32_t)(esr >> 26) & 0x3fu, fsc = (uint32_t)esr & 0x3fu;
    switch (ec | 1u) {
    case EC_DATA_ABORT:
    case EC_INSTRUCTION_ABORT:
        put(l, (ec | 1u) == EC_DATA_ABORT ? "data abort (" : "instruction abort (");
        if ((ec | 1u) == EC_DATA_ABORT)
            put(l, (esr & ESR_WNR) ? "write, " : "read, ");
        put(l, fault_status(fsc));
        if (fsc < 16u) {
            char level[] = ", level 0)";
            level[8] = (char)('0' + (fsc & 3u));
            put(l, level);
        } else {
            put(l, ")");
        }
        return;
    }
    switch (ec) {
    case EC_UNKNOWN: put(l, "undefined instruction"); return;
    case EC_FP_SIMD: put(l, "FP/SIMD access trapped"); return;
    case EC_SVC: put(l, "SVC"); return;
    case EC_PC_ALIGNMENT: put(l, "PC alignment fault"); return;
    case EC_SP_ALIGNMENT: put(l, "SP alignment fault"); return;
    case EC_BRK: put(l, "BRK"); return;
    default: put(l, "exception class "); put_hex(l, ec); return;
    }
}

static int has_fault_address(uint64_t esr)
{
    uint32_t ec = (uint32_t)(esr >> 26) & 0x3fu;
    return (ec | 1u) == EC_DATA_ABORT || (ec | 1u) == EC_INSTRUCTION_ABORT || ec == EC_PC_ALIGNMENT;
}

void skiff_trap(uint64_t vector, const struct skiff_trap_frame *frame)
{
    static int reporting;
    if (reporting++) /* the report itself faulted: end without one */
        skiff_exit(SKIFF_EXIT_ABORT);
    uint64_t esr = READ_SYSREG(esr_el1);
    struct line l = {.len = 0};
    put(&l, "skiff bindings: ABORT: ");
    if ((vector & 3u) == 0)
        put_cause(&l, esr);
    else
        put(&l, vector_kind(vector));
    put(&l, vector_origin(vector));
    put(&l, " at pc=");
    put_hex(&l, READ_SYSREG(elr_el1));
    if ((vector & 3u) == 0 && has_fault_address(esr)) {
        put(&l, " far=");
        put_hex(&l, READ_SYSREG(far_el1));
    }
    put(&l, " esr=");
    put_hex(&l, esr);
    put(&l, " lr=");
    put_hex(&l, frame->x[30]);
    put(&l, " sp=");
    put_hex(&l, frame->sp);
    put(&l, "\n");
    skiff_console_write(l.text, l.len);
    skiff_exit(SKIFF_EXIT_ABORT);
}
