// The packed GEMM conv kernel's driver: per group, Y[MG x P] = W[MG x K] * B[K x P]. The loops around the register
// tiles follow the conv's schedule (ir/schedule.h): 1x1 convs read their input in place with the schedule's cache
// blocking; convs with few taps pack whole output rows; others pack each pixel tile (im2col). Weights were packed
// at compile time into MR-row panels (gemm_packing.cpp), so every tile streams them contiguously.
#include <optional>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernels/gemm.h"

namespace shufflec::kernels {
namespace {

// 1x1 conv: the input rows are read in place, blocked as a GEMM for the caches.
//  - Few input channels (not tile-stationary): pixel slabs whose K x slab input block fits half of L2, channel
//    blocks outside the slab's tiles, so stores stream through MR output planes at a time (the kernel is short and
//    store-bound) and each weight panel is read from memory once per slab.
//  - Otherwise the input tile stays put: K blocks of KC taps whose K x NR tile fits half of L1 (partial sums kept
//    in the output between blocks), channel blocks whose KC x MR weight panels fit half of L2, and for each tile
//    every channel block of the group passes over it, from L1.
void emit_in_place(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                   const PointwiseBlocking &pbk) {
  CWriter &w = ctx.w;
  const std::string &ws = ctx.workspace;
  const int64_t full = t.P / t.NR * t.NR, tail = t.P - full;
  const PixelTile whole{t.NR, t.NR}, last{t.NR_tail, tail};
  const int64_t KC = pbk.k_block, MCB = pbk.channel_blocks, slab = pbk.slab_pixels;
  GemmLocals blocked;
  if (KC < t.K) blocked.k0 = "k0", blocked.k1 = "k1";
  const bool copy_tail = tail > 0 && t.NR_tail != tail;
  if (full > 0) {
    auto slabs = w.block("for (int pb = 0; pb < {}; pb += {})", full, slab);
    w.line("const int pe = pb + {} < {} ? pb + {} : {};", slab, full, slab, full);
    std::optional<CWriter::Block> k_blocks;
    if (blocked.k_blocked()) {
      k_blocks.emplace(w.block("for (int k0 = 0; k0 < {}; k0 += {})", t.K, KC));
      w.line("const int k1 = k0 + {} < {} ? k0 + {} : {};", KC, t.K, KC, t.K);
    }
    if (pbk.tile_stationary) {
      if (pbk.pack_slab) {
        // Many input channels: the slab's KC x slab input block is packed once, tile by tile, into aligned
        // contiguous panels, which every channel block then reads; in place, rows P floats apart would split
        // cache lines and spread over pages on every load.
        if (!blocked.k_blocked()) w.line("const int k0 = 0, k1 = {};", t.K);
        auto tiles = w.block("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
        w.line("float *restrict panel = {} + (p0 - pb) / {} * {};", ws, t.NR, KC * t.NR);
        auto taps = w.block("for (int k = k0; k < k1; ++k)");
        w.line("for (int i = 0; i < {}; ++i) panel[(k - k0) * {} + i] = xg[k * {} + p0 + i];", t.NR, t.NR, t.P);
      }
      auto channel_blocks = w.block("for (int mc = 0; mc < {}; mc += {})", t.blocks, MCB);
      w.line("const int mce = mc + {} < {} ? mc + {} : {};", MCB, t.blocks, MCB, t.blocks);
      auto tiles = w.block("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
      if (pbk.pack_slab) {
        w.line("const float *restrict bsrc = {} + (p0 - pb) / {} * {};", ws, t.NR, KC * t.NR);
        w.line("const int bstride = {};", t.NR);
      } else {
        w.line("const float *restrict bsrc = xg + {}p0;", blocked.k_blocked() ? fmt::format("k0 * {} + ", t.P) : "");
        w.line("const int bstride = {};", t.P);
      }
      auto block = w.block("for (int mb = mc; mb < mce; ++mb)");
      emit_channel_block_pointers(ctx, d, t, o, "g", blocked);
      emit_channel_block(ctx, d, t, whole, o, blocked);
    } else {
      auto block = w.block("for (int mb = 0; mb < {}; ++mb)", t.blocks);
      emit_channel_block_pointers(ctx, d, t, o, "g", blocked);
      auto tiles = w.block("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
      w.line("const float *restrict bsrc = xg + p0;");
      w.line("const int bstride = {};", t.P);
      emit_channel_block(ctx, d, t, whole, o, blocked);
    }
  }
  if (copy_tail) {
    auto taps = w.block("for (int k = 0; k < {}; ++k)", t.K);
    w.line("for (int i = 0; i < {}; ++i) {}[k * {} + i] = i < {} ? xg[k * {} + {} + i] : 0.0f;", t.NR_tail, ws,
           t.NR_tail, tail, t.P, full);
  }
  if (tail > 0) {
    const GemmLocals l;
    auto block = w.block("for (int mb = 0; mb < {}; ++mb)", t.blocks);
    emit_channel_block_pointers(ctx, d, t, o, "g", l);
    w.line("const int p0 = {};", full);
    w.line("const float *restrict bsrc = {};", copy_tail ? ws : "xg + p0");
    w.line("const int bstride = {};", copy_tail ? t.NR_tail : t.P);
    emit_channel_block(ctx, d, t, last, o, l);
  }
}

// Row panels: R output rows packed at once (zero columns outside the input written by the row copies' bounds,
// known at compile time), then every tile of the panel runs all channel blocks. With K blocks (`channels` input
// channels each, 0: all at once) the panel holds one block's taps and the tiles keep partial sums in the output.
void emit_row_panels(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                     int64_t R, int64_t channels) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t PP = R * d.OW, taps = d.KH * d.KW;
  GemmLocals l;
  emit_tap_columns(w, tap_columns(d.OW, d.W, d.KW, a.stride[1], a.dilation[1], a.pads[1]));
  auto panels = w.block("for (int oy0 = 0; oy0 < {}; oy0 += {})", d.OH, R);
  std::optional<CWriter::Block> k_blocks;
  if (channels > 0 && channels < d.CG) {
    l.k0 = "k0", l.k1 = "k1";
    k_blocks.emplace(w.block("for (int c0 = 0; c0 < {}; c0 += {})", d.CG, channels));
    w.line("const int c1 = c0 + {} < {} ? c0 + {} : {};", channels, d.CG, channels, d.CG);
    w.line("const int k0 = c0 * {}, k1 = c1 * {};", taps, taps);
    emit_row_panel(ctx, d, R, "oy0", "xg", "c0", "c1");
  } else {
    emit_row_panel(ctx, d, R, "oy0", "xg", "0", std::to_string(d.CG));
  }
  auto tiles = w.block("for (int q0 = 0; q0 < {}; q0 += {})", PP, t.NR);
  w.line("const int p0 = oy0 * {} + q0;", d.OW);
  w.line("const float *restrict bsrc = {} + q0;", ctx.workspace);
  w.line("const int bstride = {};", PP);
  auto block = w.block("for (int mb = 0; mb < {}; ++mb)", t.blocks);
  emit_channel_block_pointers(ctx, d, t, o, "g", l);
  emit_channel_block(ctx, d, t, PixelTile{t.NR, t.NR}, o, l);
}

// Pixel tiles outside: the tile's packed panel is reused from cache by every channel block.
void emit_tile_panels(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o) {
  CWriter &w = ctx.w;
  const int64_t full = t.P / t.NR * t.NR, tail = t.P - full;
  const GemmLocals l;
  auto tile = [&](PixelTile pt) {
    emit_im2col_tile(ctx, d, t, pt, l, "xg");
    auto block = w.block("for (int mb = 0; mb < {}; ++mb)", t.blocks);
    emit_channel_block_pointers(ctx, d, t, o, "g", l);
    emit_channel_block(ctx, d, t, pt, o, l);
  };
  if (full > 0) {
    auto tiles = w.block("for (int p0 = 0; p0 < {}; p0 += {})", full, t.NR);
    tile(PixelTile{t.NR, t.NR});
  }
  if (tail > 0) {
    auto last = w.block("");
    w.line("const int p0 = {};", full);
    tile(PixelTile{t.NR_tail, tail});
  }
}

}  // namespace

void emit_conv_gemm(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o, const GemmSchedule &s) {
  CWriter &w = ctx.w;
  const GemmShape t = gemm_shape(d, s);
  const int64_t tail = t.P - t.P / t.NR * t.NR;
  SHUFFLEC_ASSERT(t.MR > 0 && t.NR > 0);
  SHUFFLEC_ASSERT((tail == 0) == (t.NR_tail == 0) && t.NR_tail >= tail && t.NR_tail <= t.NR);
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto group = w.block("for (int g = 0; g < {}; ++g)", d.G);
  w.line("const float *restrict xg = {} + (n * {} + g * {}) * {};", ctx.in[0], d.C, d.CG, d.H * d.W);
  switch (s.panels) {
    case GemmPanels::InPlace: return emit_in_place(ctx, d, t, o, s.blocking);
    case GemmPanels::RowPanels: return emit_row_panels(ctx, d, t, o, s.panel_rows, s.panel_channels);
    case GemmPanels::TilePanels: return emit_tile_panels(ctx, d, t, o);
  }
}

}  // namespace shufflec::kernels
