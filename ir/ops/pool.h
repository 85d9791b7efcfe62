// Shared by max_pool and avg_pool: window checks and the per-output window bounds.
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

}  // namespace shufflec::ops
