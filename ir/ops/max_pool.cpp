// max_pool: maximum over each window's positions inside the input (padding never wins).
#include "ir/ops/pool.h"

namespace shufflec::ops {
namespace {

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape, &y = g.shape(n.output);
  const Attrs &a = n.attrs;
  for (int64_t p = 0; p < x[0] * x[1]; ++p)
    for (int64_t oy = 0; oy < y[2]; ++oy)
      for (int64_t ox = 0; ox < y[3]; ++ox) {
        float best = -INFINITY;
        for (int64_t ky = 0; ky < a.kernel[0]; ++ky)
          for (int64_t kx = 0; kx < a.kernel[1]; ++kx) {
            const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
            const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
            if (iy < 0 || iy >= x[2] || ix < 0 || ix >= x[3]) continue;
            const float v = in[0]->data[(p * x[2] + iy) * x[3] + ix];
            if (v > best || std::isnan(v)) best = v;
            if (std::isnan(best)) break;
          }
        out.data[(p * y[2] + oy) * y[3] + ox] = float(apply_activation(a, best));
      }
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kMaxPoolInfo;
const OpInfo kMaxPoolInfo{OpKind::MaxPool, "max_pool", {{"x", false, false}}, false,
                          {AttrId::Kernel, AttrId::Stride, AttrId::Pads, AttrId::Dilation, AttrId::CeilMode,
                           AttrId::Activation},
                          ops::infer_pool, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
