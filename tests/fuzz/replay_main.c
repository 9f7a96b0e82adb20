/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c - runs a fuzz target without libFuzzer (cJSON's
 * fuzzing/fuzz_main.c trick): every regular file in the directories given
 * as arguments (a file argument is run as itself) goes through
 * LLVMFuzzerTestOneInput once, in name order, so the seed corpus is an
 * ordinary CTest case under gcc and a crash input found by clang can be
 * replayed in any build.
 *
 *     replay_json tests/fuzz/corpus/json          -> "replay: 23 passed, 0 failed"
 *     replay_json -v crash-0123abcd               -> names each input as it runs
 *
 * Exit status: 0 when every input ran; 1 when a target returned something
 * other than 0 or -1, or an argument is missing, unreadable or an empty
 * directory; 2 without arguments. An input that crashes the target kills
 * the process; a signal handler names it first (unless a sanitizer owns
 * the signal: then run with -v).
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *volatile current = "(none)"; /* the input being run, for on_crash */

static void
on_crash(int sig)
{
    static const char msg[] = "replay: crashed on input ";

    /* Only async-signal-safe calls: write, signal, raise. */
    ssize_t rc = write(2, msg, sizeof(msg) - 1);

    if (rc >= 0)
        rc = write(2, current, strlen(current));
    if (rc >= 0)
        rc = write(2, "\n", 1);
    (void)rc;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* read_file - the whole regular file in a buffer of exactly its size (so
 * a read past the end is a heap overflow under ASan); NULL on error. */
static uint8_t *
read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0;

    if (f == NULL)
        return NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) {
        len = (size_t)st.st_size;
        buf = malloc(len > 0 ? len : 1);
        if (buf != NULL && fread(buf, 1, len, f) != len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    *size = len;
    return buf;
}

static int
run_one(const char *path, int verbose, long *passed, long *failed)
{
    size_t size = 0;
    uint8_t *data = read_file(path, &size);
    int rc;

    if (data == NULL) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    current = path;
    rc = LLVMFuzzerTestOneInput(data, size);
    current = "(none)";
    free(data);
    if (rc == 0 || rc == -1) {
        ++*passed;
    } else {
        ++*failed;
        fprintf(stderr, "replay: %s: target returned %d\n", path, rc);
    }
    return 0;
}

static int
run_dir(const char *dir, int verbose, long *passed, long *failed)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    long files = 0;
    int rc = 0;

    if (n < 0) {
        fprintf(stderr, "replay: cannot read directory %s\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        if (rc == 0 && names[i]->d_name[0] != '.' &&
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path) &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = run_one(path, verbose, passed, failed);
            files++;
        }
        free(names[i]);
    }
    free(names);
    if (rc == 0 && files == 0) {
        fprintf(stderr, "replay: no inputs in %s\n", dir);
        return -1;
    }
    return rc;
}

int
main(int argc, char **argv)
{
    static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    long passed = 0, failed = 0;
    int verbose = 0, args = 0, bad = 0;

    /* Name the input of a crash, where no sanitizer already handles the signal. */
    for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++) {
        struct sigaction old;

        if (sigaction(crash_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            signal(crash_signals[i], on_crash);
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        args++;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            bad |= run_dir(argv[i], verbose, &passed, &failed) != 0;
        } else {
            bad |= run_one(argv[i], verbose, &passed, &failed) != 0;
        }
    }
    if (args == 0) {
        fprintf(stderr, "usage: %s [-v] DIR|FILE...\n", argv[0]);
        return 2;
    }
    printf("replay: %ld passed, %ld failed\n", passed, failed);
    return bad || failed > 0 ? 1 : 0;
}
