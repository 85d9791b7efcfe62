/* shufflec int8 SIMD helpers, x86-64 AVX-512 (16 int32 lanes): the int8 GEMM's requantizing epilogue, exactly the
 * scalar functions of shufflec_int8.h (docs/quantization.md; the argument is the AVX2 file's: the doubling high
 * multiply is (a * m + 2^30) >> 31 in the even and odd 64-bit halves, the rounding shift adds 1 where the remainder
 * exceeds the threshold). The dot product comes from shufflec_int8_avx512_i16.h or shufflec_int8_avx512_vnni.h. */
typedef __m512i sc_vacc;
typedef __m512i sc_vin;
typedef __m512i sc_vw;

static SC_MAYBE_UNUSED inline sc_vacc sc_v_splat(int32_t v) { return _mm512_set1_epi32(v); }
static SC_MAYBE_UNUSED inline sc_vw sc_v_weight(int32_t word) { return _mm512_set1_epi32(word); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_load_i32(const int32_t *p) { return _mm512_loadu_si512((const void *)p); }

/* sc_requantize(x, mult, shift) in each lane. */
static SC_MAYBE_UNUSED inline __m512i sc_v_requantize(__m512i x, int32_t mult, int32_t shift) {
  const __m512i nudge = _mm512_set1_epi64((long long)1 << 30), m = _mm512_set1_epi32(mult);
  const __m512i one = _mm512_set1_epi32(1);
  __m512i even, odd;
  if (shift > 0) {
    const __m128i count = _mm_cvtsi32_si128(shift);
    const __m512i shifted = _mm512_sll_epi32(x, count);
    const __mmask16 kept = _mm512_cmpeq_epi32_mask(_mm512_sra_epi32(shifted, count), x);
    x = _mm512_mask_mov_epi32(_mm512_xor_si512(_mm512_srai_epi32(x, 31), _mm512_set1_epi32(INT32_MAX)), kept,
                              shifted);
  }
  even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
  odd = _mm512_slli_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), m), nudge), 1);
  x = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd);
  if (shift < 0) {
    const __m128i count = _mm_cvtsi32_si128(-shift);
    const __m512i mask = _mm512_set1_epi32((int32_t)(((int64_t)1 << -shift) - 1));
    const __m512i half = _mm512_srai_epi32(mask, 1);
    const __m512i threshold = _mm512_mask_add_epi32(half, _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512()), half, one);
    const __m512i down = _mm512_sra_epi32(x, count);
    x = _mm512_mask_add_epi32(down, _mm512_cmpgt_epi32_mask(_mm512_and_si512(x, mask), threshold), down, one);
  }
  return x;
}

/* Clamps y to [lo, hi] (inside [-128, 127], so narrowing is exact) and stores its 16 lanes as int8. */
static SC_MAYBE_UNUSED inline void sc_v_clamp_store(int8_t *dst, __m512i y, int32_t lo, int32_t hi) {
  y = _mm512_min_epi32(_mm512_max_epi32(y, _mm512_set1_epi32(lo)), _mm512_set1_epi32(hi));
  _mm_storeu_si128((__m128i *)(void *)dst, _mm512_cvtepi32_epi8(y));
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift, int32_t zero_point,
                                         int32_t lo, int32_t hi) {
  sc_v_clamp_store(dst, _mm512_add_epi32(sc_v_requantize(acc, mult, shift), _mm512_set1_epi32(zero_point)), lo, hi);
}

static SC_MAYBE_UNUSED inline void sc_v_requantize_residual_store(int8_t *dst, sc_vacc acc, int32_t mult, int32_t shift,
                                                  int32_t zero_point, int32_t lo, int32_t hi, const int8_t *res,
                                                  int32_t res_zero_point, int32_t res_mult, int32_t res_shift) {
  const __m512i r = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)res)),
                                     _mm512_set1_epi32(res_zero_point));
  __m512i y = _mm512_add_epi32(sc_v_requantize(acc, mult, shift), _mm512_set1_epi32(zero_point));
  sc_v_clamp_store(dst, _mm512_add_epi32(y, sc_v_requantize(r, res_mult, res_shift)), lo, hi);
}
