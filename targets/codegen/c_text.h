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

// C expression applying the activation to the float expression `v` (NaN maps to 0, as in the reference).
inline std::string activation_c(Activation a, const std::string &v) {
  switch (a) {
    case Activation::None: return v;
    case Activation::Relu: return fmt::format("({0} > 0.0f ? {0} : 0.0f)", v);
    case Activation::Relu6: return fmt::format("({0} > 0.0f ? ({0} < 6.0f ? {0} : 6.0f) : 0.0f)", v);
  }
  return v;
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
