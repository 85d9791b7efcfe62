// int8 conv2d and dense (docs/quantization.md): int32 sums of (x - zero point) * int8 weight, per output channel
// requantization, the fused ReLU as the clamp. Output channel m is stored at the absorbed shuffle's position
// (a store map table). Portable C, one direct loop nest; a 1x1 conv the schedule made an Int8Gemm goes to the SIMD
// int8 GEMM (int8_gemm.cpp).
#include "ir/ops/conv2d.h"
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"

namespace shufflec::kernels {

// The Cortex-M DSP variant of a pointwise conv's pixel loops (int8_conv_dual_mac.cpp).
void emit_int8_pointwise_dual_mac(KernelEmitContext &ctx);

namespace {

std::vector<int32_t> widen(const std::vector<int8_t> &v) { return {v.begin(), v.end()}; }

// The weights, bias and requantization tables of a conv or dense node (and a conv's store map).
std::vector<Int8Table> weight_tables(const Node &n) {
  const NodeQuant &q = *n.quant;
  std::vector<int32_t> mult, shift;
  for (const Requant &r : q.requant) mult.push_back(r.multiplier), shift.push_back(r.shift);
  std::vector<Int8Table> t{{"weights", widen(q.weights)}, {"bias", q.bias}, {"multipliers", mult}, {"shifts", shift}};
  if (!n.attrs.out_channel_map.empty())
    t.push_back({"store map", {n.attrs.out_channel_map.begin(), n.attrs.out_channel_map.end()}});
  return t;
}

// Declares the tables as locals wt, bias, mult, shift (and store), each in its table's type.
void declare_tables(KernelEmitContext &ctx, const std::vector<Int8Table> &tables) {
  static const char *const names[] = {"wt", "bias", "mult", "shift", "store"};
  for (size_t i = 0; i < tables.size(); ++i)
    ctx.w.line("const {} *restrict {} = {};", tables[i].c_type(), names[i], ctx.tables[i]);
}

// A dense node's tables: weight_tables with -zero_point * sum(w) added to each bias (wrapping like the int32 sums).
std::vector<Int8Table> dense_tables(const Graph &g, const Node &n) {
  std::vector<Int8Table> t = weight_tables(n);
  const int64_t K = g.shape(n.inputs[0])[1];
  const int64_t zx = int8_params(g, n.inputs[0]).zero_point;
  std::vector<int32_t> bias = n.quant->bias;
  for (size_t m = 0; m < bias.size(); ++m) {
    int64_t sum = 0;
    for (int64_t k = 0; k < K; ++k) sum += n.quant->weights[m * size_t(K) + size_t(k)];
    bias[m] = int32_t(uint32_t(int64_t(bias[m]) - zx * sum));
  }
  t[1] = Int8Table{t[1].role, bias};
  return t;
}

}  // namespace

void emit_int8_gemm(KernelEmitContext &ctx);
void emit_int8_rows(KernelEmitContext &ctx);
std::vector<Int8Table> int8_gemm_tables(const Graph &g, const Node &n);

namespace {
bool is_int8_gemm(const Node &n) { return n.schedule && n.schedule->kernel == ConvKernel::Int8Gemm; }
}  // namespace

void emit_int8_conv2d(KernelEmitContext &ctx) {
  if (is_int8_gemm(ctx.node)) return emit_int8_gemm(ctx);  // the SIMD int8 GEMM (int8_gemm.cpp)
  if (ctx.node.schedule && ctx.node.schedule->kernel == ConvKernel::Int8Rows) return emit_int8_rows(ctx);
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const NodeQuant &q = *n.quant;
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point, zy = int8_params(g, n.output).zero_point;
  const bool residual = n.inputs.size() > 3;
  const int64_t K = d.CG * d.KH * d.KW, plane = d.OH * d.OW;
  CWriter &w = ctx.w;
  declare_tables(ctx, weight_tables(n));
  const std::string store = a.out_channel_map.empty() ? "m" : "store[m]";
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const int8_t *restrict xg = {} + (n * {} + m / {} * {}) * {};", ctx.in[0], d.C, d.MG, d.CG, d.H * d.W);
  w.line("const int8_t *restrict wm = wt + m * {};", K);
  w.line("const int o = (n * {} + {}) * {};", d.M, store, plane);
  if (residual) w.line("const int8_t *restrict rp = {} + o;", ctx.in[3]);
  w.line("int8_t *restrict yp = {} + o;", ctx.out);
  if (ctx.target.int8_dual_mac && is_pointwise_conv(d, a)) {
    emit_int8_pointwise_dual_mac(ctx);
    return;
  }
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
  auto col = w.block("for (int ox = 0; ox < {}; ++ox)", d.OW);
  w.line("int32_t acc = bias[m];");
  if (is_pointwise_conv(d, a)) {
    w.line("for (int c = 0; c < {}; ++c) acc += ((int32_t)xg[c * {} + oy * {} + ox] - {}) * wm[c];", d.CG,
           d.H * d.W, d.W, zx);
  } else {
    auto taps = w.block("for (int c = 0; c < {}; ++c)", d.CG);
    auto ky = w.block("for (int ky = 0; ky < {}; ++ky)", d.KH);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("if (iy < 0 || iy >= {}) continue;", d.H);
    auto kx = w.block("for (int kx = 0; kx < {}; ++kx)", d.KW);
    w.line("const int ix = ox * {} - {} + kx * {};", a.stride[1], a.pads[1], a.dilation[1]);
    w.line("if (ix < 0 || ix >= {}) continue;", d.W);
    w.line("acc += ((int32_t)xg[(c * {} + iy) * {} + ix] - {}) * wm[(c * {} + ky) * {} + kx];", d.H, d.W, zx, d.KH,
           d.KW);
  }
  w.line("acc = sc_requantize(acc, mult[m], shift[m]) + {};", zy);
  if (residual)
    w.line("acc += sc_requantize((int32_t)rp[oy * {} + ox] - {}, {}, {});", d.OW,
           int8_params(g, n.inputs[3]).zero_point, q.input_rescale[0].multiplier, q.input_rescale[0].shift);
  w.line("yp[oy * {} + ox] = (int8_t)sc_clamp(acc, {}, {});", d.OW, q.act_min, q.act_max);
}

// dense: the bias table absorbs -zero_point * sum(w) (dense_tables), so each output is a plain int8 x int8 dot
// product, a reduction the C compiler turns into vpmaddwd / sdot-like multiply-adds. The same int32 sum mod 2^32.
void emit_int8_dense(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const int64_t N = g.shape(n.inputs[0])[0], K = g.shape(n.inputs[0])[1], M = g.shape(n.inputs[1])[0];
  const int32_t zy = int8_params(g, n.output).zero_point;
  CWriter &w = ctx.w;
  declare_tables(ctx, dense_tables(g, n));
  auto batch = w.block("for (int n = 0; n < {}; ++n)", N);
  w.line("const int8_t *restrict xn = {} + n * {};", ctx.in[0], K);
  auto row = w.block("for (int m = 0; m < {}; ++m)", M);
  w.line("const int8_t *restrict wm = wt + m * {};", K);
  w.line("int32_t acc = bias[m];");
  w.line("for (int k = 0; k < {}; ++k) acc += (int16_t)(xn[k] * wm[k]);", K);
  w.line("acc = sc_requantize(acc, mult[m], shift[m]) + {};", zy);
  w.line("{}[n * {} + m] = (int8_t)sc_clamp(acc, {}, {});", ctx.out, M, n.quant->act_min, n.quant->act_max);
}

std::vector<Int8Table> int8_conv_tables(const Graph &g, const Node &n) {
  if (n.op == OpKind::Dense) return dense_tables(g, n);
  return is_int8_gemm(n) ? int8_gemm_tables(g, n) : weight_tables(n);
}

}  // namespace shufflec::kernels
