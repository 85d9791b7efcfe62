// Packing for the GEMM conv kernel: weight panels at compile time, and the input panels the kernel streams at run
// time (im2col per pixel tile, or whole output rows for convs with few taps).
#include <optional>

#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/gemm.h"

namespace shufflec::kernels {

// Weights as [G][blocks][K][MR] and bias as [G][blocks][MR]; rows past MG are zero (computed, never stored).
std::vector<float> pack_conv2d_constant(const Graph &g, const Node &n, size_t input) {
  if (!n.schedule || n.schedule->kernel != ConvKernel::Gemm || (input != 1 && input != 2)) return {};
  const ConvDims d = conv_dims(g, n);
  const GemmShape t = gemm_shape(d, n.schedule->gemm);
  const std::vector<float> &src = g.value(n.inputs[input]).data;
  const int64_t row = input == 1 ? t.K : 1;
  std::vector<float> out(static_cast<size_t>(d.G * t.blocks * t.MR * row), 0.0f);
  for (int64_t grp = 0; grp < d.G; ++grp)
    for (int64_t b = 0; b < t.blocks; ++b)
      for (int64_t j = 0; j < t.MR && b * t.MR + j < d.MG; ++j) {
        const int64_t m = grp * d.MG + b * t.MR + j, panel = (grp * t.blocks + b) * t.MR * row;
        for (int64_t k = 0; k < row; ++k)
          out[static_cast<size_t>(panel + k * t.MR + j)] = src[static_cast<size_t>(m * row + k)];
      }
  return out;
}

// Packs the K x nr panel of the tile at pixel l.p0 into the workspace (im2col); pixels past the plane read as zero.
// Declares l.bsrc/l.bstride pointing at the panel.
void emit_im2col_tile(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt, const GemmLocals &l,
                      const std::string &xg) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const std::string &ws = ctx.workspace;
  w.line("const float *restrict {} = {};", l.bsrc, ws);
  w.line("const int {} = {};", l.bstride, pt.nr);
  std::optional<CWriter::Block> general;
  if (pt.valid == pt.nr) {
    // Fast path: a tile inside one output row whose taps all land inside the input columns; whole kernel rows
    // above or below the input are zeros.
    w.line("const int oy = {} / {}, ox = {} % {};", l.p0, d.OW, l.p0, d.OW);
    {
      auto inside = w.block("if (ox + {} <= {} && ox * {} >= {} && (ox + {}) * {} + {} < {})", pt.nr, d.OW,
                            a.stride[1], a.pads[1], pt.nr - 1, a.stride[1], (d.KW - 1) * a.dilation[1] - a.pads[1],
                            d.W);
      auto channel = w.block("for (int c = 0; c < {}; ++c)", d.CG);
      auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", d.KH);
      w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
      w.line("float *restrict bk = {} + (c * {} + ky) * {};", ws, d.KH, d.KW * pt.nr);
      {
        auto outside_rows = w.block("if ((unsigned)iy >= {}u)", d.H);
        w.line("for (int i = 0; i < {}; ++i) bk[i] = 0.0f;", d.KW * pt.nr);
        w.line("continue;");
      }
      auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", d.KW);
      w.line("const float *restrict xr = {} + (c * {} + iy) * {} + ox * {} - {} + kx * {};", xg, d.H, d.W,
             a.stride[1], a.pads[1], a.dilation[1]);
      w.line("for (int i = 0; i < {}; ++i) bk[kx * {} + i] = xr[i * {}];", pt.nr, pt.nr, a.stride[1]);
    }
    general.emplace(w.block("else"));
  } else {
    general.emplace(w.block(""));
  }
  // General path: where each pixel's window starts; a pixel past the plane starts far above it, so every tap
  // reads zero.
  const int64_t outside = d.H + d.KH * a.dilation[0] + 1;
  w.line("int iy0[{}], ix0[{}];", pt.nr, pt.nr);
  {
    auto pixel = w.block("for (int i = 0; i < {}; ++i)", pt.nr);
    w.line("const int p = {} + i;", l.p0);
    w.line("iy0[i] = p < {} ? (p / {}) * {} - {} : -{};", t.P, d.OW, a.stride[0], a.pads[0], outside);
    w.line("ix0[i] = (p % {}) * {} - {};", d.OW, a.stride[1], a.pads[1]);
  }
  auto channel = w.block("for (int c = 0; c < {}; ++c)", d.CG);
  w.line("const float *restrict xc = {} + c * {};", xg, d.H * d.W);
  auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", d.KH);
  auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", d.KW);
  w.line("float *restrict bk = {} + ((c * {} + ky) * {} + kx) * {};", ws, d.KH, d.KW, pt.nr);
  auto pixel = w.block("for (int i = 0; i < {}; ++i)", pt.nr);
  w.line("const int iy = iy0[i] + ky * {}, ix = ix0[i] + kx * {};", a.dilation[0], a.dilation[1]);
  w.line("bk[i] = (unsigned)iy < {}u && (unsigned)ix < {}u ? xc[iy * {} + ix] : 0.0f;", d.H, d.W, d.W);
}

// Row panels (GemmPanels::RowPanels): `rows` output rows from row oy0 packed at once into the workspace, as
// [K][rows * OW] for the input channels [c0, c1) (C expressions: a K block), with branch-free row copies; columns
// outside the input (the compile-time bounds col_lo/col_hi the caller declared) are zeros.
void emit_row_panel(KernelEmitContext &ctx, const ConvDims &d, int64_t rows, const std::string &oy0,
                    const std::string &xg, const std::string &c0, const std::string &c1) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t PP = rows * d.OW;
  auto channel = w.block("for (int c = {}; c < {}; ++c)", c0, c1);
  auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", d.KH);
  auto row = w.block("for (int r = 0; r < {}; ++r)", rows);
  w.line("const int iy = ({} + r) * {} - {} + ky * {};", oy0, a.stride[0], a.pads[0], a.dilation[0]);
  auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", d.KW);
  const std::string channel_row = c0 == "0" ? "c" : fmt::format("(c - {})", c0);
  w.line("float *restrict br = {} + (({} * {} + ky) * {} + kx) * {} + r * {};", ctx.workspace, channel_row, d.KH,
         d.KW, PP, d.OW);
  w.line("const float *restrict xr = {} + (c * {} + iy) * {} + kx * {} - {};", xg, d.H, d.W, a.dilation[1],
         a.pads[1]);
  w.line("const int lo = (unsigned)iy < {}u ? col_lo[kx] : {}, hi = (unsigned)iy < {}u ? col_hi[kx] : {};", d.H, d.OW,
         d.H, d.OW);
  w.line("for (int ox = 0; ox < lo; ++ox) br[ox] = 0.0f;");
  w.line("for (int ox = lo; ox < hi; ++ox) br[ox] = xr[ox * {}];", a.stride[1]);
  w.line("for (int ox = hi; ox < {}; ++ox) br[ox] = 0.0f;", d.OW);
}

}  // namespace shufflec::kernels
