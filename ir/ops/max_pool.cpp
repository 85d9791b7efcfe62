// max_pool: maximum over each window's positions inside the input (padding never wins).
#include "ir/ops/pool.h"

namespace shufflec::ops {
namespace {

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape, &y = g.shape(n.output);
  const Attrs &a = n.attrs;
  for (int64_t p = 0; p < x[0] * x[1]; ++p)
    for (int64_t oy = 0; oy < y[2]; ++oy)
      for (int64_t ox = 0; ox < y[3]; ++ox) {
        float best = -INFINITY;
        for (int64_t ky = 0; ky < a.kernel[0]; ++ky)
          for (int64_t kx = 0; kx < a.kernel[1]; ++kx) {
            const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
            const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
            if (iy < 0 || iy >= x[2] || ix < 0 || ix >= x[3]) continue;
            const float v = in[0]->data[(p * x[2] + iy) * x[3] + ix];
            if (v > best || std::isnan(v)) best = v;
            if (std::isnan(best)) break;
          }
        out.data[(p * y[2] + oy) * y[3] + ox] = float(apply_activation(a.activation, best));
      }
}

// Fallback for row buffers too wide for the stack: one output row at a time, each kernel tap taking a running max
// over the output columns whose input lies inside the input (compile-time bounds).
void emit_c_rows(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  emit_tap_columns(w, tap_columns(y[3], x[3], a.kernel[1], a.stride[1], a.dilation[1], a.pads[1]));
  w.open("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  w.line("float *restrict yp = {} + p * {};", ctx.out, y[2] * y[3]);
  w.open("for (int oy = 0; oy < {}; ++oy)", y[2]);
  w.line("float *restrict yr = yp + oy * {};", y[3]);
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = -HUGE_VALF;", y[3]);
  w.open("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
  w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
  w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
  w.open("for (int kx = 0; kx < {}; ++kx)", a.kernel[1]);
  w.line("const float *restrict xr = xp + iy * {} + kx * {} - {};", x[3], a.dilation[1], a.pads[1]);
  w.open("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox)");
  w.line("const float v = xr[ox * {}];", a.stride[1]);
  w.line("yr[ox] = (v > yr[ox] || v != v) ? v : yr[ox];  /* NaN wins, as in the reference */");
  w.close();
  w.close();
  w.close();
  if (a.activation != Activation::None)
    w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = {};", y[3], activation_c(a.activation, "yr[ox]"));
  w.close();
  w.close();
}

// The max step: NaN wins, as in the reference (and stays: NaN > v and v != v are false for a NaN m), and the padding's
// -HUGE_VALF never beats a real value.
std::string max_step(const std::string &m, const std::string &v) {
  return fmt::format("{0} = ({1} > {0} || {1} != {1}) ? {1} : {0};", m, v);
}

// Separable: per output row, a vertical pass takes the max of the window's valid input rows into a row buffer laid
// out as the padded input row (padding columns stay -HUGE_VALF), contiguous so it vectorises; a horizontal pass takes
// the max of each window's KW buffer columns (stride and dilation handled there).
void emit_c(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  const int64_t H = x[2], W = x[3], OH = y[2], OW = y[3], KH = a.kernel[0], KW = a.kernel[1];
  const int64_t SH = a.stride[0], SW = a.stride[1], DH = a.dilation[0], DW = a.dilation[1], PT = a.pads[0];
  const int64_t PL = a.pads[1];
  const int64_t BW = pool_row_buffer_width(W, OW, KW, SW, DW, PL);
  bool partial_rows = false;  // some window has rows outside the input
  for (int64_t o = 0; o < OH; ++o)
    partial_rows |= o * SH - PT < 0 || o * SH - PT + (KH - 1) * DH >= H;
  // Unrolled windows read rows outside the input from a row of -HUGE_VALF (stack: the buffer plus that row).
  const bool unrolled = KH <= kPoolUnrollTaps;
  const bool pad_row = unrolled && partial_rows;
  if (BW + (pad_row ? W : 0) > kPoolRowBufferMax) return emit_c_rows(ctx);
  emit_pool_rows_prologue(ctx, BW, PL, W, pad_row, "-HUGE_VALF", H, OH, OW, SH, PT);
  // Vertical pass. Unrolled: one branch-free sweep over KH row pointers (a per-row branch around the sweep keeps
  // gcc from vectorising it). Taller windows start from -HUGE_VALF and skip the rows outside.
  if (unrolled) {
    for (int64_t k = 0; k < KH; ++k) {
      const std::string iy = fmt::format("(iy0 + {})", k * DH);
      if (pad_row)
        w.line("const float *r{} = {} >= 0 && {} < {} ? xp + {} * {} : pad;", k, iy, iy, H, iy, W);
      else
        w.line("const float *r{} = xp + {} * {};", k, iy, W);
    }
    w.open("for (int ix = 0; ix < {}; ++ix)", W);
    w.line("float m = r0[ix]{};", KH > 1 ? ", v" : "");
    for (int64_t k = 1; k < KH; ++k) w.line("v = r{}[ix]; {}", k, max_step("m", "v"));
    w.line("b[{} + ix] = m;", PL);
    w.close();
  } else {
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = -HUGE_VALF;", W, PL);
    w.open("for (int ky = 0; ky < {}; ++ky)", KH);
    w.line("const int iy = iy0 + ky * {};", DH);
    w.line("if (iy < 0 || iy >= {}) continue;", H);
    w.open("for (int ix = 0; ix < {}; ++ix)", W);
    w.line("const float v = xp[iy * {} + ix];", W);
    w.line("{}", max_step(fmt::format("b[{} + ix]", PL), "v"));
    w.close();
    w.close();
  }
  // Horizontal pass: KW taps per output column, then the activation.
  w.line("float *restrict yr = yp + oy * {};", OW);
  w.open("for (int ox = 0; ox < {}; ++ox)", OW);
  w.line("float m = b[ox * {}];", SW);
  if (KW <= kPoolUnrollTaps) {
    if (KW > 1) w.line("float v;");
    for (int64_t k = 1; k < KW; ++k) w.line("v = b[ox * {} + {}]; {}", SW, k * DW, max_step("m", "v"));
  } else {
    w.open("for (int kx = 1; kx < {}; ++kx)", KW);
    w.line("const float v = b[ox * {} + kx * {}];", SW, DW);
    w.line("{}", max_step("m", "v"));
    w.close();
  }
  w.line("yr[ox] = {};", activation_c(a.activation, "m"));
  w.close();
  w.close();
  w.close();
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kMaxPoolInfo;
const OpInfo kMaxPoolInfo{OpKind::MaxPool, "max_pool", {{"x", false, false}}, false,
                          {"kernel", "stride", "pads", "dilation", "ceil_mode", "activation"},
                          ops::infer_pool, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
