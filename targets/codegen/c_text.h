// C text shared by the kernel families: float literals, activations, and the compile-time column bounds of
// windowed kernels.
#pragma once
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ir/graph.h"
#include "targets/codegen/c_writer.h"

namespace shufflec::kernels {

// Formats a float constant so that it reads back exactly (C99 hex floats are exact but unreadable; %.9g is exact
// for float and readable).
inline std::string float_c(double v) {
  std::string s = fmt::format("{:.9g}", static_cast<float>(v));
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s + "f";
}

// C expression applying the activation to the float expression `v` (NaN maps to 0 in the clamps, as in the
// reference). `v` may be evaluated more than once. alpha and beta are hard_sigmoid's.
inline std::string activation_c(Activation a, const std::string &v, double alpha = 0.2, double beta = 0.5) {
  auto unit_clamp = [](const std::string &t) { return fmt::format("SC_CLAMP01({})", t); };  // the runtime's
  switch (a) {
    case Activation::None: return v;
    case Activation::Relu: return fmt::format("({0} > 0.0f ? {0} : 0.0f)", v);
    case Activation::Relu6: return fmt::format("({0} > 0.0f ? ({0} < 6.0f ? {0} : 6.0f) : 0.0f)", v);
    case Activation::Sigmoid: return fmt::format("(1.0f / (1.0f + sc_expf(-{})))", v);
    case Activation::HardSigmoid: return unit_clamp(fmt::format("{} * {} + {}", float_c(alpha), v, float_c(beta)));
    case Activation::HardSwish: return fmt::format("({} * {})", v, unit_clamp(fmt::format("{} / 6.0f + 0.5f", v)));
    case Activation::Silu: return fmt::format("({0} / (1.0f + sc_expf(-{0})))", v);
  }
  return v;
}
// The node's fused activation.
inline std::string activation_c(const Attrs &a, const std::string &v) {
  return activation_c(a.activation, v, a.alpha, a.beta);
}

// For a vector epilogue: the activations the dialect has no instruction for (everything but the clamps) are stored
// from registers into a local buffer `pre` first, then written to `dst` by a scalar loop the C compiler vectorises
// (sc_expf has no calls or branches; in place, the loop would read back the stores just made and does not vectorise).
inline bool needs_scalar_activation(const Attrs &a) { return !is_clamp(a.activation); }
inline void emit_activation_from_pre(CWriter &w, const Attrs &a, const std::string &dst, int64_t count) {
  w.line("for (int e = 0; e < {}; ++e) {}[e] = {};", count, dst, activation_c(a, "pre[e]"));
}

// For a windowed op emitted one output row at a time: per kernel column kx, the output columns [lo, hi) whose input
// column ox * stride + kx * dilation - pad_left lies inside the input (so the inner loop needs no bounds checks).
struct TapColumns {
  std::vector<int64_t> lo, hi;
};
inline TapColumns tap_columns(int64_t out_w, int64_t in_w, int64_t kw, int64_t stride, int64_t dilation, int64_t pad) {
  TapColumns t;
  for (int64_t kx = 0; kx < kw; ++kx) {
    const int64_t off = kx * dilation - pad;
    int64_t l = 0, h = out_w;
    while (l < h && l * stride + off < 0) ++l;
    while (h > l && (h - 1) * stride + off >= in_w) --h;
    t.lo.push_back(l);
    t.hi.push_back(h);
  }
  return t;
}
// Declares the tables col_lo[kx], col_hi[kx] in the current scope.
inline void emit_tap_columns(CWriter &w, const TapColumns &t) {
  w.line("static const int col_lo[{}] = {{{}}}, col_hi[{}] = {{{}}};", t.lo.size(), fmt::join(t.lo, ", "),
         t.hi.size(), fmt::join(t.hi, ", "));
}

}  // namespace shufflec::kernels
