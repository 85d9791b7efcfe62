/* shufflec golden-test harness: pasted into NAME_test.c by `shufflec compile --emit-test` after the model-specific
 * definitions below. It runs the model on the embedded input, compares with the embedded golden output (from the
 * shufflec reference interpreter) and exits non-zero on mismatch, so it can run on the target board as is.
 *
 *   NAME_test                      check against the embedded golden
 *   NAME_test --input IN.bin       run on a raw float32 input file instead (the embedded golden is then skipped)
 *             --expect REF.bin     compare with this raw float32 golden (e.g. from PyTorch) instead
 *             --output OUT.bin     write the output
 *             --repeat N           time N runs and print the median latency
 *             --tolerance T        relative tolerance, max|err| / max|ref| (default 1e-5)
 *
 * Needs (defined by the generated part): SC_MODEL_NAME, SC_RUN, SC_INPUT_COUNT, SC_OUTPUT_COUNT, SC_ARENA_DECLARE
 * (the model header's NAME_ARENA_DECLARE), SC_TEST_INPUT, SC_TEST_EXPECTED. */
#ifndef SC_RUN
#error "test_main.c is pasted into generated NAME_test.c files; it is not compiled on its own"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

/* Static storage: the harness itself does not call malloc either. The arena is declared the way the model's header
 * offers, aligned as the run function requires. */
static SC_ARENA_DECLARE(sc_arena);
static float sc_input[SC_INPUT_COUNT];
static float sc_output[SC_OUTPUT_COUNT];
static float sc_expected[SC_OUTPUT_COUNT];

static int sc_read_floats(const char *path, float *dst, long count) {
  FILE *f = fopen(path, "rb");
  long got;
  int extra;
  if (!f) {
    fprintf(stderr, "%s: error: cannot open %s\n", SC_MODEL_NAME, path);
    return 0;
  }
  got = (long)fread(dst, sizeof(float), (size_t)count, f);
  extra = fgetc(f);
  fclose(f);
  if (got != count || extra != EOF) {
    fprintf(stderr, "%s: error: %s must hold exactly %ld float32 values\n", SC_MODEL_NAME, path, count);
    return 0;
  }
  return 1;
}

static int sc_compare_floats(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *input_path = NULL, *expect_path = NULL, *output_path = NULL;
  double tolerance = 1e-5, max_err = 0.0, max_ref = 0.0, rel;
  long repeat = 0, i;
  int status, saw_nan = 0;
  for (i = 1; i < argc; ++i) {
    if (i + 1 < argc && strcmp(argv[i], "--input") == 0) input_path = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--expect") == 0) expect_path = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--output") == 0) output_path = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--repeat") == 0) repeat = strtol(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--tolerance") == 0) tolerance = strtod(argv[++i], NULL);
    else {
      fprintf(stderr, "usage: %s [--input IN.bin] [--expect REF.bin] [--output OUT.bin] [--repeat N] "
                      "[--tolerance T]\n", argv[0]);
      return 2;
    }
  }
  if (input_path) {
    if (!sc_read_floats(input_path, sc_input, SC_INPUT_COUNT)) return 2;
  } else {
    memcpy(sc_input, SC_TEST_INPUT, sizeof sc_input);
  }
  status = SC_RUN(sc_input, sc_output, sc_arena);
  if (status != 0) {
    fprintf(stderr, "%s: error: run returned %d\n", SC_MODEL_NAME, status);
    return 1;
  }
  if (output_path) {
    FILE *f = fopen(output_path, "wb");
    if (!f || fwrite(sc_output, sizeof(float), SC_OUTPUT_COUNT, f) != SC_OUTPUT_COUNT || fclose(f) != 0) {
      fprintf(stderr, "%s: error: cannot write %s\n", SC_MODEL_NAME, output_path);
      return 2;
    }
  }
  if (repeat > 0) {
    static double times[1000];
    if (repeat > 1000) repeat = 1000;
    for (i = 0; i < repeat; ++i) {
      const clock_t t0 = clock();
      SC_RUN(sc_input, sc_output, sc_arena);
      times[i] = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
    }
    qsort(times, (size_t)repeat, sizeof(double), sc_compare_floats);
    printf("%s: latency median %.3f ms over %ld runs (min %.3f ms)\n", SC_MODEL_NAME, times[repeat / 2], repeat,
           times[0]);
  }
  if (expect_path) {
    if (!sc_read_floats(expect_path, sc_expected, SC_OUTPUT_COUNT)) return 2;
  } else if (input_path) {
    return 0; /* no golden for a user-supplied input */
  } else {
    memcpy(sc_expected, SC_TEST_EXPECTED, sizeof sc_expected);
  }
  for (i = 0; i < SC_OUTPUT_COUNT; ++i) {
    const double err = fabs((double)sc_output[i] - (double)sc_expected[i]);
    const double ref = fabs((double)sc_expected[i]);
    if (err != err) saw_nan = 1;
    else if (err > max_err) max_err = err;
    if (ref > max_ref) max_ref = ref;
  }
  rel = saw_nan ? HUGE_VAL : max_err / (max_ref > 0.0 ? max_ref : 1.0);
  printf("%s: max |err| = %.3g, max |ref| = %.3g, relative %.3g (tolerance %.3g) against %s: %s\n", SC_MODEL_NAME,
         max_err, max_ref, rel, tolerance, expect_path ? expect_path : "the embedded golden",
         rel <= tolerance ? "PASS" : "FAIL");
  return rel <= tolerance ? 0 : 1;
}
