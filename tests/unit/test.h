/*
 * test.h - a minimal unit-test harness.
 *
 *   TEST(tokenizer_roundtrip) { CHECK(x == 1); CHECK_EQ_INT(a, b); CHECK_STR(s, "x"); }
 *
 * Tests register themselves (a constructor per test) and run in file order.
 * A failed CHECK prints file:line and the expression and marks the test
 * failed; the test goes on. `unit-tests [-v] [NAME-SUBSTRING]` runs them and
 * ends with "N passed, N failed". Randomised tests take their seed from
 * test_seed(), printed on failure (set UNSPIN_TEST_SEED to replay).
 */
#ifndef UNSPIN_TEST_H
#define UNSPIN_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, const char *file, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t test_seed(void);
uint64_t test_rand(void); /* xorshift from test_seed() */
/* Path of a fixture under tests/data (static buffer). */
const char *test_data(const char *name);
/* Folder for scratch files of this run. */
const char *test_tmpdir(void);

#define TEST(name)                                                            \
    static void test_##name(void);                                            \
    __attribute__((constructor)) static void test_reg_##name(void)            \
    {                                                                         \
        test_register(#name, __FILE__, test_##name);                          \
    }                                                                         \
    static void test_##name(void)

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond))                                                          \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        if (a_ != b_)                                                         \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *a_ = (a), *b_ = (b);                                      \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                \
            test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");               \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                 \
    do {                                                                      \
        double a_ = (double)(a), b_ = (double)(b);                            \
        if (!(fabs(a_ - b_) <= (eps)))                                        \
            test_fail(__FILE__, __LINE__, "%s ~= %s: %.9g != %.9g (eps %g)", #a, #b, a_, b_, (double)(eps)); \
    } while (0)

#endif
