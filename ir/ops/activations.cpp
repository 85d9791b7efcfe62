// The elementwise activations beyond relu, any shape (docs/format.md):
//   sigmoid       1 / (1 + e^-x)
//   hard_sigmoid  max(0, min(1, alpha * x + beta)); attributes alpha (default 0.2) and beta (default 0.5), as ONNX
//   hard_swish    x * max(0, min(1, x / 6 + 1/2))
//   silu          x * sigmoid(x) (also called swish)
// One file for the four: they differ only in the Activation they apply, which is also what fuse_activation moves
// into the producer's epilogue.
#include "ir/ops/common.h"

namespace shufflec {

std::optional<Activation> activation_applied_by(const Node &n) {
  switch (n.op) {
    case OpKind::Relu: return n.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
    case OpKind::Sigmoid: return Activation::Sigmoid;
    case OpKind::HardSigmoid: return Activation::HardSigmoid;
    case OpKind::HardSwish: return Activation::HardSwish;
    case OpKind::Silu: return Activation::Silu;
    default: return std::nullopt;
  }
}

}  // namespace shufflec

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (n.op == OpKind::HardSigmoid && !(std::isfinite(n.attrs.alpha) && std::isfinite(n.attrs.beta)))
    throw g.error(n, fmt::format("alpha and beta must be finite, got {} and {}", n.attrs.alpha, n.attrs.beta));
  return in_shape(g, n, 0);
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Activation a = *activation_applied_by(n);
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = float(apply_activation(a, in[0]->data[i], n.attrs.alpha, n.attrs.beta));
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kSigmoidInfo, kHardSigmoidInfo, kHardSwishInfo, kSiluInfo;
const OpInfo kSigmoidInfo{OpKind::Sigmoid, "sigmoid", {{"x", false, false}}, false, {},
                          ops::infer, ops::reference, ops::mult_adds, false};
const OpInfo kHardSigmoidInfo{OpKind::HardSigmoid, "hard_sigmoid", {{"x", false, false}}, false,
                              {AttrId::Alpha, AttrId::Beta}, ops::infer, ops::reference, ops::mult_adds, false};
const OpInfo kHardSwishInfo{OpKind::HardSwish, "hard_swish", {{"x", false, false}}, false, {},
                            ops::infer, ops::reference, ops::mult_adds, false};
const OpInfo kSiluInfo{OpKind::Silu, "silu", {{"x", false, false}}, false, {},
                       ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
