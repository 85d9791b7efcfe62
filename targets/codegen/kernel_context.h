// What a kernel emitter gets: a writer positioned inside the layer's function body, the node, the target, and the
// C names of its operands. The module printer (targets/c/c_backend.cpp) declares every name listed here as a
// parameter or an expression of the layer function; a kernel declares and names every other local it prints.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "targets/codegen/c_writer.h"
#include "targets/target_desc.h"

namespace shufflec {

struct KernelEmitContext {
  CWriter &w;
  const Graph &graph;
  const Node &node;
  std::vector<std::string> in;  // one C expression (const float *) per node input
  std::string out;              // C expression (float *) for the output
  const TargetDesc &target;     // vector dialect and sizes of the machine the C is for
  std::string workspace;        // C expression (float *) for the layer's arena scratch; empty if it has none
  // An int8 node (Node::quant): one C expression per table int8_tables() lists for it, in that order (its int8
  // weights, int32 bias and requantization, in the weights blob). Its float constant inputs are not emitted: their
  // entries in `in` are empty. int8 operands are `const int8_t *`, the output `int8_t *`.
  std::vector<std::string> tables;
};

}  // namespace shufflec
