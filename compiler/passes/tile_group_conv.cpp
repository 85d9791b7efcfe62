// tile_group_conv: chooses, per 1x1 (group) conv, how its per-group GEMM [MG x CG] x [CG x HW] is blocked, from the
// layer's shape and the target description (docs/passes.md):
//   register block PT pixels = 2 vector widths (capped at H*W), MB output channels = the largest divisor of MG
//     whose MB x PT accumulators fit the target's vector registers less 4 (at most 24);
//   cache slab PB pixels = the largest multiple of PT (at least 4 PT) whose CG x PB input block fits half the L1
//     cache, so it is read from memory once and reused by all MG / MB channel blocks.
#include <algorithm>

#include "compiler/passes/passes.h"

namespace shufflec {

bool tile_group_conv(Graph &g, const PassContext &ctx) {
  bool changed = false;
  const int64_t vec = std::max<int64_t>(ctx.target.vector_floats, 1), l1_floats = ctx.target.l1_bytes / 4;
  // Registers left for accumulators once the input vectors and the broadcast weight have theirs.
  const int64_t accumulator_registers = std::clamp<int64_t>(ctx.target.vector_registers - 4, 4, 24);
  for (Node &n : g.nodes) {
    if (n.op != OpKind::Conv2d || n.attrs.tile[0] != 0) continue;
    const Shape &w = g.shape(n.inputs[1]), &x = g.shape(n.inputs[0]);
    const Attrs &a = n.attrs;
    if (w[2] != 1 || w[3] != 1 || a.stride != std::array<int64_t, 2>{1, 1} || a.pads != std::array<int64_t, 4>{})
      continue;
    const int64_t HW = x[2] * x[3], CG = w[1], MG = w[0] / a.groups;
    const int64_t pt = std::min(2 * vec, HW);
    const int64_t vectors_per_row = (pt + vec - 1) / vec;
    int64_t mb = 1;
    for (int64_t d = 1; d <= MG; ++d)
      if (MG % d == 0 && d * vectors_per_row <= accumulator_registers) mb = d;
    // At least 4 register blocks per slab, so a layer with many input channels does not stream its whole weight
    // matrix once per register block.
    const int64_t slab = std::max<int64_t>(4, (l1_floats / 2) / (CG * pt)) * pt;
    const int64_t pb = std::min(slab, (HW + pt - 1) / pt * pt);
    n.attrs.tile = {mb, pt, pb};
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
