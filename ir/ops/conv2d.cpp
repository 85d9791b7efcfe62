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

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const float *x = in[0]->data.data(), *w = in[1]->data.data();
  const float *b = in.size() > 2 ? in[2]->data.data() : nullptr;
  const float *r = in.size() > 3 ? in[3]->data.data() : nullptr;
  for (int64_t nn = 0; nn < d.N; ++nn)
    for (int64_t m = 0; m < d.M; ++m) {
      const int64_t group = m / d.MG, stored = stored_channel(a, m);
      for (int64_t oy = 0; oy < d.OH; ++oy)
        for (int64_t ox = 0; ox < d.OW; ++ox) {
          double acc = b ? b[m] : 0.0;
          for (int64_t c = 0; c < d.CG; ++c)
            for (int64_t ky = 0; ky < d.KH; ++ky)
              for (int64_t kx = 0; kx < d.KW; ++kx) {
                const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
                const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) continue;
                acc += double(x[((nn * d.C + group * d.CG + c) * d.H + iy) * d.W + ix]) *
                       w[((m * d.CG + c) * d.KH + ky) * d.KW + kx];
              }
          const int64_t o = ((nn * d.M + stored) * d.OH + oy) * d.OW + ox;
          if (r) acc += r[o];
          out.data[o] = float(apply_activation(a, acc));
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
