// relu: max(x, 0), elementwise, any shape. Attribute `activation` picks the clamp: "relu" (the default; "none" reads
// as relu too) or "relu6", min(max(x, 0), 6). fuse_activation moves either into the producer's epilogue.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

// The clamp this node applies: relu6 when asked for, relu otherwise.
Activation clamp_of(const Node &n) {
  return n.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
}

Shape infer(const Graph &g, const Node &n) { return in_shape(g, n, 0); }

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Activation a = clamp_of(n);
  for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = float(apply_activation(a, in[0]->data[i]));
}

void emit_c(KernelEmitContext &ctx) {
  const int64_t count = ctx.graph.shape(ctx.node.output).elements();
  ctx.w.open("for (int i = 0; i < {}; ++i)", count);
  ctx.w.line("const float v = {}[i];", ctx.in[0]);
  ctx.w.line("{}[i] = {};", ctx.out, activation_c(clamp_of(ctx.node), "v"));
  ctx.w.close();
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kReluInfo;
const OpInfo kReluInfo{OpKind::Relu, "relu", {{"x", false, false}}, false, {"activation"},
                       ops::infer, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
