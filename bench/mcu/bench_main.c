/* One inference on an emulated Cortex-M, counted in guest instructions (bench/bench_mcu.sh): built with the
 * bare-metal test bed's startup.c and mps2.ld and run by qemu-system-arm with -icount shift=0, where virtual time
 * advances 1 ns per guest instruction. The SysTick timer (processor clock, its 24-bit count extended by counting
 * its wraps) runs on that virtual time, so its ticks are a fixed number of instructions each: a calibration loop of
 * a known instruction count measures that number, and the model's ticks convert to instructions with it. The
 * output is checked against the golden the harness embeds (the interpreter's) before the count is printed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

extern const float bench_input[MODEL_INPUT_COUNT], bench_expected[MODEL_OUTPUT_COUNT];

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_RELOAD 0xFFFFFFu

static volatile uint32_t systick_wraps;
void SysTick_Handler(void) { ++systick_wraps; }

static uint64_t systick_now(void) {
  uint32_t wraps, count;
  do {
    wraps = systick_wraps;
    count = SYST_CVR;
  } while (wraps != systick_wraps);
  return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - count);
}

/* Exactly 2 * n + a few instructions: subs + bne per iteration. */
static void spin(uint32_t n) {
  __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}

static MODEL_ARENA_DECLARE(arena);
static float output[MODEL_OUTPUT_COUNT];

int main(void) {
  const uint32_t spin_count = 10000000u;
  uint64_t t0, spin_ticks, run_ticks;
  double max_err = 0.0, max_ref = 0.0, per_tick;
  int i, status;
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* enable, interrupt on wrap, processor clock */
  while (SYST_CVR == 0u) {
    /* the first tick loads the reload value (without a wrap): count from there */
  }
  t0 = systick_now();
  spin(spin_count);
  spin_ticks = systick_now() - t0;
  t0 = systick_now();
  status = model_run(bench_input, output, arena);
  run_ticks = systick_now() - t0;
  if (status != 0) {
    printf("bench: run returned %d\n", status);
    return 1;
  }
  for (i = 0; i < MODEL_OUTPUT_COUNT; ++i) {
    const double e = fabs((double)output[i] - bench_expected[i]);
    if (!(e <= max_err)) max_err = e;
    if (fabs((double)bench_expected[i]) > max_ref) max_ref = fabs((double)bench_expected[i]);
  }
  if (!(max_err <= 1e-5 * (max_ref > 0 ? max_ref : 1.0))) {
    printf("bench: output differs from the golden (max |err| %g)\n", max_err);
    return 1;
  }
  per_tick = 2.0 * spin_count / (double)spin_ticks;
  printf("spin: %lu instructions in %lu ticks\n", (unsigned long)(2u * spin_count), (unsigned long)spin_ticks);
  printf("run: %lu ticks = %.0f instructions\n", (unsigned long)run_ticks, (double)run_ticks * per_tick);
  return 0;
}
