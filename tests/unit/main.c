/* main.c - the unit-test runner (see test.h). */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *name, *file;
    test_fn fn;
} test_case;

static test_case tests[1024];
static int ntests;
static int current_failed;
static int verbose;
static uint64_t seed, rng;

void test_register(const char *name, const char *file, test_fn fn)
{
    if (ntests < (int)(sizeof tests / sizeof tests[0]))
        tests[ntests++] = (test_case){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    current_failed = 1;
}

uint64_t test_seed(void) { return seed; }

uint64_t test_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

const char *test_data(const char *name)
{
    static char path[4096];
    const char *dir = getenv("UNSPIN_TEST_DATA");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
    return path;
}

const char *test_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/unspin-test-%ld", t ? t : "/tmp", (long)getpid());
        mkdir(dir, 0700);
    }
    return dir;
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else
            filter = argv[i];
    }
    const char *s = getenv("UNSPIN_TEST_SEED");
    seed = s ? strtoull(s, NULL, 0) : 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
    if (!seed)
        seed = 1;
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        current_failed = 0;
        rng = seed;
        tests[i].fn();
        if (current_failed) {
            failed++;
            fprintf(stderr, "FAIL %s (%s, seed 0x%llx)\n", tests[i].name, tests[i].file,
                    (unsigned long long)seed);
        } else {
            passed++;
            if (verbose)
                fprintf(stderr, "ok   %s\n", tests[i].name);
        }
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdir());
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", test_tmpdir());
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
