// int8 pools (docs/quantization.md): avg_pool sums (x - zero point) over the window's positions inside the input and
// requantizes with its divisor's (multiplier, shift) (one table entry per possible divisor); max_pool keeps the input's
// parameters and takes the largest int8; global_avg_pool has one divisor.
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"

namespace shufflec::kernels {

std::vector<Int8Table> int8_pool_tables(const Node &n) {
  std::vector<int32_t> mult, shift;
  for (const Requant &r : n.quant->divisor_requant) mult.push_back(r.multiplier), shift.push_back(r.shift);
  return {{"divisor multipliers", mult}, {"divisor shifts", shift}};
}

void emit_int8_pool(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const Attrs &a = n.attrs;
  const Shape &x = g.shape(n.inputs[0]), &y = g.shape(n.output);
  const bool average = n.op == OpKind::AvgPool;
  CWriter &w = ctx.w;
  if (average) {
    const std::vector<Int8Table> tables = int8_pool_tables(n);
    w.line("const {} *restrict mult = {};", tables[0].c_type(), ctx.tables[0]);
    w.line("const {} *restrict shift = {};", tables[1].c_type(), ctx.tables[1]);
  }
  auto planes = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const int8_t *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", y[2]);
  auto col = w.block("for (int ox = 0; ox < {}; ++ox)", y[3]);
  if (average) {
    // The window's rows [y0, y1) inside the padded input and [ylo, yhi) inside the input (ops::window_span).
    w.line("const int y0 = oy * {} - {}, x0 = ox * {} - {};", a.stride[0], a.pads[0], a.stride[1], a.pads[1]);
    w.line("const int y1 = y0 + {} < {} ? y0 + {} : {}, x1 = x0 + {} < {} ? x0 + {} : {};", a.kernel[0],
           x[2] + a.pads[2], a.kernel[0], x[2] + a.pads[2], a.kernel[1], x[3] + a.pads[3], a.kernel[1],
           x[3] + a.pads[3]);
    w.line("const int ylo = y0 > 0 ? y0 : 0, yhi = y1 < {} ? y1 : {};", x[2], x[2]);
    w.line("const int xlo = x0 > 0 ? x0 : 0, xhi = x1 < {} ? x1 : {};", x[3], x[3]);
    w.line("const int d = {};", a.count_include_pad ? "(y1 - y0) * (x1 - x0)" : "(yhi - ylo) * (xhi - xlo)");
    w.line("int32_t sum = 0;");
    w.line("for (int iy = ylo; iy < yhi; ++iy) for (int ix = xlo; ix < xhi; ++ix) "
           "sum += (int32_t)xp[iy * {} + ix] - {};",
           x[3], int8_params(g, n.inputs[0]).zero_point);
    w.line("{}[(p * {} + oy) * {} + ox] = "
           "(int8_t)sc_clamp(sc_requantize(sum, mult[d - 1], shift[d - 1]) + {}, {}, {});",
           ctx.out, y[2], y[3], int8_params(g, n.output).zero_point, n.quant->act_min, n.quant->act_max);
  } else {
    w.line("int32_t best = -128;");
    auto ky = w.block("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
    auto kx = w.block("for (int kx = 0; kx < {}; ++kx)", a.kernel[1]);
    w.line("const int ix = ox * {} - {} + kx * {};", a.stride[1], a.pads[1], a.dilation[1]);
    w.line("if (ix >= 0 && ix < {} && xp[iy * {} + ix] > best) best = xp[iy * {} + ix];", x[3], x[3], x[3]);
    kx.close();
    ky.close();
    w.line("{}[(p * {} + oy) * {} + ox] = (int8_t)sc_clamp(best, {}, {});", ctx.out, y[2], y[3], n.quant->act_min,
           n.quant->act_max);
  }
}

void emit_int8_global_avg_pool(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const Shape &x = g.shape(n.inputs[0]);
  const Requant r = n.quant->divisor_requant[0];
  auto planes = ctx.w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  ctx.w.line("int32_t sum = 0;");
  ctx.w.line("for (int i = 0; i < {}; ++i) sum += (int32_t){}[p * {} + i] - {};", x[2] * x[3], ctx.in[0], x[2] * x[3],
             int8_params(g, n.inputs[0]).zero_point);
  ctx.w.line("{}[p] = (int8_t)sc_clamp(sc_requantize(sum, {}, {}) + {}, {}, {});", ctx.out, r.multiplier, r.shift,
             int8_params(g, n.output).zero_point, n.quant->act_min, n.quant->act_max);
}

}  // namespace shufflec::kernels
