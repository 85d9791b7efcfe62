/* shufflec int8 SIMD helpers, AArch64 with the dot product extension (Armv8.2-A +dotprod), after
 * shufflec_int8_neon.h: the int8 GEMM's input tile and dot product. The tile holds the input bytes themselves, four
 * taps per 32-bit lane: element (kq, p, j) of a tile `nr` pixels wide is tap 4 kq + j of pixel p, at (kq nr + p) 4 + j
 * (taps past K and pixels past `count` are 0). One sdot (vdotq_s32) adds the four int8 x int8 products of each lane
 * into its int32: exact. It multiplies x, not x - z (sdot is signed on both sides and x - z may not fit int8): the
 * bias stored for this kernel is q_b - z sum(w), computed per channel at compile time (docs/quantization.md). */
typedef int8x16_t sc_vin;
typedef int8x16_t sc_vw;

static SC_MAYBE_UNUSED inline sc_vin sc_v_load(const int8_t *p) { return vld1q_s8(p); }
/* The four weights of one channel (little-endian bytes of word) in every lane. */
static SC_MAYBE_UNUSED inline sc_vw sc_v_weight(int32_t word) { return vreinterpretq_s8_s32(vdupq_n_s32(word)); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_dot(sc_vacc acc, sc_vin x, sc_vw w) { return vdotq_s32(acc, x, w); }

/* Four input rows at a time: vst4q_s8 interleaves 16 pixels of each into 16 quads. zero_point is not needed (the bias
 * absorbs it). */
static SC_MAYBE_UNUSED inline void sc_v_pack(int8_t *dst, const int8_t *x, int plane, int K, int nr, int count, int zero_point) {
  int k0, p, j;
  (void)zero_point;
  for (k0 = 0; k0 < K; k0 += 4) {
    const int8_t *r = x + k0 * plane;
    int8_t *d = dst + k0 * nr;
    const int rows = K - k0 < 4 ? K - k0 : 4;
    p = 0;
    if (rows == 4)
      for (; p + 16 <= count; p += 16) {
        int8x16x4_t quads;
        quads.val[0] = vld1q_s8(r + p);
        quads.val[1] = vld1q_s8(r + plane + p);
        quads.val[2] = vld1q_s8(r + 2 * plane + p);
        quads.val[3] = vld1q_s8(r + 3 * plane + p);
        vst4q_s8(d + 4 * p, quads);
      }
    for (; p < nr; ++p)
      for (j = 0; j < 4; ++j) d[4 * p + j] = (int8_t)(p < count && j < rows ? r[j * plane + p] : 0);
  }
}
