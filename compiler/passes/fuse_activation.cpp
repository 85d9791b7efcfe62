// fuse_activation: an activation node (relu, relu6, sigmoid, hard_sigmoid, hard_swish, silu) becomes the epilogue of
// its input's producer when that producer has an activation slot and nothing else reads its output. act(concat(a,
// b, ...)) = concat(act(a), act(b), ...) for any elementwise activation, so one after a concat moves into each of
// the concat's producers. A hard_sigmoid carries its alpha and beta along.
#include <algorithm>

#include "compiler/passes/passes.h"
#include "ir/op.h"

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

void set_epilogue(Node &producer, const Node &act) {
  producer.attrs.activation = *activation_applied_by(act);
  producer.attrs.alpha = act.attrs.alpha;
  producer.attrs.beta = act.attrs.beta;
}

}  // namespace

bool fuse_activation(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node act = g.nodes[i];
    if (!activation_applied_by(act) || !single_use(g, act.inputs[0])) continue;
    Node *p = producer(g, act.inputs[0]);
    if (!p) continue;
    if (has_activation_slot(*p)) {
      set_epilogue(*p, act);
      p->sources = act.sources;
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
        set_epilogue(*q, act);
        q->sources.clear();  // act(a) is no value of the source graph
      }
      p->sources = act.sources;
    } else {
      continue;
    }
    replace_uses(g, act.output, act.inputs[0]);
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
