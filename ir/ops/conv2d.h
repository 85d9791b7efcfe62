// conv2d's dimensions, shared by its op file, the scheduling pass and the code generator's conv kernels.
#pragma once
#include <array>

#include "ir/graph.h"

namespace shufflec {

// N C H W: input; M KH KW: weight; OH OW: output plane; G groups, CG input and MG output channels per group.
struct ConvDims {
  int64_t N, C, H, W, M, KH, KW, OH, OW, G, CG, MG;
};

inline ConvDims conv_dims(const Graph &g, const Node &n) {
  const Shape &x = g.shape(n.inputs[0]), &w = g.shape(n.inputs[1]), &y = g.shape(n.output);
  const int64_t G = n.attrs.groups;
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], G, x[1] / G, w[0] / G};
}

// 1x1, stride 1, no padding: each output plane is a weighted sum of input planes (a plain GEMM per group).
inline bool is_pointwise_conv(const ConvDims &d, const Attrs &a) {
  return d.KH == 1 && d.KW == 1 && a.stride == std::array<int64_t, 2>{1, 1} &&
         a.pads == std::array<int64_t, 4>{0, 0, 0, 0};
}

// The channel output channel m is stored at (the absorbed channel shuffle's permutation; identity without one).
inline int64_t stored_channel(const Attrs &a, int64_t m) {
  return a.out_channel_map.empty() ? m : a.out_channel_map[static_cast<size_t>(m)];
}

}  // namespace shufflec
