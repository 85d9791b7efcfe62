// The flat-plane depthwise conv (ConvKernel::DepthwiseFlat, targets/depthwise_flat.h): for planes too narrow for the
// row kernel's vectors. Per channel: the input is copied into the middle of a zero-padded plane (its border is
// zeroed once, before the first channel), every output of the plane is computed as vectors over the flat padded
// plane with no padding checks, and a last loop drops each row's extra columns while applying the residual and the
// activation (a plain loop over the row, which compilers vectorise; sc_expf has no calls).
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernels/conv.h"
#include "targets/depthwise_flat.h"

namespace shufflec::kernels {

void emit_conv_depthwise_flat(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const VectorDialect *v = ctx.target.simd;
  SHUFFLEC_ASSERT(v != nullptr && prefers_depthwise_flat(d, a, v->width()));
  const int64_t VW = v->width(), K = d.KH * d.KW;
  const DepthwiseFlatLayout l = depthwise_flat_layout(d, a, VW);
  const int64_t wp = l.padded_width, pt = a.pads[0], pl = a.pads[1];
  w.line("float *restrict pad = {};", ctx.workspace);
  w.line("float *restrict sums = {} + {};", ctx.workspace, l.padded_floats);
  w.line("for (int i = 0; i < {}; ++i) pad[i] = 0.0f;", l.padded_floats);
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  emit_depthwise_channel_pointers(ctx, d, o);
  w.line("const {} vb = {};", v->type(), v->splat(o.has_bias ? ctx.in[2] + "[m]" : "0.0f"));
  for (int64_t k = 0; k < K; ++k) w.line("const {} vw{} = {};", v->type(), k, v->splat(fmt::format("wm[{}]", k)));
  {
    auto rows = w.block("for (int iy = 0; iy < {}; ++iy)", d.H);
    w.line("for (int ix = 0; ix < {}; ++ix) pad[(iy + {}) * {} + {} + ix] = xp[iy * {} + ix];", d.W, pt, wp, pl, d.W);
  }
  {
    auto vectors = w.block("for (int o = 0; o < {}; o += {})", l.sums_floats, VW);
    w.line("{} acc = vb;", v->type());
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx)
        w.line("acc = {};", v->fma(fmt::format("vw{}", ky * d.KW + kx),
                                   v->load(fmt::format("pad + o + {}", ky * wp + kx)), "acc"));
    w.line("{};", v->store("sums + o", "acc"));
  }
  auto rows = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
  w.line("const float *restrict sr = sums + oy * {};", wp);
  w.line("float *restrict yr = yp + oy * {};", d.OW);
  if (o.has_residual) w.line("const float *restrict rr = rp + oy * {};", d.OW);
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = {};", d.OW,
         activation_c(a, o.has_residual ? "(sr[ox] + rr[ox])" : "sr[ox]"));
}

}  // namespace shufflec::kernels
