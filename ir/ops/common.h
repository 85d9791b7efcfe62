// Helpers shared by the op files: operand checks, window arithmetic, activations.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "ir/op.h"

namespace shufflec::ops {

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

// The activation in double precision; alpha and beta are hard_sigmoid's (ir/graph.h).
inline double apply_activation(Activation a, double v, double alpha = 0.2, double beta = 0.5) {
  auto unit_clamp = [](double t) { return t > 0.0 ? (t < 1.0 ? t : 1.0) : 0.0; };
  switch (a) {
    case Activation::None: return v;
    case Activation::Relu: return v > 0.0 ? v : 0.0;
    case Activation::Relu6: return v > 0.0 ? (v < 6.0 ? v : 6.0) : 0.0;
    case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::HardSigmoid: return unit_clamp(alpha * v + beta);
    case Activation::HardSwish: return v * unit_clamp(v / 6.0 + 0.5);
    case Activation::Silu: return v / (1.0 + std::exp(-v));
  }
  return v;
}
// The node's fused activation (with its hard_sigmoid slope and offset).
inline double apply_activation(const Attrs &a, double v) { return apply_activation(a.activation, v, a.alpha, a.beta); }

inline int64_t count(const Shape &s) { return s.elements(); }

// The reference of ops whose values are the input's, only seen differently (flatten's shape; quantize and
// dequantize, which the fp32 interpreter treats as the identity: the int8 interpreter gives them their meaning).
inline void copy_reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  out.data = in[0]->data;
}

}  // namespace shufflec::ops
