/* The AVX-512 VNNI int8 GEMM's dot product: vpdpbusd adds four u8 x s8 products into each int32 lane, without
 * intermediate saturation. The input tile holds x + 128 as u8 (x ^ 0x80); the compiler subtracted
 * (zero_point + 128) * sum(w) from the bias, so the sum equals the interpreter's sum of (x - zero_point) * w.
 * Element (k, p) of a tile `nr` pixels wide is at ((k / 4) * nr + p) * 4 + k % 4; rows past K and pixels past
 * `count` hold 0 (their weights are 0, or their sums are not stored). */
static SC_MAYBE_UNUSED inline sc_vin sc_v_load(const uint8_t *p) { return _mm512_loadu_si512((const void *)p); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_dot(sc_vacc acc, sc_vin x, sc_vw w) { return _mm512_dpbusd_epi32(acc, x, w); }

static SC_MAYBE_UNUSED inline void sc_v_pack(uint8_t *dst, const int8_t *x, int plane, int K, int nr, int count, int zero_point) {
  const __m128i flip = _mm_set1_epi8((char)-128);
  int k, p, j;
  (void)zero_point;
  for (k = 0; k < K; k += 4) {
    const int rows = K - k < 4 ? K - k : 4;
    uint8_t *d = dst + k * nr;
    p = 0;
    for (; p + 16 <= count; p += 16) {
      __m128i r[4], lo01, hi01, lo23, hi23;
      for (j = 0; j < 4; ++j)
        r[j] = j < rows ? _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(x + (k + j) * plane + p)), flip)
                        : _mm_setzero_si128();
      lo01 = _mm_unpacklo_epi8(r[0], r[1]);
      hi01 = _mm_unpackhi_epi8(r[0], r[1]);
      lo23 = _mm_unpacklo_epi8(r[2], r[3]);
      hi23 = _mm_unpackhi_epi8(r[2], r[3]);
      _mm_storeu_si128((__m128i *)(void *)(d + 4 * p), _mm_unpacklo_epi16(lo01, lo23));
      _mm_storeu_si128((__m128i *)(void *)(d + 4 * p + 16), _mm_unpackhi_epi16(lo01, lo23));
      _mm_storeu_si128((__m128i *)(void *)(d + 4 * p + 32), _mm_unpacklo_epi16(hi01, hi23));
      _mm_storeu_si128((__m128i *)(void *)(d + 4 * p + 48), _mm_unpackhi_epi16(hi01, hi23));
    }
    for (d += 4 * p; p < nr; ++p, d += 4) /* (a pointer walk: gcc 12 misreads d[4 * p + j] here as overflowing) */
      for (j = 0; j < 4; ++j) d[j] = (uint8_t)(p < count && j < rows ? x[(k + j) * plane + p] + 128 : 0);
  }
}
