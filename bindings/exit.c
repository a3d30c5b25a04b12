/* Ending the guest: the HALT hypercall (docs/guest-abi.md §5.9). Also the stack-protector failure
 * handler, which ends the guest the same way as an abort. */
#include "bindings.h"
#include "hypercall.h"

static __attribute__((noreturn)) void halt(int status)
{
    volatile struct skiff_hc_halt arg = {.cookie = 0, .exit_status = status};
    for (;;) /* HALT never returns; loop in case a broken tender resumes us */
        skiff_hypercall(SKIFF_HC_HALT, &arg);
}

void skiff_exit(int status)
{
    halt(status);
}

static void say(const char *msg)
{
    skiff_console_write(msg, strlen(msg));
}

void skiff_abort(void)
{
    say("skiff bindings: ABORT: skiff_abort() called\n");
    halt(SKIFF_EXIT_ABORT);
}

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
    say("skiff bindings: ABORT: stack corruption detected\n");
    halt(SKIFF_EXIT_ABORT);
}
