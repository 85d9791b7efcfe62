/* A minimal harness for the int8 Fashion-MNIST model on a 256 KiB / 64 KiB Cortex-M4F (README, "Deploy to a
 * microcontroller"): one static arena, one run on an embedded image, the predicted class printed, and the output
 * compared with the int8 reference interpreter's (exit status 0 when they agree). No heap, no stdio. */
#include <math.h>
#include <stdint.h>

#include "fashion.h"
#include "sample.h"

extern const float sample_input[FASHION_INPUT_COUNT], sample_expected[FASHION_OUTPUT_COUNT];

static FASHION_ARENA_DECLARE(arena);
static float output[FASHION_OUTPUT_COUNT];

int main(void) {
  static const char *const classes[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  int best = 0, i;
  float max_err = 0.0f;
  const int status = fashion_run(sample_input, output, arena);
  if (status != FASHION_OK) {
    sample_print("fashion_run failed\n");
    return 2;
  }
  for (i = 0; i < FASHION_OUTPUT_COUNT; ++i) {
    const float err = fabsf(output[i] - sample_expected[i]);
    if (err > max_err || err != err) max_err = err != err ? INFINITY : err;
    if (output[i] > output[best]) best = i;
  }
  sample_print("class: ");
  sample_print(best < 10 ? classes[best] : "?");
  /* Only the final softmax runs in float (libm's expf here, the host's in the interpreter): 1e-5 of the largest
   * probability, as the bare-metal tests allow. */
  sample_print(max_err <= 1e-5f ? "\noutput equals the int8 interpreter's\n" : "\noutput DIFFERS from the interpreter's\n");
  return max_err <= 1e-5f ? 0 : 1;
}
