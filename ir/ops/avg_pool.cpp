// avg_pool: mean over each window. count_include_pad (default true, as PyTorch) counts the window positions inside
// the padded input; false counts only those inside the real input.
#include "ir/ops/pool.h"

namespace shufflec::ops {
namespace {

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape, &y = g.shape(n.output);
  const Attrs &a = n.attrs;
  for (int64_t p = 0; p < x[0] * x[1]; ++p)
    for (int64_t oy = 0; oy < y[2]; ++oy)
      for (int64_t ox = 0; ox < y[3]; ++ox) {
        const WindowSpan sy = window_span(oy, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], x[2]);
        const WindowSpan sx = window_span(ox, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], x[3]);
        double sum = 0.0;
        for (int64_t iy = sy.lo; iy < sy.hi; ++iy)
          for (int64_t ix = sx.lo; ix < sx.hi; ++ix) sum += in[0]->data[(p * x[2] + iy) * x[3] + ix];
        const int64_t divisor = a.count_include_pad ? sy.padded * sx.padded : (sy.hi - sy.lo) * (sx.hi - sx.lo);
        out.data[(p * y[2] + oy) * y[3] + ox] = float(apply_activation(a, sum / double(divisor)));
      }
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kAvgPoolInfo;
const OpInfo kAvgPoolInfo{OpKind::AvgPool, "avg_pool", {{"x", false, false}}, false,
                          {AttrId::Kernel, AttrId::Stride, AttrId::Pads, AttrId::CeilMode, AttrId::CountIncludePad,
                           AttrId::Activation},
                          ops::infer_pool, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
