#include "targets/codegen/kernel_table.h"

namespace shufflec {

void emit_kernel(KernelEmitContext &ctx) {
  switch (ctx.node.op) {
#define SHUFFLEC_OP(id, json_name) \
  case OpKind::id: return kernels::emit_##id(ctx);
#include "ir/ops.def"
  }
}

std::vector<float> pack_constant(const Graph &g, const Node &n, size_t input) {
  if (n.op == OpKind::Conv2d) return kernels::pack_conv2d_constant(g, n, input);
  return {};
}

}  // namespace shufflec
