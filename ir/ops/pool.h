// Shared by max_pool and avg_pool (and their kernels): window checks and window spans.
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

// The rows (or columns) of window o: its length inside the padded input, and [lo, hi) inside the real input.
struct WindowSpan {
  int64_t padded, lo, hi;
};
inline WindowSpan window_span(int64_t o, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t in) {
  const int64_t start = o * s - p0;
  const int64_t end = std::min(start + k, in + p1);
  return {end - start, std::max<int64_t>(start, 0), std::min(end, in)};
}

}  // namespace shufflec::ops
