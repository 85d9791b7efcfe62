// The op interface: one OpInfo per op, defined in ir/ops/<op>.cpp: what the op means (inputs, attributes, shape
// inference with verification, reference kernel, cost). How it is printed as C is the code generator's business
// (targets/codegen/). op_info() is generated from ir/ops.def.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace shufflec {

// A dense NCHW float32 tensor, used by the reference interpreter.
struct Tensor {
  Shape shape;
  std::vector<float> data;
};

struct InputSpec {
  std::string_view role;  // "x", "weight", "bias", ... (used in messages and docs)
  bool constant;          // must be a compile-time constant
  bool optional;
};

struct OpInfo {
  OpKind kind;
  std::string_view name;
  std::vector<InputSpec> inputs;
  bool variadic;  // accepts any number >= 2 of inputs shaped like inputs[0] (concat)
  std::vector<AttrId> attrs;  // attributes accepted in JSON (ir/attributes.def)
  // Verifies the node (inputs, attributes) and returns its output shape. Throws UserError.
  Shape (*infer)(const Graph &g, const Node &n);
  // The oracle: plain loops, double accumulation.
  void (*reference)(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out);
  // Multiply-adds, counted as Megvii counts FLOPs: convolutions and fully connected layers only.
  int64_t (*mult_adds)(const Graph &g, const Node &n);
  // The output is input 0 reinterpreted (no data moves).
  bool aliases_input;
};

const OpInfo &op_info(OpKind kind);

// The activation a standalone activation node applies (relu, relu6, sigmoid, hard_sigmoid, hard_swish, silu; a
// hard_sigmoid's alpha and beta are its attributes), or nullopt for any other op (ir/ops/activations.cpp).
std::optional<Activation> activation_applied_by(const Node &n);

// Checks, with overflow-safe arithmetic, that a shape is usable; throws a UserError naming the node otherwise.
void check_shape_size(const Graph &g, const Node &n, const Shape &s);

}  // namespace shufflec
