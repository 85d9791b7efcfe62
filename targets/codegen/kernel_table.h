// The code generator's op table: for each op, the kernel emitter that prints its layer function body and,
// optionally, the layout its constant operands are stored in. Emitters live in targets/codegen/kernels/, one file
// per kernel family; kernel_table.cpp maps every op of ir/ops.def to one (a missing one fails to link).
#pragma once
#include <vector>

#include "targets/codegen/kernel_context.h"

namespace shufflec {

// Prints the body of node's layer function.
void emit_kernel(KernelEmitContext &ctx);

// The layout the kernel reads constant input `input` of node in, when it is not the graph's (e.g. conv weights
// packed into the panels a GEMM kernel streams); empty: the graph's own data.
std::vector<float> pack_constant(const Graph &g, const Node &n, size_t input);

// A constant table an int8 kernel reads (weights, bias, requantization, store map), stored in the weights blob by
// the module printer in the narrowest signed integer type that holds its values.
struct Int8Table {
  std::string role;  // "weights", "bias", ...: for comments
  std::vector<int32_t> values;
  int bytes = 4;     // 1, 2 or 4: int8_t, int16_t, int32_t

  Int8Table(std::string role_, std::vector<int32_t> values_);
  std::string c_type() const { return bytes == 1 ? "int8_t" : bytes == 2 ? "int16_t" : "int32_t"; }
};
std::vector<Int8Table> int8_tables(const Graph &g, const Node &n);

// One entry point per op (kernels/<family>.cpp), named after ir/ops.def.
namespace kernels {
#define SHUFFLEC_OP(id, json_name) void emit_##id(KernelEmitContext &ctx);
#include "ir/ops.def"
std::vector<float> pack_conv2d_constant(const Graph &g, const Node &n, size_t input);
// int8 nodes (Node::quant): kernels/int8_*.cpp.
void emit_int8(KernelEmitContext &ctx);
std::vector<Int8Table> int8_tables(const Graph &g, const Node &n);
}  // namespace kernels

}  // namespace shufflec
