/* Links the hand-written tiny model, compiled at build time by shufflec_add_model() (samples/CMakeLists.txt), and
 * prints its class probabilities for a fixed input. Shows the whole user-side API: the size macros, the arena
 * declaration and one call with its status. */
#include <stdio.h>

#include "tiny.h"

int main(void) {
  static float input[TINY_INPUT_COUNT], output[TINY_OUTPUT_COUNT];
  static TINY_ARENA_DECLARE(arena); /* aligned as tiny_run requires */
  float sum = 0.0f;
  int i, status;
  for (i = 0; i < TINY_INPUT_COUNT; ++i) input[i] = (float)((i * 7) % 11) / 11.0f - 0.5f;
  status = tiny_run(input, output, arena);
  if (status != TINY_OK) {
    fprintf(stderr, "tiny_run failed with status %d\n", status);
    return 1;
  }
  for (i = 0; i < TINY_OUTPUT_COUNT; ++i) {
    printf("class %d: %.6f\n", i, output[i]);
    sum += output[i];
  }
  printf("sum of probabilities: %.6f\n", sum);
  return sum > 0.999f && sum < 1.001f ? 0 : 1;
}
