// The flat-plane depthwise conv's workspace (ConvKernel::DepthwiseFlat), shared by the scheduling pass, which sizes
// the arena scratch, and the kernel emitter, which lays it out (targets/codegen/kernels/conv_depthwise_flat.cpp).
#pragma once
#include <algorithm>
#include <cstdint>

#include "ir/ops/conv2d.h"

namespace shufflec {

// A channel's input is copied into a zero-padded plane `padded_width` floats wide; output (oy, ox) is then the sum
// over taps of padded[(oy + ky) * padded_width + ox + kx], i.e. output o = oy * padded_width + ox of a 1-D
// convolution over the flat plane, computed `lanes` at a time whatever the plane's width (the columns ox >= OW of
// each row are computed and dropped). Stride 1, dilation 1.
struct DepthwiseFlatLayout {
  int64_t padded_width, padded_floats, sums_floats;
  int64_t workspace_floats() const { return padded_floats + sums_floats; }
};

inline DepthwiseFlatLayout depthwise_flat_layout(const ConvDims &d, const Attrs &a, int64_t lanes) {
  const int64_t wp = d.W + a.pads[1] + a.pads[3], hp = d.H + a.pads[0] + a.pads[2];
  const int64_t sums = (d.OH * wp + lanes - 1) / lanes * lanes;  // whole vectors: the last one runs past OH rows
  // The last vector's taps read up to sums - 1 + (KH - 1) * wp + KW - 1: zeros past the padded plane.
  const int64_t padded = std::max(hp * wp, sums + (d.KH - 1) * wp + d.KW - 1);
  return {wp, padded, sums};
}

// Whether the flat kernel beats the row kernel: stride and dilation 1 on a SIMD target, and a plane so narrow that
// the row kernel's interior (the columns whose taps need no padding check) holds no whole vector, so it would run
// scalar (EfficientNet's and MnasNet's 5x5 depthwise convs on 14x14 and 7x7 planes, ShuffleNet's 3x3 on 14x14 and
// 7x7 with 16 AVX-512 lanes).
inline bool prefers_depthwise_flat(const ConvDims &d, const Attrs &a, int64_t lanes) {
  const bool unit = a.stride[0] == 1 && a.stride[1] == 1 && a.dilation[0] == 1 && a.dilation[1] == 1;
  return lanes > 1 && unit && d.OW - a.pads[1] - a.pads[3] < lanes && d.H * d.W <= 64 * 64;
}

}  // namespace shufflec
