/* Benchmark guest that does what bench_floor's guest does: one exit, then it stops. Its first
 * instruction is the HALT hypercall, so the start-up row run with it compares skiff's own work with
 * the floor's for the same guest work (the bindings' start-up, which touches more guest memory and
 * runs ~1 ms of instructions on kvm-pvm, is the hello rows' business). It defines _start, so the
 * bindings' start.o is not linked: this file carries the ABI note and PT_INTERP itself. */
#include <stdint.h>

#include "cpu.h"
#include "skiff/abi/note.h"

__attribute__((section(".note.solo5.abi"), aligned(4), used)) const struct skiff_abi_note skiff_abi_note = {
    .h = {.n_namesz = SKIFF_NOTE_NAMESZ,
          .n_descsz = sizeof(struct skiff_abi_info),
          .n_type = SKIFF_NOTE_TYPE_ABI,
          .n_name = SKIFF_NOTE_NAME},
    .payload = {.abi_target = SKIFF_ABI_TARGET_HVT, .abi_version = SKIFF_ABI_VERSION},
};

__attribute__((section(".interp"), used)) const char skiff_interp[] = "/nonexistent/skiff/";

static const struct skiff_hc_halt halt_args = {.cookie = 0, .exit_status = 0};

__attribute__((noreturn, used)) void _start(void)
{
    skiff_cpu_hypercall(SKIFF_HC_HALT, (uint32_t)(uintptr_t)&halt_args);
    for (;;) {
    }
}
