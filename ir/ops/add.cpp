// add: elementwise sum of two same-shaped tensors, with an optional fused activation.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  const Shape &a = in_shape(g, n, 0), &b = in_shape(g, n, 1);
  if (a != b) throw g.error(n, fmt::format("inputs must have the same shape, got {} and {}", a.str(), b.str()));
  return a;
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = float(apply_activation(n.attrs, double(in[0]->data[i]) + in[1]->data[i]));
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kAddInfo;
const OpInfo kAddInfo{OpKind::Add, "add", {{"a", false, false}, {"b", false, false}}, false, {AttrId::Activation},
                      ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
