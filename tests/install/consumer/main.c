/* Runs both builds of the model on one input: each must give probabilities that sum to 1, and the two must agree. */
#include <math.h>
#include <stdio.h>

#include "tiny_native.h"
#include "tiny_portable.h"

/* Each model's arena, declared the one way its header offers (sized and aligned for it). */
static TINY_PORTABLE_ARENA_DECLARE(portable_arena);
static TINY_NATIVE_ARENA_DECLARE(native_arena);

int main(void) {
  static float input[TINY_PORTABLE_INPUT_COUNT], portable[TINY_PORTABLE_OUTPUT_COUNT], native[TINY_NATIVE_OUTPUT_COUNT];
  float sum = 0.0f, max_diff = 0.0f;
  int i;
  for (i = 0; i < TINY_PORTABLE_INPUT_COUNT; ++i) input[i] = (float)((i * 7) % 11) / 11.0f - 0.5f;
  if (tiny_portable_run(input, portable, portable_arena) != 0 || tiny_native_run(input, native, native_arena) != 0) {
    fprintf(stderr, "a model run failed\n");
    return 1;
  }
  for (i = 0; i < TINY_PORTABLE_OUTPUT_COUNT; ++i) {
    sum += portable[i];
    if (fabsf(portable[i] - native[i]) > max_diff) max_diff = fabsf(portable[i] - native[i]);
  }
  printf("sum of probabilities %.6f, max |portable - native| %.3g\n", sum, max_diff);
  return sum > 0.999f && sum < 1.001f && max_diff < 1e-5f ? 0 : 1;
}
