/* shufflec int8 SIMD helpers, x86-64 int16-pair dot products (AVX2 and AVX-512 without VNNI): the input tile of the
 * int8 GEMM (targets/codegen/kernels/int8_gemm.cpp). Element (k, p) of a tile `nr` pixels wide is at
 * ((k / 2) * nr + p) * 2 + k % 2 and holds x - zero_point as int16 (in [-255, 255]); rows past K and pixels past
 * `count` hold 0. vpmaddwd then sums two int16 products into each int32 lane exactly (no int16 saturation, unlike
 * vpmaddubsw). SSE4.1 instructions only, so both x86 levels share it. */
static SC_MAYBE_UNUSED inline void sc_v_pack(int16_t *dst, const int8_t *x, int plane, int K, int nr, int count, int zero_point) {
  const __m128i z = _mm_set1_epi16((short)zero_point);
  int k, p;
  for (k = 0; k < K; k += 2) {
    const int8_t *r0 = x + k * plane, *r1 = k + 1 < K ? r0 + plane : NULL;
    int16_t *d = dst + k * nr;
    p = 0;
    if (r1 != NULL)
      for (; p + 8 <= count; p += 8) {
        const __m128i a = _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(r0 + p))), z);
        const __m128i b = _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(r1 + p))), z);
        _mm_storeu_si128((__m128i *)(void *)(d + 2 * p), _mm_unpacklo_epi16(a, b));
        _mm_storeu_si128((__m128i *)(void *)(d + 2 * p + 8), _mm_unpackhi_epi16(a, b));
      }
    for (d += 2 * p; p < nr; ++p, d += 2) { /* (a pointer walk: gcc 12 misreads d[2 * p] here as overflowing) */
      d[0] = (int16_t)(p < count ? r0[p] - zero_point : 0);
      d[1] = (int16_t)(p < count && r1 != NULL ? r1[p] - zero_point : 0);
    }
  }
}
