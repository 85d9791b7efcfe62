// fuse_residual: add(conv(x), s) with its activation becomes conv's epilogue, y = act(conv(x) + s), so the
// residual is added while the conv writes its output instead of in a separate pass over memory.
#include "compiler/passes/passes.h"

namespace shufflec {

bool fuse_residual(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node add = g.nodes[i];
    if (add.op != OpKind::Add) continue;
    for (int k = 1; k >= 0; --k) {  // the second operand first: in ShuffleNet units it is the branch's conv
      const ValueId branch = add.inputs[static_cast<size_t>(k)], shortcut = add.inputs[static_cast<size_t>(1 - k)];
      Node *conv = producer(g, branch);
      if (!conv || conv->op != OpKind::Conv2d || !single_use(g, branch) || branch == shortcut) continue;
      if (conv->attrs.activation != Activation::None || conv->inputs.size() > 3) continue;
      if (conv->inputs.size() == 2) {
        const int64_t M = g.shape(conv->inputs[1])[0];
        const ValueId zero = add_constant(g, conv->name + ".bias", Shape{{M}}, std::vector<float>(size_t(M), 0.0f));
        conv = producer(g, branch);
        conv->inputs.push_back(zero);
      }
      conv->inputs.push_back(shortcut);
      conv->attrs.activation = add.attrs.activation;
      conv->sources = add.sources;
      replace_uses(g, add.output, branch);
      changed = true;
      break;
    }
  }
  return changed;
}

}  // namespace shufflec
