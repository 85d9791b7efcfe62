// relu: max(x, 0), elementwise, any shape.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) { return in_shape(g, n, 0); }

void reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = float(apply_activation(Activation::Relu, in[0]->data[i]));
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kReluInfo;
const OpInfo kReluInfo{OpKind::Relu, "relu", {{"x", false, false}}, false, {},
                       ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
