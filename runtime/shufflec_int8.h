/* shufflec int8 runtime: pasted after the prologue into every quantized model .c file. The fixed-point arithmetic of
 * docs/quantization.md, TFLite/gemmlowp-compatible; the compiler's int8 interpreter (ir/quant/fixed_point.h) computes
 * the same functions, and the two agree bit for bit. `>>` of a negative int32 is an arithmetic shift on every
 * compiler shufflec targets (gcc, clang; C99 leaves it implementation-defined). */

/* A model whose every layer has a SIMD int8 kernel calls none of the scalar helpers, and a model without residuals
 * none of the residual ones: clang warns about unused static functions (-Wunused-function), so they are marked. */
#if defined(__GNUC__)
#define SC_MAYBE_UNUSED __attribute__((unused))
#else
#define SC_MAYBE_UNUSED
#endif

/* The high 32 bits of 2*a*b, rounded to nearest; a = b = INT32_MIN saturates. */
static SC_MAYBE_UNUSED inline int32_t sc_srdhm(int32_t a, int32_t b) {
  int64_t p, nudge;
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  p = (int64_t)a * (int64_t)b;
  nudge = p >= 0 ? ((int64_t)1 << 30) : 1 - ((int64_t)1 << 30);
  return (int32_t)((p + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent, rounded to nearest, ties away from zero; exponent in [0, 31]. */
static SC_MAYBE_UNUSED inline int32_t sc_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^(shift - 31), rounded (x * 2^left saturated to int32 first). */
static SC_MAYBE_UNUSED inline int32_t sc_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? (int)shift : 0, right = shift > 0 ? 0 : (int)-shift;
  int64_t shifted = (int64_t)x * ((int64_t)1 << left);
  if (shifted > INT32_MAX) shifted = INT32_MAX;
  if (shifted < INT32_MIN) shifted = INT32_MIN;
  return sc_rdbpot(sc_srdhm((int32_t)shifted, multiplier), right);
}

static SC_MAYBE_UNUSED inline int32_t sc_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* float -> int8: round(x / scale) half away from zero in float32, plus the zero point, saturated; NaN gives -128. */
static SC_MAYBE_UNUSED inline int8_t sc_quantize(float x, float scale, int32_t zero_point) {
  float r = x / scale;
  if (!(r > -256.0f)) r = -256.0f;
  if (r > 256.0f) r = 256.0f;
  return (int8_t)sc_clamp((int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f) + zero_point, -128, 127);
}
