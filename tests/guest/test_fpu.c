/* SSE (movaps/mulps) and scalar floating point work: the tender enables CR4.OSFXSR. */
#include "guest_test.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    float a[4] __attribute__((aligned(16))) = {1.5f, 2.0f, -3.0f, 0.25f};
    float b[4] __attribute__((aligned(16))) = {2.0f, 2.5f, 4.0f, 8.0f};
    float r[4] __attribute__((aligned(16)));
    __asm__ __volatile__("movaps %1, %%xmm0\n\t"
                         "movaps %2, %%xmm1\n\t"
                         "mulps %%xmm1, %%xmm0\n\t"
                         "movaps %%xmm0, %0"
                         : "=m"(r)
                         : "m"(a), "m"(b)
                         : "xmm0", "xmm1");
    CHECK(r[0] == 3.0f && r[1] == 5.0f && r[2] == -12.0f && r[3] == 2.0f);

    volatile double x = 1.0;
    for (int i = 0; i < 10; i++)
        x = x * 1.5 + 0.5;
    CHECK(x > 114.33 && x < 114.34); /* x(n+1) = 1.5 x(n) + 0.5 from 1: 2*1.5^10 - 1 */
    volatile float third = 1.0f / 3.0f;
    CHECK(third * 3.0f > 0.9999f && third * 3.0f < 1.0001f);
    return test_success();
}
