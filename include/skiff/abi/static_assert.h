/* One spelling of a compile-time check for C99 (the guest) and C++ (the tender). */
#ifndef SKIFF_ABI_STATIC_ASSERT_H
#define SKIFF_ABI_STATIC_ASSERT_H
#ifdef __cplusplus
#define SKIFF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SKIFF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#endif
