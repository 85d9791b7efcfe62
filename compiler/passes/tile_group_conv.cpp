// tile_group_conv: chooses, per conv that is a GEMM per group (two or more output channels per group: 1x1 group
// convs, dense KxK convs; not depthwise), the register tile of its packed GEMM kernel (ir/ops/conv2d.cpp):
//   NR pixels = 2 vectors (4 on targets with 32 vector registers), capped at what the output plane needs;
//   NR_tail = the plane's last, partial tile rounded up to whole vectors (0: NR divides the plane);
//   MR output channels = as many as keep MR x NR/width accumulators, the NR/width input vectors and one
//     broadcast weight in the target's vector registers (at most 8, at most the channels per group).
// Weights are packed at compile time into MR-wide panels for this tile, so one tile choice drives both.
#include <algorithm>

#include "compiler/passes/passes.h"

namespace shufflec {

bool tile_group_conv(Graph &g, const PassContext &ctx) {
  bool changed = false;
  const int64_t vec = std::max<int64_t>(ctx.target.vector_floats, 1), regs = ctx.target.vector_registers;
  for (Node &n : g.nodes) {
    if (n.op != OpKind::Conv2d || n.attrs.tile[0] != 0) continue;
    const Shape &w = g.shape(n.inputs[1]), &y = g.shape(n.output);
    const int64_t MG = w[0] / n.attrs.groups, pixels = y[2] * y[3];
    if (MG < 2) continue;  // depthwise: its own kernel
    const int64_t vectors = std::min<int64_t>(regs >= 32 ? 4 : 2, (pixels + vec - 1) / vec);
    const int64_t mr = std::clamp<int64_t>((regs - vectors - 2) / vectors, 1, std::min<int64_t>(8, MG));
    const int64_t nr = vectors * vec, tail = pixels % nr;
    n.attrs.tile = {mr, nr, (tail + vec - 1) / vec * vec};
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
