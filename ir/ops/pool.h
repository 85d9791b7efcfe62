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

// The separable kernels' common prologue: the row buffer b[BW] with its padding columns (left PL, right past
// PL + W) set to `fill`, the pad row that window rows outside the input read, and the plane and output-row loops,
// left open for the caller to close, with iy0 the window's first input row.
inline void emit_pool_rows_prologue(KernelEmitContext &ctx, int64_t BW, int64_t PL, int64_t W, bool pad_row,
                                    const char *fill, int64_t H, int64_t OH, int64_t OW, int64_t SH, int64_t PT) {
  CWriter &w = ctx.w;
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]);
  w.line("float b[{}];", BW);
  if (PL > 0) w.line("for (int i = 0; i < {}; ++i) b[i] = {};", PL, fill);
  if (PL + W < BW) w.line("for (int i = {}; i < {}; ++i) b[i] = {};", PL + W, BW, fill);
  if (pad_row) {
    w.line("float pad[{}];", W);
    w.line("for (int i = 0; i < {}; ++i) pad[i] = {};", W, fill);
  }
  w.open("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], H * W);
  w.line("float *restrict yp = {} + p * {};", ctx.out, OH * OW);
  w.open("for (int oy = 0; oy < {}; ++oy)", OH);
  w.line("const int iy0 = oy * {} - {};", SH, PT);
}

}  // namespace shufflec::ops
