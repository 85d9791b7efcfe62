// The untiled conv kernels: pointwise (1x1, one output plane at a time) and direct (any conv, one output row at a
// time). The schedule_convs pass picks them when a conv is no GEMM (or tiling is off).
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernels/conv.h"

namespace shufflec::kernels {

// 1x1, stride 1, no padding: each output plane is a weighted sum of its group's input planes. Untiled: one output
// plane at a time (vectorises over pixels).
void emit_conv_pointwise(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t HW = d.H * d.W;
  const std::string at = o.map.empty() ? "m" : o.map + "[m]";
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const float *restrict wm = {} + m * {};", ctx.in[1], d.CG);
  w.line("const float *restrict xg = {} + n * {} + (m / {}) * {};", ctx.in[0], d.C * HW, d.MG, d.CG * HW);
  w.line("float *restrict yp = {} + n * {} + {} * {};", ctx.out, d.M * HW, at, HW);
  w.line("const float b = {};", o.has_bias ? ctx.in[2] + "[m]" : "0.0f");
  w.line("for (int p = 0; p < {}; ++p) yp[p] = b;", HW);
  {
    auto input_channel = w.block("for (int c = 0; c < {}; ++c)", d.CG);
    w.line("const float wv = wm[c];");
    w.line("const float *restrict xp = xg + c * {};", HW);
    w.line("for (int p = 0; p < {}; ++p) yp[p] += wv * xp[p];", HW);
  }
  if (o.has_residual) {
    w.line("const float *restrict rp = {} + n * {} + {} * {};", ctx.in[3], d.M * HW, at, HW);
    w.line("for (int p = 0; p < {}; ++p) yp[p] = {};", HW, activation_c(a, "(yp[p] + rp[p])"));
  } else if (a.activation != Activation::None) {
    w.line("for (int p = 0; p < {}; ++p) yp[p] = {};", HW, activation_c(a, "yp[p]"));
  }
}

// Any other conv, one output row at a time: for each (input channel, kernel tap) the row accumulates
// weight * input over the output columns whose tap lands inside the input (bounds known at compile time), so the
// inner loop has no branches and vectorises; padding costs nothing. `channels` (MB) output channels of a group are
// computed together so each input element loaded serves MB multiply-adds.
void emit_conv_direct(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o, int64_t channels) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t MB = channels;
  SHUFFLEC_ASSERT(MB >= 1 && d.MG % MB == 0);
  emit_tap_columns(w, tap_columns(d.OW, d.W, d.KW, a.stride[1], a.dilation[1], a.pads[1]));
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel_block = w.block("for (int m0 = 0; m0 < {}; m0 += {})", d.M, MB);
  w.line("const float *restrict xg = {} + n * {} + (m0 / {}) * {};", ctx.in[0], d.C * d.H * d.W, d.MG,
         d.CG * d.H * d.W);
  for (int64_t j = 0; j < MB; ++j) {
    const std::string at = o.map.empty() ? fmt::format("(m0 + {})", j) : fmt::format("{}[m0 + {}]", o.map, j);
    w.line("const float *restrict wm{} = {} + (m0 + {}) * {};", j, ctx.in[1], j, d.CG * d.KH * d.KW);
    w.line("float *restrict yp{} = {} + (n * {} + {}) * {};", j, ctx.out, d.M, at, d.OH * d.OW);
    if (o.has_residual)
      w.line("const float *restrict rp{} = {} + (n * {} + {}) * {};", j, ctx.in[3], d.M, at, d.OH * d.OW);
  }
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
  for (int64_t j = 0; j < MB; ++j) {
    w.line("float *restrict yr{} = yp{} + oy * {};", j, j, d.OW);
    w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
           o.has_bias ? fmt::format("{}[m0 + {}]", ctx.in[2], j) : "0.0f");
  }
  {
    auto input_channel = w.block("for (int c = 0; c < {}; ++c)", d.CG);
    auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", d.KH);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("if (iy < 0 || iy >= {}) continue;", d.H);
    auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", d.KW);
    w.line("const float *restrict xr = xg + (c * {} + iy) * {} + kx * {} - {};", d.H, d.W, a.dilation[1],
           a.pads[1]);
    for (int64_t j = 0; j < MB; ++j) w.line("const float w{} = wm{}[(c * {} + ky) * {} + kx];", j, j, d.KH, d.KW);
    auto column = w.block("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox)");
    w.line("const float xv = xr[ox * {}];", a.stride[1]);
    for (int64_t j = 0; j < MB; ++j) w.line("yr{0}[ox] += w{0} * xv;", j);
  }
  for (int64_t j = 0; j < MB; ++j) {
    if (o.has_residual)
      w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
             activation_c(a, fmt::format("(yr{0}[ox] + rp{0}[oy * {1} + ox])", j, d.OW)));
    else if (a.activation != Activation::None)
      w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
             activation_c(a, fmt::format("yr{}[ox]", j)));
  }
}

}  // namespace shufflec::kernels
