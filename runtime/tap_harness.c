/* shufflec tap harness: the main() that `shufflec diff` and `shufflec profile` build with a model compiled with
 * --debug-taps under the prefix `tapped`. It is not written into users' builds.
 *
 *   harness dump INPUT.bin OUT.taps          runs once; writes every tap as a record: int32 index, int32 count,
 *                                            count float32 (native byte order)
 *   harness time INPUT.bin OUT.txt RUNS      RUNS times: a run with taps, then one without (interleaved, so a
 *                                            busy machine slows both alike); writes per tap and run "tap INDEX RUN
 *                                            NANOSECONDS" (since the previous tap, or since the run began), and per
 *                                            run "untapped RUN NANOSECONDS" */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tapped.h"

static TAPPED_ARENA_DECLARE(sc_arena);
static float sc_input[TAPPED_INPUT_COUNT];
static float sc_output[TAPPED_OUTPUT_COUNT];

#include "tap_dump.h" /* struct sc_dump, sc_dump_tap: the tap record writer */

static long long sc_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

struct sc_timer {
  long long last;
  long long *elapsed; /* per tap index */
};

static void sc_time_tap(void *user, int index, const char *name, const float *data, size_t count, int rank,
                        const int *shape) {
  struct sc_timer *t = (struct sc_timer *)user;
  const long long now = sc_now_ns();
  (void)name, (void)data, (void)count, (void)rank, (void)shape;
  t->elapsed[index] = now - t->last;
  t->last = sc_now_ns(); /* the hook's own time is not the next layer's */
}

int main(int argc, char **argv) {
  FILE *in, *out;
  if (argc < 4) {
    fprintf(stderr, "usage: %s dump|time INPUT.bin OUT [RUNS]\n", argv[0]);
    return 2;
  }
  in = fopen(argv[2], "rb");
  if (!in || fread(sc_input, sizeof(float), TAPPED_INPUT_COUNT, in) != TAPPED_INPUT_COUNT) {
    fprintf(stderr, "tap harness: cannot read %d floats from %s\n", TAPPED_INPUT_COUNT, argv[2]);
    return 2;
  }
  fclose(in);
  out = fopen(argv[3], "wb");
  if (!out) {
    fprintf(stderr, "tap harness: cannot write %s\n", argv[3]);
    return 2;
  }
  if (strcmp(argv[1], "dump") == 0) {
    struct sc_dump d;
    int status;
    d.file = out;
    d.failed = 0;
    status = tapped_run_with_taps(sc_input, sc_output, sc_arena, sc_dump_tap, &d);
    if (fclose(out) != 0 || d.failed || status != TAPPED_OK) {
      fprintf(stderr, "tap harness: run status %d, write %s\n", status, d.failed ? "failed" : "ok");
      return 2;
    }
    return 0;
  }
  if (strcmp(argv[1], "time") == 0 && argc == 5) {
    const int runs = atoi(argv[4]);
    static long long elapsed[TAPPED_TAP_COUNT > 0 ? TAPPED_TAP_COUNT : 1];
    struct sc_timer t;
    int r, i;
    t.elapsed = elapsed;
    tapped_run(sc_input, sc_output, sc_arena); /* warm the caches once */
    for (r = 0; r < runs; ++r) {
      long long start;
      t.last = sc_now_ns();
      if (tapped_run_with_taps(sc_input, sc_output, sc_arena, sc_time_tap, &t) != TAPPED_OK) return 2;
      for (i = 0; i < TAPPED_TAP_COUNT; ++i) fprintf(out, "tap %d %d %lld\n", i, r, elapsed[i]);
      start = sc_now_ns();
      if (tapped_run(sc_input, sc_output, sc_arena) != TAPPED_OK) return 2;
      fprintf(out, "untapped %d %lld\n", r, sc_now_ns() - start);
    }
    return fclose(out) == 0 ? 0 : 2;
  }
  fprintf(stderr, "tap harness: unknown mode %s\n", argv[1]);
  return 2;
}
