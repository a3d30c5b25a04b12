/* Benchmark guest that does what bench_floor's guest does: one exit, then it stops. Its first
 * instruction is the HALT hypercall, so the start-up row run with it compares skiff's own work with
 * the floor's for the same guest work (the bindings' start-up, which touches more guest memory and
 * runs ~1 ms of instructions on kvm-pvm, is the hello rows' business). It defines _start, so the
 * bindings' start.o is not linked; the ABI note and PT_INTERP come from abi_note.o as always. */
#include <stdint.h>

#include "cpu.h"

static const struct skiff_hc_halt halt_args = {.cookie = 0, .exit_status = 0};

__attribute__((noreturn, used)) void _start(void)
{
    skiff_cpu_hypercall(SKIFF_HC_HALT, (uint32_t)(uintptr_t)&halt_args);
    for (;;) {
    }
}
