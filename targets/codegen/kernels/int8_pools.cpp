// int8 pools (docs/quantization.md): avg_pool sums (x - zero point) over the window's positions inside the input and
// requantizes with its divisor's (multiplier, shift) (one table entry per possible divisor); max_pool keeps the input's
// parameters and takes the largest int8; global_avg_pool has one divisor.
#include <algorithm>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"
#include "ir/ops/conv2d.h"
#include "targets/int8_dialect.h"

namespace shufflec::kernels {

std::vector<Int8Table> int8_pool_tables(const Node &n) {
  std::vector<int32_t> mult, shift;
  for (const Requant &r : n.quant->divisor_requant) mult.push_back(r.multiplier), shift.push_back(r.shift);
  return {{"divisor multipliers", mult}, {"divisor shifts", shift}};
}

namespace {

// Requantizes, offsets, clamps and stores the sums acc[first .. last) of an avg_pool's output at out + first;
// divisor[i] is output i's divisor. Runs of `lanes` outputs with one divisor are one vector in the int8 dialect.
void emit_requantize_sums(CWriter &w, const Int8Dialect *v, const std::string &out, int64_t first, int64_t last,
                          const std::vector<int64_t> &divisor, const std::string &divisor_c, int32_t zy,
                          const NodeQuant &q) {
  const int64_t lanes = v ? v->lanes() : 0;
  for (int64_t i = first; i < last;) {
    const auto same = [&](int64_t from, int64_t to) {
      return std::all_of(divisor.begin() + from, divisor.begin() + to, [&](int64_t f) { return f == divisor[size_t(from)]; });
    };
    int64_t run = 0;  // whole vectors from i with one divisor
    while (v && i + run + lanes <= last && same(i, i + run + lanes)) run += lanes;
    const std::string d = fmt::format(fmt::runtime(divisor_c), divisor[size_t(i)]);
    if (run > lanes) {
      w.line("for (int r = {}; r < {}; r += {}) {}", i, i + run, lanes,
             v->requantize_store(out + " + r", v->load_acc("acc + r"), fmt::format("mult[{} - 1]", d),
                                 fmt::format("shift[{} - 1]", d), zy, q.act_min, q.act_max));
      i += run;
    } else if (v && run == lanes) {
      w.line("{}", v->requantize_store(fmt::format("{} + {}", out, i), v->load_acc(fmt::format("acc + {}", i)),
                                       fmt::format("mult[{} - 1]", d), fmt::format("shift[{} - 1]", d), zy, q.act_min,
                                       q.act_max));
      i += lanes;
    } else {
      w.line("{}[{}] = (int8_t)sc_clamp(sc_requantize(acc[{}], mult[{} - 1], shift[{} - 1]) + {}, {}, {});", out, i, i,
             d, d, zy, q.act_min, q.act_max);
      ++i;
    }
  }
}

}  // namespace

// A pool on a SIMD target whose scratch fits the stack: like the depthwise conv (int8_depthwise.cpp), each plane is
// copied into xpad (its border the input zero point for avg_pool, so a padding tap adds x - z = 0, or -128 for
// max_pool, which never wins), then one loop per window column takes the column's taps for every output at once
// (consecutive bytes, also with a stride: column phases), the plane is compacted to OW per row, and requantized
// (avg_pool, with each output's divisor) or clamped.
bool emit_int8_pool_planes(KernelEmitContext &ctx, const std::vector<int64_t> &divisor) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const Attrs &a = n.attrs;
  const Shape &x = g.shape(n.inputs[0]), &y = g.shape(n.output);
  const Int8Dialect *v = ctx.target.int8;
  const bool average = n.op == OpKind::AvgPool;
  if (!v) return false;
  const ConvDims d{x[0], x[1], x[2], x[3], x[1], a.kernel[0], a.kernel[1], y[2], y[3], x[1], 1, 1};
  const Int8DepthwiseLayout l = int8_depthwise_layout(d, a, v->lanes());
  const int64_t element = average ? 4 : 1, plane = d.OH * d.OW, taps = d.KH * d.KW;
  if (l.sums * element + l.rw * l.ph > Int8DepthwiseLayout::kMaxStackAccBytes) return false;
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point;
  CWriter &w = ctx.w;
  const std::string type = average ? "int32_t" : "int8_t";
  w.line("{} acc[{}];", type, l.sums);
  w.line("int8_t xpad[{}];", l.rw * l.ph);
  w.line("int i;");
  w.line("memset(xpad, {}, {});", average ? zx : -128, l.rw * l.ph);
  auto planes = w.block("for (int p = 0; p < {}; ++p)", d.N * d.C);
  w.line("int8_t *restrict out = {} + p * {};", ctx.out, plane);
  emit_padded_plane_copy(w, l, d, a, fmt::format("{} + p * {}", ctx.in[0], d.H * d.W));
  // One loop per window column over `count` outputs at dst[i], reading the taps at src + i + offset.
  auto column_loops = [&](const std::string &dst, int64_t count, const std::string &src) {
    for (int64_t kx = 0; kx < d.KW; ++kx) {
      if (average) {
        std::string text = kx == 0 ? fmt::format("= {}", -taps * zx) : "+=";
        for (int64_t ky = 0; ky < d.KH; ++ky)
          text += fmt::format("{}{}[i + {}]", ky == 0 && kx > 0 ? " " : " + ", src, l.tap_offset(a, ky, kx));
        w.line("for (i = 0; i < {}; ++i) {}[i] {};", count, dst, text);
        continue;
      }
      auto loop = w.block("for (i = 0; i < {}; ++i)", count);
      w.line("int8_t m = {};", kx == 0 ? fmt::format("{}[i + {}]", src, l.tap_offset(a, 0, 0)) : dst + "[i]");
      for (int64_t ky = kx == 0 ? 1 : 0; ky < d.KH; ++ky) {
        const std::string tap = fmt::format("{}[i + {}]", src, l.tap_offset(a, ky, kx));
        w.line("m = {0} > m ? {0} : m;", tap);
      }
      w.line("{}[i] = m;", dst);
    }
  };
  if (l.wide) {
    column_loops("acc", l.sums, "xpad");
  } else {
    auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
    w.line("const int8_t *restrict in = xpad + oy * {};", a.stride[0] * l.rw);
    w.line("{} *restrict a = acc + oy * {};", type, l.pitch);
    column_loops("a", l.pitch, "in");
  }
  if (l.pitch != d.OW) {
    auto compact = w.block("for (i = 1; i < {}; ++i)", d.OH);
    w.line("memmove(acc + i * {}, acc + i * {}, {});", d.OW, l.pitch, d.OW * element);
  }
  if (!average) {
    w.line("for (i = 0; i < {}; ++i) out[i] = (int8_t)sc_clamp(acc[i], {}, {});", plane, n.quant->act_min,
           n.quant->act_max);
    return true;
  }
  emit_requantize_sums(w, v, "out", 0, plane, divisor, "{}", int8_params(g, n.output).zero_point, *n.quant);
  return true;
}

// Per output row: a row of running maxima (int8) or sums (int32) takes each window position in turn over the output
// columns whose input lies inside the row (bounds known when the C is printed): branch-free loops the C compiler
// vectorises. avg_pool then requantizes each sum with its window's divisor, row by row. (SIMD targets take
// emit_int8_pool_planes unless its scratch would not fit the stack.)
void emit_int8_pool(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const Attrs &a = n.attrs;
  const Shape &x = g.shape(n.inputs[0]), &y = g.shape(n.output);
  const bool average = n.op == OpKind::AvgPool;
  const int64_t OH = y[2], OW = y[3];
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point;
  const Int8Dialect *v = ctx.target.int8;
  // Each output's divisor: its window's rows times its columns (inside the input, or the padded input).
  auto extent = [&](int64_t o, int axis) {
    const int64_t size = x[size_t(2 + axis)], pad0 = a.pads[size_t(axis)], pad1 = a.pads[size_t(2 + axis)];
    const int64_t lo = o * a.stride[size_t(axis)] - pad0, hi = std::min(lo + a.kernel[size_t(axis)], size + pad1);
    return a.count_include_pad ? hi - lo : std::min(hi, size) - std::max<int64_t>(lo, 0);
  };
  const int32_t zy = average ? int8_params(g, n.output).zero_point : 0;
  CWriter &w = ctx.w;
  if (average) {
    const std::vector<Int8Table> tables = int8_pool_tables(n);
    w.line("const {} *restrict mult = {};", tables[0].c_type(), ctx.tables[0]);
    w.line("const {} *restrict shift = {};", tables[1].c_type(), ctx.tables[1]);
  }
  {
    std::vector<int64_t> divisor;
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) divisor.push_back(average ? extent(oy, 0) * extent(ox, 1) : 1);
    if (emit_int8_pool_planes(ctx, divisor)) return;
  }
  w.line("{} acc[{}];", average ? "int32_t" : "int8_t", OW);  // (vector requantization reads whole vectors inside it)
  auto planes = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const int8_t *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  w.line("int ox;");
  {
    auto row = w.block("for (int oy = 0; oy < {}; ++oy)", OH);
    w.line("{} *restrict a = acc;", average ? "int32_t" : "int8_t");
    w.line("for (ox = 0; ox < {}; ++ox) a[ox] = {};", OW, average ? 0 : -128);
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
          w.line("for (ox = {}; ox < {}; ++ox) a[ox] += (int32_t)in[ox * {} + {}] - {};", lo, hi, st, off, zx);
        else
          w.line("for (ox = {}; ox < {}; ++ox) a[ox] = in[ox * {} + {}] > a[ox] ? in[ox * {} + {}] : a[ox];", lo, hi,
                 st, off, st, off);
      }
    }
    if (!average) {
      w.line("for (ox = 0; ox < {}; ++ox) {}[(p * {} + oy) * {} + ox] = (int8_t)sc_clamp(a[ox], {}, {});", OW,
             ctx.out, OH, OW, n.quant->act_min, n.quant->act_max);
      return;
    }
    // The divisor is a row factor (oy's rows of the window, known when the C runs) times a column factor (known
    // now).
    w.line("const int y0 = oy * {} - {};", a.stride[0], a.pads[0]);
    w.line("const int y1 = y0 + {} < {} ? y0 + {} : {};", a.kernel[0], x[2] + a.pads[2], a.kernel[0],
           x[2] + a.pads[2]);
    if (a.count_include_pad)
      w.line("const int dy = y1 - y0;");
    else
      w.line("const int dy = (y1 < {} ? y1 : {}) - (y0 > 0 ? y0 : 0);", x[2], x[2]);
    std::vector<int64_t> dx;
    for (int64_t ox = 0; ox < OW; ++ox) dx.push_back(extent(ox, 1));
    w.line("int8_t *restrict out = {} + (p * {} + oy) * {};", ctx.out, OH, OW);
    emit_requantize_sums(w, v, "out", 0, OW, dx, "dy * {}", zy, *n.quant);
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
