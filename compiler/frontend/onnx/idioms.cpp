// Rewrites of ONNX idioms the IR has no single node for: channel selection.
#include "compiler/frontend/onnx/converter.h"

namespace shufflec::onnx_import {

// Part `part` of `parts` equal channel slices of x [N, C, H, W], exactly: channel_shuffle(parts) interleaves the
// parts (channel m*parts + j is part j's channel m), then a grouped 1x1 convolution with C/parts groups of `parts`
// input channels and one-hot weights picks channel j of each group (x*1 + y*0 is exact for finite values).
ValueId Converter::select_channels(const NodeProto &n, ValueId x, int64_t parts, int64_t part,
                                   const std::string &name) {
  const Shape xs = g_.shape(x);
  const int64_t C = xs[1], n_out = C / parts;
  Attrs sa;
  sa.groups = parts;
  const ValueId shuffled = emit(n, OpKind::ChannelShuffle, {x}, sa, name + "/interleave");
  ConstTensor w;
  w.dims = {n_out, parts, 1, 1};
  w.f.assign(size_t(n_out * parts), 0.0f);
  for (int64_t m = 0; m < n_out; ++m) w.f[size_t(m * parts + part)] = 1.0f;
  Attrs ca;
  ca.groups = n_out;
  return emit(n, OpKind::Conv2d, {shuffled, ir_const(n, std::move(w), name + "/select.weight")}, ca, name);
}

}  // namespace shufflec::onnx_import
