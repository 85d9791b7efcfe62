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

// One output row at a time, as max_pool: each tap adds into the row over compile-time column bounds; the divisor
// factors into a row count and a column count, both known at compile time.
void emit_c(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  std::vector<std::string> inv_rows, inv_cols;
  for (int64_t o = 0; o < y[2]; ++o) {
    const Span s = window_span(o, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], x[2]);
    inv_rows.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
  }
  for (int64_t o = 0; o < y[3]; ++o) {
    const Span s = window_span(o, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], x[3]);
    inv_cols.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
  }
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

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kAvgPoolInfo;
const OpInfo kAvgPoolInfo{OpKind::AvgPool, "avg_pool", {{"x", false, false}}, false,
                          {"kernel", "stride", "pads", "ceil_mode", "count_include_pad", "activation"},
                          ops::infer_pool, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
