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

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kGlobalAvgPoolInfo;
const OpInfo kGlobalAvgPoolInfo{OpKind::GlobalAvgPool, "global_avg_pool", {{"x", false, false}}, false, {},
                                ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
