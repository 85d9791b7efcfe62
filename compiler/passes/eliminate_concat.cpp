// eliminate_concat: marks a concat in place when each of its inputs can be written straight into its channel
// slice of the concat's buffer (the memory plan then places them there and the backend emits no copy).
// Legal when batch is 1 (a channel slice is contiguous), the inputs are distinct intermediates that only this
// concat reads, and none already lives inside another buffer (flatten output).
#include <set>

#include "compiler/passes/passes.h"
#include "ir/op.h"

namespace shufflec {

bool eliminate_concat(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  for (Node &n : g.nodes) {
    if (n.op != OpKind::Concat || n.attrs.in_place || g.shape(n.output)[0] != 1) continue;
    std::set<ValueId> seen;
    bool ok = true;
    for (ValueId in : n.inputs) {
      const Node *p = producer(g, in);
      ok = ok && seen.insert(in).second && p && single_use(g, in) && !op_info(p->op).aliases_input;
    }
    if (!ok) continue;
    n.attrs.in_place = true;
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
