// schedule_convs: decides, once per conv, how the code generator computes it, and records the decision as the
// node's ConvSchedule (ir/schedule.h); the kernels in targets/codegen/kernels/ only read it.
//   - A conv with two or more output channels per group (1x1 group convs, dense KxK convs) is a packed GEMM per
//     group. Its register tile, sized from the target description: NR pixels = gemm_pixel_vectors vectors, capped
//     at what the output plane needs; NR_tail = the plane's last, partial tile rounded up to whole vectors (0: NR
//     divides the plane); MR output channels = as many as keep MR x NR/width accumulators, the NR/width input
//     vectors and one broadcast weight in the target's vector registers (at most gemm_max_channels, at most the
//     channels per group). Weights are
//     packed at compile time into MR-wide panels for this tile. Its input panel and cache blocking: see
//     gemm_schedule, pointwise_blocking, panel_rows and blocked_row_panels below.
//   - Otherwise: the untiled pointwise kernel (1x1), depthwise (one channel per group), or the direct kernel.
// With tiling off (the pass disabled by --no-pass / --passes) every conv gets an untiled kernel.
#include <algorithm>

#include "compiler/passes/passes.h"
#include "ir/ops/conv2d.h"
#include "targets/depthwise_flat.h"
#include "targets/int8_dialect.h"

namespace shufflec {

namespace {

// Cache blocking of a 1x1 conv's GEMM (K = input channels per group, `blocks` MR-row channel blocks, `full`
// pixels in whole NR tiles):
//   K < 64: slabs whose K x slab input block fits half of L2, channel blocks outside the slab's tiles (stores
//     dominate: they stream through MR planes at a time);
//   otherwise the input tile stays in L1 while the channel blocks pass over it: KC taps per K block (equal
//     blocks, the K x NR tile within half of L1), channel blocks whose KC x MR weight panels fit half of L2, slabs
//     whose KC x slab block fits half of L2; with K >= 256 the slab's input is packed into aligned panels.
PointwiseBlocking pointwise_blocking(int64_t K, int64_t mr, int64_t nr, int64_t blocks, int64_t full,
                                     const TargetDesc &target) {
  const int64_t half_l1 = target.l1_bytes / 2, half_l2 = target.l2_bytes / 2, most = std::max(full, nr);
  if (K < 64)
    return {.tile_stationary = false, .pack_slab = false, .k_block = K, .channel_blocks = blocks,
            .slab_pixels = std::clamp<int64_t>(half_l2 / (K * 4) / nr * nr, nr, most)};
  int64_t kc = std::min(K, std::max<int64_t>(32, half_l1 / (nr * 4)));
  const int64_t k_blocks = (K + kc - 1) / kc;
  kc = (K + k_blocks - 1) / k_blocks;
  return {.tile_stationary = true, .pack_slab = K >= 256, .k_block = kc,
          .channel_blocks = std::clamp<int64_t>(half_l2 / (kc * mr * 4), 1, blocks),
          .slab_pixels = std::clamp<int64_t>(half_l2 / (kc * 4) / nr * nr, nr, most)};
}

// Convs with few taps (a network's first layer: K = 3 channels x 3 x 3) spend more time packing than computing
// when every tile is packed pixel by pixel. They pack whole output rows instead: R rows (R divides OH, R * OW a
// multiple of NR, the K x R*OW panel at most 64 KB) with branch-free row copies. 0: pack per tile.
int64_t panel_rows(const ConvDims &d, int64_t K, int64_t nr, int64_t max_floats = 16384) {
  for (int64_t r = 1; r <= d.OH; ++r)
    if (d.OH % r == 0 && (r * d.OW) % nr == 0 && K * r * d.OW <= max_floats) return r;
  return 0;
}

// Dense KxK convs with many taps on wide planes (ResNet's 3x3 convs at 56x56): when a tile spans two output rows
// (NR > OW, or OW not a multiple of NR) per-tile im2col falls back to a per-pixel path that cost as much as the
// GEMM itself (64 channels, 56x56, AVX-512: 0.79 of 1.65 ms). Row panels avoid it; K blocks of whole input channels
// keep each panel in cache: KC = channels x KH x KW taps such that the KC x NR tile fits half of L1 (reused by every
// channel block), and R rows such that the KC x R*OW panel fits half of L2. Partial sums wait in the output between
// K blocks, as in the 1x1 kernel. 0 channels: no such panel (pack per tile).
struct BlockedRows {
  int64_t rows = 0, channels = 0;
};
BlockedRows blocked_row_panels(const ConvDims &d, int64_t nr, const TargetDesc &target) {
  const int64_t taps = d.KH * d.KW;
  const int64_t channels = std::clamp<int64_t>(target.l1_bytes / 2 / (nr * 4) / taps, 1, d.CG);
  if (channels >= d.CG) return {};  // one K block: the plain row panels' size limit applies
  const int64_t rows = panel_rows(d, channels * taps, nr, target.l2_bytes / 2 / 4);
  if (rows == 0) return {};
  return {rows, channels};
}

GemmSchedule gemm_schedule(const ConvDims &d, const Attrs &a, const TargetDesc &target) {
  const int64_t vec = std::max<int64_t>(target.vector_floats, 1), regs = target.vector_registers;
  const int64_t pixels = d.OH * d.OW, K = d.CG * d.KH * d.KW;
  const int64_t vectors = std::min<int64_t>(std::max<int64_t>(target.gemm_pixel_vectors, 1), (pixels + vec - 1) / vec);
  GemmSchedule s;
  s.mr = std::clamp<int64_t>((regs - vectors - 2) / vectors, 1, std::min<int64_t>(target.gemm_max_channels, d.MG));
  s.nr = vectors * vec;
  const int64_t tail = pixels % s.nr;
  s.nr_tail = (tail + vec - 1) / vec * vec;
  if (is_pointwise_conv(d, a)) {
    s.panels = GemmPanels::InPlace;
    s.blocking = pointwise_blocking(K, s.mr, s.nr, (d.MG + s.mr - 1) / s.mr, pixels / s.nr * s.nr, target);
  } else if (const int64_t rows = panel_rows(d, K, s.nr); rows > 0) {
    s.panels = GemmPanels::RowPanels;
    s.panel_rows = rows;
  } else if (const BlockedRows b = blocked_row_panels(d, s.nr, target); b.rows > 0) {
    s.panels = GemmPanels::RowPanels;
    s.panel_rows = b.rows;
    s.panel_channels = b.channels;
  } else {
    s.panels = GemmPanels::TilePanels;
  }
  return s;
}

// Floats of arena scratch the GEMM kernel needs: the packed slab or the copied tail tile (1x1), the row panel, or
// one tile's im2col panel.
int64_t gemm_workspace_floats(const ConvDims &d, const GemmSchedule &s) {
  const int64_t K = d.CG * d.KH * d.KW, P = d.OH * d.OW;
  switch (s.panels) {
    case GemmPanels::InPlace: {
      const int64_t full = P / s.nr * s.nr;
      const int64_t tail = s.nr_tail > 0 && s.nr_tail != P - full ? K * s.nr_tail : 0;
      return std::max(tail, s.blocking.pack_slab && full > 0 ? s.blocking.k_block * s.blocking.slab_pixels : 0);
    }
    case GemmPanels::RowPanels:
      return (s.panel_channels > 0 ? s.panel_channels * d.KH * d.KW : K) * s.panel_rows * d.OW;
    case GemmPanels::TilePanels: return K * s.nr;
  }
  return 0;
}

// The direct kernel computes up to 4 output channels of a group together (each input load serves them all).
int64_t direct_channels(const ConvDims &d) {
  int64_t mb = 1;
  for (int64_t k = 1; k <= 4; ++k)
    if (d.MG % k == 0) mb = k;
  return mb;
}

ConvSchedule schedule_conv(const ConvDims &d, const Attrs &a, const PassContext &ctx) {
  ConvSchedule s;
  if (ctx.tiling && d.MG >= 2) {
    s.kernel = ConvKernel::Gemm;
    s.gemm = gemm_schedule(d, a, ctx.target);
    s.workspace_floats = gemm_workspace_floats(d, s.gemm);
  } else if (is_pointwise_conv(d, a)) {
    s.kernel = ConvKernel::Pointwise;
  } else if (d.CG == 1 && d.MG == 1 && ctx.target.simd &&
             prefers_depthwise_flat(d, a, ctx.target.simd->width())) {
    s.kernel = ConvKernel::DepthwiseFlat;
    s.workspace_floats = depthwise_flat_layout(d, a, ctx.target.simd->width()).workspace_floats();
  } else if (d.CG == 1 && d.MG == 1) {
    s.kernel = ConvKernel::Depthwise;
  } else {
    s.kernel = ConvKernel::Direct;
    s.direct_channels = direct_channels(d);
  }
  return s;
}

}  // namespace

// An int8 conv with two or more output channels per group becomes the SIMD int8 GEMM when the target has an int8
// dialect: the float GEMM's register tile rule (NR = gemm_pixel_vectors vectors of int32 lanes, capped at the plane;
// MR from the registers left), and a workspace holding one packed K x NR input tile, after (KxK convs) the group's
// im2col matrix, K x OH*OW bytes, when that stays within kMaxInt8Im2colBytes. Otherwise (and with tiling off) the
// portable int8 kernel, which needs no schedule. A depthwise conv gets the row kernel (ConvKernel::Int8Rows).
constexpr int64_t kMaxInt8Im2colBytes = 1 << 20;
std::optional<ConvSchedule> schedule_int8_conv(const ConvDims &d, const Attrs &a, const PassContext &ctx) {
  const Int8Dialect *int8 = ctx.target.int8;
  const int64_t K = d.CG * d.KH * d.KW, im2col = is_pointwise_conv(d, a) ? 0 : (K * d.OH * d.OW + 63) / 64 * 64;
  if (!ctx.tiling || !int8) return std::nullopt;
  if (d.CG == 1 && d.MG == 1) {  // depthwise
    // Scratch: the int32 sums of a channel's plane and its input padded with its zero point.
    ConvSchedule rows;
    rows.kernel = ConvKernel::Int8Rows;
    rows.workspace_floats = (int8_depthwise_layout(d, a, int8->lanes()).workspace_bytes() + 3) / 4;
    return rows;
  }
  if (d.MG < 2 || im2col > kMaxInt8Im2colBytes) return std::nullopt;
  const int64_t lanes = int8->lanes(), pixels = d.OH * d.OW, regs = ctx.target.vector_registers;
  const int64_t vectors = std::min<int64_t>(std::max<int64_t>(ctx.target.gemm_pixel_vectors, 1),
                                            (pixels + lanes - 1) / lanes);
  ConvSchedule s;
  s.kernel = ConvKernel::Int8Gemm;
  Int8GemmSchedule &q = s.int8;
  q.dot = int8->dot();
  q.k_step = int8->k_step();
  q.lanes = lanes;
  q.mr = std::clamp<int64_t>((regs - vectors - 2) / vectors, 1, std::min<int64_t>(ctx.target.gemm_max_channels, d.MG));
  q.nr = vectors * lanes;
  const int64_t tail = pixels % q.nr;
  q.nr_tail = (tail + lanes - 1) / lanes * lanes;
  q.im2col_bytes = im2col;
  const int64_t panel_bytes = (K + q.k_step - 1) / q.k_step * q.k_step * q.nr * int8_panel_element_bytes(q.dot);
  s.workspace_floats = (im2col + panel_bytes + 3) / 4;
  return s;
}

bool schedule_convs(Graph &g, const PassContext &ctx) {
  bool changed = false;
  for (Node &n : g.nodes) {
    if (n.op != OpKind::Conv2d) continue;
    const ConvSchedule s = schedule_conv(conv_dims(g, n), n.attrs, ctx);
    if (n.schedule == s) continue;
    n.schedule = s;
    changed = true;
  }
  return changed;
}

}  // namespace shufflec
