// The int8 reference interpreter: runs a quantized graph (after the quantize_int8 pass) with integer arithmetic only
// between its quantize and dequantize nodes; float nodes (softmax, ...) run their fp32 reference kernels. It is the
// oracle of the int8 kernels (targets/codegen/kernels/int8_*.cpp): the generated C must equal it bit for bit.
#pragma once
#include <map>

#include "ir/op.h"

namespace shufflec {

struct Int8Tensor {
  Shape shape;
  std::vector<int8_t> data;
};

// Every value computed, by id: int8 values (Value::is_int8) in `int8`, float ones in `fp32`.
struct Int8Run {
  std::map<ValueId, Int8Tensor> int8;
  std::map<ValueId, Tensor> fp32;
};

Int8Run interpret_int8_all(const Graph &g, const Tensor &input);

// The graph output (float: the graph ends with a dequantize or a float node).
Tensor interpret_int8(const Graph &g, const Tensor &input);

// One int8 node's kernel: `in` holds one tensor per node input, nullptr for constants (whose int8 form is on
// Node::quant). Exposed for the per-op tests.
void int8_reference(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out);

}  // namespace shufflec

namespace shufflec {
// Whether int8_reference() has a kernel for this op (the quantize_int8 pass keeps the others in float).
bool has_int8_kernel(OpKind op);
}  // namespace shufflec
