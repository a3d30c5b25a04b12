/* SIMD arithmetic (SSE on x86_64, Advanced SIMD on aarch64) and scalar floating point work: the
 * tender enables them (CR4.OSFXSR; CPACR_EL1.FPEN). */
#include "guest_arch.h"
#include "guest_test.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    float a[4] = {1.5f, 2.0f, -3.0f, 0.25f};
    float b[4] = {2.0f, 2.5f, 4.0f, 8.0f};
    float r[4];
    guest_simd_multiply(r, a, b);
    CHECK(r[0] == 3.0f && r[1] == 5.0f && r[2] == -12.0f && r[3] == 2.0f);

    volatile double x = 1.0;
    for (int i = 0; i < 10; i++)
        x = x * 1.5 + 0.5;
    CHECK(x > 114.33 && x < 114.34); /* x(n+1) = 1.5 x(n) + 0.5 from 1: 2*1.5^10 - 1 */
    volatile float third = 1.0f / 3.0f;
    CHECK(third * 3.0f > 0.9999f && third * 3.0f < 1.0001f);
    return test_success();
}
