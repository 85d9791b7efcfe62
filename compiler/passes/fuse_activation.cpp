// fuse_activation: relu(x) becomes the epilogue of x's producer when that producer has an activation slot and
// nothing else reads x. relu(concat(a, b, ...)) = concat(relu(a), relu(b), ...), so a ReLU after a concat moves
// into each of the concat's producers. The same holds for relu6 (a relu node with activation relu6, ONNX's
// Clip(0, 6)): both are elementwise clamps.
#include <algorithm>

#include "compiler/passes/passes.h"

namespace shufflec {
namespace {

bool has_activation_slot(const Node &n) {
  switch (n.op) {
    case OpKind::Conv2d:
    case OpKind::Dense:
    case OpKind::Add:
    case OpKind::MaxPool:
    case OpKind::AvgPool: return n.attrs.activation == Activation::None;
    default: return false;
  }
}

// The clamp a relu node applies (its activation attribute; the default is relu).
Activation clamp_of(const Node &relu) {
  return relu.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
}

}  // namespace

bool fuse_activation(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node relu = g.nodes[i];
    if (relu.op != OpKind::Relu || !single_use(g, relu.inputs[0])) continue;
    Node *p = producer(g, relu.inputs[0]);
    if (!p) continue;
    if (has_activation_slot(*p)) {
      p->attrs.activation = clamp_of(relu);
      p->sources = relu.sources;
    } else if (p->op == OpKind::Concat) {
      std::vector<Node *> producers;
      bool all = true;
      for (ValueId in : p->inputs) {
        Node *q = producer(g, in);
        all = all && q && has_activation_slot(*q) && single_use(g, in);
        producers.push_back(q);
      }
      if (!all) continue;
      for (Node *q : producers) {
        q->attrs.activation = clamp_of(relu);
        q->sources.clear();  // relu(a) is no value of the source graph
      }
      p->sources = relu.sources;
    } else {
      continue;
    }
    replace_uses(g, relu.output, relu.inputs[0]);
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
