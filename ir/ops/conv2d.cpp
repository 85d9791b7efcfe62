// conv2d: grouped 2-D convolution with zero padding, stride, dilation, optional bias and fused epilogue.
// Passes may add a residual operand (y = act(conv + residual)), an output channel map (the channel shuffle
// absorbed: output channel m is stored at channel map[m]) and the schedule the code generator follows
// (compiler/passes/schedule_convs.cpp, ir/schedule.h).
#include "ir/ops/common.h"
#include "ir/ops/conv2d.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  expect_rank(g, n, 1, 4, "weight");
  const Shape &x = in_shape(g, n, 0), &w = in_shape(g, n, 1);
  const int64_t G = n.attrs.groups;
  if (G < 1) throw g.error(n, fmt::format("groups must be >= 1, got {}", G));
  if (x[1] % G != 0)
    throw g.error(n, fmt::format("groups {} does not divide the {} input channels", G, x[1]));
  if (w[0] % G != 0)
    throw g.error(n, fmt::format("groups {} does not divide the {} output channels", G, w[0]));
  if (w[1] != x[1] / G)
    throw g.error(n, fmt::format("weight {} expects {} input channels per group, but input {} with groups {} has {}",
                                 w.str(), w[1], x.str(), G, x[1] / G));
  if (n.inputs.size() > 2) expect_vector(g, n, 2, w[0], "bias");
  auto [oh, ow] = infer_window(g, n, x, {w[2], w[3]});
  Shape out{{x[0], w[0], oh, ow}};
  if (n.inputs.size() > 3 && in_shape(g, n, 3) != out)
    throw g.error(n, fmt::format("residual {} does not match the output {}", in_shape(g, n, 3).str(), out.str()));
  const auto &map = n.attrs.out_channel_map;
  if (!map.empty()) {
    std::vector<bool> seen(static_cast<size_t>(w[0]), false);
    if (static_cast<int64_t>(map.size()) != w[0]) throw g.error(n, "output channel map has the wrong length");
    for (int64_t c : map) {
      if (c < 0 || c >= w[0] || seen[static_cast<size_t>(c)]) throw g.error(n, "output channel map is no permutation");
      seen[static_cast<size_t>(c)] = true;
    }
  }
  return out;
}

// The kernel taps [first, last) that land inside an input extent of `size`, for a window starting at `start` (may be
// negative: padding) with taps `dilation` apart. Out-of-range taps read zero padding and add nothing.
struct TapRange {
  int64_t first, last;
};
TapRange taps_inside(int64_t start, int64_t dilation, int64_t size, int64_t taps) {
  int64_t first = 0, last = taps;
  while (first < taps && start + first * dilation < 0) ++first;
  while (last > first && start + (last - 1) * dilation >= size) --last;
  return {first, last};
}

// Each output is a double sum over input channel, then kernel row, then kernel column, skipping padding: the order
// defines the oracle's rounding, so faster loops must keep it. Calibration runs this over hundreds of images, so
// the tap ranges are found once per row and column rather than tested per term, and up to kBlock neighbouring
// outputs with the same column taps are summed side by side (independent sums, each in the order above).
void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  constexpr int64_t kBlock = 8;
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const float *x = in[0]->data.data(), *w = in[1]->data.data();
  const float *b = in.size() > 2 ? in[2]->data.data() : nullptr;
  const float *r = in.size() > 3 ? in[3]->data.data() : nullptr;
  const int64_t sx = a.stride[1], dx = a.dilation[1];
  std::vector<TapRange> columns(static_cast<size_t>(d.OW));
  for (int64_t ox = 0; ox < d.OW; ++ox)
    columns[static_cast<size_t>(ox)] = taps_inside(ox * sx - a.pads[1], dx, d.W, d.KW);
  const auto same_taps = [&](int64_t p, int64_t q) {
    const TapRange &u = columns[static_cast<size_t>(p)], &v = columns[static_cast<size_t>(q)];
    return u.first == v.first && u.last == v.last;
  };
  for (int64_t nn = 0; nn < d.N; ++nn)
    for (int64_t m = 0; m < d.M; ++m) {
      const int64_t group = m / d.MG, stored = stored_channel(a, m);
      const float *x_group = x + (nn * d.C + group * d.CG) * d.H * d.W;
      const float *w_m = w + m * d.CG * d.KH * d.KW;
      for (int64_t oy = 0; oy < d.OH; ++oy) {
        const int64_t iy0 = oy * a.stride[0] - a.pads[0];
        const TapRange rows = taps_inside(iy0, a.dilation[0], d.H, d.KH);
        for (int64_t ox = 0; ox < d.OW;) {
          int64_t count = 1;
          while (count < kBlock && ox + count < d.OW && same_taps(ox, ox + count)) ++count;
          const TapRange cols = columns[static_cast<size_t>(ox)];
          const int64_t ix0 = ox * sx - a.pads[1];
          double acc[kBlock];
          for (int64_t j = 0; j < count; ++j) acc[j] = b ? b[m] : 0.0;
          for (int64_t c = 0; c < d.CG; ++c)
            for (int64_t ky = rows.first; ky < rows.last; ++ky) {
              const float *x_row = x_group + (c * d.H + iy0 + ky * a.dilation[0]) * d.W;
              const float *w_row = w_m + (c * d.KH + ky) * d.KW;
              for (int64_t kx = cols.first; kx < cols.last; ++kx) {
                const float *x_tap = x_row + ix0 + kx * dx;  // in bounds for every output of the block
                for (int64_t j = 0; j < count; ++j) acc[j] += double(x_tap[j * sx]) * w_row[kx];
              }
            }
          for (int64_t j = 0; j < count; ++j) {
            const int64_t o = ((nn * d.M + stored) * d.OH + oy) * d.OW + ox + j;
            out.data[o] = float(apply_activation(a, r ? acc[j] + r[o] : acc[j]));
          }
          ox += count;
        }
      }
    }
}

int64_t mult_adds(const Graph &g, const Node &n) {
  const ConvDims d = conv_dims(g, n);
  return d.N * d.M * d.OH * d.OW * d.CG * d.KH * d.KW;
}

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kConv2dInfo;
const OpInfo kConv2dInfo{
    OpKind::Conv2d, "conv2d",
    {{"x", false, false}, {"weight", true, false}, {"bias", true, true}, {"residual", false, true}}, false,
    {AttrId::Stride, AttrId::Pads, AttrId::Dilation, AttrId::Groups, AttrId::Activation},
    ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
