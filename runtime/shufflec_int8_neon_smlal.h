/* shufflec int8 SIMD helpers, NEON multiply-accumulate long (AArch64 and ARMv7), after shufflec_int8_neon.h: the int8
 * GEMM's input tile and dot product. Element (k, p) of a tile `nr` pixels wide is at k * nr + p and holds
 * x - zero_point as int16; each tap is one multiply-accumulate long (smlal) into int32: exact. */
typedef int16x4_t sc_vin;
typedef int16_t sc_vw;

static SC_MAYBE_UNUSED inline sc_vin sc_v_load(const int16_t *p) { return vld1_s16(p); }
static SC_MAYBE_UNUSED inline sc_vw sc_v_weight(int32_t word) { return (int16_t)word; }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_dot(sc_vacc acc, sc_vin x, sc_vw w) { return vmlal_n_s16(acc, x, w); }

static SC_MAYBE_UNUSED inline void sc_v_pack(int16_t *dst, const int8_t *x, int plane, int K, int nr, int count, int zero_point) {
  const int16x8_t z = vdupq_n_s16((int16_t)zero_point);
  int k, p;
  for (k = 0; k < K; ++k) {
    const int8_t *r = x + k * plane;
    int16_t *d = dst + k * nr;
    for (p = 0; p + 8 <= count; p += 8) vst1q_s16(d + p, vsubq_s16(vmovl_s8(vld1_s8(r + p)), z));
    for (; p < nr; ++p) d[p] = (int16_t)(p < count ? r[p] - zero_point : 0);
  }
}
