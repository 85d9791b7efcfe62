// avg_pool: mean over each window. count_include_pad (default true, as PyTorch) counts the window positions inside
// the padded input; false counts only those inside the real input.
#include "ir/ops/pool.h"

namespace shufflec::ops {
namespace {

// Window rows (or columns) [lo, hi) clipped to the padded input and to the real input, for output index o.
struct Span {
  int64_t padded, lo, hi;
};
Span window_span(int64_t o, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t in) {
  const int64_t start = o * s - p0;
  const int64_t end = std::min(start + k, in + p1);
  return {end - start, std::max<int64_t>(start, 0), std::min(end, in)};
}

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape, &y = g.shape(n.output);
  const Attrs &a = n.attrs;
  for (int64_t p = 0; p < x[0] * x[1]; ++p)
    for (int64_t oy = 0; oy < y[2]; ++oy)
      for (int64_t ox = 0; ox < y[3]; ++ox) {
        const Span sy = window_span(oy, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], x[2]);
        const Span sx = window_span(ox, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], x[3]);
        double sum = 0.0;
        for (int64_t iy = sy.lo; iy < sy.hi; ++iy)
          for (int64_t ix = sx.lo; ix < sx.hi; ++ix) sum += in[0]->data[(p * x[2] + iy) * x[3] + ix];
        const int64_t divisor = a.count_include_pad ? sy.padded * sx.padded : (sy.hi - sy.lo) * (sx.hi - sx.lo);
        out.data[(p * y[2] + oy) * y[3] + ox] = float(apply_activation(a.activation, sum / double(divisor)));
      }
}

// Fallback for row buffers too wide for the stack: one output row at a time, each tap adding into the row over
// compile-time column bounds.
void emit_c_rows(KernelEmitContext &ctx, const std::vector<std::string> &inv_rows,
                 const std::vector<std::string> &inv_cols) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  emit_tap_columns(w, tap_columns(y[3], x[3], a.kernel[1], a.stride[1], 1, a.pads[1]));
  w.line("static const float inv_rows[{}] = {{{}}};", y[2], fmt::join(inv_rows, ", "));
  w.line("static const float inv_cols[{}] = {{{}}};", y[3], fmt::join(inv_cols, ", "));
  w.open("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  w.line("float *restrict yp = {} + p * {};", ctx.out, y[2] * y[3]);
  w.open("for (int oy = 0; oy < {}; ++oy)", y[2]);
  w.line("float *restrict yr = yp + oy * {};", y[3]);
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = 0.0f;", y[3]);
  w.open("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
  w.line("const int iy = oy * {} - {} + ky;", a.stride[0], a.pads[0]);
  w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
  w.open("for (int kx = 0; kx < {}; ++kx)", a.kernel[1]);
  w.line("const float *restrict xr = xp + iy * {} + kx - {};", x[3], a.pads[1]);
  w.line("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox) yr[ox] += xr[ox * {}];", a.stride[1]);
  w.close();
  w.close();
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = {};", y[3],
         activation_c(a.activation, "(yr[ox] * (inv_rows[oy] * inv_cols[ox]))"));
  w.close();
  w.close();
}

// Separable: per output row, a vertical pass sums the window's valid input rows into a row buffer laid out as the
// padded input row (padding columns stay 0), contiguous so it vectorises; a horizontal pass sums each window's KW
// buffer columns (stride handled there). The divisor factors into a row count and a column count, both known at
// compile time (windows are rectangles clipped to the padded or the real input).
void emit_c(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  const int64_t H = x[2], W = x[3], OH = y[2], OW = y[3], KH = a.kernel[0], KW = a.kernel[1];
  const int64_t SH = a.stride[0], SW = a.stride[1], PT = a.pads[0], PL = a.pads[1];
  std::vector<std::string> inv_rows, inv_cols;
  bool partial_rows = false;  // some window has rows outside the input
  for (int64_t o = 0; o < OH; ++o) {
    const Span s = window_span(o, KH, SH, PT, a.pads[2], H);
    inv_rows.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
    partial_rows |= s.hi - s.lo != KH;
  }
  for (int64_t o = 0; o < OW; ++o) {
    const Span s = window_span(o, KW, SW, PL, a.pads[3], W);
    inv_cols.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
  }
  const int64_t BW = pool_row_buffer_width(W, OW, KW, SW, 1, PL);
  // Unrolled windows read rows outside the input from a zero row (stack: the buffer plus that row).
  const bool unrolled = KH <= kPoolUnrollTaps;
  const bool pad_row = unrolled && partial_rows;
  if (BW + (pad_row ? W : 0) > kPoolRowBufferMax) return emit_c_rows(ctx, inv_rows, inv_cols);
  // A divisor the same for every row (column) is a literal rather than a table lookup.
  const bool same_rows = std::all_of(inv_rows.begin(), inv_rows.end(), [&](auto &v) { return v == inv_rows[0]; });
  const bool same_cols = std::all_of(inv_cols.begin(), inv_cols.end(), [&](auto &v) { return v == inv_cols[0]; });
  if (!same_rows) w.line("static const float inv_rows[{}] = {{{}}};", OH, fmt::join(inv_rows, ", "));
  if (!same_cols) w.line("static const float inv_cols[{}] = {{{}}};", OW, fmt::join(inv_cols, ", "));
  emit_pool_rows_prologue(ctx, BW, PL, W, pad_row, "0.0f", H, OH, OW, SH, PT);
  // Vertical pass. Unrolled: one branch-free sweep over KH row pointers (a per-row branch around the sweep keeps
  // gcc from vectorising it). Taller windows copy the first valid row and add the others.
  if (unrolled) {
    std::string sum = "r0[ix]";
    for (int64_t k = 0; k < KH; ++k) {
      const std::string iy = fmt::format("(iy0 + {})", k);
      if (pad_row)
        w.line("const float *r{} = {} >= 0 && {} < {} ? xp + {} * {} : pad;", k, iy, iy, H, iy, W);
      else
        w.line("const float *r{} = xp + {} * {};", k, iy, W);
      if (k > 0) sum += fmt::format(" + r{}[ix]", k);
    }
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = {};", W, PL, sum);
  } else {
    w.line("const int lo = iy0 < 0 ? 0 : iy0, hi = iy0 + {} < {} ? iy0 + {} : {};", KH, H, KH, H);
    w.line("const float *restrict xr = xp + lo * {};", W);
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = xr[ix];", W, PL);
    w.line("for (int r = 1; r < hi - lo; ++r)");
    w.line("  for (int ix = 0; ix < {}; ++ix) b[{} + ix] += xr[r * {} + ix];", W, PL, W);
  }
  // Horizontal pass: KW taps per output column, then the factored divisor and the activation.
  w.line("float *restrict yr = yp + oy * {};", OW);
  w.line("const float ir = {};", same_rows ? inv_rows[0] : "inv_rows[oy]");
  const std::string scale = same_cols ? "(ir * " + inv_cols[0] + ")" : "(ir * inv_cols[ox])";
  if (KW <= kPoolUnrollTaps) {
    std::string sum = fmt::format("b[ox * {}]", SW);
    for (int64_t k = 1; k < KW; ++k) sum += fmt::format(" + b[ox * {} + {}]", SW, k);
    w.open("for (int ox = 0; ox < {}; ++ox)", OW);
    w.line("const float s = ({}) * {};", sum, scale);
    w.line("yr[ox] = {};", activation_c(a.activation, "s"));
    w.close();
  } else {
    w.open("for (int ox = 0; ox < {}; ++ox)", OW);
    w.line("float s = b[ox * {}];", SW);
    w.line("for (int kx = 1; kx < {}; ++kx) s += b[ox * {} + kx];", KW, SW);
    w.line("s *= {};", scale);
    w.line("yr[ox] = {};", activation_c(a.activation, "s"));
    w.close();
  }
  w.close();
  w.close();
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kAvgPoolInfo;
const OpInfo kAvgPoolInfo{OpKind::AvgPool, "avg_pool", {{"x", false, false}}, false,
                          {"kernel", "stride", "pads", "ceil_mode", "count_include_pad", "activation"},
                          ops::infer_pool, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
