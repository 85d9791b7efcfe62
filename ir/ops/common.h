// Helpers shared by the op files: operand checks, window arithmetic, activations (reference and C text).
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "ir/op.h"

namespace shufflec::ops {

// One operation of a target's vector dialect (ir/target_desc.h), e.g. vec_op(v.fma, "a", "b", "acc").
template <typename... Args>
std::string vec_op(const std::string &pattern, Args &&...args) {
  return fmt::format(fmt::runtime(pattern), std::forward<Args>(args)...);
}

inline const Shape &in_shape(const Graph &g, const Node &n, size_t i) { return g.shape(n.inputs[i]); }

inline void expect_rank(const Graph &g, const Node &n, size_t i, size_t rank, std::string_view role) {
  const Shape &s = in_shape(g, n, i);
  if (s.rank() != rank)
    throw g.error(n, fmt::format("{} '{}' must have rank {}, got shape {}", role, g.value(n.inputs[i]).name, rank,
                                 s.str()));
}

inline void expect_vector(const Graph &g, const Node &n, size_t i, int64_t len, std::string_view role) {
  const Shape &s = in_shape(g, n, i);
  if (s.rank() != 1 || s[0] != len)
    throw g.error(n, fmt::format("{} '{}' must have shape [{}], got {}", role, g.value(n.inputs[i]).name, len,
                                 s.str()));
}

// Output length of a sliding window (see docs/format.md); <= 0 means the window does not fit.
inline int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1, bool ceil_mode) {
  const int64_t span = in + p0 + p1 - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  // PyTorch's rule: the last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * s >= in + p0) --out;
  return out;
}

// Checks the windowed-op attributes and returns the output's spatial size {OH, OW}.
inline std::array<int64_t, 2> infer_window(const Graph &g, const Node &n, const Shape &x, std::array<int64_t, 2> k) {
  const Attrs &a = n.attrs;
  for (int i = 0; i < 2; ++i) {
    if (k[i] < 1) throw g.error(n, fmt::format("kernel size must be >= 1, got {}", k[i]));
    if (a.stride[i] < 1) throw g.error(n, fmt::format("stride must be >= 1, got {}", a.stride[i]));
    if (a.dilation[i] < 1) throw g.error(n, fmt::format("dilation must be >= 1, got {}", a.dilation[i]));
    if (k[i] > kMaxElements || a.stride[i] > kMaxElements || a.dilation[i] > kMaxElements)
      throw g.error(n, "window attribute is absurdly large");
  }
  for (int64_t p : a.pads) {
    if (p < 0) throw g.error(n, fmt::format("pads must be >= 0, got {}", p));
    if (p > kMaxElements) throw g.error(n, "pads are absurdly large");
  }
  std::array<int64_t, 2> out{};
  for (int i = 0; i < 2; ++i) {
    out[i] = window_out(x[2 + i], k[i], a.stride[i], a.dilation[i], a.pads[i], a.pads[2 + i], a.ceil_mode);
    if (out[i] < 1)
      throw g.error(n, fmt::format("{}x{} window (dilation {}) does not fit the padded input {}", k[0], k[1],
                                   a.dilation[i], x.str()));
  }
  return out;
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
inline void emit_tap_columns(CWriter &w, const TapColumns &t) {
  w.line("static const int col_lo[{}] = {{{}}}, col_hi[{}] = {{{}}};", t.lo.size(), fmt::join(t.lo, ", "),
         t.hi.size(), fmt::join(t.hi, ", "));
}

inline double apply_activation(Activation a, double v) {
  switch (a) {
    case Activation::None: return v;
    case Activation::Relu: return v > 0.0 ? v : 0.0;
    case Activation::Relu6: return v > 0.0 ? (v < 6.0 ? v : 6.0) : 0.0;
  }
  return v;
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

inline int64_t count(const Shape &s) { return s.elements(); }

// Formats a float constant so that it reads back exactly (C99 hex floats are exact but unreadable; %.9g is exact
// for float and readable).
inline std::string float_c(double v) {
  std::string s = fmt::format("{:.9g}", static_cast<float>(v));
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s + "f";
}

}  // namespace shufflec::ops
