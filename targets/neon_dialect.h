// The NEON vector dialect shared by the AArch64 and ARMv7 targets: 4-float vectors; they differ in the
// multiply-add (AArch64's fused vfmaq, ARMv7's vmlaq) and in what the compiler must be told.
#pragma once
#include <fmt/format.h>

#include "targets/int8_dialect.h"
#include "targets/target_desc.h"

namespace shufflec {
namespace runtime_files {
extern const std::string_view shufflec_int8_neon_h, shufflec_int8_neon_smlal_h, shufflec_int8_neon_sdot_h;
}  // namespace runtime_files

// The SIMD int8 GEMM's dialect on both NEON targets: (x - z) as int16, one smlal per tap (runtime/shufflec_int8_neon.h
// and shufflec_int8_neon_smlal.h).
inline const Int8Dialect &neon_int8_dialect() {
  namespace rt = runtime_files;
  static const Int8Dialect d(Int8Dot::I16Lanes, 4, {"int32x4_t", "int16x4_t", "int16_t"},
                             std::string(rt::shufflec_int8_neon_h) + std::string(rt::shufflec_int8_neon_smlal_h),
                             "defined(__ARM_NEON)", "compile with NEON enabled", 1024);
  return d;
}

// AArch64 with the dot product extension (+dotprod, Armv8.2-A and later cores such as Cortex-A55/A76): x as int8
// quads, one sdot per four taps (runtime/shufflec_int8_neon.h and shufflec_int8_neon_sdot.h).
inline const Int8Dialect &neon_dotprod_int8_dialect() {
  namespace rt = runtime_files;
  static const Int8Dialect d(Int8Dot::S8Quads, 4, {"int32x4_t", "int8x16_t", "int8x16_t"},
                             std::string(rt::shufflec_int8_neon_h) + std::string(rt::shufflec_int8_neon_sdot_h),
                             "defined(__ARM_FEATURE_DOTPROD)",
                             "compile with -march=armv8.2-a+dotprod (the int8 kernels use sdot)", 1024);
  return d;
}

class NeonDialect final : public VectorDialect {
 public:
  NeonDialect(bool fused, std::string_view guard_hint) : fused_(fused), guard_hint_(guard_hint) {}
  int64_t width() const override { return 4; }
  std::string_view header() const override { return "<arm_neon.h>"; }
  std::string_view guard() const override { return "defined(__ARM_NEON)"; }
  std::string_view guard_hint() const override { return guard_hint_; }
  std::string_view type() const override { return "float32x4_t"; }
  std::string load(std::string_view p) const override { return fmt::format("vld1q_f32({})", p); }
  std::string store(std::string_view p, std::string_view v) const override {
    return fmt::format("vst1q_f32({}, {})", p, v);
  }
  std::string splat(std::string_view s) const override { return fmt::format("vdupq_n_f32({})", s); }
  std::string zero() const override { return "vdupq_n_f32(0.0f)"; }
  std::string fma(std::string_view a, std::string_view b, std::string_view acc) const override {
    return fused_ ? fmt::format("vfmaq_f32({}, {}, {})", acc, a, b) : fmt::format("vmlaq_f32({}, {}, {})", acc, a, b);
  }
  std::string max(std::string_view a, std::string_view b) const override { return fmt::format("vmaxq_f32({}, {})", a, b); }
  std::string min(std::string_view a, std::string_view b) const override { return fmt::format("vminq_f32({}, {})", a, b); }
  std::string add(std::string_view a, std::string_view b) const override { return fmt::format("vaddq_f32({}, {})", a, b); }
  // load2: the even floats of 2 * width in memory order (ld2 / vld2).
  bool has_load2() const override { return true; }
  std::string load2(std::string_view p) const override { return fmt::format("vld2q_f32({}).val[0]", p); }

 private:
  bool fused_;
  std::string_view guard_hint_;
};

}  // namespace shufflec
