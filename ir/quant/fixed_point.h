// The integer arithmetic of int8 requantization, TFLite/gemmlowp-compatible (docs/quantization.md). The generated C
// has the same functions in runtime/shufflec_int8.h; the two must agree bit for bit (tests/quant checks it).
#pragma once
#include <cstdint>

#include "ir/quant/quant_params.h"

namespace shufflec::quant {

// The high 32 bits of 2*a*b, rounded to nearest; a = b = INT32_MIN saturates to INT32_MAX.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t p = int64_t{a} * int64_t{b};
  const int64_t nudge = p >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((p + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^(shift - 31), rounded as TFLite's MultiplyByQuantizedMultiplier (x * 2^left saturated to int32).
inline int32_t requantize(int32_t x, Requant r) {
  const int left = r.shift > 0 ? r.shift : 0, right = r.shift > 0 ? 0 : -r.shift;
  int64_t shifted = int64_t{x} * (int64_t{1} << left);
  if (shifted > INT32_MAX) shifted = INT32_MAX;
  if (shifted < INT32_MIN) shifted = INT32_MIN;
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(static_cast<int32_t>(shifted), r.multiplier),
                                right);
}

inline int32_t clamp_int(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

// Float -> int8: round(x / scale) (half away from zero, in float32) + zero point, saturated; NaN gives -128.
inline int8_t quantize_value(float x, QuantParams q) {
  float r = x / q.scale;
  if (!(r > -256.0f)) r = -256.0f;  // also NaN
  if (r > 256.0f) r = 256.0f;
  const int32_t rounded = static_cast<int32_t>(r >= 0.0f ? r + 0.5f : r - 0.5f);
  return static_cast<int8_t>(clamp_int(rounded + q.zero_point, -128, 127));
}

inline float dequantize_value(int8_t v, QuantParams q) {
  return q.scale * static_cast<float>(int32_t{v} - q.zero_point);
}

// The (multiplier, shift) of a real factor m >= 0 (frexp, rounded; see docs/quantization.md).
Requant quantize_multiplier(double m);

// round() half away from zero, clamped to int32: the bias and zero-point rounding.
int32_t round_to_int32(double v);

}  // namespace shufflec::quant
