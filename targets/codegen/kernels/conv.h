// The conv kernel family (conv2d's kernels, one per ConvKernel of ir/schedule.h), shared declarations.
#pragma once
#include <string>

#include "ir/ops/conv2d.h"
#include "targets/codegen/kernel_context.h"

namespace shufflec::kernels {

struct ConvOperands {
  bool has_bias, has_residual;
  // C name of the static table `stored` of the output channel map (the absorbed shuffle), or empty: identity.
  std::string map;
};

// Declares the output channel map's table when the conv has one; returns its C name (empty: identity).
std::string emit_channel_map(CWriter &w, const Attrs &a);

void emit_conv_pointwise(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o);
void emit_conv_direct(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o, int64_t channels);
void emit_conv_depthwise(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o);
void emit_conv_depthwise_flat(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o);
// Inside the batch (n) and channel (m) loops of a depthwise kernel: xp, wm, yp (and rp) for channel m's plane.
void emit_depthwise_channel_pointers(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o);
void emit_conv_gemm(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o, const GemmSchedule &s);

}  // namespace shufflec::kernels
