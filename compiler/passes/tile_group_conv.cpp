// tile_group_conv: chooses, per conv that is a GEMM per group (two or more output channels per group: 1x1 group
// convs, dense KxK convs; not depthwise), the register tile of its packed GEMM kernel (ir/ops/conv2d.cpp):
//   NR pixels = 2 vectors (4 on targets with 32 vector registers), capped at what the output plane needs;
//   NR_tail = the plane's last, partial tile rounded up to whole vectors (0: NR divides the plane);
//   MR output channels = as many as keep MR x NR/width accumulators, the NR/width input vectors and one
//     broadcast weight in the target's vector registers (at most 8, at most the channels per group).
//   for 1x1 convs, the cache blocking (attribute `blocking`, see pointwise_blocking below).
// Weights are packed at compile time into MR-wide panels for this tile, so one tile choice drives both.
#include <algorithm>

#include "compiler/passes/passes.h"

namespace shufflec {

namespace {

// Cache blocking of a 1x1 conv's GEMM (K = input channels per group, `blocks` MR-row channel blocks, `full`
// pixels in whole NR tiles), see emit_gemm in ir/ops/conv2d.cpp:
//   K < 64: slabs whose K x slab input block fits half of L2, channel blocks outside the slab's tiles (stores
//     dominate: they stream through MR planes at a time);
//   otherwise the input tile stays in L1 while the channel blocks pass over it: KC taps per K block (equal
//     blocks, the K x NR tile within half of L1), channel blocks whose KC x MR weight panels fit half of L2, slabs
//     whose KC x slab block fits half of L2; with K >= 256 the slab's input is packed into aligned panels.
std::array<int64_t, 4> pointwise_blocking(int64_t K, int64_t mr, int64_t nr, int64_t blocks, int64_t full,
                                          const TargetDesc &target) {
  const int64_t half_l1 = target.l1_bytes / 2, half_l2 = target.l2_bytes / 2, most = std::max(full, nr);
  if (K < 64) return {K, blocks, std::clamp<int64_t>(half_l2 / (K * 4) / nr * nr, nr, most), 0};
  int64_t kc = std::min(K, std::max<int64_t>(32, half_l1 / (nr * 4)));
  const int64_t k_blocks = (K + kc - 1) / kc;
  kc = (K + k_blocks - 1) / k_blocks;
  return {kc, std::clamp<int64_t>(half_l2 / (kc * mr * 4), 1, blocks),
          std::clamp<int64_t>(half_l2 / (kc * 4) / nr * nr, nr, most), K >= 256 ? 1 : 0};
}

}  // namespace

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
    const Attrs &a = n.attrs;
    const bool pointwise = w[2] == 1 && w[3] == 1 && a.stride == std::array<int64_t, 2>{1, 1} &&
                           a.pads == std::array<int64_t, 4>{0, 0, 0, 0};
    if (pointwise) n.attrs.blocking = pointwise_blocking(w[1], mr, nr, (MG + mr - 1) / mr, pixels / nr * nr,
                                                        ctx.target);
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
