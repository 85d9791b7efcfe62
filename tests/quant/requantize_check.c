/* The SIMD int8 epilogue (runtime/shufflec_int8_<isa>.h: sc_v_requantize, sc_v_requantize_store,
 * sc_v_requantize_residual_store) against the scalar arithmetic of runtime/shufflec_int8.h, lane by lane, on values
 * next to every rounding tie and the int32 limits, for every shift in [-31, 31] and the multipliers' extremes. Built
 * by tests/quant/test_int8_kernels.cpp with the target's helpers -include'd before it; exits 1 at the first
 * difference. */
#define LANES ((int)(sizeof(sc_vacc) / sizeof(int32_t)))

static uint32_t state = 12345u;
static int32_t next_random(void) {
  state = state * 1664525u + 1013904223u;
  return (int32_t)(state ^ (state >> 13));
}

static int32_t xs[4096];
static int count;
static void add(int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX && count < 4096) xs[count++] = (int32_t)v;
}

int main(void) {
  static const int32_t mults[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, 2147483647, 1431655765 + 536870912};
  int e, i, m, shift, failures = 0;
  add(0);
  for (e = 0; e < 32; ++e) {
    const int64_t p = (int64_t)1 << e, h = p >> 1;
    add(p), add(-p), add(p - 1), add(-p + 1), add(p + 1), add(-p - 1);
    add(p + h), add(-p - h), add(3 * p + h), add(-3 * p - h), add(h + 1), add(-h - 1);
  }
  add(INT32_MIN), add(INT32_MAX), add((int64_t)INT32_MIN + 1), add((int64_t)INT32_MAX - 1);
  while (count % LANES != 0 || count < 1024) add(next_random() >> (count % 24));
  for (m = 0; m < (int)(sizeof mults / sizeof mults[0]); ++m)
    for (shift = -31; shift <= 31; ++shift)
      for (i = 0; i < count; i += LANES) {
        int32_t got[64];
        sc_vacc v;
        int lane;
        memcpy(&v, xs + i, sizeof v);
        v = sc_v_requantize(v, mults[m], shift);
        memcpy(got, &v, sizeof v);
        for (lane = 0; lane < LANES; ++lane) {
          const int32_t want = sc_requantize(xs[i + lane], mults[m], shift);
          if (got[lane] != want && failures++ < 10)
            printf("requantize(%ld, %ld, %d): SIMD %ld, scalar %ld\n", (long)xs[i + lane], (long)mults[m], shift,
                   (long)got[lane], (long)want);
        }
      }
  /* The stores: output zero point, clamp and the rescaled residual, on random accumulators and bytes. */
  for (i = 0; i < 20000; ++i) {
    int32_t acc[64];
    int8_t res[64], got[64];
    const int32_t mult = (int32_t)(((uint32_t)next_random() >> 1) | (1u << 30)), rmult = (int32_t)(((uint32_t)next_random() >> 1) | (1u << 30));
    const int32_t sh = next_random() % 12 - 10, rsh = next_random() % 6 - 4;
    const int32_t zy = next_random() % 128, zr = next_random() % 128;
    const int32_t lo = i % 2 ? zy : -128, hi = i % 3 ? 127 : zy + 40 > 127 ? 127 : zy + 40;
    const int residual = i % 2;
    sc_vacc v;
    int lane;
    for (lane = 0; lane < LANES; ++lane) acc[lane] = next_random() >> (i % 20), res[lane] = (int8_t)next_random();
    memcpy(&v, acc, sizeof v);
    if (residual)
      sc_v_requantize_residual_store(got, v, mult, sh, zy, lo, hi, res, zr, rmult, rsh);
    else
      sc_v_requantize_store(got, v, mult, sh, zy, lo, hi);
    for (lane = 0; lane < LANES; ++lane) {
      int32_t want = sc_requantize(acc[lane], mult, sh) + zy;
      if (residual) want += sc_requantize((int32_t)res[lane] - zr, rmult, rsh);
      want = sc_clamp(want, lo, hi);
      if (got[lane] != want && failures++ < 20)
        printf("store %d lane %d: SIMD %d, scalar %ld\n", i, lane, got[lane], (long)want);
    }
  }
  printf("%d lanes, %d values x %d shifts x %d multipliers: %d differences\n", LANES, count, 63,
         (int)(sizeof mults / sizeof mults[0]), failures);
  return failures != 0;
}
