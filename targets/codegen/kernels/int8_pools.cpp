// int8 pools (docs/quantization.md): avg_pool sums (x - zero point) over the window's positions inside the input and
// requantizes with its divisor's (multiplier, shift) (one table entry per possible divisor); max_pool keeps the input's
// parameters and takes the largest int8; global_avg_pool has one divisor.
#include <algorithm>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"

namespace shufflec::kernels {

std::vector<Int8Table> int8_pool_tables(const Node &n) {
  std::vector<int32_t> mult, shift;
  for (const Requant &r : n.quant->divisor_requant) mult.push_back(r.multiplier), shift.push_back(r.shift);
  return {{"divisor multipliers", mult}, {"divisor shifts", shift}};
}

// Per output row: a row of running maxima (int8) or sums (int32) takes each window position in turn over the output
// columns whose input lies inside the row (bounds known when the C is printed): branch-free loops the C compiler
// vectorises. avg_pool then requantizes each sum with its window's divisor.
void emit_int8_pool(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const Attrs &a = n.attrs;
  const Shape &x = g.shape(n.inputs[0]), &y = g.shape(n.output);
  const bool average = n.op == OpKind::AvgPool;
  const int64_t OW = y[3];
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point;
  CWriter &w = ctx.w;
  if (average) {
    const std::vector<Int8Table> tables = int8_pool_tables(n);
    w.line("const {} *restrict mult = {};", tables[0].c_type(), ctx.tables[0]);
    w.line("const {} *restrict shift = {};", tables[1].c_type(), ctx.tables[1]);
  }
  w.line("{} acc[{}];", average ? "int32_t" : "int8_t", OW);
  auto planes = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const int8_t *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", y[2]);
  w.line("int ox;");
  w.line("for (ox = 0; ox < {}; ++ox) acc[ox] = {};", OW, average ? 0 : -128);
  {
    auto ky = w.block("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("const int8_t *restrict in;");
    w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
    w.line("in = xp + iy * {};", x[3]);
    for (int64_t kx = 0; kx < a.kernel[1]; ++kx) {
      // Output columns ox with 0 <= ox * stride + off < W.
      const int64_t off = kx * a.dilation[1] - a.pads[1], st = a.stride[1];
      const int64_t hi = off > x[3] - 1 ? 0 : std::min(OW, (x[3] - 1 - off) / st + 1);
      const int64_t lo = std::min(hi, off >= 0 ? 0 : (-off + st - 1) / st);
      if (lo >= hi) continue;
      if (average)
        w.line("for (ox = {}; ox < {}; ++ox) acc[ox] += (int32_t)in[ox * {} + {}] - {};", lo, hi, st, off, zx);
      else
        w.line("for (ox = {}; ox < {}; ++ox) acc[ox] = in[ox * {} + {}] > acc[ox] ? in[ox * {} + {}] : acc[ox];", lo,
               hi, st, off, st, off);
    }
  }
  if (!average) {
    w.line("for (ox = 0; ox < {}; ++ox) {}[(p * {} + oy) * {} + ox] = (int8_t)sc_clamp(acc[ox], {}, {});", OW, ctx.out,
           y[2], OW, n.quant->act_min, n.quant->act_max);
    return;
  }
  auto col = w.block("for (ox = 0; ox < {}; ++ox)", OW);
  // The window's rows [y0, y1) inside the padded input and [ylo, yhi) inside the input (ops::window_span).
  w.line("const int y0 = oy * {} - {}, x0 = ox * {} - {};", a.stride[0], a.pads[0], a.stride[1], a.pads[1]);
  w.line("const int y1 = y0 + {} < {} ? y0 + {} : {}, x1 = x0 + {} < {} ? x0 + {} : {};", a.kernel[0],
         x[2] + a.pads[2], a.kernel[0], x[2] + a.pads[2], a.kernel[1], x[3] + a.pads[3], a.kernel[1],
         x[3] + a.pads[3]);
  if (a.count_include_pad) {
    w.line("const int d = (y1 - y0) * (x1 - x0);");
  } else {
    w.line("const int ylo = y0 > 0 ? y0 : 0, yhi = y1 < {} ? y1 : {};", x[2], x[2]);
    w.line("const int xlo = x0 > 0 ? x0 : 0, xhi = x1 < {} ? x1 : {};", x[3], x[3]);
    w.line("const int d = (yhi - ylo) * (xhi - xlo);");
  }
  w.line("{}[(p * {} + oy) * {} + ox] = "
         "(int8_t)sc_clamp(sc_requantize(acc[ox], mult[d - 1], shift[d - 1]) + {}, {}, {});",
         ctx.out, y[2], OW, int8_params(g, n.output).zero_point, n.quant->act_min, n.quant->act_max);
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
