/* shufflec int8 DSP helpers: pasted after shufflec_int8.h into quantized models for targets with the ARMv7E-M DSP
 * extension (Cortex-M4, M7: thumbv7em-none-eabihf). The pointwise convs pair int8 operands as signed 16-bit halves
 * and multiply-accumulate two pairs per SMLAD (ACLE, arm_acle.h); integer sums are exact, so the results equal the
 * portable kernels' (and the int8 interpreter's) bit for bit. */
#if !defined(__ARM_FEATURE_DSP) || !defined(__ARM_FEATURE_SIMD32)
#error "this model was generated for a Cortex-M with the DSP extension: compile with -march=armv7e-m (shufflec flags)"
#endif
#include <arm_acle.h>

/* Four int8 at p (any alignment: the core reads unaligned words) as one little-endian word. */
static SC_MAYBE_UNUSED inline uint32_t sc_load4(const int8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* The halves (lo, hi) = (bytes 0, 2) and (bytes 1, 3) of a word, each sign-extended to 16 bits (SXTB16). ACLE has
 * no rotated form and gcc 12 does not fold the rotation into it, nor the pairs below into PKHBT/PKHTB (it spends two
 * instructions on each), so those three are one instruction of inline assembly. */
static SC_MAYBE_UNUSED inline uint32_t sc_sx02(uint32_t v) { return (uint32_t)__sxtb16((int32_t)v); }
static SC_MAYBE_UNUSED inline uint32_t sc_sx13(uint32_t v) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

/* (lo half of a, lo half of b) and (hi half of a, hi half of b). */
static SC_MAYBE_UNUSED inline uint32_t sc_lo_pair(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static SC_MAYBE_UNUSED inline uint32_t sc_hi_pair(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* acc + a.lo * b.lo + a.hi * b.hi (SMLAD). */
static SC_MAYBE_UNUSED inline int32_t sc_dual_mac(uint32_t a, uint32_t b, int32_t acc) { return __smlad((int32_t)a, (int32_t)b, acc); }

/* sc_requantize for a multiplier below 1 (shift <= 0, the usual case): no left shift, so nothing to saturate. */
static SC_MAYBE_UNUSED inline int32_t sc_requantize_right(int32_t x, int32_t multiplier, int32_t right) {
  return sc_rdbpot(sc_srdhm(x, multiplier), (int)right);
}
