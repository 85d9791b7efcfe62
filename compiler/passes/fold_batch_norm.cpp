// fold_batch_norm: conv -> batch_norm becomes one conv. BN in inference is y = a[c] * x + b[c] with
// a = scale / sqrt(var + eps) and b = bias - mean * a, so it scales the conv's output channel c: multiply that
// channel's weights by a[c] and set its bias to a[c] * (bias[c] - mean[c]) + BN bias[c] (computed in double).
#include <cmath>

#include "compiler/passes/passes.h"

namespace shufflec {

bool fold_batch_norm(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node bn = g.nodes[i];
    if (bn.op != OpKind::BatchNorm) continue;
    Node *conv = producer(g, bn.inputs[0]);
    if (!conv || conv->op != OpKind::Conv2d || !single_use(g, bn.inputs[0])) continue;
    // The BN must apply to the raw conv output: no epilogue, no permuted storage yet.
    if (conv->attrs.activation != Activation::None || conv->inputs.size() > 3 || !conv->attrs.out_channel_map.empty())
      continue;
    const Shape wshape = g.shape(conv->inputs[1]);
    const int64_t M = wshape[0], per_channel = wshape.elements() / M;
    const std::vector<float> &w = g.value(conv->inputs[1]).data;
    const std::vector<float> *b = conv->inputs.size() > 2 ? &g.value(conv->inputs[2]).data : nullptr;
    const auto &scale = g.value(bn.inputs[1]).data, &shift = g.value(bn.inputs[2]).data,
               &mean = g.value(bn.inputs[3]).data, &var = g.value(bn.inputs[4]).data;
    std::vector<float> new_w(w.size()), new_b(static_cast<size_t>(M));
    for (int64_t m = 0; m < M; ++m) {
      const double a = double(scale[m]) / std::sqrt(double(var[m]) + bn.attrs.epsilon);
      for (int64_t k = 0; k < per_channel; ++k) new_w[m * per_channel + k] = float(double(w[m * per_channel + k]) * a);
      new_b[m] = float(a * ((b ? double((*b)[m]) : 0.0) - mean[m]) + shift[m]);
    }
    const std::string base = conv->name;
    const ValueId wv = add_constant(g, base + ".weight_bn", wshape, std::move(new_w));
    const ValueId bv = add_constant(g, base + ".bias_bn", Shape{{M}}, std::move(new_b));
    conv = producer(g, bn.inputs[0]);  // add_constant may have moved nothing, but be safe about references
    conv->inputs = {conv->inputs[0], wv, bv};
    conv->sources = bn.sources;  // the conv's output is now the BN's; its own raw output is gone
    replace_uses(g, bn.output, conv->output);
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
