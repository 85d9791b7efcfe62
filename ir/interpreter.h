// The reference interpreter: runs the IR with each op's plain reference kernel. It is the oracle for every pass
// (before/after equivalence) and every backend (compiled C vs interpreter).
#pragma once
#include <map>

#include "ir/op.h"

namespace shufflec {

// Runs the graph on `input` (shape must equal the graph input's) and returns the graph output.
Tensor interpret(const Graph &g, const Tensor &input);

// The same, returning every value computed (by value id), for debugging and tests.
std::map<ValueId, Tensor> interpret_all(const Graph &g, const Tensor &input);

}  // namespace shufflec
