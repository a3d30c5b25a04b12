/* One large console write (4 KiB + a line) arrives complete. */
#include "guest_test.h"

static char text[4096 + 32];

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    size_t n = 0;
    for (int line = 0; line < 64; line++) { /* 64 lines of 64 bytes: "line NN ....\n" */
        text[n++] = 'L';
        text[n++] = (char)('0' + line / 10);
        text[n++] = (char)('0' + line % 10);
        for (int i = 3; i < 63; i++)
            text[n++] = (char)('a' + i % 26);
        text[n++] = '\n';
    }
    const char *end = "END_OF_OUTPUT\n";
    for (size_t i = 0; end[i] != '\0'; i++)
        text[n++] = end[i];
    skiff_console_write(text, n);
    return test_success();
}
