// concat: joins two or more [N, Ci, H, W] tensors along the channel axis, in input order.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (n.attrs.axis != 1) throw g.error(n, fmt::format("axis must be 1 (channels), got {}", n.attrs.axis));
  Shape out = in_shape(g, n, 0);
  if (out.rank() < 2) throw g.error(n, fmt::format("inputs must have rank >= 2, got {}", out.str()));
  for (size_t i = 1; i < n.inputs.size(); ++i) {
    const Shape &s = in_shape(g, n, i);
    bool same = s.rank() == out.rank();
    for (size_t d = 0; same && d < s.rank(); ++d) same = d == 1 || s[d] == out[d];
    if (!same)
      throw g.error(n, fmt::format("input {} has shape {}, which does not match {} outside the channel axis",
                                   i, s.str(), in_shape(g, n, 0).str()));
    out.dims[1] += s[1];
  }
  return out;
}

void reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &os = out.shape;
  const int64_t inner = os.elements() / (os[0] * os[1]);
  int64_t channel = 0;
  for (const Tensor *t : in) {
    const int64_t block = t->shape[1] * inner;
    for (int64_t b = 0; b < os[0]; ++b)
      std::copy_n(t->data.begin() + b * block, block, out.data.begin() + (b * os[1] + channel) * inner);
    channel += t->shape[1];
  }
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kConcatInfo;
const OpInfo kConcatInfo{OpKind::Concat, "concat", {{"x", false, false}}, true, {AttrId::Axis},
                         ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
