/* shufflec int8 SIMD helpers, x86-64 AVX2 (8 int32 lanes): the int8 GEMM's dot product (int16 pairs, vpmaddwd),
 * and its requantizing epilogue, which computes exactly the scalar functions of shufflec_int8.h (docs/quantization.md):
 *   SaturatingRoundingDoublingHighMul(a, m) for m in [0, 2^31) equals (a * m + 2^30) >> 31 (floor) in 64 bits: the
 *   scalar's nudge and truncating division give the same value for either sign, and the high product is computed
 *   in the even and odd 64-bit halves; the rounding shift adds 1 where the remainder exceeds the threshold. */
typedef __m256i sc_vacc;
typedef __m256i sc_vin;
typedef __m256i sc_vw;

static SC_MAYBE_UNUSED inline sc_vacc sc_v_splat(int32_t v) { return _mm256_set1_epi32(v); }
static SC_MAYBE_UNUSED inline sc_vin sc_v_load(const int16_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
static SC_MAYBE_UNUSED inline sc_vw sc_v_weight(int32_t word) { return _mm256_set1_epi32(word); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_load_i32(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_dot(sc_vacc acc, sc_vin x, sc_vw w) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
}

/* sc_requantize(x, mult, shift) in each lane. */
static SC_MAYBE_UNUSED inline __m256i sc_v_requantize(__m256i x, int32_t mult, int32_t shift) {
  const __m256i nudge = _mm256_set1_epi64x((long long)1 << 30), m = _mm256_set1_epi32(mult);
  __m256i even, odd;
  if (shift > 0) {
    const __m128i count = _mm_cvtsi32_si128(shift);
    const __m256i shifted = _mm256_sll_epi32(x, count);
    const __m256i kept = _mm256_cmpeq_epi32(_mm256_sra_epi32(shifted, count), x);
    const __m256i saturated = _mm256_xor_si256(_mm256_srai_epi32(x, 31), _mm256_set1_epi32(INT32_MAX));
    x = _mm256_blendv_epi8(saturated, shifted, kept);
  }
  even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
  odd = _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge), 1);
  x = _mm256_blend_epi32(even, odd, 0xAA);
  if (shift < 0) {
    const __m128i count = _mm_cvtsi32_si128(-shift);
    const __m256i mask = _mm256_set1_epi32((int32_t)(((int64_t)1 << -shift) - 1));
    const __m256i threshold =
        _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
    x = _mm256_sub_epi32(_mm256_sra_epi32(x, count), _mm256_cmpgt_epi32(_mm256_and_si256(x, mask), threshold));
  }
  return x;
}

/* Clamps y to [lo, hi] (inside [-128, 127], so narrowing is exact) and stores its 8 lanes as int8. */
static SC_MAYBE_UNUSED inline void sc_v_clamp_store(int8_t *dst, __m256i y, int32_t lo, int32_t hi) {
  __m128i w;
  y = _mm256_min_epi32(_mm256_max_epi32(y, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
  w = _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
  _mm_storel_epi64((__m128i *)(void *)dst, _mm_packs_epi16(w, w));
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift, int32_t zero_point,
                                         int32_t lo, int32_t hi) {
  sc_v_clamp_store(dst, _mm256_add_epi32(sc_v_requantize(acc, mult, shift), _mm256_set1_epi32(zero_point)), lo, hi);
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_residual_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift,
                                                  int32_t zero_point, int32_t lo, int32_t hi, const int8_t *res,
                                                  int32_t res_zero_point, int32_t res_mult, int32_t res_shift) {
  const __m256i r = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)res)),
                                     _mm256_set1_epi32(res_zero_point));
  __m256i y = _mm256_add_epi32(sc_v_requantize(acc, mult, shift), _mm256_set1_epi32(zero_point));
  sc_v_clamp_store(dst, _mm256_add_epi32(y, sc_v_requantize(r, res_mult, res_shift)), lo, hi);
}
