// tile_group_conv: chooses, per 1x1 (group) conv, the block of output channels x pixels computed together, from the
// layer's shape and the target's L1 size (documented in docs/passes.md):
//   pixels   PT = the largest multiple of the vector width with CG * PT floats (one input block) <= L1 / 2,
//                clamped to [vector width, 256] and to H*W;
//   channels MB = the largest count <= min(MG, 16) with MB * PT floats (the accumulators) <= L1 / 4.
// The input block is then read once per MB output channels instead of once per output channel.
#include <algorithm>

#include "compiler/passes/passes.h"

namespace shufflec {

bool tile_group_conv(Graph &g, const PassContext &ctx) {
  bool changed = false;
  const int64_t vec = std::max<int64_t>(ctx.target.vector_floats, 1), l1_floats = ctx.target.l1_bytes / 4;
  for (Node &n : g.nodes) {
    if (n.op != OpKind::Conv2d || n.attrs.tile[0] != 0) continue;
    const Shape &w = g.shape(n.inputs[1]), &x = g.shape(n.inputs[0]);
    const Attrs &a = n.attrs;
    if (w[2] != 1 || w[3] != 1 || a.stride != std::array<int64_t, 2>{1, 1} || a.pads != std::array<int64_t, 4>{})
      continue;
    const int64_t HW = x[2] * x[3], CG = w[1], MG = w[0] / a.groups;
    int64_t pt = std::clamp<int64_t>((l1_floats / 2) / CG / vec * vec, vec, 256);
    pt = std::min(pt, HW);
    const int64_t mb = std::clamp<int64_t>((l1_floats / 4) / pt, 1, std::min<int64_t>(MG, 16));
    n.attrs.tile = {mb, pt};
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
