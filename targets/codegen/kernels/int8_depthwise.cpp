// The int8 depthwise conv (ConvKernel::Int8Rows; docs/quantization.md, "SIMD kernels"): per channel, the input is
// copied into a scratch whose border holds the zero point (written once: every channel leaves it alone), then an
// int32 plane of sums takes the taps column by column in branch-free loops the C compiler vectorises: over the whole
// "wide" plane with stride 1, row by row otherwise (layout: int8_depthwise_layout, targets/int8_dialect.h). The sums
// multiply the raw int8 input: the bias absorbs -zero_point * sum(w), which is exact because the border taps read the
// zero point. The plane is compacted to OW per row and requantized, offset, clamped (plus the rescaled residual) and
// stored `lanes` at a time through the target's int8 dialect. The same int32 sums as the int8 interpreter (mod 2^32),
// in another order: equal bit for bit.
#include "ir/ops/conv2d.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"
#include "targets/int8_dialect.h"

namespace shufflec::kernels {

// The copy of an H x W input plane at `from` into xpad (its padding untouched): row by row, or (a stride) column
// phase by column phase, padded column c = j * stride + phase going to phase * phase_width + j.
void emit_padded_plane_copy(CWriter &w, const Int8DepthwiseLayout &l, const ConvDims &d, const Attrs &a,
                            const std::string &from) {
  const int64_t s = a.stride[1];
  if (s == 1) {
    w.line("for (i = 0; i < {}; ++i) memcpy(xpad + (i + {}) * {} + {}, {} + i * {}, {});", d.H, a.pads[0], l.rw,
           a.pads[1], from, d.W, d.W);
    return;
  }
  auto rows = w.block("for (i = 0; i < {}; ++i)", d.H);
  w.line("int8_t *restrict row = xpad + (i + {}) * {};", a.pads[0], l.rw);
  w.line("const int8_t *restrict src = {} + i * {};", from, d.W);
  w.line("int j;");
  for (int64_t phase = 0; phase < s; ++phase) {
    const int64_t first = std::max<int64_t>(0, (a.pads[1] - phase + s - 1) / s);
    const int64_t last = (a.pads[1] + d.W - 1 - phase) / s;  // inclusive
    if (a.pads[1] + d.W - 1 - phase < 0 || first > last) continue;
    w.line("for (j = {}; j <= {}; ++j) row[{} + j] = src[j * {} + {}];", first, last, phase * l.phase_width, s,
           phase - a.pads[1]);
  }
}

void emit_int8_rows(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const NodeQuant &q = *n.quant;
  SHUFFLEC_ASSERT(ctx.target.int8 && d.CG == 1 && d.MG == 1);
  const Int8Dialect &v = *ctx.target.int8;
  const int64_t lanes = v.lanes(), plane = d.OH * d.OW, full = plane / lanes * lanes;
  const int64_t taps = d.KH * d.KW;
  const Int8DepthwiseLayout l = int8_depthwise_layout(d, a, lanes);
  SHUFFLEC_ASSERT(n.schedule->workspace_floats * 4 >= l.workspace_bytes());
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point, zy = int8_params(g, n.output).zero_point;
  const bool residual = n.inputs.size() > 3;
  const int32_t zr = residual ? int8_params(g, n.inputs[3]).zero_point : 0;
  const Requant rr = residual ? q.input_rescale[0] : Requant{};
  CWriter &w = ctx.w;
  const std::vector<Int8Table> tables = kernels::int8_tables(g, n);
  static const char *const names[] = {"wt", "bias", "mult", "shift", "store"};
  for (size_t i = 0; i < tables.size(); ++i)
    w.line("const {} *restrict {} = {};", tables[i].c_type(), names[i], ctx.tables[i]);
  if (l.acc_on_stack())
    w.line("int32_t acc[{}];", l.sums);
  else
    w.line("int32_t *restrict acc = (int32_t *){};", ctx.workspace);
  w.line("int8_t *restrict xpad = (int8_t *){} + {};", ctx.workspace, l.xpad_offset());
  w.line("memset(xpad, {}, {});", zx, l.rw * l.ph);
  const std::string stored = a.out_channel_map.empty() ? "m" : "store[m]";
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const int8_t *restrict xc = {} + (n * {} + m) * {};", ctx.in[0], d.C, d.H * d.W);
  w.line("int8_t *restrict yc = {} + (n * {} + {}) * {};", ctx.out, d.M, stored, plane);
  if (residual) w.line("const int8_t *restrict rc = {} + (n * {} + {}) * {};", ctx.in[3], d.M, stored, plane);
  w.line("int32_t b;");
  w.line("int i;");
  for (int64_t k = 0; k < taps; ++k) w.line("const int16_t w{} = (int16_t)wt[m * {} + {}];", k, taps, k);
  std::string weight_sum = "w0";
  for (int64_t k = 1; k < taps; ++k) weight_sum += fmt::format(" + w{}", k);
  w.line("b = (int32_t)((uint32_t)bias[m] - (uint32_t)({} * ({})));", zx, weight_sum);
  emit_padded_plane_copy(w, l, d, a, "xc");
  // One loop per tap column kx: each output's sum takes the KH taps of that column, the input at `in` + i + the tap's
  // offset (in the tap's column phase). (One loop over all taps would not vectorise: the C compiler turns the loads of neighbouring
  // columns into loop-carried values.) Each product fits in int16 (|x w| <= 128 * 127), which lets the C compiler
  // multiply 16-bit lanes.
  auto column_loops = [&](const std::string &out, int64_t count, const std::string &in) {
    for (int64_t kx = 0; kx < d.KW; ++kx) {
      std::string text = kx == 0 ? "= b" : "+=";
      for (int64_t ky = 0; ky < d.KH; ++ky)
        text += fmt::format("{}(int16_t)({}[i + {}] * w{})", ky == 0 && kx > 0 ? " " : " + ", in,
                            l.tap_offset(a, ky, kx), ky * d.KW + kx);
      w.line("for (i = 0; i < {}; ++i) {}[i] {};", count, out, text);
    }
  };
  if (l.wide) {
    column_loops("acc", l.sums, "xpad");
  } else {
    auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
    w.line("const int8_t *restrict in = xpad + oy * {};", a.stride[0] * l.rw);
    w.line("int32_t *restrict out = acc + oy * {};", l.pitch);
    column_loops("out", l.pitch, "in");
  }
  if (l.pitch != d.OW) {
    auto compact = w.block("for (i = 1; i < {}; ++i)", d.OH);
    w.line("memmove(acc + i * {}, acc + i * {}, {});", d.OW, l.pitch, d.OW * 4);
  }
  auto store = [&](const std::string &dst, const std::string &from, const std::string &res) {
    return residual ? v.requantize_residual_store(dst, v.load_acc(from), "mult[m]", "shift[m]", zy, q.act_min,
                                                  q.act_max, res, zr, rr.multiplier, rr.shift)
                    : v.requantize_store(dst, v.load_acc(from), "mult[m]", "shift[m]", zy, q.act_min, q.act_max);
  };
  if (full > 0)
    w.line("for (i = 0; i < {}; i += {}) {}", full, lanes, store("yc + i", "acc + i", "rc + i"));
  if (full < plane) {  // the last partial vector: acc holds `sums` >= plane rounded up to lanes initialised entries
    auto part = w.block("");
    w.line("int8_t part[{}];", lanes);
    if (residual) {
      w.line("int8_t rpart[{}] = {{0}};", lanes);
      w.line("memcpy(rpart, rc + {}, {});", full, plane - full);
    }
    w.line("{}", store("part", fmt::format("acc + {}", full), "rpart"));
    w.line("memcpy(yc + {}, part, {});", full, plane - full);
  }
}

}  // namespace shufflec::kernels
