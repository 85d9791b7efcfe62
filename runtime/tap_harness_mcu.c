/* shufflec tap harness for the bare-metal Cortex-M target: the main() that `shufflec profile` and `shufflec diff`
 * build with a model compiled with --debug-taps under the prefix `tapped`, linked with tests/baremetal's startup.c
 * and mps2.ld against newlib's semihosting library and run by qemu-system-arm (arguments and files through
 * semihosting). It is not written into users' builds.
 *
 *   harness dump INPUT.bin OUT.taps     runs once; writes every tap as tap_harness.c does
 *   harness count INPUT.bin OUT.txt     under `-icount shift=0` (virtual time: 1 ns per guest instruction): a spin
 *                                       loop of known length ("spin INSTRUCTIONS TICKS"), a run with taps ("tap
 *                                       INDEX TICKS" since the previous tap, the hook's own ticks excluded) and one
 *                                       without ("untapped TICKS"), in SysTick ticks of the processor clock */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tapped.h"

#define SC_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SC_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SC_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SC_SYST_RELOAD 0xFFFFFFu

static TAPPED_ARENA_DECLARE(sc_arena);
static float sc_input[TAPPED_INPUT_COUNT];
static float sc_output[TAPPED_OUTPUT_COUNT];

/* SysTick's 24-bit count extended by counting its wraps (startup.c's weak handler would be a fault). */
static volatile uint32_t sc_systick_wraps;
void SysTick_Handler(void) { ++sc_systick_wraps; }

static uint64_t sc_ticks(void) {
  uint32_t wraps, count;
  do {
    wraps = sc_systick_wraps;
    count = SC_SYST_CVR;
  } while (wraps != sc_systick_wraps);
  return (uint64_t)wraps * (SC_SYST_RELOAD + 1u) + (SC_SYST_RELOAD - count);
}

/* 2 * n instructions and a few: subs + bne per iteration. */
static void sc_spin(uint32_t n) { __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc"); }

#include "tap_dump.h" /* struct sc_dump, sc_dump_tap: the tap record writer */

struct sc_counter {
  uint64_t last;
  uint32_t *elapsed; /* per tap index */
};

static void sc_count_tap(void *user, int index, const char *name, const float *data, size_t count, int rank,
                         const int *shape) {
  struct sc_counter *c = (struct sc_counter *)user;
  const uint64_t now = sc_ticks();
  (void)name, (void)data, (void)count, (void)rank, (void)shape;
  c->elapsed[index] = (uint32_t)(now - c->last);
  c->last = sc_ticks(); /* the hook's own time is not the next layer's */
}

int main(int argc, char **argv) {
  FILE *in, *out;
  if (argc < 4) {
    printf("usage: %s dump|count INPUT.bin OUT\n", argc > 0 ? argv[0] : "harness");
    return 2;
  }
  in = fopen(argv[2], "rb");
  if (!in || fread(sc_input, sizeof(float), TAPPED_INPUT_COUNT, in) != TAPPED_INPUT_COUNT) {
    printf("tap harness: cannot read %d floats from %s\n", TAPPED_INPUT_COUNT, argv[2]);
    return 2;
  }
  fclose(in);
  out = fopen(argv[3], "wb");
  if (!out) {
    printf("tap harness: cannot write %s\n", argv[3]);
    return 2;
  }
  if (strcmp(argv[1], "dump") == 0) {
    struct sc_dump d;
    int status;
    d.file = out;
    d.failed = 0;
    status = tapped_run_with_taps(sc_input, sc_output, sc_arena, sc_dump_tap, &d);
    if (fclose(out) != 0 || d.failed || status != TAPPED_OK) {
      printf("tap harness: run status %d, write %s\n", status, d.failed ? "failed" : "ok");
      return 2;
    }
    return 0;
  }
  if (strcmp(argv[1], "count") == 0) {
    const uint32_t spin_count = 1000000u;
    static uint32_t elapsed[TAPPED_TAP_COUNT > 0 ? TAPPED_TAP_COUNT : 1];
    struct sc_counter c;
    uint64_t t0, spin_ticks, untapped_ticks;
    int i;
    SC_SYST_RVR = SC_SYST_RELOAD;
    SC_SYST_CVR = 0;
    SC_SYST_CSR = 7u; /* enable, interrupt on wrap, processor clock */
    while (SC_SYST_CVR == 0u) {
      /* the first tick loads the reload value (without a wrap): count from there */
    }
    t0 = sc_ticks();
    sc_spin(spin_count);
    spin_ticks = sc_ticks() - t0;
    c.elapsed = elapsed;
    c.last = sc_ticks();
    if (tapped_run_with_taps(sc_input, sc_output, sc_arena, sc_count_tap, &c) != TAPPED_OK) return 2;
    t0 = sc_ticks();
    if (tapped_run(sc_input, sc_output, sc_arena) != TAPPED_OK) return 2;
    untapped_ticks = sc_ticks() - t0;
    fprintf(out, "spin %lu %lu\n", (unsigned long)(2u * spin_count), (unsigned long)spin_ticks);
    for (i = 0; i < TAPPED_TAP_COUNT; ++i) fprintf(out, "tap %d %lu\n", i, (unsigned long)elapsed[i]);
    fprintf(out, "untapped %lu\n", (unsigned long)untapped_ticks);
    return fclose(out) == 0 ? 0 : 2;
  }
  printf("tap harness: unknown mode %s\n", argv[1]);
  return 2;
}
