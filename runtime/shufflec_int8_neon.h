/* shufflec int8 SIMD helpers, NEON (AArch64 and ARMv7, 4 int32 lanes): the accumulator and the requantizing
 * epilogue of the int8 GEMM (targets/codegen/kernels/int8_gemm.cpp) and the depthwise rows, exactly the scalar
 * functions of shufflec_int8.h (docs/quantization.md): vqrdmulh is SaturatingRoundingDoublingHighMul itself
 * ((2ab + 2^31) >> 32, saturating only at INT32_MIN * INT32_MIN); vqshl is the saturated left shift; vrshl rounds ties
 * up, so negative values first move down by one, which turns that into ties away from zero. The input tile and the
 * dot product come after this file: shufflec_int8_neon_smlal.h (every NEON core) or shufflec_int8_neon_sdot.h
 * (AArch64 with the dot product extension). */
typedef int32x4_t sc_vacc;

static SC_MAYBE_UNUSED inline sc_vacc sc_v_splat(int32_t v) { return vdupq_n_s32(v); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_load_i32(const int32_t *p) { return vld1q_s32(p); }

/* sc_requantize(x, mult, shift) in each lane. */
static SC_MAYBE_UNUSED inline int32x4_t sc_v_requantize(int32x4_t x, int32_t mult, int32_t shift) {
  x = vqrdmulhq_s32(vqshlq_s32(x, vdupq_n_s32(shift > 0 ? shift : 0)), vdupq_n_s32(mult));
  if (shift < 0) {
    const int32x4_t right = vdupq_n_s32(shift);
    x = vrshlq_s32(vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31)), right);
  }
  return x;
}

/* Clamps y to [lo, hi] (inside [-128, 127], so narrowing is exact) and stores its 4 lanes as int8. */
static SC_MAYBE_UNUSED inline void sc_v_clamp_store(int8_t *dst, int32x4_t y, int32_t lo, int32_t hi) {
  int8_t bytes[8];
  int16x4_t h;
  y = vminq_s32(vmaxq_s32(y, vdupq_n_s32(lo)), vdupq_n_s32(hi));
  h = vmovn_s32(y);
  vst1_s8(bytes, vmovn_s16(vcombine_s16(h, h)));
  memcpy(dst, bytes, 4);
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift, int32_t zero_point,
                                         int32_t lo, int32_t hi) {
  sc_v_clamp_store(dst, vaddq_s32(sc_v_requantize(acc, mult, shift), vdupq_n_s32(zero_point)), lo, hi);
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_residual_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift,
                                                  int32_t zero_point, int32_t lo, int32_t hi, const int8_t *res,
                                                  int32_t res_zero_point, int32_t res_mult, int32_t res_shift) {
  int8_t bytes[8] = {0};
  int32x4_t r, y;
  memcpy(bytes, res, 4);
  r = vsubq_s32(vmovl_s16(vget_low_s16(vmovl_s8(vld1_s8(bytes)))), vdupq_n_s32(res_zero_point));
  y = vaddq_s32(sc_v_requantize(acc, mult, shift), vdupq_n_s32(zero_point));
  sc_v_clamp_store(dst, vaddq_s32(y, sc_v_requantize(r, res_mult, res_shift)), lo, hi);
}
