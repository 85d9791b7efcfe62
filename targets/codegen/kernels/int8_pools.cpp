// int8 pools (docs/quantization.md): avg_pool sums (x - zero point) over the window's positions inside the input and
// requantizes with its divisor's (multiplier, shift) (one table entry per possible divisor); max_pool keeps the input's
// parameters and takes the largest int8; global_avg_pool has one divisor.
#include <algorithm>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"
#include "targets/int8_dialect.h"

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
  w.line("{} acc[{}];", average ? "int32_t" : "int8_t", OW);  // (vector requantization reads whole vectors inside it)
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
  // The divisor is a row factor (oy's rows of the window, known when the C runs) times a column factor (known now):
  // runs of `lanes` columns with one column factor are requantized as one vector in the target's int8 dialect.
  w.line("const int y0 = oy * {} - {};", a.stride[0], a.pads[0]);
  w.line("const int y1 = y0 + {} < {} ? y0 + {} : {};", a.kernel[0], x[2] + a.pads[2], a.kernel[0], x[2] + a.pads[2]);
  if (a.count_include_pad)
    w.line("const int dy = y1 - y0;");
  else
    w.line("const int dy = (y1 < {} ? y1 : {}) - (y0 > 0 ? y0 : 0);", x[2], x[2]);
  std::vector<int64_t> dx(static_cast<size_t>(OW));
  for (int64_t ox = 0; ox < OW; ++ox) {
    const int64_t x0 = ox * a.stride[1] - a.pads[1], x1 = std::min(x0 + a.kernel[1], x[3] + a.pads[3]);
    dx[size_t(ox)] = a.count_include_pad ? x1 - x0 : std::min(x1, x[3]) - std::max<int64_t>(x0, 0);
  }
  const int32_t zy = int8_params(g, n.output).zero_point;
  const Int8Dialect *v = ctx.target.int8;
  const int64_t lanes = v ? v->lanes() : 0;
  for (int64_t ox = 0; ox < OW;) {
    const bool vector = v && ox + lanes <= OW &&
                        std::all_of(dx.begin() + ox, dx.begin() + ox + lanes, [&](int64_t f) { return f == dx[size_t(ox)]; });
    if (vector) {
      auto chunk = w.block("");
      w.line("const int d = dy * {};", dx[size_t(ox)]);
      w.line("{}", v->requantize_store(fmt::format("{} + (p * {} + oy) * {} + {}", ctx.out, y[2], OW, ox),
                                       v->load_acc(fmt::format("acc + {}", ox)), "mult[d - 1]", "shift[d - 1]", zy,
                                       n.quant->act_min, n.quant->act_max));
      ox += lanes;
    } else {
      w.line("{}[(p * {} + oy) * {} + {}] = (int8_t)sc_clamp(sc_requantize(acc[{}], mult[dy * {} - 1], "
             "shift[dy * {} - 1]) + {}, {}, {});",
             ctx.out, y[2], OW, ox, ox, dx[size_t(ox)], dx[size_t(ox)], zy, n.quant->act_min, n.quant->act_max);
      ++ox;
    }
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
