#include "targets/codegen/kernel_table.h"

namespace shufflec {

void emit_kernel(KernelEmitContext &ctx) {
  if (ctx.node.quant) return kernels::emit_int8(ctx);  // its int8 kernel (kernels/int8_*.cpp)
  switch (ctx.node.op) {
#define SHUFFLEC_OP(id, json_name) \
  case OpKind::id: return kernels::emit_##id(ctx);
#include "ir/ops.def"
  }
}

Int8Table::Int8Table(std::string role_, std::vector<int32_t> values_) : role(std::move(role_)), values(std::move(values_)) {
  bytes = 1;
  for (int32_t v : values) {
    if (v < -32768 || v > 32767) bytes = 4;
    else if ((v < -128 || v > 127) && bytes < 2) bytes = 2;
  }
}

std::vector<Int8Table> int8_tables(const Graph &g, const Node &n) {
  return n.quant ? kernels::int8_tables(g, n) : std::vector<Int8Table>{};
}

std::vector<float> pack_constant(const Graph &g, const Node &n, size_t input) {
  if (n.op == OpKind::Conv2d) return kernels::pack_conv2d_constant(g, n, input);
  return {};
}

}  // namespace shufflec
