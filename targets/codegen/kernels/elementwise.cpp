// Elementwise and data-movement kernels: add, mul, relu/relu6 and the other activations, batch_norm (unfolded), channel_shuffle (not absorbed),
// concat (not in place), flatten and channel_slice (when they are no view), softmax.
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"
#include "ir/op.h"

namespace shufflec::kernels {

void emit_Add(KernelEmitContext &ctx) {
  const int64_t count = ctx.graph.shape(ctx.node.output).elements();
  auto loop = ctx.w.block("for (int i = 0; i < {}; ++i)", count);
  ctx.w.line("const float v = {}[i] + {}[i];", ctx.in[0], ctx.in[1]);
  ctx.w.line("{}[i] = {};", ctx.out, activation_c(ctx.node.attrs, "v"));
}

// relu, or relu6 when its activation says so.
void emit_Relu(KernelEmitContext &ctx) {
  const Activation clamp = ctx.node.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
  const int64_t count = ctx.graph.shape(ctx.node.output).elements();
  auto loop = ctx.w.block("for (int i = 0; i < {}; ++i)", count);
  ctx.w.line("const float v = {}[i];", ctx.in[0]);
  ctx.w.line("{}[i] = {};", ctx.out, activation_c(clamp, "v"));
}

namespace {
// A standalone activation (fuse_activation found no producer to take it): one scalar loop.
void emit_activation(KernelEmitContext &ctx) {
  const int64_t count = ctx.graph.shape(ctx.node.output).elements();
  const Attrs &a = ctx.node.attrs;
  auto loop = ctx.w.block("for (int i = 0; i < {}; ++i)", count);
  ctx.w.line("const float v = {}[i];", ctx.in[0]);
  ctx.w.line("{}[i] = {};", ctx.out, activation_c(*activation_applied_by(ctx.node), "v", a.alpha, a.beta));
}
}  // namespace

void emit_Sigmoid(KernelEmitContext &ctx) { emit_activation(ctx); }
void emit_HardSigmoid(KernelEmitContext &ctx) { emit_activation(ctx); }
void emit_HardSwish(KernelEmitContext &ctx) { emit_activation(ctx); }
void emit_Silu(KernelEmitContext &ctx) { emit_activation(ctx); }

// mul: same shapes elementwise, or one factor per channel plane (the loop over a plane vectorises).
void emit_Mul(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]);
  CWriter &w = ctx.w;
  if (ctx.graph.shape(ctx.node.inputs[1]) == x) {
    w.line("for (int i = 0; i < {}; ++i) {}[i] = {}[i] * {}[i];", x.elements(), ctx.out, ctx.in[0], ctx.in[1]);
    return;
  }
  const int64_t plane = x[2] * x[3];
  auto planes = w.block("for (int c = 0; c < {}; ++c)", x[0] * x[1]);
  w.line("const float s = {}[c];", ctx.in[1]);
  w.line("const float *restrict xp = {} + c * {};", ctx.in[0], plane);
  w.line("float *restrict yp = {} + c * {};", ctx.out, plane);
  w.line("for (int p = 0; p < {}; ++p) yp[p] = xp[p] * s;", plane);
}

void emit_BatchNorm(KernelEmitContext &ctx) {
  CWriter &w = ctx.w;
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t C = s[1], inner = s.elements() / (s[0] * C);
  auto batch = w.block("for (int n = 0; n < {}; ++n)", s[0]);
  auto channel = w.block("for (int c = 0; c < {}; ++c)", C);
  w.line("const float a = {}[c] / sqrtf({}[c] + {});", ctx.in[1], ctx.in[4], float_c(ctx.node.attrs.epsilon));
  w.line("const float b = {}[c] - {}[c] * a;", ctx.in[2], ctx.in[3]);
  w.line("const float *restrict xp = {} + (n * {} + c) * {};", ctx.in[0], C, inner);
  w.line("float *restrict yp = {} + (n * {} + c) * {};", ctx.out, C, inner);
  w.line("for (int i = 0; i < {}; ++i) yp[i] = xp[i] * a + b;", inner);
}

void emit_ChannelShuffle(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t C = s[1], plane = s[2] * s[3], G = ctx.node.attrs.groups, per_group = C / G;
  CWriter &w = ctx.w;
  auto batch = w.block("for (int n = 0; n < {}; ++n)", s[0]);
  auto channel = w.block("for (int oc = 0; oc < {}; ++oc)", C);
  w.line("const int ic = (oc % {}) * {} + oc / {};", G, per_group, G);
  w.line("memcpy({} + (n * {} + oc) * {}, {} + (n * {} + ic) * {}, {} * sizeof(float));", ctx.out, C, plane,
         ctx.in[0], C, plane, plane);
}

void emit_Concat(KernelEmitContext &ctx) {
  SHUFFLEC_ASSERT(!ctx.node.attrs.in_place);  // the module printer emits no code for an in-place concat
  const Shape &os = ctx.graph.shape(ctx.node.output);
  const int64_t inner = os.elements() / (os[0] * os[1]);
  int64_t channel = 0;
  for (size_t i = 0; i < ctx.node.inputs.size(); ++i) {
    const int64_t block = ctx.graph.shape(ctx.node.inputs[i])[1] * inner;
    ctx.w.line("for (int n = 0; n < {}; ++n) memcpy({} + n * {} + {}, {} + n * {}, {} * sizeof(float));", os[0],
               ctx.out, os[1] * inner, channel * inner, ctx.in[i], block, block);
    channel += ctx.graph.shape(ctx.node.inputs[i])[1];
  }
}

// Flatten reinterprets its input; it copies only when the memory plan gave the two different buffers.
void emit_Flatten(KernelEmitContext &ctx) {
  const int64_t count = ctx.graph.shape(ctx.node.output).elements();
  ctx.w.line("if ({} != {}) memcpy({}, {}, {} * sizeof(float));", ctx.out, ctx.in[0], ctx.out, ctx.in[0], count);
}

// channel_slice when its output is no view of its input (N > 1, or the graph output): one copy per image.
void emit_ChannelSlice(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t plane = s[2] * s[3], block = (ctx.node.attrs.end - ctx.node.attrs.begin) * plane;
  ctx.w.line("for (int n = 0; n < {}; ++n) memcpy({} + n * {}, {} + n * {} + {}, {} * sizeof(float));", s[0],
             ctx.out, block, ctx.in[0], s[1] * plane, ctx.node.attrs.begin * plane, block);
}

void emit_Softmax(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  CWriter &w = ctx.w;
  auto batch = w.block("for (int n = 0; n < {}; ++n)", s[0]);
  w.line("const float *restrict xr = {} + n * {};", ctx.in[0], s[1]);
  w.line("float *restrict yr = {} + n * {};", ctx.out, s[1]);
  w.line("float mx = xr[0], sum = 0.0f;");
  w.line("for (int k = 1; k < {}; ++k) mx = xr[k] > mx ? xr[k] : mx;", s[1]);
  w.line("for (int k = 0; k < {}; ++k) {{ yr[k] = expf(xr[k] - mx); sum += yr[k]; }}", s[1]);
  w.line("for (int k = 0; k < {}; ++k) yr[k] /= sum;", s[1]);
}

}  // namespace shufflec::kernels
