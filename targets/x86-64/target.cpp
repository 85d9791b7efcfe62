// x86-64 with AVX2 + FMA (Haswell and later, Zen): 8-float vectors, 16 registers; and with AVX-512 F/BW/VL
// (Skylake-SP and later, Zen 4 and 5): 16-float vectors, 32 registers.
#include <fmt/format.h>

#include "targets/int8_dialect.h"
#include "targets/target.h"

namespace shufflec {
namespace runtime_files {
extern const std::string_view shufflec_int8_x86_i16_h, shufflec_int8_avx2_h, shufflec_int8_avx512_h,
    shufflec_int8_avx512_i16_h, shufflec_int8_avx512_vnni_h;
}  // namespace runtime_files
namespace {

std::string concat(std::initializer_list<std::string_view> texts) {
  std::string out;
  for (std::string_view t : texts) out += t;
  return out;
}

class Avx2Dialect final : public VectorDialect {
 public:
  int64_t width() const override { return 8; }
  std::string_view header() const override { return "<immintrin.h>"; }
  std::string_view guard() const override { return "defined(__AVX2__) && defined(__FMA__)"; }
  std::string_view guard_hint() const override { return "compile with -mavx2 -mfma (or -march=haswell or newer)"; }
  std::string_view type() const override { return "__m256"; }
  std::string load(std::string_view p) const override { return fmt::format("_mm256_loadu_ps({})", p); }
  std::string store(std::string_view p, std::string_view v) const override {
    return fmt::format("_mm256_storeu_ps({}, {})", p, v);
  }
  std::string splat(std::string_view s) const override { return fmt::format("_mm256_set1_ps({})", s); }
  std::string zero() const override { return "_mm256_setzero_ps()"; }
  std::string fma(std::string_view a, std::string_view b, std::string_view acc) const override {
    return fmt::format("_mm256_fmadd_ps({}, {}, {})", a, b, acc);
  }
  std::string max(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm256_max_ps({}, {})", a, b);
  }
  std::string min(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm256_min_ps({}, {})", a, b);
  }
  std::string add(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm256_add_ps({}, {})", a, b);
  }
  // load2: two loads and one in-lane shuffle leave the even floats in lane order 0 1 4 5 2 3 6 7; load2_order swaps
  // the middle 64-bit pairs back once per output vector.
  bool has_load2() const override { return true; }
  std::string load2(std::string_view p) const override {
    return fmt::format("_mm256_shuffle_ps(_mm256_loadu_ps({0}), _mm256_loadu_ps(({0}) + 8), 0x88)", p);
  }
  bool load2_needs_order() const override { return true; }
  std::string load2_order(std::string_view v) const override {
    return fmt::format("_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd({}), 0xD8))", v);
  }
};

// AVX-512: the same operations on __m512. Only AVX-512F intrinsics are printed; BW and VL are required because every
// AVX-512 CPU worth targeting has them and the C compiler may use them when it vectorises the portable kernels.
class Avx512Dialect final : public VectorDialect {
 public:
  int64_t width() const override { return 16; }
  std::string_view header() const override { return "<immintrin.h>"; }
  std::string_view guard() const override {
    return "defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__FMA__)";
  }
  std::string_view guard_hint() const override {
    return "compile with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (or -march=skylake-avx512, znver4 or newer)";
  }
  std::string_view type() const override { return "__m512"; }
  std::string load(std::string_view p) const override { return fmt::format("_mm512_loadu_ps({})", p); }
  std::string store(std::string_view p, std::string_view v) const override {
    return fmt::format("_mm512_storeu_ps({}, {})", p, v);
  }
  std::string splat(std::string_view s) const override { return fmt::format("_mm512_set1_ps({})", s); }
  std::string zero() const override { return "_mm512_setzero_ps()"; }
  std::string fma(std::string_view a, std::string_view b, std::string_view acc) const override {
    return fmt::format("_mm512_fmadd_ps({}, {}, {})", a, b, acc);
  }
  std::string max(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm512_max_ps({}, {})", a, b);
  }
  std::string min(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm512_min_ps({}, {})", a, b);
  }
  std::string add(std::string_view a, std::string_view b) const override {
    return fmt::format("_mm512_add_ps({}, {})", a, b);
  }
  // load2: one two-source permute picks the even floats of both loads, already in memory order (the index vector
  // is a constant the C compiler loads once).
  bool has_load2() const override { return true; }
  std::string load2(std::string_view p) const override {
    return fmt::format("_mm512_permutex2var_ps(_mm512_loadu_ps({0}), _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, "
                       "18, 20, 22, 24, 26, 28, 30), _mm512_loadu_ps(({0}) + 16))",
                       p);
  }
};

// The SIMD int8 GEMM's dialects (targets/int8_dialect.h): int16 pairs and vpmaddwd on AVX2 and on AVX-512 without
// VNNI; u8 quads and vpdpbusd with AVX-512 VNNI.
const Int8Dialect &avx2_int8() {
  namespace rt = runtime_files;
  static const Int8Dialect d(Int8Dot::I16Pairs, 8, {"__m256i", "__m256i", "__m256i"},
                             concat({rt::shufflec_int8_x86_i16_h, rt::shufflec_int8_avx2_h}), "defined(__AVX2__)",
                             "compile with -mavx2 -mfma", 4096);
  return d;
}

const Int8Dialect &avx512_int8(bool vnni) {
  namespace rt = runtime_files;
  static const Int8Dialect i16(Int8Dot::I16Pairs, 16, {"__m512i", "__m512i", "__m512i"},
                               concat({rt::shufflec_int8_avx512_h, rt::shufflec_int8_x86_i16_h,
                                       rt::shufflec_int8_avx512_i16_h}),
                               "defined(__AVX512BW__)", "compile with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma",
                               12288);
  static const Int8Dialect quads(Int8Dot::U8Quads, 16, {"__m512i", "__m512i", "__m512i"},
                                 concat({rt::shufflec_int8_avx512_h, rt::shufflec_int8_avx512_vnni_h}),
                                 "defined(__AVX512VNNI__)", "compile with -mavx512vnni (the int8 kernels use vpdpbusd)",
                                 12288);
  return vnni ? quads : i16;
}

}  // namespace

TargetDesc x86_64_avx512_target(bool vnni) {
  static const Avx512Dialect avx512;
  // 32 registers: GEMM tiles of 4 vectors (64 pixels) x 6 output channels (what the registers leave) keep 24
  // accumulators in flight, enough to cover the latency of two 512-bit FMA pipes. On Zen 5 this tile beat 12 x 32,
  // 8 x 48 and 24 x 16 by 3 to 10% on the ShuffleNets and MobileNet (bench, docs/targets.md). Planes of 48 pixels or
  // fewer get fewer vectors and more channels, up to 12. Caches: the smallest of the AVX-512 cores (32 KB L1D on
  // Skylake-SP and Zen 4, 1 MB L2 on all of them).
  TargetDesc t{.name = "x86-64-avx512", .triple = "x86_64-linux-gnu",
               .cflags = {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx2", "-mfma"}, .l1_bytes = 32 * 1024,
               .l2_bytes = 1024 * 1024, .vector_floats = 16, .vector_registers = 32, .gemm_pixel_vectors = 4,
               .gemm_max_channels = 12, .simd = &avx512, .int8 = &avx512_int8(vnni)};
  if (vnni) t.cflags.push_back("-mavx512vnni");  // with VNNI (Ice Lake, Zen 4 and later) int8 convs use vpdpbusd
  return t;
}

TargetDesc x86_64_target() {
  static const Avx2Dialect avx2;
  return TargetDesc{.name = "x86-64", .triple = "x86_64-linux-gnu", .cflags = {"-mavx2", "-mfma"},
                    .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024, .vector_floats = 8, .vector_registers = 16,
                    .simd = &avx2, .int8 = &avx2_int8()};
}

}  // namespace shufflec
