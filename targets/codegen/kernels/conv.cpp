// conv2d: prints the kernel its schedule names (set by the schedule_convs pass).
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/conv.h"

namespace shufflec::kernels {

std::string emit_channel_map(CWriter &w, const Attrs &a) {
  if (a.out_channel_map.empty()) return "";
  w.line("static const int stored[{}] = {{{}}};", a.out_channel_map.size(), fmt::join(a.out_channel_map, ", "));
  return "stored";
}

void emit_Conv2d(KernelEmitContext &ctx) {
  SHUFFLEC_ASSERT(ctx.node.schedule.has_value());  // schedule_convs always runs before code generation
  const ConvSchedule &s = *ctx.node.schedule;
  SHUFFLEC_ASSERT((s.workspace_floats > 0) == !ctx.workspace.empty());
  const ConvDims d = conv_dims(ctx.graph, ctx.node);
  const bool has_bias = ctx.node.inputs.size() > 2, has_residual = ctx.node.inputs.size() > 3;
  switch (s.kernel) {
    case ConvKernel::Gemm:
      return emit_conv_gemm(ctx, d, {has_bias, has_residual, emit_channel_map(ctx.w, ctx.node.attrs)}, s.gemm);
    case ConvKernel::Pointwise:
      return emit_conv_pointwise(ctx, d, {has_bias, has_residual, emit_channel_map(ctx.w, ctx.node.attrs)});
    case ConvKernel::Depthwise:
      return emit_conv_depthwise(ctx, d, {has_bias, has_residual, emit_channel_map(ctx.w, ctx.node.attrs)});
    case ConvKernel::DepthwiseFlat:
      return emit_conv_depthwise_flat(ctx, d, {has_bias, has_residual, emit_channel_map(ctx.w, ctx.node.attrs)});
    case ConvKernel::Direct:
      return emit_conv_direct(ctx, d, {has_bias, has_residual, emit_channel_map(ctx.w, ctx.node.attrs)},
                              s.direct_channels);
    case ConvKernel::Int8Gemm:
    case ConvKernel::Int8Rows: SHUFFLEC_ASSERT(!"an int8 schedule on a float conv"); return;
  }
}

}  // namespace shufflec::kernels
