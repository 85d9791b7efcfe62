// Shape inference and the whole-graph verifier. Both throw UserError naming the node; the pass pipeline turns a
// verifier failure after a pass into an internal error, since passes must keep graphs valid.
#pragma once
#include "ir/graph.h"

namespace shufflec {

// Checks each node's operands and attributes and sets its output shape, in execution order.
void infer_shapes(Graph &g);

// Checks the structural invariants: ids in range, unique names, operands defined before use, operand counts and
// constness per the op table, shapes equal to what inference gives, the output produced by a node or the input.
void verify(const Graph &g);

}  // namespace shufflec
