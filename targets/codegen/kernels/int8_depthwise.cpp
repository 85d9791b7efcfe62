// The int8 depthwise conv by output rows (ConvKernel::Int8Rows; docs/quantization.md, "SIMD kernels"): per channel
// and output row, an int32 row of sums starts at the bias and takes each tap in turn over the output columns whose
// input lies inside the row (bounds known when the C is printed), a branch-free loop the C compiler vectorises; the
// row is then requantized, offset, clamped (plus the rescaled residual) and stored `lanes` at a time through the
// target's int8 dialect. The same sums as the int8 interpreter, in another order: equal bit for bit.
#include "ir/ops/conv2d.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"
#include "targets/int8_dialect.h"

namespace shufflec::kernels {

void emit_int8_rows(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const NodeQuant &q = *n.quant;
  SHUFFLEC_ASSERT(ctx.target.int8 && d.CG == 1 && d.MG == 1);
  const Int8Dialect &v = *ctx.target.int8;
  const int64_t lanes = v.lanes(), full = d.OW / lanes * lanes, padded = (d.OW + lanes - 1) / lanes * lanes;
  const int64_t taps = d.KH * d.KW;
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point, zy = int8_params(g, n.output).zero_point;
  const bool residual = n.inputs.size() > 3;
  const int32_t zr = residual ? int8_params(g, n.inputs[3]).zero_point : 0;
  const Requant rr = residual ? q.input_rescale[0] : Requant{};
  CWriter &w = ctx.w;
  const std::vector<Int8Table> tables = kernels::int8_tables(g, n);
  static const char *const names[] = {"wt", "bias", "mult", "shift", "store"};
  for (size_t i = 0; i < tables.size(); ++i)
    w.line("const {} *restrict {} = {};", tables[i].c_type(), names[i], ctx.tables[i]);
  // The channel's input with its padding (the zero point) around it, wide enough for every tap of `padded` output
  // columns, so each tap is one constant-length loop.
  const int64_t rw = std::max((padded - 1) * a.stride[1] + (d.KW - 1) * a.dilation[1] + 1, a.pads[1] + d.W);
  const int64_t ph = std::max((d.OH - 1) * a.stride[0] + (d.KH - 1) * a.dilation[0] + 1, a.pads[0] + d.H);
  SHUFFLEC_ASSERT(n.schedule->workspace_floats * 4 >= rw * ph);
  w.line("int8_t *restrict xpad = (int8_t *){};", ctx.workspace);
  w.line("int32_t acc[{}];", padded);
  const std::string stored = a.out_channel_map.empty() ? "m" : "store[m]";
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const int8_t *restrict xc = {} + (n * {} + m) * {};", ctx.in[0], d.C, d.H * d.W);
  w.line("int8_t *restrict yc = {} + (n * {} + {}) * {};", ctx.out, d.M, stored, d.OH * d.OW);
  if (residual) w.line("const int8_t *restrict rc = {} + (n * {} + {}) * {};", ctx.in[3], d.M, stored, d.OH * d.OW);
  w.line("int iy;");
  w.line("memset(xpad, {}, {});", zx, rw * ph);
  w.line("for (iy = 0; iy < {}; ++iy) memcpy(xpad + (iy + {}) * {} + {}, xc + iy * {}, {});", d.H, a.pads[0], rw,
         a.pads[1], d.W, d.W);
  for (int64_t k = 0; k < taps; ++k) w.line("const int16_t w{} = (int16_t)wt[m * {} + {}];", k, taps, k);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
  w.line("int ox;");
  w.line("for (ox = 0; ox < {}; ++ox) acc[ox] = bias[m];", padded);
  for (int64_t ky = 0; ky < d.KH; ++ky) {
    auto tap_row = w.block("");
    w.line("const int8_t *restrict in = xpad + (oy * {} + {}) * {};", a.stride[0], ky * a.dilation[0], rw);
    for (int64_t kx = 0; kx < d.KW; ++kx)
      w.line("for (ox = 0; ox < {}; ++ox) acc[ox] += (int16_t)(in[ox * {} + {}] - {}) * w{};", padded, a.stride[1],
             kx * a.dilation[1], zx, ky * d.KW + kx);
  }
  auto store = [&](const std::string &dst, const std::string &from, const std::string &res) {
    return residual ? v.requantize_residual_store(dst, v.load_acc(from), "mult[m]", "shift[m]", zy, q.act_min,
                                                  q.act_max, res, zr, rr.multiplier, rr.shift)
                    : v.requantize_store(dst, v.load_acc(from), "mult[m]", "shift[m]", zy, q.act_min, q.act_max);
  };
  if (full > 0)
    w.line("for (ox = 0; ox < {}; ox += {}) {}", full, lanes,
           store(fmt::format("yc + oy * {} + ox", d.OW), "acc + ox", fmt::format("rc + oy * {} + ox", d.OW)));
  if (full < d.OW) {
    auto part = w.block("");
    w.line("int8_t part[{}];", lanes);
    if (residual) {
      w.line("int8_t rpart[{}] = {{0}};", lanes);
      w.line("memcpy(rpart, rc + oy * {} + {}, {});", d.OW, full, d.OW - full);
    }
    w.line("{}", store("part", fmt::format("acc + {}", full), "rpart"));
    w.line("memcpy(yc + oy * {} + {}, part, {});", d.OW, full, d.OW - full);
  }
}

}  // namespace shufflec::kernels
