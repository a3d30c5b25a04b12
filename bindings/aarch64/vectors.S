/* The exception vector table (VBAR_EL1): sixteen 128-byte entries, 2 KiB aligned, in the text
 * segment (skiff's guest page tables let nothing else execute). The guest expects no exception at
 * all, so every entry does the same: save the registers and call skiff_trap (trap.c), which reports
 * and ends the guest. It runs on a stack of its own (SP_EL0, which trap.c sets up), so a stack
 * overflow is reported too; the interrupted SP is saved in the frame. TPIDR_EL1, used by nothing
 * else, is the one scratch register. */

#define FRAME_SIZE 256 /* struct skiff_trap_frame: x0-x30, sp */

.macro vector index
    .balign 128
    msr tpidr_el1, x0
    mov x0, sp /* the interrupted SP: exceptions always start on SP_EL1 */
    msr spsel, #0
    sub sp, sp, #FRAME_SIZE
    str x0, [sp, #248]
    mrs x0, tpidr_el1
    stp x0, x1, [sp, #0]
    mov x0, #\index
    b save_and_report
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global skiff_exception_vectors
skiff_exception_vectors:
    .irp index, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vector \index
    .endr

save_and_report:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    str x30, [sp, #240]
    mov x1, sp
    bl skiff_trap /* never returns */
    b .
