/* The AVX-512 int8 GEMM's dot product without VNNI: int16 pairs (shufflec_int8_x86_i16.h's tile), vpmaddwd. */
static SC_MAYBE_UNUSED inline sc_vin sc_v_load(const int16_t *p) { return _mm512_loadu_si512((const void *)p); }
static SC_MAYBE_UNUSED inline sc_vacc sc_v_dot(sc_vacc acc, sc_vin x, sc_vw w) {
  return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w));
}
