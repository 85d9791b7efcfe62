// Shared by max_pool and avg_pool: window checks and the row buffer of the separable kernels.
#pragma once
#include "ir/ops/common.h"

namespace shufflec::ops {

inline Shape infer_pool(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  const Attrs &a = n.attrs;
  for (int i = 0; i < 4; ++i)
    if (a.pads[i] >= a.kernel[i % 2] && a.kernel[i % 2] >= 1)
      throw g.error(n, fmt::format("pad {} must be smaller than the kernel {}", a.pads[i], a.kernel[i % 2]));
  const Shape &x = in_shape(g, n, 0);
  auto [oh, ow] = infer_window(g, n, x, a.kernel);
  return Shape{{x[0], x[1], oh, ow}};
}

// Separable pooling reduces the window's input rows into a row buffer laid out as the padded input row (buffer column
// = input column + left pad), then the window's columns of that buffer. Its width covers the left pad, the input row
// and every column a window reaches (right pad, ceil_mode overhang).
inline int64_t pool_row_buffer_width(int64_t in_w, int64_t out_w, int64_t k, int64_t s, int64_t d, int64_t pad_left) {
  return std::max((out_w - 1) * s + (k - 1) * d + 1, pad_left + in_w);
}
// Wider buffers (absurd shapes) fall back to the row-at-a-time kernels rather than grow the stack past 16 KiB.
constexpr int64_t kPoolRowBufferMax = 4096;
// Kernels up to this many taps per direction are fully unrolled; taller or wider ones loop over the taps.
constexpr int64_t kPoolUnrollTaps = 8;

}  // namespace shufflec::ops
