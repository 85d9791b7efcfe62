// relu: max(x, 0), elementwise, any shape. Attribute `activation` picks the clamp: "relu" (the default; "none" reads
// as relu too) or "relu6", min(max(x, 0), 6). fuse_activation moves either into the producer's epilogue.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

// The clamp this node applies: relu6 when asked for, relu otherwise.
Activation clamp_of(const Node &n) {
  return n.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
}

Shape infer(const Graph &g, const Node &n) {
  if (!is_clamp(n.attrs.activation))
    throw g.error(n, fmt::format("relu's activation must be none, relu or relu6, got {} (that one is its own op)",
                                 activation_name(n.attrs.activation)));
  return in_shape(g, n, 0);
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Activation a = clamp_of(n);
  for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = float(apply_activation(a, in[0]->data[i]));
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kReluInfo;
const OpInfo kReluInfo{OpKind::Relu, "relu", {{"x", false, false}}, false, {AttrId::Activation},
                       ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
