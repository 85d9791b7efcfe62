#include "ir/quant/fixed_point.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace shufflec {
namespace quant {

Requant quantize_multiplier(double m) {
  if (!(m > 0.0)) return {0, 0};
  int exponent = 0;
  const double fraction = std::frexp(m, &exponent);  // m = fraction * 2^exponent, fraction in [0.5, 1)
  int64_t q = std::llround(fraction * double(int64_t{1} << 31));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++exponent;
  }
  if (exponent < -31) return {0, 0};
  // A factor of 2^31 or more cannot occur with float scales of sane tensors; saturate instead of overflowing.
  if (exponent > 30) return {INT32_MAX, 30};
  return {static_cast<int32_t>(q), exponent};
}

int32_t round_to_int32(double v) {
  const double r = std::round(v);
  if (!(r > double(INT32_MIN))) return INT32_MIN;
  if (r > double(INT32_MAX)) return INT32_MAX;
  return static_cast<int32_t>(r);
}

}  // namespace quant

std::string describe(const QuantParams &q) { return fmt::format("s={:.6g}/z={}", q.scale, q.zero_point); }

std::string describe(const NodeQuant &q) {
  std::string text = "int8";
  if (q.act_min != -128 || q.act_max != 127) text += fmt::format(" clamp=[{},{}]", q.act_min, q.act_max);
  auto abbreviated = [](const auto &items, auto format) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < std::min<size_t>(items.size(), 4); ++i) shown.push_back(format(items[i]));
    return fmt::format("[{}{}]", fmt::join(shown, ","), items.size() > 4 ? ",..." : "");
  };
  auto requant = [](const Requant &r) { return fmt::format("{}*2^{}", r.multiplier, r.shift - 31); };
  if (!q.weight_scales.empty())
    text += " w_scales=" + abbreviated(q.weight_scales, [](float s) { return fmt::format("{:.4g}", s); });
  if (!q.bias.empty()) text += " bias=" + abbreviated(q.bias, [](int32_t b) { return fmt::to_string(b); });
  if (!q.requant.empty()) text += " requant=" + abbreviated(q.requant, requant);
  if (!q.input_rescale.empty()) text += " rescale=" + abbreviated(q.input_rescale, requant);
  if (!q.divisor_requant.empty()) text += " divisors=" + abbreviated(q.divisor_requant, requant);
  return text;
}

}  // namespace shufflec
