// global_avg_pool: [N, C, H, W] -> [N, C, 1, 1], the mean of each channel plane.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  const Shape &x = in_shape(g, n, 0);
  return Shape{{x[0], x[1], 1, 1}};
}

void reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape;
  const int64_t plane = x[2] * x[3];
  for (int64_t p = 0; p < x[0] * x[1]; ++p) {
    double sum = 0.0;
    for (int64_t i = 0; i < plane; ++i) sum += in[0]->data[p * plane + i];
    out.data[p] = float(sum / double(plane));
  }
}

void emit_c(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t plane = x[2] * x[3];
  ctx.w.open("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  ctx.w.line("const float *restrict xp = {} + p * {};", ctx.in[0], plane);
  ctx.w.line("float sum = 0.0f;");
  ctx.w.line("for (int i = 0; i < {}; ++i) sum += xp[i];", plane);
  ctx.w.line("{}[p] = sum * {};", ctx.out, float_c(1.0 / double(plane)));
  ctx.w.close();
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kGlobalAvgPoolInfo;
const OpInfo kGlobalAvgPoolInfo{OpKind::GlobalAvgPool, "global_avg_pool", {{"x", false, false}}, false, {},
                                ops::infer, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
