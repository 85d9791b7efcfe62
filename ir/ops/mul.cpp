// mul: elementwise product of x [N, C, H, W] and a scale of the same shape or [N, C, 1, 1] (one factor per
// channel plane: the excitation of a squeeze-excitation block).
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

bool per_channel(const Shape &x, const Shape &s) { return s != x; }

Shape infer(const Graph &g, const Node &n) {
  const Shape &x = in_shape(g, n, 0), &s = in_shape(g, n, 1);
  if (s == x) return x;
  if (x.rank() != 4 || s != Shape{{x[0], x[1], 1, 1}})
    throw g.error(n, fmt::format("the scale must have the input's shape {} or one factor per channel plane "
                                 "[N, C, 1, 1] of an [N, C, H, W] input, got {}",
                                 x.str(), s.str()));
  return x;
}

void reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &x = in[0]->shape;
  const bool planes = per_channel(x, in[1]->shape);
  const int64_t plane = planes ? x[2] * x[3] : 1;
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = float(double(in[0]->data[i]) * in[1]->data[i / size_t(plane)]);
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kMulInfo;
const OpInfo kMulInfo{OpKind::Mul, "mul", {{"x", false, false}, {"scale", false, false}}, false, {},
                      ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
