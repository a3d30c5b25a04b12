/* Benchmark guest for the start-up figure of a large image: 10 MiB of text and 10 MiB of data, all
 * in the file (non-zero), so the tender reads and loads 20 MiB. It runs none of it: it checks that
 * the first byte of each arrived and halts. */
#include "skiff/skiff.h"

__asm__(".pushsection .text.bench_big, \"ax\", @progbits\n"
        ".globl bench_big_text\n"
        "bench_big_text: .fill 10485760, 1, 0xcc\n"
        ".popsection\n"
        ".pushsection .data.bench_big, \"aw\", @progbits\n"
        ".globl bench_big_data\n"
        "bench_big_data: .fill 10485760, 1, 0x5a\n"
        ".popsection\n");
extern const volatile unsigned char bench_big_text[], bench_big_data[];

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    return bench_big_text[0] == 0xcc && bench_big_data[0] == 0x5a ? 0 : 1;
}
