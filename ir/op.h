// The op interface: one OpInfo per op, defined in ir/ops/<op>.cpp next to its shape inference, reference kernel and
// C emitter. op_info() is generated from ir/ops.def.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "ir/c_writer.h"
#include "ir/graph.h"
#include "ir/target_desc.h"

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

// What an op's C emitter gets: a writer positioned inside the layer's function body, and C expressions for its
// operands. Activation operands are pointer parameters; constants are pointers into the weights blob.
struct KernelEmitContext {
  CWriter &w;
  const Graph &graph;
  const Node &node;
  std::vector<std::string> in;  // one C expression (const float *) per node input
  std::string out;              // C expression (float *) for the output
  const TargetDesc &target;     // vector dialect and sizes of the machine the C is for
  std::string workspace;        // C expression (float *) for the layer's scratch in the arena, if it asked for any
};

struct OpInfo {
  OpKind kind;
  std::string_view name;
  std::vector<InputSpec> inputs;
  bool variadic;  // accepts any number >= 2 of inputs shaped like inputs[0] (concat)
  std::vector<std::string_view> attrs;  // attributes accepted in JSON
  // Verifies the node (inputs, attributes) and returns its output shape. Throws UserError.
  Shape (*infer)(const Graph &g, const Node &n);
  // The oracle: plain loops, double accumulation.
  void (*reference)(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out);
  // Portable C for one layer, with every shape baked in as a constant.
  void (*emit_c)(KernelEmitContext &ctx);
  // Multiply-adds, counted as Megvii counts FLOPs: convolutions and fully connected layers only.
  int64_t (*mult_adds)(const Graph &g, const Node &n);
  // The output is input 0 reinterpreted (no data moves).
  bool aliases_input;
  // Optional. The layout the emitter reads constant input `input` in, when it is not the graph's (e.g. weights
  // packed into the panels a GEMM kernel streams); empty: the graph's own data. Called when the blob is built.
  std::vector<float> (*pack_constant)(const Graph &g, const Node &n, size_t input) = nullptr;
  // Optional. Floats of arena scratch the emitted kernel needs while it runs (e.g. an im2col panel).
  int64_t (*workspace_floats)(const Graph &g, const Node &n) = nullptr;
};

const OpInfo &op_info(OpKind kind);

// Checks, with overflow-safe arithmetic, that a shape is usable; throws a UserError naming the node otherwise.
void check_shape_size(const Graph &g, const Node &n, const Shape &s);

}  // namespace shufflec
