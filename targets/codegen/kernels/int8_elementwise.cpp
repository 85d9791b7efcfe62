// int8 elementwise and data-movement kernels (docs/quantization.md): quantize / dequantize at the borders of the
// int8 region, add (TFLite's rescaling), unfused relu, and the byte moves (concat not in place, channel shuffle not
// absorbed, flatten and channel_slice when no view). Also the int8 dispatch: emit_int8 and int8_tables.
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"

namespace shufflec::kernels {

void emit_int8_conv2d(KernelEmitContext &ctx);
void emit_int8_dense(KernelEmitContext &ctx);
void emit_int8_pool(KernelEmitContext &ctx);
void emit_int8_global_avg_pool(KernelEmitContext &ctx);
std::vector<Int8Table> int8_conv_tables(const Graph &g, const Node &n);
std::vector<Int8Table> int8_pool_tables(const Node &n);

namespace {

int64_t count(const KernelEmitContext &ctx) { return ctx.graph.shape(ctx.node.output).elements(); }

void emit_add(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const NodeQuant &q = *n.quant;
  const Requant ra = q.input_rescale[0], rb = q.input_rescale[1], rs = q.input_rescale[2];
  auto loop = ctx.w.block("for (int i = 0; i < {}; ++i)", count(ctx));
  ctx.w.line("const int32_t a = sc_requantize(((int32_t){}[i] - {}) * {}, {}, {});", ctx.in[0],
             int8_params(g, n.inputs[0]).zero_point, 1 << kAddLeftShift, ra.multiplier, ra.shift);
  ctx.w.line("const int32_t b = sc_requantize(((int32_t){}[i] - {}) * {}, {}, {});", ctx.in[1],
             int8_params(g, n.inputs[1]).zero_point, 1 << kAddLeftShift, rb.multiplier, rb.shift);
  ctx.w.line("{}[i] = (int8_t)sc_clamp(sc_requantize(a + b, {}, {}) + {}, {}, {});", ctx.out, rs.multiplier,
             rs.shift, int8_params(g, n.output).zero_point, q.act_min, q.act_max);
}

void emit_relu(KernelEmitContext &ctx) {
  ctx.w.line("for (int i = 0; i < {}; ++i) {}[i] = (int8_t)sc_clamp({}[i], {}, {});", count(ctx), ctx.out, ctx.in[0],
             ctx.node.quant->act_min, ctx.node.quant->act_max);
}

void emit_channel_shuffle(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t C = s[1], plane = s[2] * s[3], G = ctx.node.attrs.groups, per_group = C / G;
  auto batch = ctx.w.block("for (int n = 0; n < {}; ++n)", s[0]);
  auto channel = ctx.w.block("for (int oc = 0; oc < {}; ++oc)", C);
  ctx.w.line("const int ic = (oc % {}) * {} + oc / {};", G, per_group, G);
  ctx.w.line("memcpy({} + (n * {} + oc) * {}, {} + (n * {} + ic) * {}, {});", ctx.out, C, plane, ctx.in[0], C, plane,
             plane);
}

void emit_concat(KernelEmitContext &ctx) {
  SHUFFLEC_ASSERT(!ctx.node.attrs.in_place);  // the module printer emits no code for an in-place concat
  const Shape &os = ctx.graph.shape(ctx.node.output);
  const int64_t inner = os.elements() / (os[0] * os[1]);
  int64_t channel = 0;
  for (size_t i = 0; i < ctx.node.inputs.size(); ++i) {
    const int64_t block = ctx.graph.shape(ctx.node.inputs[i])[1] * inner;
    ctx.w.line("for (int n = 0; n < {}; ++n) memcpy({} + n * {} + {}, {} + n * {}, {});", os[0], ctx.out,
               os[1] * inner, channel * inner, ctx.in[i], block, block);
    channel += ctx.graph.shape(ctx.node.inputs[i])[1];
  }
}

void emit_flatten(KernelEmitContext &ctx) {
  ctx.w.line("if ({} != {}) memcpy({}, {}, {});", ctx.out, ctx.in[0], ctx.out, ctx.in[0], count(ctx));
}

void emit_channel_slice(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t plane = s[2] * s[3], block = (ctx.node.attrs.end - ctx.node.attrs.begin) * plane;
  ctx.w.line("for (int n = 0; n < {}; ++n) memcpy({} + n * {}, {} + n * {} + {}, {});", s[0], ctx.out, block,
             ctx.in[0], s[1] * plane, ctx.node.attrs.begin * plane, block);
}

}  // namespace

// float -> int8 (the first layer of a quantized model: <prefix>_run stays float in).
void emit_Quantize(KernelEmitContext &ctx) {
  const QuantParams &q = int8_params(ctx.graph, ctx.node.output);
  ctx.w.line("for (int i = 0; i < {}; ++i) {}[i] = sc_quantize({}[i], {}, {});", count(ctx), ctx.out, ctx.in[0],
             float_c(q.scale), q.zero_point);
}

// int8 -> float (before the graph output or a float layer such as softmax).
void emit_Dequantize(KernelEmitContext &ctx) {
  const QuantParams &q = int8_params(ctx.graph, ctx.node.inputs[0]);
  ctx.w.line("for (int i = 0; i < {}; ++i) {}[i] = {} * (float)((int32_t){}[i] - {});", count(ctx), ctx.out,
             float_c(q.scale), ctx.in[0], q.zero_point);
}

void emit_int8(KernelEmitContext &ctx) {
  switch (ctx.node.op) {
    case OpKind::Conv2d: return emit_int8_conv2d(ctx);
    case OpKind::Dense: return emit_int8_dense(ctx);
    case OpKind::AvgPool:
    case OpKind::MaxPool: return emit_int8_pool(ctx);
    case OpKind::GlobalAvgPool: return emit_int8_global_avg_pool(ctx);
    case OpKind::Add: return emit_add(ctx);
    case OpKind::Relu: return emit_relu(ctx);
    case OpKind::ChannelShuffle: return emit_channel_shuffle(ctx);
    case OpKind::Concat: return emit_concat(ctx);
    case OpKind::Flatten: return emit_flatten(ctx);
    case OpKind::ChannelSlice: return emit_channel_slice(ctx);
    default: SHUFFLEC_ASSERT(!"no int8 kernel for this op (the quantize_int8 pass keeps it in float)");
  }
}

std::vector<Int8Table> int8_tables(const Graph &g, const Node &n) {
  switch (n.op) {
    case OpKind::Conv2d:
    case OpKind::Dense: return int8_conv_tables(g, n);
    case OpKind::AvgPool: return int8_pool_tables(n);
    default: return {};
  }
}

}  // namespace shufflec::kernels
