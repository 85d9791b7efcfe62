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

// One output row at a time: each kernel tap takes a running max over the output columns whose input lies inside
// the input (compile-time bounds), so padding costs no branches.
void emit_c(KernelEmitContext &ctx) {
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

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kMaxPoolInfo;
const OpInfo kMaxPoolInfo{OpKind::MaxPool, "max_pool", {{"x", false, false}}, false,
                          {"kernel", "stride", "pads", "dilation", "ceil_mode", "activation"},
                          ops::infer_pool, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
